"""The v2 ``Transform`` base: a call takes any nested structure (tuples, lists, dicts) of images and other
values; the structure is flattened depth-first, one set of random parameters is drawn from the inputs
that need transforming, each of those is transformed with it, and the structure is rebuilt.

Which leaves are transformed (torchvision's heuristic): PIL images and ``tv_tensors.Image``; a plain
Tensor only if the sample has no PIL image / Image, and then only the first one met; anything else
(int labels, strings, ...) passes through unchanged.
"""
import enum

from ....nn.modules.module import Module
from ....tensor import Tensor
from ..._pil import is_pil_image
from ...tv_tensors import Image, TVTensor
from .. import functional as F
from ..transforms_extra import _rand1


def tree_flatten(tree):
    """(leaves, spec): tuples, lists and dicts are containers (dict order kept); everything else a leaf."""
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        leaves, specs = [], []
        for item in tree:
            sub_leaves, sub_spec = tree_flatten(item)
            leaves.extend(sub_leaves)
            specs.append(sub_spec)
        return leaves, (type(tree), None, specs)
    if isinstance(tree, tuple):  # a namedtuple
        leaves, specs = [], []
        for item in tree:
            sub_leaves, sub_spec = tree_flatten(item)
            leaves.extend(sub_leaves)
            specs.append(sub_spec)
        return leaves, (type(tree), "namedtuple", specs)
    if isinstance(tree, dict):
        leaves, specs = [], []
        for key, item in tree.items():
            sub_leaves, sub_spec = tree_flatten(item)
            leaves.extend(sub_leaves)
            specs.append((key, sub_spec))
        return leaves, (type(tree), "dict", specs)
    return [tree], None


def tree_unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        cls, kind, subs = s
        if kind == "dict":
            out = {key: build(sub) for key, sub in subs}
            return out if cls is dict else cls(out)
        items = [build(sub) for sub in subs]
        if kind == "namedtuple":
            return cls(*items)
        return cls(items)

    return build(spec)


def is_pure_tensor(inpt):
    return isinstance(inpt, Tensor) and not isinstance(inpt, TVTensor)


def _check_type(obj, types):
    for t in types:
        if isinstance(t, type):
            if isinstance(obj, t):
                return True
        elif t(obj):
            return True
    return False


def has_any(flat_inputs, *types):
    return any(_check_type(x, types) for x in flat_inputs)


def query_chw(flat_inputs):
    """(channels, height, width) shared by the images among ``flat_inputs``."""
    chws = {tuple(F.get_dimensions(x)) for x in flat_inputs
            if is_pil_image(x) or isinstance(x, Tensor)}
    if not chws:
        raise TypeError("No image or video was found in the sample")
    if len(chws) > 1:
        raise ValueError(f"Found multiple CxHxW dimensions in the sample: {sorted(chws)}")
    return chws.pop()


def query_size(flat_inputs):
    return list(query_chw(flat_inputs)[1:])


class Transform(Module):
    """Base class of the v2 transforms; subclasses define ``make_params`` and ``transform``."""

    _transformed_types = (Tensor, is_pil_image)

    def check_inputs(self, flat_inputs):
        pass

    def make_params(self, flat_inputs):
        return dict()

    def transform(self, inpt, params):
        raise NotImplementedError

    def forward(self, *inputs):
        flat_inputs, spec = tree_flatten(inputs if len(inputs) > 1 else inputs[0])
        self.check_inputs(flat_inputs)
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([x for x, n in zip(flat_inputs, needs) if n])
        flat_outputs = [self.transform(x, params) if n else x for x, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)

    def _needs_transform_list(self, flat_inputs):
        needs_list = []
        transform_pure_tensor = not has_any(flat_inputs, Image, is_pil_image)
        for inpt in flat_inputs:
            needs = True
            if not _check_type(inpt, self._transformed_types):
                needs = False
            elif is_pure_tensor(inpt):
                if transform_pure_tensor:
                    transform_pure_tensor = False
                else:
                    needs = False
            needs_list.append(needs)
        return needs_list

    def extra_repr(self):
        extra = []
        for name, value in self.__dict__.items():
            if name.startswith("_") or name == "training":
                continue
            if isinstance(value, (bool, int, float, str, tuple, list, enum.Enum)):
                extra.append(f"{name}={value}")
        return ", ".join(extra)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.extra_repr()})"


class _RandomApplyTransform(Transform):
    """Applies the transform with probability ``p`` (one draw per call, before any parameter)."""

    def __init__(self, p=0.5):
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        super().__init__()
        self.p = p

    def forward(self, *inputs):
        inputs = inputs if len(inputs) > 1 else inputs[0]
        flat_inputs, spec = tree_flatten(inputs)
        self.check_inputs(flat_inputs)
        if _rand1() >= self.p:
            return inputs
        needs = self._needs_transform_list(flat_inputs)
        params = self.make_params([x for x, n in zip(flat_inputs, needs) if n])
        flat_outputs = [self.transform(x, params) if n else x for x, n in zip(flat_inputs, needs)]
        return tree_unflatten(flat_outputs, spec)
