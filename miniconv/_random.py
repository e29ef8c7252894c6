"""Random number generation: PyTorch's CPU generator (mt19937), the global default one, and the samplers.

A ``Generator`` draws exactly what PyTorch's CPU generator draws: the same seed and the same sequence of random
calls give the same numbers (``_mt19937.pyx`` holds the engine and the sampling loops of PyTorch's kernels).
``get_state()`` is PyTorch's 5056-byte layout, so a state saved by either library loads into the other.

The samplers below are array functions: they fill or return NumPy arrays, drawing in the order PyTorch's CPU
kernels draw (TensorIterator's order: memory order for a non-contiguous output). Argument checks are the
callers', with PyTorch's messages.
"""
import os
import warnings

import numpy as np

from ._mt19937 import MT19937

__all__ = ["Generator", "default_generator", "manual_seed", "get_rng_state", "set_rng_state"]

DEFAULT_RNG_SEED = 67280421310721  # c10's default_rng_seed_val: the seed of a new torch.Generator()
STATE_SIZE = 5056

# CPUGeneratorImplState (aten/src/ATen/CPUGeneratorImpl.cpp): the legacy POD, then the float normal cache
STATE_DTYPE = np.dtype([
    ("the_initial_seed", "<u8"), ("left", "<i4"), ("seeded", "<i4"), ("next", "<u8"), ("state", "<u8", (624,)),
    ("normal_x", "<f8"), ("normal_y", "<f8"), ("normal_rho", "<f8"), ("normal_is_valid", "<i4"), ("_pad0", "<i4"),
    ("next_float_normal_sample", "<f4"), ("is_next_float_normal_sample_valid", "u1"), ("_pad1", "u1", (3,)),
])
assert STATE_DTYPE.itemsize == STATE_SIZE

# set by miniconv.tensor at import: wraps get_state()'s uint8 array as a Tensor (this module is a leaf)
state_to_tensor = None


def _nondeterministic_seed():
    """53 random bits, as c10's getNonDeterministicRandom (a seed a double represents exactly)."""
    return int.from_bytes(os.urandom(8), "little") & (2**53 - 1)


def _seed_arg(seed, strict):
    """PyTorch's checks: ``Generator.manual_seed`` takes an int (``bool``, float, str refused);
    ``torch.manual_seed`` first calls ``int(seed)``; then a uint64, or a negative int64 taken modulo 2**64."""
    if strict:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -2**63 <= seed < 2**64:
        raise ValueError("Overflow when unpacking long long")
    return seed & (2**64 - 1)


