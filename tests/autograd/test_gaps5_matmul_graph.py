"""matmul's graph as PyTorch 2.13 records it (``grad_fn`` and every ``next_functions`` name down to the leaves)
for batched operands with broadcast batches, 2-D @ batched (PyTorch's transposed fold: Clone <- Transpose <- Mm),
1-D @ batched (Mv on b^T folded), a batch of one squeezed, non-contiguous operands and one operand without grad;
the listed nodes do not change the gradients, which stay bit-identical to the plain product's."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _walk(fn, depth=0, out=None):
    out = [] if out is None else out
    out.append("  " * depth + ("None" if fn is None else fn.name()))
    if fn is not None and fn.name() != "torch::autograd::AccumulateGrad":
        for f, _ in fn.next_functions:
            _walk(f, depth + 1, out)
    return out


def _t(lib, shape, grad=True, seed=0):
    arr = np.random.default_rng(seed + len(shape)).standard_normal(shape)
    return lib.tensor(arr, requires_grad=grad)


CASES = {
    "3d_3d": lambda l: _t(l, (2, 3, 4)) @ _t(l, (2, 4, 5)),
    "3d_2d": lambda l: _t(l, (2, 3, 4)) @ _t(l, (4, 5)),
    "2d_3d": lambda l: _t(l, (3, 4)) @ _t(l, (2, 4, 5)),
    "2d_4d": lambda l: _t(l, (3, 4)) @ _t(l, (2, 2, 4, 5)),
    "1d_3d": lambda l: _t(l, (4,)) @ _t(l, (2, 4, 5)),
    "1d_4d": lambda l: _t(l, (4,)) @ _t(l, (2, 2, 4, 5)),
    "4d_3d_broadcast": lambda l: _t(l, (2, 1, 3, 4)) @ _t(l, (5, 4, 2)),
    "4d_4d_broadcast": lambda l: _t(l, (2, 1, 3, 4)) @ _t(l, (1, 5, 4, 2)),
    "3d_4d": lambda l: _t(l, (2, 3, 4)) @ _t(l, (3, 2, 4, 5)),
    "3d_4d_leading_one": lambda l: _t(l, (2, 3, 4)) @ _t(l, (1, 2, 4, 5)),
    "5d_5d": lambda l: _t(l, (1, 2, 1, 3, 4)) @ _t(l, (1, 2, 1, 4, 5)),
    "3d_batch_one_right": lambda l: _t(l, (2, 3, 4)) @ _t(l, (1, 4, 5)),
    "3d_batch_one_left": lambda l: _t(l, (1, 3, 4)) @ _t(l, (2, 4, 5)),
    "2d_3d_transposed_b": lambda l: _t(l, (3, 4)) @ _t(l, (2, 5, 4)).transpose(1, 2),
    "3d_transposed_a": lambda l: _t(l, (2, 4, 3)).transpose(1, 2) @ _t(l, (2, 4, 5)),
    "2d_3d_only_b_grad": lambda l: _t(l, (3, 4), grad=False) @ _t(l, (2, 4, 5)),
    "2d_3d_only_a_grad": lambda l: _t(l, (3, 4)) @ _t(l, (2, 4, 5), grad=False),
    "1d_2d": lambda l: _t(l, (4,)) @ _t(l, (4, 5)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matmul_graph_as_torch(name):
    assert _walk(CASES[name](miniconv).grad_fn) == _walk(CASES[name](torch).grad_fn)


@pytest.mark.parametrize("shapes", [((3, 4), (2, 4, 5)), ((4,), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                                    ((1, 3, 4), (2, 4, 5)), ((2, 3, 4), (1, 4, 5))])
def test_gradients_bit_identical_to_the_ops_own_backward(shapes):
    """The listed nodes are names only: the leaves get exactly what MatMul's backward computes (and torch's
    values)."""
    from miniconv.autograd.engine import sum_to
    from miniconv.ops.linalg import MatMul

    def run(lib):
        a, b = (_t(lib, s, seed=k) for k, s in enumerate(shapes))
        y = a @ b
        g = np.linspace(-1, 1, y.numel()).reshape(tuple(y.shape))
        y.backward(lib.tensor(g))
        return a, b, g
    a, b, g = run(miniconv)
    ga, gb = MatMul.backward(type("Ctx", (), {"saved_tensors": (a._data, b._data), "needs_input_grad": (True, True),
                                              **{k: v for k, v in vars((a @ b).grad_fn).items()
                                                 if not k.startswith("_")}})(), g)[:2]
    assert np.array_equal(a.grad.numpy(), sum_to(ga, a._data.shape, a._data.dtype))
    assert np.array_equal(b.grad.numpy(), sum_to(gb, b._data.shape, b._data.dtype))
    ta, tb, _ = run(torch)
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12, atol=1e-12)
