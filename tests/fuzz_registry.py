"""The differential fuzz suite's table of op specs (tests/test_fuzz_ops.py runs every row against PyTorch).

Adding an op is adding a row: a function decorated with ``@op("name")`` that draws one case from
hypothesis' ``data`` object and returns a :class:`Case`: the input arrays (and which of them require
grad) and ``call(L, *tensors)``, the same code for both libraries. ``L`` has ``L.lib`` (``torch`` or
``miniconv``), ``L.F``, ``L.nn`` and helpers (``L.tensor``, ``L.init_module``). The runner compares what
PyTorch 2.13 does with what miniconv does: forward values, dtypes and shapes, the gradient of every
input and module parameter (for a fixed random cotangent), and whether (and with which class) each
raises. Known, documented differences live in docs/api.md's "Differences the fuzz suite allows" table.

Shapes are small (sides 0-6) and values include NaN, +-inf, 0 and large magnitudes in some cases;
dtypes include integers where an op might refuse them, so both "error where PyTorch works" and
"success where PyTorch raises" come up.
"""
from dataclasses import dataclass, field
from typing import Callable, List

import numpy as np
from hypothesis import strategies as st

FLOATS = ["float32", "float64"]
INTS = ["int64", "uint8"]


@dataclass
class Input:
    array: np.ndarray
    requires_grad: bool = False


@dataclass
class Case:
    inputs: List[Input]
    call: Callable
    note: str = ""
    threads: bool = False  # also check miniconv gives the same bits with 1 and 2 threads
    torch_forward_only: bool = False  # PyTorch's backward would corrupt memory (its own bug): skip it


@dataclass
class OpSpec:
    name: str
    draw: Callable
    examples: int = 150
    tags: tuple = field(default_factory=tuple)


SPECS = []


def op(name, examples=100):
    def deco(fn):
        SPECS.append(OpSpec(name, fn, examples))
        return fn
    return deco


# -- drawing helpers --------------------------------------------------------------------------------
def shape(d, min_dims=0, max_dims=4, min_side=0, max_side=5):
    n = d.draw(st.integers(min_dims, max_dims), label="ndim")
    return tuple(d.draw(st.lists(st.integers(min_side, max_side), min_size=n, max_size=n), label="shape"))


def array(d, shp, dtypes=FLOATS, special=True, grad=True):
    """An Input of shape ``shp``: random normal values (sometimes with NaN/inf/0/huge sprinkled in)."""
    dtype = d.draw(st.sampled_from(dtypes), label="dtype")
    seed = d.draw(st.integers(0, 2**31), label="seed")
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        a = rng.standard_normal(shp) * d.draw(st.sampled_from([1.0, 1.0, 3.0, 1e3]), label="scale")
        if special and a.size and d.draw(st.integers(0, 5), label="special") == 0:
            k = d.draw(st.integers(1, max(1, a.size // 2)), label="n_special")
            idx = rng.integers(0, a.size, k)
            a.reshape(-1)[idx] = rng.choice([np.nan, np.inf, -np.inf, 0.0, 1e30], k)
        a = np.asarray(a).astype(dtype)
        return Input(a, grad and d.draw(st.booleans(), label="requires_grad") or grad == "always")
    if dtype == "bool":
        return Input(rng.integers(0, 2, shp).astype(bool))
    info = np.iinfo(dtype)
    return Input(rng.integers(max(info.min, -5), min(info.max, 6), shp).astype(dtype))


def ints(d, lo, hi, label=None):
    return d.draw(st.integers(lo, hi), label=label)


def pair_arg(d, lo, hi, label):
    """An int or a tuple of one or two ints (PyTorch accepts all three)."""
    kind = d.draw(st.sampled_from(["int", "tuple1", "tuple2"]), label=label + "_form")
    if kind == "int":
        return ints(d, lo, hi, label)
    if kind == "tuple1":
        return (ints(d, lo, hi, label),)
    return (ints(d, lo, hi, label), ints(d, lo, hi, label))


# -- Tensor operators and methods --------------------------------------------------------------------
_BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b, "pow": lambda a, b: a ** b, "matmul": lambda a, b: a @ b,
    "eq": lambda a, b: a == b, "lt": lambda a, b: a < b, "ge": lambda a, b: a >= b,
}


def _broadcastable_pair(d):
    s = shape(d, 0, 3, 0, 4)
    t = list(s[d.draw(st.integers(0, len(s)), label="drop"):])
    for i in range(len(t)):
        if d.draw(st.integers(0, 3), label="one") == 0:
            t[i] = 1
    return s, tuple(t)


for _name, _fn in _BINARY.items():
    def _make(name=_name, fn=_fn):
        @op(f"Tensor.__{name}__")
        def _(d):
            if name == "matmul":
                n, k, m = (ints(d, 0, 5, "n"), ints(d, 0, 5, "k"), ints(d, 0, 5, "m"))
                forms = d.draw(st.sampled_from(["mm", "mv", "vm", "bmm", "bad"]), label="form")
                sa, sb = {"mm": ((n, k), (k, m)), "mv": ((n, k), (k,)), "vm": ((k,), (k, m)),
                          "bmm": ((2, n, k), (k, m)), "bad": ((n, k), (k + 1, m))}[forms]
            else:
                sa, sb = _broadcastable_pair(d)
            a = array(d, sa, FLOATS + INTS)
            if d.draw(st.booleans(), label="scalar_rhs"):
                scalar = d.draw(st.sampled_from([-1, 2, 0.5, -1.5, 0]), label="scalar")
                left = d.draw(st.booleans(), label="scalar_left")
                return Case([a], (lambda L, x: fn(scalar, x)) if left else (lambda L, x: fn(x, scalar)),
                            threads=name == "matmul")
            b = array(d, sb, FLOATS + INTS)
            if name == "pow" and (a.array.dtype.kind != "f" or b.array.dtype.kind != "f"):
                b.array = np.abs(b.array)  # integer ** negative integer raises in both; keep it valid
            return Case([a, b], lambda L, x, y: fn(x, y), threads=name == "matmul")
    _make()

_UNARY = ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "neg"]
for _name in _UNARY:
    def _make(name=_name):
        @op(f"Tensor.{name}")
        def _(d):
            x = array(d, shape(d), FLOATS + INTS)
            return Case([x], (lambda L, t: -t) if name == "neg" else (lambda L, t: getattr(t, name)()))
    _make()


@op("Tensor.sum/mean")
def _(d):
    x = array(d, shape(d), FLOATS + INTS)
    which = d.draw(st.sampled_from(["sum", "mean"]), label="which")
    nd = x.array.ndim
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1)), label="dim")
    keep = d.draw(st.booleans(), label="keepdim")
    if dim is None:
        return Case([x], lambda L, t: getattr(t, which)())
    return Case([x], lambda L, t: getattr(t, which)(dim, keepdim=keep))


@op("Tensor.max/min/argmax")
def _(d):
    x = array(d, shape(d, 0, 3), FLOATS + ["int64"])
    which = d.draw(st.sampled_from(["max", "min", "argmax", "argmin"]), label="which")
    nd = x.array.ndim
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1)), label="dim")
    if dim is None:
        return Case([x], lambda L, t: getattr(t, which)())
    return Case([x], lambda L, t: getattr(t, which)(dim))


@op("Tensor.clamp")
def _(d):
    x = array(d, shape(d), FLOATS)
    lo = d.draw(st.none() | st.sampled_from([-1.0, 0.0, 0.5]), label="min")
    hi = d.draw(st.none() | st.sampled_from([-0.5, 0.0, 1.0]), label="max")
    return Case([x], lambda L, t: t.clamp(lo, hi))


@op("Tensor.var/std")
def _(d):
    x = array(d, shape(d, 0, 3), FLOATS)
    which = d.draw(st.sampled_from(["var", "std"]), label="which")
    nd = x.array.ndim
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1) - 1), label="dim")
    return Case([x], lambda L, t: getattr(t, which)() if dim is None else getattr(t, which)(dim))


