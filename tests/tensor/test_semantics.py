"""PyTorch's tensor semantics, run the same code on miniconv and on PyTorch (the oracle):
``.data`` and ``detach()``, in-place ops and operators, version counters, views, grad modes."""
import numpy as np
import pytest

import miniconv
from miniconv.autograd import gradcheck

torch = pytest.importorskip("torch")

from oracle import assert_same, both  # noqa: E402

X = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))
Y = np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))


# -- .data and detach ---------------------------------------------------------------------
def test_data_is_a_tensor_sharing_memory_without_grad():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        d = x.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad
        d.mul_(2)  # writes x's memory; no error: .data is invisible to autograd
        return x.detach(), x.data.norm() if hasattr(x.data, "norm") else (x.data * x.data).sum().sqrt()

    assert_same(f)


def test_data_setter_replaces_storage_and_shape():
    def f(lib):
        x = lib.zeros(2, 3)
        x.data = lib.ones(4)
        return x, x.shape[0]

    assert_same(f)


def test_data_setter_refuses_arrays():
    m, t = assert_same(lambda lib: setattr(lib.zeros(3), "data", np.ones(3)))
    assert str(m) == str(t)


def test_changes_through_data_are_not_version_checked_but_detach_is():
    def via(lib, how):
        x = lib.tensor(X, requires_grad=True)
        y = x.exp()
        getattr(y, how)() if how == "detach" else None
        alias = y.data if how == "data" else y.detach()
        alias.add_(1)
        y.sum().backward()
        return x.grad

    assert_same(lambda lib: via(lib, "data"))
    m, t = assert_same(lambda lib: via(lib, "detach"))
    assert isinstance(m, RuntimeError) and "modified by an inplace operation" in str(m)


