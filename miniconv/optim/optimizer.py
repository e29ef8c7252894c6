"""Optimizer: the base class of every optimizer (param groups, state, zero_grad, state_dict).

An optimizer reads each parameter's ``.grad`` and updates it in place (its NumPy array, bumping its version); it never
builds an autograd graph. The state dict has PyTorch's structure::

    {"state": {0: {"step": 3.0, "exp_avg": Tensor, ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}]}

State is keyed by the parameter's position across all groups (not by the object), so a state dict
can be loaded into a fresh optimizer built over a fresh model with the same structure.
"""
import copy
import warnings
from collections import defaultdict

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..dtypes import get_default_dtype
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a hyper-parameter that has no default (it must be given per group)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors (Parameters), or of dicts each with a ``"params"`` entry and
            per-group options that override ``defaults``.
        defaults (dict): default values of the optimization options (``lr``, ...).
    """

    # True when every array in a parameter's state has the parameter's shape (checked on load);
    # LBFGS keeps flat vectors over all parameters instead.
    _state_shaped_like_params = True

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_typename(params)}"
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        try:
            param_groups = list(params)
        except TypeError:
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, "
                f"but got {_typename(params)}"
            ) from None
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self):
        out = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``"params"`` and optional options) to optimize."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        param_group = dict(param_group)
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of "
                "tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if p.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating point Tensors, but one of the params has dtype {p.dtype.name}")
        param_group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        ids = [id(p) for p in params]
        if len(ids) != len(set(ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error",
                stacklevel=3,
            )
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if existing.intersection(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters (to None, or to zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad._data[...] = 0
                        p.grad._bump_version()

    def step(self, closure=None):
        """Perform one optimization step. ``closure`` (optional) re-evaluates the model and returns the loss."""
        raise NotImplementedError

    def __getstate__(self):
        """Pickled without the ``step`` wrapper a learning-rate scheduler puts on the instance (a closure)."""
        state = self.__dict__.copy()
        state.pop("step", None)
        return state

    def _call_closure(self, closure):
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _grads(self, group):
        """``(parameter, gradient array)`` for each parameter of ``group`` that has a gradient; the gradient is
        negated when the group maximizes. The array may be the live ``.grad`` buffer: do not write to it."""
        for p in group["params"]:
            grad = _check_param_grad(p)
            if grad is None:
                continue
            yield p, (-grad if group.get("maximize", False) else grad)

    # -- state dict -------------------------------------------------------------------
    def state_dict(self):
        """The optimizer state: ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``.

        Tensors in ``state`` are the live buffers (as in PyTorch); ``miniconv.save`` copies them to disk.
        """
        index_of = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index_of.setdefault(id(p), i)
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {index_of[id(p)]: v for p, v in self.state.items() if id(p) in index_of}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state dict produced by :meth:`state_dict` (of an optimizer over the same structure).

        Floating-point state arrays are cast to their parameter's dtype (``step`` is kept as is).
        The state dict is deep-copied, so the caller's dict is never aliased.
        """
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError("optimizer state_dict must be a dict with 'state' and 'param_groups' entries")
        groups = self.param_groups
        saved_groups = copy.deepcopy(list(state_dict["param_groups"]))
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = {}
        for g, s in zip(groups, saved_groups):
            for saved_index, p in zip(s["params"], g["params"]):
                id_map[_index_key(saved_index)] = p
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            key = _index_key(k)
            if key not in id_map:
                raise ValueError(f"loaded state dict has state for parameter index {k} that no parameter group lists")
            p = id_map[key]
            state[p] = {name: _cast_state(p, name, value, self._state_shaped_like_params)
                        for name, value in v.items()}
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            for name, default in self.defaults.items():  # options added since the state dict was written
                s.setdefault(name, default)
        self.state = state
        self.param_groups = saved_groups


def _index_key(k):
    # saved files may bring integer keys back as strings ("0"); accept both
    try:
        return int(k)
    except (TypeError, ValueError):
        raise ValueError(f"optimizer state keys must be parameter indices, got {k!r}") from None


# State entries that are one number per parameter (0-d tensors in PyTorch's state dicts, floats here).
_SCALAR_STATE = ("step", "mu_product", "eta", "mu")


def _cast_state(param, name, value, check_shape=True):
    """Copy one state entry, casting floating arrays to the parameter's dtype and checking the shape."""
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_state(param, name, v, False) for v in value)
    if isinstance(value, (Tensor, np.ndarray)):
        arr = value._data if isinstance(value, Tensor) else value
        if name in _SCALAR_STATE:
            return float(np.asarray(arr))
        if check_shape and arr.shape != param._data.shape:
            raise ValueError(
                f"loaded optimizer state '{name}' has shape {list(arr.shape)}, "
                f"but the parameter has shape {list(param._data.shape)}"
            )
        if arr.dtype.kind == "f":
            arr = arr.astype(param.dtype)
        return Tensor._wrap(np.array(arr, copy=True))
    return copy.deepcopy(value)


def _typename(obj):
    """``numpy.ndarray``, ``int``, ``miniconv.Tensor``: the name PyTorch's messages would print."""
    if isinstance(obj, Tensor):
        return "miniconv.Tensor"
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _check_param_grad(p):
    """The gradient array of ``p`` (or None), checked to match ``p``'s shape."""
    if p.grad is None:
        return None
    g = p.grad._data if isinstance(p.grad, Tensor) else np.asarray(p.grad)
    if g.shape != p._data.shape:
        raise RuntimeError(f"gradient of shape {list(g.shape)} does not match parameter of shape {list(p._data.shape)}")
    if g.dtype != p._data.dtype:
        g = g.astype(p._data.dtype)
    return g


def _check_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")


def _check_lr(lr):
    _check_number(lr, "lr")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_impl_flags(foreach=None, fused=None, differentiable=False):
    """PyTorch's implementation switches: ``foreach``, ``fused`` and ``capturable`` choose how the same update
    is computed (miniconv has one way, so they are accepted and stored); ``differentiable=True`` would record
    the step in autograd, which miniconv's optimizers never do."""
    if fused and foreach:
        raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
    if fused and differentiable:
        raise RuntimeError("`fused` does not support `differentiable`")
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: miniconv's optimizer steps are not "
                                  "recorded by autograd (use differentiable=False)")


def _scalar_state(value, times=None):
    """``value`` (times ``times``) as PyTorch keeps a scalar state entry: a 0-d tensor of the default dtype,
    multiplied in that dtype."""
    scalar = get_default_dtype().type
    return float(scalar(value) if times is None else scalar(value) * scalar(times))
