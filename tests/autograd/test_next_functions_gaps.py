"""``grad_fn.next_functions`` against PyTorch: one entry per differentiable Tensor input of the op, in
PyTorch's order, ``(None, 0)`` for a Tensor input that needs no gradient; numbers, dims and None left out
(except where PyTorch wraps a number as a tensor, as for ``x + 2``). Node names compared too."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def describe(fn, depth=2):
    """A node as (name, ((child, output_nr), ...)) down to ``depth``; leaves' accumulators as "AccumulateGrad"."""
    if fn is None:
        return None
    if type(fn).__name__ == "AccumulateGrad":
        assert fn.name() == "torch::autograd::AccumulateGrad"
        return "AccumulateGrad"
    if depth == 0:
        return fn.name()
    return (fn.name(), tuple((describe(f, depth - 1), nr) for f, nr in fn.next_functions))


CASES = {
    "add_scalar": lambda L, x, w, b: x + 2,
    "radd_scalar": lambda L, x, w, b: 2 + x,
    "rmul_scalar": lambda L, x, w, b: 2.5 * x,
    "rsub": lambda L, x, w, b: 1 - x,
    "sub_scalar": lambda L, x, w, b: x - 1,
    "div_scalar": lambda L, x, w, b: x / 3,
    "pow_scalar": lambda L, x, w, b: x ** 2,
    "rpow": lambda L, x, w, b: 2 ** x,
    "add_detached": lambda L, x, w, b: x + x.detach(),
    "detached_mul": lambda L, x, w, b: x.detach() * x,
    "matmul_detached": lambda L, x, w, b: x.detach() @ w,
    "view": lambda L, x, w, b: (x * 1).view(-1),
    "reshape": lambda L, x, w, b: x.reshape(-1),
    "permute": lambda L, x, w, b: x.permute(1, 0),
    "flatten": lambda L, x, w, b: x.flatten(),
    "cat": lambda L, x, w, b: L.cat([x, x.detach(), x * 2]),
    "cat_first_detached": lambda L, x, w, b: L.cat([x.detach(), x], 1),
    "stack": lambda L, x, w, b: L.stack([x, x.detach()]),
    "index_tensor": lambda L, x, w, b: x[L.tensor([0, 1])],
    "index_mask": lambda L, x, w, b: x[x > 0],
    "index_select": lambda L, x, w, b: x.index_select(0, L.tensor([1])),
    "linear_bias": lambda L, x, w, b: L.nn.functional.linear(x, w, b).grad_fn.next_functions[:2],
    "linear_bias_detached_w": lambda L, x, w, b: L.nn.functional.linear(x, w.detach(), b),
    "mse": lambda L, x, w, b: L.nn.functional.mse_loss(x, x.detach() * 2),
    "cross_entropy": lambda L, x, w, b: L.nn.functional.cross_entropy(x, L.tensor([0, 1])),
    "cross_entropy_weight": lambda L, x, w, b: L.nn.functional.cross_entropy(x, L.tensor([0, 1]), weight=L.ones(2)),
    "nll": lambda L, x, w, b: L.nn.functional.nll_loss(x, L.tensor([0, 1])),
    "bce": lambda L, x, w, b: L.nn.functional.binary_cross_entropy(x.sigmoid(), x.detach().sigmoid(),
                                                                   weight=L.ones(2)),
    "bce_logits": lambda L, x, w, b: L.nn.functional.binary_cross_entropy_with_logits(
        x, x.detach().sigmoid(), weight=L.ones(2), pos_weight=L.ones(2)),
    "l1": lambda L, x, w, b: L.nn.functional.l1_loss(x, x.detach()),
    "kl_div": lambda L, x, w, b: L.nn.functional.kl_div(x, x.detach().sigmoid(), reduction="batchmean"),
    "sum": lambda L, x, w, b: x.sum(),
    "sum_dim": lambda L, x, w, b: x.sum(1),
    "mean": lambda L, x, w, b: x.mean(),
    "clamp": lambda L, x, w, b: x.clamp(0, 1),
    "where_scalar": lambda L, x, w, b: L.where(x > 0, x, 0.0),
    "where_detached": lambda L, x, w, b: L.where(x > 0, x, x.detach()),
    "maximum": lambda L, x, w, b: L.maximum(x, x.detach()),
    "softmax": lambda L, x, w, b: x.softmax(1),
    "log_softmax": lambda L, x, w, b: L.nn.functional.log_softmax(x, 1),
    "relu": lambda L, x, w, b: L.relu(x),
    "leaky_relu": lambda L, x, w, b: L.nn.functional.leaky_relu(x, 0.1),
    "dropout": lambda L, x, w, b: L.nn.functional.dropout(x, 0.5),
    "masked_fill": lambda L, x, w, b: x.masked_fill(x > 0, 0.0),
    "max": lambda L, x, w, b: x.max(),
    "max_dim": lambda L, x, w, b: x.max(1)[0],
    "cumsum": lambda L, x, w, b: x.cumsum(0),
    "norm": lambda L, x, w, b: x.norm(),
    "repeat": lambda L, x, w, b: x.repeat(2, 1),
    "double": lambda L, x, w, b: x.double(),
    "embedding": lambda L, x, w, b: L.nn.functional.embedding(L.tensor([0, 1]), w),
    "add_": lambda L, x, w, b: (x * 1).add_(2.0),
    "mul_": lambda L, x, w, b: (x * 1).mul_(x.detach()),
    "fill_": lambda L, x, w, b: (x * 1).fill_(2.0),
    "fill_tensor": lambda L, x, w, b: (x * 1).fill_(L.tensor(2.0)),
    "zero_": lambda L, x, w, b: (x * 1).zero_(),
    "mm": lambda L, x, w, b: x.mm(w),
}