# -- in-place ops: values, gradients (gradcheck), PyTorch's rules ------------------------------
INPLACE = {
    "add_": lambda t, o: t.add_(o),
    "add_alpha": lambda t, o: t.add_(o, alpha=0.5),
    "sub_": lambda t, o: t.sub_(o, alpha=2),
    "mul_": lambda t, o: t.mul_(o),
    "div_": lambda t, o: t.div_(o),
    "pow_": lambda t, o: t.pow_(2),
    "neg_": lambda t, o: t.neg_(),
    "abs_": lambda t, o: t.abs_(),
    "sqrt_": lambda t, o: t.sqrt_(),
    "exp_": lambda t, o: t.exp_(),
    "log_": lambda t, o: t.log_(),
    "clamp_": lambda t, o: t.clamp_(0.8, 1.2),
    "clip_": lambda t, o: t.clip_(min=0.9),
    "relu_": lambda t, o: t.sub_(1).relu_(),
    "sigmoid_": lambda t, o: t.sigmoid_(),
    "tanh_": lambda t, o: t.tanh_(),
    "zero_": lambda t, o: t.zero_(),
    "fill_": lambda t, o: t.fill_(0.5),
    "copy_": lambda t, o: t.copy_(o),
    "addcmul_": lambda t, o: t.addcmul_(o, o, value=0.5),
    "addcdiv_": lambda t, o: t.addcdiv_(o, o * 2, value=2),
    "lerp_": lambda t, o: t.lerp_(o, 0.25),
    "masked_fill_": lambda t, o: t.masked_fill_(o > 1, 0.0),
    "iadd": lambda t, o: t.__iadd__(o),
    "isub": lambda t, o: t.__isub__(o),
    "imul": lambda t, o: t.__imul__(o),
    "itruediv": lambda t, o: t.__itruediv__(o),
    "ipow": lambda t, o: t.__ipow__(3),
    "setitem": lambda t, o: t.__setitem__((slice(None), 0), 0.0) or t,
    "setitem_tensor": lambda t, o: t.__setitem__((1,), o[0] * 3) or t,
    "setitem_mask": lambda t, o: t.__setitem__(o > 1.2, 1.0) or t,
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_op_on_non_leaf_matches_torch_and_passes_gradcheck(name):
    op = INPLACE[name]

    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        o = lib.tensor(Y, requires_grad=True)
        y = x * 1.0  # a non-leaf: the in-place op is recorded
        r = op(y, o)
        assert r is y and y._version >= 1
        (y * lib.tensor(Y)).sum().backward()
        return y, x.grad, o.grad

    assert_same(f)

    def fn(x, o):
        y = x * 1.0
        op(y, o)
        return y

    x = miniconv.tensor(X, dtype=miniconv.float64, requires_grad=True)
    o = miniconv.tensor(Y, dtype=miniconv.float64, requires_grad=True)
    if name in ("clamp_", "clip_"):
        x = miniconv.tensor(X + (np.abs(X - 0.8) < 1e-3) + (np.abs(X - 1.2) < 1e-3), requires_grad=True)
        x = x.double().detach().requires_grad_()
    assert gradcheck(fn, (x, o))


@pytest.mark.parametrize("name", ["add_", "mul_", "zero_", "copy_", "iadd", "setitem"])
def test_inplace_op_on_leaf_that_requires_grad_raises_and_is_allowed_under_no_grad(name):
    op = INPLACE[name]

    def f(lib):
        w = lib.tensor(X, requires_grad=True)
        op(w, lib.tensor(Y))

    m, t = assert_same(f)
    assert str(m) == str(t)
    assert str(m).endswith("leaf Variable that requires grad is being used in an in-place operation.")

    def g(lib):
        w = lib.tensor(X, requires_grad=True)
        with lib.no_grad():
            r = op(w, lib.tensor(Y))
        return r is w, w, w.requires_grad, w.is_leaf, w._version

    assert_same(g)


def test_inplace_operator_keeps_identity_and_version():
    def f(lib):
        x = lib.zeros(3)
        ref = x
        x += 1
        x *= 3
        x -= lib.ones(3)
        x /= 2
        x **= 2
        return x is ref, x, x._version

    assert_same(f)


def test_inplace_dtype_and_shape_errors():
    assert_same(lambda lib: lib.tensor([1, 2]).add_(1.5))
    assert_same(lambda lib: lib.zeros(3).add_(lib.ones(2, 3)))
    assert_same(lambda lib: lib.zeros(2, 3).add_(lib.ones(3)))  # broadcasts fine


def test_residual_out_plus_identity_backpropagates():
    def f(lib):
        lib.manual_seed(0)
        x = lib.tensor(np.random.default_rng(2).normal(size=(2, 3, 5, 5)).astype(np.float32), requires_grad=True)
        conv = lib.nn.Conv2d(3, 3, 3, padding=1)
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(np.random.default_rng(3).normal(size=(3, 3, 3, 3)).astype(np.float32)))
            conv.bias.zero_()
        out = conv(x)
        out += x
        out = lib.nn.functional.relu(out, inplace=True)
        out.sum().backward()
        return out, x.grad, conv.weight.grad

    assert_same(f, rtol=1e-4, atol=1e-5)


# -- version counters -------------------------------------------------------------------------
def test_version_counter_error_matches_torch():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x.sigmoid()  # saves its output
        y.mul_(2)
        y.sum().backward()

    m, t = assert_same(f)
    assert "one of the variables needed for gradient computation has been modified by an inplace operation" in str(m)
    assert "is at version 1; expected version 0 instead" in str(m)


def test_saved_input_modified_in_place_raises_and_unsaved_does_not():
    def saved(lib):
        x = lib.tensor(X, requires_grad=True)
        a = x * 1
        z = a * x  # saves a
        a.add_(1)
        z.sum().backward()

    assert_same(saved)

    def unsaved(lib):
        x = lib.tensor(X, requires_grad=True)
        a = x * 1
        z = a + x  # saves nothing
        a.add_(1)
        z.sum().backward()
        return x.grad

    assert_same(unsaved)


def test_inplace_relu_module_after_linear_and_after_saving_op():
    def ok(lib):
        x = lib.tensor(X.astype(np.float32), requires_grad=True)
        lin = lib.nn.Linear(4, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor(Y[:2].astype(np.float32)))
            lin.bias.fill_(-1.5)
        out = lib.nn.ReLU(inplace=True)(lin(x))
        out.sum().backward()
        return out, x.grad

    assert_same(ok, rtol=1e-5)

    def bad(lib):
        x = lib.tensor(X, requires_grad=True)
        h = x.tanh() - 0.9  # sub saves nothing, tanh saved its output: not h
        y = h.exp()  # saves its output y
        lib.nn.functional.relu(y, inplace=True)
        y.sum().backward()
        return x.grad

    assert_same(bad)


