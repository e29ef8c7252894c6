"""Gaps found by the sixth porting sweep (rasbt's LLMs-from-scratch, the Annotated Transformer, phlippe's UvA
DL notebooks, PyTorch recipes) with only the imports changed: each test runs the same user code on both
libraries."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import arr as _np, both_messages as both  # noqa: E402  (after the torch check)


# -- Subset.indices is the object it was given (uvadlc tutorial 3 reads random_split(...)[0].indices)
def _subset_case(lib):
    lib.manual_seed(3)
    ds = lib.utils.data.TensorDataset(lib.arange(10.0))
    a, b = lib.utils.data.random_split(ds, [6, 4])
    given = [7, 2, 5]
    s = lib.utils.data.Subset(ds, given)
    first = float(s[0][0])
    s.indices = [1, 0]  # replaced: the samples follow the new indices
    return (type(a.indices).__name__, a.indices, b.indices, s.indices is not given, first, float(s[0][0]), len(s),
            _np(next(iter(lib.utils.data.DataLoader(a, batch_size=6)))[0]))


def test_subset_keeps_the_given_indices():
    m, t = both(_subset_case)
    assert m[:-1] == t[:-1]
    np.testing.assert_array_equal(m[-1], t[-1])
    assert t[0] == "list"


def test_subset_checks_its_indices_on_access():
    def case(lib):
        s = lib.utils.data.Subset(lib.utils.data.TensorDataset(lib.arange(3)), [1, 5])
        return len(s), int(s[0][0])

    def bad(lib):
        s = lib.utils.data.Subset(lib.utils.data.TensorDataset(lib.arange(3)), [1, 5])
        return list(lib.utils.data.DataLoader(s, batch_size=2))

    m, t = both(case)
    assert m == t == (2, 1)
    m, t = both(bad)
    assert m == t and t[0] == "IndexError"
    m, t = both(lambda lib: lib.utils.data.TensorDataset(lib.arange(3))[7])
    assert m == t and t[0] == "IndexError"


# -- CausalAttention given more tokens than its mask (ch03): the size error names the last mismatching dim
@pytest.mark.parametrize("shapes", [((2, 7, 7), (6, 6)), ((3, 4, 5), (2, 5, 5)), ((3, 7), (2, 7))])
def test_broadcast_errors_report_the_last_mismatching_dim(shapes):
    a, b = shapes
    for op in (lambda lib: lib.zeros(a) + lib.zeros(b),
               lambda lib: lib.zeros(a).masked_fill_(lib.ones(b).bool(), -lib.inf),
               lambda lib: lib.zeros(a).copy_(lib.zeros(b)),
               lambda lib: lib.zeros(a).add_(lib.zeros(b))):
        m, t = both(op)
        assert m == t and t[0] == "RuntimeError", (m, t)


# -- nn.Embedding takes Long and Int indices only, with PyTorch's type names in the message
@pytest.mark.parametrize("dtype", ["float32", "float64", "bool", "uint8", "int16", "int32", "int64"])
def test_embedding_index_dtypes(dtype):
    def case(lib):
        out = lib.nn.functional.embedding(lib.tensor([1, 0]).to(getattr(lib, dtype)), lib.arange(6.0).view(3, 2))
        return _np(out).tolist()
    m, t = both(case)
    assert m == t


# -- cross_entropy with a class index past the last class (ch06/ch07 targets)
def test_cross_entropy_target_out_of_bounds_message():
    m, t = both(lambda lib: lib.nn.functional.cross_entropy(lib.zeros(2, 3), lib.tensor([3, 0])))
    assert m == t == ("IndexError", "Target 3 is out of bounds.")


# -- einsum with a subscript of two sizes (GATLayer's 'bhc,hc->bh')
@pytest.mark.parametrize("eq,shapes", [("bhc,hc->bh", [(2, 3, 4), (3, 5)]), ("i,i->", [(3,), (4,)]),
                                       ("bi,bi->b", [(2, 3), (1, 4)])])
def test_einsum_subscript_size_mismatch_message(eq, shapes):
    m, t = both(lambda lib: lib.einsum(eq, *[lib.zeros(s) for s in shapes]))
    assert m == t and t[0] == "RuntimeError"


# -- t[mask] = values of the wrong length (GATLayer's attention matrix fill): index_put_'s wording
@pytest.mark.parametrize("index", ["mask", "tensor", "list", "rows", "cols", "slice"])
@pytest.mark.parametrize("value_shape", [(5,), (3, 3), (1, 3)])
def test_setitem_value_shape_mismatch(index, value_shape):
    def case(lib):
        t = lib.zeros(4, 3)
        idx = {"mask": lib.tensor([True, False, True, False]), "tensor": lib.tensor([0, 1]), "list": [0, 1],
               "rows": (lib.tensor([0, 1]), slice(None)), "cols": (slice(None), lib.tensor([0, 1])),
               "slice": slice(0, 2)}[index]
        t[idx] = lib.arange(float(np.prod(value_shape))).view(value_shape)
        return _np(t).tolist()
    m, t = both(case)
    assert m == t


def test_setitem_bool_mask_fill_keeps_the_gradient():
    def case(lib):
        logits = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        adj = lib.tensor([[1, 0], [1, 1]])
        attn = logits.new_zeros(adj.shape).fill_(-9e15)
        attn[adj == 1] = logits * 2
        p = lib.softmax(attn, dim=1)
        (p * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return _np(p).tolist(), _np(logits.grad).tolist()
    m, t = both(case)
    np.testing.assert_allclose(np.array(m[0]), np.array(t[0]), rtol=1e-6)
    np.testing.assert_allclose(np.array(m[1]), np.array(t[1]), rtol=1e-6)


# -- TensorDataset over a tensor that requires grad: samples and batches stay in the graph
def test_tensor_dataset_keeps_autograd_history():
    def case(lib):
        x = lib.arange(6.0).view(3, 2).requires_grad_()
        ds = lib.utils.data.TensorDataset(x, lib.arange(3))
        a = ds[0][0]
        b, y = next(iter(lib.utils.data.DataLoader(ds, batch_size=2)))
        (a.sum() + (b * b).sum()).backward()
        return a.grad_fn.name(), b.grad_fn.name(), y.tolist(), _np(x.grad).tolist()
    m, t = both(case)
    assert m == t
