"""``miniconv.backends`` against ``torch.backends``: the same import forms, flags, defaults and queries."""
import subprocess
import sys

import pytest

import miniconv

torch = pytest.importorskip("torch")

CUDNN_FLAGS = ["enabled", "benchmark", "deterministic", "allow_tf32", "benchmark_limit"]


def _restore(module, names):
    saved = {n: getattr(module, n) for n in names}
    return lambda: [setattr(module, n, v) for n, v in saved.items()]


def test_import_forms_of_real_scripts():
    # the preamble of many tutorials, in a fresh interpreter so the import machinery is exercised for real
    code = ("import miniconv.backends.cudnn as cudnn\n"
            "from miniconv.backends import mps, mkldnn\n"
            "import miniconv\n"
            "cudnn.benchmark = True\n"
            "cudnn.deterministic = True\n"
            "assert miniconv.backends.cudnn.benchmark is True and miniconv.backends.cudnn.deterministic is True\n"
            "assert miniconv.backends.cudnn is cudnn and not mps.is_available() and not mkldnn.is_available()\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cudnn_defaults_and_queries_match_torch():
    for name in CUDNN_FLAGS:
        assert getattr(miniconv.backends.cudnn, name) == getattr(torch.backends.cudnn, name), name
    assert miniconv.backends.cudnn.is_available() == torch.backends.cudnn.is_available() is False
    assert miniconv.backends.cudnn.version() == torch.backends.cudnn.version() is None
    assert miniconv.backends.cudnn.is_acceptable(miniconv.zeros(2)) == torch.backends.cudnn.is_acceptable(torch.zeros(2))


@pytest.mark.parametrize("lib", ["torch", "miniconv"])
def test_cudnn_flags_are_stored_and_restored(lib):
    cudnn = (torch if lib == "torch" else miniconv).backends.cudnn
    restore = _restore(cudnn, ["benchmark", "deterministic", "enabled"])
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert cudnn.benchmark is True and cudnn.deterministic is True
        with cudnn.flags(enabled=False, benchmark=False, deterministic=False):
            assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, False, False)
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, True, True)
        old = cudnn.set_flags(True, False, None, False)
        assert old[:2] == (True, True) and cudnn.benchmark is False
    finally:
        restore()


def test_mps_mkldnn_cuda_openmp_match_torch_where_meaningful():
    mb, tb = miniconv.backends, torch.backends
    assert mb.mps.is_available() == tb.mps.is_available() is False
    assert mb.mps.is_built() == tb.mps.is_built() is False
    assert mb.mkldnn.enabled == tb.mkldnn.enabled
    assert mb.mkldnn.deterministic == tb.mkldnn.deterministic
    assert mb.mkldnn.is_available() is False  # miniconv has no oneDNN (torch's CPU build has)
    assert mb.cuda.is_built() == tb.cuda.is_built() is False
    for name in ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction"):
        assert getattr(mb.cuda.matmul, name) == getattr(tb.cuda.matmul, name), name
    restore = _restore(mb.cuda.matmul, ["allow_tf32"])
    try:
        mb.cuda.matmul.allow_tf32 = True
        assert mb.cuda.matmul.allow_tf32 is True
    finally:
        restore()
    assert mb.openmp.is_available() is miniconv._kernels.openmp_enabled()
    assert mb.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")


def test_mkldnn_flags_context():
    mkldnn = miniconv.backends.mkldnn
    with mkldnn.flags(enabled=False):
        assert mkldnn.enabled is False
    assert mkldnn.enabled is True


def test_deterministic_flag_changes_no_result():
    # miniconv is always deterministic: the flag is accepted and the numbers do not depend on it
    x = miniconv.randn(2, 3, 8, 8, generator=miniconv.Generator().manual_seed(0))
    conv = miniconv.nn.Conv2d(3, 4, 3)
    out = []
    for flag in (False, True):
        with miniconv.backends.cudnn.flags(enabled=True, benchmark=flag, deterministic=flag):
            out.append(conv(x).detach().numpy())
    assert (out[0] == out[1]).all()


def test_attribute_names_cover_torch_common_ones():
    for name in ["cudnn", "mps", "mkldnn", "cuda", "openmp", "cpu", "mkl"]:
        assert hasattr(torch.backends, name) and hasattr(miniconv.backends, name), name
    for name in ["is_available", "version", "flags", "set_flags", "is_acceptable"] + CUDNN_FLAGS:
        assert hasattr(torch.backends.cudnn, name) and hasattr(miniconv.backends.cudnn, name), name