VERSION_ERROR = "one of the variables needed for gradient computation has been modified by an inplace operation: ["

# in-place methods computed out of place and written back (Tensor._commit_inplace), and the in-place forms of
# the functional activations; each must bump the version so that a saved tensor's check fires
SAVED_THEN_INPLACE = {
    "relu_": lambda lib, h: h.relu_(),
    "sigmoid_": lambda lib, h: h.sigmoid_(),
    "tanh_": lambda lib, h: h.tanh_(),
    "exp_": lambda lib, h: h.exp_(),
    "clamp_": lambda lib, h: h.clamp_(min=0.0),
    "lerp_": lambda lib, h: h.lerp_(lib.zeros(3), 0.5),
    "addcmul_": lambda lib, h: h.addcmul_(lib.ones(3), lib.ones(3)),
    "masked_fill_": lambda lib, h: h.masked_fill_(lib.tensor([True, False, True]), 0.0),
    "normal_": lambda lib, h: h.normal_(),
    "uniform_": lambda lib, h: h.uniform_(),
    "F.relu(inplace)": lambda lib, h: lib.nn.functional.relu(h, inplace=True),
    "F.leaky_relu(inplace)": lambda lib, h: lib.nn.functional.leaky_relu(h, 0.1, inplace=True),
    "F.elu(inplace)": lambda lib, h: lib.nn.functional.elu(h, inplace=True),
    "F.hardtanh(inplace)": lambda lib, h: lib.nn.functional.hardtanh(h, inplace=True),
    "F.relu6(inplace)": lambda lib, h: lib.nn.functional.relu6(h, inplace=True),
    "F.silu(inplace)": lambda lib, h: lib.nn.functional.silu(h, inplace=True),
    "F.dropout(inplace)": lambda lib, h: lib.nn.functional.dropout(h, 0.5, training=True, inplace=True),
    "nn.ReLU(inplace)": lambda lib, h: lib.nn.ReLU(inplace=True)(h),
}


@pytest.mark.parametrize("saver", ["input", "output"])
@pytest.mark.parametrize("name", sorted(SAVED_THEN_INPLACE))
def test_inplace_op_on_a_saved_tensor_raises_torchs_version_error(name, saver):
    """``y = h.sin()`` saves its input ``h``; ``y = x.sigmoid()`` saves its output ``y``: changing the saved
    tensor in place before backward raises PyTorch's error, through every in-place path."""
    op = SAVED_THEN_INPLACE[name]

    def f(lib):
        x = lib.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        if saver == "input":
            h = x * 1
            y = h.sin()
        else:
            h = y = x.sigmoid()
        op(lib, h)
        y.sum().backward()
        return x.grad

    m, t = assert_same(f)
    assert isinstance(m, RuntimeError) and str(t).startswith(VERSION_ERROR) and str(m).startswith(VERSION_ERROR)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta"])
def test_optimizer_step_between_forward_and_backward_raises_as_torch(name):
    """Every optimizer updates its parameters in place and bumps their versions: a backward through a graph
    that saved a parameter before the step raises PyTorch's error (with retain_graph, the second backward)."""
    def f(lib):
        lin = lib.nn.Linear(3, 2)
        x = lib.tensor([[-1.0, 0.5, 2.0]], requires_grad=True)
        loss = lin(x).sum()  # saves the weight (for x's gradient)
        opt = getattr(lib.optim, name)(lin.parameters(), lr=0.1)
        loss.backward(retain_graph=True)
        v = lin.weight._version
        opt.step()
        assert lin.weight._version > v
        loss.backward()

    m, t = assert_same(f)
    assert isinstance(m, RuntimeError) and str(t).startswith(VERSION_ERROR) and str(m).startswith(VERSION_ERROR)


def _linear_with_grads(lib):
    lin = lib.nn.Linear(3, 2)
    _linear_backward(lib, lin)
    return lin.weight.grad, lin


