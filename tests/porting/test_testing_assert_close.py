"""torch.testing.assert_close: the same calls on both libraries pass or fail alike, with PyTorch's message
(shape/dtype names printed with each library's prefix)."""
import re

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def run(fn, lib):
    try:
        fn(lib)
        return ("ok",)
    except Exception as e:  # noqa: BLE001 - compared
        msg = re.sub(r"<class '([\w.]*\.)?(\w+)'>", r"<class \2>", str(e))  # module paths differ
        return (type(e).__name__, msg.replace("torch.", "").replace("miniconv.", ""))


def same(fn):
    mine, theirs = run(fn, miniconv), run(fn, torch)
    assert mine == theirs, f"\nminiconv: {mine}\ntorch:    {theirs}"
    return theirs


CASES = {
    "equal": lambda t: t.testing.assert_close(t.tensor([1.0, 2.0, 3.0]), t.tensor([1.0, 2.0, 3.0])),
    "within_default_f32": lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0 + 5e-6, 2.0])),
    "one_mismatch": lambda t: t.testing.assert_close(t.tensor([1.0, 2.1, 3.0]), t.tensor([1.0, 2.0, 3.0])),
    "two_of_three": lambda t: t.testing.assert_close(t.tensor([1.0, 4.0, 5.0]), t.tensor([1.0, 2.0, 3.0])),
    "2d_index": lambda t: t.testing.assert_close(t.tensor([[1.0, 2.0], [3.0, 4.5]]), t.tensor([[1.0, 2.0], [3.0, 4.0]])),
    "f64_tight": lambda t: t.testing.assert_close(t.tensor([1.0], dtype=t.float64), t.tensor([1.0 + 1e-6], dtype=t.float64)),
    "f64_ok": lambda t: t.testing.assert_close(t.tensor([1.0], dtype=t.float64), t.tensor([1.0 + 1e-8], dtype=t.float64)),
    "int_exact": lambda t: t.testing.assert_close(t.tensor([1, 2, 3]), t.tensor([1, 2, 4])),
    "int_ok": lambda t: t.testing.assert_close(t.tensor([1, 2, 3]), t.tensor([1, 2, 3])),
    "bool_tensor": lambda t: t.testing.assert_close(t.tensor([True, False]), t.tensor([True, True])),
    "dtype_mismatch": lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([1.0], dtype=t.float64)),
    "dtype_unchecked": lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([1.0], dtype=t.float64),
                                                        check_dtype=False),
    "shape_mismatch": lambda t: t.testing.assert_close(t.zeros(2), t.zeros(3)),
    "rtol_only": lambda t: t.testing.assert_close(t.zeros(2), t.zeros(2), rtol=1e-3),
    "atol_only": lambda t: t.testing.assert_close(t.zeros(2), t.zeros(2), atol=1e-3),
    "custom_tols": lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.05, 2.0]), rtol=0.0, atol=0.1),
    "custom_tols_fail": lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.5, 2.0]), rtol=0.01, atol=0.1),
    "zero_tols": lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5]), rtol=0, atol=0),
    "nan_default": lambda t: t.testing.assert_close(t.tensor([float("nan"), 1.0]), t.tensor([float("nan"), 1.0])),
    "nan_equal": lambda t: t.testing.assert_close(t.tensor([float("nan"), 1.0]), t.tensor([float("nan"), 1.0]),
                                                  equal_nan=True),
    "inf": lambda t: t.testing.assert_close(t.tensor([float("inf")]), t.tensor([float("inf")])),
    "inf_sign": lambda t: t.testing.assert_close(t.tensor([float("inf"), 1.0]), t.tensor([-float("inf"), 1.0])),
    "zero_expected": lambda t: t.testing.assert_close(t.tensor([0.5, 1.0]), t.tensor([0.0, 1.0])),
    "scalar_tensor": lambda t: t.testing.assert_close(t.tensor(1.5), t.tensor(1.0)),
    "python_floats": lambda t: t.testing.assert_close(1.0, 1.0 + 1e-9),
    "python_floats_fail": lambda t: t.testing.assert_close(1.0, 1.1),
    "int_vs_float": lambda t: t.testing.assert_close(1, 1.0),
    "int_vs_float_unchecked": lambda t: t.testing.assert_close(1, 1.0, check_dtype=False),
    "bools": lambda t: t.testing.assert_close(True, False),
    "none": lambda t: t.testing.assert_close(None, None),
    "none_vs_tensor": lambda t: t.testing.assert_close(None, t.zeros(1)),
    "tensor_vs_float": lambda t: t.testing.assert_close(t.zeros(()), 0.0),
    "tensor_vs_ndarray": lambda t: t.testing.assert_close(t.zeros(2), np.zeros(2, np.float32)),
    "ndarrays": lambda t: t.testing.assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.5])),
    "lists": lambda t: t.testing.assert_close([t.zeros(2), 1.0], [t.zeros(2), 1.0]),
    "list_fail_item": lambda t: t.testing.assert_close([t.zeros(2), t.ones(2)], [t.zeros(2), t.zeros(2)]),
    "list_len": lambda t: t.testing.assert_close([t.zeros(2)], [t.zeros(2), t.zeros(2)]),
    "dicts": lambda t: t.testing.assert_close({"a": t.ones(1), "b": 2}, {"a": t.ones(1), "b": 2}),
    "dict_fail": lambda t: t.testing.assert_close({"a": t.ones(1)}, {"a": t.zeros(1)}),
    "dict_keys": lambda t: t.testing.assert_close({"a": t.ones(1)}, {"b": t.ones(1)}),
    "msg_str": lambda t: t.testing.assert_close(t.ones(2), t.zeros(2), msg="custom message"),
    "msg_callable": lambda t: t.testing.assert_close(t.ones(2), t.zeros(2), msg=lambda m: "Header\n\n" + m),
    "strings": lambda t: t.testing.assert_close("a", "a"),
    "requires_grad": lambda t: t.testing.assert_close(t.ones(2, requires_grad=True) * 2, t.full((2,), 2.0)),
    "state_dicts": lambda t: t.testing.assert_close(
        {k: v * 0 for k, v in t.nn.Linear(2, 2).state_dict().items()},
        {"weight": t.zeros(2, 2), "bias": t.zeros(2)}),
    "allow_subclasses_false": lambda t: t.testing.assert_close(t.nn.Parameter(t.zeros(2)), t.zeros(2),
                                                               allow_subclasses=False),
    "empty": lambda t: t.testing.assert_close(t.zeros(0), t.zeros(0)),
    "uint8_diff": lambda t: t.testing.assert_close(t.tensor([0, 5], dtype=t.uint8), t.tensor([3, 5], dtype=t.uint8)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_assert_close_matches_pytorch(name):
    same(CASES[name])


def test_failure_message_fields():
    out = same(CASES["one_mismatch"])
    assert out[0] == "AssertionError"
    assert "Mismatched elements: 1 / 3 (33.3%)" in out[1]
    assert "Greatest absolute difference" in out[1] and "(up to 1e-05 allowed)" in out[1]


def test_assert_allclose_deprecated():
    for lib in (miniconv, torch):
        with pytest.warns(FutureWarning):
            lib.testing.assert_allclose(lib.tensor([1.0]), [1.00001])
        with pytest.warns(FutureWarning), pytest.raises(AssertionError):
            lib.testing.assert_allclose(lib.tensor([1.0]), [1.1])
