"""The graph nodes of the ops miniconv composes from others (F.gelu, F.layer_norm, F.conv1d, F.interpolate, ...)
against PyTorch's: the node's class name (``type(y.grad_fn).__name__``, what graph printers such as torchviz
show), ``grad_fn.name()`` and ``next_functions`` two levels down; then the values, the gradients and the
gradients of the gradients of the same calls, compared with PyTorch's, and with the composition run without its
single node (the node must not change a number)."""
import numpy as np
import pytest

import miniconv
from miniconv.autograd.composite import composite

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))
W = RNG.standard_normal((3,))
B = RNG.standard_normal((3,))
X4 = RNG.standard_normal((2, 3, 5, 5))
K1 = RNG.standard_normal((4, 3, 2))
KT = RNG.standard_normal((3, 4, 2, 2))
TARGET_2D = RNG.integers(0, 3, (2, 5, 5))


def describe(fn, depth=2):
    """(type name, name(), ((child, output_nr), ...)) down to ``depth``; leaves' accumulators as "Acc"."""
    if fn is None:
        return None
    if type(fn).__name__ == "AccumulateGrad":
        return "Acc"
    if depth == 0:
        return fn.name()
    assert type(fn).__name__ == fn.name()
    return (fn.name(), tuple((describe(f, depth - 1), nr) for f, nr in fn.next_functions))


