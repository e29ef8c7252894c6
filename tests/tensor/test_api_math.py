"""Math functions, reductions and tensor ops (issue 9): the same lambda runs on miniconv and PyTorch;
values, dtypes and gradients (backward of a weighted sum) must agree."""
import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))            # general values
P = rng.uniform(0.5, 2.0, (3, 4))          # positive
U = rng.uniform(-0.9, 0.9, (3, 4))         # in (-1, 1)
Y = rng.standard_normal((3, 4))
V = rng.standard_normal(5)
B = rng.standard_normal((2, 3, 4))
Z = np.array([[1.5, 0.0, -2.0], [0.5, 3.0, 0.0]])  # zeros for prod/cumprod


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def run_both(fn, *arrays, grad=True):
    results = []
    for lib in (mc, torch):
        ins = [lib.tensor(a.copy(), requires_grad=grad and a.dtype.kind == "f") for a in arrays]
        out = fn(lib, *ins)
        outs = out if isinstance(out, tuple) else (out,)
        grads = None
        diff = [o for o in outs if hasattr(o, "requires_grad") and o.requires_grad]
        if grad and diff:
            w = [lib.tensor(np.cos(np.arange(o.numel(), dtype=np.float64)).reshape(tuple(o.shape)), dtype=o.dtype)
                 for o in diff]
            sum((o * wi).sum() for o, wi in zip(diff, w)).backward()
            grads = [None if i.grad is None else _np(i.grad) for i in ins if i.requires_grad]
        results.append((outs, grads))
    (mo, mg), (to, tg) = results
    assert len(mo) == len(to)
    for a, b in zip(mo, to):
        if isinstance(b, torch.Tensor):
            assert str(a.dtype).replace("miniconv.", "") == str(b.dtype).replace("torch.", "").replace("miniconv.", ""), (a.dtype, b.dtype)
            assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-6, equal_nan=True)
    if tg is not None or mg is not None:
        assert mg is not None and tg is not None
        for a, b in zip(mg, tg):
            if b is None:
                assert a is None or not np.any(a)
            else:
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


UNARY = {
    "sin": X, "cos": X, "tan": U, "asin": U, "acos": U, "atan": X, "arcsin": U, "sinh": X, "cosh": X,
    "tanh": X, "exp": X, "exp2": X, "expm1": X, "log": P, "log2": P, "log10": P, "log1p": P, "sqrt": P,
    "rsqrt": P, "square": X, "abs": X, "neg": X, "negative": X, "sign": X, "floor": X * 3, "ceil": X * 3,
    "round": X * 3, "trunc": X * 3, "frac": X * 3, "reciprocal": P, "erf": X, "sigmoid": X, "relu": X,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_function_and_method(name):
    a = UNARY[name]
    run_both(lambda lib, x: getattr(lib, name)(x), a)
    run_both(lambda lib, x: getattr(x, name)(), a)
    run_both(lambda lib, x: getattr(lib, name)(x.double()), a)


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "log1p", "square", "abs", "neg", "sign", "floor", "round"])
def test_unary_on_integers_promotes_like_torch(name):
    run_both(lambda lib, x: getattr(lib, name)(x), np.arange(1, 6), grad=False)


BINARY = [
    lambda lib, a, b: lib.atan2(a, b), lambda lib, a, b: lib.minimum(a, b), lambda lib, a, b: lib.maximum(a, b),
    lambda lib, a, b: lib.fmod(a, b), lambda lib, a, b: lib.remainder(a, b), lambda lib, a, b: a % b,
    lambda lib, a, b: lib.lerp(a, b, 0.3), lambda lib, a, b: lib.pow(a.abs() + 0.5, b),
    lambda lib, a, b: lib.where(a > b, a, b), lambda lib, a, b: lib.max(a, b), lambda lib, a, b: lib.min(a, b),
    lambda lib, a, b: lib.add(a, b, alpha=2), lambda lib, a, b: lib.sub(a, b), lambda lib, a, b: lib.mul(a, b),
    lambda lib, a, b: lib.div(a, b), lambda lib, a, b: lib.div(a, b, rounding_mode="floor"),
    lambda lib, a, b: lib.clamp(a, min=b), lambda lib, a, b: lib.clamp(a, -0.5, 0.5), lambda lib, a, b: a.clip(max=0.1),
    lambda lib, a, b: a.fmod(1.5), lambda lib, a, b: a.remainder(-1.5), lambda lib, a, b: a.atan2(b[0]),
]


