"""Gaps found by the seventh porting sweep (labml.ai's annotated implementations, PyTorch's numpy/scipy
extensions tutorial, d2l, UvA DL notebooks) with only the imports changed: each test runs the same user code on
both libraries."""
import importlib

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, assert_same_outcome, both_messages as both  # noqa: E402  (after the torch check)


# -- Tensor.new(ndarray): the legacy constructor takes a NumPy array as data (numpy_extensions_tutorial's
#    ``input.new(abs(rfft2(x)))``): converted to the tensor's dtype, sharing memory when the dtype already matches
@pytest.mark.parametrize("src_dtype", ["float64", "float32", "int64"])
@pytest.mark.parametrize("t_dtype", ["float32", "float64", "int64"])
def test_new_from_ndarray(src_dtype, t_dtype):
    def case(lib):
        data = np.arange(6, dtype=src_dtype).reshape(2, 3) * 1.5 if src_dtype != "int64" else \
            np.arange(6).reshape(2, 3)
        data = data.astype(src_dtype)
        t = lib.ones(2, dtype=getattr(lib, t_dtype))
        r = t.new(data)
        data[0, 0] = 7  # seen by r only when memory is shared
        return r

    assert_same_outcome(case)


def test_new_from_zero_dim_ndarray_and_scalars_are_errors():
    assert_same_outcome(lambda lib: lib.randn(2).new(np.array(2.5)))
    for bad in (np.float64(3.0), 3.5, "x", None, object(), {1: 2}):
        m, t = both(lambda lib: lib.randn(2).new(bad))
        assert m == t and m[0] == "TypeError", (bad, m, t)


def test_new_sizes_and_lists_unchanged():
    assert_same_outcome(lambda lib: lib.randn(2).new(2, 3).shape)
    assert_same_outcome(lambda lib: lib.randn(2).new([1, 2]))
    assert_same_outcome(lambda lib: lib.randn(2).new(lib.Size([4])).shape)


# -- torch.nn.parameter: the module ``from torch.nn.parameter import Parameter`` reads
def test_nn_parameter_module():
    for lib in (miniconv, torch):
        mod = importlib.import_module(lib.__name__ + ".nn.parameter")
        assert mod.Parameter is lib.nn.Parameter
        assert mod.UninitializedParameter is lib.nn.UninitializedParameter
        assert mod.UninitializedBuffer is lib.nn.UninitializedBuffer
        assert mod.Buffer is lib.nn.Buffer
        assert mod.is_lazy(mod.UninitializedParameter()) and not mod.is_lazy(mod.Parameter(lib.ones(1)))
        p = mod.Parameter(lib.randn(2, 2))
        assert p.requires_grad and isinstance(p, lib.Tensor)


# -- a custom Function's node class is named as PyTorch names it: type(y.grad_fn).__name__ == "CubeBackward"
#    (what the numpy-extensions tutorial's output and graph printers show), with _forward_cls
def _cube_case(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = Cube.apply(x)
    z = Cube.apply(y * 2)
    z.sum().backward()
    node = y.grad_fn
    return (type(node).__name__, node.name(), type(node)._forward_cls is Cube, type(z.grad_fn) is type(node),
            type(z.grad_fn.next_functions[0][0]).__name__, isinstance(node, lib.autograd.function.BackwardCFunction)
            if hasattr(lib.autograd.function, "BackwardCFunction") else True, _np(x.grad).tolist())


def test_custom_function_node_class_name():
    m, t = both(_cube_case)
    assert m == t
    assert t[0] == "CubeBackward"


# -- arange's length in double precision from NumPy float32 bounds and step (uvadlc tutorial 4's plot_curve:
#    torch.arange(lo, hi, (hi - lo) / 100.0) with lo/hi NumPy float32 scalars, where the float32 quotient rounds)
def test_arange_length_from_float32_scalars():
    rng = np.random.default_rng(0)
    for _ in range(300):
        a, b = np.float32(rng.uniform(-5, 0)), np.float32(rng.uniform(0.1, 5))
        step = (b - a) / 100.0
        m, t = miniconv.arange(a, b, step), torch.arange(a, b, step)
        assert m.shape[0] == t.shape[0], (a, b, step)
        np.testing.assert_array_equal(m.numpy(), t.numpy())
    assert_same_outcome(lambda lib: lib.arange(np.float32(-0.9207322), np.float32(0.11341865), np.float32(0.010341508)))
    assert_same_outcome(lambda lib: lib.arange(np.int64(2), 11, np.int64(3)))


# -- tanh's backward in float32 has PyTorch's bits: its kernel computes 1 - y*y with one rounding (fused), which
#    float64 reproduces; g * (1 - y*y) in float32 differed in the last bit for most inputs
def test_tanh_backward_float32_bits():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 3, 20000).astype(np.float32)
    g = rng.normal(0, 1, 20000).astype(np.float32)
    # the forwards round a third of the values differently (PyTorch's vectorized tanh): compare where they agree
    same = miniconv.tanh(miniconv.tensor(x)).numpy() == torch.tanh(torch.tensor(x)).numpy()
    assert same.sum() > 10000
    x, g = x[same], g[same]
    grads = []
    for lib in (miniconv, torch):
        xt = lib.tensor(x, requires_grad=True)
        lib.tanh(xt).backward(lib.tensor(g))
        grads.append(_np(xt.grad))
    np.testing.assert_array_equal(grads[0], grads[1])
    m = miniconv.tensor([5.0, 0.3, 2.0, -3.0], requires_grad=True)
    t = torch.tensor([5.0, 0.3, 2.0, -3.0], requires_grad=True)
    miniconv.nn.Tanh()(m).sum().backward()
    torch.nn.Tanh()(t).sum().backward()
    np.testing.assert_array_equal(_np(m.grad), _np(t.grad))


