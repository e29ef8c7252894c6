"""PyTorch's legacy tensor-type names: ``FloatTensor``, ``LongTensor``, ... .

Old scripts still use them three ways, and all three work as in PyTorch:

- as constructors: ``LongTensor(3, 4)`` (sizes; PyTorch leaves the memory uninitialized, here it is
  zeroed), ``FloatTensor([1, 2])`` (data), ``FloatTensor()`` (empty), ``FloatTensor(t)`` (``t`` itself
  when its dtype matches, else PyTorch's TypeError);
- in ``isinstance(x, FloatTensor)``: true for a Tensor of that dtype;
- in ``x.type(FloatTensor)`` / ``x.type('torch.FloatTensor')``, and ``x.type()`` returns the name.

Names print as ``torch.FloatTensor`` (what PyTorch prints) so scripts that compare ``x.type()`` with a
string keep working; ``'miniconv.FloatTensor'`` is accepted too.
"""
import numpy as np

from . import dtypes
from .creation import tensor as _tensor
from .creation import zeros as _zeros
from .tensor import Size, Tensor



def _signature_error():
    return TypeError(
        "new() received an invalid combination of arguments - but expected one of:\n"
        " * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)\n"
        " * (tuple of ints size, *, torch.device device = None)\n * (object data, *, torch.device device = None)")


class _TensorType(type):
    """The metaclass of the legacy names: construction, ``isinstance`` and printing."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"

    def __call__(cls, *args, device=None, **kwargs):
        if kwargs:
            raise _signature_error()
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: {device} was passed")
        if not args:
            return _zeros(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            if other.dtype != cls.dtype:
                raise TypeError(f"expected {cls.dtype.name} (got {other.dtype.name})")
            return other
        if len(args) == 1 and isinstance(args[0], Size) or all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
            sizes = tuple(int(a) for a in (args[0] if isinstance(args[0], Size) else args))
            for s in sizes:
                if s < 0:
                    raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
            return _zeros(sizes, dtype=cls.dtype)
        if len(args) > 1:
            raise _signature_error()
        data = args[0]
        if isinstance(data, str):
            raise TypeError("new(): invalid data type 'str'")
        if not isinstance(data, (list, tuple, np.ndarray)):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return _tensor(data, dtype=cls.dtype)


def _make(dtype):
    name = dtypes.legacy_type_name(dtype).split(".")[1]
    return _TensorType(name, (), {"dtype": dtype, "__module__": "miniconv", "is_cuda": False, "is_sparse": False,
                                  "_legacy_tensor_type": True})


FloatTensor = _make(dtypes.float32)
DoubleTensor = _make(dtypes.float64)
HalfTensor = _make(dtypes.float16)
LongTensor = _make(dtypes.int64)
IntTensor = _make(dtypes.int32)
ShortTensor = _make(dtypes.int16)
CharTensor = _make(dtypes.int8)
ByteTensor = _make(dtypes.uint8)
BoolTensor = _make(dtypes.bool)
