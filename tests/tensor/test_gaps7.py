"""Small gaps against PyTorch 2.13: relu's no-grad forward (bits of -0.0 and NaN), Python ints beyond
int64/uint64 as operands, a huge Python float with a float32 tensor (no NumPy warning)."""
import numpy as np
import pytest

import miniconv
from tests.oracle import assert_same_outcome

torch = pytest.importorskip("torch")

SPECIALS = [-0.0, 0.0, float("nan"), -float("nan"), float("inf"), -float("inf"), -1.5, 2.5]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("n", [1, 8, 1000, 70000])
@pytest.mark.parametrize("grad", [False, True])
def test_relu_bits(dtype, n, grad):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n).astype(dtype)
    pick = rng.integers(0, len(SPECIALS) + 2, n)
    for i, v in enumerate(SPECIALS):
        a[pick == i] = v
    u = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}[dtype]
    want = torch.relu(torch.from_numpy(a)).numpy().view(u)
    for got in (miniconv.tensor(a, requires_grad=grad).relu(),
                miniconv.nn.functional.relu(miniconv.tensor(a, requires_grad=grad))):
        assert got.dtype == getattr(miniconv, dtype)
        np.testing.assert_array_equal(got.detach().numpy().view(u), want)


def test_relu_no_grad_layouts():
    a = np.arange(-6.0, 6.0, dtype=np.float32).reshape(3, 4)
    for make in (lambda lib: lib.tensor(a).t(), lambda lib: lib.tensor(a)[:, ::2], lambda lib: lib.tensor(-0.0)):
        assert_same_outcome(lambda lib: make(lib).relu())
        assert_same_outcome(lambda lib: make(lib).relu().contiguous().view(-1).sum())


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("number", [2 ** 70, -2 ** 70, 2 ** 64, -2 ** 63 - 1])
def test_int_operand_out_of_range(dtype, number):
    def t(lib):
        return lib.ones(2, dtype=getattr(lib, dtype))
    for op in (lambda lib: t(lib) * number, lambda lib: number * t(lib), lambda lib: t(lib) + number,
               lambda lib: t(lib) - number, lambda lib: number - t(lib), lambda lib: t(lib) / number,
               lambda lib: lib.add(t(lib), number), lambda lib: t(lib).mul(number), lambda lib: t(lib) == number):
        assert_same_outcome(op, message=True)


@pytest.mark.parametrize("number", [2 ** 63 - 1, -2 ** 63, 2 ** 63, 2 ** 64 - 1])
def test_int_operand_edges_float(number):
    assert_same_outcome(lambda lib: lib.ones(2) * number)
    assert_same_outcome(lambda lib: lib.ones(2, dtype=lib.float64) + number)


@pytest.mark.parametrize("number", [1e300, -1e300, 3.5e38, float("inf"), float("nan"), 1e-300])
def test_float32_huge_python_float_silent(number):
    # assert_same_outcome turns NumPy's RuntimeWarning into an error
    for op in (lambda lib: lib.ones(3) * number, lambda lib: number * lib.ones(3), lambda lib: lib.ones(3) + number,
               lambda lib: lib.ones(3).mul(number), lambda lib: lib.ones(3) / number,
               lambda lib: lib.ones(3).half() * number, lambda lib: number * lib.ones(3).half(),
               lambda lib: lib.ones(3).half() / number, lambda lib: lib.ones(3).half() + number,
               lambda lib: lib.ones(3).long() * number, lambda lib: lib.ones(3).int() + number,
               lambda lib: lib.ones(3).long().mul(number)):
        assert_same_outcome(op)


@pytest.mark.parametrize("call", [
    lambda lib: lib.ones((2,), (3,)), lambda lib: lib.zeros((2,), 3), lambda lib: lib.ones([2], [3]),
    lambda lib: lib.empty((2,), (3,), (4,)), lambda lib: lib.ones(1).new_ones((2,), (3,)),
    lambda lib: lib.ones(1).new_zeros([2], 3), lambda lib: lib.empty(lib.Size([2]), 3),
    lambda lib: lib.ones((2, 3)), lambda lib: lib.zeros(2, 3)])
def test_size_sequence_then_more_positionals(call):
    assert_same_outcome(call, message=True)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@pytest.mark.parametrize("number", [2 ** 70, -2 ** 70, 2 ** 64])
def test_pow_int_exponent_out_of_range(dtype, number):
    for op in (lambda lib: lib.ones(2, dtype=getattr(lib, dtype)) ** number,
               lambda lib: lib.ones(2, dtype=getattr(lib, dtype)).pow(number),
               lambda lib: lib.pow(lib.ones(2, dtype=getattr(lib, dtype)), number)):
        assert_same_outcome(op, message=True)
