"""Parameter initialisation with PyTorch's names, arguments and formulas (torch/nn/init.py).

All functions fill the tensor in place (without recording a graph) and return it.
Randomness comes from ``miniconv.manual_seed`` or an explicit ``generator``.
"""
import math
import warnings

import numpy as np
from .. import _random
from .._random import default_generator
from .._args import check_normal_args as _check_normal_args
from .._args import check_uniform_args as _check_uniform_args
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "xavier_uniform_",
           "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "trunc_normal_", "orthogonal_", "eye_", "dirac_",
           "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal", "dirac", "eye"]


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for ``nonlinearity`` (same table as PyTorch)."""
    linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _check(tensor, name):
    """Only the type: the dtype is checked where PyTorch checks it (``Tensor.uniform_``/``normal_``'s checks;
    ``constant_``/``zeros_``/``ones_`` fill integer and bool tensors too)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{name}(): argument 'tensor' must be a Tensor, got {type(tensor).__name__}")


def _gen(generator):
    return default_generator if generator is None else generator


def _fill(tensor, values):
    """Write ``values`` into ``tensor`` (unless a sampler already wrote them in place) and bump its version."""
    if values is not tensor._data:
        tensor._data[...] = values
    tensor._bump_version()
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    _check(tensor, "uniform_")
    _check_uniform_args(tensor, a, b)
    return _fill(tensor, _random.uniform_(_gen(generator), tensor._data, a, b, inplace=True))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    _check(tensor, "normal_")
    _check_normal_args(tensor, std)
    return _fill(tensor, _random.normal_(_gen(generator), tensor._data, mean, std, inplace=True))


def constant_(tensor, val):
    _check(tensor, "constant_")
    tensor._data[...] = val
    tensor._bump_version()
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    _check(tensor, "xavier_uniform_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    _check(tensor, "xavier_normal_")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound), bound = gain * sqrt(3 / fan)."""
    _check(tensor, "kaiming_uniform_")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    _check(tensor, "kaiming_normal_")
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) truncated to [a, b] by rejection, as PyTorch 2.13 does: when [a, b] holds more than 30 %
    of the mass, normal draws with the rejected entries drawn again (a whole new normal tensor per round);
    otherwise uniform candidates in [a, b] accepted with probability exp(-((x - mean) / std)**2 / 2) relative
    to the peak, every round drawing the whole tensor again."""
    _check(tensor, "trunc_normal_")

    def cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    g, data = _gen(generator), tensor._data
    dt = data.dtype
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        lo, hi = float(np.asarray(a, dt)), float(np.asarray(b, dt))
        result = _random.normal_(g, data, mean, std)
        while True:
            mask = (result < lo) | (result > hi)
            if not mask.any():
                break
            result = np.where(mask, _random.normal_(g, np.empty_like(result), mean, std), result)
        return _fill(tensor, result)
    mode = max(a, min(mean, b))
    log_peak = -0.5 * ((mode - mean) / std) ** 2

    def log_ratio(x):  # PyTorch's in-place chain sub_(mean).div_(std).pow_(2).mul_(-0.5).sub_(log_peak), in dt
        x = np.subtract(x, mean, dtype=dt)
        x = np.divide(x, std, dtype=dt)
        return np.subtract(np.multiply(np.square(x), -0.5, dtype=dt), log_peak, dtype=dt)

    def accept_log():  # accept_buf.uniform_().log_()
        with np.errstate(divide="ignore"):
            return np.log(_random.uniform_(g, data, 0.0, 1.0))

    result = _random.uniform_(g, data, a, b)
    pending = accept_log() > log_ratio(result)
    while pending.any():
        candidates = _random.uniform_(g, data, a, b)
        result = np.where(pending, candidates, result)
        pending = np.where(pending, accept_log() > log_ratio(candidates), pending)
    return _fill(tensor, result)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one (rows flattened past dim 1)."""
    _check(tensor, "orthogonal_")
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _random.normal_(_gen(generator), np.empty((rows, cols), tensor.dtype), 0.0, 1.0).astype(np.float64)
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))  # a uniform distribution over orthogonal matrices
    if rows < cols:
        q = q.T
    tensor._data[...] = (gain * q).reshape(tensor.shape)
    tensor._bump_version()
    return tensor


def eye_(tensor):
    """The identity matrix (a 2-D tensor)."""
    _check(tensor, "eye_")
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    tensor._data[...] = np.eye(*tensor.shape, dtype=tensor.dtype)
    tensor._bump_version()
    return tensor


def dirac_(tensor, groups=1):
    """The Dirac delta for a 3-, 4- or 5-D convolution weight: each output channel of each group passes its
    input channel through unchanged."""
    _check(tensor, "dirac_")
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    arr = np.zeros(sizes, tensor.dtype)
    centre = tuple(k // 2 for k in sizes[2:])
    for g in range(groups):
        for d in range(min(out_per_group, sizes[1])):
            arr[(g * out_per_group + d, d) + centre] = 1
    tensor._data[...] = arr
    tensor._bump_version()
    return tensor


def _deprecated(fn):
    old = fn.__name__[:-1]

    def call(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{fn.__name__}`.", FutureWarning,
                      stacklevel=2)
        return fn(*args, **kwargs)

    call.__name__ = call.__qualname__ = old
    call.__doc__ = f"Deprecated spelling of :func:`{fn.__name__}`."
    return call


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
dirac = _deprecated(dirac_)
eye = _deprecated(eye_)
