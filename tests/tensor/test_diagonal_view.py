"""``diagonal`` is a view, as PyTorch's: writes through it reach the base, the version counter is
shared, and autograd through in-place writes on the view or the base matches PyTorch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy())


@pytest.mark.parametrize("offset,dim1,dim2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (0, 1, 2), (2, 2, 0), (0, -1, -2)])
def test_writes_through_diagonal_reach_the_base(offset, dim1, dim2):
    def run(lib):
        x = lib.arange(60.0).reshape(3, 4, 5)
        d = x.diagonal(offset, dim1, dim2)
        d.mul_(-1)
        lib.diagonal(x, offset, dim1, dim2).add_(0.5)
        return x, d, d._version, x._version, d.is_contiguous(), d.shape
    a, b = run(miniconv), run(torch)
    np.testing.assert_array_equal(_np(a[0]), _np(b[0]))
    np.testing.assert_array_equal(_np(a[1]), _np(b[1]))
    assert a[2:4] == b[2:4] and a[4] == b[4] and tuple(a[5]) == tuple(b[5])


def test_fill_diagonal_through_view_and_autograd():
    def run(lib):
        w = lib.tensor(np.arange(16.0).reshape(4, 4) / 7, requires_grad=True)
        y = w * 2
        y.diagonal().fill_(0)            # in-place on a view of a non-leaf
        y.diagonal(1).mul_(3)
        loss = (y ** 2).sum()
        loss.backward()
        return _np(y), _np(w.grad)
    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_diagonal_of_a_leaf_requiring_grad_refuses_in_place_like_torch():
    for lib in (miniconv, torch):
        w = lib.ones(3, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.diagonal().zero_()


def test_linalg_diagonal_is_a_view_too():
    for lib in (miniconv, torch):
        x = lib.zeros(2, 3, 3)
        lib.linalg.diagonal(x).fill_(1)
        np.testing.assert_array_equal(_np(x), np.broadcast_to(np.eye(3), (2, 3, 3)))
