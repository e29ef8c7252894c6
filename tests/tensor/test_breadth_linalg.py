"""Matrix products with an added term, diagonals, triangles, kron/tensordot/cross, rearrangements
(roll, unfold, rot90, diff, splits), the index_* / take / scatter_reduce family and the functions with no
method (broadcast_tensors, block_diag, cartesian_prod, cdist, searchsorted...), compared with PyTorch."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1)


def _r(*shape):
    return RNG.standard_normal(shape).round(3)


def _grads(fn, *arrays):
    """fn(L, *tensors) and the gradients of sum(out * weights) for each input (float64)."""
    def run(L):
        ts = [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]
        out = fn(L, *ts)
        out = out[0] if isinstance(out, tuple) else out
        w = L.tensor(np.linspace(0.5, 2.0, max(out.numel(), 1))[:out.numel()].reshape(tuple(out.shape)),
                     dtype=L.float64)
        (out * w).sum().backward()
        return (out.detach(),) + tuple(t.grad for t in ts)
    return run


M34, M45, V4, V3, B = _r(3, 4), _r(4, 5), _r(4), _r(3), _r(2, 3, 4)
GRAD_CASES = {
    "addmm": (lambda L, s, a, b: L.addmm(s, a, b, beta=0.5, alpha=2), _r(3, 5), M34, M45),
    "addmm_bcast": (lambda L, s, a, b: s.addmm(a, b), _r(5), M34, M45),
    "addmv": (lambda L, s, a, v: L.addmv(s, a, v, alpha=3), V3, M34, V4),
    "addbmm": (lambda L, s, a, b: L.addbmm(s, a, b), _r(3, 5), B, _r(2, 4, 5)),
    "baddbmm": (lambda L, s, a, b: s.baddbmm(a, b, beta=2), _r(2, 3, 5), B, _r(2, 4, 5)),
    "addcmul": (lambda L, s, a, b: L.addcmul(s, a, b, value=0.5), M34, M34 + 1, V4),
    "addcdiv": (lambda L, s, a, b: L.addcdiv(s, a, b, value=2), M34, M34, V4 + 3),
    "mv": (lambda L, a, v: L.mv(a, v), M34, V4), "vdot": (lambda L, a, b: L.vdot(a, b), V4, V4 * 2),
    "inner": (lambda L, a, b: L.inner(a, b), B, M34), "kron": (lambda L, a, b: L.kron(a, b), _r(2, 3), _r(3, 2)),
    "kron_nd": (lambda L, a, b: a.kron(b), _r(2), _r(2, 2, 3)),
    "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=([1, 2], [0, 1])), B, _r(3, 4, 2)),
    "tensordot_int": (lambda L, a, b: L.tensordot(a, b, 1), B, M45),
    "cross": (lambda L, a, b: L.cross(a, b, dim=1), _r(4, 3), _r(4, 3)),
    "diagonal": (lambda L, a: L.diagonal(a, 1), M34), "diagonal_nd": (lambda L, a: a.diagonal(-1, 2, 0), B),
    "diag_embed": (lambda L, a: L.diag_embed(a, 1), M34), "diag_embed_dims": (lambda L, a: a.diag_embed(-1, 0, 2), M34),
    "diag_vec": (lambda L, a: L.diag(a, -2), V4), "diag_mat": (lambda L, a: a.diag(1), M34),
    "trace": (lambda L, a: L.trace(a), M34), "tril": (lambda L, a: L.tril(a, -1), B), "triu": (lambda L, a: a.triu(2), M34),
    "roll": (lambda L, a: L.roll(a, 2, 1), M34), "roll_multi": (lambda L, a: a.roll((1, -5), (0, 2)), B),
    "roll_flat": (lambda L, a: a.roll(5), M34), "repeat_interleave": (lambda L, a: a.repeat_interleave(2, 0), M34),
    "repeat_interleave_t": (lambda L, a: L.repeat_interleave(a, L.tensor([1, 0, 3, 2]), 1), M34),
    "repeat_interleave_flat": (lambda L, a: a.repeat_interleave(3), M34),
    "broadcast_to": (lambda L, a: L.broadcast_to(a, (2, 3, 4)), V4), "unfold": (lambda L, a: a.unfold(1, 2, 1), M34),
    "unfold_step": (lambda L, a: a.unfold(0, 2, 3), _r(7, 2)), "rot90": (lambda L, a: L.rot90(a, 1, (1, 2)), B),
    "rot90_neg": (lambda L, a: a.rot90(-1), M34), "rot90_2": (lambda L, a: a.rot90(2), M34),
    "fliplr": (lambda L, a: L.fliplr(a), M34), "flipud": (lambda L, a: a.flipud(), B), "ravel": (lambda L, a: a.ravel(), B),
    "diff": (lambda L, a: L.diff(a, 2, 0), _r(5, 3)),
    "diff_pp": (lambda L, a, p: a.diff(dim=1, prepend=p, append=p), M34, _r(3, 1)),
    "renorm": (lambda L, a: L.renorm(a, 2, 0, 1.0), M34 * 3), "renorm_p1": (lambda L, a: a.renorm(1, 1, 2.0), M34 * 3),
    "dist": (lambda L, a, b: L.dist(a, b), M34, M34 * 0.5),
    "index_add": (lambda L, a, s: L.index_add(a, 1, L.tensor([0, 2, 0]), s, alpha=2), M34, _r(3, 3)),
    "index_copy": (lambda L, a, s: a.index_copy(0, L.tensor([2, 0]), s), M34, _r(2, 4)),
    "index_fill": (lambda L, a: L.index_fill(a, 1, L.tensor([1, 3]), -1.5), M34),
    "take": (lambda L, a: L.take(a, L.tensor([[0, 11], [5, 5]])), M34),
    "take_along_dim": (lambda L, a: L.take_along_dim(a, L.tensor([[0], [3], [1]]), 1), M34),
    "take_along_dim_none": (lambda L, a: a.take_along_dim(L.tensor([7, 0])), M34),
    "masked_scatter": (lambda L, a, s: a.masked_scatter(L.tensor([True, False, True, True]), s), M34, _r(4, 4)),
    "scatter_reduce_sum": (lambda L, a, s: a.scatter_reduce(1, L.tensor([[0, 1, 0], [2, 2, 2], [3, 0, 1]]), s, "sum"),
                           M34, _r(3, 3)),
    "scatter_reduce_mean": (lambda L, a, s: L.scatter_reduce(a, 1, L.tensor([[0, 1, 0], [2, 2, 2], [3, 0, 1]]), s,
                                                             "mean", include_self=False), M34, _r(3, 3)),
    "scatter_reduce_amax": (lambda L, a, s: a.scatter_reduce(0, L.tensor([[0, 1, 0, 2], [0, 1, 2, 2]]), s, "amax"),
                            M34, _r(2, 4)),
    "scatter_reduce_amin": (lambda L, a, s: a.scatter_reduce(0, L.tensor([[0, 1, 0, 2], [0, 1, 2, 2]]), s, "amin",
                                                             include_self=False), M34, _r(2, 4)),
    "scatter_reduce_prod": (lambda L, a, s: a.scatter_reduce(0, L.tensor([[0, 1, 0, 2], [0, 1, 2, 2]]), s, "prod"),
                            M34, _r(2, 4)),
    "cdist": (lambda L, a, b: L.cdist(a, b), M34, _r(5, 4)), "cdist_p1": (lambda L, a, b: L.cdist(a, b, p=1), B, _r(2, 2, 4)),
    "block_diag": (lambda L, a, b: L.block_diag(a, b), _r(2, 3), V3),
    "cartesian_prod": (lambda L, a, b: L.cartesian_prod(a, b), V3, V4),
    "combinations": (lambda L, a: L.combinations(a, 2), V4),
    "combinations_r": (lambda L, a: L.combinations(a, 3, with_replacement=True), V3),
    "column_stack": (lambda L, a, b: L.column_stack([a, b]), V3, _r(3, 2)),
    "dstack": (lambda L, a, b: L.dstack([a, b]), M34, M34), "row_stack": (lambda L, a, b: L.row_stack([a, b]), V4, M34),
    "logcumsumexp": (lambda L, a: a.logcumsumexp(0), M34),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_values_and_gradients(name):
    fn, *arrays = GRAD_CASES[name]
    assert_same_outcome(_grads(fn, *arrays))


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32", "bool"])
@pytest.mark.parametrize("name", ["tril", "triu", "diagonal", "diag", "trace", "roll", "rot90", "diff", "kron",
                                  "repeat_interleave", "ravel", "fliplr"])
def test_dtypes(name, dtype):
    args = {"roll": (1, 1), "repeat_interleave": (2,), "kron": None, "diag": (0,)}.get(name, ())

    def run(L):
        x = L.tensor([[1, 0, 2], [3, 1, 0]], dtype=getattr(L, dtype))
        return getattr(L, name)(x, x) if args is None else getattr(L, name)(x, *args)
    assert_same_outcome(run)


EDGES = [
    lambda L: L.tril(L.tensor([1.0, 2])), lambda L: L.zeros(0, 3).triu(), lambda L: L.zeros(2, 0, 3).tril(1),
    lambda L: L.trace(L.zeros(2, 2, 2)), lambda L: L.diagonal(L.zeros(3, 3), 0, 1, 1),
    lambda L: L.diag(L.zeros(2, 2, 2)), lambda L: L.diag(L.tensor([])), lambda L: L.diagonal(L.ones(2, 3), 5),
    lambda L: L.diag_embed(L.tensor(3.0)),
    lambda L: L.mv(L.ones(2, 3), L.ones(2)), lambda L: L.mv(L.ones(3), L.ones(3)),
    lambda L: L.addmm(L.ones(2, 2), L.ones(2), L.ones(2, 2)),
    lambda L: L.addmm(L.tensor([[float("nan")]]), L.ones(1, 2), L.ones(2, 1), beta=0),
    lambda L: L.vdot(L.ones(2, 2), L.ones(2)), lambda L: L.inner(L.ones(2, 3), L.ones(4)),
    lambda L: L.inner(L.tensor(2.0), L.ones(2, 3)), lambda L: L.tensordot(L.ones(2, 3), L.ones(4, 3), 1),
    lambda L: L.cross(L.ones(2, 4), L.ones(2, 4), dim=1), lambda L: L.cross(L.ones(4, 3), L.ones(1, 3), dim=-1),
    lambda L: L.roll(L.ones(2, 2), (1, 2), 0), lambda L: L.roll(L.tensor(3.0), 1),
    lambda L: L.roll(L.zeros(0, 2), 1, 0), lambda L: L.repeat_interleave(L.tensor([2, 0, 1])),
    lambda L: L.ones(3).repeat_interleave(L.tensor([1, 2])), lambda L: L.ones(3).repeat_interleave(-1),
    lambda L: L.ones(3).unfold(0, 4, 1), lambda L: L.ones(3).unfold(0, 2, 0), lambda L: L.tensor(2.0).unfold(0, 1, 1),
    lambda L: L.ones(3).rot90(), lambda L: L.ones(2, 2).rot90(1, (0, 0)), lambda L: L.ones(3).fliplr(),
    lambda L: L.diff(L.tensor(1.0)), lambda L: L.diff(L.tensor([True, False, False, True])),
    lambda L: L.diff(L.tensor([1, 4, 9]), n=5), lambda L: L.renorm(L.ones(3), 2, 0, 1),
    lambda L: L.index_add(L.ones(3), 0, L.tensor([0, 5]), L.ones(2)),
    lambda L: L.index_add(L.ones(3), 0, L.tensor([0, 1]), L.ones(2, dtype=L.float64)),
    lambda L: L.index_add(L.ones(3, 2), 0, L.tensor([0, 1]), L.ones(2, 3)),
    lambda L: L.index_add(L.ones(3), 0, L.tensor([0.0]), L.ones(1)),
    lambda L: L.index_copy(L.ones(3), 0, L.tensor([-1]), L.zeros(1)),
    lambda L: L.index_fill(L.ones(3, 2), 0, L.tensor([4]), 0), lambda L: L.index_fill(L.ones(3, 2), 0, L.tensor([2]), L.tensor(5)),
    lambda L: L.index_fill(L.ones(3, dtype=L.int64), 0, L.tensor([1]), 2.7),
    lambda L: L.take(L.ones(2, 2), L.tensor([4])), lambda L: L.take(L.ones(2, 2), L.tensor([-4])),
    lambda L: L.take(L.ones(2, 2), L.tensor([1.0])), lambda L: L.take(L.tensor(5.0), L.tensor([0, 0])),
    lambda L: L.ones(2, 3).masked_scatter(L.ones(2, 3, dtype=L.bool), L.ones(5)),
    lambda L: L.ones(2, 3).masked_scatter(L.ones(2, 3), L.ones(6)),
    lambda L: L.ones(3).scatter_reduce(0, L.tensor([0, 1]), L.ones(2), "max"),
    lambda L: L.tensor([5, 1, 2]).scatter_reduce(0, L.tensor([0, 0, 2]), L.tensor([3, 4, 9]), "mean"),
    lambda L: L.tensor([5, 1, 2]).scatter_reduce(0, L.tensor([0, 0, 2]), L.tensor([3, 4, 9]), "amin", include_self=False),
    lambda L: L.tensor([5, 1, 2]).scatter_reduce(0, L.tensor([0, 0, 2]), L.tensor([3, 4, 9]), "prod"),
    lambda L: L.broadcast_tensors(L.ones(3, 1), L.zeros(2)), lambda L: L.broadcast_tensors(L.ones(3), L.zeros(2)),
    lambda L: L.broadcast_shapes((3, 1), (2,), 4) if False else L.broadcast_shapes((3, 1), (2,)),
    lambda L: L.atleast_1d(L.tensor(1.0)), lambda L: L.atleast_2d(L.tensor([1.0, 2])),
    lambda L: L.atleast_3d(L.ones(2, 3)), lambda L: L.atleast_3d(L.tensor(1.0), L.ones(2)),
    lambda L: L.atleast_2d([L.ones(2), L.tensor(1.0)]),
    lambda L: L.block_diag(L.ones(2, 2, 2)), lambda L: L.block_diag(L.ones(1, 2, dtype=L.int64), L.ones(2, 1)),
    lambda L: L.block_diag(), lambda L: L.cartesian_prod(L.tensor([1, 2])), lambda L: L.cartesian_prod(L.ones(2, 2)),
    lambda L: L.combinations(L.tensor([1, 2, 3]), 0), lambda L: L.combinations(L.tensor([1, 2]), 3),
    lambda L: L.cdist(L.ones(3), L.ones(2, 3)), lambda L: L.cdist(L.ones(2, 3), L.ones(2, 4)),
    lambda L: L.cdist(L.tensor([[0.0, 0.0], [3.0, 4.0]]), L.tensor([[0.0, 0.0]]), p=0),
    lambda L: L.cdist(L.tensor([[0.0, 0.0], [3.0, 4.0]]), L.tensor([[0.0, 1.0]]), p=float("inf")),
    lambda L: L.tensor_split(L.arange(10), 3), lambda L: L.tensor_split(L.arange(10), [2, 5, 20]),
    lambda L: L.arange(12).reshape(3, 4).tensor_split(L.tensor([1]), 1), lambda L: L.tensor_split(L.arange(3), 0),
    lambda L: L.hsplit(L.ones(2, 6), 3), lambda L: L.hsplit(L.ones(2, 5), 3), lambda L: L.hsplit(L.arange(6), [1, 4]),
    lambda L: L.vsplit(L.ones(4, 2), 2), lambda L: L.vsplit(L.ones(4), 2), lambda L: L.dsplit(L.ones(1, 2, 4), [1]),
    lambda L: L.split_with_sizes(L.arange(10), [3, 7]), lambda L: L.arange(10).split_with_sizes([3, 6]),
    lambda L: L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([3, 6, 9])),
    lambda L: L.searchsorted(L.tensor([1, 3, 5, 7]), L.tensor([3, 6, 9]), right=True, out_int32=True),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4.0]]), L.tensor([[3, 0.5], [5, 2]]), side="right"),
    lambda L: L.searchsorted(L.tensor([[1, 3], [2, 4.0]]), L.tensor([[3.0, 1, 1]])),
    lambda L: L.searchsorted(L.tensor([1, 3]), L.tensor([2]), side="middle"),
    lambda L: L.bucketize(L.tensor([[3, 6], [0, 9]]), L.tensor([1, 3, 5])),
    lambda L: L.bucketize(L.tensor([3.0, 6]), L.tensor([1.0, 3, 5]), right=True),
    lambda L: L.scalar_tensor(3), lambda L: L.scalar_tensor(2, dtype=L.int64),
    lambda L: L.empty_strided((2, 3), (1, 2)).shape,
]


@pytest.mark.parametrize("i", range(len(EDGES)))
def test_edges_and_errors(i):
    assert_same_outcome(EDGES[i])
