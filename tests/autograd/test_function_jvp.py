"""Custom ``autograd.Function`` with a ``jvp`` staticmethod (the forward-mode AD tutorial's Fn) and
``gradcheck(check_forward_ad=True)``: ctx.save_for_forward read by jvp through saved_tensors, tangents, multiple outputs, non-tensor arguments, inputs without a
tangent, setup_context-style Functions, and a wrong jvp caught by the forward check; compared with PyTorch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def make(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = lib.exp(x)
            ctx.result = result
            return result

        @staticmethod
        def jvp(ctx, gI):
            gO = gI * ctx.result
            del ctx.result
            return gO

    class ScaleTwo(lib.autograd.Function):
        """Two outputs, a non-tensor argument, both modes."""

        @staticmethod
        def forward(ctx, x, y, scale):
            ctx.save_for_backward(x, y)
            ctx.save_for_forward(x, y)
            ctx.scale = scale
            return x * y * scale, x.sin()

        @staticmethod
        def backward(ctx, g1, g2):
            x, y = ctx.saved_tensors
            return g1 * y * ctx.scale + g2 * x.cos(), g1 * x * ctx.scale, None

        @staticmethod
        def jvp(ctx, tx, ty, _):
            x, y = ctx.saved_tensors
            return (tx * y + x * ty) * ctx.scale, tx * x.cos()

    class Cube(lib.autograd.Function):
        """setup_context style."""

        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.x = inputs[0]

        @staticmethod
        def jvp(ctx, tx):
            return 3 * ctx.x ** 2 * tx

    class Wrong(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def jvp(ctx, tx):
            return tx * 3

    return Exp, ScaleTwo, Cube, Wrong


def _t(lib, seed, shape=(3, 4), grad=False):
    return lib.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=grad)


def test_jvp_tangents_match():
    res = []
    for lib in (miniconv, torch):
        fw = lib.autograd.forward_ad
        Exp, ScaleTwo, Cube, _ = make(lib)
        x, tx, y, ty = _t(lib, 0, grad=True), _t(lib, 1), _t(lib, 2), _t(lib, 3)
        row = []
        with fw.dual_level():
            out = Exp.apply(fw.make_dual(x, tx))
            row += [fw.unpack_dual(out).primal.detach().numpy(), fw.unpack_dual(out).tangent.detach().numpy()]
            a, b = ScaleTwo.apply(fw.make_dual(x, tx), fw.make_dual(y, ty), 0.5)
            row += [fw.unpack_dual(a).tangent.detach().numpy(), fw.unpack_dual(b).tangent.detach().numpy()]
            c, _ = ScaleTwo.apply(fw.make_dual(x, tx), y, 2.0)  # y has no tangent: zeros
            row.append(fw.unpack_dual(c).tangent.detach().numpy())
            d = Cube.apply(fw.make_dual(x, tx)) * 2 + 1  # composed with ordinary ops afterwards
            row.append(fw.unpack_dual(d).tangent.detach().numpy())
        assert fw.unpack_dual(out).tangent is None  # the level is gone
        res.append(row)
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_outside_a_dual_level_the_function_runs_as_usual():
    res = []
    for lib in (miniconv, torch):
        _, ScaleTwo, _, _ = make(lib)
        x, y = _t(lib, 0, grad=True), _t(lib, 2, grad=True)
        a, b = ScaleTwo.apply(x, y, 0.5)
        (a.sum() + b.sum()).backward()
        res.append([a.detach().numpy(), x.grad.numpy(), y.grad.numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_save_for_forward_rejects_non_tensors():
    msgs = []
    for lib in (miniconv, torch):
        class Bad(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_forward(x, 3)
                return x * 1

            @staticmethod
            def jvp(ctx, t):
                return t

        with pytest.raises(AssertionError) as e:
            Bad.apply(lib.ones(2, requires_grad=True))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_default_jvp_message():
    msgs = []
    for lib in (miniconv, torch):
        with pytest.raises(NotImplementedError) as e:
            lib.autograd.Function.jvp(None, lib.ones(1))
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("which", [0, 2])
def test_gradcheck_forward_ad_only(which):
    for lib in (miniconv, torch):
        fn = make(lib)[which]
        x = _t(lib, 5, (2, 3), grad=True)
        assert lib.autograd.gradcheck(fn.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                      check_undefined_grad=False, check_batched_grad=False)


def test_gradcheck_forward_and_backward():
    for lib in (miniconv, torch):
        _, ScaleTwo, _, _ = make(lib)
        x, y = _t(lib, 6, (2, 2), grad=True), _t(lib, 7, (2, 2), grad=True)
        assert lib.autograd.gradcheck(lambda a, b: ScaleTwo.apply(a, b, 1.5), (x, y), check_forward_ad=True)
        assert lib.autograd.gradcheck(lambda a: (a.tanh() * a).sum(0), (x,), check_forward_ad=True)


def test_gradcheck_forward_ad_catches_a_wrong_jvp():
    for lib in (miniconv, torch):
        wrong = make(lib)[3]
        x = _t(lib, 8, (3,), grad=True)
        with pytest.raises(lib.autograd.gradcheck.__globals__["GradcheckError"] if lib is torch
                           else miniconv.autograd.GradcheckError) as e:
            lib.autograd.gradcheck(wrong.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                   check_undefined_grad=False, check_batched_grad=False)
        assert "Jacobian computed with forward mode mismatch for output 0 with respect to input 0" in str(e.value)
        assert lib.autograd.gradcheck(wrong.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                      check_undefined_grad=False, check_batched_grad=False,
                                      raise_exception=False) is False
