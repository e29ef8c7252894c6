"""``nn.LazyLinear`` as Dive into Deep Learning uses it: built without ``in_features``, optimizer made before
the first call, ``apply(init)`` after a dry run. The same code on both libraries, compared."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

X = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((4, 1)).astype(np.float32)


def _sync(model, lib, seed=0):
    rng = np.random.default_rng(seed)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape)).astype(np.float32)))


def _net(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))


def test_repr_class_and_in_features_before_and_after():
    reprs = []
    for lib in (torch, miniconv):
        net = _net(lib)
        before = repr(net)
        assert type(net[1]).__name__ == "LazyLinear" and net[1].in_features == 0
        net(lib.from_numpy(X))
        assert type(net[1]) is lib.nn.Linear and net[1].in_features == 5 and net[3].in_features == 8
        assert tuple(net[1].weight.shape) == (8, 5) and tuple(net[3].bias.shape) == (1,)
        assert type(net[1].weight) is lib.nn.Parameter
        reprs.append((before.replace("miniconv", "torch"), repr(net)))
    assert reprs[0] == reprs[1]


def test_optimizer_built_before_first_call_trains_like_torch():
    """d2l's Trainer calls ``configure_optimizers()`` (SGD over the placeholders) before any forward."""
    losses, weights = [], []
    for lib in (torch, miniconv):
        net = _net(lib)
        params = list(net.parameters())
        opt = lib.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        assert all(type(p).__name__ == "UninitializedParameter" for p in params)
        with lib.no_grad():
            net(lib.from_numpy(X))  # the dry run
        assert all(a is b for a, b in zip(params, net.parameters()))  # same objects, now materialized
        _sync(net, lib)
        run = []
        for _ in range(4):
            loss = lib.nn.functional.mse_loss(net(lib.from_numpy(X)), lib.from_numpy(Y))
            opt.zero_grad()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
        weights.append(net[1].weight.detach().numpy().copy())
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
    np.testing.assert_allclose(weights[1], weights[0], rtol=1e-5, atol=1e-6)


def test_apply_init_after_dry_run_sees_linear():
    """d2l's ``apply_init``: ``forward`` then ``net.apply(init)`` testing ``type(m) == nn.Linear``."""
    for lib in (torch, miniconv):
        nn = lib.nn
        seen = []

        def init(m):
            if type(m) == nn.Linear:  # noqa: E721 - the textbook's test
                seen.append(tuple(m.weight.shape))
                nn.init.zeros_(m.bias)

        net = _net(lib)
        net(lib.from_numpy(X))
        net.apply(init)
        assert seen == [(8, 5), (1, 8)]


def test_bias_false_dtype_and_leading_dims():
    for lib in (torch, miniconv):
        layer = lib.nn.LazyLinear(3, bias=False, dtype=lib.float64)
        assert layer.bias is None
        out = layer(lib.ones(2, 4, 6, dtype=lib.float64))
        assert tuple(out.shape) == (2, 4, 3) and out.dtype == lib.float64
        assert tuple(layer.weight.shape) == (3, 6) and layer.weight.dtype == lib.float64


def test_default_init_bounds_after_materialize():
    for lib in (torch, miniconv):
        layer = lib.nn.LazyLinear(200)
        layer(lib.ones(1, 25))
        w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        assert np.abs(w).max() <= 0.2 and np.abs(w).max() > 0.15  # U(-1/sqrt(25), 1/sqrt(25))
        assert np.abs(b).max() <= 0.2 and np.abs(b).std() > 0


def test_load_state_dict_into_lazy_module():
    for lib in (torch, miniconv):
        full = _net(lib)
        full(lib.from_numpy(X))
        _sync(full, lib, seed=3)
        lazy = _net(lib)
        lazy.load_state_dict(full.state_dict())
        np.testing.assert_array_equal(lazy[1].weight.detach().numpy(), full[1].weight.detach().numpy())
        out = lazy(lib.from_numpy(X))  # already initialized: the loaded values are kept
        np.testing.assert_allclose(out.detach().numpy(), full(lib.from_numpy(X)).detach().numpy(), rtol=1e-6)
        assert type(lazy[1]) is lib.nn.Linear


def test_uninitialized_parameter_shape_error_and_repr():
    msgs = []
    for lib in (torch, miniconv):
        p = lib.nn.UninitializedParameter()
        assert repr(p) == "<UninitializedParameter>"
        assert isinstance(p, lib.nn.Parameter) and p.requires_grad
        with pytest.raises(RuntimeError) as e:
            p.shape  # noqa: B018
        msgs.append(str(e.value))
        p.materialize((2, 3))
        assert type(p) is lib.nn.Parameter and tuple(p.shape) == (2, 3)
    assert msgs[0] == msgs[1]


def test_uninitialized_buffer_materializes_to_tensor():
    for lib in (torch, miniconv):
        b = lib.nn.UninitializedBuffer()
        b.materialize((4,))
        assert type(b) is lib.Tensor and tuple(b.shape) == (4,) and not b.requires_grad
