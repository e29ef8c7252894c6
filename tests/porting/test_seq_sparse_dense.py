"""Sparse COO tensors as pytorch/examples' gcn builds them, stored dense in miniconv: ``sparse_coo_tensor``,
``to_sparse``/``to_dense``, ``torch.spmm``, ``torch.sparse.mm``; values, gradients and errors compared with torch
(whose results are read through ``to_dense()``)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

I = np.array([[0, 1, 1, 0], [2, 0, 2, 2]])
V = np.array([3.0, 4.0, 5.0, 1.5], dtype=np.float32)


def _dense(t):
    return (t.to_dense() if t.layout != torch.strided else t).detach().numpy() if isinstance(t, torch.Tensor) \
        else t.detach().numpy()


@pytest.mark.parametrize("kw", [{"size": (2, 3)}, {}, {"size": (3, 4), "dtype": "int64"}, {"size": (2, 3),
                                                                                            "dtype": "float64"}],
                         ids=["size", "inferred", "int64", "float64"])
def test_sparse_coo_tensor_values_match_torch(kw):
    res = []
    for lib in (torch, miniconv):
        k = dict(kw)
        if "dtype" in k:
            k["dtype"] = getattr(lib, k["dtype"])
        size = k.pop("size", None)
        args = (lib.tensor(I), lib.tensor(V)) + ((size,) if size else ())
        t = lib.sparse_coo_tensor(*args, **k)
        res.append((_dense(t), str(t.dtype).split(".")[-1], tuple(t.shape)))
    np.testing.assert_array_equal(res[1][0], res[0][0])  # duplicates (0, 2) summed as coalesce does
    assert res[1][1:] == res[0][1:]


def test_numpy_int32_indices_and_dense_values_dim():
    res = []
    for lib in (torch, miniconv):
        edges = np.array([[0, 1], [1, 2], [2, 0]], dtype=np.int32)
        adj = lib.sparse_coo_tensor(edges.T, lib.ones(3), (3, 3), dtype=lib.int64)
        adj = lib.eye(3) + adj
        vec = lib.sparse_coo_tensor(lib.tensor([[0, 2]]), lib.tensor([[1.0, 2.0], [3.0, 4.0]]), (3, 2))
        res.append((_dense(adj), str(adj.dtype).split(".")[-1], _dense(vec)))
    for a, b in zip(res[0], res[1]):
        assert (a == b) if isinstance(a, str) else np.array_equal(a, b)


@pytest.mark.parametrize("case", ["nnz_mismatch", "indices_1d", "out_of_range", "negative"])
def test_errors_match_torch(case):
    args = {"nnz_mismatch": (I, V[:2], (2, 3)), "indices_1d": (I[0], V, (2, 3)),
            "out_of_range": (I, V, (1, 3)), "negative": (-I, V, (2, 3))}[case]
    msgs = []
    for lib in (torch, miniconv):
        with pytest.raises(RuntimeError) as e:
            t = lib.sparse_coo_tensor(lib.tensor(args[0]), lib.tensor(args[1]), args[2], check_invariants=True)
            t.to_dense()  # PyTorch checks some invariants only when asked to
        msgs.append(str(e.value))
    assert msgs[1] in msgs[0] or msgs[0] in msgs[1], msgs


def test_gcn_normalisation_and_spmm_forward_backward():
    """load_cora's renormalisation and GraphConv's torch.mm + torch.spmm, with gradients."""
    rng = np.random.default_rng(0)
    feats = (rng.random((5, 4)) < 0.5).astype(np.float32)
    edges = np.array([[0, 1], [1, 2], [3, 4], [4, 0]], dtype=np.int32)
    w0 = rng.standard_normal((4, 3)).astype(np.float32)
    out = []
    for lib in (torch, miniconv):
        features = lib.FloatTensor(feats)
        scale = 1 / lib.sum(features, dim=1)
        scale[scale == float('inf')] = 0
        features = lib.diag(scale).to_sparse() @ features
        adj = lib.eye(5) + lib.sparse_coo_tensor(edges.T, lib.ones(4), (5, 5), dtype=lib.int64)
        deg = lib.sqrt(1 / lib.sum(adj, dim=1))
        deg = lib.diag(deg).to_sparse()
        adj = (deg @ adj @ deg).to_sparse()
        w = lib.nn.Parameter(lib.from_numpy(w0.copy()))
        support = lib.mm(features.to_sparse(), w)
        y = lib.spmm(adj, support)
        z = lib.sparse.mm(adj, support)
        (y * lib.arange(15.).reshape(5, 3)).sum().backward()
        out.append((_dense(y), _dense(z), w.grad.numpy().copy()))
    for a, b in zip(out[0], out[1]):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


def test_to_sparse_is_differentiable_and_to_dense_is_identity():
    for lib in (torch, miniconv):
        x = lib.tensor([[1.0, 0.0], [0.0, 2.0]], requires_grad=True)
        s = x.to_sparse()
        assert s.requires_grad and s.grad_fn is not None
        d = lib.ones(2, 2)
        assert d.to_dense() is d
    m = miniconv.tensor([[1.0, 0.0]]).to_sparse()
    assert not m.is_sparse and m.layout == miniconv.strided  # documented: stored dense
