"""Whole objects (modules, optimizers, anything picklable) inside a miniconv checkpoint.

When :func:`miniconv.save` meets something beyond tensors and plain containers, it stores the whole
object as one pickle (protocol 2, as ``torch.save``), so shared references survive (an optimizer's
parameters stay the model's parameters). The pickle holds no tensor data: every NumPy array (each
Tensor's storage) is a persistent id ``("miniconv.array", name)`` naming a tensor of the
safetensors file, and Tensors, Parameters, ``miniconv.Size``, dtypes and devices are rebuilt by the
functions below. The pickle's bytes are one more uint8 tensor of the file, so the file's checksum
covers them like the rest.

Loading with ``weights_only=True`` (the default) runs the pickle through
:class:`~miniconv.io.unpickler.RestrictedUnpickler`, which admits the rebuild functions below and
what ``torch.load(weights_only=True)`` admits; a module, an optimizer or any other class is refused
with PyTorch's message. ``weights_only=False`` uses Python's unpickler: it imports and runs whatever
the file names, as ``torch.load(weights_only=False)`` does (only for files from a trusted source).
"""
import io
import pickle

import numpy as np

from ..dtypes import dtype as _dtype_cls
from ..dtypes import of_numpy
from .errors import CheckpointError

PICKLE_TENSOR = "__miniconv_pickle__"
_ARRAY_PID = "miniconv.array"


def rebuild_tensor(array, requires_grad):
    from ..tensor import Tensor

    if not isinstance(array, np.ndarray) or type(requires_grad) is not bool:
        raise CheckpointError(None, "malformed tensor record in the pickle")
    t = Tensor(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rebuild_parameter(array, requires_grad):
    from ..nn import Parameter

    if not isinstance(array, np.ndarray) or type(requires_grad) is not bool:
        raise CheckpointError(None, "malformed parameter record in the pickle")
    return Parameter(array, requires_grad=requires_grad)


def rebuild_size(dims):
    from ..tensor import Size

    if type(dims) is not tuple or not all(type(d) is int for d in dims):
        raise CheckpointError(None, "malformed Size record in the pickle")
    return Size(dims)


def rebuild_dtype(code):
    if code not in ("<f4", "<f8", "<f2", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1", "<u2", "<u4", "<u8",
                    "<c8", "<c16"):
        raise CheckpointError(None, f"malformed dtype record {str(code)[:20]!r} in the pickle")
    return of_numpy(np.dtype(code).newbyteorder("="))


def rebuild_device(kind, index):
    from .._device import device

    return device(kind, index)


_REBUILDS = (rebuild_tensor, rebuild_parameter, rebuild_size, rebuild_dtype, rebuild_device)


def allowed_globals():
    """What the weights-only interpreter admits in miniconv's pickles: PyTorch's list and the functions above."""
    from .torch_format import allowed_globals as torch_allowed

    rc = torch_allowed()
    for f in _REBUILDS:
        rc[f"{f.__module__}.{f.__qualname__}"] = f
    return rc


class _Pickler(pickle.Pickler):
    def __init__(self, file, arrays, path):
        super().__init__(file, protocol=2)
        self.arrays = arrays
        self.names = {}
        self.keep = []
        self.path = path

    def persistent_id(self, obj):
        if not isinstance(obj, np.ndarray):
            return None
        from .safetensors_file import to_storable

        name = self.names.get(id(obj))
        if name is None:
            name = f"pickle.{len(self.names)}"
            self.arrays[name] = to_storable(f"an array of shape {list(obj.shape)} inside the object", obj, self.path)
            self.names[id(obj)] = name
            self.keep.append(obj)  # keeps id(obj) unique while pickling
        return (_ARRAY_PID, name)

    def reducer_override(self, obj):
        from ..nn import Parameter
        from ..tensor import Size, Tensor
        from .._device import device

        if isinstance(obj, Tensor):
            if type(obj) is Parameter:
                return rebuild_parameter, (obj._data, bool(obj.requires_grad))
            if type(obj) is Tensor:
                return rebuild_tensor, (obj._data, bool(obj.requires_grad))
            return _rebuild_subclass, (type(obj), obj._data, bool(obj.requires_grad))
        if isinstance(obj, _dtype_cls):
            obj = obj.dtype
        if isinstance(obj, np.dtype) and obj.fields is None and obj.kind in "biufc":
            return rebuild_dtype, (obj.newbyteorder("<").str if obj.itemsize > 1 else obj.str,)
        if type(obj) is Size:
            return rebuild_size, (tuple(int(d) for d in obj),)
        if type(obj) is device:
            return rebuild_device, (obj.type, obj.index)
        return NotImplemented


def _rebuild_subclass(cls, array, requires_grad):
    """A Tensor subclass (only with ``weights_only=False`` or ``cls`` allowlisted)."""
    t = cls._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def dumps(obj, arrays, path):
    """The pickle of ``obj`` (bytes); its arrays go to ``arrays`` as ``{name: storable array}``."""
    buf = io.BytesIO()
    try:
        _Pickler(buf, arrays, path).dump(obj)
    except CheckpointError:
        raise
    except RecursionError:
        raise CheckpointError(path, "miniconv.save: the object is nested too deeply to be pickled") from None
    except (pickle.PicklingError, TypeError, AttributeError) as e:
        raise CheckpointError(path, f"miniconv.save cannot pickle the object ({type(e).__name__}: {e})") from e
    return buf.getvalue()


def loads(data, arrays, path, weights_only):
    """The object pickled in ``data``, its arrays taken from ``arrays`` (``{name: ndarray}``)."""
    from .torch_format import run_pickle

    def persistent_load(pid):
        if type(pid) is not tuple or len(pid) != 2 or pid[0] != _ARRAY_PID:
            raise pickle.UnpicklingError(f"Only persistent_load of miniconv arrays is allowed, but got {str(pid)[:80]}")
        if type(pid[1]) is not str or pid[1] not in arrays or pid[1] == PICKLE_TENSOR:
            raise CheckpointError(path, f"the pickle refers to array {str(pid[1])[:80]!r}, which is not in the file")
        return arrays[pid[1]]

    return run_pickle(bytes(data), path, weights_only, allowed_globals(), persistent_load, torch_file=False)
