"""Views against PyTorch: memory shared both ways, writes through views recorded by autograd (CopySlices), old
views seeing their base's new history, and the in-place view ops unsqueeze_, squeeze_, t_, transpose_."""
import numpy as np
import pytest

import miniconv
from miniconv.autograd import gradcheck

torch = pytest.importorskip("torch")

from oracle import assert_same, both  # noqa: E402

X = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))
Y = np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))


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
