"""Activations added for breadth: values, gradients and errors against PyTorch, module and functional."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

SHAPES = [(1, 3), (2, 5, 3), (4,), (2, 4, 3, 5)]
DTYPES = ["float32", "float64"]


def _run(L, fn, shape, dtype, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape) * 3
    x = L.tensor(data, dtype=getattr(L, dtype), requires_grad=True)
    y = fn(L, x)
    (y * L.tensor(np.linspace(-1, 1, y.numel()).reshape(y.shape), dtype=y.dtype)).sum().backward()
    return y.detach(), x.grad


CASES = {
    "hardswish": lambda L, x: L.nn.functional.hardswish(x),
    "Hardswish": lambda L, x: L.nn.Hardswish()(x),
    "hardsigmoid": lambda L, x: L.nn.functional.hardsigmoid(x),
    "Hardsigmoid": lambda L, x: L.nn.Hardsigmoid()(x),
    "hardshrink": lambda L, x: L.nn.functional.hardshrink(x, 0.7),
    "Hardshrink": lambda L, x: L.nn.Hardshrink()(x),
    "softshrink": lambda L, x: L.nn.functional.softshrink(x, 0.3),
    "Softshrink": lambda L, x: L.nn.Softshrink(1.1)(x),
    "tanhshrink": lambda L, x: L.nn.functional.tanhshrink(x),
    "Tanhshrink": lambda L, x: L.nn.Tanhshrink()(x),
    "threshold": lambda L, x: L.nn.functional.threshold(x, 0.4, -2.0),
    "Threshold": lambda L, x: L.nn.Threshold(-0.1, 5)(x),
    "selu": lambda L, x: L.nn.functional.selu(x),
    "SELU": lambda L, x: L.nn.SELU()(x),
    "celu": lambda L, x: L.nn.functional.celu(x, 0.6),
    "CELU": lambda L, x: L.nn.CELU()(x),
    "glu": lambda L, x: L.nn.functional.glu(L.cat([x, -x], 0), 0),
    "GLU": lambda L, x: L.nn.GLU()(L.cat([x, x * 0.5], -1)),
    "logsigmoid": lambda L, x: L.nn.functional.logsigmoid(x),
    "LogSigmoid": lambda L, x: L.nn.LogSigmoid()(x),
    "softmin": lambda L, x: L.nn.functional.softmin(x, dim=-1),
    "Softmin": lambda L, x: L.nn.Softmin(0)(x),
    "prelu": lambda L, x: L.nn.functional.prelu(x, L.tensor([0.3], dtype=x.dtype)),
    "rrelu_eval": lambda L, x: L.nn.functional.rrelu(x, 0.1, 0.4),
    "RReLU_eval": lambda L, x: L.nn.RReLU().eval()(x),
    "mish": lambda L, x: L.nn.functional.mish(x),
    "silu": lambda L, x: L.nn.functional.silu(x),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name, shape, dtype):
    # x - tanh(x) cancels near 0 (~x**3 / 3 left from two ~x values: relative error eps / x**2);
    # softmax's float32 gradient cancels (sum of y * g subtracted): absolute error ~1e-8 on values ~1e-5
    rtol = 1e-5 if dtype == "float64" else 1e-3 if "oftm" in name else 1e-2 if "anhshrink" in name else 1e-4
    assert_same_outcome(lambda L: _run(L, CASES[name], shape, dtype), rtol=rtol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax2d_and_prelu_module(dtype):
    rtol = 1e-5 if dtype == "float64" else 1e-3
    assert_same_outcome(lambda L: _run(L, lambda L, x: L.nn.Softmax2d()(x), (2, 3, 4, 5), dtype), rtol=rtol)
    assert_same_outcome(lambda L: _run(L, lambda L, x: L.nn.Softmax2d()(x), (3, 4, 5), dtype), rtol=rtol)

    def prelu_module(L):
        L.manual_seed(0)
        m = L.nn.PReLU(3, init=0.2).to(getattr(L, dtype))
        x = L.tensor(np.random.default_rng(1).standard_normal((2, 3, 4)), dtype=getattr(L, dtype),
                     requires_grad=True)
        y = m(x)
        (y * y).sum().backward()
        return y.detach(), x.grad, m.weight.grad, sorted(m.state_dict())

    assert_same_outcome(prelu_module, rtol=1e-5)


def test_inplace_forms():
    for name, args in [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
                       ("threshold_", (0.1, 3.0)), ("selu_", ()), ("celu_", (2.0,)), ("rrelu_", (0.1, 0.2))]:
        def fn(L, name=name, args=args):
            x = L.tensor(np.random.default_rng(2).standard_normal((3, 4)))
            y = getattr(L.nn.functional, name)(x, *args)
            return x, y is x
        assert_same_outcome(fn, rtol=1e-6)
    for mod in ["Hardswish", "Hardsigmoid", "SELU", "CELU", "Threshold"]:
        def fn2(L, mod=mod):
            x = L.tensor(np.random.default_rng(2).standard_normal((3, 4)))
            m = getattr(L.nn, mod)(0.1, 2.0, inplace=True) if mod == "Threshold" else getattr(L.nn, mod)(inplace=True)
            y = m(x)
            return x, y is x
        assert_same_outcome(fn2, rtol=1e-6)


def test_inplace_on_leaf_requiring_grad_raises():
    assert_same_outcome(lambda L: L.nn.functional.selu_(L.ones(3, requires_grad=True)))


def test_rrelu_training_slopes_are_random_and_in_range():
    import miniconv
    miniconv.manual_seed(0)
    x = miniconv.full((1000,), -1.0, requires_grad=True)
    y = miniconv.nn.RReLU(0.1, 0.3)(x)
    slopes = -y.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-6)
    miniconv.manual_seed(0)
    again = miniconv.nn.functional.rrelu(miniconv.full((1000,), -1.0), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())
    pos = miniconv.nn.RReLU()(miniconv.ones(5))
    np.testing.assert_array_equal(pos.numpy(), np.ones(5, np.float32))


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.glu(L.ones(3, 5), 1),
    lambda L: L.nn.functional.glu(L.tensor(1.0)),
    lambda L: L.nn.functional.glu(L.ones(3, 4), 2),
    lambda L: L.nn.functional.softshrink(L.ones(3), -1.0),
    lambda L: L.nn.functional.softshrink(L.ones(3, dtype=L.float64), -0.25),
    lambda L: L.nn.Softshrink(-0.5)(L.ones(3)),
    lambda L: L.nn.Softmax2d()(L.ones(3, 4)),
    lambda L: L.nn.functional.prelu(L.ones(2, 3, 4), L.ones(4)),
    lambda L: L.nn.PReLU(4)(L.ones(2, 3, 4)),
    lambda L: L.nn.functional.prelu(L.ones(2, 3), L.ones(1, 3)),
])
def test_errors(fn):
    assert_same_outcome(fn, message=True)


def test_not_a_tensor():
    assert_same_outcome(lambda L: L.nn.functional.hardswish([1.0]))
    assert_same_outcome(lambda L: L.nn.functional.logsigmoid(3.0))
