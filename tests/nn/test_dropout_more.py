"""dropout1d, alpha_dropout, feature_alpha_dropout (masks from miniconv's generator: checked by their
structure and PyTorch's formula, eval/p=0 behaviour and errors against PyTorch), pdist and the 3-D
padding modules against PyTorch."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

ALPHA = 1.7580993408473766


def test_dropout1d_drops_whole_channels_and_scales():
    import miniconv
    miniconv.manual_seed(0)
    x = miniconv.randn(8, 16, 5, requires_grad=True)
    y = miniconv.nn.Dropout1d(0.25)(x)
    ratio = (y / x).detach().numpy()
    per_channel = ratio[..., 0]
    np.testing.assert_allclose(ratio, np.broadcast_to(per_channel[..., None], ratio.shape), rtol=1e-6)
    assert {round(float(v), 4) for v in np.unique(per_channel)} == {0.0, round(1 / 0.75, 4)}
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio, rtol=1e-6)
    unbatched = miniconv.nn.functional.dropout1d(miniconv.ones(4, 3), 0.5)
    assert unbatched.shape == (4, 3)


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_formula(feature):
    import miniconv
    miniconv.manual_seed(1)
    p = 0.3
    x = miniconv.randn(6, 8, 4, 3, requires_grad=True)
    fn = miniconv.nn.functional.feature_alpha_dropout if feature else miniconv.nn.functional.alpha_dropout
    y = fn(x, p, training=True)
    a = 1 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    xv, yv = x.detach().numpy(), y.detach().numpy()
    kept = np.isclose(yv, xv * a + ALPHA * a * p, rtol=1e-5, atol=1e-6)
    dropped = np.isclose(yv, ALPHA * a * (p - 1), rtol=1e-5, atol=1e-6)
    assert (kept | dropped).all()
    assert 0.2 < dropped.mean() < 0.4
    if feature:
        assert (kept == kept[..., :1, :1]).all()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept * a, rtol=1e-6)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.alpha_dropout(L.arange(6.0), 0.5),  # training=False by default: identity
    lambda L: L.nn.AlphaDropout(0.4).eval()(L.arange(6.0)),
    lambda L: L.nn.FeatureAlphaDropout(0.4).eval()(L.arange(6.0).reshape(1, 2, 3)),
    lambda L: L.nn.Dropout1d(0.4).eval()(L.arange(6.0).reshape(2, 3)),
    lambda L: L.nn.functional.alpha_dropout(L.arange(6.0), 1.0, training=True),
    lambda L: L.nn.functional.dropout1d(L.arange(6.0).reshape(1, 2, 3), 1.0),
    lambda L: L.nn.functional.dropout1d(L.arange(6.0).reshape(1, 2, 3), 0.0),
    lambda L: L.nn.Dropout1d(1.5),
    lambda L: L.nn.AlphaDropout(-0.1),
    lambda L: L.nn.functional.feature_alpha_dropout(L.ones(2, 3), 2.0, True),
    lambda L: L.nn.functional.dropout1d(L.ones(2, 3, 4, 5), 0.5),
    lambda L: (repr(L.nn.Dropout1d(0.2)), repr(L.nn.FeatureAlphaDropout(0.1, inplace=True))),
])
def test_against_pytorch(fn):
    assert_same_outcome(fn, message=True)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,p", [((4, 3), 2.0), ((1, 5), 2.0), ((5, 2), 1.0), ((6, 4), 3.0), ((3, 3), 0.5)])
def test_pdist(shape, p, dtype):
    def fn(L):
        x = L.tensor(np.random.default_rng(0).standard_normal(shape), dtype=getattr(L, dtype), requires_grad=True)
        y = L.nn.functional.pdist(x, p)
        if y.numel():
            (y * L.tensor(np.linspace(-1, 1, y.numel()), dtype=y.dtype)).sum().backward()
        return y.detach(), x.grad
    assert_same_outcome(fn, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_pdist_errors():
    assert_same_outcome(lambda L: L.nn.functional.pdist(L.ones(2, 3, 4)), message=True)
    assert_same_outcome(lambda L: L.nn.functional.pdist(L.ones(2, 3), -1.0), message=True)


@pytest.mark.parametrize("make,shape", [
    (lambda L: L.nn.ZeroPad3d(1), (1, 2, 3, 4)),
    (lambda L: L.nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 2.5), (2, 1, 2, 3, 2)),
    (lambda L: L.nn.ReflectionPad3d(1), (1, 2, 3, 3, 4)),
    (lambda L: L.nn.ReplicationPad3d((2, 1, 0, 1, 1, 0)), (2, 2, 3, 4)),
    (lambda L: L.nn.CircularPad3d(1), (1, 1, 2, 3, 4)),
])
def test_pad3d(make, shape):
    def fn(L):
        x = L.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
        m = make(L)
        y = m(x)
        (y * y).sum().backward()
        return y.detach(), x.grad, repr(m)
    assert_same_outcome(fn)
    assert_same_outcome(lambda L: L.nn.CircularPad3d(1)(L.ones(2, 3)), message=True)


def test_gumbel_softmax():
    import miniconv
    miniconv.manual_seed(3)
    logits = miniconv.tensor([[2.0, 0.5, -1.0, 0.0]]).expand(4000, 4).contiguous().requires_grad_()
    soft = miniconv.nn.functional.gumbel_softmax(logits, tau=1.0)
    np.testing.assert_allclose(soft.detach().numpy().sum(1), 1, rtol=1e-5)
    hard = miniconv.nn.functional.gumbel_softmax(logits, tau=0.7, hard=True)
    h = hard.detach().numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and (h.sum(1) == 1).all()
    # the Gumbel-max trick: the argmax is a sample of softmax(logits)
    freq = h.mean(0)
    expect = np.exp([2.0, 0.5, -1.0, 0.0]) / np.exp([2.0, 0.5, -1.0, 0.0]).sum()
    np.testing.assert_allclose(freq, expect, atol=0.03)
    # straight-through: the gradient is the soft sample's
    (hard * miniconv.arange(4.0)).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    assert_same_outcome(lambda L: L.nn.functional.gumbel_softmax([1.0, 2.0]))
