from .activation import (
    ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Softsign, Tanh,
)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
)
from .loss import NLLLoss2d  # noqa: F401
from .module import Buffer, Module, Parameter
from .norm_extra import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .normalization import BatchNorm1d, BatchNorm2d
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .sparse import Embedding
from .syncbatchnorm import SyncBatchNorm  # distributed
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # recurrent layers
from .activation import (  # noqa: E402
    CELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, LogSigmoid, PReLU, RReLU, Softmax2d, Softmin, Softshrink,
    Tanhshrink, Threshold,
)
from .padding import (  # noqa: E402
    CircularPad1d, CircularPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
    ReplicationPad2d, ZeroPad1d, ZeroPad2d,
)
from .upsampling import (  # noqa: E402
    ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
)
from .fold import Fold, Unfold  # noqa: E402
from .pooling_more import (  # noqa: E402
    AdaptiveAvgPool1d, AdaptiveMaxPool1d, AvgPool1d, LocalResponseNorm, LPPool1d, LPPool2d, MaxPool1d,
)
from .distance import Bilinear, CosineSimilarity, PairwiseDistance  # noqa: E402
from .loss_more import (  # noqa: E402
    CosineEmbeddingLoss, GaussianNLLLoss, HingeEmbeddingLoss, MarginRankingLoss, MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss, MultiMarginLoss, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .attention import MultiheadAttention  # noqa: E402
from .transformer import (  # noqa: E402
    Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
)
from .pooling_more import MaxUnpool1d, MaxUnpool2d  # noqa: E402
from .rms_norm import RMSNorm  # noqa: E402
from .dropout_more import AlphaDropout, Dropout1d, FeatureAlphaDropout  # noqa: E402
from .padding import CircularPad3d, ConstantPad3d, ReflectionPad3d, ReplicationPad3d, ZeroPad3d  # noqa: E402
from .embedding_bag import EmbeddingBag  # noqa: E402
from .conv import ConvTranspose1d  # noqa: E402
# 3-D layers (volumetric.py)
from .volumetric import (  # noqa: E402
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, BatchNorm3d, Conv3d, ConvTranspose3d, Dropout3d, InstanceNorm3d,
    LPPool3d, MaxPool3d, MaxUnpool3d,
)
from .ctc import CTCLoss  # noqa: E402
from .lazy import LazyLinear, LazyModuleMixin, UninitializedBuffer, UninitializedParameter  # noqa: E402
from .lazy_more import (  # noqa: E402
    LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d, LazyConv3d, LazyConvTranspose1d,
    LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d,
)