@op("Tensor.reshape/view/flatten")
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS + INTS)
    n = x.array.size
    target = d.draw(st.sampled_from([(-1,), (n,), (1, -1), (-1, 1), (2, -1), (n + 1,), ()]), label="target")
    which = d.draw(st.sampled_from(["reshape", "view", "t_view", "t_reshape", "flatten"]), label="which")
    if which in ("t_view", "t_reshape") and x.array.ndim > 2:
        which = "view"
    if which == "flatten":
        return Case([x], lambda L, t: t.flatten())
    if which == "t_view":
        return Case([x], lambda L, t: t.t().view(*target))
    if which == "t_reshape":
        return Case([x], lambda L, t: t.t().reshape(*target))
    return Case([x], lambda L, t: getattr(t, which)(*target))


@op("Tensor.permute/transpose/unsqueeze/squeeze")
def _(d):
    x = array(d, shape(d, 0, 4, 0, 3), FLOATS + INTS)
    nd = x.array.ndim
    which = d.draw(st.sampled_from(["permute", "transpose", "unsqueeze", "squeeze", "squeeze_dim", "t"]),
                   label="which")
    i = d.draw(st.integers(-nd - 1, nd), label="i")
    j = d.draw(st.integers(-nd - 1, nd), label="j")
    if which == "permute":
        perm = list(d.draw(st.permutations(list(range(nd)))))
        return Case([x], lambda L, t: t.permute(*perm))
    if which == "transpose":
        return Case([x], lambda L, t: t.transpose(i, j))
    if which == "unsqueeze":
        return Case([x], lambda L, t: t.unsqueeze(i))
    if which == "squeeze_dim":
        return Case([x], lambda L, t: t.squeeze(i))
    if which == "t":
        return Case([x], lambda L, t: t.t())
    return Case([x], lambda L, t: t.squeeze())


@op("Tensor.__getitem__")
def _(d):
    x = array(d, shape(d, 1, 3, 0, 4), FLOATS + ["int64"])
    n = x.array.shape[0]
    kind = d.draw(st.sampled_from(["int", "slice", "long_tensor", "bool_tensor", "uint8_tensor", "ellipsis"]),
                  label="kind")
    if kind == "int":
        i = d.draw(st.integers(-n - 1, n), label="i")
        return Case([x], lambda L, t: t[i])
    if kind == "slice":
        a, b, s = (d.draw(st.integers(-n - 1, n + 1)), d.draw(st.integers(-n - 1, n + 1)), d.draw(st.integers(1, 3)))
        return Case([x], lambda L, t: t[a:b:s])
    if kind == "ellipsis":
        return Case([x], lambda L, t: t[..., 0] if t.shape[-1] else t[..., :0])
    rng = np.random.default_rng(d.draw(st.integers(0, 1000), label="idx_seed"))
    if kind == "long_tensor":
        idx = Input(rng.integers(-n, max(n, 1) + (1 if d.draw(st.booleans()) else 0), ints(d, 0, 4, "k")))
    else:
        m = d.draw(st.sampled_from([n, n + 1]), label="mask_len") if n else 0
        idx = Input(rng.integers(0, 2, m).astype(bool if kind == "bool_tensor" else np.uint8))
    return Case([x, idx], lambda L, t, i: t[i])


# -- nn.functional -------------------------------------------------------------------------------------
@op("F.relu/sigmoid/tanh/leaky_relu")
def _(d):
    x = array(d, shape(d), FLOATS + ["int64"])
    which = d.draw(st.sampled_from(["relu", "sigmoid", "tanh", "leaky_relu"]), label="which")
    return Case([x], lambda L, t: getattr(L.F, which)(t))


@op("F.softmax/log_softmax")
def _(d):
    x = array(d, shape(d, 0, 4), FLOATS + ["int64"])
    which = d.draw(st.sampled_from(["softmax", "log_softmax"]), label="which")
    nd = x.array.ndim
    dim = d.draw(st.integers(-max(nd, 1), max(nd, 1)), label="dim")
    return Case([x], lambda L, t: getattr(L.F, which)(t, dim))


@op("F.linear", examples=200)
def _(d):
    lead = shape(d, 0, 2, 0, 3)
    i, o = ints(d, 0, 4, "in"), ints(d, 0, 4, "out")
    x = array(d, lead + (i + (1 if ints(d, 0, 9, "bad_in") == 0 else 0),), FLOATS[:1] + ["float64", "int64"])
    w = array(d, (o, i), ["float32"])
    bias_form = d.draw(st.sampled_from(["none", "vec", "row", "scalar", "wrong"]), label="bias")
    bshape = {"vec": (o,), "row": (1, o), "scalar": (), "wrong": (o + 1,)}.get(bias_form)
    if bshape is None:
        return Case([x, w], lambda L, a, b: L.F.linear(a, b), threads=True)
    b = array(d, bshape, ["float32"])
    return Case([x, w, b], lambda L, a, b, c: L.F.linear(a, b, c), threads=True)


def _pool_case(d, which):
    shp = shape(d, 3, 4, 0, 6)
    x = array(d, shp, FLOATS + ["int64"])
    k = pair_arg(d, 1, 4, "k")
    s = d.draw(st.none() | st.integers(1, 3), label="stride")
    p = pair_arg(d, 0, 2, "pad")
    ceil = d.draw(st.booleans(), label="ceil")
    if which == "max":
        dil = pair_arg(d, 1, 3, "dilation")
        ri = d.draw(st.booleans(), label="return_indices")
        return Case([x], lambda L, t: L.F.max_pool2d(t, k, s, p, dil, ceil, ri), threads=True,
                    torch_forward_only=_window_of_padding_only(shp, k, s, p, dil, ceil))
    cip = d.draw(st.booleans(), label="count_include_pad")
    div = d.draw(st.none() | st.integers(1, 3), label="divisor")
    return Case([x], lambda L, t: L.F.avg_pool2d(t, k, s, p, ceil, cip, div), threads=True)


def _two(v):
    v = v if isinstance(v, tuple) else (v,)
    return v * 2 if len(v) == 1 else v


def _window_of_padding_only(shp, k, s, p, dil, ceil):
    """Whether some max-pool window has no tap inside the input (PyTorch 2.13 then returns an index outside
    the plane and its backward writes out of bounds: "double free or corruption"). Written out
    independently of miniconv's check."""
    k, p, dil = _two(k), _two(p), _two(dil)
    s = k if s is None else _two(s)
    for size, kk, ss, pp, dd in zip(shp[-2:], k, s, p, dil):
        out = (size + 2 * pp - dd * (kk - 1) - 1 + (ss - 1 if ceil else 0)) // ss + 1
        if ceil and (out - 1) * ss >= size + pp:
            out -= 1
        for o in range(max(out, 0)):
            if not any(0 <= o * ss - pp + j * dd < size for j in range(kk)):
                return True
    return False


@op("F.max_pool2d", examples=300)
def _(d):
    return _pool_case(d, "max")


@op("F.avg_pool2d", examples=200)
def _(d):
    return _pool_case(d, "avg")


@op("F.adaptive_avg_pool2d")
def _(d):
    x = array(d, shape(d, 3, 4, 0, 6), FLOATS)
    size = d.draw(st.integers(0, 4) | st.tuples(st.integers(1, 4), st.none() | st.integers(1, 4)), label="size")
    return Case([x], lambda L, t: L.F.adaptive_avg_pool2d(t, size))


