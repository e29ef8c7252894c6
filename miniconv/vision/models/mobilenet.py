"""torchvision's ``models.mobilenet`` module: MobileNetV2 and V3 under one name."""
from .mobilenetv2 import *  # noqa: F403
from .mobilenetv2 import __all__ as _all_v2
from .mobilenetv3 import *  # noqa: F403
from .mobilenetv3 import __all__ as _all_v3

__all__ = _all_v2 + _all_v3  # noqa: PLE0605
