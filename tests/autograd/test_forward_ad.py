"""torch.autograd.forward_ad under miniconv, following PyTorch's "Forward-mode Automatic Differentiation"
tutorial: dual tensors through functions, through a module's parameters (delattr/setattr and
functional_call), several dual inputs, unpack of non-dual tensors, nested levels and the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.autograd.forward_ad  # noqa: E402,F401
import miniconv.func  # noqa: E402,F401
import torch.autograd.forward_ad  # noqa: E402,F401


def arr(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float64)


def tutorial(lib):
    fwAD = lib.autograd.forward_ad
    out = {}
    primal, tangent, plain = lib.tensor(arr(10, 10)), lib.tensor(arr(10, 10, seed=1)), lib.tensor(arr(10, 10, seed=2))

    def fn(x, y):
        return x ** 2 + y ** 2 + (x * y).tanh()

    with fwAD.dual_level():
        dual_input = fwAD.make_dual(primal, tangent)
        dual_output = fn(dual_input, plain)
        out["jvp"] = fwAD.unpack_dual(dual_output).tangent
        out["primal"] = fwAD.unpack_dual(dual_output).primal
        out["plain"] = fwAD.unpack_dual(plain).tangent
        out["input"] = fwAD.unpack_dual(dual_input).tangent
    # modules: parameters replaced by dual tensors
    model = lib.nn.Linear(5, 5).double()
    model.load_state_dict({"weight": lib.tensor(arr(5, 5, seed=3)), "bias": lib.tensor(arr(5, seed=4))})
    inp = lib.tensor(arr(16, 5, seed=5))
    params = {name: p for name, p in model.named_parameters()}
    tangents = {name: lib.tensor(arr(*p.shape, seed=6)) for name, p in params.items()}
    with fwAD.dual_level():
        for name, p in params.items():
            delattr(model, name)
            setattr(model, name, fwAD.make_dual(p.detach(), tangents[name]))
        out["module_jvp"] = fwAD.unpack_dual(model(inp).relu()).tangent
    model2 = lib.nn.Linear(5, 5).double()
    model2.load_state_dict({"weight": lib.tensor(arr(5, 5, seed=3)), "bias": lib.tensor(arr(5, seed=4))})
    with fwAD.dual_level():
        dual_params = {name: fwAD.make_dual(p.detach(), tangents[name]) for name, p in model2.named_parameters()}
        out["functional_call_jvp"] = fwAD.unpack_dual(lib.func.functional_call(model2, dual_params, (inp,))).tangent
    # two dual inputs at once
    a, b = lib.tensor(arr(4, seed=7)), lib.tensor(arr(4, seed=8))
    with fwAD.dual_level():
        da, db = fwAD.make_dual(a, lib.ones(4, dtype=lib.float64)), fwAD.make_dual(b, lib.tensor(arr(4, seed=9)))
        out["two"] = fwAD.unpack_dual((da * db).exp().cumsum(0)).tangent
    return {k: (None if v is None else v.detach().numpy()) for k, v in out.items()}


def test_forward_ad_tutorial_matches_torch():
    m, t = tutorial(miniconv), tutorial(torch)
    assert sorted(m) == sorted(t)
    for k in t:
        if t[k] is None:
            assert m[k] is None, k
        else:
            np.testing.assert_allclose(m[k], t[k], rtol=1e-10, atol=1e-12, err_msg=k)


def test_forward_ad_errors():
    for lib in (miniconv, torch):
        fwAD = lib.autograd.forward_ad
        x = lib.ones(3)
        with pytest.raises(RuntimeError, match="no level exists"):
            fwAD.make_dual(x, x)
        with fwAD.dual_level():
            with pytest.raises(RuntimeError, match="different size than that of the original Tensor"):
                fwAD.make_dual(x, lib.ones(4))
        assert fwAD.unpack_dual(x).tangent is None