@op("F.conv2d", examples=200)
def _(d):
    n, cin, h, w = ints(d, 0, 2, "N"), ints(d, 1, 3, "Cin"), ints(d, 1, 6, "H"), ints(d, 1, 6, "W")
    groups = d.draw(st.sampled_from([1, 1, cin]), label="groups")
    cout = groups * ints(d, 1, 2, "per_group")
    kh, kw = ints(d, 1, 3, "kh"), ints(d, 1, 3, "kw")
    x = array(d, (n, cin, h, w), FLOATS)
    wt = array(d, (cout, cin // groups, kh, kw), [x.array.dtype.name])
    stride = pair_arg(d, 1, 2, "stride")
    padding = d.draw(st.sampled_from([0, 1, (1, 0), "same", "valid"]), label="padding")
    dilation = pair_arg(d, 1, 2, "dilation")
    if d.draw(st.booleans(), label="bias"):
        b = array(d, (cout,), [x.array.dtype.name])
        return Case([x, wt, b], lambda L, a, k, c: L.F.conv2d(a, k, c, stride, padding, dilation, groups),
                    threads=True)
    return Case([x, wt], lambda L, a, k: L.F.conv2d(a, k, None, stride, padding, dilation, groups), threads=True)


@op("F.batch_norm")
def _(d):
    shp = (ints(d, 1, 4, "N"), ints(d, 1, 3, "C")) + shape(d, 0, 2, 1, 3)
    x = array(d, shp, FLOATS)
    C = shp[1]
    dt = x.array.dtype.name
    training = d.draw(st.booleans(), label="training")
    rm = d.draw(st.booleans(), label="running_mean")
    rv = d.draw(st.booleans(), label="running_var")
    mean = Input(np.zeros(C, dt))
    var = Input(np.ones(C, dt))
    wb = [array(d, (C,), [dt]), array(d, (C,), [dt])]

    def call(L, t, m, v, w, b):
        out = L.F.batch_norm(t, m if rm else None, v if rv else None, w, b, training, 0.1, 1e-5)
        return out, m, v  # the running statistics are updated in place in training mode
    return Case([x, mean, var] + wb, call)


@op("F.cross_entropy", examples=200)
def _(d):
    N, C = ints(d, 0, 4, "N"), ints(d, 1, 4, "C")
    x = array(d, (N, C), FLOATS)
    rng = np.random.default_rng(ints(d, 0, 1000, "t_seed"))
    reduction = d.draw(st.sampled_from(["mean", "sum", "none"]), label="reduction")
    smoothing = d.draw(st.sampled_from([0.0, 0.0, 0.1, 1.0]), label="label_smoothing")
    ignore = d.draw(st.sampled_from([-100, 0, 1]), label="ignore_index")
    use_weight = d.draw(st.booleans(), label="weight")
    if d.draw(st.integers(0, 3), label="target_kind") == 0:
        p = rng.random((N, C)).astype(x.array.dtype)
        t = Input(p / np.maximum(p.sum(1, keepdims=True), 1e-6))
        pass_ignore = d.draw(st.booleans(), label="pass_ignore")
    else:
        t = Input(rng.integers(0, C, N))
        t.array[rng.random(N) < d.draw(st.sampled_from([0.0, 0.5, 1.0]), label="ignored_frac")] = ignore
        if d.draw(st.booleans(), label="ignored_rows_neg_inf") and N:
            x.array[t.array == ignore] = -np.inf
        pass_ignore = True
    w = Input(np.abs(rng.standard_normal(C)).astype(x.array.dtype) + 0.1)
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    if pass_ignore:
        kw["ignore_index"] = ignore

    def call(L, a, b, c):
        return L.F.cross_entropy(a, b, c if use_weight else None, **kw)
    return Case([x, t, w], call)


@op("F.nll_loss")
def _(d):
    N, C = ints(d, 0, 4, "N"), ints(d, 1, 4, "C")
    x = array(d, (N, C), FLOATS)
    rng = np.random.default_rng(ints(d, 0, 1000, "t_seed"))
    t = Input(rng.integers(0, C + (1 if ints(d, 0, 5, "oob") == 0 else 0), N))
    reduction = d.draw(st.sampled_from(["mean", "sum", "none"]), label="reduction")
    return Case([x, t], lambda L, a, b: L.F.nll_loss(a, b, reduction=reduction))


@op("F.mse_loss")
def _(d):
    s = shape(d, 0, 3)
    x, y = array(d, s, FLOATS), array(d, s, FLOATS)
    reduction = d.draw(st.sampled_from(["mean", "sum", "none"]), label="reduction")
    return Case([x, y], lambda L, a, b: L.F.mse_loss(a, b, reduction=reduction))


@op("F.pad")
def _(d):
    x = array(d, shape(d, 2, 4, 1, 4), FLOATS)
    pads = tuple(d.draw(st.lists(st.integers(-1, 3), min_size=2, max_size=4), label="pad"))
    if len(pads) % 2:
        pads = pads[:-1]
    mode = d.draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]), label="mode")
    return Case([x], lambda L, t: L.F.pad(t, pads, mode=mode))


# -- Modules ---------------------------------------------------------------------------------------------
@op("nn.Conv2d")
def _(d):
    cin, cout = ints(d, 1, 3, "cin"), ints(d, 1, 3, "cout")
    k = pair_arg(d, 1, 3, "k")
    stride = pair_arg(d, 1, 2, "stride")
    padding = d.draw(st.sampled_from([0, 1, (1,), (0, 1), "same"]), label="padding")
    mode = d.draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]), label="padding_mode")
    bias = d.draw(st.booleans(), label="bias")
    x = array(d, (ints(d, 0, 2, "N"), cin, ints(d, 2, 6, "H"), ints(d, 2, 6, "W")), ["float32"])

    def call(L, t):
        m = L.init_module(L.nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=bias, padding_mode=mode))
        return m(t), m
    return Case([x], call)


@op("nn.Linear/BatchNorm/Pool modules")
def _(d):
    which = d.draw(st.sampled_from(["Linear", "BatchNorm1d", "BatchNorm2d", "MaxPool2d", "AvgPool2d"]), label="which")
    if which == "Linear":
        i, o = ints(d, 0, 3, "in"), ints(d, 1, 3, "out")
        x = array(d, shape(d, 0, 2, 0, 3) + (i,), ["float32"])
        return Case([x], lambda L, t: (lambda m: (m(t), m))(L.init_module(L.nn.Linear(i, o))))
    if which.startswith("BatchNorm"):
        C = ints(d, 1, 3, "C")
        shp = (ints(d, 1, 3, "N"), C) + ((ints(d, 1, 3, "H"), ints(d, 1, 3, "W")) if which.endswith("2d") else ())
        x = array(d, shp, ["float32"])
        train = d.draw(st.booleans(), label="train")
        track = d.draw(st.booleans(), label="track_running_stats")

        def call(L, t):
            m = L.init_module(getattr(L.nn, which)(C, track_running_stats=track))
            m.train(train)
            return m(t), m
        return Case([x], call)
    k = pair_arg(d, 1, 3, "k")
    p = d.draw(st.integers(0, 1), label="pad")
    x = array(d, (ints(d, 1, 2, "N"), 1, ints(d, 1, 5, "H"), ints(d, 1, 5, "W")), ["float32"])
    return Case([x], lambda L, t: (lambda m: (m(t), m))(getattr(L.nn, which)(k, padding=p)))


# ======================================================================================================
# Issue-9 API breadth (rows added for issue 11's coverage of the whole public API)
# ======================================================================================================
def _dim(d, nd, label="dim"):
    """A dim that is sometimes out of range (both libraries must then raise alike)."""
    return d.draw(st.integers(-max(nd, 1) - 1, max(nd, 1)), label=label)


_MATH = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "exp2", "expm1", "log10", "log1p",
         "log2", "floor", "ceil", "round", "trunc", "frac", "sign", "reciprocal", "rsqrt", "square", "erf"]
for _name in _MATH:
    def _make(name=_name):
        @op(f"torch.{name}", examples=25)
        def _(d):
            x = array(d, shape(d, 0, 3, 0, 4), FLOATS + ["int64"])
            if d.draw(st.booleans(), label="method"):
                return Case([x], lambda L, t: getattr(t, name)())
            return Case([x], lambda L, t: getattr(L.lib, name)(t))
    _make()


@op("torch.minimum/maximum/fmod/remainder/atan2", examples=150)
def _(d):
    which = d.draw(st.sampled_from(["minimum", "maximum", "fmod", "remainder", "atan2"]), label="which")
    sa, sb = _broadcastable_pair(d)
    a, b = array(d, sa, FLOATS + ["int64"]), array(d, sb, FLOATS + ["int64"])
    if which in ("fmod", "remainder") and d.draw(st.booleans(), label="scalar"):
        s = d.draw(st.sampled_from([2, -1.5, 0.5, 3]), label="divisor")
        return Case([a], lambda L, x: getattr(L.lib, which)(x, s))
    if which in ("fmod", "remainder") and b.array.dtype.kind == "i":
        b.array[b.array == 0] = 1  # integer division by zero raises in PyTorch, is undefined in NumPy
    return Case([a, b], lambda L, x, y: getattr(L.lib, which)(x, y))