# each case: (L, F, x (2, 3, 4), w (3,), b (3,), x4 (2, 3, 5, 5)) -> output
CASES = {
    "gelu": lambda L, F, x, w, b, x4: F.gelu(x),
    "gelu_tanh": lambda L, F, x, w, b, x4: F.gelu(x, approximate="tanh"),
    "silu": lambda L, F, x, w, b, x4: F.silu(x),
    "nn.SiLU": lambda L, F, x, w, b, x4: L.nn.SiLU()(x),
    "softplus": lambda L, F, x, w, b, x4: F.softplus(x, beta=2, threshold=1),
    "mish": lambda L, F, x, w, b, x4: F.mish(x),
    "hardswish": lambda L, F, x, w, b, x4: F.hardswish(x * 3),
    "hardsigmoid": lambda L, F, x, w, b, x4: F.hardsigmoid(x * 3),
    "elu": lambda L, F, x, w, b, x4: F.elu(x, 0.7),
    "selu": lambda L, F, x, w, b, x4: F.selu(x),
    "celu": lambda L, F, x, w, b, x4: F.celu(x, 1.3),
    "softshrink": lambda L, F, x, w, b, x4: F.softshrink(x, 0.3),
    "hardshrink": lambda L, F, x, w, b, x4: F.hardshrink(x, 0.3),
    "threshold": lambda L, F, x, w, b, x4: F.threshold(x, 0.1, -1.0),
    "glu": lambda L, F, x, w, b, x4: F.glu(x, -1),
    "prelu": lambda L, F, x, w, b, x4: F.prelu(x, w),
    "prelu_one": lambda L, F, x, w, b, x4: F.prelu(x, w[:1]),
    "logsigmoid": lambda L, F, x, w, b, x4: F.logsigmoid(x),
    "log_softmax": lambda L, F, x, w, b, x4: F.log_softmax(x, 1),
    "softmax": lambda L, F, x, w, b, x4: F.softmax(x, -1),
    "layer_norm": lambda L, F, x, w, b, x4: F.layer_norm(x, (4,)),
    "layer_norm_affine": lambda L, F, x, w, b, x4: F.layer_norm(x.permute(0, 2, 1), (3,), w, b),
    "nn.LayerNorm": lambda L, F, x, w, b, x4: L.nn.LayerNorm(4).double()(x),
    "group_norm": lambda L, F, x, w, b, x4: F.group_norm(x, 3),
    "group_norm_affine": lambda L, F, x, w, b, x4: F.group_norm(x, 1, w, b),
    "batch_norm_train": lambda L, F, x, w, b, x4: F.batch_norm(x, None, None, w, b, training=True),
    "batch_norm_no_affine": lambda L, F, x, w, b, x4: F.batch_norm(
        x, L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64), training=True),
    "batch_norm_eval": lambda L, F, x, w, b, x4: F.batch_norm(
        x, L.zeros(3, dtype=L.float64), L.ones(3, dtype=L.float64), w, b),
    "instance_norm": lambda L, F, x, w, b, x4: F.instance_norm(x),
    "instance_norm_affine": lambda L, F, x, w, b, x4: F.instance_norm(x, weight=w, bias=b),
    "embedding": lambda L, F, x, w, b, x4: F.embedding(L.tensor([[0, 2], [1, 1]]), x[0]),
    "cross_entropy": lambda L, F, x, w, b, x4: F.cross_entropy(x[:, :, 0], L.tensor([0, 2])),
    "nll_loss": lambda L, F, x, w, b, x4: F.nll_loss(x[:, :, 0], L.tensor([0, 2])),
    "cross_entropy_2d": lambda L, F, x, w, b, x4: F.cross_entropy(x4, L.tensor(TARGET_2D), reduction="none"),
    "cross_entropy_2d_weighted": lambda L, F, x, w, b, x4: F.cross_entropy(x4, L.tensor(TARGET_2D), weight=w.detach(),
                                                                           ignore_index=1),
    "mse_loss": lambda L, F, x, w, b, x4: F.mse_loss(x, x.detach() * 0.5),
    "smooth_l1": lambda L, F, x, w, b, x4: F.smooth_l1_loss(x, x * 0.5, beta=0.5),
    "smooth_l1_detached": lambda L, F, x, w, b, x4: F.smooth_l1_loss(x, x.detach() * 0.5),
    "huber": lambda L, F, x, w, b, x4: F.huber_loss(x, x * 0.5, reduction="sum", delta=0.5),
    "normalize": lambda L, F, x, w, b, x4: F.normalize(x),
    "dropout": lambda L, F, x, w, b, x4: F.dropout(x, 0.3),
    "pdist": lambda L, F, x, w, b, x4: F.pdist(x[0]),
    "pairwise_distance": lambda L, F, x, w, b, x4: F.pairwise_distance(x, x * 2),
    "pad_constant": lambda L, F, x, w, b, x4: F.pad(x, (1, 2)),
    "pad_reflect": lambda L, F, x, w, b, x4: F.pad(x, (1, 2), mode="reflect"),
    "pad_replicate_2d": lambda L, F, x, w, b, x4: F.pad(x4, (1, 2, 0, 1), mode="replicate"),
    "squeeze_unsqueeze": lambda L, F, x, w, b, x4: x.unsqueeze(1).squeeze(1).squeeze(),
    "clamp_min": lambda L, F, x, w, b, x4: x.clamp_min(0.1),
    "clamp_max": lambda L, F, x, w, b, x4: x.clamp_max(0.1),
    "conv1d": lambda L, F, x, w, b, x4: F.conv1d(x, L.tensor(K1), b[:1].expand(4).contiguous()),
    "conv1d_unbatched": lambda L, F, x, w, b, x4: F.conv1d(x[0], L.tensor(K1)),
    "conv_transpose1d": lambda L, F, x, w, b, x4: F.conv_transpose1d(x, L.tensor(KT[:, :, 0]), stride=2),
    "conv_transpose2d": lambda L, F, x, w, b, x4: F.conv_transpose2d(x4, L.tensor(KT), stride=2),
    "conv3d": lambda L, F, x, w, b, x4: F.conv3d(x4[:, :, None], L.tensor(KT.transpose(1, 0, 2, 3))[:, :, None]),
    "avg_pool1d": lambda L, F, x, w, b, x4: F.avg_pool1d(x, 2),
    "max_pool1d": lambda L, F, x, w, b, x4: F.max_pool1d(x, 2),
    "adaptive_avg_pool2d": lambda L, F, x, w, b, x4: F.adaptive_avg_pool2d(x4, 2),
    "adaptive_max_pool2d": lambda L, F, x, w, b, x4: F.adaptive_max_pool2d(x4, 2),
    "avg_pool3d": lambda L, F, x, w, b, x4: F.avg_pool3d(x4[None], 2),
    "max_pool3d": lambda L, F, x, w, b, x4: F.max_pool3d(x4[None], 2),
    "interpolate_nearest": lambda L, F, x, w, b, x4: F.interpolate(x4, scale_factor=2),
    "interpolate_bilinear": lambda L, F, x, w, b, x4: F.interpolate(x4, size=(7, 6), mode="bilinear"),
    "interpolate_linear_ac": lambda L, F, x, w, b, x4: F.interpolate(x, size=7, mode="linear", align_corners=True),
    "interpolate_nearest_exact": lambda L, F, x, w, b, x4: F.interpolate(x, scale_factor=3, mode="nearest-exact"),
    "nn.Upsample": lambda L, F, x, w, b, x4: L.nn.Upsample(scale_factor=2, mode="bilinear")(x4),
    "pixel_shuffle": lambda L, F, x, w, b, x4: F.pixel_shuffle(x4[:, :1].expand(2, 4, 5, 5), 2),
    "pixel_unshuffle": lambda L, F, x, w, b, x4: F.pixel_unshuffle(F.pad(x4, (0, 1, 0, 1)), 2),
    "unfold": lambda L, F, x, w, b, x4: F.unfold(x4, 2, stride=2),
    "fold": lambda L, F, x, w, b, x4: F.fold(F.unfold(x4, 2, stride=2) * 1, (5, 5), 2, stride=2),
}

