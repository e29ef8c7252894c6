"""The NEON micro-kernels (miniconv/_conv_ukernel_neon.h), built with the aarch64 cross compiler
and run under qemu-aarch64: every kernel of the NEON table and the NEON max-pool twin against
the scalar twins (tests/kernels/c/neon_vs_scalar.c; its header states the tolerance), the
driver's own failure on a broken kernel, and a compile of the whole extension's C for aarch64.
The native build of the same driver checks the scalar twins (and the x86 tables) on this CPU.

Cross tools (Debian): gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user. The tests that
need them skip, saying so, when they are absent."""
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "miniconv"
DRIVER = ROOT / "tests" / "kernels" / "c" / "neon_vs_scalar.c"
CROSS_CC = shutil.which("aarch64-linux-gnu-gcc")
QEMU = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
HOST_CC = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")

needs_cross = pytest.mark.skipif(
    CROSS_CC is None or QEMU is None,
    reason="NEON check skipped: cross tools not available (apt-get install gcc-aarch64-linux-gnu "
           "libc6-dev-arm64-cross qemu-user)")
needs_source = pytest.mark.skipif(not (SRC / "_conv_ukernel_neon.h").exists() or not DRIVER.exists(),
                                  reason="the kernel headers are not here (an installed wheel, not the source tree)")

# the NEON table: 14 dconv tiles (float and double: full, 2-vector and 1-vector tails for 4 and
# 1 output channels, the depthwise wide tile), 4 dconv_gw, 2 dconv_gwt, dconv_t, the transposed
# copy and the max-pool twin
NEON_KERNELS = 23
NEON_TOLERANCE_ONLY = 4      # dconv_gw: lanes summed apart, then added (another order)