def _linear_backward(lib, lin):
    lin(lib.tensor([[-1.0, 0.5, 2.0]])).sum().backward()


WRITERS = {  # name: (make the tensor and its context, write into the tensor in place)
    "clip_grad_norm_": (_linear_with_grads, lambda lib, g, lin: lib.nn.utils.clip_grad_norm_(lin.parameters(), 1e-3)),
    "clip_grad_value_": (_linear_with_grads, lambda lib, g, lin: lib.nn.utils.clip_grad_value_(lin.parameters(), 1e-3)),
    "Optimizer.zero_grad(set_to_none=False)": (
        _linear_with_grads, lambda lib, g, lin: lib.optim.SGD(lin.parameters(), lr=0.1).zero_grad(set_to_none=False)),
    "Module.zero_grad(set_to_none=False)": (_linear_with_grads, lambda lib, g, lin: lin.zero_grad(set_to_none=False)),
    "grad accumulation": (_linear_with_grads, lambda lib, g, lin: _linear_backward(lib, lin)),
    "randn(out=)": (lambda lib: (lib.zeros(3), None), lambda lib, t, _: lib.randn(3, out=t)),
    "normal(out=)": (lambda lib: (lib.zeros(3), None), lambda lib, t, _: lib.normal(0.0, 1.0, (3,), out=t)),
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_inplace_writers_bump_the_version_as_torch(name):
    """Writes outside the Tensor methods (optimizers, grad utilities, out=, gradient accumulation) bump the
    version of the tensor they change exactly when PyTorch's do, so a saved copy of it is checked."""
    make, write = WRITERS[name]

    def f(lib):
        t, ctx = make(lib)
        v = t._version
        write(lib, t, ctx)
        return t._version > v

    m, _ = assert_same(f)
    assert m is True


def test_versions_of_views_are_shared():
    def f(lib):
        x = lib.zeros(4, 3)
        v = x[1]
        w = x.t()
        d = x.detach()
        v.add_(1)
        w[0, 0] = 5
        d.mul_(2)
        return x, x._version, v._version, w._version, d._version, x.data._version

    assert_same(f)


# -- views ------------------------------------------------------------------------------------
VIEWS = {
    "view": lambda t: t.view(4, 3),
    "reshape": lambda t: t.reshape(2, 6),
    "slice": lambda t: t[1:, ::2],
    "int": lambda t: t[1],
    "int_int": lambda t: t[1, 2],
    "select": lambda t: t.select(1, 0),
    "narrow": lambda t: t.narrow(1, 1, 2),
    "transpose": lambda t: t.transpose(0, 1),
    "permute": lambda t: t.permute(1, 0),
    "t": lambda t: t.t(),
    "T": lambda t: t.T,
    "unsqueeze": lambda t: t.unsqueeze(0),
    "squeeze": lambda t: t.unsqueeze(1).squeeze(1),
    "unbind": lambda t: t.unbind(1)[2],
    "split": lambda t: t.split(2, dim=1)[1],
    "chunk": lambda t: t.chunk(2)[1],
    "detach": lambda t: t.detach(),
    "data": lambda t: t.data,
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_shares_memory_both_ways(name):
    view = VIEWS[name]

    def f(lib):
        x = lib.tensor(np.arange(12.0).reshape(3, 4))
        v = view(x)
        v.mul_(10)
        x.add_(1)
        return x, v

    assert_same(f)


def test_view_errors_match_torch():
    assert_same(lambda lib: lib.zeros(3, 4).t().view(12))
    assert_same(lambda lib: lib.zeros(3, 1).expand(3, 4).add_(1))
    assert_same(lambda lib: lib.zeros(3, 4).t().reshape(12).add_(1))  # a copy: fine


def test_write_through_view_of_non_leaf_is_recorded():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        o = lib.tensor(Y, requires_grad=True)
        y = x * 2
        v = y[:, 1:3]
        v.mul_(o[:, :2])
        y[0].zero_()
        w = y.t()[2]  # a view made after the writes
        (y * y).sum().backward()
        return y, x.grad, o.grad, v, w

    assert_same(f)

    def fn(x, o):
        y = x * 2
        y[:, 1:3].mul_(o[:, :2])
        y.t()[0].exp_()
        return y

    assert gradcheck(fn, (miniconv.tensor(X, requires_grad=True).double().detach().requires_grad_(),
                          miniconv.tensor(Y).double().requires_grad_()))


def test_old_view_sees_new_history_of_its_base():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        v = y[0]  # made before the in-place op
        y.mul_(3)
        v.sum().backward()
        return x.grad

    assert_same(f)


def test_write_into_view_of_leaf_raises():
    def f(lib):
        w = lib.tensor(X, requires_grad=True)
        w[0].add_(1)

    m, t = assert_same(f)
    assert str(m) == str(t)


def test_setitem_on_buffer_with_grad_value_records():
    def f(lib):
        w = lib.tensor(Y, requires_grad=True)
        buf = lib.zeros(3, 4)
        buf[1] = w[2] * 2
        buf[:, 0] += w[:, 0]
        (buf * buf).sum().backward()
        return buf, w.grad, buf.requires_grad, buf.is_leaf

    assert_same(f)


# -- grad modes ---------------------------------------------------------------------------------
def test_grad_mode_decorators_and_context_managers():
    def f(lib):
        x = lib.ones(2, requires_grad=True)

        @lib.no_grad()
        def a():
            return (x * 2).requires_grad

        @lib.no_grad
        def b():
            return (x * 2).requires_grad

        @lib.set_grad_enabled(False)
        def c():
            return (x * 2).requires_grad

        @lib.enable_grad()
        def d():
            return (x * 2).requires_grad

        @lib.inference_mode()
        def e():
            return (x * 2).requires_grad

        after_decorating = lib.is_grad_enabled()
        with lib.no_grad():
            inner = d()
        lib.set_grad_enabled(False)
        off = lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            ctx = lib.is_grad_enabled()
        with lib.inference_mode():
            inf = (x * 2).requires_grad
        return a(), b(), c(), inner, e(), after_decorating, off, ctx, inf, lib.is_grad_enabled()

    m, t = both(f)
    assert m == t


# -- training with PyTorch's tutorial loops ------------------------------------------------------
def test_manual_sgd_with_isub_under_no_grad_trains():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 3)).astype(np.float32)
    ys = (xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)

    def f(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))
        with lib.no_grad():
            for p in model.parameters():
                p.copy_(lib.tensor(np.random.default_rng(p.numel()).normal(0, 0.5, tuple(p.shape)).astype(np.float32)))
        params = list(model.parameters())
        x, y = lib.tensor(xs), lib.tensor(ys)
        losses = []
        for _ in range(30):
            loss = ((model(x) - y) ** 2).mean()
            losses.append(loss.item())
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        assert all(a is b for a, b in zip(params, model.parameters()))
        return np.array(losses)

    m, t = assert_same(f, rtol=1e-4, atol=1e-5)
    assert m[-1] < 0.3 * m[0]


