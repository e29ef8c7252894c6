"""Module and Parameter: the PyTorch ``nn.Module`` contract (parameters, buffers, children,
train/eval, state_dict, forward pre/forward/full backward hooks) without devices or TorchScript."""
from collections import OrderedDict

import numpy as np

from ...autograd.function import RemovableHandle
from ... import __future__ as _future
from ...autograd.grad_mode import is_grad_enabled, no_grad
from ..._device import _check_device
from ...dtypes import _check_dtype
from ...tensor import Size, Tensor
from ...utils import swap_tensors
from .module_hooks import (  # noqa: F401  (the register_* functions: public here, as in PyTorch)
    _BackwardHookState, _global_forward_hooks, _global_forward_hooks_always_called, _global_forward_hooks_with_kwargs,
    _global_forward_pre_hooks, register_module_forward_hook, register_module_forward_pre_hook)


class Parameter(Tensor):
    """A Tensor that a Module registers as a learnable parameter (requires grad by default)."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = np.empty(0, dtype=np.float32)
        super().__init__(data._data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """``nn.Buffer(data, persistent=True)``: a Tensor marked so that assigning it to a Module attribute
    registers it as a buffer (``self.mask = nn.Buffer(t)`` is ``self.register_buffer('mask', t)``).
    As PyTorch's, the result is a plain Tensor (detached from ``data``'s graph, its requires_grad kept)
    that ``isinstance(t, nn.Buffer)`` recognises."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = Tensor(np.empty(0, dtype=np.float32))
        t = data.detach().requires_grad_(data.requires_grad)
        t.persistent = persistent
        t._is_buffer = True
        return t



