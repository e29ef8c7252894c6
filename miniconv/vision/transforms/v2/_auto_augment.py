"""torchvision.transforms.v2's AutoAugment, RandAugment and TrivialAugmentWide: the same policies and
magnitude tables as v1 (Solarize in [0, 1] times the image's maximum), applied with v2's kernels to the one
image of the sample (other leaves pass through), drawing as v2 does: the sub-policy / op index, then per
op ``rand() <= p`` and ``rand() <= 0.5`` for the sign."""
import math


from ..._pil import is_pil_image
from .._functional_array import max_value
from ..autoaugment import _POLICIES, AutoAugmentPolicy, _lin, _posterize_bins
from ..transforms import _rand1, _randint
from . import functional as F
from ._geometry import _get_fill, _setup_fill_arg
from ._transform import Transform, tree_flatten, tree_unflatten


def _geometric_colour(shear, translate, rotate, colour, posterize_top):
    return {
        "ShearX": (lambda n, h, w: _lin(0.0, shear, n), True),
        "ShearY": (lambda n, h, w: _lin(0.0, shear, n), True),
        "TranslateX": ((lambda n, h, w: _lin(0.0, translate(w), n)), True),
        "TranslateY": ((lambda n, h, w: _lin(0.0, translate(h), n)), True),
        "Rotate": (lambda n, h, w: _lin(0.0, rotate, n), True),
        "Brightness": (lambda n, h, w: _lin(0.0, colour, n), True),
        "Color": (lambda n, h, w: _lin(0.0, colour, n), True),
        "Contrast": (lambda n, h, w: _lin(0.0, colour, n), True),
        "Sharpness": (lambda n, h, w: _lin(0.0, colour, n), True),
        "Posterize": (lambda n, h, w: _posterize_bins(n, posterize_top), False),
        "Solarize": (lambda n, h, w: _lin(1.0, 0.0, n), False),
        "AutoContrast": (lambda n, h, w: None, False),
        "Equalize": (lambda n, h, w: None, False),
    }


def _identity():
    return {"Identity": (lambda n, h, w: None, False)}


class _AutoAugmentBase(Transform):
    def __init__(self, *, interpolation="nearest", fill=None):
        super().__init__()
        self.interpolation, self.fill = interpolation, fill
        self._fill = _setup_fill_arg(fill)

    def _get_random_item(self, dct):
        keys = tuple(dct.keys())
        key = keys[_randint(0, len(keys))]
        return key, dct[key]

    def _extract_image(self, inputs):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        needs = self._needs_transform_list(flat_inputs)
        images = [(i, x) for i, (x, n) in enumerate(zip(flat_inputs, needs)) if n]
        if not images:
            raise TypeError("Found no image in the sample.")
        if len(images) > 1:
            raise TypeError("Auto augment transformations are only properly defined for a single image or video, "
                            f"but found {len(images)}.")
        return (flat_inputs, spec, images[0][0]), images[0][1]

    @staticmethod
    def _insert(flat_with_spec, image):
        flat_inputs, spec, idx = flat_with_spec
        flat_inputs[idx] = image
        return tree_unflatten(flat_inputs, spec)

    def _apply(self, image, op, magnitude):
        fill = _get_fill(self._fill, type(image))
        interpolation = self.interpolation
        if op == "Identity":
            return image
        if op == "ShearX":
            return F.affine(image, 0.0, [0, 0], 1.0, [math.degrees(math.atan(magnitude)), 0.0], interpolation,
                            fill, center=[0, 0])
        if op == "ShearY":
            return F.affine(image, 0.0, [0, 0], 1.0, [0.0, math.degrees(math.atan(magnitude))], interpolation,
                            fill, center=[0, 0])
        if op == "TranslateX":
            return F.affine(image, 0.0, [int(magnitude), 0], 1.0, [0.0, 0.0], interpolation, fill)
        if op == "TranslateY":
            return F.affine(image, 0.0, [0, int(magnitude)], 1.0, [0.0, 0.0], interpolation, fill)
        if op == "Rotate":
            return F.rotate(image, magnitude, interpolation, fill=fill)
        if op == "Brightness":
            return F.adjust_brightness(image, 1.0 + magnitude)
        if op == "Color":
            return F.adjust_saturation(image, 1.0 + magnitude)
        if op == "Contrast":
            return F.adjust_contrast(image, 1.0 + magnitude)
        if op == "Sharpness":
            return F.adjust_sharpness(image, 1.0 + magnitude)
        if op == "Posterize":
            return F.posterize(image, int(magnitude))
        if op == "Solarize":
            bound = 255.0 if is_pil_image(image) else max_value(image._data.dtype)
            return F.solarize(image, bound * magnitude)
        if op == "AutoContrast":
            return F.autocontrast(image)
        if op == "Equalize":
            return F.equalize(image)
        if op == "Invert":
            return F.invert(image)
        raise ValueError(f"No transform available for {op}")

    def _magnitude(self, magnitudes, idx, signed):
        if magnitudes is None:
            return 0.0
        magnitude = float(magnitudes[idx])
        if signed and _rand1() <= 0.5:
            magnitude *= -1
        return magnitude


