"""nn.Buffer, torch.cond and utils.data.StackDataset, the same code under miniconv and PyTorch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.utils.data  # noqa: E402,F401
import torch.utils.data  # noqa: E402,F401


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_buffer_registers(lib):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = lib.nn.Buffer(lib.ones(2))
            self.b = lib.nn.Buffer(lib.zeros(3), persistent=False)
            self.lin = lib.nn.Linear(2, 2)
            self.c = lib.nn.Buffer(lib.ones(1, requires_grad=True))
    m = M()
    assert list(m.state_dict()) == ["a", "c", "lin.weight", "lin.bias"]
    assert [n for n, _ in m.named_buffers()] == ["a", "b", "c"]
    assert isinstance(m.a, lib.nn.Buffer) and not isinstance(lib.ones(1), lib.nn.Buffer)
    assert not isinstance(m.lin.weight, lib.nn.Buffer)
    assert m.c.requires_grad and m.c.grad_fn is None
    assert [n for n, _ in m.named_parameters()] == ["lin.weight", "lin.bias"]
    empty = lib.nn.Buffer()
    assert tuple(empty.shape) == (0,)


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_cond(lib):
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = lib.cond(x.sum() > 2, lambda a: a * 2, lambda a: a - 1, (x,))
    assert y.tolist() == [2.0, 4.0, 6.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0]
    assert lib.cond(False, lambda a: a * 2, lambda a: a - 1, (x,)).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="Expected pred to be bool or single-element tensor"):
        lib.cond(lib.ones(2) > 0, lambda a: a, lambda a: a, (x,))


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_stack_dataset(lib):
    D = lib.utils.data
    a = D.TensorDataset(lib.arange(6.0).reshape(3, 2))
    b = D.TensorDataset(lib.tensor([10, 11, 12]))
    s = D.StackDataset(a, b)
    assert len(s) == 3
    assert [v.tolist() for pair in s[1] for v in pair] == [[2.0, 3.0], 11]
    d = D.StackDataset(x=a, y=b)
    assert sorted(d[2]) == ["x", "y"]
    batches = list(D.DataLoader(d, batch_size=2))
    assert [sorted(bt) for bt in batches] == [["x", "y"], ["x", "y"]]
    np.testing.assert_array_equal(batches[0]["y"][0].numpy(), np.array([10, 11]))
    for args, kwargs, msg in (((a,), {"y": b}, "both types are given"), ((), {}, "At least one dataset"),
                              ((a, D.TensorDataset(lib.ones(2))), {}, "Size mismatch")):
        with pytest.raises(ValueError, match=msg):
            D.StackDataset(*args, **kwargs)