class Generator:
    """A source of random numbers, PyTorch's CPU generator (``miniconv.Generator().manual_seed(0)``).

    A new generator starts from PyTorch's default seed, 67280421310721, as ``torch.Generator()`` does.
    """

    def __init__(self, device="cpu"):
        if device is not None and str(device).partition(":")[0] != "cpu":
            raise RuntimeError(f"miniconv runs on the CPU only; a Generator on device '{device}' cannot be made")
        self._mt = MT19937(DEFAULT_RNG_SEED)

    @property
    def device(self):
        from ._device import device
        return device("cpu")

    def manual_seed(self, seed):
        """Seed the generator (mt19937 takes the low 32 bits; ``initial_seed()`` keeps all 64); returns it."""
        self._mt.manual_seed(_seed_arg(seed, strict=True))
        return self

    def seed(self):
        """Seed from a non-deterministic source and return that seed."""
        s = _nondeterministic_seed()
        self._mt.manual_seed(s)
        return s

    def initial_seed(self):
        return int(self._mt.initial_seed())

    def get_state(self):
        """The state as a uint8 Tensor of 5056 bytes, PyTorch's layout."""
        arr = self.get_state_array()
        return state_to_tensor(arr) if state_to_tensor is not None else arr

    def get_state_array(self):
        seed, left, seeded, next_, words = self._mt.get_pod()
        pod = np.zeros((), STATE_DTYPE)
        pod["the_initial_seed"], pod["left"], pod["seeded"], pod["next"] = seed, left, int(seeded), next_
        pod["state"] = words
        if self._mt.next_double_normal is not None:
            pod["normal_is_valid"], pod["normal_y"] = 1, self._mt.next_double_normal
        if self._mt.next_float_normal is not None:
            pod["is_next_float_normal_sample_valid"] = 1
            pod["next_float_normal_sample"] = self._mt.next_float_normal
        return pod.reshape(1).view(np.uint8).copy()

    def set_state(self, new_state):
        """Load a state from ``get_state()`` (a uint8 Tensor, or the array of one, e.g. PyTorch's
        ``torch.get_rng_state().numpy()``); returns the generator. A state dict saved by miniconv before it used
        PyTorch's generator is still accepted: the stream continues from a state derived from it (with a
        warning, since that stream differs from the one the old version would have drawn)."""
        if isinstance(new_state, dict):
            self._set_legacy_state(new_state)
            return self
        data = getattr(new_state, "_data", new_state)
        if not isinstance(data, np.ndarray):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if data.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if data.size != STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_SIZE} but found the input RNG state "
                               f"size to be {data.size}")
        pod = np.ascontiguousarray(data).reshape(-1).view(STATE_DTYPE)[0]
        left, seeded, next_ = int(pod["left"]), int(pod["seeded"]), int(pod["next"]) & 0xffffffff
        if not (seeded != 0 and 0 < left <= 624 and next_ <= 624):
            raise RuntimeError("Invalid mt19937 state")
        words = (pod["state"] & 0xffffffff).astype(np.uint32)
        self._mt.set_pod(int(pod["the_initial_seed"]), left, True, next_, words)
        self._mt.next_double_normal = float(pod["normal_y"]) if pod["normal_is_valid"] else None
        self._mt.next_float_normal = (float(pod["next_float_normal_sample"])
                                      if pod["is_next_float_normal_sample_valid"] else None)
        return self

    def _set_legacy_state(self, state):
        if state.get("bit_generator") != "PCG64":
            raise TypeError("expected a torch.ByteTensor, but got dict")
        warnings.warn("loading a random state saved by an older miniconv (NumPy PCG64): the stream continues from "
                      "an mt19937 state derived from it, not the numbers that version would have drawn",
                      UserWarning, stacklevel=3)
        bits = np.random.PCG64()
        bits.state = state
        words = np.random.Generator(bits).integers(0, 2**32, 624, dtype=np.uint64).astype(np.uint32)
        words[0] |= 0x80000000  # never the all-zero state
        self._mt.set_pod(self._mt.initial_seed(), 1, True, 0, words)
        self._mt.next_double_normal = self._mt.next_float_normal = None

    def clone_state(self):
        """A new Generator in the same state (``torch.Generator.clone_state``)."""
        other = Generator.__new__(Generator)
        other._mt = self._mt.clone()
        return other

    def __deepcopy__(self, memo):
        return self.clone_state()

    def __getstate__(self):
        return {"state": self.get_state_array()}

    def __setstate__(self, d):
        self._mt = MT19937(DEFAULT_RNG_SEED)
        self.set_state(d["state"])

    @property
    def numpy_generator(self):
        """A NumPy Generator seeded with two 64-bit draws from this generator, for the samplers whose PyTorch
        algorithm miniconv does not reproduce (gamma, binomial, ...): reproducible from the seed, not PyTorch's
        numbers. Each access consumes four 32-bit draws."""
        return np.random.Generator(np.random.PCG64([int(v) for v in self._mt.random_u64(2)]))


def _gen(generator):
    return default_generator if generator is None else generator


default_generator = Generator()
default_generator._mt.manual_seed(_nondeterministic_seed())  # as PyTorch's default generator


def manual_seed(seed):
    """Seed the default generator (used by randn, rand, init functions, dropout, shuffling); returns it."""
    return default_generator.manual_seed(_seed_arg(seed, strict=False))


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# -- samplers: PyTorch's CPU kernels, arrays in and out ---------------------------------------------
# Each sampler takes ``like`` (the array being filled: its shape, dtype, contiguity and strides decide what
# PyTorch's kernel does) and returns a new array of its shape and dtype holding the draws.
def _walk_axes(arr):
    """The axes of ``arr`` in the order TensorIterator walks an output: largest stride outermost (memory order
    for a dense non-contiguous array)."""
    return sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]) if arr.shape[d] > 1 else 0)


