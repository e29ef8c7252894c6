"""PyTorch 2.13's autograd error messages, compared word for word with torch: the "modified by an inplace
operation" error (which tensor, "output N of <forward op>" from the node that saved an output or the input's
history now, AsStrided for views, nothing for leaves, the anomaly-mode hint), backward twice (only through
nodes that saved something), requires_grad on integer tensors and on non-leaves, autograd.grad's input checks,
and the names of copy_ / write-through-view nodes."""
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")


def _message(lib, fn):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with torch's
        return type(e).__name__, str(e)
    return None


CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


@case
def saved_output_exp(l):
    a = l.ones(3, requires_grad=True); b = a.exp(); b.add_(1); b.sum().backward()


@case
def saved_output_modified_twice_2d(l):
    a = l.ones(2, 3, requires_grad=True); b = a.exp(); b.mul_(2); b.mul_(2); b.sum().backward()


@case
def saved_input_history_now(l):
    a = l.ones(3, requires_grad=True); x = a * 1; y = x.sin(); x.add_(1); y.sum().backward()


@case
def sigmoid_double(l):
    a = l.ones(3, dtype=l.float64, requires_grad=True); b = a.sigmoid(); b.mul_(2); b.sum().backward()


@case
def tanh_relu_scalar(l):
    a = l.ones((), requires_grad=True); b = l.relu(a.tanh()); b.add_(1); b.backward()


@case
def leaf_modified_under_no_grad(l):
    w = l.ones(3, requires_grad=True); y = w * w
    with l.no_grad():
        w.add_(1)
    y.sum().backward()


@case
def plain_operand_modified(l):
    x = l.ones(3); w = l.ones(3, requires_grad=True); y = w * x; x.add_(1); y.sum().backward()


@case
def max_values_and_max_all(l):
    a = l.ones(3, 4, requires_grad=True); v = a.max(); y = v.exp(); v.add_(1); y.backward()


@case
def write_through_view(l):
    a = l.ones(3, 2, requires_grad=True); x = a * 1; y = x.sin(); x[0].add_(1); y.sum().backward()


@case
def saved_view_then_base_modified(l):
    a = l.ones(3, 2, requires_grad=True); x = a * 1; v = x[0]; y = v.sin(); x.add_(1); y.sum().backward()


@case
def temporary_transposed_weight(l):
    x = l.ones(2, 3, requires_grad=True); w = l.ones(4, 3, requires_grad=True); y = (x * 1) @ w.t()
    with l.no_grad():
        w.mul_(2)
    y.sum().backward()


@case
def optimizer_step_before_backward(l):
    l.manual_seed(0)
    m = l.nn.Sequential(l.nn.Linear(3, 4), l.nn.Tanh(), l.nn.Linear(4, 1))
    opt = l.optim.SGD(m.parameters(), lr=0.1)
    loss = m(l.ones(2, 3)).sum(); loss.backward(retain_graph=True); opt.step(); loss.backward()


@case
def linear_3d_input_modified(l):
    lin = l.nn.Linear(3, 4); a = l.ones(2, 2, 3, requires_grad=True); x = a * 1; y = lin(x); x.add_(1)
    y.sum().backward()


@case
def linear_no_bias_frozen_input(l):  # mm keeps the weight only when the input requires grad: no error
    lin = l.nn.Linear(3, 4, bias=False); y = lin(l.ones(2, 3))
    with l.no_grad():
        lin.weight.mul_(2)
    y.sum().backward()


@case
def conv_weight_step(l):
    l.manual_seed(0); m = l.nn.Conv2d(1, 2, 3); opt = l.optim.SGD(m.parameters(), lr=0.1)
    loss = m(l.ones(1, 1, 4, 4)).sum(); loss.backward(retain_graph=True); opt.step(); loss.backward()


@case
def conv_input_unbatched(l):
    a = l.ones(1, 4, 4, requires_grad=True); x = a * 1; y = l.nn.functional.conv2d(x, l.ones(1, 1, 3, 3))
    x.add_(1); y.sum().backward()


