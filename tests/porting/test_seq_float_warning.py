"""``float(t)`` of a tensor that requires grad: PyTorch warns once per process (d2l prints
``float(l2_penalty(w))``); ``int()`` and ``item()`` stay silent. Compared with torch."""
import warnings

import pytest

import miniconv
from miniconv.tensor import _base

torch = pytest.importorskip("torch")


def _messages(lib, fn):
    x = lib.tensor(2.0, requires_grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        value = fn(x * 2)
    return value, [str(m.message) for m in w if issubclass(m.category, UserWarning)]


def test_float_warns_once_with_torch_message(monkeypatch):
    monkeypatch.setitem(_base._warned, "float_requires_grad", False)
    value, msgs = _messages(miniconv, float)
    assert value == 4.0 and len(msgs) == 1
    expected = ("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                "Consider using tensor.detach() first.")
    assert msgs[0] == expected
    _, torch_msgs = _messages(torch, float)  # PyTorch may have warned already in this process: then silent
    assert all(m.startswith(expected) for m in torch_msgs)
    assert _messages(miniconv, float)[1] == []  # once


@pytest.mark.parametrize("fn", [int, lambda t: t.item(), lambda t: t.detach().__float__()], ids=["int", "item", "detached"])
def test_other_conversions_are_silent(fn, monkeypatch):
    monkeypatch.setitem(_base._warned, "float_requires_grad", False)
    for lib in (torch, miniconv):
        value, msgs = _messages(lib, fn)
        assert value == 4 and msgs == []


def test_silent_under_no_grad(monkeypatch):
    """PyTorch warns only in grad mode (its LBFGS calls float(closure()) under no_grad and stays silent)."""
    monkeypatch.setitem(_base._warned, "float_requires_grad", False)
    for lib in (torch, miniconv):
        y = lib.tensor(2.0, requires_grad=True) * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            with lib.no_grad():
                assert float(y) == 4.0
        assert [m for m in w if "Converting a tensor" in str(m.message)] == []
    assert _base._warned["float_requires_grad"] is False
