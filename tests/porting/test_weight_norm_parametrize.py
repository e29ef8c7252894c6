"""weight_norm / spectral_norm (the hook forms and the parametrizations), nn.utils.parametrize: the same user
code on both libraries gives the same weights, outputs, gradients, state_dict keys and errors, and PyTorch's
state dicts load."""
import warnings

import numpy as np
import pytest

import miniconv
from oracle import assert_same as _assert_same_tensors

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
W = rng.standard_normal((5, 3)).astype(np.float32)
WC = rng.standard_normal((4, 2, 3, 3)).astype(np.float32)
X = rng.standard_normal((2, 3)).astype(np.float32)
XC = rng.standard_normal((1, 2, 6, 6)).astype(np.float32)


def linear(lib):
    m = lib.nn.Linear(3, 5)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W))
        m.bias.fill_(0.5)
    return m


def conv(lib):
    m = lib.nn.Conv2d(2, 4, 3)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(WC))
        m.bias.zero_()
    return m


def assert_same(fn, rtol=1e-6, atol=1e-7):
    """oracle.assert_same for the tensors of ``fn``'s result; its other values (names, keys) compared with ==."""
    def is_tensor(v):
        return isinstance(v, (miniconv.Tensor, torch.Tensor)) or v is None

    def tensors(lib):
        out = fn(lib)
        return tuple(v for v in out if is_tensor(v))

    _assert_same_tensors(tensors, rtol=rtol, atol=atol)
    others = [[v for v in fn(lib) if not is_tensor(v)] for lib in (miniconv, torch)]
    assert others[0] == others[1]


def to_mc(sd):
    return miniconv.utils.convert_torch_state_dict(sd)


