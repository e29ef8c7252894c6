"""torchvision.transforms.v2's batch mixing: MixUp and CutMix on (images (N, C, H, W), labels (N,) or (N, K)),
returning mixed images and mixed one-hot label vectors; lambda ~ Beta(alpha, alpha) from miniconv's default
generator. Use them after batching: ``images, labels = cutmix(images, labels)``."""
import math
from collections.abc import Mapping

import numpy as np

from ....tensor import Tensor
from ..._pil import is_pil_image
from ...tv_tensors import Image
from ..transforms import _randint, _rng
from ._transform import Transform, is_pure_tensor, query_size, tree_flatten, tree_unflatten


def _default_labels_getter(inputs):
    if isinstance(inputs, (tuple, list)):
        inputs = inputs[1]
    if is_pure_tensor(inputs):
        return inputs
    if not isinstance(inputs, Mapping):
        raise ValueError(f"When using the default labels_getter, the input passed to forward must be a dictionary or "
                         f"a two-tuple whose second item is a dictionary or a tensor, but got {inputs} instead.")
    key = next((k for k in inputs if k.lower() == "labels"), None) or next(
        (k for k in inputs if k.lower() == "label"), None)
    if key is None:
        raise ValueError("Could not infer where the labels are in the sample. Try passing a callable as the "
                         "labels_getter parameter?If there are no labels in the sample by design, pass "
                         "labels_getter=None.")
    return inputs[key]


class _BaseMixUpCutMix(Transform):
    def __init__(self, *, alpha=1.0, num_classes=None, labels_getter="default"):
        super().__init__()
        self.alpha = float(alpha)
        self.num_classes = num_classes
        self._labels_getter = _default_labels_getter if labels_getter == "default" else labels_getter

    def _lam(self):
        return float(np.float32(_rng().beta(self.alpha, self.alpha)))

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        needs = self._needs_transform_list(flat_inputs)
        if any(is_pil_image(x) for x in flat_inputs):
            raise ValueError(f"{type(self).__name__}() does not support PIL images, bounding boxes, keypoints and "
                             "masks.")
        labels = self._labels_getter(inputs)
        if not isinstance(labels, Tensor):
            raise ValueError(f"The labels must be a tensor, but got {type(labels)} instead.")
        if labels.ndim not in (1, 2):
            raise ValueError(f"labels should be index based with shape (batch_size,) or probability based with shape "
                             f"(batch_size, num_classes), but got a tensor of shape {labels.shape} instead.")
        if labels.ndim == 2 and self.num_classes is not None and labels.shape[-1] != self.num_classes:
            raise ValueError(f"When passing 2D labels, the number of elements in last dimension must match "
                             f"num_classes: {labels.shape[-1]} != {self.num_classes}. You can Leave num_classes to "
                             "None.")
        if labels.ndim == 1 and self.num_classes is None:
            raise ValueError("num_classes must be passed if the labels are index-based (1D)")
        params = {"labels": labels, "batch_size": labels.shape[0],
                  **self.make_params([x for x, n in zip(flat_inputs, needs) if n])}
        needs[next(i for i, x in enumerate(flat_inputs) if x is labels)] = True
        flat_outputs = [self.transform(x, params) if n else x for x, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)

    def _check_image(self, inpt, batch_size):
        if inpt.ndim != 4:
            raise ValueError(f"Expected a batched input with 4 dims, but got {inpt.ndim} dimensions instead.")
        if inpt.shape[0] != batch_size:
            raise ValueError(f"The batch size of the image or video does not match the batch size of the labels: "
                             f"{inpt.shape[0]} != {batch_size}.")

    def _mixup_label(self, label, lam):
        arr = label._data
        if arr.ndim == 1:
            if arr.dtype != np.int64:
                raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
            arr = np.eye(self.num_classes, dtype=np.int64)[arr]
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float32)
        return Tensor(np.roll(arr, 1, 0) * arr.dtype.type(1.0 - lam) + arr * arr.dtype.type(lam))


class MixUp(_BaseMixUpCutMix):
    """``lam * x + (1 - lam) * x.roll(1, 0)`` for the images and the one-hot labels."""

    def make_params(self, flat_inputs):
        return dict(lam=self._lam())

    def transform(self, inpt, params):
        lam = params["lam"]
        if inpt is params["labels"]:
            return self._mixup_label(inpt, lam)
        if isinstance(inpt, Image) or is_pure_tensor(inpt):
            self._check_image(inpt, params["batch_size"])
            arr = inpt._data
            if arr.dtype.kind != "f":
                raise RuntimeError(f"result type Float can't be cast to the desired output type {_torch_name(arr)}")
            out = Tensor(np.roll(arr, 1, 0) * arr.dtype.type(1.0 - lam) + arr * arr.dtype.type(lam))
            return Image(out) if isinstance(inpt, Image) else out
        return inpt


def _torch_name(arr):
    return {"uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long"}.get(
        arr.dtype.name, arr.dtype.name)


class CutMix(_BaseMixUpCutMix):
    """Paste a random box of ``x.roll(1, 0)`` into each image; labels mixed by the pasted area."""

    def make_params(self, flat_inputs):
        lam = self._lam()
        H, W = query_size(flat_inputs)
        r_x, r_y = _randint(0, W), _randint(0, H)
        r = 0.5 * math.sqrt(1.0 - lam)
        r_w_half, r_h_half = int(r * W), int(r * H)
        x1, y1 = max(r_x - r_w_half, 0), max(r_y - r_h_half, 0)
        x2, y2 = min(r_x + r_w_half, W), min(r_y + r_h_half, H)
        return dict(box=(x1, y1, x2, y2), lam_adjusted=float(1.0 - (x2 - x1) * (y2 - y1) / (W * H)))

    def transform(self, inpt, params):
        if inpt is params["labels"]:
            return self._mixup_label(inpt, params["lam_adjusted"])
        if isinstance(inpt, Image) or is_pure_tensor(inpt):
            self._check_image(inpt, params["batch_size"])
            x1, y1, x2, y2 = params["box"]
            arr = inpt._data
            out = arr.copy()
            out[..., y1:y2, x1:x2] = np.roll(arr, 1, 0)[..., y1:y2, x1:x2]
            out = Tensor(out)
            return Image(out) if isinstance(inpt, Image) else out
        return inpt
