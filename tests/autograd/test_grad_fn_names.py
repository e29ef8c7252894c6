"""The names of autograd nodes as PyTorch prints them (``print(y)`` -> ``grad_fn=<AddmmBackward0>``,
``y.grad_fn.name()``, ``repr(y.grad_fn)`` -> ``<SumBackward0 object at 0x...>``): the same user code on both
libraries, compared, for the ops where miniconv's node is the one PyTorch records."""
import re

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

OPS = {
    "add": lambda L, a, b: a + b, "mul": lambda L, a, b: a * b, "pow": lambda L, a, b: a ** 2,
    "mm": lambda L, a, b: a @ b.t(), "dot": lambda L, a, b: a[0] @ b[0], "mv": lambda L, a, b: a @ b[0],
    "sum": lambda L, a, b: a.sum(), "sum_dim": lambda L, a, b: a.sum(1), "mean": lambda L, a, b: a.mean(),
    "mean_dim": lambda L, a, b: a.mean(0), "relu": lambda L, a, b: L.relu(a),
    "F.relu": lambda L, a, b: L.nn.functional.relu(a), "view": lambda L, a, b: a.view(-1),
    "flatten": lambda L, a, b: a.flatten(), "max": lambda L, a, b: a.max(), "max_dim": lambda L, a, b: a.max(1)[0],
    "amax": lambda L, a, b: a.amax(1), "clamp": lambda L, a, b: a.clamp(0, 1), "double": lambda L, a, b: a.double(),
    "repeat": lambda L, a, b: a.repeat(2, 1), "cumsum": lambda L, a, b: a.cumsum(1), "norm": lambda L, a, b: a.norm(),
    "dropout": lambda L, a, b: L.nn.functional.dropout(a, 0.5),
    "leaky_relu": lambda L, a, b: L.nn.functional.leaky_relu(a),
    "linear_bias": lambda L, a, b: L.nn.functional.linear(a, b, b[:, 0]),
    "linear": lambda L, a, b: L.nn.functional.linear(a, b),
    "linear_3d": lambda L, a, b: L.nn.functional.linear(a[None], b),
    "nn.Linear": lambda L, a, b: L.nn.Linear(4, 2)(a),
    "cross_entropy": lambda L, a, b: L.nn.functional.cross_entropy(a, L.tensor([0, 1, 2])),
    "mse_loss": lambda L, a, b: L.nn.functional.mse_loss(a, b),
}


@pytest.mark.parametrize("op", list(OPS))
def test_node_name_matches_torch(op):
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    names, reprs, printed = [], [], []
    for lib in (torch, miniconv):
        a, b = (lib.tensor(x, requires_grad=True) for x in arrays)
        y = OPS[op](lib, a, b)
        names.append(y.grad_fn.name())
        reprs.append(re.sub(r"0x[0-9a-f]+", "ADDR", repr(y.grad_fn)))
        printed.append(repr(y).split("grad_fn=")[1])
    assert names[1] == names[0]
    assert reprs[1] == reprs[0] == f"<{names[0]} object at ADDR>"
    assert printed[1] == printed[0]