class AutoAugment(_AutoAugmentBase):
    _AUGMENTATION_SPACE = dict(_geometric_colour(0.3, lambda s: 150.0 / 331.0 * s, 30.0, 0.9, 4),
                               Invert=(lambda n, h, w: None, False))

    def __init__(self, policy=AutoAugmentPolicy.IMAGENET, interpolation="nearest", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self._policies = _POLICIES[policy]

    def forward(self, *inputs):
        flat_with_spec, image = self._extract_image(inputs)
        height, width = F.get_size(image)
        policy = self._policies[_randint(0, len(self._policies))]
        for op, probability, magnitude_idx in policy:
            if not _rand1() <= probability:
                continue
            magnitudes_fn, signed = self._AUGMENTATION_SPACE[op]
            magnitude = self._magnitude(magnitudes_fn(10, height, width), magnitude_idx, signed)
            image = self._apply(image, op, magnitude)
        return self._insert(flat_with_spec, image)


class RandAugment(_AutoAugmentBase):
    _AUGMENTATION_SPACE = dict(_identity(), **_geometric_colour(0.3, lambda s: 150.0 / 331.0 * s, 30.0, 0.9, 4))

    def __init__(self, num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation="nearest", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        if not isinstance(num_ops, int) or (num_ops < 0):
            raise ValueError(f"num_ops should be a non-negative integer, but got {num_ops} instead.")
        self.num_ops, self.magnitude, self.num_magnitude_bins = num_ops, magnitude, num_magnitude_bins

    def forward(self, *inputs):
        flat_with_spec, image = self._extract_image(inputs)
        height, width = F.get_size(image)
        for _ in range(self.num_ops):
            op, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
            magnitude = self._magnitude(magnitudes_fn(self.num_magnitude_bins, height, width), self.magnitude,
                                        signed)
            image = self._apply(image, op, magnitude)
        return self._insert(flat_with_spec, image)


class TrivialAugmentWide(_AutoAugmentBase):
    _AUGMENTATION_SPACE = dict(_identity(), **_geometric_colour(0.99, lambda s: 32.0, 135.0, 0.99, 6))

    def __init__(self, num_magnitude_bins=31, interpolation="nearest", fill=None):
        super().__init__(interpolation=interpolation, fill=fill)
        self.num_magnitude_bins = num_magnitude_bins

    def forward(self, *inputs):
        flat_with_spec, image = self._extract_image(inputs)
        height, width = F.get_size(image)
        op, (magnitudes_fn, signed) = self._get_random_item(self._AUGMENTATION_SPACE)
        magnitudes = magnitudes_fn(self.num_magnitude_bins, height, width)
        idx = _randint(0, self.num_magnitude_bins) if magnitudes is not None else 0
        magnitude = self._magnitude(magnitudes, idx, signed)
        image = self._apply(image, op, magnitude)
        return self._insert(flat_with_spec, image)
