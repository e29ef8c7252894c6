"""Tensor.scatter / scatter_ with reduce='add' | 'multiply' against PyTorch: values (tensor and scalar
sources), the deprecation warning for a tensor source, the unsupported-derivative error, bad reduce."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402


@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("scalar", [False, True])
def test_scatter_reduce_arg(reduce, dim, scalar):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((3, 4)).astype(np.float32)
    idx = rng.integers(0, 3 if dim == 0 else 4, (2, 3))
    src = rng.standard_normal((2, 3)).astype(np.float32)
    out = {}
    for lib in (miniconv, torch):
        s = 1.5 if scalar else lib.tensor(src)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            r = lib.tensor(base).scatter(dim, lib.tensor(idx), s, reduce=reduce)
            inplace = lib.tensor(base)
            inplace.scatter_(dim, lib.tensor(idx), s, reduce=reduce)
        out[lib.__name__] = (r.numpy(), inplace.numpy(), sorted({str(x.message)[:40] for x in w}))
    np.testing.assert_allclose(out["miniconv"][0], out["torch"][0], rtol=1e-6)
    np.testing.assert_allclose(out["miniconv"][1], out["torch"][1], rtol=1e-6)


def test_deprecation_warning_once_per_process_like_torch():
    import subprocess
    import sys
    code = ("import warnings, {lib} as t\nwarnings.simplefilter('always')\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    for _ in range(3): t.zeros(2).scatter(0, t.tensor([0]), t.ones(1), reduce='add')\n"
            "print(len(w), str(w[0].message) if w else '')")
    outs = [subprocess.run([sys.executable, "-c", code.format(lib=lib)], capture_output=True, text=True,
                           check=True).stdout.strip().splitlines()[-1] for lib in ("miniconv", "torch")]
    # PyTorch appends where in its C++ source it warned; the text before that is the same
    assert outs[1].startswith(outs[0].rstrip(".")) and outs[0].startswith("1 The reduce argument")


def test_scatter_reduce_arg_errors():
    for lib in (miniconv, torch):
        x = lib.zeros(3, 4, requires_grad=True)
        y = x.scatter(0, lib.tensor([[0, 1, 2, 0]]), 2.0, reduce="add")
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not implemented"):
            y.sum().backward()
        with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
            lib.zeros(3, 4).scatter(0, lib.tensor([[0, 1, 2, 0]]), 2.0, reduce="max")