@pytest.mark.parametrize("i", range(len(BINARY)))
def test_binary(i):
    run_both(BINARY[i], X, Y)


def test_min_max_ties_split_the_gradient():
    a = np.array([1.0, 2.0, 3.0])
    run_both(lambda lib, x, y: lib.maximum(x, y), a, np.array([1.0, 0.0, 3.0]))
    run_both(lambda lib, x, y: lib.minimum(x, y), a, np.array([1.0, 0.0, 3.0]))


REDUCTIONS = [
    lambda lib, x: lib.max(x, 1), lambda lib, x: lib.max(x, dim=0, keepdim=True), lambda lib, x: x.min(1),
    lambda lib, x: lib.max(x), lambda lib, x: lib.amax(x, 1), lambda lib, x: lib.amin(x, (0, 1)),
    lambda lib, x: x.amax(dim=-1, keepdim=True), lambda lib, x: lib.prod(x), lambda lib, x: lib.prod(x, 1),
    lambda lib, x: x.prod(0, keepdim=True), lambda lib, x: lib.norm(x), lambda lib, x: x.norm(1, dim=1),
    lambda lib, x: x.norm(p=3, dim=0, keepdim=True), lambda lib, x: x.norm(float("inf"), dim=1),
    lambda lib, x: lib.linalg.norm(x), lambda lib, x: lib.linalg.norm(x, dim=1),
    lambda lib, x: lib.linalg.norm(x, "fro"), lambda lib, x: lib.linalg.vector_norm(x, 1.5, dim=(0, 1)),
    lambda lib, x: lib.logsumexp(x, 1), lambda lib, x: x.logsumexp(dim=(0, 1), keepdim=True),
    lambda lib, x: lib.cumsum(x, 1), lambda lib, x: x.cumsum(dim=0), lambda lib, x: lib.cumprod(x, 1),
    lambda lib, x: lib.std(x, 1), lambda lib, x: x.std(1, unbiased=False), lambda lib, x: x.var(correction=0),
    lambda lib, x: lib.var(x, dim=0, keepdim=True), lambda lib, x: lib.std_mean(x, 1), lambda lib, x: lib.var_mean(x),
    lambda lib, x: x.sum(axis=1), lambda lib, x: x.mean(axis=0, keepdims=True), lambda lib, x: lib.sum(x, axis=1),
    lambda lib, x: lib.mean(x, dim=(0, 1)), lambda lib, x: x.max(axis=1), lambda lib, x: lib.sort(x, 1),
    lambda lib, x: x.sort(dim=0, descending=True), lambda lib, x: lib.topk(x, 2), lambda lib, x: x.topk(2, dim=0, largest=False),
    lambda lib, x: lib.argsort(x, 1), lambda lib, x: x.argsort(dim=0, descending=True),
    lambda lib, x: lib.argmax(x, 1), lambda lib, x: x.argmin(dim=0, keepdim=True),
    lambda lib, x: lib.all(x > -3), lambda lib, x: lib.any(x > 1, dim=1), lambda lib, x: (x > 0).all(1),
    lambda lib, x: lib.count_nonzero(x > 0, dim=0),
]


@pytest.mark.parametrize("i", range(len(REDUCTIONS)))
def test_reductions(i):
    run_both(REDUCTIONS[i], X)


