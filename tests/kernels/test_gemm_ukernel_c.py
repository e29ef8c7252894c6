"""The packed GEMM of the gemm conv algorithm (miniconv/_conv_gemm_ukernel.h) as C: every variant
this build has against the scalar twin and the twin against a long double reference
(tests/kernels/c/gemm_vs_scalar.c; its header states the tolerance), built natively (scalar,
AVX2, the AVX-512 family emulated on AVX2) and for aarch64, run under qemu-aarch64 (NEON, where
GCC fuses the twin's multiply-adds as the NEON kernel does: the same bits).

Cross tools (Debian): gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user. The tests that
need them skip, saying so, when they are absent."""
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from miniconv import _kernels as K

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "miniconv"
DRIVER = ROOT / "tests" / "kernels" / "c" / "gemm_vs_scalar.c"
CROSS_CC = shutil.which("aarch64-linux-gnu-gcc")
QEMU = shutil.which("qemu-aarch64") or shutil.which("qemu-aarch64-static")
HOST_CC = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")

needs_source = pytest.mark.skipif(not (SRC / "_conv_gemm_ukernel.h").exists() or not DRIVER.exists(),
                                  reason="the kernel headers are not here (an installed wheel, not the source tree)")
needs_cross = pytest.mark.skipif(
    CROSS_CC is None or QEMU is None,
    reason="NEON check skipped: cross tools not available (apt-get install gcc-aarch64-linux-gnu "
           "libc6-dev-arm64-cross qemu-user)")


def build(cc, out, *flags):
    cmd = [cc, "-O3", "-std=gnu11", "-Wall", "-Wno-unused-function", "-I", str(SRC), str(DRIVER),
           "-o", str(out), *flags, "-lm"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"{' '.join(cmd)}\n{res.stderr}"
    assert "warning" not in res.stderr, res.stderr
    return out


def results(output):
    """{(isa, dtype): (passed, bit-identical)}"""
    return {(m.group(1), m.group(2)): (m.group(3) == "ok", m.group(4) == "bit-identical")
            for m in re.finditer(r"^  (\w+) (f32|f64) gemm (ok|FAILED), (bit-identical|within)",
                                 output, re.M)}


@needs_source
@pytest.mark.skipif(HOST_CC is None, reason="no C compiler")
def test_every_native_variant_matches_the_scalar_twin(tmp_path):
    exe = build(HOST_CC, tmp_path / "gemm_vs_scalar")
    res = subprocess.run([str(exe), "30", "7"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    found = results(res.stdout)
    # the variants the extension itself can run here (the driver is the same header)
    expected = [i for i in K.conv_isas_supported() if i != "neon"]
    assert sorted({isa for isa, _ in found}) == sorted(expected), res.stdout
    assert all(ok for ok, _ in found.values()), res.stdout
    # the scalar twin is the reference of the others: bit-identical to itself by construction,
    # and within the long double bound (checked by the driver)
    assert found[("scalar", "f32")] == (True, True)
    if platform.machine() in ("x86_64", "AMD64") and "avx2" in expected:
        assert "avx2: gemm tiles 6 x 16 floats, 6 x 8 doubles" in res.stdout
        assert "avx512f_emu: gemm tiles 12 x 32 floats, 12 x 16 doubles" in res.stdout


@needs_source
@needs_cross
def test_neon_variant_gives_the_twins_bits_under_qemu(tmp_path):
    exe = build(CROSS_CC, tmp_path / "gemm_vs_scalar_neon", "-static")
    res = subprocess.run([QEMU, str(exe), "10", "11"], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    found = results(res.stdout)
    assert set(found) == {("scalar", "f32"), ("scalar", "f64"), ("neon", "f32"), ("neon", "f64")}, res.stdout
    assert all(ok and exact for ok, exact in found.values()), res.stdout
    assert "neon: gemm tiles 6 x 8 floats, 6 x 4 doubles" in res.stdout
