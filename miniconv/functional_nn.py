"""The ``torch.*`` forms of neural-network functions: ``torch.dropout(x, p, train)``,
``torch.batch_norm(...)``, ``torch.embedding(weight, indices)``, ``torch.kl_div(..., reduction=1)``...

They are ATen's signatures, not ``torch.nn.functional``'s: positional arguments that ``F`` makes
optional are required here (``train``, ``cudnn_enabled``), some come in another order
(``embedding`` takes the weight first, ``batch_norm`` the weight before the running statistics),
and losses take ``reduction`` as an int (0 none, 1 mean, 2 sum) whose default, as PyTorch's Python
binding of these ATen functions gives it, is 0: unreduced. Each forwards to the
``nn.functional`` implementation, so values, gradients and errors are those of ``F``.
"""
import warnings

from .nn import functional as F

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(name, value, position):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name}(): argument 'reduction' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    if value not in _REDUCTIONS:
        raise ValueError(f"{value} is not a valid value for reduction")
    return _REDUCTIONS[value]


def dropout(input, p, train):  # noqa: A002
    return F.dropout(input, p, train)


def dropout_(input, p, train):  # noqa: A002
    return F.dropout(input, p, train, inplace=True)


def alpha_dropout(input, p, train):  # noqa: A002
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input, p, train):  # noqa: A002
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input, p, train):  # noqa: A002
    return F.feature_alpha_dropout(input, p, train)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,  # noqa: A002
               cudnn_enabled):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,  # noqa: A002
                  cudnn_enabled):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):  # noqa: A002
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    return F.rms_norm(input, normalized_shape, weight, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """ATen's order (weight first); ``padding_idx=-1`` means none here, as in ATen."""
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def pairwise_distance(x1, x2, p=2.0, eps=1e-06, keepdim=False):
    return F.pairwise_distance(x1, x2, p, eps, keepdim)


def pdist(input, p=2):  # noqa: A002
    return F.pdist(input, p)


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    return F.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    return F.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):  # noqa: A002
    return F.channel_shuffle(input, groups)


def celu(input, alpha=1.0):  # noqa: A002
    return F.celu(input, alpha)


def celu_(input, alpha=1.0):  # noqa: A002
    return F.celu_(input, alpha)


def selu(input):  # noqa: A002
    return F.selu(input)


def selu_(input):  # noqa: A002
    return F.selu_(input)


def threshold(input, threshold, value):  # noqa: A002
    return F.threshold(input, threshold, value)


def threshold_(input, threshold, value):  # noqa: A002
    return F.threshold_(input, threshold, value)


def prelu(input, weight):  # noqa: A002
    return F.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):  # noqa: A002
    return F.rrelu(input, lower, upper, training)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):  # noqa: A002
    return F.rrelu_(input, lower, upper, training)


def hardshrink(input, lambd=0.5):  # noqa: A002
    return F.hardshrink(input, lambd)


def bilinear(input1, input2, weight, bias=None):
    return F.bilinear(input1, input2, weight, bias)


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):  # noqa: A002
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):  # noqa: A002
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):  # noqa: A002
    return F.avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):  # noqa: A002
    """ATen's form returns ``(values, indices)`` always."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# -- losses: reduction is an int ---------------------------------------------------------------
def kl_div(input, target, reduction=0, *, log_target=False):  # noqa: A002
    with warnings.catch_warnings():  # F's warning about 'mean' is F's own; ATen's kl_div is silent
        warnings.simplefilter("ignore")
        return F.kl_div(input, target, reduction=_reduction("kl_div", reduction, 3), log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):  # noqa: A002
    red = _reduction("binary_cross_entropy_with_logits", reduction, 5)
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=red, pos_weight=pos_weight)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction, 8))


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction, 5))


def hinge_embedding_loss(input, target, margin=1.0, reduction=0):  # noqa: A002
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction("hinge_embedding_loss", reduction, 4))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction, 5))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):  # noqa: A002
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction, 6))
