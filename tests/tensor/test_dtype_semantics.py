"""Integer dtypes, zero divisors, reduction ``dim`` forms and dtype promotion, generated over every pair
of dtypes and operand kinds and compared with PyTorch (the same code run on both libraries)."""
import itertools
import operator

import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]
DTYPES = ["bool"] + INT_DTYPES + ["float32", "float64"]


def _values(dtype):
    """Values that include the dtype's extremes (integers) or specials (floats)."""
    if dtype == "bool":
        return [True, False, True]
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        return [int(info.min), 3, 0, int(info.max), -1 if info.min < 0 else 7, 200 if info.max >= 200 else 100]
    return [1.5, -0.0, 3.0, -7.25, 1e30, -2.0]


def _t(L, values, dtype):
    return L.tensor(values, dtype=getattr(L, dtype))


# -- integer extremes: orderings and min/max never go through negation ------------------------------
ORDERING = {
    "min": lambda x: x.min(),
    "max": lambda x: x.max(),
    "amin": lambda x: x.amin(0),
    "amax": lambda x: x.amax(0),
    "min_dim": lambda x: tuple(x.min(0)),
    "max_dim": lambda x: tuple(x.max(0)),
    "min_dim_keepdim": lambda x: tuple(x.reshape(2, 3).min(1, keepdim=True)),
    "argmin": lambda x: x.argmin(),
    "argmax": lambda x: x.argmax(),
    "sort": lambda x: tuple(x.sort(stable=True)),
    "sort_desc": lambda x: tuple(x.sort(descending=True, stable=True)),
    "argsort_desc": lambda x: x.argsort(descending=True, stable=True),
    "topk": lambda x: tuple(x.topk(3)),
    "topk_smallest": lambda x: tuple(x.topk(3, largest=False)),
    "clamp": lambda x: x.clamp(0, 5),
    "minimum": lambda x: x.minimum(x.flip(0)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(ORDERING))
def test_orderings_at_the_dtype_extremes(op, dtype):
    fn = ORDERING[op]
    assert_same_outcome(lambda L: fn(_t(L, _values(dtype), dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_any_all_result_dtype(dtype):
    assert_same_outcome(lambda L: _t(L, _values(dtype), dtype).all())
    assert_same_outcome(lambda L: _t(L, _values(dtype), dtype).any())
    assert_same_outcome(lambda L: _t(L, _values(dtype), dtype).reshape(2, 3).any(1))
    assert_same_outcome(lambda L: L.all(_t(L, _values(dtype), dtype).reshape(2, 3), dim=0))


# -- zero divisors and rounding modes on integers ---------------------------------------------------
@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("form", ["floordiv", "mod", "remainder", "fmod", "div_floor", "div_trunc", "rfloordiv"])
@pytest.mark.parametrize("divisor", ["scalar0", "tensor0", "mixed"])
def test_integer_division_by_zero_raises_as_pytorch(dtype, form, divisor):
    def fn(L):
        x = _t(L, [7, -7, 5] if dtype != "uint8" else [7, 9, 5], dtype)
        d = {"scalar0": 0, "tensor0": _t(L, [0, 0, 0], dtype), "mixed": _t(L, [2, 0, 3], dtype)}[divisor]
        if form == "floordiv":
            return x // d
        if form == "rfloordiv":
            return 7 // _t(L, [2, 0, 3], dtype) if divisor == "scalar0" else d // x
        if form == "mod":
            return x % d
        if form == "remainder":
            return L.remainder(x, d)
        if form == "fmod":
            return L.fmod(x, d)
        return L.div(x, d, rounding_mode=form.split("_")[1])
    assert_same_outcome(fn, message=True)


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("mode", ["floor", "trunc", None])
def test_div_rounding_mode_on_integers_keeps_the_dtype_and_precision(dtype, mode):
    big = {"uint8": 251, "int8": -127, "int16": -32001, "int32": -(2**31) + 3, "int64": 2**53 + 12345}[dtype]
    assert_same_outcome(lambda L: L.div(_t(L, [big, 7, 100], dtype), 3, rounding_mode=mode))
    assert_same_outcome(lambda L: L.div(_t(L, [big, 7, 100], dtype), _t(L, [3, 2, 9], dtype), rounding_mode=mode))
    assert_same_outcome(lambda L: _t(L, [big, 7, 100], dtype).div(-2.5, rounding_mode=mode))


# -- dtype promotion over every pair of dtypes and operand kinds -------------------------------------
BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "lt": operator.lt, "eq": operator.eq,
    "maximum": lambda a, b: a.maximum(b) if hasattr(a, "maximum") else b.maximum(a),
}
KINDS = ["tensor", "zero_dim", "python"]


def _operand(L, dtype, kind, nonzero):
    vals = {"bool": [True, True], "uint8": [3, 200], "int8": [-3, 100], "int16": [-300, 7], "int32": [5, -70000],
            "int64": [9, -(2**40)], "float32": [2.5, -1.25], "float64": [0.5, 3.0]}[dtype]
    if kind == "python":
        return {"bool": True, "float32": 2.5, "float64": 0.5}.get(dtype, 3) if nonzero else vals[0]
    if kind == "zero_dim":
        return L.tensor(vals[0], dtype=getattr(L, dtype))
    return L.tensor(vals, dtype=getattr(L, dtype))


def _promotion_cases():
    for a, b in itertools.product(DTYPES, DTYPES):
        for ka, kb in itertools.product(KINDS, KINDS):
            if "python" == ka == kb or (ka == "python" and a not in ("bool", "int64", "float64")) or \
                    (kb == "python" and b not in ("bool", "int64", "float64")):
                continue
            yield a, ka, b, kb


@pytest.mark.parametrize("op", sorted(BINARY))
def test_promotion_over_all_dtype_pairs(op):
    fn = BINARY[op]
    failures = []
    for a, ka, b, kb in _promotion_cases():
        if ka == "python" and op == "maximum":
            continue

        def case(L, a=a, ka=ka, b=b, kb=kb):
            return fn(_operand(L, a, ka, False), _operand(L, b, kb, True))
        try:
            assert_same_outcome(case)
        except AssertionError as e:
            failures.append(f"{a}/{ka} {op} {b}/{kb}: {e}")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} cases)"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["neg", "sign", "square", "abs", "exp", "sqrt", "reciprocal", "sigmoid"])
def test_unary_ops_on_every_dtype(dtype, op):
    assert_same_outcome(lambda L: getattr(_t(L, _values(dtype), dtype), op)())


def test_no_numpy_warning_where_pytorch_is_silent():
    assert_same_outcome(lambda L: L.tensor([1000.0, -1000.0]).exp())
    assert_same_outcome(lambda L: L.tensor([0.0, -1.0]).log())
    assert_same_outcome(lambda L: L.tensor([-1.0]).sqrt())
    assert_same_outcome(lambda L: L.tensor([1.0, 0.0]) / L.tensor([0.0, 0.0]))
    assert_same_outcome(lambda L: L.tensor([1e30]) * L.tensor([1e30]))
    assert_same_outcome(lambda L: L.tensor([2.0]).pow(1000))
    assert_same_outcome(lambda L: L.tensor([-1000.0]).sigmoid())
    assert_same_outcome(lambda L: L.nn.functional.softplus(L.tensor([1000.0, -1000.0])))


# -- every reduction's dim forms --------------------------------------------------------------------
REDUCTIONS = {
    "sum": lambda L, x, **k: x.sum(**k), "mean": lambda L, x, **k: x.mean(**k), "prod": None,
    "amax": lambda L, x, **k: x.amax(**k), "amin": lambda L, x, **k: x.amin(**k),
    "logsumexp": lambda L, x, **k: L.logsumexp(x, **k), "std": lambda L, x, **k: x.std(**k),
    "var": lambda L, x, **k: x.var(**k), "any": lambda L, x, **k: x.any(**k), "all": lambda L, x, **k: x.all(**k),
    "count_nonzero": lambda L, x, **k: L.count_nonzero(x, **k), "norm": lambda L, x, **k: x.norm(**k),
    "nansum": lambda L, x, **k: L.nansum(x, **k),
}
DIM_FORMS = {"none": {}, "empty_tuple": {"dim": ()}, "empty_list": {"dim": []}, "zero": {"dim": 0},
             "neg": {"dim": -1}, "pair": {"dim": (0, -1)}, "keep": {"dim": 0, "keepdim": True},
             "keep_pair": {"dim": [1, 0], "keepdim": True}, "dup": {"dim": (0, 0)}, "out_of_range": {"dim": 3}}
SHAPES = {"0d": (), "1d": (4,), "2d": (2, 3), "empty": (0, 3)}


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("form", sorted(DIM_FORMS))
@pytest.mark.parametrize("name", sorted(k for k, v in REDUCTIONS.items() if v is not None))
def test_reduction_dim_forms(name, form, shape):
    fn, kw = REDUCTIONS[name], dict(DIM_FORMS[form])
    if name in ("count_nonzero",):
        kw.pop("keepdim", None)
    if name == "logsumexp" and "dim" not in kw:
        kw["dim"] = None

    def case(L):
        x = L.arange(int(np.prod(SHAPES[shape])), dtype=L.float32).reshape(SHAPES[shape]) / 3 - 1
        return fn(L, x, **kw)
    assert_same_outcome(case, rtol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_sum_and_mean_take_dtype(dtype):
    assert_same_outcome(lambda L: _t(L, [1, 2, 4], "int64").sum(dtype=getattr(L, dtype)))
    assert_same_outcome(lambda L: L.sum(_t(L, [[1, 2], [3, 4]], "int32"), 0, dtype=getattr(L, dtype)))
    assert_same_outcome(lambda L: _t(L, [1, 2, 4], "int64").mean(dtype=getattr(L, dtype)))
    assert_same_outcome(lambda L: L.mean(_t(L, [[1.0, 2], [3, 4]], "float32"), dim=1, dtype=getattr(L, dtype)))


# -- indexing ops: negative indices refused, int32 indices accepted, 0-d inputs ----------------------
INDEXING = {
    "gather_neg": lambda L: L.gather(L.tensor([1.0, 2.0, 3.0]), 0, L.tensor([-1])),
    "gather_big": lambda L: L.gather(L.tensor([1.0, 2.0, 3.0]), 0, L.tensor([3])),
    "scatter_neg": lambda L: L.tensor([1.0, 2.0, 3.0]).scatter(0, L.tensor([-1]), 5.0),
    "scatter_add_neg": lambda L: L.tensor([1.0, 2.0, 3.0]).scatter_add(0, L.tensor([-2]), L.tensor([5.0])),
    "gather_int32": lambda L: L.gather(L.tensor([1.0, 2.0]), 0, L.tensor([1, 0], dtype=L.int32)),
    "index_select_int32": lambda L: L.index_select(L.tensor([1.0, 2.0]), 0, L.tensor([1], dtype=L.int32)),
    "index_select_float": lambda L: L.index_select(L.tensor([1.0, 2.0]), 0, L.tensor([1.0])),
    "gather_0d": lambda L: L.gather(L.tensor(1.0), 0, L.tensor(0)),
    "any_0d_dim": lambda L: L.tensor(1.0).any(0),
    "all_0d_dim": lambda L: L.tensor(0.0).all(-1),
    "sum_0d_dim": lambda L: L.tensor(2.0).sum(0),
    "where_shapes": lambda L: L.where(L.tensor([True, False]), L.tensor([1.0, 2.0, 3.0]), 0.0),
    "add_shapes": lambda L: L.tensor([1.0, 2.0]) + L.tensor([1.0, 2.0, 3.0]),
    "scalar_floordiv": lambda L: 7 // L.tensor([2, 3]),
    "scalar_floordiv_float": lambda L: 7.5 // L.tensor([2.0, -3.0]),
    "scalar_mod": lambda L: 7 % L.tensor([2, 3]),
    "int_floordiv_float": lambda L: L.tensor([5, -5]) // 2.5,
    "bool_neg": lambda L: -L.tensor([True]),
    "bool_sub": lambda L: L.tensor([True]) - L.tensor([False]),
}


@pytest.mark.parametrize("name", sorted(INDEXING))
def test_indexing_and_operator_edges(name):
    assert_same_outcome(INDEXING[name])


# -- shapes and argument sizes of NN ops at the edges -------------------------------------------------
NN_EDGES = {
    "conv_huge_stride": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 3, 3), stride=2**70),
    "conv_huge_padding": lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 3, 3), padding=2**70),
    "maxpool_huge_kernel": lambda L: L.nn.functional.max_pool2d(L.ones(1, 1, 3, 3), 2**70),
    "avgpool_huge_stride": lambda L: L.nn.functional.avg_pool2d(L.ones(1, 1, 3, 3), 2, stride=2**70),
    "group_norm_empty_batch": lambda L: L.nn.functional.group_norm(L.ones(0, 4, 2, 2), 2),
    "conv_transpose_empty_plane": lambda L: L.nn.functional.conv_transpose2d(L.ones(1, 2, 0, 3), L.ones(2, 3, 3, 3)),
    "conv_transpose_empty_batch": lambda L: L.nn.functional.conv_transpose2d(L.ones(0, 2, 4, 3), L.ones(2, 3, 3, 3)),
    "conv_empty_batch": lambda L: L.nn.functional.conv2d(L.ones(0, 2, 4, 4), L.ones(3, 2, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(NN_EDGES))
def test_nn_edges(name):
    assert_same_outcome(NN_EDGES[name])
