"""Tensor methods that fill or sample at random (PyTorch's in-place distributions and samplers), with
PyTorch's argument checks and messages. The samplers themselves are array functions in ``_random``."""
import numpy as np

from .. import _random, ops
from .._random import default_generator
from ..dtypes import torch_dtype_name


def _g(generator):
    return default_generator if generator is None else generator


def check_multinomial(probs, num_samples, replacement):
    """PyTorch's checks on ``multinomial``'s arguments, in its order (``probs`` an array)."""
    if probs.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{torch_dtype_name(probs.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if probs.size and not (np.isfinite(probs).all() and (probs >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if probs.size and (probs.sum(axis=-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


def bernoulli_probs(probs):
    """The ``p`` array of ``bernoulli(input)``: floating and in [0, 1] (PyTorch's checks)."""
    if probs.dtype.kind != "f":
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{torch_dtype_name(probs.dtype)}'")
    if probs.size and not ((probs >= 0) & (probs <= 1)).all():
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
                           "be improved?  If so, please report an enhancement request to PyTorch.)")
    return probs


class RandomMixin:
    def __init_subclass__(cls, **kwargs):
        # Tensor, the first class built on this mixin, wraps Generator.get_state()'s uint8 array (``_random`` is a
        # leaf and cannot import it)
        super().__init_subclass__(**kwargs)
        if _random.state_to_tensor is None:
            _random.state_to_tensor = cls

    def _fill_random(self, values):
        return self._commit_inplace(ops.Fill.apply(self, np.asarray(values).astype(self.dtype, copy=False)))

    def multinomial(self, num_samples, replacement=False, *, generator=None):
        check_multinomial(self._data, num_samples, replacement)
        return self._wrap(_random.multinomial(_g(generator), self._data, int(num_samples), bool(replacement)))

    def bernoulli(self, p=None, *, generator=None):
        if p is None:
            probs = bernoulli_probs(self._data)  # PyTorch: empty_like(self).bernoulli_(self)
            return self._wrap(_random.bernoulli_tensor_(_g(generator), np.empty_like(probs), probs))
        return self.detach().clone().bernoulli_(p, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        if hasattr(p, "_data"):
            probs = bernoulli_probs(p._data)
            np.broadcast_shapes(probs.shape, self.shape)
            return self._fill_random(_random.bernoulli_tensor_(_g(generator), self._data, probs))
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        return self._fill_random(_random.bernoulli_scalar_(_g(generator), self._data, p))

    def exponential_(self, lambd=1.0, *, generator=None):
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
        return self._fill_random(_random.exponential_(_g(generator), self._data, lambd))

    def geometric_(self, p, *, generator=None):
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
        return self._fill_random(_random.geometric_(_g(generator), self._data, p))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
        return self._fill_random(_random.log_normal_(_g(generator), self._data, mean, std))

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        if self.dtype.kind != "f":
            raise RuntimeError("Cauchy distribution is a continuous probability distribution. dtype must be a "
                               f"floating point but you specified {_C_NAMES.get(self.dtype.name, self.dtype.name)}")
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
        return self._fill_random(_random.cauchy_(_g(generator), self._data, median, sigma))

    def random_(self, *args, generator=None, **kwargs):
        """``random_()``: PyTorch's ``uniform_int`` (``[0, 2**mantissa]`` for floats, ``[0, max]`` for integers);
        ``random_(to)``: ``[0, to)``; ``random_(from, to)``: ``[from, to)``; ``random_(from, None)``: from
        ``from`` to the dtype's max (``random_(-2**63, None)`` on int64: the full 64-bit range)."""
        if len(args) > 2:
            raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
        has_from = len(args) >= 1 or "from" in kwargs or "from_" in kwargs
        has_to = len(args) == 2 or "to" in kwargs
        from_ = args[0] if args else kwargs.pop("from", kwargs.pop("from_", 0))
        to = args[1] if len(args) == 2 else kwargs.pop("to", None)
        g = _g(generator)
        if not has_from and not has_to:
            return self._fill_random(_random.random_(g, self._data))
        if has_from and not has_to and len(args) == 1 and "to" not in kwargs:
            from_, to = 0, from_  # random_(to)
        if to is None:  # random_(from, None)
            dt = self.dtype
            if dt == np.int64 and from_ == -2**63:
                return self._fill_random(_random.random_full_range_(g, self._data))
            to_inc = 2 ** _random._FLOAT_DIGITS[dt] if dt.kind == "f" else 1 if dt.kind == "b" \
                else int(np.iinfo(dt).max)
            if from_ > to_inc:
                raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= "
                                   f"to={to_inc + 1}")
            return self._fill_random(_random.random_from_to_(g, self._data, to_inc - from_ + 1, int(from_)))
        if from_ >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        return self._fill_random(_random.random_from_to_(g, self._data, int(to) - int(from_), int(from_)))


_C_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}
