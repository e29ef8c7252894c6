"""``torch.testing``: ``assert_close`` (and the deprecated ``assert_allclose``) with PyTorch's rules.

Inputs are compared pair by pair after walking nested sequences and mappings: ``None`` with ``None``,
booleans with booleans, Python/NumPy numbers as numbers, everything else as tensors (a Tensor, or
anything ``as_tensor`` takes when both inputs are of related types). Default tolerances depend on the
dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7, 1e-7; integers and bool: exact); ``rtol`` and
``atol`` must be given together. The failure messages are PyTorch's.
"""
import cmath
import collections.abc
import contextlib
import warnings

import numpy as np

from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose"]

_DTYPE_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
                     np.dtype(np.float64): (1e-7, 1e-7)}
_NUMBER_DTYPES = {int: np.dtype(np.int64), float: np.dtype(np.float64)}


class _ErrorMeta(Exception):
    """A failure found while comparing: the exception class, its message and the item it happened at."""

    def __init__(self, type_, msg, id=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type_, msg, id

    def to_error(self, msg=None):
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                generated += f"\n\nThe failure occurred for item {''.join(str([item]) for item in self.id)}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


class _Unsupported(Exception):
    pass


def _tolerances(dtypes, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        raise _ErrorMeta(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                         f"but got no {'rtol' if rtol is None else 'atol'}.", id)
    if rtol is not None:
        return rtol, atol
    rtols, atols = zip(*[_DTYPE_PRECISIONS.get(np.dtype(d), (0.0, 0.0)) for d in dtypes])
    return max(rtols), max(atols)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def diff_msg(kind, diff, idx, tol):
        msg = f"{kind.title()} difference: {diff}" if idx is None else f"Greatest {kind} difference: {diff} at index {idx}"
        if not equality:
            msg += f" (up to {tol} allowed)"
        return msg + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n"
    if extra:
        msg += f"{extra.strip()}\n"
    msg += diff_msg("absolute", abs_diff, abs_idx, atol)
    msg += diff_msg("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_msg(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None, atol, rel_diff, None,
                         rtol)


def _tensor_msg(actual, expected, matches, rtol, atol):
    n = matches.size
    bad = n - int(matches.sum())
    extra = f"Mismatched elements: {bad} / {n} ({bad / n:.1%})"
    a, e = actual.ravel(), expected.ravel()
    if a.dtype.kind not in "fc":  # integers compare in int64, as PyTorch (no overflow of the difference)
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e)
        abs_diff[matches.ravel()] = 0
        rel_diff = abs_diff / np.abs(e)
        if rel_diff.dtype.kind != "f":
            rel_diff = rel_diff.astype(np.float32)
    rel_diff[matches.ravel()] = 0

    def first_max(v):  # torch.max(v, 0): a NaN is the maximum (its first occurrence)
        nan = np.isnan(v) if v.dtype.kind == "f" else np.zeros(v.shape, bool)
        i = int(np.argmax(nan)) if nan.any() else int(np.argmax(v))
        return v[i].item(), tuple(int(j) for j in np.unravel_index(i, matches.shape)) if matches.shape else ()

    (ad, ai), (rd, ri) = first_max(abs_diff), first_max(rel_diff)
    return _mismatch_msg("Tensor-likes", extra, ad, ai, atol, rd, ri, rtol)


def _to_number(x):
    return x.item() if isinstance(x, np.number) else x


def _pair_kind(actual, expected, id, opts):
    """Which comparison handles this pair (PyTorch's order: None, bool, number, tensor-like); the
    tolerance arguments and unsupported types fail here, before any value is compared."""
    if actual is None or expected is None:
        return "none"
    bools = (bool, np.bool_)
    if isinstance(actual, bools) and isinstance(expected, bools):
        return "bool"
    numbers = (int, float, np.number)
    if isinstance(actual, numbers) and isinstance(expected, numbers) and not isinstance(actual, complex):
        _tolerances([np.float64], opts["rtol"], opts["atol"], id)
        return "number"
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if related and (opts["allow_subclasses"] or type(actual) is type(expected)):
        try:
            arrays = _as_array(actual), _as_array(expected)
        except _Unsupported:
            arrays = None
        if arrays is not None:
            _tolerances([arrays[0].dtype, arrays[1].dtype], opts["rtol"], opts["atol"], id)
            return arrays
    raise _ErrorMeta(TypeError, f"No comparison pair was able to handle inputs of type {type(actual)} and "
                     f"{type(expected)}.", id)


def _compare_leaf(actual, expected, kind, id, opts):
    if kind == "none":
        if not (actual is None and expected is None):
            raise _ErrorMeta(AssertionError, f"None mismatch: {actual} is not {expected}", id)
    elif kind == "bool":
        if bool(actual) is not bool(expected):
            raise _ErrorMeta(AssertionError, f"Booleans mismatch: {bool(actual)} is not {bool(expected)}", id)
    elif kind == "number":
        _compare_numbers(_to_number(actual), _to_number(expected), id, opts)
    else:
        _compare_tensors(*kind, id, opts)


def _compare_numbers(actual, expected, id, opts):
    dtypes = [_NUMBER_DTYPES.get(type(v), np.dtype(np.float64)) for v in (actual, expected)]
    rtol, atol = _tolerances(dtypes, opts["rtol"], opts["atol"], id)
    if opts["check_dtype"] and type(actual) is not type(expected):
        raise _ErrorMeta(AssertionError, f"The (d)types do not match: {type(actual)} != {type(expected)}.", id)
    if actual == expected:
        return
    if opts["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
        return
    abs_diff = abs(actual - expected)
    if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
        return
    raise _ErrorMeta(AssertionError, _scalar_msg(actual, expected, rtol, atol), id)


def _as_array(x):
    if isinstance(x, Tensor):
        return x._data
    try:
        from .creation import as_tensor

        return as_tensor(x)._data
    except Exception:
        raise _Unsupported from None


def _compare_tensors(a, e, id, opts):
    rtol, atol = _tolerances([a.dtype, e.dtype], opts["rtol"], opts["atol"], id)
    if a.shape != e.shape:
        from .tensor import Size

        raise _ErrorMeta(AssertionError, "The values for attribute 'shape' do not match: "
                         f"{Size(a.shape)} != {Size(e.shape)}.", id)
    if opts["check_dtype"] and a.dtype != e.dtype:
        raise _ErrorMeta(AssertionError, "The values for attribute 'dtype' do not match: "
                         f"miniconv.{a.dtype.name} != miniconv.{e.dtype.name}.", id)
    if a.dtype != e.dtype:
        from .dtypes import promote_types

        dt = promote_types(a.dtype, e.dtype)
        a, e = a.astype(dt), e.astype(dt)
    with np.errstate(all="ignore"):
        if a.dtype.kind in "fc":
            matches = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=opts["equal_nan"])
            # np.isclose's tolerance is computed in float64; PyTorch's in the tensors' dtype
            diff = np.abs(a - e)
            tol = np.asarray(atol, a.dtype) + np.asarray(rtol, a.dtype) * np.abs(e)
            finite = np.isfinite(a) & np.isfinite(e)
            matches = np.where(finite, diff <= tol, matches)
        else:
            ai, ei = a.astype(np.float64), e.astype(np.float64)
            matches = (a == e) | (np.abs(ai - ei) <= atol + rtol * np.abs(ei))
    if matches.all():
        return
    if a.ndim == 0:
        msg = _scalar_msg(a.item(), e.item(), rtol, atol)
    else:
        msg = _tensor_msg(a, e, np.asarray(matches), rtol, atol)
    raise _ErrorMeta(AssertionError, msg, id)


def _originate(actual, expected, id, opts, out):
    seq = collections.abc.Sequence
    if (isinstance(actual, seq) and not isinstance(actual, str) and isinstance(expected, seq)
            and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise _ErrorMeta(AssertionError, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}",
                             id)
        for i in range(len(actual)):
            _originate(actual[i], expected[i], (*id, i), opts, out)
        return
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        ak, ek = set(actual.keys()), set(expected.keys())
        if ak != ek:
            raise _ErrorMeta(AssertionError, "The keys of the mappings do not match:\n"
                             f"Missing keys in the actual mapping: {sorted(ek - ak)}\n"
                             f"Additional keys in the actual mapping: {sorted(ak - ek)}", id)
        keys = ak
        with contextlib.suppress(Exception):
            keys = sorted(keys)
        for k in keys:
            _originate(actual[k], expected[k], (*id, k), opts, out)
        return
    out.append((actual, expected, id))


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close:
    ``|actual - expected| <= atol + rtol * |expected|`` elementwise, with PyTorch's default tolerances per dtype."""
    __tracebackhide__ = True
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype)
    pairs = []
    try:
        _originate(actual, expected, (), opts, pairs)
        kinds = [_pair_kind(a, e, id, opts) for a, e, id in pairs]
    except _ErrorMeta as meta:
        raise meta.to_error() from None
    for (a, e, id), kind in zip(pairs, kinds):
        try:
            _compare_leaf(a, e, kind, id, opts)
        except _ErrorMeta as meta:
            raise meta.to_error(msg) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """Deprecated in PyTorch (FutureWarning): ``assert_close`` with looser defaults and no dtype check."""
    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be removed in a future release. "
                  "Please use `torch.testing.assert_close()` instead. You can find detailed upgrade instructions in "
                  "https://github.com/pytorch/pytorch/issues/61844.", FutureWarning, stacklevel=2)
    from .creation import tensor

    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        prec = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (1e-4, 1e-5),
                np.dtype(np.float64): (1e-5, 1e-8)}
        rtols, atols = zip(*[prec.get(np.dtype(t.dtype), (0.0, 0.0)) for t in (actual, expected)])
        rtol, atol = max(rtols), max(atols)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=True, check_dtype=False,
                 check_stride=False, msg=msg or None)
