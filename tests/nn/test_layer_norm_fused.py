"""F.layer_norm / nn.LayerNorm on float32 through the row kernels (_layer_norm.h) as one
NativeLayerNormBackward0 node, against PyTorch: values, the three gradients, double backward,
next_functions, precision against float64 (at least PyTorch's), the same bits for any thread count,
shapes (one or two normalized dims, no affine, weight only, non-contiguous, empty, many rows)."""
import numpy as np
import pytest

import miniconv
import miniconv.nn as mnn
import miniconv.nn.functional as F
from miniconv import _kernels as K

torch = pytest.importorskip("torch")

SHAPES = [((4, 6, 10), (10,)), ((3, 5, 4, 6), (4, 6)), ((300, 33), (33,)), ((2, 1), (1,)), ((7,), (7,))]


def _run(shape, nshape, affine, dtype=np.float32, seed=0, create_graph=False):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    w = rng.standard_normal(nshape).astype(dtype) if affine in ("both", "weight") else None
    b = rng.standard_normal(nshape).astype(dtype) if affine in ("both", "bias") else None
    G = rng.standard_normal(shape).astype(dtype)
    out = []
    for lib, fn in ((miniconv, F.layer_norm), (torch, torch.nn.functional.layer_norm)):
        xs = lib.tensor(x, requires_grad=True)
        ws = None if w is None else lib.tensor(w, requires_grad=True)
        bs = None if b is None else lib.tensor(b, requires_grad=True)
        y = fn(xs, nshape, ws, bs, 1e-5)
        ins = [t for t in (xs, ws, bs) if t is not None]
        grads = lib.autograd.grad((y * lib.tensor(G)).sum(), ins, create_graph=create_graph)
        out.append((y, ins, grads))
    return out


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("shape,nshape", SHAPES, ids=[str(s) for s, _ in SHAPES])
def test_values_gradients_and_node(shape, nshape, affine):
    (ym, _, gm), (yt, _, gt) = _run(shape, nshape, affine)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    for a, b in zip(gm, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-4)
    assert ym.grad_fn.name() == yt.grad_fn.name() == "NativeLayerNormBackward0"
    assert len(ym.grad_fn.next_functions) == len(yt.grad_fn.next_functions)
    for (fm, _), (ft, _) in zip(ym.grad_fn.next_functions, yt.grad_fn.next_functions):
        assert (fm is None) == (ft is None)


@pytest.mark.parametrize("affine", ["both", "none"])
def test_double_backward(affine):
    (ym, im, gm), (yt, it, gt) = _run((5, 8), (8,), affine, create_graph=True)
    # (grad_bias = sum of the incoming gradient: nothing flows back from it)
    ggm = miniconv.autograd.grad(sum((g * g).sum() for g in gm), im[:2])
    ggt = torch.autograd.grad(sum((g * g).sum() for g in gt), it[:2])
    for a, b in zip(ggm, ggt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-3, atol=1e-4)


def test_float64_still_matches():
    (ym, _, gm), (yt, _, gt) = _run((4, 9), (9,), "both", dtype=np.float64)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in zip(gm, gt):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-10)


def test_as_close_to_float64_as_pytorch():
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((512, 768)) * 5 + 3).astype(np.float32)
    w = rng.standard_normal(768).astype(np.float32)
    b = rng.standard_normal(768).astype(np.float32)
    G = rng.standard_normal(x.shape).astype(np.float32)
    res = {}
    for name, lib, dt in (("ours", miniconv, None), ("torch", torch, None), ("ref", torch, torch.float64)):
        ts = [lib.tensor(a, requires_grad=True) for a in (x, w, b)]
        if dt is not None:
            ts = [t.detach().to(dt).requires_grad_() for t in ts]
        fn = F.layer_norm if lib is miniconv else torch.nn.functional.layer_norm
        y = fn(ts[0], (768,), ts[1], ts[2], 1e-5)
        g = lib.tensor(G) if dt is None else torch.tensor(G, dtype=dt)
        grads = lib.autograd.grad((y * g).sum(), ts)
        res[name] = [np.asarray(t.detach().numpy(), np.float64) for t in (y,) + tuple(grads)]
    for ours, theirs, ref in zip(res["ours"], res["torch"], res["ref"]):
        e_ours, e_theirs = np.abs(ours - ref), np.abs(theirs - ref)
        assert e_ours.max() <= e_theirs.max(), (e_ours.max(), e_theirs.max())
        assert e_ours.mean() <= e_theirs.mean(), (e_ours.mean(), e_theirs.mean())


def test_same_bits_for_any_thread_count():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1000, 64)).astype(np.float32)
    g = rng.standard_normal((1000, 64)).astype(np.float32)
    w = rng.standard_normal(64).astype(np.float32)
    b = rng.standard_normal(64).astype(np.float32)
    outs = []
    for threads in (1, 2, 3):
        y = np.empty_like(x)
        mean = np.empty(1000)
        rstd = np.empty(1000)
        K.layer_norm_forward_f32(x, w, b, y, mean, rstd, 1e-5, threads)
        dx, dw, db = np.empty_like(x), np.empty(64, np.float32), np.empty(64, np.float32)
        K.layer_norm_backward_f32(x, g, w, mean, rstd, dx, dw, db, threads)
        outs.append((y, dx, dw, db))
    for o in outs[1:]:
        for a, b_ in zip(o, outs[0]):
            assert np.array_equal(a, b_)


def test_module_non_contiguous_and_empty():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 8, 5)).astype(np.float32)
    mm, tm = mnn.LayerNorm(6), torch.nn.LayerNorm(6)
    with torch.no_grad():
        tm.weight.copy_(torch.tensor(rng.standard_normal(6).astype(np.float32)))
    mm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    xm = miniconv.tensor(x).transpose(0, 2)
    xt = torch.tensor(x).transpose(0, 2)
    np.testing.assert_allclose(mm(xm).detach().numpy(), tm(xt).detach().numpy(), rtol=1e-5, atol=1e-5)
    assert F.layer_norm(miniconv.zeros(0, 4), (4,)).shape == (0, 4)


def test_kernel_argument_errors():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError):
        K.layer_norm_forward_f32(x, np.zeros(5, np.float32), None, np.empty((3, 4), np.float32),
                                 np.empty(3), np.empty(3), 1e-5, 1)
    with pytest.raises(ValueError):
        K.layer_norm_backward_f32(x, np.zeros((3, 5), np.float32), None, np.empty(3), np.empty(3), None,
                                  None, None, 1)
    with pytest.raises(RuntimeError, match="Given normalized_shape"):
        F.layer_norm(miniconv.tensor(x), (5,))
