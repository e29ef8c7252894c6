"""``torch._dynamo.config`` for an eager library: the switches scripts set before ``torch.compile``
(``suppress_errors``, ``cache_size_limit``, ``inline_inbuilt_nn_modules``, ...) with PyTorch's defaults.
They are kept and read back, and change nothing: miniconv's ``compile`` runs the function eagerly.
Names PyTorch's config does not have raise its AttributeError, on reading and on setting."""
import functools
import sys
import types
import warnings

_DEFAULTS = {
    "suppress_errors": False, "verbose": False, "cache_size_limit": 8, "recompile_limit": 8,
    "accumulated_cache_size_limit": 256, "accumulated_recompile_limit": 256, "inline_inbuilt_nn_modules": True,
    "capture_scalar_outputs": False, "capture_dynamic_output_shape_ops": False, "automatic_dynamic_shapes": True,
    "assume_static_by_default": True, "optimize_ddp": True, "specialize_int": False, "dynamic_shapes": True,
    "guard_nn_modules": True, "force_parameter_static_shapes": True, "error_on_recompile": False,
    "replay_record_enabled": False, "rewrite_assert_with_torch_assert": True, "allow_unspec_int_on_nn_module": False,
    "skip_nnmodule_hook_guards": True, "cache_size_limit_warning": True, "raise_on_ctx_manager_usage": True,
    "capture_func_transforms": True, "allow_rnn": False, "compiled_autograd": False,
}


# Deprecated in PyTorch: the first access (reading or setting) in a process warns, once.
_DEPRECATED = {"inline_inbuilt_nn_modules": (
    "torch._dynamo.config.inline_inbuilt_nn_modules is deprecated and does not do anything, "
    "inline_inbuilt_nn_modules is always True. It will be removed in a future version of PyTorch.")}
_warned = set()


def _warn_deprecated(name):
    if name in _DEPRECATED and name not in _warned:
        _warned.add(name)
        warnings.warn(_DEPRECATED[name], FutureWarning, stacklevel=3)


class _Config(types.ModuleType):
    def __getattr__(self, name):  # only called for names not in the module's dict
        if name in _DEPRECATED:
            _warn_deprecated(name)
            return self.__dict__["_deprecated_values"][name]
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"torch._dynamo.config.{name} does not exist")

    def __setattr__(self, name, value):
        if name not in _DEFAULTS and not name.startswith("_"):
            raise AttributeError(f"torch._dynamo.config.{name} does not exist")
        if name in _DEPRECATED:
            _warn_deprecated(name)
            self.__dict__["_deprecated_values"][name] = value
            return
        super().__setattr__(name, value)

    def get_config_copy(self):
        """The current settings as a dict."""
        return {k: (self._deprecated_values[k] if k in _DEPRECATED else getattr(self, k)) for k in _DEFAULTS}

    def patch(self, *args, **kwargs):
        """``config.patch(name=value)`` / ``config.patch({name: value})``: a context manager and decorator
        that sets the values and restores the previous ones on exit."""
        changes = dict(args[0]) if args else {}
        changes.update(kwargs)
        return _Patch(self, changes)


class _Patch:
    def __init__(self, cfg, changes):
        self.cfg, self.changes, self.saved = cfg, changes, None

    def __enter__(self):
        self.saved = {k: getattr(self.cfg, k) for k in self.changes}
        for k, v in self.changes.items():
            setattr(self.cfg, k, v)

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            setattr(self.cfg, k, v)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Patch(self.cfg, self.changes):
                return fn(*args, **kwargs)
        return wrapper


_deprecated_values = {k: _DEFAULTS[k] for k in _DEPRECATED}
_module = sys.modules[__name__]
_module.__class__ = _Config
for _k, _v in _DEFAULTS.items():
    if _k not in _DEPRECATED:
        setattr(_module, _k, _v)
