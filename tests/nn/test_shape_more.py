"""Resampling, padding, fold/unfold, 1-D pools, LP pools, LRN, distances and Bilinear against PyTorch."""
import numpy as np
import pytest

from oracle import assert_close_outcome, assert_same_outcome

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64"]


def _run(L, fn, shape, dtype, seed=0):
    """fn(L, x) with x of ``shape``: output, and the gradient of a weighted sum of it w.r.t. x."""
    data = np.random.default_rng(seed).standard_normal(shape)
    x = L.tensor(data, dtype=getattr(L, dtype), requires_grad=True)
    y = fn(L, x)
    y = y[0] if isinstance(y, tuple) else y
    w = L.tensor(np.random.default_rng(seed + 1).standard_normal(tuple(y.shape)), dtype=y.dtype)
    (y * w).sum().backward()
    return y.detach(), x.grad


def F(L):
    return L.nn.functional


CASES = [
    # interpolate
    ((2, 3, 5), lambda L, x: F(L).interpolate(x, scale_factor=2)),
    ((1, 2, 7), lambda L, x: F(L).interpolate(x, size=4, mode="linear")),
    ((1, 2, 7), lambda L, x: F(L).interpolate(x, size=11, mode="linear", align_corners=True)),
    ((2, 3, 4, 5), lambda L, x: F(L).interpolate(x, scale_factor=2, mode="nearest")),
    ((2, 3, 4, 5), lambda L, x: F(L).interpolate(x, size=(7, 3))),
    ((1, 1, 5, 3), lambda L, x: F(L).interpolate(x, scale_factor=(1.5, 2.7), mode="nearest-exact")),
    ((2, 3, 4, 5), lambda L, x: F(L).interpolate(x, scale_factor=1.7, mode="bilinear")),
    ((2, 3, 4, 5), lambda L, x: F(L).interpolate(x, scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)),
    ((1, 2, 5, 5), lambda L, x: F(L).interpolate(x, size=(9, 3), mode="bilinear", align_corners=True)),
    ((1, 2, 6, 6), lambda L, x: F(L).interpolate(x, size=(4, 3), mode="bilinear", align_corners=False)),
    ((1, 2, 6, 7), lambda L, x: F(L).interpolate(x, size=(4, 3), mode="area")),
    ((1, 2, 3, 3), lambda L, x: F(L).upsample_bilinear(x, scale_factor=2)),
    ((1, 2, 3, 3), lambda L, x: F(L).upsample_nearest(x, size=5)),
    ((1, 2, 3, 3), lambda L, x: F(L).upsample(x, size=5, mode="bilinear")),
    ((2, 3, 4, 5), lambda L, x: L.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)(x)),
    ((2, 3, 4, 5), lambda L, x: L.nn.UpsamplingNearest2d(scale_factor=3)(x)),
    ((1, 3, 4, 5), lambda L, x: L.nn.UpsamplingBilinear2d(size=(6, 8))(x)),
    # pixel / channel shuffle
    ((2, 8, 3, 5), lambda L, x: F(L).pixel_shuffle(x, 2)),
    ((9, 2, 3), lambda L, x: L.nn.PixelShuffle(3)(x)),
    ((2, 3, 4, 6), lambda L, x: F(L).pixel_unshuffle(x, 2)),
    ((1, 2, 3, 6, 9), lambda L, x: L.nn.PixelUnshuffle(3)(x)),
    ((2, 6, 3, 2), lambda L, x: L.nn.ChannelShuffle(3)(x)),
    ((1, 4, 5), lambda L, x: F(L).channel_shuffle(x, 2)),
    # padding modules
    ((2, 3, 5), lambda L, x: L.nn.ZeroPad1d((1, 2))(x)),
    ((2, 3, 4, 5), lambda L, x: L.nn.ZeroPad2d(2)(x)),
    ((2, 3, 5), lambda L, x: L.nn.ConstantPad1d(2, 3.5)(x)),
    ((3, 4, 5), lambda L, x: L.nn.ConstantPad2d((1, 0, 2, 3), -1.0)(x)),
    ((2, 3, 5), lambda L, x: L.nn.ReflectionPad1d((2, 3))(x)),
    ((1, 3, 4, 5), lambda L, x: L.nn.ReflectionPad2d(2)(x)),
    ((3, 5), lambda L, x: L.nn.ReplicationPad1d(3)(x)),
    ((1, 3, 4, 5), lambda L, x: L.nn.ReplicationPad2d((1, 2, 0, 3))(x)),
    ((2, 3, 5), lambda L, x: L.nn.CircularPad1d(2)(x)),
    ((1, 3, 4, 5), lambda L, x: L.nn.CircularPad2d((1, 2, 3, 1))(x)),
    # fold / unfold
    ((2, 3, 5, 7), lambda L, x: F(L).unfold(x, 2)),
    ((1, 2, 6, 5), lambda L, x: L.nn.Unfold((2, 3), dilation=(2, 1), padding=1, stride=(1, 2))(x)),
    ((3, 6, 5), lambda L, x: F(L).unfold(x, 3, padding=1)),
    ((2, 12, 12), lambda L, x: F(L).fold(x, (4, 5), 2)),
    ((1, 18, 6), lambda L, x: L.nn.Fold((5, 4), (3, 2), padding=1, stride=(2, 1), dilation=(1, 2))(x)),
    ((2, 3, 5, 7), lambda L, x: F(L).fold(F(L).unfold(x, 3, padding=1), (5, 7), 3, padding=1)),
    # 1-D pools
    ((2, 3, 9), lambda L, x: F(L).max_pool1d(x, 3)),
    ((3, 10), lambda L, x: L.nn.MaxPool1d(3, 2, padding=1, dilation=2, ceil_mode=True)(x)),
    ((2, 3, 9), lambda L, x: F(L).max_pool1d_with_indices(x, 2)),
    ((2, 3, 9), lambda L, x: F(L).max_pool1d(x, 2, return_indices=True)),
    ((2, 3, 4, 7), lambda L, x: F(L).max_pool2d_with_indices(x, 2, 1)),
    ((2, 3, 9), lambda L, x: F(L).avg_pool1d(x, 3, 2, 1)),
    ((1, 3, 9), lambda L, x: L.nn.AvgPool1d(4, 3, 2, ceil_mode=True, count_include_pad=False)(x)),
    ((2, 3, 11), lambda L, x: F(L).adaptive_avg_pool1d(x, 4)),
    ((3, 11), lambda L, x: L.nn.AdaptiveAvgPool1d(1)(x)),
    ((2, 3, 11), lambda L, x: L.nn.AdaptiveMaxPool1d(4, return_indices=True)(x)),
    ((2, 3, 11), lambda L, x: F(L).adaptive_max_pool1d_with_indices(x, 3)),
    ((2, 3, 7, 6), lambda L, x: F(L).adaptive_max_pool2d_with_indices(x, (3, 2))),
    # LP pools, LRN
    ((2, 3, 6, 7), lambda L, x: F(L).lp_pool2d(x.abs() + 0.1, 2, 2)),
    ((2, 3, 6, 7), lambda L, x: L.nn.LPPool2d(3, (2, 3), stride=1)(x.abs() + 0.1)),
    ((2, 3, 9), lambda L, x: L.nn.LPPool1d(2, 3, 2)(x)),
    ((2, 3, 9), lambda L, x: F(L).lp_pool1d(x.abs(), 1.5, 2)),
    ((2, 5, 4, 3), lambda L, x: L.nn.LocalResponseNorm(3)(x * 10)),
    ((2, 6, 7), lambda L, x: F(L).local_response_norm(x * 10, 2, alpha=0.1, beta=0.5, k=2.0)),
    ((1, 4, 2, 3, 2), lambda L, x: F(L).local_response_norm(x, 4, alpha=1.0)),
    # distances
    ((4, 5), lambda L, x: L.nn.PairwiseDistance()(x, x.flip(0))),
    ((1, 3, 5), lambda L, x: F(L).pairwise_distance(x, x[:, :1] * 0.5, p=1.0, keepdim=True)),
    ((6,), lambda L, x: F(L).pairwise_distance(x, x * 2, p=3.0)),
    ((4, 5), lambda L, x: L.nn.CosineSimilarity()(x, x.flip(0))),
    ((2, 3, 5), lambda L, x: L.nn.CosineSimilarity(dim=-1, eps=1e-6)(x, x.flip(1))),
    # bilinear
    ((4, 3), lambda L, x: F(L).bilinear(x, x[:, :2] * 2, L.ones(5, 3, 2, dtype=x.dtype) * 0.3,
                                        L.arange(5).to(x.dtype))),
    ((2, 3, 3), lambda L, x: F(L).bilinear(x, x.flip(2), x[0, :2, :1].reshape(1, 2, 1).expand(4, 3, 3) * 1.0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_values_and_gradients(case, dtype):
    shape, fn = CASES[case]
    assert_close_outcome(lambda L: _run(L, fn, shape, dtype), rtol=2e-6 if dtype == "float32" else 1e-13)


def test_indices_match():
    assert_same_outcome(lambda L: F(L).max_pool1d(L.tensor(np.random.default_rng(3).standard_normal((2, 3, 9))),
                                                   3, 2, 1, return_indices=True)[1])
    assert_same_outcome(lambda L: L.nn.AdaptiveMaxPool1d(4, True)(
        L.tensor(np.random.default_rng(3).standard_normal((2, 3, 9))))[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_bilinear_module_parameters_and_state_dict(dtype):
    def fn(L):
        m = L.nn.Bilinear(3, 4, 5, dtype=getattr(L, dtype))
        with L.no_grad():
            m.weight.copy_(L.tensor(np.random.default_rng(0).standard_normal((5, 3, 4)), dtype=getattr(L, dtype)))
            m.bias.copy_(L.tensor(np.random.default_rng(1).standard_normal(5), dtype=getattr(L, dtype)))
        x1 = L.tensor(np.random.default_rng(2).standard_normal((1, 3)), dtype=getattr(L, dtype), requires_grad=True)
        x2 = L.tensor(np.random.default_rng(3).standard_normal((1, 4)), dtype=getattr(L, dtype), requires_grad=True)
        y = m(x1, x2)
        (y * y).sum().backward()
        return y.detach(), x1.grad, x2.grad, m.weight.grad, m.bias.grad, sorted(m.state_dict()), str(m)
    assert_same_outcome(fn, rtol=1e-5)
    assert_same_outcome(lambda L: sorted(L.nn.Bilinear(2, 3, 4, bias=False).state_dict()))


def test_bilinear_init_bounds():
    import miniconv
    m = miniconv.nn.Bilinear(16, 3, 7)
    bound = 1 / 4
    assert m.weight.abs().max().item() <= bound and m.bias.abs().max().item() <= bound
    assert m.weight.abs().max().item() > bound / 2


@pytest.mark.parametrize("make", [
    lambda L: L.nn.Upsample(scale_factor=2, mode="bilinear"), lambda L: L.nn.UpsamplingNearest2d(size=3),
    lambda L: L.nn.PixelShuffle(2), lambda L: L.nn.ZeroPad2d((1, 2, 3, 4)), lambda L: L.nn.ConstantPad1d(2, 1.5),
    lambda L: L.nn.ReflectionPad2d(1), lambda L: L.nn.CircularPad1d((1, 2)), lambda L: L.nn.Fold(4, 2),
    lambda L: L.nn.Unfold((2, 3), stride=2), lambda L: L.nn.MaxPool1d(3), lambda L: L.nn.AvgPool1d(3, 1),
    lambda L: L.nn.AdaptiveMaxPool1d(2), lambda L: L.nn.LPPool1d(2, 3), lambda L: L.nn.LocalResponseNorm(2),
    lambda L: L.nn.ChannelShuffle(2), lambda L: L.nn.PixelUnshuffle(2), lambda L: L.nn.ReplicationPad1d(3),
])
def test_repr_and_empty_state_dict(make):
    assert_same_outcome(lambda L: (repr(make(L)), list(make(L).state_dict())))


@pytest.mark.parametrize("fn", [
    lambda L: F(L).interpolate(L.ones(1, 2, 3), size=4, scale_factor=2),
    lambda L: F(L).interpolate(L.ones(1, 2, 3)),
    lambda L: F(L).interpolate(L.ones(1, 2, 3), size=4, align_corners=True),
    lambda L: F(L).interpolate(L.ones(1, 2, 3), size=(4, 4)),
    lambda L: F(L).interpolate(L.ones(1, 2, 3), size=4, mode="bilinear"),
    lambda L: F(L).interpolate(L.ones(1, 2, 3, 3), size=4, mode="linear"),
    lambda L: F(L).interpolate(L.ones(1, 2, 3, 3), scale_factor=(2, 2, 2)),
    lambda L: F(L).interpolate(L.ones(1, 2, 3), size=4, recompute_scale_factor=True),
    lambda L: F(L).pixel_shuffle(L.ones(2, 5, 3, 3), 2),
    lambda L: F(L).pixel_shuffle(L.ones(4, 3), 2),
    lambda L: F(L).pixel_unshuffle(L.ones(1, 2, 5, 4), 2),
    lambda L: F(L).pixel_unshuffle(L.ones(1, 2, 4, 5), 2),
    lambda L: F(L).channel_shuffle(L.ones(1, 5, 3), 2),
    lambda L: F(L).unfold(L.ones(1, 2, 3, 3), 4),
    lambda L: F(L).fold(L.ones(1, 7, 4), 3, 2),
    lambda L: F(L).fold(L.ones(1, 8, 5), 3, 2),
    lambda L: L.nn.CircularPad1d(1)(L.ones(3)),
    lambda L: L.nn.CircularPad2d(1)(L.ones(3, 3)),
    lambda L: F(L).local_response_norm(L.ones(2, 3), 2),
])
def test_errors(fn):
    assert_same_outcome(fn, message=True)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.ReflectionPad1d(3)(L.ones(1, 2, 3)),
    lambda L: L.nn.ZeroPad2d((1, 2, 3))(L.ones(1, 2, 3, 3)),
    lambda L: F(L).max_pool1d(L.ones(2, 3, 4, 5), 2),
    lambda L: F(L).avg_pool1d(L.ones(5), 2),
    lambda L: F(L).max_pool1d(L.ones(1, 2, 3), 5),
    lambda L: F(L).unfold(L.ones(2, 3), 2),
    lambda L: F(L).unfold(L.ones(1, 2, 3, 3), 2, stride=0),
    lambda L: F(L).unfold(L.ones(5), 2),
    lambda L: F(L).bilinear(L.ones(2, 3), L.ones(3, 4), L.ones(5, 3, 4)),
    lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 3, 3)),
    lambda L: L.nn.Bilinear(3, 4, 5)(L.ones(2, 4), L.ones(2, 4)),
])
def test_error_classes(fn):
    assert_same_outcome(fn)


