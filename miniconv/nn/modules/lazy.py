"""Lazy modules: layers whose input size is read from the first input (PyTorch's ``LazyModuleMixin``).

``LazyLinear(out_features)`` holds ``UninitializedParameter`` placeholders until its first call; a forward
pre-hook then reads ``in_features`` from the input, gives the placeholders their shapes (the same objects,
so an optimizer built before the first call keeps working), initialises them as ``Linear`` does, removes
the hook and turns the module into a plain ``Linear``. Textbook code (Dive into Deep Learning) builds its
models this way.

Example::

    >>> net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    >>> net(miniconv.ones(2, 5)).shape
    miniconv.Size([2, 1])
    >>> net[0]
    Linear(in_features=5, out_features=8, bias=True)
"""
import numpy as np

from ..._device import _check_device
from ...autograd.grad_mode import no_grad
from ...dtypes import _check_dtype, get_default_dtype
from ...tensor import Tensor
from .linear import Linear
from .module import Parameter

_UNINITIALIZED_SHAPE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` to "
    "initialize the parameters before accessing their attributes."
)


class _UninitializedMixin:
    """A placeholder of unknown shape; ``materialize(shape)`` gives it data and its final class."""

    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give this placeholder zero-filled data of ``shape`` (PyTorch leaves it uninitialised; the module
        initialises it next) with its own dtype or ``dtype``, and turn it into a ``cls_to_become``."""
        _check_device(device)
        dt = self._data.dtype if dtype is None else _check_dtype(dtype, "materialize")
        self._data = np.zeros(tuple(shape), dtype=dt)
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED_SHAPE)

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
                           "initialize the parameters before calling `module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"


def _placeholder_data(device, dtype):
    _check_device(device)
    dt = get_default_dtype() if dtype is None else _check_dtype(dtype, "UninitializedParameter")
    return np.empty(0, dtype=dt)


class UninitializedParameter(_UninitializedMixin, Parameter):
    """A Parameter whose shape is not known yet (see the module docstring)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        super().__init__(_placeholder_data(device, dtype), requires_grad=requires_grad)


class UninitializedBuffer(_UninitializedMixin, Tensor):
    """A buffer whose shape is not known yet (see the module docstring)."""

    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None):
        super().__init__(_placeholder_data(device, dtype), requires_grad=requires_grad)


def is_lazy(t):
    return isinstance(t, _UninitializedMixin)


class LazyModuleMixin:
    """Mixin of the lazy layers: initialise parameters from the first input, then become ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters)

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):
        """Loading an initialized state into a lazy module gives its placeholders the saved shapes."""
        for name, t in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if key in state_dict and t is not None and is_lazy(t) and not is_lazy(state_dict[key]):
                with no_grad():
                    t.materialize(tuple(state_dict[key].shape))

    def initialize_parameters(self, *args, **kwargs):
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    def has_uninitialized_params(self):
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def _infer_parameters(self, module, args):
        module.initialize_parameters(*args)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        delattr(module, "_initialize_hook")
        delattr(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dimension of its first input."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):  # noqa: A002
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
