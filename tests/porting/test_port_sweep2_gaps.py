"""Gaps found by porting public PyTorch code (d2l, Raschka's book, ...) to miniconv with only the imports
changed: each test runs the same user code on both libraries and compares."""
import types

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, both_messages as both  # noqa: E402  (after the torch check)


# -- reversed(tensor): d2l's BiRNNScratch runs its backward RNN on reversed(inputs)
@pytest.mark.parametrize("shape", [(4,), (3, 2), (5, 2, 3), ()])
def test_reversed_tensor_values_and_grad(shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    res = []
    for lib in (miniconv, torch):
        t = lib.tensor(x, requires_grad=True)
        r = reversed(t)
        assert isinstance(r, lib.Tensor)
        w = lib.arange(r.numel(), dtype=lib.float32).reshape(r.shape)
        (r * w).sum().backward()
        res.append((_np(r), _np(t.grad), tuple(r.shape)))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


def test_reversed_is_a_copy_and_zero_d_is_self():
    for lib in (miniconv, torch):
        t = lib.tensor([1.0, 2.0, 3.0])
        r = reversed(t)
        r[0] = 10.0
        assert t.tolist() == [1.0, 2.0, 3.0]
        s = lib.tensor(2.0)
        assert reversed(s) is s
        rows = [row.tolist() for row in reversed(lib.arange(6).reshape(3, 2))]
        assert rows == [[4, 5], [2, 3], [0, 1]]


# -- axis= / keepdims=: PyTorch's argument parser accepts NumPy's names for dim/keepdim on native functions
X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
IDX = np.zeros((2, 1, 4), dtype=np.int64)
FUNCTION_CALLS = {
    "stack": lambda T, x: T.stack([x, x], axis=1),
    "cat": lambda T, x: T.cat([x, x], axis=1),
    "concat": lambda T, x: T.concat([x, x], axis=2),
    "softmax": lambda T, x: T.softmax(x, axis=1),
    "log_softmax": lambda T, x: T.log_softmax(x, axis=2),
    "argmax": lambda T, x: T.argmax(x, axis=1, keepdims=True),
    "argmin": lambda T, x: T.argmin(x, axis=1),
    "amax": lambda T, x: T.amax(x, axis=1, keepdims=True),
    "sum": lambda T, x: T.sum(x, axis=1, keepdims=True),
    "mean": lambda T, x: T.mean(x, axis=(0, 2)),
    "prod": lambda T, x: T.prod(x, axis=1),
    "cumsum": lambda T, x: T.cumsum(x, axis=1),
    "cumprod": lambda T, x: T.cumprod(x, axis=2),
    "squeeze": lambda T, x: T.squeeze(x[:, :1], axis=1),
    "unsqueeze": lambda T, x: T.unsqueeze(x, axis=1),
    "logsumexp": lambda T, x: T.logsumexp(x, axis=1),
    "all": lambda T, x: T.all(x > 1, axis=1),
    "any": lambda T, x: T.any(x > 20, axis=2, keepdims=True),
    "median": lambda T, x: T.median(x, axis=1).values,
    "sort": lambda T, x: T.sort(-x, axis=1).indices,
    "argsort": lambda T, x: T.argsort(-x, axis=1),
    "topk": lambda T, x: T.topk(x, 2, axis=1).values,
    "chunk": lambda T, x: T.chunk(x, 3, axis=1)[1],
    "unbind": lambda T, x: T.unbind(x, axis=1)[2],
    "narrow": lambda T, x: T.narrow(x, axis=1, start=1, length=2),
    "index_select": lambda T, x: T.index_select(x, axis=1, index=T.tensor([0, 2])),
    "gather": lambda T, x: T.gather(x, axis=1, index=T.from_numpy(IDX)),
    "count_nonzero": lambda T, x: T.count_nonzero(x, axis=1),
    "diff": lambda T, x: T.diff(x, axis=1),
    "nansum": lambda T, x: T.nansum(x, axis=1),
    "std_mean": lambda T, x: T.std_mean(x, axis=1)[0],
    "var": lambda T, x: T.var(x, axis=1, keepdims=True),
    "select": lambda T, x: T.select(x, axis=1, index=2),
    "repeat_interleave": lambda T, x: T.repeat_interleave(x, 2, axis=1),
    "scatter": lambda T, x: T.scatter(x, axis=1, index=T.from_numpy(IDX), value=-1.0),
    "linalg.norm": lambda T, x: T.linalg.norm(x, axis=1),
    "linalg.vector_norm": lambda T, x: T.linalg.vector_norm(x, axis=2, keepdims=True),
    "special.logsumexp": lambda T, x: T.special.logsumexp(x, axis=1),
}
METHOD_CALLS = {
    "sum": lambda x: x.sum(axis=1, keepdims=True),
    "softmax": lambda x: x.softmax(axis=1),
    "log_softmax": lambda x: x.log_softmax(axis=-1),
    "topk": lambda x: x.topk(2, axis=1).indices,
    "chunk": lambda x: x.chunk(2, axis=2)[1],
    "unbind": lambda x: x.unbind(axis=2)[3],
    "median": lambda x: x.median(axis=2).indices,
    "narrow": lambda x: x.narrow(axis=2, start=1, length=2),
    "count_nonzero": lambda x: x.count_nonzero(axis=2),
    "size": lambda x: x.new_tensor(x.size(axis=1)),
    "select": lambda x: x.select(axis=2, index=1),
    "diff": lambda x: x.diff(axis=2),
    "index_fill": lambda x: x.index_fill(axis=1, index=x.new_tensor([0]).long(), value=0.0),
    "scatter_": lambda x: x.clone().scatter_(axis=2, index=x.new_zeros((2, 3, 1)).long(), value=5.0),
    "mean": lambda x: x.mean(axis=1, keepdims=True),
    "max": lambda x: x.max(axis=1).values,
    "cumsum": lambda x: x.cumsum(axis=0),
}


@pytest.mark.parametrize("name", sorted(FUNCTION_CALLS))
def test_torch_function_accepts_axis_and_keepdims(name):
    ours, theirs = both(lambda T: FUNCTION_CALLS[name](T, T.from_numpy(X.copy())))
    assert not isinstance(theirs, tuple), theirs
    assert not isinstance(ours, tuple), ours
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]


