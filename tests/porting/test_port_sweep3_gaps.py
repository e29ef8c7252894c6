"""Gaps found by porting Karpathy's "Zero to Hero" lectures, nanoGPT, Zero to Mastery and the PyTorch NLP
tutorials to miniconv with only the imports changed: each test runs the same user code on both libraries."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, both_messages as both  # noqa: E402  (after the torch check)


# -- linspace / arange: PyTorch's CPU kernels, to the bit (makemore's lrs = 10**torch.linspace(-3, 0, 1000),
#    Zero to Mastery's X = torch.arange(0, 1, 0.02))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
def test_linspace_bits(dtype):
    rng = np.random.default_rng(0)
    cases = [(-3, 0, 1000), (0.1, 0.7, 11), (-0.98, 0.97, 101), (0, 1, 100001), (3, -2.2, 77), (2.5, 2.5, 4),
             (5, 7, 1), (1, 2, 0)] + [(float(rng.uniform(-50, 50)), float(rng.uniform(-50, 50)),
                                       int(rng.integers(2, 3000))) for _ in range(60)]
    for a, b, n in cases:
        m, t = both(lambda lib, a=a, b=b, n=n: _np(lib.linspace(a, b, n, dtype=getattr(lib, dtype))))
        assert m.dtype == t.dtype and m.shape == t.shape
        np.testing.assert_array_equal(m, t, err_msg=f"linspace({a}, {b}, {n}, {dtype})")


@pytest.mark.parametrize("dtype", ["float32", "float64", None])
def test_arange_bits(dtype):
    rng = np.random.default_rng(1)
    cases = [(0, 1, 0.02), (-3.3, 7.1, 0.13), (0, 100, 0.7), (0.1, 5000.3, 0.37), (5, -3, -0.31), (0.0, 8.0, 1)]
    for _ in range(60):
        a, step = float(rng.uniform(-50, 50)), float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 1))
        cases.append((a, a + step * int(rng.integers(1, 3000)) * float(rng.uniform(0.5, 1)), step))
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # above 32768 elements PyTorch's values depend on its thread count
    try:
        for a, b, s in cases:
            kw = {} if dtype is None else {"dtype": dtype}
            m, t = both(lambda lib, a=a, b=b, s=s, kw=kw: _np(lib.arange(a, b, s, **{k: getattr(lib, v) for k, v in kw.items()})))
            assert m.dtype == t.dtype and m.shape == t.shape
            np.testing.assert_array_equal(m, t, err_msg=f"arange({a}, {b}, {s}, {dtype})")
    finally:
        torch.set_num_threads(torch_threads)


def test_linspace_lr_sweep_as_in_makemore():
    (me, mp), (te, tp) = both(lambda lib: (_np(lib.linspace(-3, 0, 1000)), _np(10 ** lib.linspace(-3, 0, 1000))))
    np.testing.assert_array_equal(me, te)
    np.testing.assert_allclose(mp, tp, rtol=1.2e-7, atol=0)  # float32 pow itself may round one ulp apart


# -- torch.histogram (makemore part 3: hy, hx = torch.histogram(t, density=True))
def _hist_cases():
    x32 = np.random.default_rng(0).standard_normal((50, 40)).astype(np.float32)
    x64 = np.random.default_rng(1).standard_normal(3000)
    w64 = np.random.default_rng(2).random(3000)
    return [
        lambda t: t.histogram(t.tensor(x32), density=True),
        lambda t: t.histogram(t.tensor(x32), 7),
        lambda t: t.tensor(x32).histogram(13, range=(-1.0, 2.0)),
        lambda t: t.histogram(t.tensor(x64), 37, weight=t.tensor(w64)),
        lambda t: t.histogram(t.arange(5.), t.tensor([0., 1, 5])),
        lambda t: t.histogram(t.tensor([1., 2, 3]), 3, range=(0, 2), density=True),
        lambda t: t.histogram(t.tensor([]), 3),
        lambda t: t.histogram(t.ones(4), 3),
        lambda t: t.histogram(t.tensor([0.0, 1.0, 1.0, 0.5]), bins=2),
    ]


@pytest.mark.parametrize("case", range(9))
def test_histogram_values(case):
    fn = _hist_cases()[case]
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # PyTorch adds weights per thread chunk, then the chunks: one chunk here
    try:
        (mh, me), (th, te) = both(lambda lib: tuple(_np(v) for v in fn(lib)))
    finally:
        torch.set_num_threads(torch_threads)
    assert mh.dtype == th.dtype and me.dtype == te.dtype
    np.testing.assert_array_equal(me, te)
    np.testing.assert_array_equal(mh, th)


def test_histogram_return_type_and_no_derivative():
    res = []
    for lib in (miniconv, torch):
        x = lib.tensor([0.5, -1.0, 2.0, 0.25], requires_grad=True)
        r = lib.histogram(x, 3)
        assert r.hist is r[0] and r.bin_edges is r[1]
        assert r.hist.requires_grad and r.bin_edges.requires_grad
        with pytest.raises(RuntimeError) as e:
            r.hist.sum().backward()
        with pytest.raises(RuntimeError, match="Use tensor.detach"):
            r.hist.numpy()
        res.append((str(e.value), r.hist.detach().tolist()))
    assert res[0] == res[1]


BAD = [
    lambda t: t.histogram(t.arange(5), 3),
    lambda t: t.histogram(t.arange(5.), 0),
    lambda t: t.histogram(t.arange(5.), 3, range=(2., 1.)),
    lambda t: t.histogram(t.arange(5.), 3, range=(2., float('inf'))),
    lambda t: t.histogram(t.arange(5.), 3, weight=t.ones(5, dtype=t.float64)),
    lambda t: t.histogram(t.arange(5.), 3, weight=t.ones(4)),
    lambda t: t.histogram(t.arange(5.), t.tensor([0., 1, 5], dtype=t.float64)),
    lambda t: t.histogram(t.arange(5.), t.tensor([[0., 1, 5]])),
    lambda t: t.histogram(t.tensor([1., float('nan'), 2]), 3),
    lambda t: t.histogram(t.tensor([1., 2, 3]), bins=3, range=(0, 2, 3)),
]


@pytest.mark.parametrize("case", range(len(BAD)))
def test_histogram_errors(case):
    m, t = both(lambda lib: BAD[case](lib))
    assert isinstance(t, tuple) and m == t
