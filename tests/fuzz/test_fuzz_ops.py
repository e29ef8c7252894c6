"""Differential fuzzing against PyTorch 2.13: every row of tests/fuzz_registry.py, forward values, all
gradients and errors. A success where PyTorch raises, an error where PyTorch succeeds, a different
exception class or different values fail the test unless docs/api.md's "Differences the fuzz suite
allows" table lists them (parsed here, so the documentation and the test cannot drift apart).

Fixed seeds (hypothesis ``derandomize=True``), a few hundred examples per op; ``pytest --fuzz-long``
runs 20x more with random seeds. A failure prints the drawn case (hypothesis' labels).
"""
import fnmatch
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from fuzz_registry import SPECS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import miniconv

torch = pytest.importorskip("torch")

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
KINDS = ("miniconv-raises", "torch-raises", "error-class", "value")


def allowed_differences():
    """Rows ``| op | kind | message contains | why |`` of docs/api.md's fuzz-differences table."""
    text = API_DOC.read_text()
    start = text.index("<!-- fuzz-differences:begin -->")
    end = text.index("<!-- fuzz-differences:end -->")
    rows = []
    for line in text[start:end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].strip("`") in KINDS:
            rows.append((cells[0].strip("`"), cells[1].strip("`"), cells[2].strip("`").replace("\\|", "|")))
    return rows


ALLOWED = allowed_differences()


def is_allowed(op, kind, message):
    """Whether docs/api.md lists this difference (the op column may use shell wildcards, e.g. ``Tensor.__*__``)."""
    return any(fnmatch.fnmatchcase(op, o) and k == kind and m in message for o, k, m in ALLOWED)


# -- running one case on one library -----------------------------------------------------------------
class Lib:
    def __init__(self, name):
        self.name = name
        self.lib = torch if name == "torch" else miniconv
        self.nn = self.lib.nn
        self.F = self.lib.nn.functional

    def tensor(self, inp):
        a = np.array(inp.array, copy=True)
        if self.name == "torch":
            return torch.from_numpy(a).requires_grad_(inp.requires_grad)
        return miniconv.tensor(a, requires_grad=inp.requires_grad)

    def init_module(self, m):
        """Give the module's parameters fixed values derived from their names (the same in both libraries)."""
        for name, p in m.named_parameters():
            rng = np.random.default_rng(zlib.crc32(name.encode()))
            arr = (rng.standard_normal(tuple(p.shape)) * 0.5).astype(np.float32)
            if self.name == "torch":
                with torch.no_grad():
                    p.copy_(torch.from_numpy(arr))
            else:
                p._data[...] = arr
        return m

    def numpy(self, t):
        if self.name == "torch":
            return t.detach().numpy().copy()
        return np.array(t._data, copy=True)


_CATEGORIES = (IndexError, TypeError, ValueError, NotImplementedError, ZeroDivisionError, RuntimeError)


def category(e):
    for c in _CATEGORIES:
        if isinstance(e, c):
            return c.__name__
    return f"other:{type(e).__name__}"


class Raised:
    def __init__(self, e, phase):
        self.e, self.phase, self.category = e, phase, category(e)

    def __repr__(self):
        return f"{type(self.e).__name__} in {self.phase}: {str(self.e)[:300]}"


def _flatten(out, L, tensors, modules):
    if isinstance(out, (tuple, list)):
        return [v for o in out for v in _flatten(o, L, tensors, modules)]
    if isinstance(out, L.nn.Module):
        modules.append(out)
        return []
    if isinstance(out, L.lib.Tensor):
        tensors.append(out)
        return [out]
    return [out]


def run(L, case):
    tensors = [L.tensor(i) for i in case.inputs]
    outs, modules = [], []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = case.call(L, *tensors)
        flat = _flatten(res, L, outs, modules)
    except Exception as e:  # noqa: BLE001 - the point is to compare what each library raises
        return Raised(e, "forward")
    values = [(L.numpy(v), str(v.dtype).replace("torch.", "").replace("miniconv.", "")) if isinstance(v, L.lib.Tensor) else v for v in flat]
    diff = [t for t in outs if t.requires_grad and t.dtype in (L.lib.float32, L.lib.float64)]
    if L.name == "torch" and case.torch_forward_only:
        diff = []
    grads = None
    if diff:
        try:
            total = None
            for i, t in enumerate(diff):
                cot = np.asarray(np.random.default_rng(i).standard_normal(tuple(t.shape))).astype(np.dtype(str(t.dtype).replace("torch.", "").replace("miniconv.", "")))
                term = (t * L.tensor(type(case.inputs[0])(cot))).sum()
                total = term if total is None else total + term
            total.backward()
        except Exception as e:  # noqa: BLE001
            return Raised(e, "backward")
        grads = [None if not i.requires_grad or t.grad is None else L.numpy(t.grad)
                 for i, t in zip(case.inputs, tensors)]
        for m in modules:
            grads += [None if p.grad is None else L.numpy(p.grad) for _, p in m.named_parameters()]
    state = [L.numpy(b) for m in modules for _, b in m.named_buffers()]
    return values, grads, state