def test_data_sub_and_grad_zero_tutorial_loop():
    def f(lib):
        w = lib.tensor([[0.5, -0.3]], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]])
        for _ in range(5):
            loss = ((x @ w.t()) ** 2).sum()
            loss.backward()
            w.data.sub_(w.grad.data * 0.01)
            w.grad.zero_()
        return w, loss

    assert_same(f, rtol=1e-5)


def test_parameter_identity_through_optimizer_and_load_state_dict():
    def f(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        ids = [id(p) for p in model.parameters()] + [id(b) for b in model.buffers()]
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        sd = {k: v * 0 + 0.25 for k, v in model.state_dict().items()}
        model.load_state_dict(sd)
        x = lib.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
        model(x).sum().backward()
        opt.step()
        same = ids == [id(p) for p in model.parameters()] + [id(b) for b in model.buffers()]
        return same, model[0].weight, model[1].running_mean, model[1].running_var

    assert_same(f, rtol=1e-5)


def test_dropout_inplace_on_non_leaf_is_recorded():
    x = miniconv.ones(200, 50, requires_grad=True)
    y = x * 1
    out = miniconv.nn.functional.dropout(y, 0.5, training=True, inplace=True)
    assert out is y and y._version == 1
    y.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 2.0, 0.0))
    assert 0.4 < kept.mean() < 0.6


