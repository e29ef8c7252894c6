"""Double backward (create_graph=True, then a second gradient: gradient penalties, MAML, Hessian-vector products)
through batch norm (training and eval, affine or not), embedding, adaptive average/max pooling, scatter /
scatter_add / index_add / index_copy / scatter_reduce, gather and index_select, diagonal / trace / diag_embed,
einsum, inverse / det / slogdet, cosine_similarity, kl_div, binary_cross_entropy, prod and cumprod (with and
without zeros), conv1d, group_norm and interpolate (their own nodes), compared with PyTorch's second derivatives,
and gradcheck / gradgradcheck in float64 run on both libraries."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4, 5, 5))
W, B = RNG.standard_normal(4), RNG.standard_normal(4)
RM, RV = RNG.standard_normal(4), RNG.random(4) + 0.5
TABLE = RNG.standard_normal((10, 3))
IDS = np.array([[1, 2, 2], [0, 9, 1]])
BASE, SRC = RNG.standard_normal((5, 4)), RNG.standard_normal((3, 4))
SIDX = np.array([[0, 1, 2, 3], [4, 0, 1, 2], [2, 2, 2, 2]])
ZEROS = np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])  # masks some elements to 0

# name: (function of (library, F, *tensors), arrays, which arrays require grad)
CASES = {
    "batch_norm train affine": (lambda L, F, x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                                (X, W, B), (1, 1, 1)),
    "batch_norm train": (lambda L, F, x: F.batch_norm(x, None, None, training=True), (X,), (1,)),
    "batch_norm train running stats": (
        lambda L, F, x, w, rm, rv: F.batch_norm(x, rm.clone(), rv.clone(), w, None, training=True),
        (X, W, RM, RV), (1, 1, 0, 0)),
    "batch_norm eval affine": (lambda L, F, x, w, b, rm, rv: F.batch_norm(x, rm, rv, w, b), (X, W, B, RM, RV),
                               (1, 1, 1, 0, 0)),
    "batch_norm eval": (lambda L, F, x, rm, rv: F.batch_norm(x, rm, rv), (X, RM, RV), (1, 0, 0)),
    "batch_norm 1d weight only": (lambda L, F, x, w: F.batch_norm(x, None, None, w, training=True),
                                  (X[:, :, 0], W), (0, 1)),
    "embedding": (lambda L, F, t, i: F.embedding(i, t), (TABLE, IDS), (1, 0)),
    "embedding padding_idx": (lambda L, F, t, i: F.embedding(i, t, padding_idx=2), (TABLE, IDS), (1, 0)),
    "embedding scale_grad_by_freq": (lambda L, F, t, i: F.embedding(i, t, scale_grad_by_freq=True),
                                     (TABLE, IDS), (1, 0)),
    "adaptive_avg_pool2d": (lambda L, F, x: F.adaptive_avg_pool2d(x, (2, 3)), (X,), (1,)),
    "adaptive_avg_pool1d": (lambda L, F, x: F.adaptive_avg_pool1d(x[:, :, 0], 3), (X,), (1,)),
    "adaptive_max_pool2d": (lambda L, F, x: F.adaptive_max_pool2d(x, (2, 3)), (X,), (1,)),
    "avg_pool2d": (lambda L, F, x: F.avg_pool2d(x, 2, 1, 1), (X,), (1,)),
    "max_pool2d": (lambda L, F, x: F.max_pool2d(x, 2, 2), (X,), (1,)),
    "scatter": (lambda L, F, b, s, i: b.scatter(0, i, s), (BASE, SRC, SIDX), (1, 1, 0)),
    "scatter_add": (lambda L, F, b, s, i: b.scatter_add(0, i, s), (BASE, SRC, SIDX), (1, 1, 0)),
    "index_add": (lambda L, F, b, s, i: b.index_add(0, i, s, alpha=2), (BASE, SRC, np.array([0, 2, 2])), (1, 1, 0)),
    "index_copy": (lambda L, F, b, s, i: b.index_copy(0, i, s), (BASE, SRC, np.array([0, 2, 3])), (1, 1, 0)),
    "scatter_reduce sum": (lambda L, F, b, s, i: b.scatter_reduce(0, i, s, "sum"), (BASE, SRC, SIDX), (1, 1, 0)),
    "scatter_reduce mean": (lambda L, F, b, s, i: b.scatter_reduce(0, i, s, "mean", include_self=False),
                            (BASE, SRC, SIDX), (1, 1, 0)),
    "scatter_reduce amax": (lambda L, F, b, s, i: b.scatter_reduce(0, i, s, "amax"), (BASE, SRC, SIDX), (1, 1, 0)),
    "gather": (lambda L, F, b, i: b.gather(0, i), (BASE, SIDX), (1, 0)),
    "index_select": (lambda L, F, b, i: b.index_select(1, i), (BASE, np.array([0, 2, 2])), (1, 0)),
    # conv1d: its own node now (Conv2d's kernels on height-1 views), double backward by recomputation
    "conv1d": (lambda L, F, x, w, b: F.conv1d(x, w, b, padding=1), (X[:, :, 0], X[:3, :, 0, :3], B[:3]), (1, 1, 1)),
    "conv1d stride groups": (lambda L, F, x, w: F.conv1d(x, w, stride=2, groups=2, dilation=2),
                             (X[:, :, 0], X[0, :4, :2, :2]), (1, 1)),
    "conv1d frozen weight": (lambda L, F, x, w: F.conv1d(x, w, padding="same"), (X[:, :, 0], X[:3, :, 0, :3]), (1, 0)),
    "conv1d frozen input": (lambda L, F, x, w: F.conv1d(x, w), (X[:, :, 0], X[:3, :, 0, :3]), (0, 1)),
    "conv1d unbatched": (lambda L, F, x, w: F.conv1d(x, w), (X[0, :, 0], X[:3, :, 0, :3]), (1, 1)),
    "group_norm": (lambda L, F, x, w, b: F.group_norm(x, 2, w, b), (X, W, B), (1, 1, 1)),
    "group_norm no affine": (lambda L, F, x: F.group_norm(x[:, :, 0], 4), (X,), (1,)),
    "interpolate nearest": (lambda L, F, x: F.interpolate(x, scale_factor=2), (X,), (1,)),
    "interpolate bilinear": (lambda L, F, x: F.interpolate(x, size=(7, 3), mode="bilinear"), (X,), (1,)),
    # other ops whose backward had no differentiable form
    "diagonal": (lambda L, F, x: x.diagonal(1, 0, 2), (X[0],), (1,)),
    "trace": (lambda L, F, x: x[:4].trace(), (BASE,), (1,)),
    "diag_embed": (lambda L, F, x: L.diag_embed(x, -1), (SRC,), (1,)),
    "einsum bmm": (lambda L, F, a, b: L.einsum("bij,bjk->bik", a, b), (X[0], X[1]), (1, 1)),
    "einsum summed inside one operand": (lambda L, F, a, b: L.einsum("ij,jk->k", a, b), (SRC, BASE.T), (1, 1)),
    "inverse": (lambda L, F, a: L.linalg.inv(a), (X[0, :2, :3, :3] + 3 * np.eye(3),), (1,)),
    "det": (lambda L, F, a: L.linalg.det(a), (X[0, :2, :3, :3],), (1,)),
    "slogdet": (lambda L, F, a: L.linalg.slogdet(a)[1], (X[0, :2, :3, :3],), (1,)),
    "cosine_similarity": (lambda L, F, a, b: F.cosine_similarity(a, b), (SRC, SRC[::-1] + 0.5), (1, 1)),
    "cosine_similarity one element": (lambda L, F, a, b: F.cosine_similarity(a, b, dim=1),
                                      (SRC[:, :1], BASE[:3, :1]), (1, 1)),
    "kl_div": (lambda L, F, a, t: F.kl_div(a.log_softmax(1), t, reduction="batchmean"),
               (SRC, np.abs(BASE[:3]) + 0.1), (1, 1)),
    "binary_cross_entropy": (lambda L, F, a, t: F.binary_cross_entropy(a.sigmoid(), t, weight=L.tensor(W)),
                             (SRC, np.abs(np.tanh(BASE[:3]))), (1, 1)),
    "prod": (lambda L, F, a: (a * 0.5).prod(1), (SRC,), (1,)),
    "prod all": (lambda L, F, a: (a * 0.5).prod(), (SRC,), (1,)),
    "prod with zeros": (lambda L, F, a: (a * L.tensor(ZEROS)).prod(0, keepdim=True), (SRC,), (1,)),
    "prod all with a zero": (lambda L, F, a: (a * L.tensor(ZEROS)).prod(), (SRC,), (1,)),
    "cumprod": (lambda L, F, a: a.cumprod(1), (SRC,), (1,)),
    "cumprod with zeros": (lambda L, F, a: (a * L.tensor(ZEROS)).cumprod(0), (SRC,), (1,)),
    "atan2": (lambda L, F, a, b: L.atan2(a, b * b + 1), (SRC, BASE[:3]), (1, 1)),
    "asinh acosh atanh erfc erfinv": (lambda L, F, a: a.asinh() + (a.abs() + 1.5).acosh() + (a * 0.3).atanh()
                                      + a.erfc() + a.tanh().erfinv(), (SRC,), (1,)),
    "vector_norm ord 1": (lambda L, F, a: L.linalg.vector_norm(a, 1, dim=1), (SRC,), (1,)),
    "vector_norm ord inf": (lambda L, F, a: L.linalg.vector_norm(a, float("inf"), dim=0), (SRC,), (1,)),
    "vector_norm ord -inf": (lambda L, F, a: L.linalg.vector_norm(a, -float("inf")), (SRC,), (1,)),
    "norm p=3": (lambda L, F, a: a.norm(p=3, dim=1), (SRC,), (1,)),
}


def _tensors(L, arrays, req, dtype):
    return [L.tensor(a.astype(dtype), requires_grad=bool(r)) if a.dtype.kind == "f" else L.tensor(a)
            for a, r in zip(arrays, req)]


def second_grads(L, name, dtype):
    fn, arrays, req = CASES[name]
    F = L.nn.functional
    ts = _tensors(L, arrays, req, dtype)
    ins = [t for t, r in zip(ts, req) if r]
    out = fn(L, F, *ts)
    first = L.autograd.grad((out * out * out).sum(), ins, create_graph=True)
    penalty = sum((g * g * g.detach().cos()).sum() for g in first)
    second = L.autograd.grad(penalty, ins, allow_unused=True)
    return [g.detach().numpy() for g in first], [None if g is None else g.numpy() for g in second]


@pytest.mark.parametrize("name", sorted(CASES))
def test_second_derivative_matches_torch(name):
    t_first, t_second = second_grads(torch, name, np.float64)
    m_first, m_second = second_grads(miniconv, name, np.float64)
    for a, b in zip(t_first, m_first):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-10)
    assert [a is None for a in t_second] == [b is None for b in m_second]
    for a, b in zip(t_second, m_second):
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name", ["batch_norm train affine", "batch_norm eval affine", "embedding padding_idx",
                                  "adaptive_avg_pool2d", "scatter"])
def test_float32_second_derivative_close_to_torch(name):
    t_first, t_second = second_grads(torch, name, np.float32)
    m_first, m_second = second_grads(miniconv, name, np.float32)
    for a, b in zip(t_first + t_second, m_first + m_second):
        if a is not None:
            assert b.dtype == np.float32
            np.testing.assert_allclose(b, a, rtol=2e-4, atol=2e-4 * np.abs(a).max())  # float32 sums: scale


SMALL = RNG.standard_normal((2, 3, 2, 3))
UNIQUE = np.array([[0, 1, 2, 3], [4, 0, 1, 2], [2, 3, 4, 0]])  # no position written twice: a true gradient
GRADCHECK = {
    "batch_norm train": (lambda L, x, w, b: L.nn.functional.batch_norm(x, None, None, w, b, training=True),
                         (SMALL[:, :2], W[:2], B[:2])),
    "batch_norm eval": (lambda L, x, w, b: L.nn.functional.batch_norm(
        x, L.tensor(RM[:2]), L.tensor(RV[:2]), w, b), (SMALL[:, :2, :, :2], W[:2], B[:2])),
    "embedding": (lambda L, t: L.nn.functional.embedding(L.tensor(IDS), t), (TABLE[:, :2],)),
    "adaptive_avg_pool2d": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, (2, 2)), (SMALL[:1],)),
    "adaptive_max_pool2d": (lambda L, x: L.nn.functional.adaptive_max_pool2d(x, (1, 2)), (SMALL[:1],)),
    "scatter": (lambda L, b, s: b.scatter(0, L.tensor(UNIQUE), s), (BASE, SRC)),
    "scatter_add": (lambda L, b, s: b.scatter_add(0, L.tensor(SIDX), s), (BASE, SRC)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
@pytest.mark.parametrize("L", [torch, miniconv], ids=["torch", "miniconv"])
def test_gradcheck_and_gradgradcheck(name, L):
    fn, arrays = GRADCHECK[name]
    ts = tuple(L.tensor(a, requires_grad=True) for a in arrays)
    assert L.autograd.gradcheck(lambda *t: fn(L, *t), ts)
    assert L.autograd.gradgradcheck(lambda *t: fn(L, *t), ts)


def test_hessian_of_batch_norm_net_matches_torch():
    """torch.autograd.functional.hessian of a loss through a BatchNorm2d in training mode."""
    def hess(L):
        bn = L.nn.BatchNorm2d(2).double()
        x = L.tensor(SMALL[:, :2, :2, :2])
        return L.autograd.functional.hessian(lambda w: (bn(x * w.reshape(1, 2, 1, 1)) ** 3).sum(),
                                             L.tensor(np.array([0.7, -1.3]))).numpy()

    np.testing.assert_allclose(hess(miniconv), hess(torch), rtol=1e-8, atol=1e-9)


# -- recurrent layers: the layer's node recomputed with Tensor ops for create_graph=True ------------------
def _rnn_second_grads(L, make, run):
    L.manual_seed(0)
    m = make(L).double()
    rng = np.random.default_rng(3)
    with L.no_grad():
        for p in m.parameters():
            p.copy_(L.tensor(rng.standard_normal(tuple(p.shape)) * 0.4))
    x = L.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    ins = [x] + list(m.parameters())
    out = run(L, m, x)
    first = L.autograd.grad((out * out).sum(), ins, create_graph=True)
    second = L.autograd.grad(sum((g * g).sum() for g in first), ins, allow_unused=True)
    return [g.detach().numpy() for g in first], [None if g is None else g.numpy() for g in second]


def _packed(L, m, x):
    packed = L.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 1], batch_first=True)
    out, _ = m(packed)
    return L.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)[0]


RNNS = {
    "LSTMCell": (lambda L: L.nn.LSTMCell(5, 3), lambda L, m, x: sum(m(x[:, 0], (x[:, 1, :3], x[:, 2, 2:]))[k] * (k + 1)
                                                                    for k in range(2))),
    "GRUCell": (lambda L: L.nn.GRUCell(5, 3), lambda L, m, x: m(x[:, 0], x[:, 1, :3])),
    "RNNCell relu": (lambda L: L.nn.RNNCell(5, 3, nonlinearity="relu"), lambda L, m, x: m(x[:, 0])),
    "LSTM 2 layers bidirectional": (lambda L: L.nn.LSTM(5, 3, num_layers=2, bidirectional=True, batch_first=True),
                                    lambda L, m, x: m(x)[0]),
    "LSTM proj_size, h_n": (lambda L: L.nn.LSTM(5, 3, proj_size=2, batch_first=True), lambda L, m, x: m(x)[1][0]),
    "GRU packed bidirectional": (lambda L: L.nn.GRU(5, 3, bidirectional=True, batch_first=True), _packed),
    "RNN no bias": (lambda L: L.nn.RNN(5, 3, bias=False, batch_first=True), lambda L, m, x: m(x)[0]),
}


@pytest.mark.parametrize("name", sorted(RNNS))
def test_recurrent_second_derivative_matches_torch(name):
    t_first, t_second = _rnn_second_grads(torch, *RNNS[name])
    m_first, m_second = _rnn_second_grads(miniconv, *RNNS[name])
    for a, b in zip(t_first, m_first):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-10)
    assert [a is None for a in t_second] == [b is None for b in m_second]
    for a, b in zip(t_second, m_second):
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-9)