@op("torch.lerp/where/clamp(tensor)", examples=80)
def _(d):
    which = d.draw(st.sampled_from(["lerp", "lerp_t", "where", "where_scalar", "clamp_t"]), label="which")
    sa, sb = _broadcastable_pair(d)
    a, b = array(d, sa, FLOATS), array(d, sb, FLOATS)
    if which == "lerp":
        w = d.draw(st.sampled_from([0.0, 0.3, 1.0, 2.5]), label="weight")
        return Case([a, b], lambda L, x, y: L.lib.lerp(x, y, w))
    if which == "lerp_t":
        w = array(d, sb, [a.array.dtype.name])
        return Case([a, b, w], lambda L, x, y, z: L.lib.lerp(x, y, z))
    if which == "clamp_t":
        return Case([a, b], lambda L, x, y: L.lib.clamp(x, min=y))
    rng = np.random.default_rng(ints(d, 0, 1000, "c_seed"))
    c = Input(rng.integers(0, 2, sb).astype(bool))
    if which == "where_scalar":
        return Case([c, a], lambda L, m, x: L.lib.where(m, x, 0.5))
    return Case([c, a, b], lambda L, m, x, y: L.lib.where(m, x, y))


@op("torch.amax/amin/prod/logsumexp", examples=150)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS + ["int64"])
    nd = x.array.ndim
    which = d.draw(st.sampled_from(["amax", "amin", "prod", "logsumexp"]), label="which")
    dim = _dim(d, nd)
    keep = d.draw(st.booleans(), label="keepdim")
    if which == "prod" and d.draw(st.booleans(), label="no_dim"):
        return Case([x], lambda L, t: t.prod())
    if which in ("amax", "amin") and nd >= 2 and d.draw(st.booleans(), label="tuple_dim"):
        dim = (0, -1)
    return Case([x], lambda L, t: getattr(L.lib, which)(t, dim, keepdim=keep))


@op("torch.norm", examples=100)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS)
    p = d.draw(st.sampled_from(["fro", 2, 1, float("inf"), 3]), label="p")
    nd = x.array.ndim
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1) - 1), label="dim")
    keep = d.draw(st.booleans(), label="keepdim")
    if p == "fro" and dim is not None:
        p = 2
    return Case([x], lambda L, t: L.lib.norm(t, p, dim, keep))


@op("torch.cumsum/cumprod", examples=100)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS + ["int64"])
    which = d.draw(st.sampled_from(["cumsum", "cumprod"]), label="which")
    dim = _dim(d, x.array.ndim)
    return Case([x], lambda L, t: getattr(L.lib, which)(t, dim))


@op("torch.sort/topk", examples=80)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS + ["int64"], special=False)
    nd = x.array.ndim
    dim = _dim(d, nd)
    # distinct values: which of two equal elements comes first is unspecified for unstable sorts
    x.array = (np.random.default_rng(x.array.size).permutation(x.array.size).reshape(x.array.shape)
               .astype(x.array.dtype) - 2)
    if d.draw(st.booleans(), label="sort"):
        desc = d.draw(st.booleans(), label="descending")
        return Case([x], lambda L, t: tuple(L.lib.sort(t, dim, descending=desc)))
    k = ints(d, 0, 4, "k")
    largest = d.draw(st.booleans(), label="largest")
    return Case([x], lambda L, t: tuple(L.lib.topk(t, k, dim, largest=largest)))


@op("torch.std/var(correction)", examples=120)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS, special=False)
    which = d.draw(st.sampled_from(["std", "var", "std_mean", "var_mean"]), label="which")
    nd = x.array.ndim
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1) - 1), label="dim")
    corr = d.draw(st.sampled_from([0, 1, 2]), label="correction")
    keep = d.draw(st.booleans(), label="keepdim")
    if dim is None:
        return Case([x], lambda L, t: getattr(L.lib, which)(t, correction=corr))
    return Case([x], lambda L, t: getattr(L.lib, which)(t, dim, correction=corr, keepdim=keep))


@op("torch.cat/stack", examples=80)
def _(d):
    s = shape(d, 1, 3, 0, 3)
    n = ints(d, 1, 3, "n")
    which = d.draw(st.sampled_from(["cat", "stack"]), label="which")
    dim = _dim(d, len(s) + (which == "stack"))
    xs = []
    for i in range(n):
        t = list(s)
        if which == "cat" and d.draw(st.booleans(), label="vary"):
            t[dim % len(s) if -len(s) - 1 < dim < len(s) else 0] = ints(d, 0, 3, "side")
        if d.draw(st.integers(0, 6), label="mismatch") == 0:
            t[-1] += 1
        xs.append(array(d, tuple(t), FLOATS[:1] if i else FLOATS))
    return Case(xs, lambda L, *ts: getattr(L.lib, which)(list(ts), dim))


@op("torch.split/chunk/unbind", examples=100)
def _(d):
    x = array(d, shape(d, 1, 3, 0, 5), FLOATS)
    nd = x.array.ndim
    dim = _dim(d, nd)
    which = d.draw(st.sampled_from(["split", "split_list", "chunk", "unbind"]), label="which")
    if which == "split":
        k = ints(d, 0, 3, "size")
        return Case([x], lambda L, t: tuple(L.lib.split(t, k, dim)))
    if which == "split_list":
        sec = d.draw(st.lists(st.integers(0, 3), min_size=1, max_size=3), label="sections")
        return Case([x], lambda L, t: tuple(L.lib.split(t, sec, dim)))
    if which == "chunk":
        k = ints(d, 0, 4, "chunks")
        return Case([x], lambda L, t: tuple(L.lib.chunk(t, k, dim)))
    return Case([x], lambda L, t: tuple(L.lib.unbind(t, dim)))


@op("torch.gather/scatter/index_select", examples=150)
def _(d):
    x = array(d, shape(d, 1, 3, 1, 4), FLOATS)
    nd = x.array.ndim
    dim = _dim(d, nd)
    rng = np.random.default_rng(ints(d, 0, 1000, "i_seed"))
    which = d.draw(st.sampled_from(["gather", "scatter", "scatter_value", "scatter_add", "index_select"]),
                   label="which")
    side = x.array.shape[dim] if -nd <= dim < nd else 1
    hi = side + (1 if ints(d, 0, 6, "oob") == 0 else 0)
    if which == "index_select":
        idx = Input(rng.integers(-0, hi, ints(d, 0, 4, "k")))
        return Case([x, idx], lambda L, t, i: L.lib.index_select(t, dim, i))
    ishape = tuple(rng.integers(0, s + 1) for s in x.array.shape)
    idx = Input(rng.integers(0, hi, ishape))
    if which == "gather":
        return Case([x, idx], lambda L, t, i: L.lib.gather(t, dim, i))
    src = array(d, ishape, [x.array.dtype.name])
    if which == "scatter_value":
        return Case([x, idx], lambda L, t, i: L.lib.scatter(t, dim, i, value=1.5))
    if which == "scatter_add":
        return Case([x, idx, src], lambda L, t, i, s: L.lib.scatter_add(t, dim, i, s))
    # scatter with duplicate indices writes one of them (unspecified): keep the indices unique per slice
    if idx.array.size:
        idx.array = np.zeros_like(idx.array) if ishape[dim % nd] <= 1 else idx.array
        if ishape[dim % nd] > 1:
            idx.array = np.broadcast_to(
                np.arange(ishape[dim % nd]).reshape([-1 if i == dim % nd else 1 for i in range(nd)]),
                ishape).copy() % max(hi, 1)
    return Case([x, idx, src], lambda L, t, i, s: L.lib.scatter(t, dim, i, s))