def test_prod_cumprod_with_zeros():
    run_both(lambda lib, x: lib.prod(x), Z)
    run_both(lambda lib, x: lib.prod(x, 1), Z)
    run_both(lambda lib, x: lib.cumprod(x, 1), Z)
    run_both(lambda lib, x: x.norm(), np.zeros((2, 2)))  # gradient 0 at the zero vector


def test_named_tuples():
    for lib in (mc, torch):
        x = lib.tensor([[1.0, 5.0, 2.0]])
        r = lib.max(x, 1)
        assert r.values.tolist() == [5.0] and r.indices.tolist() == [1]
        v, i = lib.sort(x, descending=True)
        assert v.tolist() == [[5.0, 2.0, 1.0]] and i.tolist() == [[1, 2, 0]]
        t = x.topk(1)
        assert t.values.tolist() == [[5.0]] and t.indices.tolist() == [[1]]


OPS = [
    lambda lib, x: lib.flatten(x), lambda lib, x: lib.flatten(x, 1), lambda lib, x: x.flatten(0, 1),
    lambda lib, x: x.flatten(start_dim=1, end_dim=2), lambda lib, x: lib.split(x, 2, dim=2),
    lambda lib, x: x.split([1, 2], 1), lambda lib, x: lib.chunk(x, 2, 2), lambda lib, x: x.chunk(3, dim=1),
    lambda lib, x: x.unbind(1), lambda lib, x: lib.narrow(x, 2, 1, 2),
    lambda lib, x: lib.gather(x, 2, lib.tensor([[[0, 3], [1, 1], [2, 0]], [[3, 3], [0, 1], [2, 2]]])),
    lambda lib, x: x.gather(1, lib.tensor([[[0, 1, 2, 0]], [[2, 2, 1, 0]]])),
    lambda lib, x: lib.index_select(x, 1, lib.tensor([2, 0, 2])), lambda lib, x: x.index_select(2, lib.tensor([1])),
    lambda lib, x: lib.masked_fill(x, x > 0.5, 0.0), lambda lib, x: x.masked_fill(lib.tensor([True, False, True, False]), -1.0),
    lambda lib, x: x.repeat(2, 1, 1), lambda lib, x: x.repeat(1, 2, 1, 3), lambda lib, x: lib.tile(x, (2,)),
    lambda lib, x: x.tile(1, 2), lambda lib, x: x[:, :1].expand_as(x), lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.float64)),
    lambda lib, x: lib.bmm(x, x.transpose(1, 2)), lambda lib, x: lib.matmul(x, x.transpose(-1, -2)),
    lambda lib, x: lib.mm(x[0], x[1].t()), lambda lib, x: lib.outer(x[0, 0], x[1, 1]), lambda lib, x: lib.dot(x[0, 0], x[1, 0]),
    lambda lib, x: lib.einsum("bij,bkj->bik", x, x), lambda lib, x: lib.einsum("ij,jk->ik", x[0], x[1].t()),
    lambda lib, x: lib.einsum("bij->bj", x), lambda lib, x: lib.einsum("ij,ij->i", x[0], x[1]),
    lambda lib, x: lib.einsum("i,j->ij", x[0, 0], x[0, 1]), lambda lib, x: lib.einsum("ii->i", x[0, :, :3]),
    lambda lib, x: lib.einsum("ij->", x[0]), lambda lib, x: lib.einsum("ij,jk", x[0], x[1].t()),
    lambda lib, x: lib.scatter(lib.zeros(2, 3, 4, dtype=x.dtype), 2, lib.tensor([[[0, 1, 2, 3]] * 3] * 2), x),
    lambda lib, x: x.scatter(1, lib.tensor([[[2, 0, 1, 2]], [[0, 1, 0, 1]]]), x[:, :1]),
    lambda lib, x: x.scatter_add(1, lib.tensor([[[2, 0, 1, 2]], [[0, 0, 0, 1]]]), x[:, :1] * 2),
    lambda lib, x: lib.movedim(x, 0, 2), lambda lib, x: x.swapaxes(0, 1), lambda lib, x: lib.flip(x, (0, 2)),
    lambda lib, x: x.unflatten(2, (2, 2)), lambda lib, x: lib.cat([x, x], axis=1), lambda lib, x: lib.stack([x, x], 1),
    lambda lib, x: x.softmax(-1), lambda lib, x: lib.log_softmax(x, 1), lambda lib, x: x.new_zeros(2, 3),
    lambda lib, x: x.new_ones((2,)), lambda lib, x: x.new_full((2,), 3.0), lambda lib, x: x.new_tensor([1, 2]),
]


