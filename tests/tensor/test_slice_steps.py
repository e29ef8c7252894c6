"""Slices with a step <= 0 on a Tensor: PyTorch's ValueError (it has no negative strides; flip() copies), for
reading and for writing; positive steps still give views."""
import pytest

import miniconv

torch = pytest.importorskip("torch")

CASES = {
    "reverse": lambda x: x[::-1],
    "reverse_step_two": lambda x: x[..., ::-2],
    "zero_step": lambda x: x[::0],
    "with_none": lambda x: x[None, ::-1],
    "second_dim": lambda x: x.reshape(2, 3)[:, ::-1],
    "set_reversed": lambda x: x.__setitem__(slice(None, None, -1), 1.0),
    "set_zero_step": lambda x: x.__setitem__((slice(None, None, 0),), 1.0),
}


def _outcome(lib, case):
    x = lib.arange(6.0)
    try:
        out = CASES[case](x)
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, str(e)
    return "ok", None if out is None else out.tolist()


@pytest.mark.parametrize("case", sorted(CASES))
def test_non_positive_steps_match_pytorch(case):
    m, t = _outcome(miniconv, case), _outcome(torch, case)
    assert t[0] == "ValueError" and m == t


def test_positive_steps_are_views():
    def run(lib):
        x = lib.arange(12.0).reshape(3, 4)
        y = x[::2, 1::2]
        y[0, 0] = -1
        return x.tolist(), y.stride(), y.tolist()
    assert run(miniconv) == run(torch)
