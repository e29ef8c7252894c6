"""The ``torch.*`` forms of nn functions (ATen signatures: required ``train``/``cudnn_enabled``, weight-first
``embedding``, int ``reduction``), and the ``torch.int``/``torch.short`` dtype names: the same user code on
miniconv and on PyTorch, values, gradients and errors compared."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
rng = np.random.default_rng(0)
X = rng.standard_normal((4, 3, 8))
X2 = rng.standard_normal((4, 3, 8))
X4 = rng.standard_normal((2, 8, 4, 4))
Y = (rng.random((4, 3, 8)) > 0.5).astype(np.float64)
SIGNS = np.where(rng.random(4) > 0.5, 1.0, -1.0)


def _run(lib, fn):
    x = lib.tensor(X, requires_grad=True)
    out = fn(lib, x)
    if isinstance(out, tuple):
        out = out[0]
    (out * lib.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
    return out.detach().numpy(), None if x.grad is None else x.grad.numpy()


CASES = {
    "dropout eval": lambda t, x: t.dropout(x, 0.5, False),
    "dropout p=0": lambda t, x: t.dropout(x, 0.0, True),
    "alpha_dropout eval": lambda t, x: t.alpha_dropout(x, 0.3, False),
    "feature_alpha_dropout eval": lambda t, x: t.feature_alpha_dropout(x, 0.3, False),
    "batch_norm train": lambda t, x: t.batch_norm(x, t.ones(3, dtype=t.float64) * 2, t.zeros(3, dtype=t.float64) + 1,
                                                  t.zeros(3, dtype=t.float64), t.ones(3, dtype=t.float64), True, 0.1,
                                                  1e-5, False),
    "batch_norm eval": lambda t, x: t.batch_norm(x, None, None, t.zeros(3, dtype=t.float64) + 0.5,
                                                 t.ones(3, dtype=t.float64) * 2, False, 0.1, 1e-5, True),
    "instance_norm": lambda t, x: t.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False),
    "layer_norm": lambda t, x: t.layer_norm(x, (8,)),
    "layer_norm affine": lambda t, x: t.layer_norm(x, [3, 8], t.ones(3, 8, dtype=t.float64) * 3, None, 1e-3),
    "rms_norm": lambda t, x: t.rms_norm(x, [8]),
    "pairwise_distance": lambda t, x: t.pairwise_distance(x[:, 0], t.tensor(X2)[:, 0], 1.5, 1e-6, True),
    "pdist": lambda t, x: t.pdist(x[:, 0], 3),
    "celu": lambda t, x: t.celu(x, 0.7),
    "selu": lambda t, x: t.selu(x),
    "threshold": lambda t, x: t.threshold(x, 0.2, -1.0),
    "prelu": lambda t, x: t.prelu(x, t.tensor([0.1, 0.2, 0.3], dtype=t.float64)),
    "rrelu eval": lambda t, x: t.rrelu(x),
    "hardshrink": lambda t, x: t.hardshrink(x, 0.4),
    "bilinear": lambda t, x: t.bilinear(x[:, 0], t.tensor(X2)[:, 0], t.ones(2, 8, 8, dtype=t.float64) * 0.1,
                                        t.ones(2, dtype=t.float64)),
    "max_pool1d": lambda t, x: t.max_pool1d(x, 3, 2, 1),
    "max_pool1d default stride": lambda t, x: t.max_pool1d(x, 2),
    "max_pool1d_with_indices": lambda t, x: t.max_pool1d_with_indices(x, 2),
    "avg_pool1d": lambda t, x: t.avg_pool1d(x, 3, 1, 1, False, False),
    "adaptive_avg_pool1d": lambda t, x: t.adaptive_avg_pool1d(x, 3),
    "adaptive_max_pool1d": lambda t, x: t.adaptive_max_pool1d(x, 3),
    "kl_div mean": lambda t, x: t.kl_div(t.log_softmax(x, -1), t.softmax(t.tensor(X2), -1)),
    "kl_div sum log_target": lambda t, x: t.kl_div(x, t.tensor(X2), 2, log_target=True),
    "kl_div default": lambda t, x: t.kl_div(x, t.tensor(np.abs(X2))),
    "bce_with_logits default": lambda t, x: t.binary_cross_entropy_with_logits(x, t.tensor(Y)),
    "triplet default": lambda t, x: t.triplet_margin_loss(x[:, 0], x[:, 1], x[:, 2]),
    "bce_with_logits": lambda t, x: t.binary_cross_entropy_with_logits(x, t.tensor(Y), None,
                                                                       t.ones(8, dtype=t.float64) * 2, 0),
    "triplet_margin_loss": lambda t, x: t.triplet_margin_loss(x[:, 0], x[:, 1], t.tensor(X2)[:, 2], 0.5, 2, 1e-6,
                                                              True, 2),
    "margin_ranking_loss": lambda t, x: t.margin_ranking_loss(x[:, 0, 0], x[:, 1, 0], t.tensor(SIGNS), 0.1, 1),
    "hinge_embedding_loss": lambda t, x: t.hinge_embedding_loss(x[:, 0, 0], t.tensor(SIGNS), 0.5, 0),
    "cosine_embedding_loss": lambda t, x: t.cosine_embedding_loss(x[:, 0], t.tensor(X2)[:, 0], t.tensor(SIGNS), 0.2),
    "poisson_nll_loss": lambda t, x: t.poisson_nll_loss(x, t.tensor(np.abs(X2)), True, True, 1e-8, 1),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    a = _run(miniconv, CASES[name])
    b = _run(torch, CASES[name])
    np.testing.assert_allclose(a[0], b[0], rtol=1e-10, atol=1e-12)
    if b[1] is None:
        assert a[1] is None
    else:
        # PyTorch's float64 celu gradient is ~1e-8 (relative) from exp(x / alpha); miniconv's is exp(x / alpha)
        np.testing.assert_allclose(a[1], b[1], rtol=1e-7 if name == "celu" else 1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle"])
def test_4d_rearrangements(name):
    def run(t):
        x = t.tensor(X4, requires_grad=True)
        out = {"pixel_shuffle": lambda: t.pixel_shuffle(x, 2), "pixel_unshuffle": lambda: t.pixel_unshuffle(x, 2),
               "channel_shuffle": lambda: t.channel_shuffle(x, 4)}[name]()
        (out * out).sum().backward()
        return out.detach().numpy(), x.grad.numpy()
    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_array_equal(a, b)


def test_embedding_takes_the_weight_first():
    def run(t):
        w = t.tensor(rng.standard_normal((6, 3)) if t is torch else W, requires_grad=True)
        out = t.embedding(w, t.tensor([[0, 2, 2], [5, 1, 0]]), 2)
        (out * 1.5).sum().backward()
        return out.detach().numpy(), w.grad.numpy()
    global W
    W = np.arange(18.0).reshape(6, 3) / 7
    a = run(miniconv)
    w_torch = torch.tensor(W, requires_grad=True)
    out = torch.embedding(w_torch, torch.tensor([[0, 2, 2], [5, 1, 0]]), 2)
    (out * 1.5).sum().backward()
    np.testing.assert_array_equal(a[0], out.detach().numpy())
    np.testing.assert_array_equal(a[1], w_torch.grad.numpy())


def test_in_place_forms():
    for name, args in [("celu_", (0.5,)), ("selu_", ()), ("threshold_", (0.1, 9.0)), ("rrelu_", ()),
                       ("dropout_", (0.5, False)), ("alpha_dropout_", (0.5, False))]:
        outs = []
        for t in (miniconv, torch):
            x = t.tensor(X.copy())
            r = getattr(t, name)(x, *args)
            outs.append((x.numpy().copy(), r is x))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
        assert outs[0][1] == outs[1][1], name


@pytest.mark.parametrize("call,exc", [
    (lambda t, x: t.dropout(x, 0.5), TypeError),
    (lambda t, x: t.batch_norm(x), TypeError),
    (lambda t, x: t.kl_div(x, x, "sum"), TypeError),
    (lambda t, x: t.layer_norm(x), TypeError),
    (lambda t, x: t.selu(x, 1), TypeError),
    (lambda t, x: t.kl_div(x, x, 1, True), TypeError),
    (lambda t, x: t.poisson_nll_loss(x, x), TypeError),
])
def test_missing_or_wrong_arguments_raise_like_torch(call, exc):
    for t in (miniconv, torch):
        with pytest.raises(exc):
            call(t, t.tensor(X))


def test_int_and_short_are_the_int32_and_int16_dtypes():
    for t in (miniconv, torch):
        x = t.tensor([1.7, -2.2, 3.9])
        assert t.int == t.int32 and t.short == t.int16
        assert x.to(t.int).dtype == t.int32 and x.to(t.short).dtype == t.int16
        np.testing.assert_array_equal(x.to(t.int).numpy(), [1, -2, 3])
        assert t.zeros(2, dtype=t.int).dtype == t.int32
