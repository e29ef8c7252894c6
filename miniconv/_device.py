"""Devices: ``miniconv.device``, ``cuda``, ``mps``, ``accelerator``, ``set_default_device``.

miniconv runs on the CPU only. These names exist so that the usual PyTorch preamble
``device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` runs unchanged and picks
the CPU. A ``device('cuda')`` object can be built (as in PyTorch, where building one never fails);
*using* it (``x.to('cuda')``, ``zeros(2, device='cuda')``, ``nn.Linear(2, 3, device='cuda')``)
raises one clear RuntimeError saying miniconv runs on the CPU.
"""
import types

from .dtypes import _check_memory_format

_KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "mtia", "privateuseone")


class device:  # noqa: N801  (PyTorch's name)
    """``device('cpu')``, ``device('cpu', 0)``, ``device('cuda:0')``: a device type and optional index.

    Example::

        >>> device('cuda' if cuda.is_available() else 'cpu')
        device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): when a device is given, index must not be")
            object.__setattr__(self, "type", type.type)
            object.__setattr__(self, "index", type.index)
            return
        if isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError("miniconv runs on the CPU only; an integer device ordinal means a GPU")
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        name, _, idx = type.partition(":")
        if name not in _KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, maia, xla, "
                f"lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start of device string: {type}"
            )
        if idx:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {type}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
            raise RuntimeError("Device index must not be negative" if isinstance(index, int) else
                               f"device(): index must be an int, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, k, v):
        raise AttributeError("device objects are immutable")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, device):
            return self.type == other.type and self.index == other.index
        return NotImplemented

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    # ``with device('cpu'): ...`` sets the default device for the block, as in PyTorch
    def __enter__(self):
        _check_device(self)
        return self

    def __exit__(self, *exc):
        return False


CPU = device("cpu")


def _check_device(dev, where=None):
    """``dev`` (None, a str, or a device) -> ``device('cpu')``; any other device type is a RuntimeError."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type != "cpu":
        raise RuntimeError(
            f"miniconv runs on the CPU only; device '{d}' is not supported (use 'cpu')"
        )
    return CPU


def set_default_device(dev):
    """Only the CPU (or ``None``) is accepted; any other device raises the CPU-only RuntimeError."""
    _check_device(dev)


def get_default_device():
    return CPU


def _no_cuda(*args, **kwargs):
    raise RuntimeError("miniconv runs on the CPU only; CUDA is not available (torch.cuda.is_available() is False)")


def _noop(*args, **kwargs):
    return None


mps = types.ModuleType("miniconv.mps")
mps.manual_seed = _noop
mps.device_count = lambda: 0

accelerator = types.ModuleType("miniconv.accelerator", "No accelerator: miniconv runs on the CPU only.")
accelerator.is_available = lambda: False
accelerator.current_accelerator = lambda check_available=False: None
accelerator.device_count = lambda: 0


def _parse_to_args(where, args, kwargs):
    """The arguments of ``Tensor.to`` / ``Module.to`` -> (dtype or None, copy); the device is checked.

    Accepts ``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` and the keywords
    ``device``, ``dtype``, ``non_blocking``, ``copy``, ``memory_format``.
    """
    kwargs = dict(kwargs)
    dev = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    _check_memory_format(kwargs.pop("memory_format", None), "to")
    if kwargs:
        raise TypeError(f"{where}() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if hasattr(a, "_version_counter"):  # a Tensor (this leaf module does not import the class): its dtype
            dtype = a.dtype
        elif isinstance(a, (str, device)):
            dev = a
        elif isinstance(a, int) and not isinstance(a, bool):
            dev = device("cuda", a)
        elif isinstance(a, bool):
            pass  # non_blocking / copy passed positionally
        else:
            dtype = a
    _check_device(dev)
    return dtype, copy
