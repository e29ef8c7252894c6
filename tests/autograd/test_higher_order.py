"""Higher-order gradients (create_graph=True): the same user code on miniconv and PyTorch, compared."""
import warnings

import numpy as np
import pytest

import miniconv
import miniconv.nn as mnn
import miniconv.nn.functional as MF

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

LIBS = {"mc": (miniconv, mnn, MF), "torch": (torch, tnn, TF)}


def _np(t):
    return None if t is None else t.detach().numpy()


def both(fn):
    """Run fn(lib, nn, F) on both libraries; return (miniconv result, torch result) as NumPy structures."""
    out = {}
    for name, (lib, nn, F) in LIBS.items():
        r = fn(lib, nn, F)
        out[name] = [(_np(v) if not isinstance(v, (float, int)) else np.asarray(v)) for v in r]
    return out["mc"], out["torch"]


def assert_close(a, b, rtol=1e-10, atol=1e-12):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if y is None:
            assert x is None
            continue
        if x is None:
            # PyTorch's relu/leaky_relu double backward sends a zero Tensor into the input (so a conv bias
            # reached only that way gets a .grad of zeros); miniconv's mask is a constant (None): same values
            assert not np.any(y)
            continue
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)


X0 = np.array([0.3, -1.2, 2.0, 0.7])


SCALAR_FUNCS = {
    "poly_div": lambda lib, x: x ** 3 / (1 + x * x) - 2 * x,
    "exp_log_sqrt": lambda lib, x: (x * x + 1).log() * x.exp() + (x * x + 0.5).sqrt() + (x * x + 0.5).rsqrt(),
    "trig": lambda lib, x: x.sin() * x.cos() + lib.tanh(x) * x.sigmoid(),
    "activations": lambda lib, x: (lib.nn.functional.softplus(x) + lib.nn.functional.elu(x)
                                   + lib.nn.functional.gelu(x) + lib.nn.functional.silu(x) + x.abs() * x
                                   + lib.nn.functional.leaky_relu(x, 0.2) * x + lib.relu(x) * x),
    "pow_tensor": lambda lib, x: (x * x + 1) ** (x * 0.5) + x.clamp(-1, 1) * x + lib.where(x > 0, x * x, -x * x * x),
    "softmax": lambda lib, x: lib.softmax(x * x, 0) * x + lib.log_softmax(x.reshape(2, 2), 1).reshape(4),
    "shapes": lambda lib, x: (lib.cat([x, x * x], 0).reshape(2, 4).t().sum(1).repeat(1)
                              + lib.stack([x, x.exp()], 1).permute(1, 0).mean(0)
                              + x.unsqueeze(0).expand(3, 4).sum(0) * x[[0, 0, 1, 3]] + x[1:].sum()),
    "norm_mse": lambda lib, x: (x * x.reshape(2, 2).norm(2, dim=1).repeat_interleave(2)
                                + lib.nn.functional.mse_loss(x * x, x.detach(), reduction="none")),
    "matmul": lambda lib, x: (x.reshape(2, 2) @ x.reshape(2, 2).exp()).reshape(4) + (x @ x.sin()) * x,
}


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCS))
def test_second_and_third_derivatives_match_torch(name):
    f = SCALAR_FUNCS[name]

    def run(lib, nn, F):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        y = f(lib, x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x, create_graph=True)
        (t,) = lib.autograd.grad((h * h).sum(), x)
        return y, g, h, t

    assert_close(*both(run))


def _mlp(lib, nn, seed=0, width=8, act="Tanh"):
    rng = np.random.default_rng(seed)
    m = nn.Sequential(nn.Linear(2, width), getattr(nn, act)(), nn.Linear(width, width), getattr(nn, act)(),
                      nn.Linear(width, 1)).double()
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=lib.float64))
    return m