@op("Tensor.masked_fill/repeat/tile/expand", examples=100)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 3), FLOATS + ["int64"])
    which = d.draw(st.sampled_from(["masked_fill", "repeat", "tile", "expand"]), label="which")
    nd = x.array.ndim
    if which == "masked_fill":
        rng = np.random.default_rng(ints(d, 0, 1000, "m_seed"))
        _, ms = _broadcastable_pair(d) if d.draw(st.booleans(), label="odd_mask") else (None, x.array.shape)
        m = Input(rng.integers(0, 2, ms).astype(bool))
        v = d.draw(st.sampled_from([0.0, -1.5, float("-inf"), 3]), label="value")
        return Case([x, m], lambda L, t, mm: t.masked_fill(mm, v))
    reps = tuple(d.draw(st.lists(st.integers(0, 3), min_size=max(0, nd - 1), max_size=nd + 2), label="reps"))
    if which == "expand":
        sizes = tuple(d.draw(st.sampled_from([-1, 1, 2, 3]), label="size") for _ in range(nd + ints(d, 0, 1)))
        return Case([x], lambda L, t: t.expand(*sizes))
    return Case([x], lambda L, t: getattr(t, which)(*reps))


_CMP = {"gt": lambda a, b: a > b, "le": lambda a, b: a <= b, "ne": lambda a, b: a != b,
        "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b}


@op("Tensor comparisons/bitwise", examples=80)
def _(d):
    which = d.draw(st.sampled_from(sorted(_CMP) + ["invert"]), label="which")
    sa, sb = _broadcastable_pair(d)
    dts = ["bool", "int64", "uint8"] + (FLOATS if which in ("gt", "le", "ne") else [])
    a = array(d, sa, dts)
    if which == "invert":
        return Case([a], lambda L, t: ~t)
    if d.draw(st.booleans(), label="scalar"):
        s = d.draw(st.sampled_from([0, 1, 3, True]), label="s")
        return Case([a], lambda L, t: _CMP[which](t, s))
    b = array(d, sb, dts)
    return Case([a, b], lambda L, x, y: _CMP[which](x, y))


@op("Tensor in-place ops", examples=200)
def _(d):
    """In-place methods and augmented operators on a non-leaf tensor: values and gradients through them."""
    sa, sb = _broadcastable_pair(d)
    a = array(d, sa, FLOATS, grad="always")
    b = array(d, sb, FLOATS)
    which = d.draw(st.sampled_from(["add_", "sub_", "mul_", "div_", "clamp_", "+=", "-=", "*=", "/=",
                                    "add_alpha", "pow_", "exp_", "neg_", "lerp_", "fill_", "zero_"]),
                   label="which")

    def call(L, x, y):
        t = x * 1.0
        if which in ("+=", "-=", "*=", "/="):
            u = t
            if which == "+=":
                u += y
            elif which == "-=":
                u -= y
            elif which == "*=":
                u *= y
            else:
                u /= y
            return u, t
        if which == "clamp_":
            r = t.clamp_(-0.5, 1.0)
        elif which == "add_alpha":
            r = t.add_(y, alpha=2)
        elif which == "pow_":
            r = t.pow_(2)
        elif which in ("exp_", "neg_", "zero_"):
            r = getattr(t, which)()
        elif which == "fill_":
            r = t.fill_(0.25)
        elif which == "lerp_":
            r = t.lerp_(y, 0.3)
        else:
            r = getattr(t, which)(y)
        return r, t
    return Case([a, b], call)


@op("Tensor.__setitem__", examples=100)
def _(d):
    x = array(d, shape(d, 1, 3, 1, 4), FLOATS, grad="always")
    n = x.array.shape[0]
    kind = d.draw(st.sampled_from(["int", "slice", "mask", "long", "ellipsis"]), label="kind")
    rng = np.random.default_rng(ints(d, 0, 1000, "idx_seed"))
    if kind == "int":
        idx = d.draw(st.integers(-n - 1, n), label="i")
        sub = x.array.shape[1:]
    elif kind == "slice":
        a, b = d.draw(st.integers(-n, n)), d.draw(st.integers(-n, n))
        idx = slice(a, b)
        sub = np.empty(x.array.shape)[idx].shape
    elif kind == "ellipsis":
        idx = (Ellipsis, 0)
        sub = x.array.shape[:-1]
    elif kind == "mask":
        idx = rng.integers(0, 2, n).astype(bool)
        sub = np.empty(x.array.shape)[idx].shape
    else:
        idx = np.unique(rng.integers(0, n, ints(d, 0, 3, "k")))  # unique: duplicate writes are unspecified
        sub = np.empty(x.array.shape)[idx].shape
    vkind = d.draw(st.sampled_from(["scalar", "tensor", "broadcast", "wrong"]), label="value")
    if vkind == "scalar":
        v = None
    else:
        vs = {"tensor": sub, "broadcast": sub[-1:] if sub else (), "wrong": tuple(s + 1 for s in sub) or (2,)}[vkind]
        v = array(d, vs, [x.array.dtype.name])

    def call(L, t, *val):
        i = L.tensor(Input(idx)) if isinstance(idx, np.ndarray) else idx
        y = t * 1.0
        y[i] = 2.5 if not val else val[0]
        return y
    return Case([x] + ([] if v is None else [v]), call)


@op("creation functions", examples=150)
def _(d):
    which = d.draw(st.sampled_from(["zeros", "ones", "full", "arange", "linspace", "eye", "randn", "rand",
                                    "randint", "empty", "zeros_like", "tensor"]), label="which")
    size = tuple(d.draw(st.lists(st.integers(-2, 3), min_size=0, max_size=3), label="size"))
    dtype = d.draw(st.sampled_from([None, "float32", "float64", "int64", "bool"]), label="dtype")

    def dt(L):
        return None if dtype is None else getattr(L.lib, dtype)

    def shape_of(t):
        return tuple(t.shape), str(t.dtype).replace("torch.", "").replace("miniconv.", "")

    if which in ("zeros", "ones"):
        return Case([], lambda L: getattr(L.lib, which)(*size, dtype=dt(L)))
    if which == "full":
        v = d.draw(st.sampled_from([1.5, 2, True]), label="fill")
        return Case([], lambda L: L.lib.full(size, v, dtype=dt(L)))
    if which == "arange":
        a, b, s = (d.draw(st.sampled_from([0, 1, 2.5, -3]), label="start"), d.draw(st.sampled_from([0, 5, -1, 3.5]), label="end"),
                   d.draw(st.sampled_from([1, 2, -1, 0, 0.5]), label="step"))
        return Case([], lambda L: L.lib.arange(a, b, s, dtype=dt(L)))
    if which == "linspace":
        steps = ints(d, -1, 4, "steps")
        return Case([], lambda L: L.lib.linspace(-1, 2, steps, dtype=dt(L)))
    if which == "eye":
        n, m = ints(d, -1, 3, "n"), d.draw(st.none() | st.integers(-1, 3), label="m")
        return Case([], lambda L: L.lib.eye(n, dtype=dt(L)) if m is None else L.lib.eye(n, m, dtype=dt(L)))
    if which in ("randn", "rand", "empty"):
        return Case([], lambda L: shape_of(getattr(L.lib, which)(*size, dtype=dt(L))))
    if which == "randint":
        hi = ints(d, 0, 3, "high")
        return Case([], lambda L: shape_of(L.lib.randint(hi, size, dtype=dt(L))))
    if which == "tensor":
        data = d.draw(st.sampled_from([[1, 2], [[1, 2], [3]], [1.5, True], [], [[], []], 3, "x"]), label="data")
        return Case([], lambda L: L.lib.tensor(data, dtype=dt(L)))
    x = array(d, tuple(max(s, 0) for s in size), FLOATS + ["int64"])
    return Case([x], lambda L, t: L.lib.zeros_like(t, dtype=dt(L)))


# -- issue-9 modules ------------------------------------------------------------------------------------
def _module_case(x, make, extra=()):
    """Case running ``make(L)`` (a module, parameters set by L.init_module) on ``x``: output, gradients of
    the input and every parameter, and the buffers."""
    def call(L, t, *rest):
        m = L.init_module(make(L))
        return m(t, *rest), m
    return Case([x] + list(extra), call)


def _moderate(x):
    """Scale values of magnitude 1e3 down (NaN, inf and 1e30 stay): float32 normalisation of a group whose
    values are all equal then compares PyTorch's rounding error, amplified by 1/sqrt(eps), with miniconv's."""
    a = x.array
    x.array = np.where(np.isfinite(a) & (np.abs(a) < 1e20), a / 1e3, a).astype(a.dtype) if np.abs(
        a[np.isfinite(a) & (np.abs(a) < 1e20)]).max(initial=0) > 100 else a
    return x


@op("nn.LayerNorm/GroupNorm/InstanceNorm", examples=150)
def _(d):
    which = d.draw(st.sampled_from(["LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d"]), label="which")
    affine = d.draw(st.booleans(), label="affine")
    eps = d.draw(st.sampled_from([1e-5, 1e-2]), label="eps")
    if which == "LayerNorm":
        shp = shape(d, 1, 4, 0, 4)
        k = ints(d, 1, len(shp), "normalized_dims")
        ns = shp[-k:] if d.draw(st.integers(0, 6), label="bad") else tuple(s + 1 for s in shp[-k:])
        x = _moderate(array(d, shp, FLOATS[:1]))
        return _module_case(x, lambda L: L.nn.LayerNorm(ns, eps=eps, elementwise_affine=affine))
    if which == "GroupNorm":
        g = ints(d, 1, 3, "groups")
        C = g * ints(d, 1, 2, "per_group") + (1 if ints(d, 0, 6, "bad") == 0 else 0)
        x = _moderate(array(d, (ints(d, 1, 3, "N"), C) + shape(d, 0, 2, 1, 3), FLOATS[:1]))
        return _module_case(x, lambda L: L.nn.GroupNorm(g, C, eps=eps, affine=affine))
    C = ints(d, 1, 3, "C")
    spatial = 1 if which.endswith("1d") else 2
    x = _moderate(array(d, (ints(d, 1, 2, "N"), C) + tuple(ints(d, 1, 4, "side") for _ in range(spatial)), FLOATS[:1]))
    track = d.draw(st.booleans(), label="track_running_stats")
    train = d.draw(st.booleans(), label="train")

    def make(L):
        m = getattr(L.nn, which)(C, eps=eps, affine=affine, track_running_stats=track)
        return m.train(train)
    return _module_case(x, make)


@op("nn.AvgPool2d/Adaptive*Pool2d", examples=80)
def _(d):
    which = d.draw(st.sampled_from(["AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]), label="which")
    x = array(d, shape(d, 3, 4, 1, 6), FLOATS)
    if which == "AvgPool2d":
        k = pair_arg(d, 1, 3, "k")
        s = d.draw(st.none() | st.integers(1, 2), label="stride")
        p = d.draw(st.integers(0, 1), label="pad")
        ceil = d.draw(st.booleans(), label="ceil")
        return Case([x], lambda L, t: (lambda m: (m(t), m))(L.nn.AvgPool2d(k, s, p, ceil_mode=ceil)))
    size = d.draw(st.integers(1, 4) | st.tuples(st.integers(1, 4), st.none() | st.integers(1, 4)), label="size")
    if which == "AdaptiveMaxPool2d" and d.draw(st.booleans(), label="return_indices"):
        return Case([x], lambda L, t: L.nn.AdaptiveMaxPool2d(size, return_indices=True)(t))
    return Case([x], lambda L, t: getattr(L.nn, which)(size)(t))


_ACTS = {"ELU": lambda nn: nn.ELU(0.7), "GELU": lambda nn: nn.GELU(), "GELU_tanh": lambda nn: nn.GELU("tanh"),
         "SiLU": lambda nn: nn.SiLU(), "LeakyReLU": lambda nn: nn.LeakyReLU(0.2), "Mish": lambda nn: nn.Mish(),
         "Softplus": lambda nn: nn.Softplus(2.0, 5.0), "Hardtanh": lambda nn: nn.Hardtanh(-0.5, 0.7),
         "ReLU6": lambda nn: nn.ReLU6(), "Softsign": lambda nn: nn.Softsign(), "Sigmoid": lambda nn: nn.Sigmoid(),
         "Tanh": lambda nn: nn.Tanh(), "Identity": lambda nn: nn.Identity()}


@op("nn activations", examples=200)
def _(d):
    which = d.draw(st.sampled_from(sorted(_ACTS) + ["Softmax", "LogSoftmax"]), label="which")
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS)
    if which in ("Softmax", "LogSoftmax"):
        dim = _dim(d, x.array.ndim)
        return Case([x], lambda L, t: getattr(L.nn, which)(dim)(t))
    return Case([x], lambda L, t: _ACTS[which](L.nn)(t))


@op("nn.Embedding", examples=100)
def _(d):
    num, dim = ints(d, 1, 5, "num"), ints(d, 1, 3, "dim")
    rng = np.random.default_rng(ints(d, 0, 1000, "i_seed"))
    hi = num + (1 if ints(d, 0, 6, "oob") == 0 else 0)
    idx = Input(rng.integers(-1 if ints(d, 0, 8, "neg") == 0 else 0, hi, shape(d, 0, 2, 0, 3)))
    pad = d.draw(st.none() | st.integers(-num, num - 1), label="padding_idx")
    max_norm = d.draw(st.none() | st.just(1.0), label="max_norm")

    def call(L, i):
        m = L.init_module(L.nn.Embedding(num, dim, padding_idx=pad, max_norm=max_norm))
        return m(i), m
    return Case([idx], call)


@op("nn.Conv1d/ConvTranspose2d", examples=80)
def _(d):
    which = d.draw(st.sampled_from(["Conv1d", "ConvTranspose2d"]), label="which")
    cin, cout = ints(d, 1, 3, "cin"), ints(d, 1, 3, "cout")
    groups = d.draw(st.sampled_from([1, 1, cin]), label="groups")
    if cout % groups:
        cout = groups
    k = ints(d, 1, 3, "k")
    stride, pad, dil = ints(d, 1, 2, "stride"), ints(d, 0, 1, "pad"), ints(d, 1, 2, "dil")
    bias = d.draw(st.booleans(), label="bias")
    if which == "Conv1d":
        mode = d.draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]), label="padding_mode")
        x = array(d, (ints(d, 0, 2, "N"), cin, ints(d, 1, 6, "L")), FLOATS)
        return _module_case(x, lambda L: L.nn.Conv1d(cin, cout, k, stride, pad, dil, groups, bias, mode).to(
            getattr(L.lib, x.array.dtype.name)))
    outpad = ints(d, 0, 1, "output_padding")
    x = array(d, (ints(d, 0, 2, "N"), cin, ints(d, 1, 4, "H"), ints(d, 1, 4, "W")), FLOATS)
    return _module_case(x, lambda L: L.nn.ConvTranspose2d(cin, cout, k, stride, pad, outpad, groups, bias, dil).to(
        getattr(L.lib, x.array.dtype.name)))