def run(L, case, seed=0):
    F = L.nn.functional
    x, w, b, x4 = (L.tensor(a, requires_grad=True) for a in (X, W, B, X4))
    L.manual_seed(seed)
    return CASES[case](L, F, x, w, b, x4), (x, w, b, x4)


@pytest.mark.parametrize("case", sorted(CASES))
def test_node_type_name_and_next_functions_match_torch(case):
    theirs, _ = run(torch, case)
    ours, _ = run(miniconv, case)
    assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__
    assert describe(ours.grad_fn) == describe(theirs.grad_fn)
    assert repr(ours.grad_fn).split(" object")[0] == repr(theirs.grad_fn).split(" object")[0]


# PyTorch has no double backward for these; miniconv's batch norm, embedding, adaptive pooling, scatter (fold)
# and weight slicing (conv3d) nodes have none yet: their first-order gradients are compared
FIRST_ORDER_ONLY = {"hardsigmoid", "pdist", "batch_norm_train", "batch_norm_no_affine", "batch_norm_eval",
                    "embedding", "adaptive_avg_pool2d", "adaptive_max_pool2d", "fold", "conv3d"}


@pytest.mark.parametrize("case", sorted(c for c in CASES if c != "dropout"))
def test_values_gradients_and_double_backward_match_torch(case):
    create_graph = case not in FIRST_ORDER_ONLY
    results = []
    for L in (torch, miniconv):
        y, inputs = run(L, case)
        used = [t for t in inputs if t is not None]
        g = L.autograd.grad((y * y).sum() * 0.5 + y.sum(), used, create_graph=create_graph, allow_unused=True)
        pairs = [(t, gi) for t, gi in zip(used, g) if gi is not None and gi.requires_grad]
        if pairs:
            gg = L.autograd.grad(sum((gi * gi).sum() for _, gi in pairs), [t for t, _ in pairs], allow_unused=True)
        else:
            gg = ()
        results.append((y.detach().numpy(), [None if gi is None else gi.detach().numpy() for gi in g],
                        [None if v is None else v.numpy() for v in gg]))
    (yt, gt, ggt), (ym, gm, ggm) = results
    np.testing.assert_allclose(ym, yt, rtol=1e-9, atol=1e-12)
    for a, b in zip(gm, gt):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
    assert len(ggm) == len(ggt)
    for a, b in zip(ggm, ggt):
        if a is not None and b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


def _gelu(x):  # a composition (F.gelu itself now has its own node and kernel)
    return x * 0.5 * (1 + (x * (1 / np.sqrt(2.0))).erf())


def _layer_norm(x, w, b):  # a composition (the moments in the input's dtype)
    mean = x.mean(dim=-1, keepdim=True)
    d = x - mean
    return d / ((d * d).mean(dim=-1, keepdim=True) + 1e-5).sqrt() * w + b


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_single_node_changes_no_number(dtype):
    """The same bits as the composition it wraps, forward and backward."""
    xa = RNG.standard_normal((5, 7)).astype(dtype)
    wa, ba = RNG.standard_normal(7).astype(dtype), RNG.standard_normal(7).astype(dtype)
    out = []
    for single in (True, False):
        x, w, b = (miniconv.tensor(a, requires_grad=True) for a in (xa, wa, ba))
        if single:   # the same compositions, each wrapped in one node
            g = composite("GeluBackward0", _gelu, (x,))
            y = composite("NativeLayerNormBackward0", _layer_norm, (g, w, b), listed=(0, 1, 2))
        else:
            y = _layer_norm(_gelu(x), w, b)
        (y * miniconv.tensor(xa)).sum().backward()
        out.append([y.detach().numpy(), x.grad.numpy(), w.grad.numpy(), b.grad.numpy()])
    for a, b in zip(*out):
        np.testing.assert_array_equal(a, b)


