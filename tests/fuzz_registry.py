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
