"""NumPy's argument names on torch.nn.functional: the functions PyTorch binds natively (cosine_similarity,
pairwise_distance, gelu, linear, conv2d, ...) take axis=/keepdims= and x=/a=/x1= for input=, as its argument
parser does; the ones it writes in Python (softmax, log_softmax, normalize, ...) refuse them. Each call runs on
both libraries and must give the same value, or the same TypeError with the same message."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import miniconv  # noqa: E402
import miniconv.nn.functional as MF  # noqa: E402
from miniconv._numpy_args import NATIVE_IN_TORCH_FUNCTIONAL  # noqa: E402

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
IDX = np.array([0, 2, 1, 3], dtype=np.int64)


def run(lib, F, call):
    t = lambda a: lib.tensor(a)  # noqa: E731
    return call(F, lib, t)


CALLS = {
    "cosine_similarity axis": lambda F, L, t: F.cosine_similarity(t(A), t(B), axis=0),
    "cosine_similarity x1 x2 axis": lambda F, L, t: F.cosine_similarity(x1=t(A), x2=t(B), axis=0),
    "cosine_similarity dim and axis": lambda F, L, t: F.cosine_similarity(t(A), t(B), dim=1, axis=1),
    "cosine_similarity positional dim and axis": lambda F, L, t: F.cosine_similarity(t(A), t(B), 1, axis=1),
    "cosine_similarity keepdim": lambda F, L, t: F.cosine_similarity(t(A), t(B), keepdim=True),
    "pairwise_distance keepdims": lambda F, L, t: F.pairwise_distance(t(A), t(B), keepdims=True),
    "pairwise_distance keepdim and keepdims": lambda F, L, t: F.pairwise_distance(t(A), t(B), keepdim=True,
                                                                                  keepdims=True),
    "pairwise_distance axis": lambda F, L, t: F.pairwise_distance(t(A), t(B), axis=0),
    "softmax axis": lambda F, L, t: F.softmax(t(A), axis=0),
    "softmax x": lambda F, L, t: F.softmax(x=t(A), dim=0),
    "log_softmax axis": lambda F, L, t: F.log_softmax(t(A), axis=1),
    "softmin axis": lambda F, L, t: F.softmin(t(A), axis=1),
    "normalize axis": lambda F, L, t: F.normalize(t(A), axis=0),
    "glu axis": lambda F, L, t: F.glu(t(A), axis=1),
    "gelu x": lambda F, L, t: F.gelu(x=t(A)),
    "gelu a": lambda F, L, t: F.gelu(a=t(A), approximate="tanh"),
    "gelu input and x": lambda F, L, t: F.gelu(x=t(A), input=t(A)),
    "gelu positional and x": lambda F, L, t: F.gelu(t(A), x=t(A)),
    "gelu x and a": lambda F, L, t: F.gelu(x=t(A), a=t(A)),
    "softplus x1": lambda F, L, t: F.softplus(x1=t(A), beta=2),
    "logsigmoid x": lambda F, L, t: F.logsigmoid(x=t(A)),
    "hardshrink a": lambda F, L, t: F.hardshrink(a=t(A), lambd=0.3),
    "linear a": lambda F, L, t: F.linear(a=t(A), weight=t(B)),
    "prelu x": lambda F, L, t: F.prelu(x=t(A), weight=L.ones(1) * 0.25),
    "conv1d x": lambda F, L, t: F.conv1d(x=t(A[None]), weight=t(B[:, :, None][:2, :3])),
    "avg_pool1d x": lambda F, L, t: F.avg_pool1d(x=t(A[None]), kernel_size=2),
    "pdist x": lambda F, L, t: F.pdist(x=t(A)),
    "one_hot x": lambda F, L, t: F.one_hot(x=t(IDX)),
    "one_hot input": lambda F, L, t: F.one_hot(input=t(IDX), num_classes=5),
    "one_hot tensor": lambda F, L, t: F.one_hot(tensor=t(IDX)),
    "one_hot axis": lambda F, L, t: F.one_hot(t(IDX), 4, axis=1),
    "relu_ x": lambda F, L, t: F.relu_(x=t(A)),
    "relu x": lambda F, L, t: F.relu(x=t(A)),
    "dropout x": lambda F, L, t: F.dropout(x=t(A), training=False),
    "silu a": lambda F, L, t: F.silu(a=t(A)),
    "torch.sum x": lambda F, L, t: L.sum(x=t(A), axis=1, keepdims=True),
    "torch.sum axis and dim": lambda F, L, t: L.sum(t(A), axis=0, dim=0),
    "torch.sum positional dim and axis": lambda F, L, t: L.sum(t(A), 0, axis=0),
    "torch.amax a keepdims": lambda F, L, t: L.amax(a=t(A), axis=0, keepdims=True),
}


def outcome(lib, F, call):
    try:
        return "ok", np.asarray(run(lib, F, call).detach().numpy(), dtype=np.float64)
    except TypeError as e:
        return "TypeError", str(e)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_same_acceptance_value_and_message_as_torch(name):
    kind_t, theirs = outcome(torch, TF, CALLS[name])
    kind_m, ours = outcome(miniconv, MF, CALLS[name])
    assert kind_m == kind_t, (ours, theirs)
    if kind_t == "ok":
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    elif name not in MISSING_FIRST:
        assert ours == theirs


# PyTorch's parser reports a missing required argument before an unknown keyword (one_hot's documented name
# ``tensor`` is not its parser's name ``input``): the same TypeError, Python's wording for the unknown keyword
MISSING_FIRST = {"one_hot tensor"}


@pytest.mark.parametrize("name", sorted(NATIVE_IN_TORCH_FUNCTIONAL))
def test_native_list_matches_torch(name):
    """The names wrapped are the ones PyTorch 2.13 binds natively (its parser, and so its aliases, apply)."""
    import types

    assert isinstance(getattr(TF, name), types.BuiltinFunctionType)
    assert getattr(MF, name)._numpy_aliases


def test_python_written_functionals_are_not_wrapped():
    import types

    native = {n for n in dir(TF) if isinstance(getattr(TF, n), types.BuiltinFunctionType) and not n.startswith("_")}
    for name in ("softmax", "log_softmax", "normalize", "relu", "dropout", "cross_entropy", "layer_norm"):
        assert name not in native
        assert not getattr(getattr(MF, name), "_numpy_aliases", False)


def test_gradients_flow_through_an_alias():
    xt = torch.tensor(A, requires_grad=True)
    xm = miniconv.tensor(A, requires_grad=True)
    TF.cosine_similarity(x1=xt, x2=torch.tensor(B), axis=0).sum().backward()
    MF.cosine_similarity(x1=xm, x2=miniconv.tensor(B), axis=0).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
