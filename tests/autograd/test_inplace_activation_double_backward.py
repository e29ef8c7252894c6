"""Double backward through the in-place activations on a non-leaf (F.elu(h, inplace=True), nn.ELU(inplace=True),
F.celu_, F.selu_, leaky_relu_, hardtanh_, relu_, relu6, rrelu_ in evaluation mode, threshold_): the gradient
taken with create_graph=True, then the gradient of a function of it, compared with PyTorch's (whose EluBackward1
computes the gradient from the result and differentiates through it)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402

X0 = np.array([[-2.0, -0.5, 0.3, 1.5], [-1.0, 0.7, -0.05, 2.5]])

CASES = {
    "elu inplace": lambda L, h: L.nn.functional.elu(h, alpha=1.3, inplace=True),
    "elu_": lambda L, h: L.nn.functional.elu_(h, 0.8),
    "nn.ELU(inplace=True)": lambda L, h: L.nn.ELU(alpha=0.5, inplace=True)(h),
    "celu inplace": lambda L, h: L.nn.functional.celu(h, alpha=0.7, inplace=True),
    "celu_": lambda L, h: L.nn.functional.celu_(h, 1.5),
    "nn.CELU(inplace=True)": lambda L, h: L.nn.CELU(inplace=True)(h),
    "selu inplace": lambda L, h: L.nn.functional.selu(h, inplace=True),
    "selu_": lambda L, h: L.nn.functional.selu_(h),
    "nn.SELU(inplace=True)": lambda L, h: L.nn.SELU(inplace=True)(h),
    "leaky_relu inplace": lambda L, h: L.nn.functional.leaky_relu(h, 0.2, inplace=True),
    "leaky_relu_": lambda L, h: L.nn.functional.leaky_relu_(h, 0.1),
    "hardtanh_": lambda L, h: L.nn.functional.hardtanh_(h, -0.6, 1.2),
    "relu_": lambda L, h: L.nn.functional.relu_(h),
    "nn.ReLU(inplace=True)": lambda L, h: L.nn.ReLU(inplace=True)(h),
    "relu6 inplace": lambda L, h: L.nn.functional.relu6(h * 3, inplace=True),
    "rrelu_ eval": lambda L, h: L.nn.functional.rrelu_(h, 0.1, 0.3, training=False),
    "threshold_": lambda L, h: L.nn.functional.threshold_(h, 0.1, -2.0),
}


def grads(L, make, dtype, x0=X0):
    x = L.tensor(x0.astype(dtype), requires_grad=True)
    h = x * 1.5 + 0.1  # a non-leaf, so that the in-place form is allowed
    y = make(L, h)
    (g,) = L.autograd.grad((y * y * y).sum(), x, create_graph=True)
    (gg,) = L.autograd.grad((g * g).sum() + (g * x).sum(), x)
    return y.detach().numpy(), g.detach().numpy(), gg.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_of_the_gradient_matches_torch(name):
    theirs = grads(torch, CASES[name], np.float64)
    ours = grads(miniconv, CASES[name], np.float64)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", ["elu inplace", "celu inplace", "selu_", "nn.ELU(inplace=True)"])
def test_float32_and_a_second_order_derivative_away_from_zero(name):
    theirs = grads(torch, CASES[name], np.float32)
    ours = grads(miniconv, CASES[name], np.float32)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=1e-6)
    # the negative side's second derivative is not zero: the test would catch a backward_graph that treats
    # the result as a constant
    assert np.abs(ours[2][X0 * 1.5 + 0.1 < 0]).min() > 0


def test_elu_inplace_double_backward_equals_the_out_of_place_one():
    def run(inplace):
        x = miniconv.tensor(X0, requires_grad=True)
        y = miniconv.nn.functional.elu(x * 2.0, alpha=0.9, inplace=inplace)
        (g,) = miniconv.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        (gg,) = miniconv.autograd.grad(g.sum(), x)
        return gg.numpy()

    np.testing.assert_allclose(run(True), run(False), rtol=1e-12, atol=1e-12)


def test_gradgradcheck_through_elu_inplace():
    x = miniconv.tensor(X0 + 0.01, requires_grad=True)
    f = lambda x: miniconv.nn.functional.elu(x * 1.0, alpha=1.2, inplace=True)  # noqa: E731
    assert miniconv.autograd.gradgradcheck(f, (x,))


def test_result_modified_in_place_before_double_backward_raises_as_torch():
    def run(L):
        x = L.tensor(X0, requires_grad=True)
        y = L.nn.functional.elu(x * 1.0, inplace=True)
        (g,) = L.autograd.grad(y.pow(2).sum(), x, create_graph=True)
        y.add_(1)  # the saved result changes: the second backward needs it
        with pytest.raises(RuntimeError) as info:
            L.autograd.grad(g.sum(), x)
        return str(info.value)

    assert "modified by an inplace operation" in run(miniconv)
    assert "modified by an inplace operation" in run(torch)


def test_negative_alpha_refused_in_double_backward_as_in_backward():
    def run(L, create_graph):
        x = L.tensor(X0, requires_grad=True)
        y = L.nn.functional.elu(x * 1.0, alpha=-0.5, inplace=True)
        with pytest.raises(RuntimeError) as info:
            L.autograd.grad(y.sum(), x, create_graph=create_graph)
        return str(info.value)

    assert run(miniconv, True) == run(torch, True)
    assert run(miniconv, False) == run(torch, False)
