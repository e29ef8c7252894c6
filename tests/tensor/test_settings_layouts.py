"""Switches scripts set at the top (printing, interop threads, matmul precision, deterministic debug mode,
legacy default tensor type) and the layout / memory-format names: the same code on miniconv and PyTorch."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.fixture
def restore_print():
    yield
    for lib in (miniconv, torch):
        lib.set_printoptions(profile="default")


VALUES = [np.array([1.123456789, -20.5, 3.0]), np.array([1.0, 2.0, 300000.0]), np.array([1e-6, 1.0]),
          np.arange(30.0).reshape(5, 6) / 7, np.arange(2000.0), np.array([1.5, np.nan, np.inf])]


@pytest.mark.parametrize("opts", [dict(precision=2), dict(precision=8), dict(sci_mode=True), dict(sci_mode=False),
                                  dict(threshold=5), dict(threshold=5, edgeitems=1), dict(linewidth=30),
                                  dict(profile="short"), dict(profile="full"), dict(precision=1, sci_mode=True)])
def test_set_printoptions_prints_like_torch(opts, restore_print):
    for arr in VALUES:
        if opts.get("profile") == "full" and arr.size > 1000:
            continue
        out = []
        for lib in (miniconv, torch):
            lib.set_printoptions(**opts)
            out.append(repr(lib.tensor(arr)).replace("miniconv.", "torch."))
            lib.set_printoptions(profile="default")
        assert out[0] == out[1], f"{opts} {arr[:4]}"


def test_default_printing_is_unchanged_after_reset(restore_print):
    miniconv.set_printoptions(precision=2)
    miniconv.set_printoptions(profile="default")
    assert repr(miniconv.tensor([1.123456])) == repr(torch.tensor([1.123456]))
    assert miniconv.get_printoptions()["precision"] == 4


def test_switches_match_torch():
    for lib in (miniconv, torch):
        assert lib.get_float32_matmul_precision() == "highest"
        lib.set_float32_matmul_precision("high")
        assert lib.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
            lib.set_float32_matmul_precision("bad")
        assert lib.get_float32_matmul_precision() == "high"
        lib.set_float32_matmul_precision("highest")
        assert isinstance(lib.get_num_interop_threads(), int) and lib.get_num_interop_threads() >= 1
        assert lib.is_warn_always_enabled() is False
        assert lib.get_deterministic_debug_mode() == 0
        lib.set_deterministic_debug_mode("warn")
        assert lib.get_deterministic_debug_mode() == 1
        assert lib.are_deterministic_algorithms_enabled() and lib.is_deterministic_algorithms_warn_only_enabled()
        lib.set_deterministic_debug_mode(0)
        assert not lib.are_deterministic_algorithms_enabled()
        with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
            lib.set_deterministic_debug_mode("bad")
    assert miniconv.set_flush_denormal(True) is False  # documented: miniconv leaves the CPU's mode alone


def test_set_default_tensor_type_legacy():
    for lib in (miniconv, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lib.set_default_tensor_type(lib.DoubleTensor)
            assert lib.tensor([1.5]).dtype == lib.float64
            lib.set_default_tensor_type("torch.FloatTensor")
            assert lib.tensor([1.5]).dtype == lib.float32


def test_tensor_predicates_as_functions():
    for lib in (miniconv, torch):
        x = lib.zeros(2, 3)
        assert lib.get_device(x) == -1 == x.get_device()
        assert lib.is_nonzero(lib.tensor([1.0])) and not lib.is_nonzero(lib.tensor(0))
        with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
            lib.is_nonzero(lib.tensor([1, 2]))
        assert lib.is_same_size(x, lib.ones(2, 3)) and not lib.is_same_size(x, lib.ones(3, 2))
        assert lib.is_signed(x) and not lib.is_signed(lib.zeros(2, dtype=lib.uint8))
        assert not lib.is_neg(x) and not lib.is_inference(x)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 3, 1, 5), (3, 4), (2, 3, 4),
                                   (1, 1, 1, 1), (0, 3, 4, 5), (2, 3, 4, 5, 6), (2, 1, 1, 1, 6)])
def test_memory_formats(shape):
    for fmt in ("channels_last", "channels_last_3d", "contiguous_format", "preserve_format"):
        res = []
        for lib in (miniconv, torch):
            x = lib.zeros(shape)
            res.append((x.is_contiguous(memory_format=getattr(lib, fmt)), x.is_contiguous()))
        assert res[0] == res[1], (shape, fmt)
    for lib in (miniconv, torch):
        x = lib.arange(float(np.prod(shape))).reshape(shape)
        if len(shape) == 4:
            y = x.contiguous(memory_format=lib.channels_last)
            np.testing.assert_array_equal(y.numpy(), x.numpy())
            np.testing.assert_array_equal(x.to(memory_format=lib.channels_last).numpy(), x.numpy())
        else:
            with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last format"):
                x.contiguous(memory_format=lib.channels_last)
        np.testing.assert_array_equal(x.clone(memory_format=lib.preserve_format).numpy(), x.numpy())


def test_layout_and_type_names():
    for lib in (miniconv, torch):
        x = lib.zeros(2)
        assert x.layout == lib.strided and isinstance(lib.strided, lib.layout)
        assert isinstance(lib.channels_last, lib.memory_format)
        assert isinstance(lib.float32, lib.dtype) and isinstance(x.dtype, lib.dtype)
        assert lib.zeros(2, layout=lib.strided).shape == (2,)

        def annotated(d: lib.dtype = lib.float32, f: lib.memory_format = lib.contiguous_format) -> lib.layout:
            return lib.strided

        assert annotated() == lib.strided
        with pytest.raises(TypeError, match="must be torch.memory_format"):
            x.contiguous(memory_format=1)