class Module:
    """Base class for all layers and models. Subclasses assign Parameters, buffers and
    sub-Modules as attributes in ``__init__`` and compute in ``forward``."""

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        if (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks
                or _global_forward_pre_hooks or _global_forward_hooks or self.__dict__.get("_backward_pre_hooks")):
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    # -- hooks (PyTorch's order: pre hooks, backward-hook inputs, forward, forward hooks, outputs) --
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """``hook(module, args) -> None or new args`` runs before ``forward``; with ``with_kwargs=True``,
        ``hook(module, args, kwargs) -> None or (new_args, new_kwargs)``. ``prepend``: run before the others."""
        flags = self._hook_flags("_forward_pre_hooks_with_kwargs")
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=flags)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            flags[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """``hook(module, args, output) -> None or new output`` runs after ``forward``; with ``with_kwargs=True``,
        ``hook(module, args, kwargs, output)``. ``always_call``: also when ``forward`` raised (then the error
        propagates). ``prepend``: run before the others."""
        kw, always = self._hook_flags("_forward_hooks_with_kwargs"), self._hook_flags("_forward_hooks_always_called")
        handle = RemovableHandle(self._forward_hooks, extra_dict=[kw, always])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            kw[handle.id] = True
        if always_call:
            always[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """``hook(module, grad_output) -> None or new grad_output`` runs when the gradients with respect to the
        module's outputs are known, before they flow into the module (a tuple: one per Tensor output)."""
        hooks = self._hook_flags("_backward_pre_hooks")
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def _hook_flags(self, name):
        # created on first use: modules made before this field existed (unpickled, copied) lack it
        if name not in self.__dict__:
            object.__setattr__(self, name, OrderedDict())
        return self.__dict__[name]

    def register_full_backward_hook(self, hook, prepend=False):
        """``hook(module, grad_input, grad_output) -> None or new grad_input`` runs when the gradients
        with respect to the module's inputs have been computed (tuples of Tensors or None)."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def _call_with_hooks(self, args, kwargs):
        pre_kw = self.__dict__.get("_forward_pre_hooks_with_kwargs", {})
        for hook_id, hook in [*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()]:
            if hook_id in pre_kw:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        state = None
        if (self._backward_hooks or self.__dict__.get("_backward_pre_hooks")) and is_grad_enabled():
            state = _BackwardHookState(self)
            args = state.wrap_inputs(args)
        hooks = [*_global_forward_hooks.items(), *self._forward_hooks.items()]
        kw = {**_global_forward_hooks_with_kwargs, **self.__dict__.get("_forward_hooks_with_kwargs", {})}
        try:
            out = self.forward(*args, **kwargs)
        except Exception:
            always = {**_global_forward_hooks_always_called, **self.__dict__.get("_forward_hooks_always_called", {})}
            for hook_id, hook in hooks:
                if hook_id in always:
                    try:
                        hook(self, args, kwargs, None) if hook_id in kw else hook(self, args, None)
                    except Exception:  # the forward's error is the one reported, as PyTorch
                        pass
            raise
        for hook_id, hook in hooks:
            result = hook(self, args, kwargs, out) if hook_id in kw else hook(self, args, out)
            if result is not None:
                out = result
        if state is not None:
            out = state.wrap_outputs(out)
        return out

    # -- attribute registration ------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign to a Module before Module.__init__() call")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        for d in (params, buffers, modules):
            if name in d and not (
                (d is params and (isinstance(value, Parameter) or value is None))
                or (d is buffers and (isinstance(value, Tensor) or value is None))
                or (d is modules and (isinstance(value, Module) or value is None))
            ):
                if d is params:
                    raise TypeError(
                        f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                        "(miniconv.nn.Parameter or None expected)"
                    )
                del d[name]
        if isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            params[name] = value
        elif isinstance(value, Buffer):
            self.register_buffer(name, value, persistent=getattr(value, "persistent", True))
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            modules[name] = value
        elif name in params:
            params[name] = value
        elif name in modules:
            modules[name] = value
        elif name in buffers:
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for key in ("_parameters", "_buffers", "_modules"):
            if key in d and name in d[key]:
                return d[key][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for d in (self._parameters, self._buffers, self._modules):
            if name in d:
                del d[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(miniconv.nn.Parameter or None required)"
            )
        self.__dict__.pop(name, None)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        self.__dict__.pop(name, None)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        for part in target.split(".") if target else []:
            if part not in mod._modules:
                raise AttributeError(f"{type(mod).__name__} has no attribute `{part}`")
            mod = mod._modules[part]
        return mod

    def get_parameter(self, target):
        """The Parameter named ``target`` (``"sub.module.weight"``), with PyTorch's AttributeErrors."""
        module_path, _, param_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, param_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + param_name + "`")
        param = getattr(mod, param_name)
        if not isinstance(param, Parameter):
            raise AttributeError("`" + param_name + "` is not an nn.Parameter")
        return param

    def get_buffer(self, target):
        """The buffer named ``target`` (``"sub.module.running_mean"``), with PyTorch's AttributeErrors."""
        module_path, _, buffer_name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, buffer_name):
            raise AttributeError(mod._get_name() + " has no attribute `" + buffer_name + "`")
        if buffer_name not in mod._buffers:
            raise AttributeError("`" + buffer_name + "` is not a buffer")
        return getattr(mod, buffer_name)

    def share_memory(self):
        """Moves every parameter, gradient and buffer into shared memory (``Tensor.share_memory_``) and returns
        the module: processes started later update the same arrays (Hogwild training)."""
        for t in list(self.parameters()) + list(self.buffers()):
            t.share_memory_()
            if t.grad is not None:
                t.grad.share_memory_()
        return self

    # -- iteration -------------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, attr, prefix, recurse, remove_duplicate=True):
        seen = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for mod_prefix, mod in mods:
            for name, v in getattr(mod, attr).items():
                if v is None or (remove_duplicate and id(v) in seen):
                    continue
                seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + name, v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- modes and utilities ---------------------------------------------------------------
    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is not None:
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._data[...] = 0
                    p.grad._bump_version()

    def apply(self, fn):
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(self, *args, **kwargs):
        """``to('cpu')`` or ``to(dtype)`` (floating parameters and buffers are cast in place)."""
        from ..._device import _parse_to_args  # device objects, to(tensor), keywords

        dtype, _ = _parse_to_args("to", args, kwargs)
        if dtype is not None:
            dtype = _check_dtype(dtype, "to")
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
            if _future.get_swap_module_params_on_conversion() or not _future.get_overwrite_module_params_on_conversion():
                for t in list(self.parameters()) + list(self.buffers()):  # each object kept, as a swap keeps it
                    if t.dtype.kind == "f":
                        t._data = t._data.astype(dtype)
                        if t.grad is not None:
                            t.grad._data = t.grad._data.astype(dtype)
            else:
                self._convert_to_new_tensors(dtype)
        return self

    def _convert_to_new_tensors(self, dtype):
        """``to(dtype)`` with ``__future__.set_overwrite_module_params_on_conversion(True)``: every floating
        Parameter and buffer is replaced by a new object (gradients converted too), as PyTorch does."""
        for m in self.modules():
            for name, p in m._parameters.items():
                if p is not None and p.dtype.kind == "f":
                    new = Parameter(Tensor._wrap(p._data.astype(dtype)), requires_grad=p.requires_grad)
                    if p.grad is not None:
                        new.grad = Tensor._wrap(p.grad._data.astype(dtype))
                    m._parameters[name] = new
            for name, b in m._buffers.items():
                if b is not None and b.dtype.kind == "f":
                    m._buffers[name] = Tensor._wrap(b._data.astype(dtype))

    def cpu(self):
        return self

    def compile(self, *args, **kwargs):
        """``Module.compile(...)``: PyTorch compiles the module's forward in place; miniconv runs it eagerly, so
        only the arguments are checked (PyTorch's errors) and the module computes what it computed before."""
        from ..._compile import compile as _compile

        _compile(self, *args, **kwargs)

    def cuda(self, device=None):
        _check_device("cuda")  # raises: miniconv runs on the CPU only

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def half(self):
        return self.to(np.float16)

    # -- state dict -----------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict name -> Tensor of parameters and persistent buffers (sharing memory)."""
        out = OrderedDict() if destination is None else destination
        for name, p in self._parameters.items():
            if p is not None:
                out[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers:
                out[prefix + name] = b if keep_vars else b.detach()
        for name, m in self._modules.items():
            if m is not None:
                m.state_dict(out, prefix + name + ".", keep_vars)
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy tensors from ``state_dict`` into this module's parameters and buffers.

        With ``strict=True`` missing or unexpected keys raise; a shape mismatch always raises.
        With ``assign=True`` the state dict's tensors themselves take the places of the module's (their
        dtype and memory kept; a tensor replacing a Parameter is wrapped as one with the old requires_grad),
        so optimizers built before hold the old Parameters, as in PyTorch.
        Returns (missing_keys, unexpected_keys). Nothing is modified if an error is raised.
        """
        if not hasattr(state_dict, "items"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        state_dict, missing, unexpected, errors = self._run_load_state_dict_pre_hooks(state_dict, strict)
        own = self.state_dict(keep_vars=True)
        missing += [k for k in own if k not in state_dict]
        unexpected += [k for k in state_dict if k not in own]
        if strict:  # PyTorch's order: missing keys, unexpected keys, then size mismatches
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
        arrays = {}
        for k, target in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            arr = v._data if isinstance(v, Tensor) else np.asarray(v)
            if tuple(arr.shape) != tuple(target.shape):
                errors.append(
                    f"size mismatch for {k}: copying a param with shape {Size(arr.shape)!r} from checkpoint, "
                    f"the shape in current model is {Size(target.shape)!r}."
                )
                continue
            arrays[k] = v if assign and isinstance(v, Tensor) else arr
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
            )
        swap = _future.get_swap_module_params_on_conversion()
        for k, arr in arrays.items():
            target = own[k]
            if swap:
                try:
                    self._swap_loaded(target, state_dict[k], assign)
                except Exception as ex:  # noqa: BLE001 - reported with the others, as PyTorch does
                    errors.append(f'While swapping the parameter named "{k}", whose dimensions in the model are '
                                  f"{target.size()} and whose dimensions in the checkpoint are "
                                  f"{Size(arr.shape)}, an exception occurred : {ex.args}.")
                continue
            if assign:
                self._assign_loaded(k, target, arr)
                continue
            target._data[...] = arr.astype(target.dtype, copy=False)  # in place: Parameters keep their identity
            target._bump_version()
        if errors:  # only a swap can fail here
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _swap_loaded(target, value, assign):
        """``load_state_dict``'s step for one key under ``__future__.set_swap_module_params_on_conversion(True)``:
        ``target.module_load(value, assign)`` swapped into ``target`` (which keeps its identity)."""
        if not isinstance(value, Tensor):
            value = Tensor(np.asarray(value))
        with no_grad():
            new = target.module_load(value, assign=assign)
        if new is value or new is target:
            raise RuntimeError("module_load returned one of self or other, please .detach() the result if "
                               "returning one of the inputs in module_load")
        if isinstance(target, Parameter):
            if isinstance(new, Parameter):
                new.requires_grad_(target.requires_grad)
            else:
                new = Parameter(new, requires_grad=target.requires_grad)
        swap_tensors(target, new)

    def _assign_loaded(self, key, target, value):
        """``load_state_dict(assign=True)``'s step for one key: ``value`` (a Tensor, or an array from a
        non-Tensor entry) replaces ``target`` in its owning module."""
        prefix, _, name = key.rpartition(".")
        owner = self.get_submodule(prefix) if prefix else self
        if not isinstance(value, Tensor):
            value = Tensor(value)
        if isinstance(target, Parameter):
            if isinstance(value, Parameter):
                value.requires_grad_(target.requires_grad)
            else:
                value = Parameter(value, requires_grad=target.requires_grad)
        setattr(owner, name, value)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """``hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)`` runs
        before loading this module's part of a state dict and may rename its keys (PyTorch's private hook;
        parametrized weight norm uses it to read the older ``weight_g``/``weight_v`` keys)."""
        if "_load_state_dict_pre_hooks" not in self.__dict__:
            object.__setattr__(self, "_load_state_dict_pre_hooks", OrderedDict())
        handle = RemovableHandle(self._load_state_dict_pre_hooks)
        self._load_state_dict_pre_hooks[handle.id] = (lambda *a: hook(self, *a)) if with_module else hook
        return handle

    def _run_load_state_dict_pre_hooks(self, state_dict, strict):
        """A copy of ``state_dict`` after every submodule's load pre-hooks (no copy when there are none)."""
        missing, unexpected, errors = [], [], []
        hooked = [(p, m) for p, m in self.named_modules() if m.__dict__.get("_load_state_dict_pre_hooks")]
        if hooked:
            state_dict = OrderedDict(state_dict)
            for prefix, m in hooked:
                for hook in list(m._load_state_dict_pre_hooks.values()):
                    hook(state_dict, prefix + "." if prefix else "", {}, strict, missing, unexpected, errors)
        return state_dict, missing, unexpected, errors

    # -- printing -----------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            mod_str = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {mod_str}")
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

    def __dir__(self):
        return sorted(set(list(super().__dir__()) + list(self._parameters) + list(self._buffers) + list(self._modules)))


class _IncompatibleKeys(tuple):
    def __new__(cls, missing_keys, unexpected_keys):
        return super().__new__(cls, (missing_keys, unexpected_keys))

    @property
    def missing_keys(self):
        return self[0]

    @property
    def unexpected_keys(self):
        return self[1]

    def __repr__(self):
        if not self[0] and not self[1]:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self[0]}, unexpected_keys={self[1]})"


def _check_name(module, name, kind):
    if "_parameters" not in module.__dict__:
        raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if hasattr(type(module), name):
        raise KeyError(f"attribute '{name}' already exists")
