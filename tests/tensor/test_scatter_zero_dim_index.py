"""scatter / scatter_ / scatter_add / scatter_reduce / gather count a 0-d index (and a 0-d self) as 1-d, as
PyTorch's ensure_nonempty_dim does: the "Transforms" tutorial's one-hot target transform is
``torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)``. A 0-d index into a 2-d tensor
stays PyTorch's error."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

CASES = [
    ("scatter_ value", lambda L: L.zeros(10, dtype=L.float).scatter_(0, L.tensor(7), value=1)),
    ("scatter_ scalar", lambda L: L.zeros(5).scatter_(0, L.tensor(3), 1.0)),
    ("scatter 0-d src", lambda L: L.zeros(5).scatter(0, L.tensor(3), L.tensor(2.0))),
    ("scatter 1-d src", lambda L: L.zeros(5).scatter(0, L.tensor(3), L.tensor([7.0, 8.0]))),
    ("scatter_add", lambda L: L.zeros(5).scatter_add(0, L.tensor(3), L.tensor(2.0))),
    ("scatter reduce add", lambda L: L.zeros(5).scatter_(0, L.tensor(3), 1.0, reduce="add")),
    ("scatter_reduce", lambda L: L.ones(5).scatter_reduce(0, L.tensor(3), L.tensor(2.0), "prod")),
    ("gather", lambda L: L.arange(5.0).gather(0, L.tensor(3))),
    ("0-d self, 0-d index", lambda L: L.zeros(()).scatter(0, L.tensor(0), 1.0)),
    ("0-d self, 1-d index", lambda L: L.zeros(()).scatter(-1, L.tensor([0]), 1.0)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_zero_dim_index_as_pytorch(name, fn):
    a, b = fn(miniconv), fn(torch)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_one_hot_transform_gradient():
    res = []
    for lib in (miniconv, torch):
        src = lib.tensor(2.0, requires_grad=True)
        out = lib.zeros(4).scatter(0, lib.tensor(1), src)
        (out * lib.arange(4.0)).sum().backward()
        res.append(src.grad.item())
    assert res[0] == res[1] == 1.0


def test_zero_dim_index_into_a_matrix_is_an_error():
    msgs = []
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError) as e:
            lib.zeros(2, 3).scatter(0, lib.tensor(1), 1.0)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
