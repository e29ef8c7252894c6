"""The ``torch.*`` forms of the reductions and sorts: ``miniconv.sum(x, 1)``, ``miniconv.max(x, 1)``,
``miniconv.topk(x, 2)``, ... (re-exported by functional.py). Written out one by one with PyTorch's signatures;
each checks its input and calls the Tensor method of the same name (``miniconv/tensor/_reduce.py``), where the
argument checks and the one implementation live. NumPy's ``axis``/``keepdims`` spellings are accepted where
PyTorch accepts them."""
from ._functional_check import _t


def _dim_kw(kwargs, fn):
    if "axis" in kwargs:
        kwargs["dim"] = kwargs.pop("axis")
    if "keepdims" in kwargs:
        kwargs["keepdim"] = kwargs.pop("keepdims")
    return kwargs


def sum(input, dim=None, keepdim=False, *, dtype=None, **kw):  # noqa: A001,A002
    kw = _dim_kw(kw, "sum")
    dim, keepdim = kw.get("dim", dim), kw.get("keepdim", keepdim)
    x = _t(input, "sum")
    return (x if dtype is None else x.type(dtype)).sum(dim, keepdim)


def mean(input, dim=None, keepdim=False, *, dtype=None, **kw):  # noqa: A002
    kw = _dim_kw(kw, "mean")
    dim, keepdim = kw.get("dim", dim), kw.get("keepdim", keepdim)
    x = _t(input, "mean")
    return (x if dtype is None else x.type(dtype)).mean(dim, keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):  # noqa: A002
    kw = _dim_kw(kw, "var")
    return _t(input, "var").var(kw.get("dim", dim), unbiased, kw.get("keepdim", keepdim), correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, **kw):  # noqa: A002
    kw = _dim_kw(kw, "std")
    return _t(input, "std").std(kw.get("dim", dim), unbiased, kw.get("keepdim", keepdim), correction)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def max(input, dim=None, keepdim=False, **kw):  # noqa: A001,A002
    """``max(x)`` -> scalar; ``max(x, dim)`` -> (values, indices); ``max(x, y)`` -> ``maximum(x, y)``."""
    kw = _dim_kw(kw, "max")
    return _t(input, "max").max(kw.get("dim", dim), kw.get("keepdim", keepdim))


def min(input, dim=None, keepdim=False, **kw):  # noqa: A001,A002
    """``min(x)`` -> scalar; ``min(x, dim)`` -> (values, indices); ``min(x, y)`` -> ``minimum(x, y)``."""
    kw = _dim_kw(kw, "min")
    return _t(input, "min").min(kw.get("dim", dim), kw.get("keepdim", keepdim))


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return _t(input, "argmax").argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return _t(input, "argmin").argmin(dim, keepdim)


def floor_divide(input, other):  # noqa: A002
    return _t(input, "floor_divide") // other


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return _t(input, "nansum").nansum(dim, keepdim, dtype=dtype)


def amax(input, dim=(), keepdim=False):  # noqa: A002
    return _t(input, "amax").amax(dim, keepdim)


def amin(input, dim=(), keepdim=False):  # noqa: A002
    return _t(input, "amin").amin(dim, keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return _t(input, "prod").prod(dim, keepdim, dtype)


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return _t(input, "logsumexp").logsumexp(dim, keepdim)


def cumsum(input, dim, *, dtype=None):  # noqa: A002
    return _t(input, "cumsum").cumsum(dim, dtype)


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    return _t(input, "cumprod").cumprod(dim, dtype)


def all(input, dim=None, keepdim=False):  # noqa: A001,A002
    return _t(input, "all").all(dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001,A002
    return _t(input, "any").any(dim, keepdim)


def count_nonzero(input, dim=None):  # noqa: A002
    return _t(input, "count_nonzero").count_nonzero(dim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):  # noqa: A002
    return _t(input, "norm").norm(p, dim, keepdim, dtype)


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return _t(input, "sort").sort(dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return _t(input, "argsort").argsort(dim, descending, stable)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return _t(input, "topk").topk(k, dim, largest, sorted)
