"""Pillow, imported only when an image path needs it (Pillow is the optional ``vision`` extra)."""
import sys


def pil_image_module():
    """``PIL.Image``, or an ImportError that says how to install it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "this needs Pillow (PIL images, PNG/JPEG files), which is not installed. "
            "Install it with `pip install Pillow` or `pip install miniconv[vision]`."
        ) from None
    return Image


def is_pil_image(obj):
    """True for a PIL image; never imports Pillow (an object can only be one if Pillow is loaded)."""
    mod = sys.modules.get("PIL.Image")
    return mod is not None and isinstance(obj, mod.Image)
