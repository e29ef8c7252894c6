"""Printing (issue 9): repr of tensors, sizes, named tuples and grad_fn nodes as PyTorch prints them
(with "torch" in place of "miniconv")."""
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")

CASES = [lambda l: l.tensor([1.5, 2.0, 3.25]), lambda l: l.tensor([[1, 2], [3, 40]]), lambda l: l.tensor(2.5, dtype=l.float64),
 lambda l: l.tensor([1.0, 2.0], requires_grad=True)*2, lambda l: l.tensor([True, False]), lambda l: l.tensor([1e-5, 1e5]),
 lambda l: l.tensor([float('nan'), 1.0, -float('inf')]), lambda l: l.arange(3000.), lambda l: l.tensor([[-1.5, 2.25],[3.0, 4.0]]),
 lambda l: l.tensor([True, True]), lambda l: l.tensor(3), lambda l: l.tensor(-0.0), lambda l: l.arange(10.).reshape(2,5)/3,
 lambda l: l.arange(40.).reshape(2,20)/7, lambda l: l.zeros(2,3), lambda l: l.arange(2000).reshape(2, 1000),
 lambda l: l.max(l.tensor([1.,3.]),0), lambda l: l.arange(24.).reshape(2,3,4), lambda l: l.arange(5000.).reshape(10,10,50) / 3,
 lambda l: l.tensor([0.1, -2.0, 1234.5]), lambda l: l.tensor([[1e10, 1.0]]), lambda l: l.zeros(3, dtype=l.float64),
 lambda l: l.tensor([1, -20, 300], dtype=l.int32), lambda l: l.tensor([[[1.25]]]), lambda l: l.zeros(0, 3),
 lambda l: l.tensor(float('nan')), lambda l: l.tensor([2.0]).requires_grad_(), lambda l: l.zeros(2).shape,
 lambda l: l.sort(l.tensor([3.0, 1.0]))]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_repr_matches_torch(i):
    assert repr(CASES[i](mc)).replace("miniconv", "torch") == repr(CASES[i](torch))


def test_grad_fn_names_and_next_functions():
    for lib in (mc, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sin().sum()
        assert y.grad_fn.name() == "SumBackward0"
        sin_node = y.grad_fn.next_functions[0][0]  # (miniconv also lists (None, 0) for non-tensor arguments)
        assert sin_node.name() == "SinBackward0"
        mul_node = sin_node.next_functions[0][0]
        assert mul_node.name() == "MulBackward0"
        assert type(mul_node.next_functions[0][0]).__name__ == "AccumulateGrad"
        assert repr(x.exp()).endswith("grad_fn=<ExpBackward0>)")


@pytest.mark.parametrize("name, args, kwargs", [
    ("Conv2d", (3, 4, 3), {}),
    ("Conv2d", (3, 4, 3), dict(padding=1, dilation=2, bias=False, padding_mode="reflect")),
    ("Conv2d", (4, 4, 3), dict(padding="same", groups=2)),
    ("Conv1d", (3, 4, 3), dict(padding=2, padding_mode="circular", bias=False)),
    ("Conv1d", (3, 4, 5), dict(stride=2, dilation=2)),
    ("ConvTranspose2d", (3, 4, 3), dict(stride=2, padding=1, output_padding=1, dilation=2, bias=False)),
    ("ConvTranspose2d", (4, 4, 2), dict(groups=2)),
])
def test_conv_module_reprs_match_pytorch(name, args, kwargs):
    """One extra_repr for the conv modules, in PyTorch's field order (dilation before output_padding,
    padding_mode last, also for Conv1d)."""
    assert repr(getattr(mc.nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))
