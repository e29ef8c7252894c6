"""torchvision's classification models: builders (``resnet18(num_classes=10)``, ``get_model("vgg16")``),
model classes, ``*_Weights`` enums (``ResNet18_Weights.DEFAULT.transforms()``), the registry functions;
random initialisation as torchvision's, parameter and buffer names equal to torchvision's so its
state_dicts and published checkpoints load."""
from ._api import get_model, get_model_builder, get_model_weights, get_weight, list_models, Weights, WeightsEnum
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .efficientnet import *  # noqa: F401,F403
from .googlenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .mobilenetv3 import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .shufflenetv2 import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from . import mobilenet  # noqa: F401,E402  (torchvision.models.mobilenet: V2 and V3)
import sys as _sys  # noqa: E402

__all__ = ["get_model", "get_model_builder", "get_model_weights", "get_weight", "list_models", "Weights",
           "WeightsEnum"]
# the submodules (``alexnet`` etc. as package attributes are the builder functions, as in torchvision)
for _name in ("alexnet", "densenet", "efficientnet", "googlenet", "inception", "mobilenetv2", "mobilenetv3",
              "resnet", "shufflenetv2", "squeezenet", "vgg"):
    __all__ += _sys.modules[f"{__name__}.{_name}"].__all__
del _name, _sys