@pytest.mark.parametrize("i", range(len(OPS)))
def test_tensor_ops(i):
    run_both(OPS[i], B)


TESTS = [
    lambda lib, x, y: lib.isclose(x, x + 1e-7), lambda lib, x, y: lib.isclose(x, y, atol=1.0),
    lambda lib, x, y: lib.isnan(x.log()), lambda lib, x, y: lib.isfinite(x / (x > 0)), lambda lib, x, y: lib.isinf(1 / (x * 0)),
    lambda lib, x, y: lib.nonzero(x > 0), lambda lib, x, y: lib.nonzero(x > 0, as_tuple=True), lambda lib, x, y: lib.where(x > 0),
    lambda lib, x, y: lib.eq(x, y), lambda lib, x, y: lib.ne(x, x), lambda lib, x, y: lib.lt(x, 0), lambda lib, x, y: lib.le(x, y),
    lambda lib, x, y: lib.gt(x, y), lambda lib, x, y: lib.ge(x, 0.5), lambda lib, x, y: x.masked_select(x > 0),
    lambda lib, x, y: lib.logical_and(x > 0, y > 0), lambda lib, x, y: lib.logical_not(x > 0),
]


@pytest.mark.parametrize("i", range(len(TESTS)))
def test_comparisons_and_tests(i):
    with np.errstate(all="ignore"):
        run_both(TESTS[i], X, Y, grad=False)


def test_allclose_equal_return_bools():
    for lib in (mc, torch):
        a = lib.tensor([1.0, 2.0])
        assert lib.allclose(a, a + 1e-9) is True and a.allclose(a + 1) is False
        assert lib.equal(a, a.clone()) is True and lib.is_tensor(a) and not lib.is_tensor([1])


ERRORS = [
    lambda lib, x: lib.sin([1.0]), lambda lib, x: x.gather(1, lib.tensor([[5]])), lambda lib, x: x.gather(0, lib.tensor([0])),
    lambda lib, x: x.index_select(0, lib.tensor([3])), lambda lib, x: x.topk(5), lambda lib, x: x.split([1, 1], 0),
    lambda lib, x: x.masked_fill(x > 0, lib.ones(2)), lambda lib, x: lib.mm(x, x), lambda lib, x: lib.bmm(x, x),
    lambda lib, x: lib.dot(x, x), lambda lib, x: x.repeat(2), lambda lib, x: lib.einsum("ij,jk->ik", x),
    lambda lib, x: lib.einsum("ijk->i", x), lambda lib, x: x.chunk(0), lambda lib, x: lib.amax(x, 3),
    lambda lib, x: lib.max(x, 2), lambda lib, x: lib.cumsum(x, 5), lambda lib, x: x.unflatten(1, (2, 3)),
    lambda lib, x: x.norm(dim=4), lambda lib, x: lib.maximum(x, 1.0), lambda lib, x: x.long().frac(), lambda lib, x: lib.einsum("ij->ik", x),
    lambda lib, x: lib.einsum("ij->i", x, x),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch_class(i):
    with pytest.raises(Exception) as et:
        ERRORS[i](torch, torch.tensor(X))
    with pytest.raises(type(et.value)):
        ERRORS[i](mc, mc.tensor(X))


def test_grad_fn_names_follow_the_op():
    x = mc.tensor([1.0, 2.0], requires_grad=True)
    assert "Sin" in x.sin().grad_fn.name() and "Prod" in x.prod().grad_fn.name()
