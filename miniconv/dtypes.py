"""dtypes: NumPy dtypes under PyTorch's names (``miniconv.float32`` is ``numpy.dtype('float32')``)."""
import numpy as np

# dtypes are NumPy dtypes; the names mirror torch.float32 etc.
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float = float32  # noqa: A001  (torch.float)
double = float64
int64 = np.dtype(np.int64)
long = int64
int32 = np.dtype(np.int32)
int16 = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001
_SUPPORTED = {float32, float64, int64, int32, int16, int8, uint8, bool}
_builtin_float = __builtins__["float"] if isinstance(__builtins__, dict) else __builtins__.float
_builtin_bool = __builtins__["bool"] if isinstance(__builtins__, dict) else __builtins__.bool


def _check_dtype(dt, where="tensor"):
    try:
        dt = np.dtype(dt)
    except TypeError:
        raise TypeError(f"{where}(): dtype must be a miniconv/NumPy dtype such as miniconv.float32, got {dt!r}")
    if dt not in _SUPPORTED:
        raise TypeError(
            f"{where}(): unsupported dtype {dt}; miniconv supports float32, float64, int64, int32, int16, "
            "int8, uint8 and bool"
        )
    return dt


def _infer_dtype(data):
    arr = np.asarray(data)
    if arr.dtype.kind == "f":
        return float32 if not isinstance(data, np.ndarray) else arr.dtype
    if arr.dtype.kind in "iu":
        return int64 if not isinstance(data, np.ndarray) else arr.dtype
    if arr.dtype.kind == "b":
        return bool
    raise TypeError(
        f"tensor(): could not make a tensor from data of type {type(data).__name__} "
        f"(NumPy dtype {arr.dtype}); expected numbers, nested lists of numbers or a numeric array"
    )
