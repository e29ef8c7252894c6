"""miniconv.nn.init: PyTorch's arguments, formulas and errors; reproducible from the seed."""
import math

import numpy as np
import pytest

import miniconv
import miniconv.nn as nn
from miniconv.nn import init


def empty(*shape):
    return miniconv.zeros(shape)  # the shape as one tuple: zeros() with no argument is a TypeError, as PyTorch


@pytest.mark.parametrize(
    "nonlinearity, param, expected",
    [("linear", None, 1), ("conv2d", None, 1), ("sigmoid", None, 1), ("tanh", None, 5.0 / 3),
     ("relu", None, math.sqrt(2.0)), ("leaky_relu", None, math.sqrt(2.0 / (1 + 0.01 ** 2))),
     ("leaky_relu", 0.2, math.sqrt(2.0 / 1.04)), ("selu", None, 0.75)],
)
def test_calculate_gain(nonlinearity, param, expected):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


def test_calculate_gain_matches_pytorch():
    torch = pytest.importorskip("torch")
    for name in ["linear", "conv1d", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.3) == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.3))


def test_constant_zeros_ones_return_the_tensor_in_place():
    t = empty(3, 4)
    assert init.constant_(t, 2.5) is t and np.all(t.detach().numpy() == 2.5)
    assert init.ones_(t) is t and np.all(t.detach().numpy() == 1)
    assert init.zeros_(t) is t and np.all(t.detach().numpy() == 0)


def test_uniform_and_normal_ranges_and_moments():
    miniconv.manual_seed(0)
    u = init.uniform_(empty(200, 100), -2.0, 3.0).detach().numpy()
    assert u.min() >= -2 and u.max() < 3 and abs(u.mean() - 0.5) < 0.05
    n = init.normal_(empty(200, 100), 1.0, 0.5).detach().numpy()
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    assert u.dtype == np.float32 and n.dtype == np.float32


@pytest.mark.parametrize("shape", [(64, 32), (32, 16, 3, 3)])
def test_kaiming_and_xavier_std_follow_the_formulas(shape):
    miniconv.manual_seed(1)
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    w = init.kaiming_normal_(empty(*shape), mode="fan_in", nonlinearity="relu").detach().numpy()
    assert w.std() == pytest.approx(math.sqrt(2.0 / fan_in), rel=0.06)
    w = init.kaiming_normal_(empty(*shape), mode="fan_out", nonlinearity="relu").detach().numpy()
    assert w.std() == pytest.approx(math.sqrt(2.0 / fan_out), rel=0.06)
    w = init.kaiming_uniform_(empty(*shape), a=math.sqrt(5)).detach().numpy()
    bound = math.sqrt(3.0) * math.sqrt(2.0 / 6.0) / math.sqrt(fan_in)  # = 1/sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    w = init.xavier_uniform_(empty(*shape), gain=2.0).detach().numpy()
    bound = 2.0 * math.sqrt(6.0 / (fan_in + fan_out))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    w = init.xavier_normal_(empty(*shape)).detach().numpy()
    assert w.std() == pytest.approx(math.sqrt(2.0 / (fan_in + fan_out)), rel=0.06)


def test_kaiming_statistics_match_pytorch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    miniconv.manual_seed(0)
    for fn, kw in [("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu")), ("kaiming_uniform_", {}),
                   ("xavier_uniform_", {}), ("xavier_normal_", dict(gain=0.5))]:
        a = getattr(init, fn)(empty(128, 64, 3, 3), **kw).detach().numpy()
        b = getattr(torch.nn.init, fn)(torch.empty(128, 64, 3, 3), **kw).numpy()
        assert a.std() == pytest.approx(b.std(), rel=0.02)


def test_seed_reproducibility_and_generator_argument():
    miniconv.manual_seed(7)
    a = init.kaiming_normal_(empty(5, 5)).detach().numpy().copy()
    miniconv.manual_seed(7)
    np.testing.assert_array_equal(a, init.kaiming_normal_(empty(5, 5)).detach().numpy())
    g = miniconv.Generator().manual_seed(3)
    b = init.normal_(empty(4), generator=g).detach().numpy().copy()
    g.manual_seed(3)
    np.testing.assert_array_equal(b, init.normal_(empty(4), generator=g).detach().numpy())