@op("nn losses", examples=150)
def _(d):
    which = d.draw(st.sampled_from(["L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
                                    "KLDivLoss", "NLLLoss", "MSELoss", "CrossEntropyLoss"]), label="which")
    reduction = d.draw(st.sampled_from(["mean", "sum", "none"] + (["batchmean"] if which == "KLDivLoss" else [])),
                       label="reduction")
    rng = np.random.default_rng(ints(d, 0, 1000, "t_seed"))
    if which in ("NLLLoss", "CrossEntropyLoss"):
        N, C = ints(d, 0, 4, "N"), ints(d, 1, 4, "C")
        x = array(d, (N, C), FLOATS)
        t = Input(rng.integers(0, C + (1 if ints(d, 0, 6, "oob") == 0 else 0), N))
        w = Input(np.abs(rng.standard_normal(C)).astype(x.array.dtype) + 0.1)
        use_w = d.draw(st.booleans(), label="weight")
        return Case([x, t, w], lambda L, a, b, c: getattr(L.nn, which)(weight=c if use_w else None,
                                                                          reduction=reduction)(a, b))
    s = shape(d, 0, 3, 0, 4)
    x = array(d, s, FLOATS, special=which not in ("BCELoss",))
    y = array(d, s if d.draw(st.integers(0, 6), label="bcast") else s[1:], [x.array.dtype.name], special=False)
    kw = {}
    if which == "BCELoss":
        x.array = 1 / (1 + np.exp(-x.array))  # probabilities
        y.array = rng.random(y.array.shape).astype(x.array.dtype)
        # (both gradients compared: the target's is PyTorch's unclamped -logit(x), +-inf where x is 0 or 1)
    elif which == "BCEWithLogitsLoss":
        y.array = rng.random(y.array.shape).astype(x.array.dtype)
        if d.draw(st.booleans(), label="pos_weight") and s:
            kw["pos_weight"] = np.abs(rng.standard_normal(s[-1:])).astype(x.array.dtype)
    elif which == "KLDivLoss":
        kw["log_target"] = d.draw(st.booleans(), label="log_target")
        if not kw["log_target"]:
            y.array = np.abs(y.array)
    elif which in ("SmoothL1Loss", "HuberLoss"):
        kw["beta" if which == "SmoothL1Loss" else "delta"] = d.draw(st.sampled_from([1.0, 0.5, 2.0]), label="beta")

    def call(L, a, b):
        k = {n: (L.tensor(Input(v)) if isinstance(v, np.ndarray) else v) for n, v in kw.items()}
        return getattr(L.nn, which)(reduction=reduction, **k)(a, b)
    return Case([x, y], call)


