"""split / chunk / unbind record one node with one output per piece, as PyTorch 2.13 (SplitBackward0,
SplitWithSizesBackward0, UnbindBackward0): every piece has that node as ``grad_fn`` with its own ``output_nr``;
``next_functions``; backward through some pieces gives the others zeros (the same bits as torch); the double
backward; in-place changes of a piece (or of the base, then using a piece) raise PyTorch's error; hooks and
retain_grad on pieces. tensor_split / hsplit / vsplit stay one SliceBackward0 per piece, as PyTorch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

SPLITS = {
    "split": lambda l, x: x.split(2),
    "split_sizes": lambda l, x: x.split([1, 3]),
    "split_fn_dim1": lambda l, x: l.split(x, [2, 1], dim=1),
    "split_uneven": lambda l, x: x.split(3),
    "chunk": lambda l, x: x.chunk(2),
    "chunk_dim1": lambda l, x: x.chunk(3, 1),
    "unbind": lambda l, x: x.unbind(),
    "unbind_dim1": lambda l, x: l.unbind(x, -1),
    "tensor_split": lambda l, x: x.tensor_split(3),
    "hsplit": lambda l, x: x.hsplit(3),
    "vsplit": lambda l, x: x.vsplit([1]),
}


def _x(lib, requires_grad=True):
    leaf = lib.tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), dtype=lib.float64, requires_grad=requires_grad)
    return leaf, leaf * 1.5


def _graph(lib, name):
    _, x = _x(lib)
    ys = SPLITS[name](lib, x)
    fns = [y.grad_fn for y in ys]
    return ([fn.name() for fn in fns], all(fn is fns[0] for fn in fns), [y.output_nr for y in ys],
            [(n.name(), i) for n, i in fns[0].next_functions], [y._base is x for y in ys],
            [tuple(y.shape) for y in ys], [y.requires_grad for y in ys], [y.is_leaf for y in ys])


@pytest.mark.parametrize("name", list(SPLITS))
def test_one_node_with_one_output_per_piece(name):
    assert _graph(miniconv, name) == _graph(torch, name)


@pytest.mark.parametrize("name", list(SPLITS))
@pytest.mark.parametrize("used", [(0,), (1,), (0, 1)])
def test_backward_through_some_pieces(name, used):
    """The pieces not used get zero gradient; the same bits as torch (float32, weights that round)."""
    def grads(lib):
        leaf = lib.tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3), dtype=lib.float32, requires_grad=True)
        ys = SPLITS[name](lib, leaf * 1.1)
        loss = sum((ys[k] * (0.3 + k)).sin().sum() for k in used)
        loss.backward()
        return leaf.grad.numpy().copy()
    m, t = grads(miniconv), grads(torch)
    assert m.dtype == t.dtype
    np.testing.assert_array_equal(m.view(np.int32), t.view(np.int32))


@pytest.mark.parametrize("name", ["split", "split_sizes", "chunk_dim1", "unbind", "unbind_dim1"])
def test_double_backward_through_split(name):
    def second(lib):
        leaf, x = _x(lib)
        ys = SPLITS[name](lib, x)
        loss = (ys[0] ** 3).sum() + (ys[-1] ** 2).sum() * 0.5
        (g,) = lib.autograd.grad(loss, leaf, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), leaf)
        return g.detach().numpy().copy(), gg.numpy().copy(), g.grad_fn.name()
    (mg, mgg, mn), (tg, tgg, tn) = second(miniconv), second(torch)
    np.testing.assert_allclose(mg, tg, rtol=1e-14)
    np.testing.assert_allclose(mgg, tgg, rtol=1e-14)
    assert mn == tn


def _message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - class and message compared with torch's
        return type(e).__name__, str(e)
    return None


INPLACE = {
    "piece_add_": lambda l, ys, x: ys[1].add_(1),
    "piece_mul_then_backward": lambda l, ys, x: (ys[0].mul_(2), ys[0].sum().backward()),
    "piece_setitem": lambda l, ys, x: ys[1].__setitem__(0, 5.0),
    "piece_setitem_slice": lambda l, ys, x: ys[1].__setitem__(slice(0, 1), 5.0),
    "piece_setitem_ellipsis": lambda l, ys, x: ys[1].__setitem__(Ellipsis, 5.0),
    "piece_setitem_none": lambda l, ys, x: ys[1].__setitem__(None, 5.0),
    "piece_setitem_mask": lambda l, ys, x: ys[1].__setitem__(ys[1] > 0, 5.0),
    "view_of_piece_add_": lambda l, ys, x: ys[1][0].add_(1),
    "base_add_then_use_piece": lambda l, ys, x: (x.add_(1), ys[1].sum().backward()),
    "base_add_then_backward": lambda l, ys, x: (x.add_(1), (ys[0] * 2).sum().backward()),
}


@pytest.mark.parametrize("case", list(INPLACE))
@pytest.mark.parametrize("name", ["split", "split_sizes", "chunk", "unbind", "tensor_split"])
def test_inplace_on_pieces_raises_as_torch(name, case):
    def run(lib):
        _, x = _x(lib)
        ys = SPLITS[name](lib, x)
        return _message(lambda: INPLACE[case](lib, ys, x))
    assert run(miniconv) == run(torch)


@pytest.mark.parametrize("name", ["split", "unbind"])
def test_inplace_on_pieces_allowed_without_grad(name):
    """No graph recorded (no_grad, or an input that requires no grad): pieces are plain views, writes reach x."""
    def run(lib):
        _, x = _x(lib, requires_grad=False)
        ys = SPLITS[name](lib, x)
        ys[1].add_(1)
        leaf, x2 = _x(lib)
        with lib.no_grad():
            zs = SPLITS[name](lib, x2)
            zs[0].mul_(2)
        return x.numpy().copy(), x2.detach().numpy().copy(), x._version, x2._version, ys[0]._version
    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_array_equal(a, b)


def test_hooks_and_retain_grad_on_pieces():
    def run(lib):
        leaf, x = _x(lib)
        a, b = x.split([1, 3])
        seen = []
        a.register_hook(lambda g: seen.append(("a", g.numpy().copy())) or g * 2)
        b.retain_grad()
        fn_seen = []
        a.grad_fn.register_hook(lambda gi, go: fn_seen.append((len(gi), len(go), [g is None for g in go])))
        ((a * 3).sum() + (b ** 2).sum()).backward()
        return seen, b.grad.numpy().copy(), leaf.grad.numpy().copy(), fn_seen
    (ms, mb, ml, mf), (ts, tb, tl, tf) = run(miniconv), run(torch)
    assert [s[0] for s in ms] == [s[0] for s in ts]
    np.testing.assert_array_equal(ms[0][1], ts[0][1])
    np.testing.assert_array_equal(mb, tb)
    np.testing.assert_array_equal(ml, tl)
    assert mf == tf


def test_split_of_a_view_and_of_a_leaf():
    """Pieces of a view are views of the root base; pieces of a leaf have the node too."""
    def run(lib):
        leaf, x = _x(lib)
        v = x.t()
        ys = v.split(2, dim=1)
        zs = leaf.unbind(1)
        (ys[1].sum() * 2 + zs[2].sum()).backward()
        return (ys[0]._base is x, zs[0]._base is leaf, zs[0].grad_fn.name(),
                [(n.name(), i) for n, i in zs[0].grad_fn.next_functions], leaf.grad.numpy().tolist())
    assert run(miniconv) == run(torch)