# -- max_unpool ---------------------------------------------------------------------------------------------------
UNPOOL = [
    ("2d", (2, 3, 4, 6), dict(kernel_size=2), {}),
    ("2d", (1, 2, 5, 7), dict(kernel_size=3, stride=2, padding=1), {}),
    ("2d", (3, 5, 5), dict(kernel_size=2, stride=1), {}),  # overlapping windows: an index can repeat
    ("2d", (1, 1, 5, 5), dict(kernel_size=2), dict(output_size=(5, 5))),
    ("1d", (2, 3, 9), dict(kernel_size=2), {}),
    ("1d", (3, 10), dict(kernel_size=3, stride=2, padding=1), dict(output_size=[10])),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", range(len(UNPOOL)))
def test_max_unpool(case, dtype):
    kind, shape, pool_kw, unpool_kw = UNPOOL[case]

    def fn(L, x):
        pool = L.nn.functional.max_pool2d if kind == "2d" else L.nn.functional.max_pool1d
        y, idx = pool(x, return_indices=True, **pool_kw)
        module = (L.nn.MaxUnpool2d if kind == "2d" else L.nn.MaxUnpool1d)(**pool_kw)
        a = module(y, idx, **unpool_kw)
        b = getattr(L.nn.functional, f"max_unpool{kind}")(y * 2, idx, **pool_kw, **unpool_kw)
        return a + b
    assert_close_outcome(lambda L: _run(L, fn, shape, dtype), rtol=1e-6 if dtype == "float32" else 1e-13)


@pytest.mark.parametrize("fn", [
    lambda L: F(L).max_unpool2d(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2, dtype=L.int64), 2, output_size=(9, 9)),
    lambda L: F(L).max_unpool2d(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 2, dtype=L.int64), 2, output_size=(4, 4, 4)),
    lambda L: L.nn.MaxUnpool2d(2)(L.ones(1, 1, 2, 2), L.zeros(1, 1, 2, 1, dtype=L.int64)),
    lambda L: L.nn.MaxUnpool2d(2)(L.ones(1, 1, 2, 2), L.full((1, 1, 2, 2), 16, dtype=L.int64)),
])
def test_max_unpool_errors(fn):
    assert_same_outcome(fn)


def test_max_unpool_repr():
    assert_same_outcome(lambda L: (repr(L.nn.MaxUnpool2d(3, 2, 1)), repr(L.nn.MaxUnpool1d((2,)))))
