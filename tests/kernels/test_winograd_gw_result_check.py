"""Winograd grad_weight checks its result for inf / NaN instead of scanning x and grad_out first
(two passes over a layer's largest arrays): non-finite data anywhere a direct sum reads it must
still give PyTorch's inf / NaN pattern and its finite values, whichever array holds it and
whether winograd was forced or picked; finite data keeps the winograd bits and grad_b."""
import numpy as np
import pytest

from miniconv import _kernels as K
from miniconv._config import blas_single_thread

torch = pytest.importorskip("torch")


def _gw(x, go, algorithm, n_threads=2, grad_b=None):
    gw = np.full((go.shape[1], x.shape[1], 3, 3), np.nan, x.dtype)
    with blas_single_thread():
        K.conv2d_grad_weight(x, go, gw, 1, 1, 1, 1, 1, 1, 1, n_threads, algorithm, grad_b=grad_b)
    return gw


def _torch_gw(x, go):
    tx, tgo = torch.from_numpy(x).double(), torch.from_numpy(go).double()
    tw = torch.zeros(go.shape[1], x.shape[1], 3, 3, dtype=torch.float64)
    return torch.ops.aten.convolution_backward(tgo, tx, tw, None, (1, 1), (1, 1), (1, 1), False,
                                               (0, 0), 1, (False, True, False))[1].numpy()


def _data(seed, n=2, c=16, o=12, h=9):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, c, h, h)).astype(np.float32),
            rng.standard_normal((n, o, h, h)).astype(np.float32))


@pytest.mark.parametrize("algorithm", ["winograd", "auto"])
@pytest.mark.parametrize("where", ["x", "grad_out", "x corner", "grad_out edge", "both"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_data_gives_pytorchs_pattern(bad, where, algorithm):
    x, go = _data(7)
    if where == "x":
        x[1, 5, 4, 4] = bad
    elif where == "grad_out":
        go[0, 3, 2, 6] = bad
    elif where == "x corner":
        x[0, 0, 8, 8] = bad           # the last row and column (odd plane: a partial tile)
    elif where == "grad_out edge":
        go[1, 11, 8, 0] = bad
    else:
        x[0, 2, 0, 0] = bad
        go[1, 1, 3, 3] = -bad if bad == bad else bad
    ref = _torch_gw(x, go)
    ours = _gw(x, go, algorithm)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    np.testing.assert_array_equal(np.sign(ours[np.isinf(ref)]), np.sign(ref[np.isinf(ref)]))
    ok = np.isfinite(ref)
    assert ok.any() and not ok.all()
    np.testing.assert_allclose(ours[ok], ref[ok], rtol=1e-4, atol=1e-4)


def test_non_finite_data_bias_gradient_still_exact():
    x, go = _data(8)
    x[0, 1, 2, 3] = np.inf
    gb = np.full(go.shape[1], np.nan, np.float32)
    _gw(x, go, "winograd", grad_b=gb)
    ref = np.empty_like(gb)
    K.conv2d_grad_bias(go, ref, 2)
    assert np.array_equal(gb, ref)


def test_finite_data_keeps_winograd_result_for_any_thread_count():
    x, go = _data(9, n=4, c=32, o=32, h=12)
    assert K.conv2d_plan("grad_weight", x.shape, (32, 32, 3, 3), (12, 12), (1, 1), (1, 1),
                         algorithm="winograd")[0] == "winograd"
    one = _gw(x, go, "winograd", n_threads=1)
    two = _gw(x, go, "winograd", n_threads=2)
    assert np.isfinite(one).all() and np.array_equal(one, two)
    # winograd's bits, not the fallback's: differs from the direct sum in the last bits somewhere
    direct = _gw(x, go, "direct", n_threads=1)
    assert not np.array_equal(one, direct)
    np.testing.assert_allclose(one, _torch_gw(x, go), rtol=1e-4, atol=1e-4)
