"""Gaps found by the porting sweeps, closed against PyTorch 2.13: ``Tensor.hardshrink`` and ``Tensor.prelu`` as
methods (values, gradients, node names, errors) and ``torch.gradient`` in all its argument forms (scalar, list
and coordinate spacing, dim as int / list / None, edge_order 1 and 2, PyTorch's errors, gradients through it)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
from tests.oracle import assert_close_outcome, assert_same_outcome  # noqa: E402

RNG = np.random.default_rng(4)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)
T = np.array([[1.0, 2, 4, 8], [10, 20, 40, 80], [3, 1, 4, 1]], np.float32)
C = np.array([0.0, 1, 1.5, 3.5], np.float32)


# -- Tensor.hardshrink / Tensor.prelu -----------------------------------------------------------------------
def _method_and_grad(L, call):
    x = L.tensor(X, requires_grad=True)
    w = L.tensor(np.array([0.25, -0.5, 2.0], np.float32), requires_grad=True)
    y = call(L, x, w)
    y.pow(2).sum().backward()
    return y.detach(), type(y.grad_fn).__name__, x.grad, (w.grad if w.grad is not None else L.zeros(1))


@pytest.mark.parametrize("call", [
    lambda L, x, w: x.hardshrink(),
    lambda L, x, w: x.hardshrink(0.8),
    lambda L, x, w: x.hardshrink(lambd=-1.0),
    lambda L, x, w: x.prelu(w),
    lambda L, x, w: x.prelu(weight=w[:1]),
    lambda L, x, w: x[0].prelu(w),
    lambda L, x, w: L.prelu(x, w),
    lambda L, x, w: L.hardshrink(x, 0.3),
    lambda L, x, w: L.nn.functional.hardshrink(x, 0.3),
    lambda L, x, w: L.nn.functional.prelu(x, w),
], ids=["hardshrink", "hardshrink 0.8", "hardshrink negative", "prelu per channel", "prelu one weight",
        "prelu 2-D", "torch.prelu", "torch.hardshrink", "F.hardshrink", "F.prelu"])
def test_hardshrink_prelu_methods(call):
    assert_same_outcome(lambda L: _method_and_grad(L, call))


@pytest.mark.parametrize("call", [
    lambda L: L.tensor([1, 2]).hardshrink(),
    lambda L: L.tensor([True]).hardshrink(),
    lambda L: L.tensor([1, -2]).prelu(L.tensor([3])),
    lambda L: L.randn(2, 3).prelu(L.randn(2)),
    lambda L: L.randn(2, 3).prelu(L.randn(1, 3)),
    lambda L: L.tensor(2.0).prelu(L.randn(2)),
    lambda L: L.randn(2, 3).prelu(L.randn(3).double()),
    lambda L: L.tensor([1, -2]).prelu(L.tensor([0.1])),
], ids=["hardshrink int", "hardshrink bool", "prelu int", "prelu channels", "prelu 2-D weight", "prelu 0-d input",
        "prelu dtypes", "prelu int and float"])
def test_hardshrink_prelu_errors(call):
    assert_same_outcome(call, message=True)


# -- torch.gradient ------------------------------------------------------------------------------------------
def _coords(L):
    return L.tensor(C)


GRADIENT_CALLS = {
    "default": lambda L, t: L.gradient(t),
    "spacing float": lambda L, t: L.gradient(t, spacing=2.0),
    "spacing int": lambda L, t: L.gradient(t, spacing=2),
    "spacing 0-d tensor": lambda L, t: L.gradient(t, spacing=L.tensor(0.5)),
    "spacing None": lambda L, t: L.gradient(t, spacing=None),
    "spacing list": lambda L, t: L.gradient(t, spacing=[2.0, 0.5]),
    "dim int": lambda L, t: L.gradient(t, dim=1),
    "dim negative": lambda L, t: L.gradient(t, dim=-1),
    "dim list": lambda L, t: L.gradient(t, dim=[1]),
    "dim tuple, spacing list": lambda L, t: L.gradient(t, spacing=[1.0, 2.0], dim=(1, 0)),
    "coordinates": lambda L, t: L.gradient(t, spacing=(_coords(L),), dim=1),
    "coordinates list, dim int": lambda L, t: L.gradient(t, spacing=[_coords(L)], dim=1),
    "coordinates every dim": lambda L, t: L.gradient(t, spacing=(L.tensor([0.0, 1, 3]), _coords(L))),
    "coordinates dim tuple": lambda L, t: L.gradient(t, spacing=(_coords(L), L.tensor([0.0, 1, 3])), dim=(1, 0)),
    "coordinates float64": lambda L, t: L.gradient(t, spacing=(_coords(L).double(),), dim=1),
    "coordinates int64": lambda L, t: L.gradient(t, spacing=(L.tensor([0, 1, 3, 4]),), dim=1),
    "coordinates too short": lambda L, t: L.gradient(t, spacing=(L.tensor([0.0, 1, 3]),), dim=1),
    "edge_order 2": lambda L, t: L.gradient(t, edge_order=2),
    "edge_order 2 spacing": lambda L, t: L.gradient(t, spacing=0.5, dim=0, edge_order=2),
    "edge_order 2 coordinates": lambda L, t: L.gradient(t, spacing=(_coords(L),), dim=1, edge_order=2),
    "int input": lambda L, t: L.gradient(t.long()),
    "int input edge_order 2": lambda L, t: L.gradient(t.long(), spacing=2, edge_order=2),
    "float64 input": lambda L, t: L.gradient(t.double(), spacing=[0.1, 0.3]),
    "1-D": lambda L, t: L.gradient(t[1]),
    "1-D spacing list": lambda L, t: L.gradient(t[1], spacing=[2.0]),
    "0-D": lambda L, t: L.gradient(t[0, 0]),
    "3-D dim": lambda L, t: L.gradient(L.tensor(X), dim=(2, 0), spacing=0.25),
    # errors
    "edge_order 3": lambda L, t: L.gradient(t, edge_order=3),
    "spacing length, no dim": lambda L, t: L.gradient(t, spacing=[1.0, 2.0, 3.0]),
    "spacing length 1, no dim": lambda L, t: L.gradient(t, spacing=(2.0,)),
    "spacing length vs dim": lambda L, t: L.gradient(t, spacing=[0.1], dim=(1, 0)),
    "repeated dim": lambda L, t: L.gradient(t, spacing=0.1, dim=(1, 1)),
    "dim out of range": lambda L, t: L.gradient(t, dim=3),
    "dim too small": lambda L, t: L.gradient(t[:, :1]),
    "dim too small for edge_order 2": lambda L, t: L.gradient(t[:2], edge_order=2),
    "uint8": lambda L, t: L.gradient(t.to(L.uint8)),
    "bool": lambda L, t: L.gradient(t > 2),
    "2-D coordinates": lambda L, t: L.gradient(t, spacing=(t,), dim=1),
    "0-d tensors in a list": lambda L, t: L.gradient(t, spacing=[L.tensor(2.0), L.tensor(1.0)]),
    "tensor and number": lambda L, t: L.gradient(t, spacing=(_coords(L), 1.0)),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CALLS))
def test_gradient_as_pytorch(name):
    out = assert_same_outcome(lambda L: GRADIENT_CALLS[name](L, L.tensor(T)), message=True, rtol=1e-6)
    if out[0] == "ok":
        assert isinstance(GRADIENT_CALLS[name](miniconv, miniconv.tensor(T)), tuple)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_backward(edge_order):
    def run(L):
        t = L.tensor(T.astype(np.float64), requires_grad=True)
        c = L.tensor(C.astype(np.float64), requires_grad=True)
        gs = L.gradient(t, spacing=(L.tensor([0.0, 0.5, 2.0]), c), edge_order=edge_order)
        ((gs[0] ** 2).sum() + (gs[1] * gs[1].detach().cos()).sum()).backward()
        return type(gs[0].grad_fn).__name__, t.grad, c.grad

    assert_same_outcome(run, rtol=1e-10)


# -- the autograd graph's shape as PyTorch's (torchviz, grad_fn.next_functions walks) -------------------------
def tree(fn):
    """A node as (name, children...) down to the leaves; a leaf's accumulator as "AccumulateGrad"."""
    if fn is None:
        return None
    if type(fn).__name__ == "AccumulateGrad":
        return "AccumulateGrad"
    assert type(fn).__name__ == fn.name()
    return (fn.name(),) + tuple(tree(f) for f, _ in fn.next_functions)