@case
def conv1d_weight(l):
    w = l.ones(3, 2, 3, requires_grad=True); y = l.nn.functional.conv1d(l.ones(1, 2, 5), w)
    with l.no_grad():
        w.add_(1)
    y.sum().backward()


@case
def batch_norm_and_layer_norm_inputs(l):
    a = l.ones(2, 3, 2, 2, requires_grad=True); x = a * 1; y = l.nn.BatchNorm2d(3)(x)
    z = l.nn.functional.layer_norm(x, (2,)); x.add_(1); (y.sum() + z.sum()).backward()


@case
def relu_inplace_output(l):
    a = l.ones(3, requires_grad=True); x = a * 1; y = l.nn.functional.relu(x, inplace=True); y.mul_(2)
    y.sum().backward()


@case
def setitem_copy_and_zero(l):
    for op in (lambda x: x.__setitem__(0, 2.0), lambda x: x.copy_(l.zeros(3, 4)), lambda x: x.zero_(),
               lambda x: x.clamp_(0, 1)):
        a = l.ones(3, 4, requires_grad=True); x = a * 1; y = x.sin(); op(x)
        try:
            y.sum().backward()
        except RuntimeError as e:
            yield str(e)


@case
def custom_function_output_and_input(l):
    class Cube(l.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x ** 3; ctx.save_for_backward(x, y); return y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors; return g * y / x * 3
    a = l.ones(3, requires_grad=True); x = a * 1; y = Cube.apply(x); y.add_(1)
    try:
        y.sum().backward()
    except RuntimeError as e:
        yield str(e)
    a = l.ones(3, requires_grad=True); x = a * 1; y = Cube.apply(x); x.mul_(2)
    y.sum().backward()


@case
def anomaly_mode_hint(l):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with l.autograd.set_detect_anomaly(True):
            a = l.ones(3, requires_grad=True); b = a.exp(); b.add_(1); b.sum().backward()


@case
def backward_twice(l):
    a = l.ones(3, requires_grad=True); b = a.exp().sum(); b.backward(); b.backward()


@case
def backward_twice_through_nodes_that_saved_nothing(l):
    a = l.ones(3, requires_grad=True)
    for b in ((a + a).sum(), (a * 2).sum(), a.view(3, 1).t().sum(), l.cat([a, a]).mean()):
        b.backward(); b.backward()
    return a.grad


@case
def grad_twice(l):
    a = l.ones(3, requires_grad=True); b = (a * a).sum(); l.autograd.grad(b, a); l.autograd.grad(b, a)


@case
def requires_grad_integer_three_ways(l):
    for fn in (lambda: l.ones(3, dtype=l.int64).requires_grad_(), lambda: l.tensor([1, 2], requires_grad=True),
               lambda: setattr(l.ones(3, dtype=l.int64), "requires_grad", True),
               lambda: l.arange(3, requires_grad=True), lambda: l.nn.Parameter(l.ones(2, dtype=l.int64))):
        try:
            fn()
        except RuntimeError as e:
            yield str(e)


@case
def requires_grad_on_non_leaf(l):
    b = l.ones(3, requires_grad=True) * 2
    b.requires_grad_(True)
    for fn in (lambda: setattr(b, "requires_grad", True), lambda: setattr(b, "requires_grad", False),
               lambda: b.requires_grad_(False)):
        try:
            fn()
        except RuntimeError as e:
            yield str(e)


@case
def grad_checks(l):
    a = l.ones(3, requires_grad=True)
    for fn in (lambda: l.autograd.grad((a * 2).sum(), [a, l.ones(3, requires_grad=True)]),
               lambda: l.autograd.grad((a * 2).sum(), [a, l.ones(3)]),
               lambda: (a * 2).backward(l.ones(2, 2)),
               lambda: l.autograd.grad(a * 2, a, l.ones(4), create_graph=True)):
        try:
            fn()
        except RuntimeError as e:
            yield str(e)


@case
def multi_output_views_modified_in_place(l):
    for fn in (lambda x: x.split(2)[1].add_(1), lambda x: x.split([1, 3])[0].mul_(2), lambda x: x.chunk(2)[0].zero_(),
               lambda x: x.unbind()[3].add_(1), lambda x: x.unbind()[1][0].add_(1),
               lambda x: x.split(2)[1].t()[1].mul_(2), lambda x: x.tensor_split(2)[1].add_(1)):
        x = l.ones(4, 2, requires_grad=True) * 1
        try:
            fn(x)
            yield "ok"
        except RuntimeError as e:
            yield str(e)


@case
def multi_output_view_needed_after_base_modified(l):
    a = l.ones(4, 3, requires_grad=True); x = a * 1; p, q = x.split(2); y = q.sin(); x.add_(1); y.sum().backward()


@case
def no_grad_views(l):
    x = l.ones(4, requires_grad=True) * 1
    with l.no_grad():
        v = x[:2]
        v.add_(1)  # fine inside no_grad
    try:
        v.add_(1)
    except RuntimeError as e:
        yield str(e)
    with l.no_grad():
        w = l.ones(4)[:2]  # a view of a tensor that requires no grad: fine
    w.add_(1)
    yield w.tolist()


@case
def no_grad_view_saved_then_base_modified(l):
    a = l.ones(4, 3, requires_grad=True); x = a * 1
    with l.no_grad():
        v = x[0]
    w = l.ones(3, requires_grad=True); y = w * v; x.add_(1); y.sum().backward()


@case
def grad_assignment_checks(l):
    a = l.ones(3, requires_grad=True)
    for v in (3, l.ones(3, dtype=l.int64), l.ones(3, dtype=l.float64), l.ones(2, 2), l.ones(1)):
        try:
            a.grad = v
            yield "ok"
        except (RuntimeError, TypeError) as e:
            yield type(e).__name__ + ": " + str(e)
    a.grad = l.full((3,), 2.0)
    yield a.grad.tolist()


@pytest.mark.parametrize("name", list(CASES))
def test_autograd_error_as_torch(name):
    def run(lib):
        try:
            r = CASES[name](lib)
            if hasattr(r, "__next__"):
                return ("messages", list(r))
            return ("ok", None if r is None else r.tolist())
        except Exception as e:  # noqa: BLE001 - compared with torch's
            return (type(e).__name__, str(e))
    mine, theirs = run(miniconv), run(torch)
    assert mine == theirs


def test_graph_node_names_of_copy_and_writes_through_views():
    def names(lib):
        out = []
        for op in (lambda x: x.__setitem__(0, 2.0), lambda x: x.__setitem__((0, slice(1, 3)), lib.ones(2) * 3),
                   lambda x: x.__setitem__(lib.tensor([0, 2]), 2.0), lambda x: x.copy_(lib.zeros(3, 4)),
                   lambda x: x.__setitem__(Ellipsis, 1.0), lambda x: x.__setitem__(slice(None), 1.0)):
            x = lib.ones(3, 4, requires_grad=True) * 1
            op(x)
            out.append((x.grad_fn.name(), repr(x.grad_fn).split(" object")[0],
                        [None if f is None else f.name() for f, _ in x.grad_fn.next_functions]))
        return out
    assert names(miniconv) == names(torch)


def test_non_leaf_grad_warning():
    def run(lib):
        a = lib.ones(3, requires_grad=True)
        b = a * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            first = b.grad
            b.retain_grad()
            second = b.grad
            third = a.grad
            fourth = lib.ones(2).grad
        return [first, second, third, fourth], [str(x.message).split(" (Triggered internally")[0] for x in w]
    (m_vals, m_warn), (t_vals, t_warn) = run(miniconv), run(torch)
    assert m_vals == t_vals == [None] * 4
    assert m_warn == t_warn and len(t_warn) == 1
