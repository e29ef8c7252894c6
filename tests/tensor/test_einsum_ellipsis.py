"""einsum with '...' (ellipsis) against PyTorch: values and gradients, broadcasting of the ellipsis
dims, the implicit output order, and the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402

CASES = [
    ("...ij,...jk->...ik", (2, 3, 4), (2, 4, 5)),
    ("...ij,...jk", (2, 3, 4), (4, 5)),
    ("b...d,b...d->b...", (2, 3, 5, 4), (2, 3, 5, 4)),
    ("...id,...jd->...ij", (2, 2, 3, 4), (2, 2, 5, 4)),
    ("i...->...", (3, 2, 4)),
    ("...", (3, 2)),
    ("...ii->...i", (2, 3, 3)),
    ("...,...->...", (3, 1), (1, 4)),
    ("...i,...i->", (2, 3), (3,)),
    ("ij...,jk...->ik...", (2, 3, 4), (3, 5, 4)),
    ("...j,j", (4, 2, 3), (3,)),
    ("bn...,bm...->bnm", (2, 3, 4, 2), (2, 5, 4, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_ellipsis_matches_torch(case):
    eq, *shapes = case
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    tm = [miniconv.tensor(a, requires_grad=True) for a in arrs]
    tt = [torch.tensor(a, requires_grad=True) for a in arrs]
    rm, rt = miniconv.einsum(eq, *tm), torch.einsum(eq, *tt)
    assert tuple(rm.shape) == tuple(rt.shape)
    np.testing.assert_allclose(rm.detach().numpy(), rt.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(rt.shape)).astype(np.float32)
    rm.backward(miniconv.tensor(g))
    rt.backward(torch.tensor(g))
    for a, b in zip(tm, tt):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("eq,shapes", [("i..j->ij", [(2, 3)]), ("......->", [(2,)]), ("...ijk->", [(2, 3)])])
def test_ellipsis_errors(eq, shapes):
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError):
            lib.einsum(eq, *[lib.zeros(s) for s in shapes])