def _leaf(L, shape, grad=True, seed=0, dtype=np.float32):
    return L.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=grad)


GRAPHS = {
    "nn.Linear 1-D": lambda L: L.nn.Linear(4, 5)(_leaf(L, 4)),
    "nn.Linear 1-D no bias": lambda L: L.nn.Linear(4, 5, bias=False)(_leaf(L, 4)),
    "nn.Linear 2-D": lambda L: L.nn.Linear(4, 5)(_leaf(L, (2, 4))),
    "nn.Linear 2-D no bias": lambda L: L.nn.Linear(4, 5, bias=False)(_leaf(L, (2, 4))),
    "nn.Linear 3-D": lambda L: L.nn.Linear(4, 5)(_leaf(L, (2, 3, 4))),
    "nn.Linear 3-D no bias": lambda L: L.nn.Linear(4, 5, bias=False)(_leaf(L, (2, 3, 4))),
    "nn.Linear 3-D input without grad": lambda L: L.nn.Linear(4, 5)(_leaf(L, (2, 3, 4), False)),
    "nn.Linear 4-D": lambda L: L.nn.Linear(4, 5)(_leaf(L, (2, 1, 3, 4))),
    "F.linear frozen weight": lambda L: L.nn.functional.linear(_leaf(L, (2, 4)), _leaf(L, (5, 4), False),
                                                               _leaf(L, 5)),
    "F.linear weight.t()": lambda L: L.nn.functional.linear(_leaf(L, (2, 3, 4)), _leaf(L, (4, 5)).t()),
    "MLP": lambda L: L.nn.Sequential(L.nn.Linear(4, 3), L.nn.ReLU(), L.nn.Linear(3, 2))(_leaf(L, (2, 4))),
    "matmul 3-D @ 2-D": lambda L: _leaf(L, (2, 3, 4)) @ _leaf(L, (4, 5)),
    "matmul 4-D @ 2-D": lambda L: _leaf(L, (2, 2, 3, 4)) @ _leaf(L, (4, 5)),
    "matmul strided 3-D @ 2-D": lambda L: _leaf(L, (2, 4, 3)).transpose(1, 2) @ _leaf(L, (4, 5)),
    "matmul 3-D @ 1-D": lambda L: _leaf(L, (2, 3, 4)) @ _leaf(L, 4),
    "matmul 1-D @ 2-D": lambda L: _leaf(L, 4) @ _leaf(L, (4, 5)),
    "matmul 2-D @ 1-D": lambda L: _leaf(L, (5, 4)).t() @ _leaf(L, 5),
    "matmul 2-D @ 2-D": lambda L: _leaf(L, (3, 4)) @ _leaf(L, (4, 5)),
    "matmul 3-D @ 3-D": lambda L: _leaf(L, (2, 3, 4)) @ _leaf(L, (2, 4, 5)),
    "matmul 3-D @ 3-D transposed": lambda L: _leaf(L, (2, 3, 4)) @ _leaf(L, (2, 3, 4)).transpose(1, 2),
    "matmul 4-D @ 4-D": lambda L: _leaf(L, (2, 2, 3, 4)) @ _leaf(L, (2, 2, 4, 5)),
    "matmul 3-D @ 3-D, left without grad": lambda L: _leaf(L, (2, 3, 4), False) @ _leaf(L, (2, 4, 5)),
    "bmm": lambda L: L.bmm(_leaf(L, (2, 3, 4)), _leaf(L, (2, 4, 5))),
    "t": lambda L: _leaf(L, (3, 4)).t(),
    "t 1-D": lambda L: _leaf(L, 4).t(),
    "T": lambda L: _leaf(L, (3, 4)).T,
    "transpose": lambda L: _leaf(L, (2, 3, 4)).transpose(0, 2),
    "mT": lambda L: _leaf(L, (2, 3, 4)).mT,
    "swapaxes": lambda L: _leaf(L, (2, 3, 4)).swapaxes(0, 1),
    "x[0, 1:3]": lambda L: _leaf(L, (2, 3, 4))[0, 1:3],
    "x[:, 1, ::2]": lambda L: _leaf(L, (2, 3, 4))[:, 1, ::2],
    "x[..., None, 1]": lambda L: _leaf(L, (2, 3, 4))[..., None, 1],
    "x[1:, :2]": lambda L: _leaf(L, (2, 3, 4))[1:, :2],
    "x[0][1]": lambda L: _leaf(L, (2, 3, 4))[0][1],
    "x[:, :, 0:4]": lambda L: _leaf(L, (2, 3, 4))[:, :, 0:4],
    "x[-1, 1:]": lambda L: _leaf(L, (2, 3, 4))[-1, 1:],
    "x[0, [0, 1]]": lambda L: _leaf(L, (2, 3, 4))[0, [0, 1]],
    "x[None, 0, :, 1]": lambda L: _leaf(L, (2, 3, 4))[None, 0, :, 1],
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_graph_shape_as_pytorch(name):
    assert tree(GRAPHS[name](miniconv).grad_fn) == tree(GRAPHS[name](torch).grad_fn)


def test_chain_nodes_are_stable_and_the_gradient_unchanged():
    """The listed chain nodes are the same objects on every walk; the gradients are PyTorch's; a hook on a chain
    node (which backward never runs) is refused with a message naming the node that computes it."""
    def run(L):
        x, w, b = (_leaf(L, shape, seed=k, dtype=np.float64) for k, shape in enumerate([(2, 3, 4), (5, 4), 5]))
        y = L.nn.functional.linear(x, w, b)
        y.pow(2).sum().backward()
        return y.grad_fn, x.grad, w.grad, b.grad

    node, *grads = run(miniconv)
    t_node, *t_grads = run(torch)
    for a, b in zip(grads, t_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    addmm = node.next_functions[0][0]
    assert addmm is node.next_functions[0][0] and addmm.next_functions[2][0] is addmm.next_functions[2][0]
    assert addmm.next_functions[2][0].next_functions[0][0].variable.shape == (5, 4)
    with pytest.raises(RuntimeError, match="TBackward0 is computed inside ViewBackward0"):
        addmm.next_functions[2][0].register_hook(lambda gi, go: None)


# -- composed ops given their own node (conv1d, group_norm, interpolate): values, gradients, errors ------------
def _conv1d_case(L, **kw):
    x = _leaf(L, (2, 4, 9), seed=1, dtype=np.float64)
    w = _leaf(L, (6, 4 // kw.get("groups", 1), 3), seed=2, dtype=np.float64)
    b = _leaf(L, 6, seed=3, dtype=np.float64)
    y = L.nn.functional.conv1d(x, w, b, **kw)
    (y * y.detach().sin()).sum().backward()
    return y.detach(), type(y.grad_fn).__name__, x.grad, w.grad, b.grad


@pytest.mark.parametrize("kw", [{}, {"padding": 1}, {"padding": "same", "dilation": 2}, {"stride": 2, "groups": 2},
                                {"padding": "valid", "groups": 4}], ids=str)
def test_conv1d_node_as_pytorch(kw):
    assert_same_outcome(lambda L: _conv1d_case(L, **kw), rtol=1e-10)


def test_conv1d_saved_input_modified_in_place_raises_as_pytorch():
    def run(L):
        x = _leaf(L, (2, 4, 9)) * 1
        w = _leaf(L, (6, 4, 3), seed=2)
        y = L.nn.functional.conv1d(x, w)
        x.mul_(2)
        y.sum().backward()

    assert_same_outcome(run)


def _group_norm_case(L, shape, groups, affine, dtype):
    x = _leaf(L, shape, seed=1, dtype=dtype)
    w = _leaf(L, shape[1], seed=2, dtype=dtype) if affine else None
    b = _leaf(L, shape[1], seed=3, dtype=dtype) if affine else None
    y = L.nn.functional.group_norm(x * 3 + 1, groups, w, b)
    (y * y.detach().cos()).sum().backward()
    return y.detach(), type(y.grad_fn).__name__, x.grad, w.grad if affine else None, b.grad if affine else None


@pytest.mark.parametrize("shape,groups", [((4, 6, 5, 5), 3), ((3, 4, 7), 2), ((2, 6, 2, 3, 2), 6), ((5, 4), 1),
                                          ((0, 4, 3), 2)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_group_norm_node_as_pytorch(shape, groups, affine, dtype):
    assert_same_outcome(lambda L: _group_norm_case(L, shape, groups, affine, dtype),
                        rtol=1e-10 if dtype == np.float64 else 2e-4)


def test_group_norm_input_gradient_and_version_check_as_pytorch():
    def grads(L):
        x = _leaf(L, (3, 4, 5), dtype=np.float64)
        w = _leaf(L, 4, seed=2, dtype=np.float64)
        y = L.nn.functional.group_norm(x, 2, w)
        (y ** 3).sum().backward()
        return x.grad, w.grad

    def modified(L):
        w = _leaf(L, 4, seed=2) * 1
        y = L.nn.functional.group_norm(_leaf(L, (3, 4, 5)), 2, w)
        w.add_(1)
        y.sum().backward()

    assert_same_outcome(grads, rtol=1e-10)
    assert_same_outcome(modified)


INTERPOLATE = {
    "nearest x2": dict(scale_factor=2),
    "nearest size": dict(size=(7, 5)),
    "nearest down": dict(size=(3, 2)),
    "nearest 1.7": dict(scale_factor=1.7),
    "nearest-exact": dict(size=(7, 9), mode="nearest-exact"),
    "bilinear": dict(size=(9, 11), mode="bilinear"),
    "bilinear align_corners": dict(scale_factor=2, mode="bilinear", align_corners=True),
    "bilinear down": dict(size=(3, 2), mode="bilinear"),
    "bilinear scale recomputed": dict(scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
    "linear": dict(size=11, mode="linear", dims=3),
    "nearest 1-D": dict(scale_factor=3, dims=3),
    "trilinear": dict(size=(3, 5, 4), mode="trilinear", dims=5),
    "nearest 3-D": dict(scale_factor=2, dims=5),
}


@pytest.mark.parametrize("name", sorted(INTERPOLATE))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_interpolate_node_as_pytorch(name, dtype):
    kw = dict(INTERPOLATE[name])
    dims = kw.pop("dims", 4)

    def run(L):
        shape = {3: (2, 3, 6), 4: (2, 3, 5, 6), 5: (1, 2, 2, 3, 4)}[dims]
        x = _leaf(L, shape, seed=5, dtype=dtype)
        y = L.nn.functional.interpolate(x.transpose(-1, -2).transpose(-1, -2), **kw)  # a strided view as input
        (y * y.detach().sin()).sum().backward()
        return y.detach(), type(y.grad_fn).__name__, x.grad

    if dtype == np.float64:
        assert_same_outcome(run, rtol=1e-10)
    else:  # float32: within 1e-5 of each tensor's largest element (PyTorch's kernels sum in another order)
        assert_close_outcome(run, rtol=1e-5)