def test_no_function_local_imports_in_the_core_and_engine_does_not_import_tensor():
    import ast
    import pathlib

    root = pathlib.Path(miniconv.__file__).parent
    files = [*sorted((root / "tensor").glob("*.py")), *sorted((root / "ops").glob("*.py")),
             *sorted((root / "autograd").glob("*.py"))]
    for f in files:
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not inner, f"{f.name}: import inside {node.name}()"
    engine = (root / "autograd" / "engine.py").read_text()
    assert "tensor" not in [a.name for n in ast.walk(ast.parse(engine)) if isinstance(n, ast.ImportFrom)
                            for a in n.names] and "from ..tensor" not in engine


def test_matmul_and_bitwise_inplace_operators():
    def f(lib):
        a = lib.tensor(X[:, :3].copy())
        ref = a
        a @= lib.tensor(np.eye(3) * 2)
        m = lib.tensor([True, False, True])
        m &= lib.tensor([True, True, False])
        n = lib.tensor([False, False, True])
        n |= lib.tensor([True, False, False])
        return a is ref, a, m, n, a._version, m._version

    assert_same(f)


def test_setitem_without_grad_writes_in_place_and_bumps_version():
    def f(lib):
        x = lib.zeros(4, 3, dtype=lib.int64)
        v = x[1:]
        x[2] = 7
        x[x > 5] = 1
        v[0, 1] = 3.7  # cast to the tensor's dtype, as PyTorch does
        return x, x._version, v._version

    assert_same(f)


def test_retain_grad_follows_an_inplace_op():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.mul_(3)
        (y * y).sum().backward()
        return y.grad, x.grad

    assert_same(f)