@pytest.mark.parametrize("name", sorted(METHOD_CALLS))
def test_tensor_method_accepts_axis_and_keepdims(name):
    ours, theirs = both(lambda T: METHOD_CALLS[name](T.from_numpy(X.copy())))
    assert not isinstance(theirs, tuple) and not isinstance(ours, tuple), (ours, theirs)
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-6)


def test_axis_gradient_flows():
    grads = []
    for T in (miniconv, torch):
        x = T.tensor(X, requires_grad=True)
        (T.stack([x, 2 * x], axis=1).softmax(axis=2) * T.arange(4.0)).sum(axis=(0, 1)).sum().backward()
        grads.append(_np(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("call", [
    lambda T, x: T.split(x, 1, axis=1),       # torch.split and Tensor.split are Python functions in PyTorch
    lambda T, x: x.split(1, axis=1),
    lambda T, x: T.norm(x, axis=1),
    lambda T, x: x.norm(axis=1),
    lambda T, x: x.unflatten(axis=2, sizes=(2, 2)),
])
def test_python_level_functions_reject_axis_like_pytorch(call):
    ours, theirs = both(lambda T: call(T, T.from_numpy(X.copy())))
    assert isinstance(theirs, tuple) and theirs[0] == "TypeError", theirs
    assert isinstance(ours, tuple) and ours[0] == "TypeError", ours
    assert "axis" in ours[1]


def test_dim_and_axis_together_is_a_type_error():
    for T in (miniconv, torch):
        with pytest.raises(TypeError):
            T.stack([T.ones(2), T.ones(2)], dim=0, axis=0)
        with pytest.raises(TypeError):
            T.ones(2, 2).softmax(dim=0, axis=0)


def test_every_aliased_name_is_native_in_pytorch():
    """miniconv wraps a function for axis= only where PyTorch's counterpart is native (its parser's aliases)."""
    checked = 0
    for ns_ours, ns_theirs in ((miniconv, torch), (miniconv.linalg, torch.linalg), (miniconv.special, torch.special)):
        for name in dir(ns_ours):
            fn = getattr(ns_ours, name)
            if getattr(fn, "_numpy_aliases", False) and hasattr(ns_theirs, name):
                theirs = getattr(ns_theirs, name)
                assert not isinstance(theirs, types.FunctionType), f"{ns_theirs.__name__}.{name} is Python in torch"
                checked += 1
    for name in dir(miniconv.Tensor):
        fn = getattr(miniconv.Tensor, name)
        if getattr(fn, "_numpy_aliases", False) and hasattr(torch.Tensor, name):
            theirs = getattr(torch.Tensor, name)
            assert not isinstance(theirs, types.FunctionType), f"Tensor.{name} is Python in torch"
            checked += 1
    assert checked > 100


# -- torch.tensor(list): the dtype of NumPy arrays/scalars and tensors inside a list (Raschka ch15 builds its
#    character dataset with torch.tensor(list of int32 chunks))
DATA_CASES = {
    "np.float64 scalars": lambda T: [np.float64(1.5), np.float64(2)],
    "np.float32 scalar": lambda T: [np.float32(1.5)],
    "np.int32 scalars": lambda T: [np.int32(2), np.int32(5)],
    "np.int16 and int": lambda T: [np.int16(1), 2],
    "np.bool_": lambda T: [np.bool_(True), np.bool_(False)],
    "float and np.float32": lambda T: [1.0, np.float32(2)],
    "np.float32 and int": lambda T: [np.float32(1), 2],
    "np.float64 and int": lambda T: [np.float64(1), 2],
    "int32 arrays": lambda T: [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
    "float64 array": lambda T: [np.array([1.0, 2.0])],
    "uint8 and int8 arrays": lambda T: [np.array([1], np.uint8), np.array([2], np.int8)],
    "int32 array and list": lambda T: [np.array([1, 2], np.int32), [5, 6]],
    "float64 tensors": lambda T: [T.tensor(1.0, dtype=T.float64), T.tensor(2.0, dtype=T.float64)],
    "int32 tensor and int": lambda T: [T.tensor(1, dtype=T.int32), 5],
    "int32 tensor and float": lambda T: [T.tensor(1, dtype=T.int32), 5.0],
    "nested np.int8": lambda T: [[1, 2], [np.int8(1), 3]],
    "nested tuple np.int8": lambda T: ((np.int8(1),),),
    "bool and int": lambda T: [True, 2],
    "bools": lambda T: [True, False],
    "int and float": lambda T: [1, 2.5],
    "empty lists": lambda T: [[], []],
    "uint8 arrays 2-d": lambda T: [np.zeros((2, 3), np.uint8), np.ones((2, 3), np.uint8)],
}


@pytest.mark.parametrize("name", sorted(DATA_CASES))
def test_tensor_from_list_dtype(name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = both(lambda T: T.tensor(DATA_CASES[name](T)))
    assert not isinstance(ours, tuple), ours
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(_np(ours), _np(theirs))
    assert tuple(ours.shape) == tuple(theirs.shape)


def test_tensor_from_list_dtype_follows_default_dtype():
    for T in (miniconv, torch):
        T.set_default_dtype(T.float64)
        try:
            assert T.tensor([1.0, np.float32(2)]).dtype == T.float64
            assert T.tensor([np.int32(1), 2.0]).dtype == T.float64
        finally:
            T.set_default_dtype(T.float32)


TORCH_WARNING_PROBE = """
import warnings, numpy as np, torch
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    torch.tensor([np.zeros(2), np.zeros(2)])
    torch.tensor([np.zeros(2), np.zeros(2)])
    torch.tensor([[1.0, 2.0]])
print(len(w))
print(w[0].category.__name__)
print(str(w[0].message).split(" (Triggered internally")[0])
"""


def test_list_of_ndarrays_warns_once_like_pytorch():
    import subprocess
    import sys
    import warnings

    out = subprocess.run([sys.executable, "-c", TORCH_WARNING_PROBE], capture_output=True, text=True, check=True)
    count, category, message = out.stdout.strip().splitlines()
    from miniconv import _args
    saved = _args._warned_list_of_ndarrays[0]
    _args._warned_list_of_ndarrays[0] = False
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            miniconv.tensor([np.zeros(2), np.zeros(2)])
            miniconv.tensor([np.zeros(2), np.zeros(2)])
            miniconv.tensor([[1.0, 2.0]])
    finally:
        _args._warned_list_of_ndarrays[0] = saved
    assert len(w) == int(count) == 1
    assert type(w[0].message).__name__ == category
    assert str(w[0].message) == message
    assert w[0].filename == __file__  # points at the user's line


def test_list_of_tensors_does_not_warn():
    import warnings
    from miniconv import _args
    saved = _args._warned_list_of_ndarrays[0]
    _args._warned_list_of_ndarrays[0] = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            t = miniconv.tensor([miniconv.ones(2), miniconv.zeros(2)])
            assert t.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    finally:
        _args._warned_list_of_ndarrays[0] = saved


# -- tensor.bfloat16() (aladdinpersson's tensor basics): miniconv has no bfloat16 tensors (NumPy lacks the dtype),
#    so the conversion is the clear TypeError ``.to(torch.bfloat16)`` gives, not an AttributeError. (float16 is a
#    real dtype: tests/tensor/test_float16*.py)
@pytest.mark.parametrize("method, dtype_name", [("bfloat16", "bfloat16")])
def test_half_and_bfloat16_conversions_name_the_missing_dtype(method, dtype_name):
    assert getattr(torch.arange(4), method)().dtype == getattr(torch, dtype_name)  # PyTorch converts
    with pytest.raises(TypeError, match=rf"{method}\(\): unsupported dtype {dtype_name}"):
        getattr(miniconv.arange(4), method)()
    with pytest.raises(TypeError, match=rf"unsupported dtype {dtype_name}"):
        miniconv.arange(4).to(getattr(miniconv, dtype_name))


# -- the autograd node of t[index] (d2l prints ``net[0].weight[:2]``: ``grad_fn=<SliceBackward0>``)
INDEX_CASES = {
    "[:2]": lambda x, T: x[:2], "[0]": lambda x, T: x[0], "[0, 1]": lambda x, T: x[0, 1],
    "[0, 1, 2]": lambda x, T: x[0, 1, 2], "[:]": lambda x, T: x[:], "[...]": lambda x, T: x[...],
    "[None]": lambda x, T: x[None], "[:, :2]": lambda x, T: x[:, :2], "[:, 0]": lambda x, T: x[:, 0],
    "[0, :2]": lambda x, T: x[0, :2], "[:2, 0]": lambda x, T: x[:2, 0], "[..., 0]": lambda x, T: x[..., 0],
    "[..., :2]": lambda x, T: x[..., :2], "[:, None]": lambda x, T: x[:, None], "[0, None]": lambda x, T: x[0, None],
    "[None, 0]": lambda x, T: x[None, 0], "[[0, 1]]": lambda x, T: x[[0, 1]],
    "[tensor]": lambda x, T: x[T.tensor([0, 2])], "[mask]": lambda x, T: x[T.tensor([True, False, True, True])],
    "[:, [0, 1]]": lambda x, T: x[:, [0, 1]], "[0, [0, 1]]": lambda x, T: x[0, [0, 1]], "[::2]": lambda x, T: x[::2],
    "[-1]": lambda x, T: x[-1], "[1:3, 2:4]": lambda x, T: x[1:3, 2:4], "[0:4]": lambda x, T: x[0:4],
    "[:, :, 0:6]": lambda x, T: x[:, :, 0:60], "[0-d tensor]": lambda x, T: x[T.tensor(1)],
    "[True]": lambda x, T: x[True], "[0][1]": lambda x, T: x[0][1], "[x > 0]": lambda x, T: x[x > 0],
    "[:2, [1]]": lambda x, T: x[:2, [1]], "[..., None, 1:]": lambda x, T: x[..., None, 1:],
    "[1:, ..., 0]": lambda x, T: x[1:, ..., 0], "[:, 0:5]": lambda x, T: x[:, 0:5],
}


@pytest.mark.parametrize("case", sorted(INDEX_CASES))
def test_index_grad_fn_name_values_and_grad(case):
    out = []
    for T in (miniconv, torch):
        x = T.arange(120.0).reshape(4, 5, 6).requires_grad_()
        y = INDEX_CASES[case](x, T)
        (y * 2).sum().backward()
        out.append((y.grad_fn.name(), _np(y), _np(x.grad)))
    assert out[0][0] == out[1][0]
    np.testing.assert_array_equal(out[0][1], out[1][1])
    np.testing.assert_array_equal(out[0][2], out[1][2])
