"""In-place activations on non-leaf tensors against PyTorch: values and gradients equal, PyTorch's errors for a
leaf that requires grad, for an output changed in place before backward (the in-place forms keep their
result), and for the in-place backward with a negative slope."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

X = np.array([[-1.5, -0.2, 0.0, 0.3, 1.0, 2.0, 6.0, 7.0]], np.float32)

CASES = {
    "ELU": lambda L, h: L.nn.ELU(inplace=True)(h),
    "ELU_alpha": lambda L, h: L.nn.ELU(0.5, inplace=True)(h),
    "CELU": lambda L, h: L.nn.CELU(2.0, inplace=True)(h),
    "SELU": lambda L, h: L.nn.SELU(inplace=True)(h),
    "elu_": lambda L, h: L.nn.functional.elu_(h),
    "elu": lambda L, h: L.nn.functional.elu(h, inplace=True),
    "celu": lambda L, h: L.nn.functional.celu(h, inplace=True),
    "celu_": lambda L, h: L.nn.functional.celu_(h, 0.5),
    "selu": lambda L, h: L.nn.functional.selu(h, inplace=True),
    "selu_": lambda L, h: L.nn.functional.selu_(h),
    "ReLU": lambda L, h: L.nn.ReLU(inplace=True)(h),
    "relu_": lambda L, h: L.relu_(h),
    "tensor_relu_": lambda L, h: h.relu_(),
    "LeakyReLU": lambda L, h: L.nn.LeakyReLU(0.1, inplace=True)(h),
    "leaky_relu_": lambda L, h: L.nn.functional.leaky_relu_(h, 0.2),
    "Hardtanh": lambda L, h: L.nn.Hardtanh(inplace=True)(h),
    "Hardtanh_range": lambda L, h: L.nn.Hardtanh(-0.2, 2.0, inplace=True)(h),
    "hardtanh_": lambda L, h: L.nn.functional.hardtanh_(h),
    "ReLU6": lambda L, h: L.nn.ReLU6(inplace=True)(h),
    "Hardswish": lambda L, h: L.nn.Hardswish(inplace=True)(h),
    "Hardsigmoid": lambda L, h: L.nn.Hardsigmoid(inplace=True)(h),
    "SiLU": lambda L, h: L.nn.SiLU(inplace=True)(h),
    "Mish": lambda L, h: L.nn.Mish(inplace=True)(h),
    "Threshold": lambda L, h: L.nn.Threshold(0.1, 20.0, inplace=True)(h),
    "threshold_": lambda L, h: L.nn.functional.threshold_(h, 0.1, 20.0),
    "RReLU_eval": lambda L, h: L.nn.RReLU(inplace=True).eval()(h),
    "rrelu_": lambda L, h: L.nn.functional.rrelu_(h, training=False),
    "Dropout_eval": lambda L, h: L.nn.Dropout(inplace=True).eval()(h),
    "Dropout_p0": lambda L, h: L.nn.Dropout(0.0, inplace=True)(h),
    "Dropout_p1": lambda L, h: L.nn.Dropout(1.0, inplace=True)(h),
    "AlphaDropout_p0": lambda L, h: L.nn.functional.alpha_dropout(h, 0.0, training=True, inplace=True),
    "Dropout2d_p1": lambda L, h: L.nn.Dropout2d(1.0, inplace=True)(h[None, None]),
    # out of place, the same gradients (hardtanh and rrelu at their kinks)
    "hardtanh_out": lambda L, h: L.nn.functional.hardtanh(h, -0.2, 1.0),
    "relu6_out": lambda L, h: L.nn.functional.relu6(h),
    "rrelu_out": lambda L, h: L.nn.functional.rrelu(h, training=False),
}


def _run(L, case, leaf=False, modify_after=False):
    x = L.tensor(X, requires_grad=True)
    try:
        h = x if leaf else x * 1.0
        y = CASES[case](L, h)
        if modify_after:
            h.mul_(2)
        (y * L.arange(1, 9).float()).sum().backward()
        return "ok", x.grad.numpy(), y.detach().numpy(), y is h or y._base is h if hasattr(y, "_base") else None
    except RuntimeError as e:
        return "error", str(e).split(":")[0], None, None


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", ["non_leaf", "leaf", "modified_after"])
def test_inplace_activation_matches_torch(case, mode):
    kw = {"leaf": mode == "leaf", "modify_after": mode == "modified_after"}
    m, t = _run(miniconv, case, **kw), _run(torch, case, **kw)
    assert m[0] == t[0], (m, t)
    if m[0] == "error":
        assert m[1] == t[1]
    else:
        np.testing.assert_allclose(m[1], t[1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m[2], t[2], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["leaky_relu", "elu"])
def test_negative_slope_inplace_backward_raises_torch_message(fn):
    def run(L):
        x = L.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        F = L.nn.functional
        y = F.leaky_relu(x * 1, -0.1, inplace=True) if fn == "leaky_relu" else F.elu(x * 1, -1.0, inplace=True)
        with pytest.raises(RuntimeError) as e:
            y.sum().backward()
        return str(e.value)
    assert run(miniconv) == run(torch)


@pytest.mark.parametrize("fn", ["elu", "celu", "selu", "leaky_relu", "hardtanh", "rrelu"])
def test_inplace_under_no_grad_and_on_plain_tensors(fn):
    def run(L):
        f = getattr(L.nn.functional, fn)
        a = L.tensor(X.copy())
        f(a, inplace=True)
        b = L.tensor(X.copy(), requires_grad=True)
        with L.no_grad():
            f(b, inplace=True)
        return a.numpy(), b.detach().numpy()
    for m, t in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(m, t, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("second", [False, True])
def test_inplace_on_a_view_updates_the_base_gradient(second):
    # a second in-place write through another view bumps the shared version: the first node's result is stale
    def run(L):
        x = L.tensor(np.array([[-1.0, 2.0], [0.5, -3.0]], np.float32), requires_grad=True)
        h = x * 1
        L.nn.functional.elu_(h[0])
        if second:
            L.nn.functional.leaky_relu_(h[:, 1], 0.3)
        try:
            (h * L.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        except RuntimeError as e:
            return str(e).split(":")[0], None
        return h.detach().numpy(), x.grad.numpy()
    m, t = run(miniconv), run(torch)
    if second:
        assert m[0] == t[0] == "one of the variables needed for gradient computation has been modified by an inplace operation"
        return
    for a, b in zip(m, t):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.parametrize("fn", ["hardtanh", "leaky_relu_inplace"])
def test_double_backward(fn):
    def run(L):
        x = L.tensor([-1.5, -0.3, 0.4, 2.0], dtype=L.float64, requires_grad=True)
        F = L.nn.functional
        y = F.hardtanh(x * x, -1.0, 1.0) if fn == "hardtanh" else F.leaky_relu(x * x - 1, 0.2, inplace=True)
        (g,) = L.autograd.grad((y * y).sum(), x, create_graph=True)
        g.sum().backward()
        return g.detach().numpy(), x.grad.numpy()
    for m, t in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(m, t, rtol=1e-12)


def test_tensor_inplace_results_are_version_checked():
    # sigmoid_, tanh_, exp_ keep their result: changing it before backward raises, as PyTorch
    for name in ("sigmoid_", "tanh_", "exp_", "relu_"):
        for L in (miniconv, torch):
            x = L.tensor([-1.0, 0.5, 2.0], requires_grad=True)
            h = x * 1
            y = getattr(h, name)()
            h.add_(1)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                y.sum().backward()
