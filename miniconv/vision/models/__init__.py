"""torchvision's classification models: builders (``resnet18(num_classes=10)``, ``get_model("vgg16")``),
model classes, ``*_Weights`` enums (``ResNet18_Weights.DEFAULT.transforms()``), the registry functions;
random initialisation as torchvision's, parameter and buffer names equal to torchvision's so its
state_dicts and published checkpoints load."""
import sys as _sys

from . import mobilenet  # noqa: F401  (torchvision.models.mobilenet: V2 and V3)
from ._api import (
    Weights,
    WeightsEnum,
    get_model,
    get_model_builder,
    get_model_weights,
    get_weight,
    list_models,
)
from .alexnet import *
from .densenet import *
from .efficientnet import *
from .googlenet import *
from .inception import *
from .mobilenetv2 import *
from .mobilenetv3 import *
from .resnet import *
from .shufflenetv2 import *
from .squeezenet import *
from .vgg import *

__all__ = [
    "Weights",
    "WeightsEnum",
    "get_model",
    "get_model_builder",
    "get_model_weights",
    "get_weight",
    "list_models",
]
# the submodules (``alexnet`` etc. as package attributes are the builder functions, as in torchvision)
for _name in ("alexnet", "densenet", "efficientnet", "googlenet", "inception", "mobilenetv2", "mobilenetv3",
              "resnet", "shufflenetv2", "squeezenet", "vgg"):
    __all__ += _sys.modules[f"{__name__}.{_name}"].__all__
del _name, _sys