# -- std < 0 and from > to in the random fillers (Tensor methods and miniconv.normal) ------------------
def _raised(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return type(e).__name__, str(e)
    return None


_STD_CASES = (
    [lambda lib, std=std, shape=shape, d=d: lib.zeros(shape, dtype=getattr(lib, d)).normal_(std=std)
     for std in [-1, -1.0, -0.1, -1e20, float("nan"), float("-inf"), 1.0]
     for shape, d in [((3,), "float32"), ((0,), "float32"), ((3,), "int64"), ((0,), "int64")]]
    + [lambda lib, std=std: lib.zeros(2, dtype=lib.float64).normal_(0, std) for std in [-1 / 3, 0.0]]
    + [lambda lib, std=std: lib.normal(0.0, std, size=(3,)) for std in [-1, -1.0, -2.5, float("nan"), 0.0]]
    + [lambda lib, std=std: lib.normal(lib.zeros(3), std) for std in [-1, -1.5, float("nan"), 1.0]]
    + [lambda lib, s=s: lib.normal(0.0, lib.tensor(s)) for s in [[1.0, -1.0], [1.0, float("nan")], [0.0, 2.0]]]
    + [lambda lib, s=s: lib.normal(lib.zeros(2), lib.tensor(s)) for s in [[1.0, -1.0], [1.0, float("nan")]]]
    + [lambda lib, a=a, b=b, d=d: lib.zeros(3, dtype=getattr(lib, d)).uniform_(a, b)
       for a, b in [(2, 1), (2.5, 1.0), (1, 1)] for d in ["float32", "int64"]]
    + [lambda lib: lib.zeros(0).uniform_(2, 1)]
)


@pytest.mark.parametrize("case", range(len(_STD_CASES)))
def test_negative_std_nan_std_and_reversed_range_raise_as_pytorch(case):
    fn = _STD_CASES[case]
    assert _raised(fn, miniconv) == _raised(fn, torch)


# -- in-place view ops: unsqueeze_, squeeze_, t_, transpose_ ------------------------------------------
_INPLACE_VIEWS = [
    ("unsqueeze_", (0,)), ("unsqueeze_", (-1,)), ("unsqueeze_", (1,)), ("squeeze_", ()), ("squeeze_", (1,)),
    ("squeeze_", (0,)), ("t_", ()), ("transpose_", (0, -1)), ("transpose_", (1, 1)),
]
W = np.arange(6.0).reshape(3, 1, 2)[:, 0, :]  # (3, 2), used as (3, 1, 2) for the squeezes


def _start(lib, name):
    return lib.tensor(W[:, None, :] if name == "squeeze_" else W)


@pytest.mark.parametrize("name,args", _INPLACE_VIEWS)
def test_inplace_view_op_changes_the_tensor_itself(name, args):
    """The same object, the same memory (a write after it is seen by an earlier view), the version bumped."""

    def f(lib):
        x = _start(lib, name)
        alias = x[:]
        out = getattr(x, name)(*args)
        assert out is x
        x.mul_(10)
        return x, alias, list(x.shape), x._version, alias._version, x.is_contiguous()

    assert_same(f)


@pytest.mark.parametrize("name,args", _INPLACE_VIEWS)
def test_inplace_view_op_and_autograd(name, args):
    """Refused on a leaf that requires grad and on a view of one (in grad mode); recorded on a non-leaf
    and on a view of a non-leaf (the base's gradient); allowed under no_grad."""

    def leaf(lib):
        getattr(lib.tensor(W, requires_grad=True) if name != "squeeze_" else _start(lib, name).requires_grad_(),
                name)(*args)

    def view_of_leaf(lib):
        getattr(_start(lib, name).requires_grad_()[:], name)(*args)

    def no_grad(lib):
        x = _start(lib, name).requires_grad_()
        with lib.no_grad():
            getattr(x, name)(*args)
        return x, x.requires_grad, x.is_leaf, x._version

    def non_leaf(lib):
        x = _start(lib, name).requires_grad_()
        y = x * 2
        y.retain_grad()
        getattr(y, name)(*args)
        (y * lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape)).sum().backward()
        return x.grad, y.grad, y.is_leaf, y._version

    def view_of_non_leaf(lib):
        x = _start(lib, name).requires_grad_()
        y = x * 2
        v = y[1:]
        getattr(v, name)(*args)
        v.mul_(lib.arange(v.numel(), dtype=lib.float32).reshape(v.shape) + 1)
        (y * y).sum().backward()
        return x.grad, y._version, list(v.shape), list(y.shape)

    for fn in (leaf, view_of_leaf, no_grad, non_leaf, view_of_non_leaf):
        assert_same(fn)
    m, _ = both(leaf)
    assert "a leaf Variable that requires grad is being used in an in-place operation" in str(m)


@pytest.mark.parametrize("name,args", _INPLACE_VIEWS)
def test_views_made_before_an_inplace_view_op_on_their_base(name, args):
    """A view taken before its base changed shape in place still reaches its region, for an in-place op
    on the base afterwards (the view's history is regenerated) and for an in-place op on the view."""

    def through_base(lib):
        x = _start(lib, name).requires_grad_()
        y = x * 1
        c = y[1]
        getattr(y, name)(*args)
        y.mul_(lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape) + 1)
        (c * (lib.arange(c.numel(), dtype=lib.float32).reshape(c.shape) + 1)).sum().backward()
        return x.grad, c

    def through_view(lib):
        x = _start(lib, name).requires_grad_()
        y = x * 1
        c = y[1]
        getattr(y, name)(*args)
        c.mul_(lib.arange(c.numel(), dtype=lib.float32).reshape(c.shape) + 5)
        (y * (lib.arange(y.numel(), dtype=lib.float32).reshape(y.shape) + 1)).sum().backward()
        return x.grad, y

    assert_same(through_base)
    assert_same(through_view)


def test_inplace_view_op_errors():
    assert_same(lambda lib: lib.zeros(2, 3, 4).t_())
    assert_same(lambda lib: lib.zeros(2).unsqueeze_(5))
    assert_same(lambda lib: lib.zeros(2).transpose_(0, 2))
    assert_same(lambda lib: lib.zeros(2, 1).squeeze_(3))
    m, t = both(lambda lib: lib.zeros(2, 3, 4).t_())
    assert str(m) == str(t)
    m, t = assert_same(lambda lib: (lib.zeros(()).t_(), lib.zeros(3).t_(), lib.zeros(()).unsqueeze_(0)))