def _close(m, t, what, rtol):
    m, t = np.asarray(m), np.asarray(t)
    assert m.shape == t.shape, f"{what}: shape {m.shape} vs PyTorch {t.shape}"
    if t.dtype.kind == "f":
        # where both are non-finite they agree: with +inf and -inf among the summands, the order of the
        # additions (GEMM blocking, pairwise sums) decides between inf and nan in either library
        both_nonfinite = ~np.isfinite(m) & ~np.isfinite(t)
        m, t = np.where(both_nonfinite, 0, m), np.where(both_nonfinite, 0, t)
        finite = np.abs(t[np.isfinite(t)])
        atol = rtol * max(1.0, float(finite.max()) if finite.size else 1.0)
        np.testing.assert_allclose(m, t, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(m, t, err_msg=what)


def compare(spec, case, mres, tres):
    if isinstance(tres, Raised) and isinstance(mres, Raised):
        if mres.category != tres.category and not is_allowed(spec.name, "error-class", str(mres.e)):
            pytest.fail(f"{spec.name}: miniconv raised {mres!r} but PyTorch raised {tres!r}")
        return
    if isinstance(mres, Raised):
        if not is_allowed(spec.name, "miniconv-raises", str(mres.e)):
            pytest.fail(f"{spec.name}: miniconv raised {mres!r} where PyTorch succeeds")
        return
    if isinstance(tres, Raised):
        if not is_allowed(spec.name, "torch-raises", str(tres.e)):
            pytest.fail(f"{spec.name}: miniconv succeeds where PyTorch raised {tres!r}")
        return
    (mv, mg, ms), (tv, tg, ts) = mres, tres
    try:
        assert len(mv) == len(tv), f"{len(mv)} outputs vs PyTorch {len(tv)}"
        for i, (a, b) in enumerate(zip(mv, tv)):
            if isinstance(b, tuple) and len(b) == 2 and isinstance(b[0], np.ndarray):
                assert isinstance(a, tuple), f"output {i}: {type(a).__name__} vs PyTorch Tensor"
                assert a[1] == b[1], f"output {i}: dtype {a[1]} vs PyTorch {b[1]}"
                _close(a[0], b[0], f"output {i}", 1e-4 if b[1] != "float64" else 1e-7)
            else:
                assert a == b or (isinstance(b, float) and np.isnan(b) and np.isnan(a)), f"output {i}: {a!r} vs {b!r}"
        assert (mg is None) == (tg is None), f"gradients: miniconv {mg is not None}, PyTorch {tg is not None}"
        for i, (a, b) in enumerate(zip(mg or [], tg or [])):
            assert (a is None) == (b is None), f"gradient {i}: miniconv {a is not None}, PyTorch {b is not None}"
            if b is not None:
                _close(a, b, f"gradient {i}", 1e-3 if b.dtype == np.float32 else 1e-6)
        for i, (a, b) in enumerate(zip(ms, ts)):
            _close(a, b, f"buffer {i}", 1e-4)
    except AssertionError as e:
        if not is_allowed(spec.name, "value", str(e)):
            raise


# -- the tests -----------------------------------------------------------------------------------------
TORCH, MINICONV = Lib("torch"), Lib("miniconv")


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_op_matches_pytorch(spec, request):
    long = request.config.getoption("--fuzz-long")

    @settings(max_examples=spec.examples * (20 if long else 1), derandomize=not long, database=None,
              deadline=None, suppress_health_check=list(HealthCheck), print_blob=True)
    @given(st.data())
    def check(data):
        case = spec.draw(data)
        mres = run(MINICONV, case)
        tres = run(TORCH, case)
        if case.torch_forward_only and not isinstance(tres, Raised):
            tres = (tres[0], mres[1] if not isinstance(mres, Raised) else None, tres[2])
        compare(spec, case, mres, tres)

    check()


def test_the_differences_table_is_parsed_and_every_row_names_a_spec():
    names = {s.name for s in SPECS}
    assert ALLOWED, "docs/api.md lost its fuzz-differences table"
    for op, kind, _ in ALLOWED:
        assert fnmatch.filter(names, op), f"docs/api.md lists a difference for {op!r}, which no row of tests/fuzz_registry.py has"


@pytest.mark.parametrize("which", ["matmul", "linear", "conv2d", "max_pool2d", "sum"])
def test_results_do_not_depend_on_the_thread_count(which):
    """Same bits with 1 and 2 threads (sizes above the kernels' single-thread grain)."""
    rng = np.random.default_rng(0)
    a = miniconv.tensor(rng.standard_normal((96, 700)).astype(np.float32))
    b = miniconv.tensor(rng.standard_normal((700, 80)).astype(np.float32))
    x = miniconv.tensor(rng.standard_normal((8, 4, 30, 30)).astype(np.float32))
    w = miniconv.tensor(rng.standard_normal((6, 4, 3, 3)).astype(np.float32))
    fn = {"matmul": lambda: a @ b, "linear": lambda: miniconv.nn.functional.linear(a, b.t()),
          "conv2d": lambda: miniconv.nn.functional.conv2d(x, w),
          "max_pool2d": lambda: miniconv.nn.functional.max_pool2d(x, 3, 2, 1, 2),
          "sum": lambda: a.sum(0)}[which]
    old = miniconv.get_num_threads()
    try:
        outs = []
        for n in (1, 2, 3):
            miniconv.set_num_threads(n)
            outs.append(fn()._data.copy())
    finally:
        miniconv.set_num_threads(old)
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])
