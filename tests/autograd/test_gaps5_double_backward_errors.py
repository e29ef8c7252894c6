"""Ops whose backward PyTorch 2.13 cannot differentiate again (cdist outside its matmul path, pdist,
multi_margin_loss, hardsigmoid, embedding_bag, scaled_dot_product_attention where PyTorch takes its CPU flash
kernel): create_graph=True gives the gradient (same values as torch, on a node named as
torch's), and differentiating that gradient raises torch's exception class and message; cdist's matmul path
stays differentiable twice, as in torch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((3, 4))
Y = np.random.default_rng(1).standard_normal((2, 4))

CASES = {
    "cdist": lambda l, x: l.cdist(x, l.tensor(Y)),
    "cdist_p1_batched": lambda l, x: l.cdist(x.unsqueeze(0), l.tensor(Y).unsqueeze(0), p=1),
    "cdist_donot_use_mm": lambda l, x: l.cdist(x, l.tensor(Y), compute_mode="donot_use_mm_for_euclid_dist"),
    "pdist": lambda l, x: l.nn.functional.pdist(x),
    "multi_margin_loss": lambda l, x: l.nn.functional.multi_margin_loss(x, l.tensor([0, 3, 1])),
    "multi_margin_loss_p2_weight": lambda l, x: l.nn.functional.multi_margin_loss(
        x, l.tensor([0, 3, 1]), p=2, weight=l.tensor([1.0, 2.0, 0.5, 1.0], dtype=l.float64), reduction="none"),
    "hardsigmoid": lambda l, x: l.nn.functional.hardsigmoid(x * 3),
    "sdpa_4d": lambda l, x: l.nn.functional.scaled_dot_product_attention(
        x.reshape(1, 1, 3, 4), 2 * x.reshape(1, 1, 3, 4), x.reshape(1, 1, 3, 4)),
    "sdpa_4d_causal_scale": lambda l, x: l.nn.functional.scaled_dot_product_attention(
        x.reshape(1, 1, 3, 4), x.reshape(1, 1, 3, 4).exp(), x.reshape(1, 1, 3, 4), is_causal=True, scale=0.3),
    "embedding_bag_mean": lambda l, x: l.nn.functional.embedding_bag(l.tensor([0, 2, 1, 0]), x, l.tensor([0, 2]),
                                                                     mode="mean"),
    "embedding_bag_max_2d": lambda l, x: l.nn.functional.embedding_bag(l.tensor([[0, 2], [1, 1]]), x, mode="max"),
    "hardsigmoid_module_inplace": lambda l, x: l.nn.Hardsigmoid(inplace=True)(x * 3),
}


def _run(lib, fn):
    x = lib.tensor(X, requires_grad=True)
    y = fn(lib, x)
    (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
    first = (y.grad_fn.name(), g.requires_grad, g.detach().numpy().copy())
    try:
        lib.autograd.grad((g * g).sum(), x)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return first, (type(e).__name__, str(e))
    return first, None


@pytest.mark.parametrize("name", list(CASES))
def test_double_backward_raises_as_torch(name):
    (m_name, m_req, m_g), m_err = _run(miniconv, CASES[name])
    (t_name, t_req, t_g), t_err = _run(torch, CASES[name])
    assert (m_name, m_req) == (t_name, t_req)
    np.testing.assert_allclose(m_g, t_g, rtol=1e-7, atol=1e-12)  # (PyTorch's hardsigmoid: a float32 1/6)
    assert t_err is not None
    assert m_err == t_err


def test_backward_of_backward_node_names():
    def names(lib):
        x = lib.tensor(X, requires_grad=True)
        out = []
        for y in (lib.cdist(x, lib.tensor(Y)), lib.nn.functional.pdist(x), lib.nn.functional.hardsigmoid(x),
                  lib.nn.functional.embedding_bag(lib.tensor([[0, 2]]), x)):
            (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
            out.append(None if g.grad_fn is None else g.grad_fn.name())
        return out
    assert names(miniconv) == names(torch)


def test_first_order_unchanged_and_unreached_node_does_not_raise():
    """Without create_graph nothing changes; a second grad that does not pass through the node is fine."""
    def run(lib):
        x = lib.tensor(X, requires_grad=True)
        w = lib.tensor(2.0, dtype=lib.float64, requires_grad=True)
        y = lib.cdist(x, l_y := lib.tensor(Y)).sum() * w
        (gx, gw) = lib.autograd.grad(y, (x, w), create_graph=True)
        (ggw,) = lib.autograd.grad(gw, x)  # gw = cdist(...).sum(): its derivative is the first-order cdist gradient
        return gx.detach().numpy(), ggw.numpy(), l_y.numpy()
    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_cdist_matmul_path_is_differentiable_twice():
    def run(lib):
        x = lib.tensor(np.random.default_rng(2).standard_normal((30, 3)), requires_grad=True)
        y = lib.cdist(x, lib.tensor(np.random.default_rng(3).standard_normal((4, 3))))
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return gg.numpy()
    np.testing.assert_allclose(run(miniconv), run(torch), rtol=1e-8, atol=1e-10)


def test_sdpa_node_by_path():
    """PyTorch's CPU flash kernel (one node) for 4-D inputs; composed ops (differentiable twice) otherwise."""
    def run(lib):
        F = lib.nn.functional
        rng = np.random.default_rng(0)

        def t(*s):
            return lib.tensor(rng.standard_normal(s), requires_grad=True)
        q, k, v = t(1, 2, 3, 4), t(1, 2, 5, 4), t(1, 2, 5, 4)
        out = [F.scaled_dot_product_attention(q, k, v).grad_fn.name(),
               F.scaled_dot_product_attention(q, k, t(1, 2, 5, 6)).grad_fn.name(),
               F.scaled_dot_product_attention(q, k, v, attn_mask=lib.zeros(3, 5, dtype=lib.float64)).grad_fn.name(),
               F.scaled_dot_product_attention(q, t(1, 1, 5, 4), t(1, 1, 5, 4), enable_gqa=True).grad_fn.name(),
               F.scaled_dot_product_attention(q, t(2, 2, 5, 4), t(2, 2, 5, 4)).grad_fn.name()]
        y = F.scaled_dot_product_attention(q[0], k[0], v[0])  # 3-D: composed ops, differentiable twice
        (g,) = lib.autograd.grad((y * y).sum(), q, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), q)
        return out, gg.numpy()
    (m_names, m_gg), (t_names, t_gg) = run(miniconv), run(torch)
    assert m_names == t_names
    np.testing.assert_allclose(m_gg, t_gg, rtol=1e-8, atol=1e-10)