def test_composite_node_contract():
    """Freed after backward (PyTorch's error on a second one), kept with retain_graph, no node without grad mode,
    a version error when an input changed before double backward, hooks and retain_grad through it."""
    x = miniconv.tensor(X, requires_grad=True)
    y = miniconv.nn.functional.gelu(x * 1)
    y.sum().backward(retain_graph=True)
    y.sum().backward()
    xt = torch.tensor(X, requires_grad=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.gelu(xt).sum(), xt)
    np.testing.assert_allclose(x.grad.numpy(), 2 * gt.numpy(), rtol=1e-12)  # two backwards accumulated
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.sum().backward()
    with miniconv.no_grad():
        assert miniconv.nn.functional.gelu(x).grad_fn is None
    assert miniconv.nn.functional.gelu(miniconv.tensor(X)).grad_fn is None

    for create_graph in (False, True):  # the input changed in place before backward: PyTorch's version error
        for L in (torch, miniconv):
            h = L.tensor(X, requires_grad=True) * 1
            y = L.nn.functional.gelu(h)
            with L.no_grad():
                h.add_(1)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                L.autograd.grad(y.sum(), h, create_graph=create_graph)

    seen = []
    h = x * 1
    y = miniconv.nn.functional.silu(h)
    y.retain_grad()
    h.register_hook(lambda grad: seen.append(grad.shape))
    y.grad_fn.register_hook(lambda gi, go: seen.append("node"))
    y.sum().backward()
    assert seen == ["node", miniconv.Size(X.shape)]
    np.testing.assert_array_equal(y.grad.numpy(), np.ones(X.shape))


def test_inplace_activations_keep_their_single_node():
    for name, fn in [("SiluBackward0", lambda F, h: F.silu(h, inplace=True)),
                     ("HardswishBackward0", lambda F, h: F.hardswish(h, inplace=True)),
                     ("MishBackward0", lambda F, h: F.mish(h, inplace=True)),
                     ("ThresholdBackward1", lambda F, h: F.threshold(h, 0.1, 2.0, inplace=True))]:
        grads = []
        for L in (torch, miniconv):
            x = L.tensor(X, requires_grad=True)
            y = fn(L.nn.functional, x * 1.5)
            assert y.grad_fn.name() == name and type(y.grad_fn).__name__ == name
            (g,) = L.autograd.grad((y * y).sum(), x, create_graph=True)
            (gg,) = L.autograd.grad((g * g).sum(), x)
            grads.append((g.detach().numpy(), gg.numpy()))
        for a, b in zip(*grads):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


def test_composite_lists_absent_inputs_and_skips_plain_arguments():
    x = miniconv.tensor(X, requires_grad=True)
    y = composite("ToyBackward0", lambda a, w, k: a * k, (x, None, 3.0), listed=(0, 1))
    assert describe(y.grad_fn) == ("ToyBackward0", (("Acc", 0), (None, 0)))
    y = composite("ToyBackward0", lambda a, k, t: a * k + t, (x, 3.0, miniconv.tensor(X)))
    assert describe(y.grad_fn) == ("ToyBackward0", (("Acc", 0), (None, 0)))
    assert isinstance(y.grad_fn, miniconv.autograd.graph.Node)


def test_forward_mode_through_a_composed_node():
    """miniconv's forward AD runs on double backward: the single node must carry it (jvp of gelu)."""
    tangent = RNG.standard_normal(X.shape)
    outs = []
    for L in (torch, miniconv):
        fwAD = L.autograd.forward_ad
        with fwAD.dual_level():
            d = fwAD.make_dual(L.tensor(X), L.tensor(tangent))
            y = L.nn.functional.layer_norm(L.nn.functional.gelu(d), (4,))
            outs.append(fwAD.unpack_dual(y).tangent.detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-7, atol=1e-10)