@pytest.mark.parametrize("dim", [0, 1, None, -1])
@pytest.mark.parametrize("which", ["old", "new"])
def test_weight_norm_values_grads_keys(which, dim):
    def fn(lib):
        m = linear(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            wn = lib.nn.utils.weight_norm if which == "old" else lib.nn.utils.parametrizations.weight_norm
            m = wn(m, dim=dim)
        y = m(lib.tensor(X))
        (y ** 2).sum().backward()
        g, v = (m.weight_g, m.weight_v) if which == "old" else \
            (m.parametrizations.weight.original0, m.parametrizations.weight.original1)
        return y, m.weight, g, v, g.grad, v.grad, m.bias.grad

    assert_same(fn, rtol=1e-5, atol=1e-6)
    keys = [list(fn_keys(lib, which, dim)) for lib in (miniconv, torch)]
    assert keys[0] == keys[1]


def fn_keys(lib, which, dim):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        wn = lib.nn.utils.weight_norm if which == "old" else lib.nn.utils.parametrizations.weight_norm
        return wn(linear(lib), dim=dim).state_dict()


def test_weight_norm_conv_and_deprecation_warning():
    for lib in (miniconv, torch):
        with pytest.warns(FutureWarning, match="deprecated"):
            lib.nn.utils.weight_norm(conv(lib))

    def fn(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            m = lib.nn.utils.weight_norm(conv(lib))
        y = m(lib.tensor(XC))
        y.sum().backward()
        return y, m.weight_g, m.weight_g.grad, m.weight_v.grad

    assert_same(fn, rtol=1e-5, atol=1e-5)


def test_pytorch_state_dicts_load():
    t = torch.nn.utils.parametrizations.weight_norm(linear(torch))
    with torch.no_grad():
        t.parametrizations.weight.original0.mul_(2)
    m = miniconv.nn.utils.parametrizations.weight_norm(linear(miniconv))
    m.load_state_dict(to_mc(t.state_dict()))
    np.testing.assert_allclose(m.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-6)
    # the new parametrization also reads the old weight_g / weight_v keys (PyTorch's compat hook)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = torch.nn.utils.weight_norm(linear(torch))
    with torch.no_grad():
        old.weight_g.mul_(3)
    m2 = miniconv.nn.utils.parametrizations.weight_norm(linear(miniconv))
    sd = to_mc(old.state_dict())
    res = m2.load_state_dict(sd)
    assert list(res.missing_keys) == [] and list(res.unexpected_keys) == []
    assert "weight_g" in sd  # the caller's dict is left as it was
    np.testing.assert_allclose(m2.weight.detach().numpy(), (old.weight_v * (old.weight_g / old.weight_v.norm(dim=1,
                               keepdim=True))).detach().numpy(), rtol=1e-6)


def test_remove_weight_norm_and_errors():
    def fn(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            m = lib.nn.utils.weight_norm(linear(lib))
            m = lib.nn.utils.remove_weight_norm(m)
        return m.weight, sorted(m.state_dict()), isinstance(m.weight, lib.nn.Parameter)

    assert_same(fn)

    def twice(lib):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return lib.nn.utils.weight_norm(lib.nn.utils.weight_norm(linear(lib)))

    m, t = [_err(lambda: twice(lib)) for lib in (miniconv, torch)]
    assert m == t and m[0] == "RuntimeError"
    m, t = [_err(lambda: lib.nn.utils.remove_weight_norm(lib.nn.Identity())) for lib in (miniconv, torch)]
    assert m[0] == t[0] == "ValueError"


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def _copy_spectral_state(m, t, old):
    """The random u/v of PyTorch's spectral norm, copied into miniconv's (state dict load)."""
    m.load_state_dict(to_mc(t.state_dict()))


@pytest.mark.parametrize("old", [True, False])
@pytest.mark.parametrize("make", [linear, conv])
def test_spectral_norm_training_and_eval(old, make):
    torch.manual_seed(0)
    sn_t = torch.nn.utils.spectral_norm if old else torch.nn.utils.parametrizations.spectral_norm
    sn_m = miniconv.nn.utils.spectral_norm if old else miniconv.nn.utils.parametrizations.spectral_norm
    t, m = sn_t(make(torch), n_power_iterations=2), sn_m(make(miniconv), n_power_iterations=2)
    assert list(t.state_dict()) == list(m.state_dict())
    _copy_spectral_state(m, t, old)
    x = XC if make is conv else X
    for step in range(3):
        for model, lib in ((t, torch), (m, miniconv)):
            if step == 2:
                model.eval()
            y = model(lib.tensor(x))
            (y ** 2).sum().backward()
        np.testing.assert_allclose(m(miniconv.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-4, atol=1e-5)
        for (kt, vt), (km, vm) in zip(t.state_dict().items(), m.state_dict().items()):
            assert kt == km
            np.testing.assert_allclose(vm.numpy(), vt.numpy(), rtol=1e-4, atol=1e-5, err_msg=kt)
        for (kt, pt), (km, pm) in zip(t.named_parameters(), m.named_parameters()):
            assert kt == km
            np.testing.assert_allclose(pm.grad.numpy(), pt.grad.numpy(), rtol=1e-3, atol=1e-4, err_msg=kt)


def test_spectral_norm_errors_and_remove():
    for args in [dict(n_power_iterations=0), dict(dim=5)]:
        m, t = [_err(lambda: lib.nn.utils.parametrizations.spectral_norm(linear(lib), **args))
                for lib in (miniconv, torch)]
        assert m == t and m is not None
    m, t = [_err(lambda: lib.nn.utils.spectral_norm(linear(lib), n_power_iterations=0)) for lib in (miniconv, torch)]
    assert m == t and m is not None
    m, t = [_err(lambda: lib.nn.utils.parametrizations.spectral_norm(linear(lib), name="nope"))
            for lib in (miniconv, torch)]
    assert m[0] == t[0] == "ValueError"

    def fn(lib):
        mod = lib.nn.utils.spectral_norm(linear(lib))
        mod = lib.nn.utils.remove_spectral_norm(mod)
        return sorted(mod.state_dict()), isinstance(mod.weight, lib.nn.Parameter)

    assert fn(miniconv) == fn(torch)


class _Symmetric:
    """A user parametrization (PyTorch's tutorial): X.triu() + X.triu(1).T."""

    @staticmethod
    def make(lib):
        class Symmetric(lib.nn.Module):
            def forward(self, X):
                return X.triu() + X.triu(1).transpose(-1, -2)

        return Symmetric()


class _Scale:
    @staticmethod
    def make(lib):
        class Scale(lib.nn.Module):
            def forward(self, X):
                return X * 2

            def right_inverse(self, A):
                return A / 2

        return Scale()


def square(lib):
    m = lib.nn.Linear(3, 3)
    with lib.no_grad():
        m.weight.copy_(lib.tensor(W[:3]))
        m.bias.zero_()
    return m


def test_register_parametrization_tutorial():
    P = miniconv.nn.utils.parametrize

    def fn(lib):
        parametrize = lib.nn.utils.parametrize
        m = square(lib)
        parametrize.register_parametrization(m, "weight", _Symmetric.make(lib))
        parametrize.register_parametrization(m, "weight", _Scale.make(lib))
        w = m.weight
        y = m(lib.tensor(X))
        y.sum().backward()
        orig = m.parametrizations.weight.original
        with parametrize.cached():
            same = m.weight is m.weight
        info = (type(m).__name__, parametrize.is_parametrized(m), parametrize.is_parametrized(m, "bias"),
                parametrize.type_before_parametrizations(m).__name__, sorted(m.state_dict()), same,
                len(m.parametrizations.weight))
        m.weight = lib.tensor(W[:3] * 4)  # right_inverse chain (Scale's, then Symmetric's has none -> error)
        return w, y, orig.grad, info

    m, t = fn.__call__, None
    assert _err(lambda: fn(miniconv)) == _err(lambda: fn(torch))

    def fn2(lib):
        parametrize = lib.nn.utils.parametrize
        m = square(lib)
        parametrize.register_parametrization(m, "weight", _Scale.make(lib))
        m.weight = lib.tensor(W[:3] * 4)
        w_set = m.parametrizations.weight.original.detach().clone()
        y = m(lib.tensor(X))
        y.sum().backward()
        info = (type(m).__name__, sorted(m.state_dict()))
        w_orig = m.parametrizations.weight.original.grad
        parametrize.remove_parametrizations(m, "weight")
        return w_set, y, w_orig, m.weight, type(m).__name__, info[0], info[1], sorted(m.state_dict())

    assert_same(fn2, rtol=1e-6)
    assert P.type_before_parametrizations(miniconv.nn.Linear(2, 2)) is miniconv.nn.Linear


def test_parametrization_errors():
    class Bad:
        @staticmethod
        def make(lib):
            class Shrink(lib.nn.Module):
                def forward(self, X):
                    return X[:1]
            return Shrink()

    for make_p, name in ((Bad.make, "weight"), (_Scale.make, "nope")):
        m, t = [_err(lambda: lib.nn.utils.parametrize.register_parametrization(square(lib), name, make_p(lib)))
                for lib in (miniconv, torch)]
        assert m[0] == t[0] == "ValueError"
    m, t = [_err(lambda: lib.nn.utils.parametrize.remove_parametrizations(square(lib), "weight"))
            for lib in (miniconv, torch)]
    assert m[0] == t[0] == "ValueError"
    # leave_parametrized=False keeps the original
    for lib in (miniconv, torch):
        mod = square(lib)
        lib.nn.utils.parametrize.register_parametrization(mod, "weight", _Scale.make(lib))
        lib.nn.utils.parametrize.remove_parametrizations(mod, "weight", leave_parametrized=False)
        np.testing.assert_allclose(mod.weight.detach().numpy(), W[:3] / 2, rtol=1e-6)
        assert type(mod) is lib.nn.Linear


def test_deepcopy_of_parametrized_module_and_pickle_refused():
    """AveragedModel deep-copies a model with spectral_norm/weight_norm parametrizations (tutorial t19)."""
    import copy
    import pickle

    res = []
    for lib in (miniconv, torch):
        m = lib.nn.utils.parametrizations.weight_norm(linear(lib))
        c = copy.deepcopy(m)
        with lib.no_grad():
            c.parametrizations.weight.original0.mul_(2)
        res.append((type(c).__name__, m.weight.detach().numpy().copy(), c.weight.detach().numpy().copy(),
                    c.parametrizations.weight.original1 is not m.parametrizations.weight.original1))
        with pytest.raises(RuntimeError, match="only supported through state_dict"):
            pickle.dumps(m)
    assert res[0][0] == res[1][0] and res[0][3] and res[1][3]
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-6)
    np.testing.assert_allclose(res[0][2], res[1][2], rtol=1e-6)
