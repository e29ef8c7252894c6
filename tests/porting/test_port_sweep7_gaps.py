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
