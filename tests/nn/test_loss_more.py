"""Margin, embedding and likelihood losses against PyTorch: values, gradients (every float input that
requires grad), each reduction, both float dtypes, modules and functional forms, and errors."""
import numpy as np
import pytest

from oracle import assert_close_outcome, assert_same_outcome

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]
REDUCTIONS = ["none", "mean", "sum"]


def _t(L, data, dtype, grad=True):
    return L.tensor(np.asarray(data), dtype=getattr(L, dtype), requires_grad=grad)


def _rng(seed):
    return np.random.default_rng(seed)


def _finish(L, out, *leaves):
    w = L.tensor(_rng(99).standard_normal(tuple(out.shape)), dtype=out.dtype) if out.ndim else 1.0
    (out * w).sum().backward()
    return (out.detach(),) + tuple(x.grad for x in leaves)


def margin_ranking(L, dt, red, n):
    a, b = _t(L, _rng(0).standard_normal(n), dt), _t(L, _rng(1).standard_normal(n), dt)
    y = _t(L, np.sign(_rng(2).standard_normal(n)), dt, False)
    out = L.nn.functional.margin_ranking_loss(a, b, y, margin=0.3, reduction=red)
    return _finish(L, out, a, b)


def margin_ranking_module(L, dt, red, n):
    a, b = _t(L, _rng(0).standard_normal(n), dt), _t(L, _rng(1).standard_normal(n), dt)
    y = _t(L, np.sign(_rng(2).standard_normal(n)), dt, False)
    return _finish(L, L.nn.MarginRankingLoss(reduction=red)(a, b, y), a, b)


def hinge(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 3)), dt)
    y = _t(L, np.sign(_rng(2).standard_normal((n, 3))), dt, False)
    return _finish(L, L.nn.HingeEmbeddingLoss(margin=0.7, reduction=red)(x, y), x)


def soft_margin(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 4)) * 3, dt)
    y = _t(L, np.sign(_rng(2).standard_normal((n, 4))), dt, False)
    return _finish(L, L.nn.functional.soft_margin_loss(x, y, reduction=red), x)


def soft_margin_module(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal(n), dt)
    y = _t(L, np.sign(_rng(2).standard_normal(n)), dt, False)
    return _finish(L, L.nn.SoftMarginLoss(reduction=red)(x, y), x)


def multilabel_soft(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 5)) * 2, dt)
    y = _t(L, (_rng(2).random((n, 5)) > 0.5) * 1.0, dt, False)
    w = _t(L, _rng(3).random(5), dt, False)
    return _finish(L, L.nn.MultiLabelSoftMarginLoss(weight=w, reduction=red)(x, y), x)


def multilabel_soft_f(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 3)), dt)
    y = _t(L, _rng(2).random((n, 3)), dt)
    return _finish(L, L.nn.functional.multilabel_soft_margin_loss(x, y, reduction=red), x, y)


def cosine_embedding(L, dt, red, n):
    a, b = _t(L, _rng(0).standard_normal((n, 4)), dt), _t(L, _rng(1).standard_normal((n, 4)), dt)
    y = L.tensor(np.where(_rng(2).random(n) > 0.5, 1, -1))
    return _finish(L, L.nn.CosineEmbeddingLoss(margin=-0.2, reduction=red)(a, b, y), a, b)


def cosine_embedding_1d(L, dt, red, n):
    a, b = _t(L, _rng(0).standard_normal(n + 2), dt), _t(L, _rng(1).standard_normal(n + 2), dt)
    y = L.tensor(-1.0 if n % 2 else 1.0, dtype=getattr(L, dt))
    return _finish(L, L.nn.functional.cosine_embedding_loss(a, b, y, margin=0.1, reduction=red), a, b)


def multilabel_margin(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 5)), dt)
    t = np.full((n, 5), -1)
    for i in range(n):
        k = i % 4
        t[i, :k] = _rng(i).permutation(5)[:k]
        if k and i % 3 == 0:
            t[i, k + 1 if k + 1 < 5 else k] = 2  # after the first -1: ignored
    return _finish(L, L.nn.MultiLabelMarginLoss(reduction=red)(x, L.tensor(t)), x)


