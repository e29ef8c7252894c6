"""``torch.__future__``: process-wide switches for how ``nn.Module`` conversions and ``load_state_dict`` treat
existing parameters (PyTorch's names and defaults, both off).

* overwrite: ``module.to(dtype)`` / ``.float()`` / ``.double()`` give the module *new* Parameter objects (an
  optimizer built before keeps the old ones) instead of converting the existing ones in place.
* swap: conversions and ``load_state_dict`` keep each Parameter object and swap in new contents through
  :func:`miniconv.utils.swap_tensors`; ``load_state_dict`` takes each value from ``param.module_load(value,
  assign)``. Takes precedence over overwrite.
"""
_overwrite_module_params_on_conversion = False
_swap_module_params_on_conversion = False


def set_overwrite_module_params_on_conversion(value):
    """Whether converting an ``nn.Module`` assigns new Parameters instead of changing the existing ones."""
    global _overwrite_module_params_on_conversion
    _overwrite_module_params_on_conversion = value


def get_overwrite_module_params_on_conversion():
    return _overwrite_module_params_on_conversion


def set_swap_module_params_on_conversion(value):
    """Whether ``nn.Module`` conversions and ``load_state_dict`` swap new contents into the existing Parameters
    (``swap_tensors``) instead of converting or copying in place."""
    global _swap_module_params_on_conversion
    _swap_module_params_on_conversion = value


def get_swap_module_params_on_conversion():
    return _swap_module_params_on_conversion
