"""What every model builder shares: the ``weights=`` check (nothing can be downloaded, so only
``weights=None`` is accepted) and the legacy ``pretrained=`` flag."""


def check_weights(name, weights, kwargs):
    """Refuse pretrained weights with a clear message; drop torchvision's ``progress``/``pretrained``."""
    kwargs.pop("progress", None)
    pretrained = kwargs.pop("pretrained", False)
    if weights is None and pretrained:
        weights = "pretrained=True"
    if weights is not None:
        raise ValueError(
            f"{name}(weights={weights!r}): miniconv.vision has no pretrained weights and downloads none. "
            f"Build the model with weights=None, then load a state_dict saved by torchvision: "
            f"model.load_state_dict(miniconv.load('{name}.pth'))."
        )
    return kwargs


def make_divisible(v, divisor, min_value=None):
    """The channel count rounded to a multiple of ``divisor``, not below 90 % of ``v`` (MobileNet's rule)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v
