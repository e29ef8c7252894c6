"""randperm as PyTorch 2.13: its dtypes (float ones included, the same permutation bits for a seed), the checks
in PyTorch's order and words (negative n, n not an int, bool / complex dtypes, n too large for a float or small
integer dtype, requires_grad on integers), out=; and the wording of the other creation errors met on the way
(negative sizes: zeros' own message, arange's step sign, linspace's steps, cauchy_'s sigma)."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _outcome(lib, fn):
    try:
        r = fn(lib)
    except Exception as e:  # noqa: BLE001 - class and message compared with torch's
        return type(e).__name__, str(e)
    if isinstance(r, (lib.Tensor,)):
        return str(r.dtype).rpartition(".")[2], tuple(r.shape), r.detach().numpy().astype(np.float64).tolist()
    return str(r).rpartition(".")[2]


CASES = {
    "float32": lambda l: (l.manual_seed(0), l.randperm(5, dtype=l.float32))[1],
    "float64": lambda l: (l.manual_seed(1), l.randperm(40, dtype=l.float64))[1],
    "float16_max": lambda l: l.randperm(2049, dtype=l.float16).shape,
    "float16_too_large": lambda l: l.randperm(2050, dtype=l.float16),
    "float32_too_large": lambda l: l.randperm(2 ** 24 + 2, dtype=l.float32),
    "uint8_max": lambda l: l.randperm(256, dtype=l.uint8).max().item(),
    "uint8_overflow": lambda l: l.randperm(257, dtype=l.uint8),
    "int8_overflow": lambda l: l.randperm(129, dtype=l.int8),
    "int16_overflow": lambda l: l.randperm(32769, dtype=l.int16),
    "bool": lambda l: l.randperm(3, dtype=l.bool),
    "bool_empty": lambda l: l.randperm(0, dtype=l.bool),
    "negative": lambda l: l.randperm(-3),
    "negative_before_dtype": lambda l: l.randperm(-1, dtype=l.bool),
    "float_n": lambda l: l.randperm(2.5),
    "bool_n": lambda l: l.randperm(True),
    "none_n": lambda l: l.randperm(None),
    "tensor_n": lambda l: l.randperm(l.tensor(4)).shape,
    "int_requires_grad": lambda l: l.randperm(3, requires_grad=True),
    "float_requires_grad": lambda l: (lambda t: (t.requires_grad, t.is_leaf, t.grad_fn))(
        l.randperm(3, dtype=l.float32, requires_grad=True)),
    "out_float": lambda l: l.randperm(5, out=l.empty(2, dtype=l.float32)).dtype,
    "out_uint8_overflow": lambda l: l.randperm(300, out=l.empty(2, dtype=l.uint8)),
    "out_half_too_large": lambda l: l.randperm(3000, out=l.empty(2, dtype=l.float16)),
    "zeros_negative": lambda l: l.zeros(2, -1),
    "zeros_negative_int": lambda l: l.zeros(-1, dtype=l.int64),
    "ones_negative": lambda l: l.ones(2, -3),
    "empty_negative": lambda l: l.empty(-1, 0),
    "rand_negative": lambda l: l.rand(-1),
    "randn_negative": lambda l: l.randn(2, -2),
    "randint_negative": lambda l: l.randint(5, (2, -1)),
    "full_negative": lambda l: l.full((-1,), 1.0),
    "new_zeros_negative": lambda l: l.ones(1).new_zeros(-1),
    "new_empty_negative": lambda l: l.ones(1).new_empty((2, -1)),
    "arange_step_sign": lambda l: l.arange(5, 0, 1),
    "arange_step_sign_negative": lambda l: l.arange(0, 5, -1),
    "linspace_negative_steps": lambda l: l.linspace(0, 1, -1),
    "logspace_negative_steps": lambda l: l.logspace(0, 1, -1),
    "cauchy_sigma_negative": lambda l: l.empty(3).cauchy_(0, -1),
    "cauchy_sigma_zero": lambda l: l.empty(3).cauchy_(0, 0.0),
    "cauchy_sigma_fraction": lambda l: l.empty(3).cauchy_(0, -1.5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_as_torch(name):
    assert _outcome(miniconv, CASES[name]) == _outcome(torch, CASES[name])


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64", "float16", "int16", "uint8", "int32"])
def test_randperm_same_permutation_for_a_seed(dtype):
    def draws(lib):
        dt = getattr(lib, dtype)
        out = []
        for n in (1, 7, 50, 256):
            lib.manual_seed(3)
            out.append(lib.randperm(n, dtype=dt).numpy().astype(np.float64))
        g = lib.Generator().manual_seed(5)
        out.append(lib.randperm(30, dtype=dt, generator=g).numpy().astype(np.float64))
        o = lib.empty(0, dtype=dt)
        lib.manual_seed(1)
        lib.randperm(9, out=o)
        out.append(o.numpy().astype(np.float64))
        return out
    for a, b in zip(draws(miniconv), draws(torch)):
        np.testing.assert_array_equal(a, b)
