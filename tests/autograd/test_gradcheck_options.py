"""gradcheck / gradgradcheck with PyTorch's signatures: the keyword-only options, their assertions, the float32
warning, the checks PyTorch adds (reentrance within nondet_tol, backward scaled by grad_output, gradient dtypes,
batched gradients), the same verdicts and errors as torch; forward-mode options are NotImplementedError."""
import inspect
import re
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

X = np.array([[0.3, -1.2, 0.7], [1.1, 0.2, -0.4]])


def _verdict(lib, fn, **kw):
    """(result or exception class and message, warning messages) of gradcheck on ``fn(lib)``."""
    x = lib.tensor(X.copy(), requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            r = lib.autograd.gradcheck(fn(lib), (x,), **kw)
        except Exception as e:  # noqa: BLE001 - compared
            msg = re.split(r"[,:.]", str(e))[0] if type(e).__name__ == "GradcheckError" else str(e).split("\n")[0]
            r = (type(e).__name__, msg)
    return r, sorted({str(m.message) for m in w})


def _wrong_backward(lib, scale=1.0, offset=0.0, nondet=False, dtype=None):
    state = {"calls": 0}

    class F(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            state["calls"] += 1
            out = 2 * x * g * scale + offset
            if nondet:
                out = out + 1e-7 * state["calls"]
            return out if dtype is None else out.to(dtype)
    return F.apply


CASES = {
    "correct": (lambda lib: lambda t: (t.exp() * t).sum(1), {}),
    "correct_options": (lambda lib: lambda t: t.tanh() * 3, dict(nondet_tol=1e-12, check_grad_dtypes=True,
                                                                 check_batched_grad=True, fast_mode=True,
                                                                 check_undefined_grad=False)),
    "wrong_scale": (lambda lib: _wrong_backward(lib, scale=1.5), {}),
    "wrong_scale_no_raise": (lambda lib: _wrong_backward(lib, scale=1.5), dict(raise_exception=False)),
    "not_reentrant": (lambda lib: _wrong_backward(lib, nondet=True), dict(atol=1e-4)),
    "not_reentrant_within_tol": (lambda lib: _wrong_backward(lib, nondet=True), dict(atol=1e-4, nondet_tol=1e-3)),
    "offset_not_scaled_by_grad_output": (lambda lib: _wrong_backward(lib, offset=1e-9), {}),
    "grad_dtype": (lambda lib: _wrong_backward(lib, dtype=lib.float32), dict(check_grad_dtypes=True, atol=1e-4)),
    "grad_dtype_unchecked": (lambda lib: _wrong_backward(lib, dtype=lib.float32), dict(atol=1e-4)),
    "no_backward_ad": (lambda lib: lambda t: t * 2, dict(check_backward_ad=False)),
    "batched_without_backward": (lambda lib: lambda t: t * 2, dict(check_backward_ad=False, check_forward_ad=True,
                                                                   check_batched_grad=True)),
    "batched_forward_without_forward": (lambda lib: lambda t: t * 2, dict(check_batched_forward_grad=True)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradcheck_options_match_pytorch(case):
    fn, kw = CASES[case]
    assert _verdict(miniconv, fn, **kw) == _verdict(torch, fn, **kw)


def test_float32_input_warns_and_checks_as_pytorch():
    for kw in ({}, dict(eps=1e-3, atol=1e-2, rtol=1e-2)):
        def run(lib):
            x = lib.tensor(np.array([0.5, 1.25, -2.0]), dtype=lib.float32, requires_grad=True)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                try:
                    r = lib.autograd.gradcheck(lambda t: t * 2, (x,), **kw)
                except Exception as e:  # noqa: BLE001 - compared
                    r = type(e).__name__
            return r, [str(m.message) for m in w]
        assert run(miniconv) == run(torch)


def test_no_input_requiring_grad_is_pytorchs_value_error():
    def run(lib):
        with pytest.raises(ValueError) as e:
            lib.autograd.gradcheck(lambda t: t * 2, (lib.ones(2, dtype=lib.float64),))
        return str(e.value)
    assert run(miniconv) == run(torch)


def test_forward_mode_options():
    """check_forward_ad runs (tests/autograd/test_function_jvp.py compares it with PyTorch); the batched
    forward check and forward-over-reverse are not implemented and say so."""
    x = miniconv.tensor(X, requires_grad=True)
    assert miniconv.autograd.gradcheck(lambda t: t * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="batched forward gradients or forward-over-reverse"):
        miniconv.autograd.gradcheck(lambda t: t * 2, (x,), check_forward_ad=True, check_batched_forward_grad=True)
    with pytest.raises(NotImplementedError, match="batched forward gradients or forward-over-reverse"):
        miniconv.autograd.gradgradcheck(lambda t: t * t, (x,), check_fwd_over_rev=True)


def test_options_are_keyword_only_with_pytorchs_names_and_defaults():
    for name in ("gradcheck", "gradgradcheck"):
        m = inspect.signature(getattr(miniconv.autograd, name)).parameters
        t = inspect.signature(getattr(torch.autograd, name)).parameters
        assert list(m) == list(t)
        for k in t:
            assert m[k].kind == t[k].kind, k
            assert m[k].default == t[k].default, k


@pytest.mark.parametrize("kw", [dict(), dict(check_batched_grad=True, nondet_tol=1e-12), dict(check_rev_over_rev=False),
                                dict(check_undefined_grad=False, check_rev_over_rev=False, check_fwd_over_rev=False)])
def test_gradgradcheck_options_match_pytorch(kw):
    def run(lib):
        x = lib.tensor(X.copy(), requires_grad=True)
        try:
            return lib.autograd.gradgradcheck(lambda t: (t.sin() * t).sum(0), (x,), **kw)
        except Exception as e:  # noqa: BLE001 - compared
            return type(e).__name__, str(e)
    assert run(miniconv) == run(torch)