def _run(L, case):
    x = L.tensor(np.array([[0.5, -1.0], [2.0, 0.3]], np.float32), requires_grad=True)
    w = L.tensor(np.array([[0.1, 0.2], [0.3, 0.4]], np.float32), requires_grad=True)
    b = L.tensor(np.array([0.1, 0.2], np.float32), requires_grad=True)
    y = CASES[case](L, x, w, b)
    if isinstance(y, tuple):  # the first entries of next_functions, for ops with one differing node below
        return tuple((describe(f, 1), nr) for f, nr in y)
    return describe(y.grad_fn)


@pytest.mark.parametrize("case", sorted(CASES))
def test_next_functions_match_torch(case):
    assert _run(miniconv, case) == _run(torch, case)


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("detach", ["none", "input", "weight"])
@pytest.mark.parametrize("kw", [{}, {"padding": 1, "stride": 2}])
def test_conv2d_next_functions(with_bias, detach, kw):
    def run(L):
        r = np.random.RandomState(0)
        x = L.tensor(r.randn(1, 2, 5, 5).astype("f"), requires_grad=True)
        w = L.tensor(r.randn(3, 2, 3, 3).astype("f"), requires_grad=True)
        b = L.tensor(r.randn(3).astype("f"), requires_grad=True) if with_bias else None
        x = x.detach() if detach == "input" else x
        w = w.detach() if detach == "weight" else w
        return describe(L.nn.functional.conv2d(x, w, b, **kw).grad_fn)
    assert run(miniconv) == run(torch)


def test_pooling_node_names():
    def run(L):
        x = L.ones(1, 1, 4, 4, requires_grad=True)
        F = L.nn.functional
        return describe(F.max_pool2d(x, 2).grad_fn), describe(F.avg_pool2d(x, 2).grad_fn)
    assert run(miniconv) == run(torch)


def test_custom_function_lists_only_tensor_arguments():
    def run(L):
        class Affine(L.autograd.Function):
            @staticmethod
            def forward(ctx, a, k, b, c=None):
                return a * k + b

            @staticmethod
            def backward(ctx, g):
                return g, None, g, None

        x = L.ones(3, requires_grad=True)
        y1 = Affine.apply(x, 2, x.detach(), None)
        y2 = Affine.apply(x, 2, x.detach(), x)
        y2.sum().backward()
        return (tuple((describe(f, 0), nr) for f, nr in y1.grad_fn.next_functions),
                tuple((describe(f, 0), nr) for f, nr in y2.grad_fn.next_functions), x.grad.tolist())
    assert run(miniconv) == run(torch)


def test_gradients_unchanged_by_operand_order():
    # 2 + x, 2 * x, 1 - x and 2 ** x record the tensor as PyTorch does; the values and gradients are PyTorch's
    def run(L):
        x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = (2 + x) * (3 * x) + (1 - x) + 2 ** x
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy()
    (ym, gm), (yt, gt) = run(miniconv), run(torch)
    np.testing.assert_allclose(ym, yt, rtol=1e-6)
    np.testing.assert_allclose(gm, gt, rtol=1e-6)