# -- F.elu as one EluBackward0 node (uvadlc tutorial 11's ConcatELU runs it ~2000 times: the five-node composed
#    form cost 3 ms a call); values, first and second derivatives as PyTorch's, and the graph PyTorch records
@pytest.mark.parametrize("alpha", [1.0, 0.7])
def test_elu_single_node(alpha):
    x = np.random.default_rng(0).normal(0, 2, (6, 7)).astype(np.float32)
    x[0, :3] = [0.0, -0.0, 1e-30]
    out = []
    for lib in (miniconv, torch):
        a = lib.tensor(x, requires_grad=True)
        y = lib.nn.functional.elu(a, alpha=alpha)
        g, = lib.autograd.grad((y * y).sum(), a, create_graph=True)
        g.sum().backward()
        out.append((type(y.grad_fn).__name__, [type(n[0]).__name__ for n in y.grad_fn.next_functions],
                    _np(y), _np(g), _np(a.grad), type(lib.nn.ELU(alpha)(a).grad_fn).__name__))
    m, t = out
    assert m[0] == t[0] == "EluBackward0" and m[1] == t[1] and m[5] == t[5]
    for i in (2, 3, 4):
        np.testing.assert_allclose(m[i], t[i], rtol=1e-6, atol=1e-7)
    for lib in (miniconv, torch):  # float64 and the in-place form unchanged
        a = lib.tensor(x.astype(np.float64))
        b = a.clone()
        lib.nn.functional.elu(b, alpha=alpha, inplace=True)
        np.testing.assert_allclose(_np(b), np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0).astype(np.float64))),
                                   rtol=1e-12)


# -- default_collate gives a tuple's fields back as a list (PyTorch's "backwards compatibility" branch): d2l's
#    train_batch_ch13 tests isinstance(X, list) on an SNLI batch of ((premise, hypothesis), label) samples
def test_default_collate_tuple_fields_as_list():
    def case(lib):
        dc = lib.utils.data.default_collate
        b = [((lib.tensor([1, 2]), lib.tensor([3])), lib.tensor(0)), ((lib.tensor([4, 5]), lib.tensor([6])), lib.tensor(1))]
        out = dc(b)
        loader = lib.utils.data.DataLoader([((lib.tensor([1.0]), 2), 3)] * 4, batch_size=2)
        first = next(iter(loader))
        return (type(out).__name__, type(out[0]).__name__, _np(out[0][0]).tolist(), _np(out[1]).tolist(),
                type(dc([(1, 2.0), (3, 4.0)])).__name__, type(dc([[1, 2], [3, 4]])).__name__,
                type(first).__name__, type(first[0]).__name__, _np(first[0][1]).tolist())

    m, t = both(case)
    assert m == t
    assert t[0] == "list" and t[1] == "list"


def test_tanh_backward_with_create_graph_same_bits():
    # the graph form (create_graph=True, torch.func's vjp under vmap) gives the same float32 bits as the plain
    # backward, so t86's allclose(vmap(vjp_fn)(eye), autograd.grad rows) holds near saturation too
    x = np.random.default_rng(2).normal(0, 4, 64).astype(np.float32)
    for lib in (miniconv, torch):
        a = lib.tensor(x, requires_grad=True)
        plain, = lib.autograd.grad(lib.tanh(a).sum(), a)
        graph, = lib.autograd.grad(lib.tanh(a).sum(), a, create_graph=True)
        np.testing.assert_array_equal(_np(plain), _np(graph))
        second, = lib.autograd.grad(graph.sum(), a)
        if lib is miniconv:
            mine = _np(second)
    np.testing.assert_allclose(mine, _np(second), rtol=1e-5, atol=1e-6)