@op("nn.Dropout (eval, p=0, p=1)", examples=60)
def _(d):
    which = d.draw(st.sampled_from(["Dropout", "Dropout2d"]), label="which")
    x = array(d, shape(d, 3, 4, 0, 3) if which == "Dropout2d" else shape(d), FLOATS)
    p = d.draw(st.sampled_from([0.0, 1.0, 0.5, 1.5, -0.1]), label="p")
    train = d.draw(st.booleans(), label="train") if p in (0.0, 1.0) else False
    if p in (1.5, -0.1):
        train = True
    return Case([x], lambda L, t: getattr(L.nn, which)(p).train(train)(t))


@op("F.dropout statistics", examples=15)
def _(d):
    """Training-mode dropout: every element is 0 or x / (1 - p), and the kept fraction is near 1 - p."""
    p = d.draw(st.sampled_from([0.2, 0.5, 0.8]), label="p")
    x = Input(np.ones(20000, np.float32))

    def call(L, t):
        y = L.F.dropout(t, p, training=True)
        v = L.numpy(y)
        scale_ok = bool(np.all((v == 0) | np.isclose(v, 1 / (1 - p))))
        return scale_ok, round(float((v != 0).mean()), 1)
    return Case([x], call)


@op("optimizers (steps vs PyTorch)", examples=80)
def _(d):
    which = d.draw(st.sampled_from(["SGD", "SGD_momentum", "Adam", "Adam_amsgrad", "AdamW", "RMSprop",
                                    "Adagrad", "Adadelta"]), label="which")
    wd = d.draw(st.sampled_from([0.0, 0.01]), label="weight_decay")
    p = array(d, shape(d, 0, 2, 1, 3), FLOATS, special=False, grad=False)
    rng = np.random.default_rng(ints(d, 0, 1000, "g_seed"))
    grads = [Input(rng.standard_normal(p.array.shape).astype(p.array.dtype)) for _ in range(3)]
    kw = {"SGD": dict(lr=0.1), "SGD_momentum": dict(lr=0.1, momentum=0.9, nesterov=True),
          "Adam": dict(lr=0.01), "Adam_amsgrad": dict(lr=0.01, amsgrad=True), "AdamW": dict(lr=0.01),
          "RMSprop": dict(lr=0.01, momentum=0.5, centered=True), "Adagrad": dict(lr=0.1),
          "Adadelta": dict(lr=1.0)}[which]

    def call(L, t, *gs):
        param = L.nn.Parameter(t.detach().clone())
        opt = getattr(L.lib.optim, which.split("_")[0])([param], weight_decay=wd, **kw)
        for g in gs:
            param.grad = g.clone()
            opt.step()
        return param.detach()
    return Case([p] + grads, call)


# ======================================================================================================
# fuzz3: ops not fuzzed before (einsum, linalg, products, meshgrid, selections, flips, one_hot/normalize/
# cosine_similarity, SyncBatchNorm without a process group, LR schedulers)
# ======================================================================================================
_EINSUM = ["ij,jk->ik", "ij,jk", "bi,bi->b", "ii", "ii->i", "ij->ji", "ij->", "i,j->ij", "bij,bjk->bik",
           "ij,ij->ij", "i,i", "ijk->kji", "ij,kj->ik", "ab,bc,cd->ad", "i->", "ij,j", "ij,k->ijk"]


@op("torch.einsum", examples=100)
def _(d):
    eq = d.draw(st.sampled_from(_EINSUM), label="equation")
    ins = eq.split("->")[0].split(",")
    sizes = {c: ints(d, 0, 3, f"size_{c}") for c in sorted(set("".join(ins)))}
    if d.draw(st.integers(0, 8), label="bad") == 0:
        sizes[ins[0][0]] += 1 if len(ins) > 1 else 0  # a size mismatch between operands (where one is shared)
    xs = []
    for i, s in enumerate(ins):
        shp = [sizes[c] for c in s]
        if i and d.draw(st.integers(0, 8), label="mismatch") == 0 and shp:
            shp[-1] += 1
        xs.append(array(d, tuple(shp), FLOATS[:1] if i else FLOATS))
    if d.draw(st.integers(0, 8), label="dtype_mix") == 0 and len(xs) > 1:
        xs[1].array = xs[1].array.astype(np.float64)
    return Case(xs, lambda L, *ts: L.lib.einsum(eq, *ts))


@op("torch.linalg.norm/vector_norm", examples=100)
def _(d):
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS)
    which = d.draw(st.sampled_from(["norm", "vector_norm"]), label="which")
    nd = x.array.ndim
    ord_ = d.draw(st.sampled_from([None, 2, 1, float("inf"), float("-inf"), 0, 3, "fro"] if which == "norm"
                                  else [2, 1, float("inf"), float("-inf"), 0, 3, 0.5]), label="ord")
    dim = d.draw(st.none() | st.integers(-max(nd, 1), max(nd, 1) - 1), label="dim")
    keep = d.draw(st.booleans(), label="keepdim")
    if which == "norm":
        if ord_ == "fro" and (nd != 2 or dim is not None):
            ord_ = None
        if ord_ not in (None, "fro") and dim is None and nd != 1:
            dim = -1 if nd else None  # a vector ord needs a vector (matrix ords other than 'fro' are not supported)
            if dim is None:
                ord_ = None
        return Case([x], lambda L, t: L.lib.linalg.norm(t, ord_, dim, keep))
    return Case([x], lambda L, t: L.lib.linalg.vector_norm(t, ord_, dim, keep))


@op("torch.mm/bmm/outer/dot", examples=100)
def _(d):
    which = d.draw(st.sampled_from(["mm", "bmm", "outer", "dot"]), label="which")
    n, k, m, b = ints(d, 0, 4, "n"), ints(d, 0, 4, "k"), ints(d, 0, 4, "m"), ints(d, 0, 3, "b")
    bad = 1 if ints(d, 0, 7, "bad") == 0 else 0
    sa, sb = {"mm": ((n, k), (k + bad, m)), "bmm": ((b, n, k), (b, k + bad, m)), "outer": ((n,), (m,)),
              "dot": ((k,), (k + bad,))}[which]
    if which in ("mm", "dot") and ints(d, 0, 7, "bad_ndim") == 0:
        sa = sa + (1,)
    x, y = array(d, sa, FLOATS + ["int64"]), array(d, sb, FLOATS + ["int64"])
    return Case([x, y], lambda L, a, c: getattr(L.lib, which)(a, c))