def _build(cc, out, *flags):
    cmd = [cc, "-O3", "-std=gnu11", "-Wall", "-Wno-unused-function", "-I", str(SRC), str(DRIVER),
           "-o", str(out), *flags, "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    assert "warning" not in res.stderr, res.stderr
    return out


def _run(cmd, timeout=300):
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return res.returncode, res.stdout + res.stderr


def _lines(output, isa):
    """{kernel name: (passed, bit-identical expected)} for one instruction set's lines."""
    found = {}
    for m in re.finditer(rf"^  {isa}\s+(.+?)\s+(ok|FAILED), (bit-identical|within)", output, re.M):
        found[m.group(1)] = (m.group(2) == "ok", m.group(3) == "bit-identical")
    return found


@pytest.fixture(scope="module")
def neon_driver(tmp_path_factory):
    return _build(CROSS_CC, tmp_path_factory.mktemp("neon") / "neon_vs_scalar", "-static")


@needs_source
@needs_cross
def test_every_neon_kernel_matches_the_scalar_twin_under_qemu(neon_driver):
    rc, out = _run([QEMU, str(neon_driver), "40", "12345"])
    assert rc == 0, out
    neon = _lines(out, "neon")
    assert len(neon) == NEON_KERNELS, out
    assert all(ok for ok, _ in neon.values()), out
    exact = [name for name, (_, bit) in neon.items() if bit]
    assert len(exact) == NEON_KERNELS - NEON_TOLERANCE_ONLY, out
    assert all("dconv_gw " in name for name, (_, bit) in neon.items() if not bit), out
    assert "neon: tiles 4 x 20 floats, 4 x 10 doubles; depthwise 1 x 32 / 1 x 16" in out
    # the scalar twins themselves, against the long double reference, on the emulated CPU
    assert len(_lines(out, "scalar")) == NEON_KERNELS and " 0 failed" in out


@needs_source
@needs_cross
def test_another_seed_and_more_cases_pass_too(neon_driver):
    rc, out = _run([QEMU, str(neon_driver), "120", "0xC0FFEE"])
    assert rc == 0 and " 0 failed" in out, out


@needs_source
@needs_cross
def test_driver_reports_a_broken_neon_lane(tmp_path):
    """Built with MC_TEST_BREAK (lane 3 of every float32 NEON multiply-add off by 2^-10), the
    driver must fail every float32 NEON kernel and exit nonzero."""
    broken = _build(CROSS_CC, tmp_path / "broken", "-static", "-DMC_TEST_BREAK")
    rc, out = _run([QEMU, str(broken)])
    assert rc == 1, out
    neon = _lines(out, "neon")
    failed = {name for name, (ok, _) in neon.items() if not ok}
    assert failed == {name for name in neon if name.startswith("f32 ")}, out
    assert "MISMATCH" in out
    assert all(ok for ok, _ in _lines(out, "scalar").values()), out


@needs_source
@needs_cross
@pytest.mark.skipif(shutil.which("clang") is None, reason="clang not installed (Apple Silicon's compiler)")
def test_neon_kernels_built_by_clang_pass_under_qemu(tmp_path):
    """Clang (the compiler of Apple Silicon Macs) on the same NEON layer: every kernel within the
    tolerance of the twin (Clang leaves some of the scalar twin's products unfused, so the driver
    compares by tolerance; the transposed copy and the pool are still exact)."""
    obj = tmp_path / "driver.o"
    cmd = ["clang", "--target=aarch64-linux-gnu", "-isystem", "/usr/aarch64-linux-gnu/include", "-O3",
           "-Wall", "-Wno-unused-function", "-I", str(SRC), "-c", str(DRIVER), "-o", str(obj)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "warning" not in res.stderr, res.stderr
    exe = tmp_path / "driver"
    res = subprocess.run([CROSS_CC, "-static", str(obj), "-lm", "-o", str(exe)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    rc, out = _run([QEMU, str(exe), "40"])
    assert rc == 0 and " 0 failed" in out, out
    neon = _lines(out, "neon")
    assert len(neon) == NEON_KERNELS and all(ok for ok, _ in neon.values()), out


@needs_source
@pytest.mark.skipif(HOST_CC is None, reason="no C compiler on this machine")
def test_driver_runs_natively_on_this_cpu(tmp_path):
    """The same driver built for this machine: the scalar twins against the reference, and every
    other table this build has and the CPU runs (x86-64: AVX2 and the emulated AVX-512 family)."""
    exe = _build(HOST_CC, tmp_path / "native")
    rc, out = _run([str(exe), "20"])
    assert rc == 0 and " 0 failed" in out, out
    assert len(_lines(out, "scalar")) == NEON_KERNELS
    assert all(ok and bit for name, (ok, bit) in _lines(out, "scalar").items() if "dconv_gw " not in name)


def _kernels_c(tmp_path):
    """miniconv/_kernels.c if it is newer than every source it is made from, else a fresh one."""
    c_file = SRC / "_kernels.c"
    sources = list(SRC.glob("_kernels.pyx")) + list(SRC.glob("*.pxi")) + list(SRC.glob("*.h"))
    if c_file.exists() and all(c_file.stat().st_mtime >= s.stat().st_mtime for s in sources):
        return c_file
    pytest.importorskip("Cython", reason="no up-to-date miniconv/_kernels.c and no Cython to make one")
    out = tmp_path / "_kernels.c"
    res = subprocess.run([sys.executable, "-m", "cython", "-3", "-I", str(SRC), str(SRC / "_kernels.pyx"),
                          "-o", str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return out


@needs_source
@needs_cross
def test_whole_extension_compiles_for_aarch64_with_openmp(tmp_path):
    """The Cython-generated C of miniconv._kernels (every .pxi and kernel header) compiled by the
    aarch64 cross compiler with -fopenmp, against this machine's Python and NumPy headers (the
    LP64 type sizes in pyconfig.h and NumPy's config are the same on x86-64 and aarch64 Linux;
    no arm64 Python is installed here), with the NEON kernels in the object."""
    c_file = _kernels_c(tmp_path)
    obj = tmp_path / "_kernels.o"
    # -O0: the full code generation (intrinsics' constant lanes are checked there without the
    # help of constant folding) in ~6 s of CPU, against ~20 s at -O1
    cmd = [CROSS_CC, "-O0", "-fopenmp", "-fPIC", "-c", str(c_file), "-o", str(obj),
           "-I", sysconfig.get_paths()["include"], "-I", np.get_include(), "-I", str(SRC),
           "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-4000:]
    nm = shutil.which("aarch64-linux-gnu-nm")
    if nm is not None:
        symbols = subprocess.run([nm, str(obj)], capture_output=True, text=True, check=True).stdout
        for name in ("mc_f32_dconv_4x20__neon", "mc_f64_dconv_gwt_4x6__neon", "mc_f32_dconv_t6x16__neon",
                     "mc_maxpool2x2s2_f32_i16__neon", "GOMP_parallel"):
            assert name in symbols, name
        assert "avx2" not in symbols


def test_neon_is_chosen_on_aarch64_and_refused_elsewhere():
    """'neon' is a known name everywhere: the default on aarch64 builds, and refused, with the
    error every unsupported variant gives, where it is not compiled in (x86-64)."""
    from miniconv import _config
    from miniconv import _kernels as K

    if platform.machine().lower() in ("aarch64", "arm64"):
        assert "neon" in K.conv_isas_compiled() and K.conv_isa() == "neon"
        return
    assert "neon" not in K.conv_isas_compiled() and "neon" not in K.conv_isas_supported()
    before = _config.conv_isa()
    with pytest.raises(ValueError, match=r"this CPU cannot run the 'neon' kernels; it supports"):
        _config.set_conv_isa("neon")
    assert _config.conv_isa() == before


def test_neon_from_the_environment_warns_off_aarch64():
    if platform.machine().lower() in ("aarch64", "arm64"):
        pytest.skip("aarch64: MINICONV_CONV_ISA=neon is accepted there")
    env = dict(os.environ, MINICONV_CONV_ISA="neon")
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    code = ("import warnings; warnings.simplefilter('always'); from miniconv import _kernels;"
            " print(_kernels.conv_isa())")
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() != "neon"
    assert "MINICONV_CONV_ISA='neon' ignored: this CPU cannot run the 'neon' kernels" in res.stderr
