"""``grad_fn._raw_saved_self`` / ``_raw_saved_other`` / ``_raw_saved_result`` and a custom Function's
``_raw_saved_tensors`` against PyTorch: SavedTensor objects whose ``register_hooks(pack, unpack)`` packs at once and
unpacks for backward and for ``_saved_*``; PyTorch's errors for a second pair of hooks, after backward freed the
buffers, inside ``saved_tensors_hooks``, and for a non-Tensor from the unpack hook."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _xy(L):
    x = L.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = L.tensor([1.5, 0.25, -3.0], requires_grad=True)
    return x, y


def _error(fn):
    try:
        fn()
    except (RuntimeError, TypeError, AttributeError) as e:
        return type(e).__name__, str(e).split("\n")[0]
    return None


def test_hooks_pack_at_registration_and_unpack_for_backward():
    def run(L):
        x, y = _xy(L)
        z = x * y
        calls = []

        def pack(t):
            calls.append(("pack", tuple(t.shape), t.requires_grad, t.grad_fn is None))
            return ("packed", t.detach() * 10)

        def unpack(p):
            calls.append(("unpack", p[0]))
            return p[1]

        z.grad_fn._raw_saved_self.register_hooks(pack, unpack)
        after_register = list(calls)
        seen = z.grad_fn._saved_self.detach().numpy().copy()
        z.sum().backward()
        return after_register, seen, x.grad.numpy(), y.grad.numpy(), calls[len(after_register):]
    m, t = run(miniconv), run(torch)
    assert m[0] == t[0]
    np.testing.assert_allclose(m[1], t[1])
    np.testing.assert_allclose(m[2], t[2])
    np.testing.assert_allclose(m[3], t[3])  # y's gradient used the unpacked (x * 10) value
    assert m[4] == t[4]


def test_raw_saved_result_and_missing_attribute():
    def run(L):
        x, _ = _xy(L)
        e = x.exp()
        e.grad_fn._raw_saved_result.register_hooks(lambda t: t * 2, lambda p: p)
        e.sum().backward()
        missing = _error(lambda: (x * x).grad_fn._raw_saved_result)
        return x.grad.numpy(), missing[0], missing[1].replace("miniconv", "torch")
    m, t = run(miniconv), run(torch)
    np.testing.assert_allclose(m[0], t[0], rtol=1e-6)
    assert m[1:] == t[1:]


def test_register_twice_after_backward_and_under_context_hooks():
    def run(L):
        x, y = _xy(L)
        z = x * y
        r = z.grad_fn._raw_saved_self
        r.register_hooks(lambda t: t, lambda p: p)
        twice = _error(lambda: r.register_hooks(lambda t: t, lambda p: p))
        again = _error(lambda: z.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda p: p))
        z.sum().backward()
        freed = _error(lambda: z.grad_fn._raw_saved_other.register_hooks(lambda t: t, lambda p: p))
        unpack_freed = _error(lambda: r.unpack())
        with L.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            w = x * y
        ctx_set = _error(lambda: w.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda p: p))
        not_callable = _error(lambda: w.grad_fn._raw_saved_self.register_hooks(1, lambda p: p))
        return twice, again, freed, unpack_freed, ctx_set, not_callable[0]
    assert run(miniconv) == run(torch)


def test_unpack_hook_must_return_a_tensor():
    def run(L):
        x, y = _xy(L)
        z = x * y
        z.grad_fn._raw_saved_self.register_hooks(lambda t: 5, lambda p: p)
        return _error(lambda: z.sum().backward())
    assert run(miniconv) == run(torch)


def test_in_place_change_after_hooks_is_not_checked():
    # the hooks own the value: the tensor changed in place afterwards does not matter (packed a clone)
    def run(L):
        x, y = _xy(L)
        h = x * 1
        z = h * y
        z.grad_fn._raw_saved_self.register_hooks(lambda t: t.clone(), lambda p: p)
        h.add_(1)
        z.sum().backward()
        return x.grad.numpy(), y.grad.numpy()
    for a, b in zip(run(miniconv), run(torch)):
        np.testing.assert_allclose(a, b)


def test_saved_tensor_data_unpack_and_unpack_hook():
    def run(L):
        x, y = _xy(L)
        z = x * y
        r = z.grad_fn._raw_saved_self
        before = (r.unpack_hook is None, r.data is x, r.unpack() is x)
        unpack = lambda p: p[1] * 10  # noqa: E731
        r.register_hooks(lambda t: ("p", t.detach()), unpack)
        return before, r.unpack_hook is unpack, r.data[0], r.unpack().detach().numpy()
    m, t = run(miniconv), run(torch)
    assert m[:3] == t[:3]
    np.testing.assert_allclose(m[3], t[3])


def test_custom_function_raw_saved_tensors():
    def run(L):
        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a * a

            @staticmethod
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 2 * a * g

        x, _ = _xy(L)
        s = Square.apply(x)
        raw = s.grad_fn._raw_saved_tensors
        raw[0].register_hooks(lambda t: t.detach() + 1, lambda p: p)
        twice = _error(lambda: s.grad_fn._raw_saved_tensors[0].register_hooks(lambda t: t, lambda p: p))
        s.sum().backward()
        return len(raw), twice, x.grad.numpy()
    m, t = run(miniconv), run(torch)
    assert m[:2] == t[:2]
    np.testing.assert_allclose(m[2], t[2])


def test_conv_saved_unbatched_input_keeps_its_shape():
    # miniconv's convolution saves an unbatched input as x[None]; the hooks see and give back x's shape
    r = np.random.RandomState(0)
    x = miniconv.tensor(r.randn(2, 5, 5), requires_grad=True)
    w = miniconv.tensor(r.randn(3, 2, 3, 3), requires_grad=True)
    y = miniconv.nn.functional.conv2d(x, w)
    shapes = []
    y.grad_fn._raw_saved_self.register_hooks(lambda t: shapes.append(tuple(t.shape)) or t.detach() * 2, lambda p: p)
    y.sum().backward()
    xt = torch.tensor(x.detach().numpy(), requires_grad=True)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    yt = torch.nn.functional.conv2d(xt[None], wt)
    yt.grad_fn._raw_saved_input.register_hooks(lambda t: t.detach() * 2, lambda p: p)
    yt.sum().backward()
    assert shapes == [(2, 5, 5)]
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10)