@op("torch.meshgrid", examples=60)
def _(d):
    n = ints(d, 1, 3, "n")
    xs = [array(d, shape(d, 0, 1 if ints(d, 0, 6, "bad_ndim") else 2, 0, 3), FLOATS[:1]) for _ in range(n)]
    indexing = d.draw(st.sampled_from(["ij", "xy", None]), label="indexing")
    return Case(xs, lambda L, *ts: tuple(L.lib.meshgrid(*ts, indexing=indexing) if indexing else
                                         L.lib.meshgrid(*ts, indexing="ij")))


@op("torch.nonzero/masked_select/argwhere", examples=100)
def _(d):
    which = d.draw(st.sampled_from(["nonzero", "nonzero_tuple", "argwhere", "masked_select", "masked_select_bcast"]),
                   label="which")
    x = array(d, shape(d, 0, 3, 0, 4), FLOATS + ["int64", "bool"])
    if which.startswith("masked_select"):
        x = array(d, x.array.shape, FLOATS)
        rng = np.random.default_rng(ints(d, 0, 1000, "m_seed"))
        ms = x.array.shape if which == "masked_select" else x.array.shape[1:]
        m = Input(rng.integers(0, 2, ms).astype(bool if ints(d, 0, 6, "uint8_mask") else np.uint8))
        return Case([x, m], lambda L, t, mm: L.lib.masked_select(t, mm))
    if which == "nonzero_tuple":
        return Case([x], lambda L, t: tuple(L.lib.nonzero(t, as_tuple=True)))
    return Case([x], lambda L, t: getattr(L.lib, which)(t))


@op("torch.flip/narrow/movedim", examples=100)
def _(d):
    x = array(d, shape(d, 0, 4, 0, 4), FLOATS + ["int64"])
    nd = x.array.ndim
    which = d.draw(st.sampled_from(["flip", "narrow", "movedim", "movedim_tuple"]), label="which")
    if which == "flip":
        dims = tuple(d.draw(st.lists(st.integers(-max(nd, 1) - 1, max(nd, 1)), max_size=3), label="dims"))
        return Case([x], lambda L, t: L.lib.flip(t, dims))
    if which == "narrow":
        dim = _dim(d, nd)
        side = x.array.shape[dim] if -nd <= dim < nd else 1
        start = d.draw(st.integers(-side - 1, side + 1), label="start")
        length = d.draw(st.integers(-1, side + 1), label="length")
        return Case([x], lambda L, t: L.lib.narrow(t, dim, start, length))
    if which == "movedim":
        a, b = _dim(d, nd, "source"), _dim(d, nd, "destination")
        return Case([x], lambda L, t: L.lib.movedim(t, a, b))
    k = ints(d, 0, min(nd, 3), "k")
    src = tuple(d.draw(st.lists(st.integers(-nd, max(nd - 1, 0)), min_size=k, max_size=k), label="src")) if nd else ()
    dst = tuple(d.draw(st.lists(st.integers(-nd, max(nd - 1, 0)), min_size=k, max_size=k), label="dst")) if nd else ()
    return Case([x], lambda L, t: L.lib.movedim(t, src, dst))


@op("F.one_hot/normalize/cosine_similarity", examples=100)
def _(d):
    which = d.draw(st.sampled_from(["one_hot", "normalize", "cosine_similarity"]), label="which")
    if which == "one_hot":
        rng = np.random.default_rng(ints(d, 0, 1000, "i_seed"))
        num = d.draw(st.sampled_from([-1, 0, 1, 3, 5]), label="num_classes")
        lo = -1 if ints(d, 0, 8, "neg") == 0 else 0
        idx = Input(rng.integers(lo, 4, shape(d, 0, 3, 0, 3)))
        if ints(d, 0, 8, "float_idx") == 0:
            idx.array = idx.array.astype(np.float32)
        return Case([idx], lambda L, t: L.F.one_hot(t, num))
    x = array(d, shape(d, 1, 3, 0, 4), FLOATS)
    nd = x.array.ndim
    dim = _dim(d, nd)
    if which == "normalize":
        p = d.draw(st.sampled_from([2.0, 1.0, float("inf"), 3.0]), label="p")
        eps = d.draw(st.sampled_from([1e-12, 0.1]), label="eps")
        return Case([x], lambda L, t: L.F.normalize(t, p, dim, eps))
    _, ys = _broadcastable_pair(d) if ints(d, 0, 4, "bcast") == 0 else (None, x.array.shape)
    y = array(d, ys, [x.array.dtype.name])
    eps = d.draw(st.sampled_from([1e-8, 0.5]), label="eps")
    return Case([x, y], lambda L, a, b: L.F.cosine_similarity(a, b, dim, eps))


@op("nn.SyncBatchNorm (no process group)", examples=60)
def _(d):
    """Without an initialised process group SyncBatchNorm (on the CPU) computes what BatchNorm does, in both
    modes, with PyTorch's running statistics and errors."""
    C = ints(d, 1, 3, "C")
    x = array(d, (ints(d, 1, 3, "N"), C) + shape(d, 0, 2, 1, 3), ["float32"])
    train = d.draw(st.booleans(), label="train")
    track = d.draw(st.booleans(), label="track_running_stats")
    affine = d.draw(st.booleans(), label="affine")

    def call(L, t):
        m = L.init_module(L.nn.SyncBatchNorm(C, affine=affine, track_running_stats=track))
        m.train(train)
        return m(t), m
    return Case([x], call)


@op("optim.lr_scheduler (lr over steps)", examples=80)
def _(d):
    which = d.draw(st.sampled_from(["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
                                    "OneCycleLR", "ReduceLROnPlateau"]), label="which")
    lr = d.draw(st.sampled_from([0.1, 1.0, 0.003]), label="lr")
    steps = ints(d, 1, 12, "steps")
    rng = np.random.default_rng(ints(d, 0, 1000, "metric_seed"))
    metrics = [float(v) for v in rng.integers(0, 4, steps)]
    if which == "StepLR":
        kw = dict(step_size=ints(d, 1, 4, "step_size"), gamma=d.draw(st.sampled_from([0.5, 0.1]), label="gamma"))
    elif which == "MultiStepLR":
        kw = dict(milestones=sorted(d.draw(st.lists(st.integers(1, 8), max_size=3), label="milestones")), gamma=0.5)
    elif which == "ExponentialLR":
        kw = dict(gamma=d.draw(st.sampled_from([0.9, 0.5]), label="gamma"))
    elif which == "CosineAnnealingLR":
        kw = dict(T_max=ints(d, 1, 6, "T_max"), eta_min=d.draw(st.sampled_from([0.0, 0.01]), label="eta_min"))
    elif which == "LambdaLR":
        kw = dict(lr_lambda=lambda e: 1.0 / (1 + e))
    elif which == "OneCycleLR":
        kw = dict(max_lr=lr * 10, total_steps=steps + ints(d, 0, 2, "extra_steps"),
                  anneal_strategy=d.draw(st.sampled_from(["cos", "linear"]), label="anneal"),
                  three_phase=d.draw(st.booleans(), label="three_phase"))
    else:
        kw = dict(mode=d.draw(st.sampled_from(["min", "max"]), label="mode"), factor=0.5,
                  patience=ints(d, 0, 2, "patience"),
                  threshold=d.draw(st.sampled_from([1e-4, 0.5]), label="threshold"),
                  cooldown=ints(d, 0, 1, "cooldown"), min_lr=0.001)

    def call(L):
        p = L.nn.Parameter(L.lib.zeros(2))
        opt = L.lib.optim.SGD([p], lr=lr, momentum=0.9 if which == "OneCycleLR" else 0.0)
        sched = getattr(L.lib.optim.lr_scheduler, which)(opt, **kw)
        lrs = [round(opt.param_groups[0]["lr"], 12)]
        for i in range(steps):
            opt.step()
            sched.step(metrics[i]) if which == "ReduceLROnPlateau" else sched.step()
            lrs.append(round(opt.param_groups[0]["lr"], 12))
        if which != "ReduceLROnPlateau":
            lrs.append([round(v, 12) for v in sched.get_last_lr()])
        return tuple(lrs)
    return Case([], call)
