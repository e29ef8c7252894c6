"""torch.compile (eager: same values, PyTorch's wrapper and errors), torch.compiler, torch.jit (no TorchScript:
clear NotImplementedError, eager decorators), nn.DataParallel as PyTorch runs it without GPUs."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

W = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
X = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)


def make(lib):
    m = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.Tanh())
    with lib.no_grad():
        m[0].weight.copy_(lib.tensor(W))
        m[0].bias.zero_()
    return m


def err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    return None


def test_compile_module_same_values_grads_and_keys():
    res = {}
    for lib in (miniconv, torch):
        m = make(lib)
        m.custom = 5
        cm = lib.compile(m, backend="eager")  # eager keeps PyTorch's side fast; the wrapper is the same
        x = lib.tensor(X)
        y = cm(x)
        y.sum().backward()
        assert cm._orig_mod is m
        cm.eval()
        res[lib.__name__] = (y.detach().numpy(), m[0].weight.grad.numpy(), list(cm.state_dict()), m.training,
                             type(cm).__name__, cm.custom, len(cm), len(list(cm.parameters())), repr(cm).splitlines()[0])
    a, b = res["miniconv"], res["torch"]
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6)
    assert a[2:] == b[2:]


def test_compiled_state_dict_loads_into_compiled_model():
    sd = torch.compile(make(torch), backend="eager").state_dict()
    cm = miniconv.compile(make(miniconv))
    cm.load_state_dict(miniconv.utils.convert_torch_state_dict(sd))
    np.testing.assert_array_equal(cm._orig_mod[0].weight.detach().numpy(), W)


def test_compile_function_and_decorator_forms():
    for lib in (miniconv, torch):
        @lib.compile(backend="eager")
        def f(x):
            return lib.sin(x) + lib.cos(x)

        @lib.compile(backend="aot_eager", fullgraph=True, dynamic=False)
        def g(x):
            return x * 2

        x = lib.tensor(X)
        np.testing.assert_allclose(f(x).numpy(), np.sin(X) + np.cos(X), rtol=1e-6)
        np.testing.assert_allclose(g(x).numpy(), X * 2)
        assert f.__name__ == "f"
        h = lib.compile(lambda t: t + 1, backend="eager", options={"x": 1})
        np.testing.assert_allclose(h(x).numpy(), X + 1)


@pytest.mark.parametrize("kwargs", [dict(mode="bogus"), dict(mode="default", options={}), dict(backend="bogus")])
def test_compile_argument_errors(kwargs):
    m, t = (err(lambda: lib.compile(lib.nn.Linear(2, 2), **kwargs)) for lib in (miniconv, torch))
    assert m is not None and t is not None
    assert m[1] == t[1]
    assert m[0] == t[0] or (m[0], t[0]) == ("InvalidBackend", "InvalidBackend")


def test_compile_not_callable_and_module_compile_method():
    assert err(lambda: miniconv.compile(5)) == err(lambda: torch.compile(5))
    for lib in (miniconv, torch):
        m = make(lib)
        assert m.compile(backend="eager") is None
        np.testing.assert_allclose(m(lib.tensor(X)).detach().numpy(), np.tanh(X @ W.T), rtol=1e-5)
    assert err(lambda: make(miniconv).compile(mode="x")) == err(lambda: make(torch).compile(mode="x"))


def test_compiler_namespace():
    assert miniconv.compiler.is_compiling() is torch.compiler.is_compiling() is False

    @miniconv.compiler.disable
    def f(x):
        return x + 1

    assert f(1) == 2
    assert miniconv.compiler.disable(recursive=False)(f) is f


def test_jit_script_function_runs_eagerly_and_refuses_serialization():
    @miniconv.jit.script
    def fused(x):
        return x * miniconv.sigmoid(x)

    x = miniconv.tensor(X)
    np.testing.assert_allclose(fused(x).numpy(), X / (1 + np.exp(-X)), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="TorchScript"):
        fused.save("f.pt")
    with pytest.raises(NotImplementedError, match="TorchScript"):
        fused.code  # noqa: B018


@pytest.mark.parametrize("call", [
    lambda: miniconv.jit.script(make(miniconv)),
    lambda: miniconv.jit.trace(make(miniconv), miniconv.tensor(X)),
    lambda: miniconv.jit.save(make(miniconv), "m.pt"),
    lambda: miniconv.jit.load("m.pt"),
])
def test_jit_refuses_what_needs_torchscript(call):
    with pytest.raises(NotImplementedError, match="state_dict"):
        call()


def test_jit_markers_are_identity_as_in_eager_pytorch():
    def f(x):
        return x

    for lib in (miniconv, torch):
        assert lib.jit.is_scripting() is False and lib.jit.is_tracing() is False
        assert lib.jit.annotate(int, 3) == 3
    assert miniconv.jit.ignore(f) is f and miniconv.jit.ignore(drop=True)(f) is f
    assert miniconv.jit.unused(f) is f and miniconv.jit.export(f) is f


def test_dataparallel_runs_module_with_prefixed_keys():
    res = {}
    for lib in (miniconv, torch):
        m = make(lib)
        dp = lib.nn.DataParallel(m, device_ids=[0])
        y = dp(lib.tensor(X))
        y.sum().backward()
        res[lib.__name__] = (y.detach().numpy(), m[0].weight.grad.numpy(), list(dp.state_dict()), dp.device_ids,
                             dp.module is m, repr(dp))
    a, b = res["miniconv"], res["torch"]
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-6)
    assert a[2:] == b[2:]


def test_dataparallel_state_dict_from_pytorch_loads():
    sd = torch.nn.DataParallel(make(torch)).state_dict()
    dp = miniconv.nn.DataParallel(make(miniconv))
    dp.load_state_dict(miniconv.utils.convert_torch_state_dict(sd))
    # the usual idiom for checkpoints written from DataParallel
    plain = make(miniconv)
    plain.load_state_dict({k.removeprefix("module."): v for k, v in dp.state_dict().items()})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert isinstance(miniconv.nn.parallel.DataParallel(plain), miniconv.nn.Module)


def test_data_parallel_function_needs_an_accelerator():
    m, t = (err(lambda: lib.nn.parallel.data_parallel(make(lib), lib.tensor(X))) for lib in (miniconv, torch))
    assert m == t