def _result(like, values):
    """``values`` (1-D, in draw order) laid out over ``like``'s shape in the order TensorIterator walks ``like``."""
    if like.flags.c_contiguous:
        return values.reshape(like.shape)
    out = np.empty(like.shape, values.dtype)
    view = out.transpose(_walk_axes(like))
    view[...] = values.reshape(view.shape)
    return out


def _walked(values, like):
    """``values`` (broadcast to ``like``'s shape) flattened in the order ``like`` is walked."""
    b = np.broadcast_to(values, like.shape)
    return (b if like.flags.c_contiguous else b.transpose(_walk_axes(like))).reshape(-1)


def _native(arr):
    """``arr`` flattened, when the Cython fills can write into it directly (C-contiguous float32/float64)."""
    if arr.flags.c_contiguous and arr.flags.writeable and arr.dtype in (np.float32, np.float64):
        return arr.reshape(-1)
    return None


def uniform_(g, like, low, high, inplace=False):
    """``Tensor.uniform_(low, high)``: PyTorch's ``uniform_kernel`` (float64 from 53 bits of ``random64()``;
    float32 and narrower from 24 bits of one ``random()``, computed in float32). ``inplace=True`` writes into
    ``like`` itself when it can (no temporary) and returns it."""
    dt = like.dtype
    flat = _native(like) if inplace else None
    if flat is not None:
        g._mt.fill_uniform(flat, low, high)
        return like
    work = np.empty(like.size, np.float64 if dt == np.float64 else np.float32)
    g._mt.fill_uniform(work, low, high)
    if dt not in (np.float32, np.float64):
        work = work.astype(dt)
        work[work == np.asarray(high).astype(dt)] = np.asarray(low).astype(dt)
    return _result(like, work)


def normal_(g, like, mean, std, inplace=False):
    """``Tensor.normal_(mean, std)``: ``normal_fill`` for a contiguous tensor of at least 16 elements,
    ``normal_distribution<double>`` element by element otherwise (``inplace`` as for ``uniform_``)."""
    dt = like.dtype
    flat = _native(like) if inplace and like.size >= 16 else None
    if flat is not None:
        g._mt.fill_normal(flat, mean, std)
        return like
    if like.size >= 16 and like.flags.c_contiguous:
        work = np.empty(like.size, np.float64 if dt == np.float64 else np.float32)
        g._mt.fill_normal(work, mean, std)
    else:
        work = np.empty(like.size, np.float64)
        g._mt.normal_serial(work, mean, std)
    return _result(like, work.astype(dt, copy=False))


def bernoulli_scalar_(g, like, p):
    """``Tensor.bernoulli_(p)`` with a number p: ``uniform double < p`` per element (PyTorch's default kernel;
    on Intel CPUs PyTorch's MKL build draws from MKL's own stream instead)."""
    return _result(like, (g._mt.uniform_f64(like.size) < p).astype(like.dtype))


def bernoulli_tensor_(g, like, p):
    """``Tensor.bernoulli_(p_tensor)``: a float64 p compares a 53-bit uniform double, any other p a 24-bit
    uniform float, element by element in ``like``'s order."""
    pv = _walked(p, like)
    if p.dtype == np.float64:
        u = g._mt.uniform_f64(like.size)
    else:
        u, pv = g._mt.uniform_f32(like.size), pv.astype(np.float32)
    return _result(like, (u < pv).astype(like.dtype))


def exponential_(g, like, lambd):
    u = g._mt.uniform_f64(like.size)
    with np.errstate(divide="ignore", over="ignore"):
        return _result(like, ((-1.0 / lambd) * np.log1p(-u)).astype(like.dtype))