def test_hessian_of_mlp_by_double_grad():
    def run(lib, nn, F):
        m = _mlp(lib, nn)
        x = lib.tensor([[0.3, -0.4]], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(m(x).sum(), x, create_graph=True)
        rows = [lib.autograd.grad(g[0, i], x, retain_graph=True)[0] for i in range(2)]
        # Hessian with respect to the first layer's weight too (MLP parameters)
        params = list(m.parameters())
        gp = lib.autograd.grad(m(x).sum(), params, create_graph=True)
        hv = lib.autograd.grad(sum((gi * gi).sum() for gi in gp), params, allow_unused=True)
        return [g] + rows + list(hv)

    assert_close(*both(run))


def test_tiny_pinn_trained_with_adam_matches_torch():
    """u(x) = MLP(x); loss = mean((u'' + u)^2) + (u(0) - 1)^2: a few Adam steps, losses and weights compared."""
    def run(lib, nn, F):
        rng = np.random.default_rng(1)
        m = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1)).double()
        with lib.no_grad():
            for p in m.parameters():
                p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=lib.float64))
        opt = lib.optim.Adam(m.parameters(), lr=1e-2)
        pts = lib.tensor(np.linspace(-1, 1, 9).reshape(9, 1), dtype=lib.float64)
        losses = []
        for _ in range(4):
            x = pts.clone().requires_grad_(True)
            u = m(x)
            (du,) = lib.autograd.grad(u, x, grad_outputs=lib.ones_like(u), create_graph=True)
            (d2u,) = lib.autograd.grad(du, x, grad_outputs=lib.ones_like(du), create_graph=True)
            u0 = m(lib.zeros(1, 1, dtype=lib.float64))
            loss = ((d2u + u) ** 2).mean() + F.mse_loss(u0, lib.ones_like(u0))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return [lib.tensor(losses)] + [p for p in m.parameters()]

    assert_close(*both(run), rtol=1e-9, atol=1e-12)


def _gradient_penalty(lib, critic, real, fake, alpha):
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    d = critic(interp)
    g = lib.autograd.grad(outputs=d, inputs=interp, grad_outputs=lib.ones_like(d), create_graph=True,
                          retain_graph=True)[0]
    g = g.reshape(g.shape[0], -1)
    return ((g.norm(2, dim=1) - 1) ** 2).mean()


def _init(lib, m, seed):
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in m.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)) * 0.3, dtype=lib.float64))
    return m


def test_wgan_gp_penalty_gradient_through_linear_leaky_relu():
    def run(lib, nn, F):
        critic = _init(lib, nn.Sequential(nn.Linear(6, 10), nn.LeakyReLU(0.2), nn.Linear(10, 10), nn.LeakyReLU(0.2),
                                          nn.Linear(10, 1)).double(), 2)
        rng = np.random.default_rng(3)
        real, fake = (lib.tensor(rng.standard_normal((5, 6)), dtype=lib.float64) for _ in range(2))
        alpha = lib.tensor(rng.random((5, 1)), dtype=lib.float64)
        gp = _gradient_penalty(lib, critic, real, fake, alpha)
        loss = critic(fake).mean() - critic(real).mean() + 10 * gp
        loss.backward()
        return [gp] + [p.grad for p in critic.parameters()]

    assert_close(*both(run))