def multilabel_margin_1d(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal(4), dt)
    return _finish(L, L.nn.functional.multilabel_margin_loss(x, L.tensor([3, 0, -1, 1]), reduction=red), x)


def multi_margin(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 5)), dt)
    t = L.tensor(_rng(1).integers(0, 5, n))
    return _finish(L, L.nn.MultiMarginLoss(reduction=red)(x, t), x)


def multi_margin_p2_weight(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 4)), dt)
    t = L.tensor(_rng(1).integers(0, 4, n))
    w = _t(L, _rng(3).random(4), dt, False)
    return _finish(L, L.nn.functional.multi_margin_loss(x, t, p=2, margin=0.6, weight=w, reduction=red), x)


def multi_margin_1d(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal(6), dt)
    return _finish(L, L.nn.functional.multi_margin_loss(x, L.tensor([n % 6]), reduction=red), x)


def triplet(L, dt, red, n):
    a, p, q = (_t(L, _rng(s).standard_normal((n, 4)), dt) for s in range(3))
    return _finish(L, L.nn.TripletMarginLoss(margin=1.5, reduction=red)(a, p, q), a, p, q)


def triplet_swap_p1(L, dt, red, n):
    a, p, q = (_t(L, _rng(s).standard_normal((n, 3)), dt) for s in range(3))
    return _finish(L, L.nn.functional.triplet_margin_loss(a, p, q, p=1, swap=True, reduction=red), a, p, q)


def triplet_distance(L, dt, red, n):
    a, p, q = (_t(L, _rng(s).standard_normal((n, 4)), dt) for s in range(3))
    m = L.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: 1 - L.nn.functional.cosine_similarity(x, y),
                                           margin=0.5, swap=True, reduction=red)
    return _finish(L, m(a, p, q), a, p, q)


def triplet_distance_default(L, dt, red, n):
    a, p, q = (_t(L, _rng(s).standard_normal((n, 4)), dt) for s in range(3))
    return _finish(L, L.nn.functional.triplet_margin_with_distance_loss(a, p, q, reduction=red), a, p, q)


def poisson(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal((n, 3)), dt)
    y = _t(L, _rng(1).poisson(2.0, (n, 3)), dt, False)
    return _finish(L, L.nn.PoissonNLLLoss(reduction=red)(x, y), x)


def poisson_full_linear(L, dt, red, n):
    x = _t(L, _rng(0).random((n, 3)) * 4, dt)
    y = _t(L, _rng(1).poisson(2.0, (n, 3)), dt, False)
    return _finish(L, L.nn.functional.poisson_nll_loss(x, y, log_input=False, full=True, reduction=red), x)


def poisson_full_log(L, dt, red, n):
    x = _t(L, _rng(0).standard_normal(n), dt)
    y = _t(L, _rng(1).poisson(3.0, n), dt, False)
    return _finish(L, L.nn.PoissonNLLLoss(full=True, reduction=red)(x, y), x)


def gaussian(L, dt, red, n):
    x, y = _t(L, _rng(0).standard_normal((n, 3)), dt), _t(L, _rng(1).standard_normal((n, 3)), dt)
    v = _t(L, _rng(2).random((n, 3)) + 1e-7 * (np.arange(3) == 0), dt)  # some below eps: clamped
    return _finish(L, L.nn.GaussianNLLLoss(reduction=red)(x, y, v), x, y, v)


def gaussian_homoscedastic(L, dt, red, n):
    x, y = _t(L, _rng(0).standard_normal((n, 3)), dt), _t(L, _rng(1).standard_normal((n, 3)), dt)
    v = _t(L, _rng(2).random(n) + 0.1, dt)
    return _finish(L, L.nn.functional.gaussian_nll_loss(x, y, v, full=True, reduction=red), x, y, v)


def gaussian_float_var(L, dt, red, n):
    x, y = _t(L, _rng(0).standard_normal((n, 2, 3)), dt), _t(L, _rng(1).standard_normal((n, 2, 3)), dt)
    return _finish(L, L.nn.functional.gaussian_nll_loss(x, y, 0.5, reduction=red), x, y)


