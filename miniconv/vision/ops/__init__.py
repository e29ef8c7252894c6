"""torchvision.ops's building blocks of the classification models: ``Conv2dNormActivation``,
``SqueezeExcitation``, ``StochasticDepth`` / ``stochastic_depth``."""
from .misc import Conv2dNormActivation, SqueezeExcitation
from .stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["Conv2dNormActivation", "SqueezeExcitation", "StochasticDepth", "stochastic_depth"]
