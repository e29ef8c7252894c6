"""The build must not silently lose OpenMP (as sklearn/tests/test_build.py checks)."""
import os

import miniconv
from miniconv import _kernels


def test_openmp_compiled_in():
    if os.environ.get("MINICONV_NO_OPENMP") == "1":
        return
    assert _kernels.openmp_enabled(), (
        "miniconv was built without OpenMP: kernels run on one thread. Rebuild with a compiler that "
        "supports OpenMP (or set MINICONV_NO_OPENMP=1 to acknowledge a serial build)."
    )


def test_show_config_prints(capsys):
    miniconv.show_config()
    out = capsys.readouterr().out
    assert miniconv.__version__ in out
    serial = os.environ.get("MINICONV_NO_OPENMP") == "1" and not _kernels.openmp_enabled()
    assert ("OpenMP compiled in: NO" if serial else "OpenMP compiled in: yes") in out
    assert "threads:" in out and "numpy" in out


def test_num_threads_roundtrip():
    old = miniconv.get_num_threads()
    try:
        miniconv.set_num_threads(1)
        assert miniconv.get_num_threads() == 1
        miniconv.set_num_threads(3)
        assert miniconv.get_num_threads() == 3
    finally:
        miniconv.set_num_threads(old)


def test_set_num_threads_rejects_bad_values():
    import pytest

    with pytest.raises(ValueError, match="positive"):
        miniconv.set_num_threads(0)
    with pytest.raises(TypeError, match="int"):
        miniconv.set_num_threads(2.5)


def test_default_threads_from_env(monkeypatch):
    from miniconv import _config

    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _config._default_num_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert _config._default_num_threads() >= 1


def test_relu_kernel_same_bits_any_thread_count():
    import numpy as np

    x = np.random.default_rng(0).standard_normal(300_003).astype(np.float32)  # several 64K chunks
    outs, keeps = [], []
    for n in (1, 2, 7):
        o, keep = np.empty_like(x), np.empty(x.shape, np.uint8)
        _kernels.relu_forward_mask(x, o, keep, n)
        outs.append(o)
        keeps.append(keep)
    assert all(np.array_equal(outs[0], o) for o in outs) and all(np.array_equal(keeps[0], k) for k in keeps)
    np.testing.assert_array_equal(outs[0], np.maximum(x, 0))
    np.testing.assert_array_equal(keeps[0], x > 0)
