"""In-place ops against PyTorch: values and gradients on non-leaf tensors (gradcheck), the leaf-that-requires-grad
error, version counters bumped by every writer and PyTorch's error when a saved tensor was modified."""
import numpy as np
import pytest

import miniconv
from miniconv.autograd import gradcheck

torch = pytest.importorskip("torch")

from oracle import assert_same  # noqa: E402

X = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))
Y = np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))


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
