"""Tensor semantics against PyTorch: .data and detach, grad modes, PyTorch's tutorial training loops (in-place
updates under no_grad, Parameter identity), the random fillers' argument errors. In-place ops and version
counters: test_semantics_inplace.py; views and in-place view ops: test_semantics_views.py."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

from oracle import assert_same, both  # noqa: E402

X = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4))
Y = np.random.default_rng(1).uniform(0.5, 1.5, (3, 4))


# -- .data and detach ---------------------------------------------------------------------
def test_data_is_a_tensor_sharing_memory_without_grad():
    def f(lib):
        x = lib.tensor(X, requires_grad=True)
        d = x.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad
        d.mul_(2)  # writes x's memory; no error: .data is invisible to autograd
        return x.detach(), x.data.norm() if hasattr(x.data, "norm") else (x.data * x.data).sum().sqrt()

    assert_same(f)


def test_data_setter_replaces_storage_and_shape():
    def f(lib):
        x = lib.zeros(2, 3)
        x.data = lib.ones(4)
        return x, x.shape[0]

    assert_same(f)


def test_data_setter_refuses_arrays():
    m, t = assert_same(lambda lib: setattr(lib.zeros(3), "data", np.ones(3)))
    assert str(m) == str(t)


def test_changes_through_data_are_not_version_checked_but_detach_is():
    def via(lib, how):
        x = lib.tensor(X, requires_grad=True)
        y = x.exp()
        getattr(y, how)() if how == "detach" else None
        alias = y.data if how == "data" else y.detach()
        alias.add_(1)
        y.sum().backward()
        return x.grad

    assert_same(lambda lib: via(lib, "data"))
    m, t = assert_same(lambda lib: via(lib, "detach"))
    assert isinstance(m, RuntimeError) and "modified by an inplace operation" in str(m)


# -- grad modes ---------------------------------------------------------------------------------
def test_grad_mode_decorators_and_context_managers():
    def f(lib):
        x = lib.ones(2, requires_grad=True)

        @lib.no_grad()
        def a():
            return (x * 2).requires_grad

        @lib.no_grad
        def b():
            return (x * 2).requires_grad

        @lib.set_grad_enabled(False)
        def c():
            return (x * 2).requires_grad

        @lib.enable_grad()
        def d():
            return (x * 2).requires_grad

        @lib.inference_mode()
        def e():
            return (x * 2).requires_grad

        after_decorating = lib.is_grad_enabled()
        with lib.no_grad():
            inner = d()
        lib.set_grad_enabled(False)
        off = lib.is_grad_enabled()
        lib.set_grad_enabled(True)
        with lib.set_grad_enabled(False):
            ctx = lib.is_grad_enabled()
        with lib.inference_mode():
            inf = (x * 2).requires_grad
        return a(), b(), c(), inner, e(), after_decorating, off, ctx, inf, lib.is_grad_enabled()

    m, t = both(f)
    assert m == t


# -- training with PyTorch's tutorial loops ------------------------------------------------------
def test_manual_sgd_with_isub_under_no_grad_trains():
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(64, 3)).astype(np.float32)
    ys = (xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)

    def f(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1))
        with lib.no_grad():
            for p in model.parameters():
                p.copy_(lib.tensor(np.random.default_rng(p.numel()).normal(0, 0.5, tuple(p.shape)).astype(np.float32)))
        params = list(model.parameters())
        x, y = lib.tensor(xs), lib.tensor(ys)
        losses = []
        for _ in range(30):
            loss = ((model(x) - y) ** 2).mean()
            losses.append(loss.item())
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        assert all(a is b for a, b in zip(params, model.parameters()))
        return np.array(losses)

    m, t = assert_same(f, rtol=1e-4, atol=1e-5)
    assert m[-1] < 0.3 * m[0]


def test_data_sub_and_grad_zero_tutorial_loop():
    def f(lib):
        w = lib.tensor([[0.5, -0.3]], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]])
        for _ in range(5):
            loss = ((x @ w.t()) ** 2).sum()
            loss.backward()
            w.data.sub_(w.grad.data * 0.01)
            w.grad.zero_()
        return w, loss

    assert_same(f, rtol=1e-5)


def test_parameter_identity_through_optimizer_and_load_state_dict():
    def f(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.BatchNorm1d(3))
        ids = [id(p) for p in model.parameters()] + [id(b) for b in model.buffers()]
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        sd = {k: v * 0 + 0.25 for k, v in model.state_dict().items()}
        model.load_state_dict(sd)
        x = lib.tensor([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
        model(x).sum().backward()
        opt.step()
        same = ids == [id(p) for p in model.parameters()] + [id(b) for b in model.buffers()]
        return same, model[0].weight, model[1].running_mean, model[1].running_var

    assert_same(f, rtol=1e-5)


def test_dropout_inplace_on_non_leaf_is_recorded():
    x = miniconv.ones(200, 50, requires_grad=True)
    y = x * 1
    out = miniconv.nn.functional.dropout(y, 0.5, training=True, inplace=True)
    assert out is y and y._version == 1
    y.sum().backward()
    kept = y.detach().numpy() != 0
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, 2.0, 0.0))
    assert 0.4 < kept.mean() < 0.6


def test_no_function_local_imports_in_the_core_and_engine_does_not_import_tensor():
    import ast
    import pathlib

    root = pathlib.Path(miniconv.__file__).parent
    files = [*sorted((root / "tensor").glob("*.py")), *sorted((root / "ops").glob("*.py")),
             *sorted((root / "autograd").glob("*.py"))]
    for f in files:
        tree = ast.parse(f.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not inner, f"{f.name}: import inside {node.name}()"
    engine = (root / "autograd" / "engine.py").read_text()
    assert "tensor" not in [a.name for n in ast.walk(ast.parse(engine)) if isinstance(n, ast.ImportFrom)
                            for a in n.names] and "from ..tensor" not in engine


# -- std < 0 and from > to in the random fillers (Tensor methods and miniconv.normal) ------------------
def _raised(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return type(e).__name__, str(e)
    return None


_STD_CASES = (
    [lambda lib, std=std, shape=shape, d=d: lib.zeros(shape, dtype=getattr(lib, d)).normal_(std=std)
     for std in [-1, -1.0, -0.1, -1e20, float("nan"), float("-inf"), 1.0]
     for shape, d in [((3,), "float32"), ((0,), "float32"), ((3,), "int64"), ((0,), "int64")]]
    + [lambda lib, std=std: lib.zeros(2, dtype=lib.float64).normal_(0, std) for std in [-1 / 3, 0.0]]
    + [lambda lib, std=std: lib.normal(0.0, std, size=(3,)) for std in [-1, -1.0, -2.5, float("nan"), 0.0]]
    + [lambda lib, std=std: lib.normal(lib.zeros(3), std) for std in [-1, -1.5, float("nan"), 1.0]]
    + [lambda lib, s=s: lib.normal(0.0, lib.tensor(s)) for s in [[1.0, -1.0], [1.0, float("nan")], [0.0, 2.0]]]
    + [lambda lib, s=s: lib.normal(lib.zeros(2), lib.tensor(s)) for s in [[1.0, -1.0], [1.0, float("nan")]]]
    + [lambda lib, a=a, b=b, d=d: lib.zeros(3, dtype=getattr(lib, d)).uniform_(a, b)
       for a, b in [(2, 1), (2.5, 1.0), (1, 1)] for d in ["float32", "int64"]]
    + [lambda lib: lib.zeros(0).uniform_(2, 1)]
)


@pytest.mark.parametrize("case", range(len(_STD_CASES)))
def test_negative_std_nan_std_and_reversed_range_raise_as_pytorch(case):
    fn = _STD_CASES[case]
    assert _raised(fn, miniconv) == _raised(fn, torch)
