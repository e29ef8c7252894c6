"""A source build with clang that has no OpenMP (as Apple's clang without Homebrew's libomp):
setup.py must fall back to a serial build with a warning, the C kernel headers must compile
without warnings, and the serial clang build must compute what PyTorch and the build under test
compute (to the bit, for the build under test), in every conv instruction set this CPU runs;
then the per-ISA kernel tests run on it.

The build takes about a minute (clang -O3, both extensions)."""
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import miniconv
import miniconv.nn.functional as F
from miniconv import _kernels as K

ROOT = Path(__file__).resolve().parents[2]
CLANG = shutil.which("clang")

pytestmark = pytest.mark.skipif(CLANG is None, reason="clang is not installed")

# clang that rejects -fopenmp as Apple's clang does (it takes only -Xpreprocessor -fopenmp)
FAKE_APPLE_CLANG = """#!/bin/sh
prev=
for a in "$@"; do
  if [ "$a" = -fopenmp ] && [ "$prev" != -Xpreprocessor ]; then
    echo "clang: error: unsupported option '-fopenmp'" >&2
    exit 1
  fi
  prev=$a
done
exec "{clang}" "$@"
"""

# (n, c, o, groups, h, w, kh, kw, stride, padding, dilation)
CASES = [
    (2, 5, 7, 1, 14, 14, 3, 3, 1, 1, 1),      # 'same' 3x3 with channel tails
    (2, 6, 9, 3, 13, 11, 3, 2, 2, 2, 2),      # groups, strided, dilated, padding
    (3, 8, 8, 8, 10, 17, 3, 3, 1, 1, 1),      # depthwise
]