CASES = [margin_ranking, margin_ranking_module, hinge, soft_margin, soft_margin_module, multilabel_soft,
         multilabel_soft_f, cosine_embedding, cosine_embedding_1d, multilabel_margin, multilabel_margin_1d,
         multi_margin, multi_margin_p2_weight, multi_margin_1d, triplet, triplet_swap_p1, triplet_distance,
         triplet_distance_default, poisson, poisson_full_linear, poisson_full_log, gaussian,
         gaussian_homoscedastic, gaussian_float_var]


@pytest.mark.parametrize("n", [1, 5])
@pytest.mark.parametrize("red", REDUCTIONS)
@pytest.mark.parametrize("dt", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=lambda f: f.__name__)
def test_values_and_gradients(case, dt, red, n):
    assert_close_outcome(lambda L: case(L, dt, red, n), rtol=2e-6 if dt == "float32" else 1e-12)


def test_legacy_size_average_and_reduce():
    for kw in [dict(size_average=False), dict(reduce=False), dict(size_average=True, reduce=True)]:
        def fn(L, kw=kw):
            x = L.tensor([[0.3, -1.2, 2.0]], requires_grad=True)
            y = L.tensor([[1.0, -1.0, 1.0]])
            return L.nn.SoftMarginLoss(**kw)(x, y).detach(), L.nn.functional.soft_margin_loss(x, y, **kw).detach()
        assert_same_outcome(fn)


def test_buffers_and_state_dict():
    assert_same_outcome(lambda L: sorted(L.nn.MultiMarginLoss(weight=L.ones(3)).state_dict()))
    assert_same_outcome(lambda L: sorted(L.nn.MultiLabelSoftMarginLoss(weight=L.ones(3)).state_dict()))
    assert_same_outcome(lambda L: sorted(L.nn.TripletMarginLoss().state_dict()))


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.margin_ranking_loss(L.ones(3), L.ones(3), L.ones(3), reduction="avg"),
    lambda L: L.nn.MarginRankingLoss(reduction="avg")(L.ones(3), L.ones(3), L.ones(3)),
    lambda L: L.nn.functional.hinge_embedding_loss(L.ones(3), L.ones(3), reduction="x"),
    lambda L: L.nn.functional.multilabel_soft_margin_loss(L.ones(2, 3), L.ones(2, 3), reduction="x"),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), reduction="x"),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), -1.0),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), -L.ones(2, 3)),
    lambda L: L.nn.functional.gaussian_nll_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3, 3)),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), p=3),
    lambda L: L.nn.MultiMarginLoss(p=3),
    lambda L: L.nn.MultiMarginLoss(weight=L.ones(2, 2)),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(1, 3)),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1, 2])),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 1]), weight=L.ones(4)),
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3, 4), L.tensor([0, 1])),
    lambda L: L.nn.functional.multilabel_margin_loss(L.ones(2, 3), L.tensor([0, 1, -1])),
    lambda L: L.nn.functional.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(3), reduction="sum"),
    lambda L: L.nn.functional.triplet_margin_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 3), margin=0),
    lambda L: L.nn.TripletMarginLoss(margin=-1.0),
    lambda L: L.nn.TripletMarginWithDistanceLoss(margin=0.0),
    lambda L: L.nn.functional.triplet_margin_with_distance_loss(L.ones(2, 3), L.ones(3), L.ones(2, 3)),
    lambda L: L.nn.functional.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.ones(2, 1)),
    lambda L: L.nn.functional.cosine_embedding_loss(L.ones(3), L.ones(3), L.ones(2)),
    lambda L: L.nn.functional.cosine_embedding_loss(L.ones(2, 3), L.ones(2, 3), L.tensor(1.0)),
    lambda L: L.nn.functional.poisson_nll_loss(L.ones(3), L.ones(3), reduction="max"),
])
def test_errors(fn):
    assert_same_outcome(fn, message=True)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.margin_ranking_loss(L.ones(2, 3), L.ones(3), L.ones(3)),  # message names the Size class
    lambda L: L.nn.functional.multi_margin_loss(L.ones(2, 3), L.tensor([0, 3])),
    lambda L: L.nn.functional.multilabel_margin_loss(L.ones(2, 3), L.tensor([[0, 1, 5], [0, -1, 0]])),
])
def test_error_classes(fn):
    assert_same_outcome(fn)