def test_wgan_gp_penalty_gradient_through_conv2d_critic():
    def run(lib, nn, F):
        critic = _init(lib, nn.Sequential(
            nn.Conv2d(2, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(4, 3, 3, padding=1, dilation=1), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(3 * 4 * 4, 1)).double(), 4)
        rng = np.random.default_rng(5)
        real, fake = (lib.tensor(rng.standard_normal((3, 2, 7, 7)), dtype=lib.float64) for _ in range(2))
        alpha = lib.tensor(rng.random((3, 1, 1, 1)), dtype=lib.float64)
        gp = _gradient_penalty(lib, critic, real, fake, alpha)
        (10 * gp).backward()
        return [gp] + [p.grad for p in critic.parameters()]

    assert_close(*both(run))


def test_conv2d_double_backward_strided_dilated_unbatched():
    def run(lib, nn, F):
        rng = np.random.default_rng(6)
        x = lib.tensor(rng.standard_normal((2, 9, 8)), dtype=lib.float64, requires_grad=True)
        w = lib.tensor(rng.standard_normal((3, 2, 3, 2)), dtype=lib.float64, requires_grad=True)
        b = lib.tensor(rng.standard_normal(3), dtype=lib.float64, requires_grad=True)
        y = F.conv2d(x, w, b, stride=(2, 3), padding=(1, 2), dilation=(2, 1))
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        out = lib.autograd.grad((gx.sin()).sum() + (gw * gw).sum(), (x, w, b))
        return [gx, gw] + list(out)

    assert_close(*both(run))


def test_maml_inner_step():
    def run(lib, nn, F):
        m = _mlp(lib, nn, seed=7, act="ReLU")
        params = dict(m.named_parameters())
        rng = np.random.default_rng(8)
        xs, ys, xq, yq = (lib.tensor(rng.standard_normal(s), dtype=lib.float64)
                          for s in ((6, 2), (6, 1), (4, 2), (4, 1)))

        def fwd(p, x):
            h = F.relu(F.linear(x, p["0.weight"], p["0.bias"]))
            h = F.relu(F.linear(h, p["2.weight"], p["2.bias"]))
            return F.linear(h, p["4.weight"], p["4.bias"])

        inner = F.mse_loss(fwd(params, xs), ys)
        grads = lib.autograd.grad(inner, list(params.values()), create_graph=True)
        fast = {k: v - 0.1 * g for (k, v), g in zip(params.items(), grads)}
        outer = F.mse_loss(fwd(fast, xq), yq)
        outer.backward()
        return [outer] + [p.grad for p in m.parameters()]

    assert_close(*both(run))


def test_hessian_vector_product_with_grad_outputs_requiring_grad():
    def run(lib, nn, F):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        v = lib.tensor(X0[::-1].copy(), dtype=lib.float64, requires_grad=True)
        y = (x.exp() * x.sin()).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (hv,) = lib.autograd.grad(g, x, grad_outputs=v, create_graph=True)
        gx, gv = lib.autograd.grad(hv.sum(), (x, v))
        return hv, gx, gv

    assert_close(*both(run))


def test_backward_create_graph_keeps_the_graph_on_grad():
    def run(lib, nn, F):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (x ** 3).sum().backward(create_graph=True)
        assert lib is torch or any("reference cycle" in str(w.message) for w in caught)  # torch warns once
        g1 = x.grad
        assert g1.requires_grad
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x.sin()).sum().backward(create_graph=True)  # accumulated out of place, still on the graph
        g2 = x.grad
        (h,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, h

    assert_close(*both(run))


def test_custom_function_written_with_tensor_ops_is_double_differentiable():
    def run(lib, nn, F):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 3 * g * x * x

        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        return g, h

    assert_close(*both(run))


def test_first_order_result_is_constant_and_results_unchanged_without_create_graph():
    def run(lib, nn, F):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        (g1,) = lib.autograd.grad((x * 2).sum(), x, create_graph=True)
        assert g1.requires_grad is False  # nothing in it depends on x, as in PyTorch
        (g2,) = lib.autograd.grad((x ** 3).sum(), x)
        assert g2.requires_grad is False and g2.grad_fn is None
        return g1, g2

    assert_close(*both(run))


def test_grad_signature_options_match_torch():
    def run(lib, nn, F):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        z = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        y = x ** 2
        gx, gz = lib.autograd.grad(y.sum(), (x, z), create_graph=True, materialize_grads=True)
        d = lib.autograd.grad(y.sum(), {"a": x}, retain_graph=True)
        batched = lib.autograd.grad(y, x, grad_outputs=lib.eye(4, dtype=lib.float64), is_grads_batched=True,
                                    retain_graph=True)[0]
        with pytest.raises(ValueError, match="allow_unused"):
            lib.autograd.grad(y.sum(), (x, z), materialize_grads=True, allow_unused=False)
        return gx, gz, d["a"], batched

    assert_close(*both(run))


def test_gradgradcheck_matches_torch_verdicts():
    for lib in (miniconv, torch):
        x = lib.tensor(X0, dtype=lib.float64, requires_grad=True)
        w = lib.tensor(np.ones((3, 4)) * 0.3, dtype=lib.float64, requires_grad=True)
        assert lib.autograd.gradgradcheck(lambda a, b: (b @ a.tanh()).exp(), (x, w))
        assert lib.autograd.gradgradcheck(lambda a: lib.nn.functional.softplus(a) * a.sin(), (x,))


def test_gradgradcheck_catches_a_wrong_double_backward():
    class BadSquare(miniconv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * g * x.detach()  # the right value, but its derivative in x is lost

    x = miniconv.tensor(X0, dtype=miniconv.float64, requires_grad=True)
    assert miniconv.autograd.gradcheck(BadSquare.apply, (x,))
    assert not miniconv.autograd.gradgradcheck(BadSquare.apply, (x,), raise_exception=False)


def test_op_without_double_backward_raises_naming_it():
    x = miniconv.tensor(X0, dtype=miniconv.float64, requires_grad=True)

    def f(L, t):
        return L.lgamma(t.reshape(-1) * 0.1 + 2).sum()

    with pytest.raises(RuntimeError, match="miniconv: double backward is not implemented for Lgamma"):
        miniconv.autograd.grad(f(miniconv, x), x, create_graph=True)
    # without create_graph the same graph differentiates as before
    (g,) = miniconv.autograd.grad(f(miniconv, x), x)
    xt = torch.tensor(X0, requires_grad=True)
    (gt,) = torch.autograd.grad(f(torch, xt), xt)
    np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-12)