def test_init_errors():
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed for tensor with fewer than 2 dim"):
        init.kaiming_normal_(empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported, please use one of fan_in, fan_out"):
        init.kaiming_normal_(empty(3, 3), mode="fan_avg")
    with pytest.raises(TypeError, match="must be a Tensor"):
        init.zeros_(np.zeros(3))


def _outcome(fn, lib):
    """("ok", values) for a deterministic fill, ("ok", None) for a random one, else (class name, message)."""
    try:
        out = fn(lib)
    except Exception as e:  # noqa: BLE001 - compared with PyTorch's
        return type(e).__name__, str(e)
    return "ok", None if out is None else out.tolist()


def _random(t):
    """A random fill's result is not compared, only that it did not raise."""


_DTYPES = ["int64", "int32", "uint8", "bool"]
_INIT_CASES = (
    # the random fillers refuse integer and bool tensors with PyTorch's NotImplementedError (not TypeError)
    [lambda lib, d=d, n=n: _random(getattr(lib.nn.init, n)(lib.zeros(3, 4, dtype=getattr(lib, d))))
     for d in _DTYPES for n in ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                "kaiming_normal_"]]
    # ... while the constant fillers fill them
    + [lambda lib, d=d: lib.nn.init.constant_(lib.zeros(3, dtype=getattr(lib, d)), 1.7) for d in _DTYPES]
    + [lambda lib, d=d: lib.nn.init.ones_(lib.zeros(3, dtype=getattr(lib, d))) for d in _DTYPES]
    + [lambda lib, d=d: lib.nn.init.zeros_(lib.ones(3, dtype=getattr(lib, d))) for d in _DTYPES]
    # a fan check comes before the dtype; an empty integer tensor is not filled
    + [lambda lib: lib.nn.init.xavier_uniform_(lib.zeros(3, dtype=lib.int64)),
       lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(0, 3, dtype=lib.int64)),
       lambda lib: _random(lib.nn.init.normal_(lib.zeros(0, dtype=lib.int64)))]
    # std < 0 (and NaN): PyTorch's RuntimeError, before the dtype check, even on an empty tensor
    + [lambda lib, std=std, shape=shape, d=d: _random(lib.nn.init.normal_(lib.zeros(shape, dtype=getattr(lib, d)),
                                                                          std=std))
       for std in [-1, -1.0, -0.5, -1e-10, -1e20, float("nan"), float("-inf")]
       for shape, d in [((3,), "float32"), ((0,), "float32"), ((3,), "int64"), ((2, 2), "float64")]]
    # from > to
    + [lambda lib, a=a, b=b: _random(lib.nn.init.uniform_(lib.zeros(3), a, b))
       for a, b in [(2, 1), (2.5, 1.0), (1e20, -1e-7), (1, 1)]]
)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")  # PyTorch's, on kaiming_
@pytest.mark.parametrize("case", range(len(_INIT_CASES)))
def test_init_dtype_std_and_range_errors_match_pytorch(case):
    torch = pytest.importorskip("torch")
    fn = _INIT_CASES[case]
    assert _outcome(fn, miniconv) == _outcome(fn, torch)


def test_init_of_a_0d_tensor():
    """Initialisers without a fan work on a 0-d tensor; those with a fan raise PyTorch's ValueError."""
    for fn, args, value in [("zeros_", (), 0.0), ("ones_", (), 1.0), ("constant_", (2.5,), 2.5),
                            ("uniform_", (1.0, 1.0), 1.0), ("normal_", (3.0, 0.0), 3.0)]:
        t = getattr(init, fn)(empty(), *args)
        assert t.shape == () and float(t) == value
    for fn in ("kaiming_normal_", "kaiming_uniform_", "xavier_uniform_", "xavier_normal_"):
        with pytest.raises(ValueError, match="fewer than 2 dimensions"):
            getattr(init, fn)(empty())


def test_init_on_parameters_does_not_record_a_graph():
    lin = nn.Linear(3, 2)
    init.kaiming_normal_(lin.weight)
    init.zeros_(lin.bias)
    assert lin.weight.grad_fn is None and lin.weight.requires_grad
    assert np.all(lin.bias.detach().numpy() == 0)


def test_init_param_pattern_of_the_mnist_example():
    """The example's init_param(): walk self.modules() and initialise by type."""

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))

        def init_param(self):
            for m in self.modules():
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_normal_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm1d):
                    nn.init.constant_(m.weight, 1)
                    nn.init.constant_(m.bias, 0)

    m = Model()
    m.init_param()
    assert np.all(m.net[0].bias.detach().numpy() == 0) and np.all(m.net[1].weight.detach().numpy() == 1)
    assert m.net[3].weight.detach().numpy().std() > 0