# runs in a child process on the clang build: conv2d forward and both gradients per ISA and dtype
CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    import miniconv
    import miniconv.nn.functional as F
    from miniconv import _kernels as K

    build, data, out = sys.argv[1:4]
    assert miniconv.__file__.startswith(build), miniconv.__file__
    assert not K.openmp_enabled()
    arrays = dict(np.load(data))
    res = {"isas": np.array(K.conv_isas_supported())}
    for isa in K.conv_isas_supported():
        K.conv_set_isa(isa)
        for key in [k[2:] for k in arrays if k.startswith("x-")]:
            st, pad, dil, groups = (int(v) for v in key.split("-")[1:])
            x = miniconv.tensor(arrays["x-" + key], requires_grad=True)
            w = miniconv.tensor(arrays["w-" + key], requires_grad=True)
            y = F.conv2d(x, w, None, st, pad, dil, groups)
            y.backward(miniconv.tensor(arrays["g-" + key]))
            for name, v in (("y", y.detach()), ("gx", x.grad), ("gw", w.grad)):
                res[f"{isa}/{name}-{key}"] = v.numpy()
    np.savez(out, **res)
    """
)


def _copy_source(dst):
    ignore = shutil.ignore_patterns("*.so", "*.c", "__pycache__", "*.pyc")
    shutil.copytree(ROOT / "miniconv", dst / "miniconv", ignore=ignore)
    shutil.copytree(ROOT / "tests", dst / "tests", ignore=ignore)
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, dst / name)


def _inputs(rng):
    arrays = {}
    for i, (n, c, o, groups, h, w, kh, kw, st, pad, dil) in enumerate(CASES):
        for dtype in (np.float32, np.float64):
            key = f"{i}{np.dtype(dtype).char}-{st}-{pad}-{dil}-{groups}"
            ho = (h + 2 * pad - dil * (kh - 1) - 1) // st + 1
            wo = (w + 2 * pad - dil * (kw - 1) - 1) // st + 1
            arrays["x-" + key] = rng.standard_normal((n, c, h, w)).astype(dtype)
            arrays["w-" + key] = rng.standard_normal((o, c // groups, kh, kw)).astype(dtype)
            arrays["g-" + key] = rng.standard_normal((n, o, ho, wo)).astype(dtype)
    return arrays


def test_clang_without_openmp_builds_serial_and_matches(tmp_path):
    if not (ROOT / "setup.py").is_file():
        pytest.skip("needs a source checkout (setup.py beside tests/); this run uses an installed miniconv")
    pytest.importorskip("Cython", reason="building from source needs Cython")
    torch = pytest.importorskip("torch")
    src = tmp_path / "src"
    _copy_source(src)
    cc = tmp_path / "apple-clang"
    cc.write_text(FAKE_APPLE_CLANG.format(clang=CLANG))
    cc.chmod(0o755)
    env = dict(os.environ, CC=str(cc))
    for var in ("MINICONV_NO_OPENMP", "MINICONV_NATIVE", "MINICONV_DEBUG", "LDSHARED", "CFLAGS"):
        env.pop(var, None)
    build = subprocess.run(
        [sys.executable, "setup.py", "build_ext", "--inplace"],
        cwd=src, env=env, capture_output=True, text=True, timeout=900,
    )
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-4000:]
    assert "building WITHOUT OpenMP" in log
    assert re.search(r"^\S*clang -shared", log, re.M), "the extension was not linked by clang"
    # the hand-written kernels compile cleanly under clang (the Cython-generated C has its own warnings)
    header_warnings = [ln for ln in log.splitlines() if re.search(r"\.h:\d+:\d+: warning", ln)]
    assert not header_warnings, "\n".join(header_warnings)

    rng = np.random.default_rng(20)
    arrays = _inputs(rng)
    np.savez(tmp_path / "in.npz", **arrays)
    child_env = dict(env, PYTHONPATH=str(src), OMP_NUM_THREADS="1")
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(tmp_path / "in.npz"), str(tmp_path / "out.npz")],
        cwd=src, env=child_env, capture_output=True, text=True, timeout=300,
    )
    assert child.returncode == 0, child.stderr[-4000:]
    res = dict(np.load(tmp_path / "out.npz"))
    isas = [str(name) for name in res["isas"]]
    assert isas == list(K.conv_isas_supported()), "the clang build sees other ISAs than the gcc build"
    for isa in isas:
        previous = K.conv_set_isa(isa)
        try:
            for key in [k[2:] for k in arrays if k.startswith("x-")]:
                st, pad, dil, groups = (int(v) for v in key.split("-")[1:])
                x, w, g = (arrays[p + key] for p in ("x-", "w-", "g-"))
                tol = dict(rtol=1e-4, atol=1e-4) if x.dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
                tx = torch.tensor(x, requires_grad=True)
                tw = torch.tensor(w, requires_grad=True)
                ty = torch.nn.functional.conv2d(tx, tw, None, st, pad, dil, groups)
                ty.backward(torch.tensor(g))
                mx = miniconv.tensor(x, requires_grad=True)
                mw = miniconv.tensor(w, requires_grad=True)
                my = F.conv2d(mx, mw, None, st, pad, dil, groups)
                my.backward(miniconv.tensor(g))
                for name, t, m in (("y", ty.detach(), my.detach()), ("gx", tx.grad, mx.grad),
                                   ("gw", tw.grad, mw.grad)):
                    got = res[f"{isa}/{name}-{key}"]
                    np.testing.assert_allclose(got, t.numpy(), **tol, err_msg=f"{isa} {name} {key} vs torch")
                    # same kernels, same operation order: the same bits as the build under test (gcc)
                    np.testing.assert_array_equal(got, m.numpy(), err_msg=f"{isa} {name} {key} vs this build")
        finally:
            K.conv_set_isa(previous)

    # the per-ISA kernel tests and the pooling/normalisation kernels, on the serial clang build
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/conv/test_conv_isa.py", "tests/kernels/test_pool_norm_kernels.py"],
        cwd=src, env=child_env, capture_output=True, text=True, timeout=600,
    )
    assert tests.returncode == 0, tests.stdout[-4000:]
    assert re.search(r"\d+ passed", tests.stdout) and "failed" not in tests.stdout
