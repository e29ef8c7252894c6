"""The public autograd.Function works on Tensors, as PyTorch's; Tensor and Module hooks. Same
code on miniconv and PyTorch."""
import numpy as np
import pytest

import miniconv
from miniconv.autograd import gradcheck

torch = pytest.importorskip("torch")

from oracle import assert_same, both  # noqa: E402

X = np.array([[-1.5, 0.5, 2.0], [0.25, -0.75, 1.0]])


def make_relu(lib):
    class MyReLU(lib.autograd.Function):
        """PyTorch's tutorial example: forward uses clamp, backward clone and masked assignment."""

        @staticmethod
        def forward(ctx, input):  # noqa: A002
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    return MyReLU


def test_tutorial_custom_relu_with_tensor_methods():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = make_relu(lib).apply(x)
        (y * lib.tensor(X + 3)).sum().backward()
        return y, x.grad, y.grad_fn.name().startswith("MyReLUBackward")

    assert_same(f)
    relu = make_relu(miniconv)
    assert gradcheck(relu.apply, (miniconv.tensor(X + 0.01, requires_grad=True),))


def make_multi(lib):
    class MulAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale):
            ctx.save_for_backward(a, b)
            ctx.scale = scale
            idx = a.argmax(dim=1)
            ctx.mark_non_differentiable(idx)
            return a * b * scale, a + b, idx

        @staticmethod
        def backward(ctx, g_prod, g_sum, g_idx):
            a, b = ctx.saved_tensors
            ga = g_prod * b * ctx.scale + g_sum if ctx.needs_input_grad[0] else None
            gb = g_prod * a * ctx.scale + g_sum if ctx.needs_input_grad[1] else None
            return ga, gb, None

    return MulAdd


def test_multiple_outputs_non_differentiable_and_needs_input_grad():
    def f(lib):
        a = lib.tensor(X, requires_grad=True)
        b = lib.tensor(X * 2)
        p, s, idx = make_multi(lib).apply(a, b, 3.0)
        p.sum().backward()  # s gets no gradient: materialized as zeros
        return p, s, idx, a.grad, b.grad, idx.requires_grad, s.requires_grad

    assert_same(f)
    fn = make_multi(miniconv)
    b = miniconv.tensor(X * 2, requires_grad=True)
    assert gradcheck(lambda a, b: fn.apply(a, b, 0.5)[:2], (miniconv.tensor(X, requires_grad=True), b))


def test_mark_dirty_in_place_function():
    def f(lib):
        class AddOne_(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 1

        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        z = AddOne_.apply(y)
        (z * z).sum().backward()
        return z is y, z, x.grad

    assert_same(f)


def test_saved_tensor_modified_after_save_raises():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x * 1
        out = make_relu(lib).apply(y)
        y.mul_(2)
        out.sum().backward()

    m, t = assert_same(f)
    assert "modified by an inplace operation" in str(m)


def test_set_materialize_grads_false_passes_none():
    def f(lib):
        seen = []

        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(g2 is None)
                return g1 * 2

        x = lib.tensor(X, requires_grad=True)
        a, b = Two.apply(x)
        a.sum().backward()
        return x.grad, seen[0]

    assert_same(f)


def test_backward_twice_raises_and_wrong_count_raises():
    def twice(lib):
        x = lib.tensor(X, requires_grad=True)
        y = make_relu(lib).apply(x).sum()
        y.backward()
        y.backward()

    assert_same(twice)


# -- hooks ----------------------------------------------------------------------------------------
def test_tensor_hooks_replace_gradient_and_remove():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        y = x * 2
        h1 = y.register_hook(lambda g: g * 10)
        h2 = x.register_hook(lambda g: g + 1)
        calls = []
        h3 = x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.sum().item()))
        (y * y).sum().backward(retain_graph=True)
        first = x.grad.clone()
        h1.remove()
        h2.remove()
        h3.remove()
        x.grad = None
        (y * y).sum().backward()
        return first, x.grad, len(calls), calls[0]

    assert_same(f, rtol=1e-6)


def test_module_hooks_order_values_and_removal():
    def f(lib):
        lib.manual_seed(0)
        lin = lib.nn.Linear(3, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]]))
            lin.bias.fill_(0.1)
        log = []

        def pre(m, args):
            log.append("pre")
            return (args[0] * 2,)

        def fwd(m, args, out):
            log.append("fwd")
            return out + 1

        def bwd(m, grad_input, grad_output):
            log.append("bwd")
            log.append(tuple(grad_output[0].shape))
            return (grad_input[0] * 3,)

        handles = [lin.register_forward_pre_hook(pre), lin.register_forward_hook(fwd),
                   lin.register_full_backward_hook(bwd)]
        x = lib.tensor(X.astype(np.float32), requires_grad=True)
        out = lin(x)
        (out * out).sum().backward()
        hooked = (out.detach().clone(), x.grad.clone(), lin.weight.grad.clone())
        for h in handles:
            h.remove()
        x.grad = None
        lin.weight.grad = None
        out2 = lin(x)
        out2.sum().backward()
        return hooked + (out2, x.grad, tuple(log))

    m, t = both(f)
    assert m[-1] == t[-1]
    for a, b in zip(m[:-1], t[:-1]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5)


def test_full_backward_hook_when_input_does_not_require_grad():
    def f(lib):
        lin = lib.nn.Linear(3, 2)
        got = []
        lin.register_full_backward_hook(lambda m, gi, go: got.append((gi, go[0].shape)))
        lin(lib.tensor(X.astype(np.float32))).sum().backward()
        return got[0][0], tuple(got[0][1])

    m, t = both(f)
    assert m == t