def geometric_(g, like, p):
    u = g._mt.uniform_f64(like.size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _result(like, np.ceil(np.log(u) / np.log1p(-p)).astype(like.dtype))


def log_normal_(g, like, mean, std):
    work = np.empty(like.size, np.float64)
    g._mt.normal_serial(work, mean, std)
    with np.errstate(over="ignore"):
        return _result(like, np.exp(work).astype(like.dtype))


def cauchy_(g, like, median, sigma):
    u = g._mt.uniform_f64(like.size)
    return _result(like, (median + sigma * np.tan(np.pi * (u - 0.5))).astype(like.dtype))


def random_from_to_(g, like, range_, base):
    """``random_(from, to)``: ``random() % range + from`` below a range of 2**28, ``random64()`` from there."""
    n = like.size
    v = g._mt.random_u64(n) if range_ >= 2**28 else g._mt.random_u32(n).astype(np.uint64)
    vals = ((v % np.uint64(range_)) + np.uint64(base & (2**64 - 1))).view(np.int64)
    return _result(like, vals.astype(like.dtype))


def random_full_range_(g, like):
    """``random_(-2**63, None)``: one ``random64()`` per element, as int64."""
    return _result(like, g._mt.random_u64(like.size).view(np.int64).astype(like.dtype))


_FLOAT_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def random_(g, like):
    """``random_()``: ``uniform_int`` -- int64 and float64 from ``random64()``, others from ``random()``, modulo
    the dtype's max + 1 (floats: 2**digits + 1; bool: the low bit)."""
    dt, n = like.dtype, like.size
    v = g._mt.random_u64(n) if dt in (np.int64, np.float64) else g._mt.random_u32(n).astype(np.uint64)
    if dt == np.bool_:
        vals = (v & np.uint64(1)).astype(bool)
    elif dt.kind == "f":
        vals = (v % np.uint64(2 ** _FLOAT_DIGITS[dt] + 1)).astype(dt)
    else:
        vals = (v % np.uint64(int(np.iinfo(dt).max) + 1)).astype(dt)
    return _result(like, vals)


def rand(g, shape, dtype):
    return uniform_(g, np.empty(shape, dtype), 0.0, 1.0)


def randn(g, shape, dtype):
    return normal_(g, np.empty(shape, dtype), 0.0, 1.0)


def uniform_doubles(g, n, low, high):
    """``n`` draws of ``uniform_real_distribution<double>(low, high)`` as rrelu's kernel computes them (compiled
    without FMA there: ``x * (high - low) + low`` rounded twice)."""
    return g._mt.uniform_f64(n) * (high - low) + low


def randperm(g, n):
    out = np.empty(n, np.int64)
    g._mt.randperm(out)
    return out


def random64(g):
    """One ``random64()`` as a Python int."""
    return int(g._mt.random_u64(1)[0])


def multinomial(g, probs, num_samples, replacement):
    """Indices drawn from the rows of ``probs`` (1-D or 2-D, non-negative, finite, each row summing > 0), as
    PyTorch's CPU kernels draw them. Without replacement (or one sample): ``q = exponential_(1)`` over the whole
    array, then the top ``num_samples`` of ``probs / q`` per row (entries of probability 0 come last, in
    index order). With replacement: per row the normalised cumulative sum in the array's dtype, one uniform
    double per sample, and the first bucket whose cumulative value reaches it."""
    p = np.atleast_2d(probs)
    rows = p.shape[0]
    if not replacement or num_samples == 1:
        q = exponential_(g, p, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            keys = p / q
        if num_samples == 1:
            out = np.argmax(keys, axis=1)[:, None]
        else:
            out = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        out = np.empty((rows, num_samples), np.int64)
        for r in range(rows):
            cdf = np.cumsum(p[r])
            cdf = cdf / cdf[-1]
            cdf[-1] = 1
            out[r] = np.searchsorted(cdf.astype(np.float64), g._mt.uniform_f64(num_samples), side="left")
    out = out.astype(np.int64)
    return out[0] if np.ndim(probs) == 1 else out


def poisson(g, rates):
    """Poisson counts (NumPy's algorithm on a stream seeded from ``g``: not PyTorch's numbers)."""
    return g.numpy_generator.poisson(np.asarray(rates, np.float64))
