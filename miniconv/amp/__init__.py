"""``torch.amp``: automatic mixed precision, as far as a float32/float64 CPU library can honour it.

* :class:`GradScaler` is PyTorch's loss scaler, exactly: ``scale`` multiplies by a float32 scale
  (2**16 at first), ``unscale_`` multiplies the gradients by its float64-computed reciprocal and
  records non-finite values, ``step`` skips the optimizer's step when it found any, ``update``
  backs the scale off after a skipped step and grows it after ``growth_interval`` good ones;
  ``state_dict``/``load_state_dict``. On ``'cuda'`` (no GPU here) it disables itself with
  PyTorch's warning, as PyTorch does without CUDA.
* :class:`autocast` never lowers precision: miniconv has no bfloat16 and autocast casts nothing
  to float16 (float16 tensors made explicitly work), so an enabled CPU autocast warns once per construction and runs the region in the tensors' own
  dtypes (results closer to exact than PyTorch's bfloat16 ones, and different from them); a CUDA
  autocast disables itself with PyTorch's warning.
"""
from .autocast_mode import (
    autocast, custom_bwd, custom_fwd, get_autocast_cpu_dtype, get_autocast_dtype, get_autocast_gpu_dtype, is_autocast_available,
    is_autocast_cache_enabled, is_autocast_cpu_enabled, is_autocast_enabled, set_autocast_cache_enabled,
    set_autocast_cpu_dtype, set_autocast_cpu_enabled, set_autocast_dtype, set_autocast_enabled,
    set_autocast_gpu_dtype,
)
from .grad_scaler import GradScaler, OptState

__all__ = ["GradScaler", "OptState", "autocast", "custom_bwd", "custom_fwd", "get_autocast_dtype", "is_autocast_available",
           "is_autocast_enabled"]
