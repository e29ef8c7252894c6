"""``miniconv.nn.functional`` (``import miniconv.nn.functional as F``): the differentiable NN ops.

One file per family, mirroring ``nn/modules/``; argument parsing shared with the Modules lives in
``_args.py`` so that the same mistake raises the same error through both.
"""
from .activation import (
    elu, gelu, hardtanh, leaky_relu, log_softmax, mish, relu, relu6, sigmoid, silu, softmax, softplus, softsign, tanh,
)
from .conv import _same_padding, conv1d, conv2d, conv_transpose2d
from .dropout import dropout, dropout2d
from .linear import linear
from .loss import (
    _check_reduction, binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div,
    l1_loss, mse_loss, nll_loss, smooth_l1_loss,
)
from .normalization import batch_norm, cosine_similarity, group_norm, instance_norm, layer_norm, normalize
from .padding import pad
from .pooling import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from .sparse import embedding, one_hot

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "conv2d", "cross_entropy", "dropout", "dropout2d",
    "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "pad", "relu", "sigmoid",
    "softmax", "tanh", "elu", "gelu", "silu", "softplus", "hardtanh", "relu6", "mish", "softsign", "conv1d",
    "conv_transpose2d", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "layer_norm", "group_norm", "instance_norm", "adaptive_max_pool2d",
    "embedding", "one_hot", "normalize", "cosine_similarity",
]

# -- more activations ----------------------------------------------------------------------------------------
from .activation import (  # noqa: E402
    celu, celu_, elu_, glu, hardshrink, hardsigmoid, hardswish, hardtanh_, leaky_relu_, logsigmoid, prelu, relu_,
    rrelu, rrelu_, selu, selu_, softmin, softshrink, tanhshrink, threshold, threshold_,
)

__all__ += [
    "celu", "celu_", "elu_", "glu", "hardshrink", "hardsigmoid", "hardswish", "hardtanh_", "leaky_relu_",
    "logsigmoid", "prelu", "relu_", "rrelu", "rrelu_", "selu", "selu_", "softmin", "softshrink", "tanhshrink",
    "threshold", "threshold_",
]

# -- resampling --------------------------------------------------------------------------------------------
from .upsampling import (  # noqa: E402
    channel_shuffle, interpolate, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear, upsample_nearest,
)

__all__ += [
    "channel_shuffle", "interpolate", "pixel_shuffle", "pixel_unshuffle", "upsample", "upsample_bilinear",
    "upsample_nearest",
]
from .fold import fold, unfold  # noqa: E402

__all__ += ["fold", "unfold"]
from .pooling_more import (  # noqa: E402
    adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d_with_indices,
    avg_pool1d, local_response_norm, lp_pool1d, lp_pool2d, max_pool1d, max_pool1d_with_indices,
    max_pool2d_with_indices,
)
from .distance import bilinear, pairwise_distance  # noqa: E402

__all__ += [
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "avg_pool1d", "local_response_norm", "lp_pool1d", "lp_pool2d", "max_pool1d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "bilinear", "pairwise_distance",
]
from .loss_more import (  # noqa: E402
    cosine_embedding_loss, gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
    multilabel_margin_loss, multilabel_soft_margin_loss, poisson_nll_loss, soft_margin_loss, triplet_margin_loss,
    triplet_margin_with_distance_loss,
)

__all__ += [
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss", "multi_margin_loss",
    "multilabel_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss",
    "triplet_margin_loss", "triplet_margin_with_distance_loss",
]
from .attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402

__all__ += ["multi_head_attention_forward", "scaled_dot_product_attention"]
from .pooling_more import max_unpool1d, max_unpool2d  # noqa: E402
from .rms_norm import rms_norm  # noqa: E402

__all__ += ["max_unpool1d", "max_unpool2d", "rms_norm"]
from .vision import affine_grid, grid_sample  # noqa: E402

__all__ += ["affine_grid", "grid_sample"]
from .dropout_more import alpha_dropout, dropout1d, feature_alpha_dropout, gumbel_softmax, pdist  # noqa: E402

__all__ += ["alpha_dropout", "dropout1d", "feature_alpha_dropout", "gumbel_softmax", "pdist"]
from .embedding_bag import embedding_bag  # noqa: E402

__all__ += ["embedding_bag"]

# -- transposed 1-D convolution -------------------------------------------------------------------------------
from .conv import conv_transpose1d  # noqa: E402

__all__ += ["conv_transpose1d"]
# 3-D convolution and pooling (volumetric.py)
from .volumetric import (  # noqa: E402
    adaptive_avg_pool3d, adaptive_max_pool3d, adaptive_max_pool3d_with_indices, avg_pool3d, conv3d, conv_transpose3d,
    dropout3d, lp_pool3d, max_pool3d, max_pool3d_with_indices, max_unpool3d,
)

__all__ += ["adaptive_avg_pool3d", "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices", "avg_pool3d", "conv3d",
            "conv_transpose3d", "dropout3d", "lp_pool3d", "max_pool3d", "max_pool3d_with_indices", "max_unpool3d"]
from .ctc import ctc_loss  # noqa: E402

__all__ += ["ctc_loss"]

# NumPy's names (axis=, keepdims=, x=/a=/x1= for input=, x2= for other=) on the functions PyTorch binds
# natively, whose parser takes them; the ones it writes in Python refuse them, as here: miniconv/_numpy_args.py
from ..._numpy_args import NATIVE_IN_TORCH_FUNCTIONAL as _NATIVE, install_named as _install_numpy_names  # noqa: E402

_install_numpy_names(globals(), _NATIVE)
