"""Every layer's forward and backward against PyTorch itself, with the same inputs and parameters."""
import numpy as np
import pytest

import miniconv
import miniconv.nn as nn
import miniconv.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def pair(arr, requires_grad=True):
    """The same array as a miniconv Tensor and a torch tensor."""
    arr = np.ascontiguousarray(arr)
    return (miniconv.tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f"),
            torch.tensor(arr, requires_grad=requires_grad and arr.dtype.kind == "f"))


def close(a, b, rtol=1e-5, atol=1e-5):
    a = a.detach().numpy() if isinstance(a, miniconv.Tensor) else np.asarray(a)
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def check(fn_mc, fn_torch, *arrays, seed=0, rtol=1e-5, atol=1e-5):
    """Run both functions, compare outputs, backprop the same random gradient, compare input grads."""
    mc_in, t_in = zip(*(pair(a) for a in arrays))
    out_mc, out_t = fn_mc(*mc_in), fn_torch(*t_in)
    close(out_mc, out_t, rtol, atol)
    g = np.random.default_rng(seed).standard_normal(tuple(out_t.shape)).astype(arrays[0].dtype)
    out_mc.backward(miniconv.tensor(g))
    out_t.backward(torch.tensor(g))
    for a, b in zip(mc_in, t_in):
        if b.requires_grad:
            close(a.grad, b.grad, rtol, atol)


def randn(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def copy_params(mc_module, torch_module):
    """Give the torch module the miniconv module's parameters and buffers."""
    target = torch_module.state_dict()  # shares memory with the module
    assert list(target) == list(mc_module.state_dict())
    with torch.no_grad():
        for name, p in mc_module.state_dict().items():
            target[name].copy_(torch.tensor(p.detach().numpy()))


# ---------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
def test_linear(bias):
    lin = nn.Linear(6, 4, bias=bias)
    tl = torch.nn.Linear(6, 4, bias=bias)
    copy_params(lin, tl)
    check(lin, tl, randn(3, 2, 6))
    close(lin.weight.grad, tl.weight.grad)
    if bias:
        close(lin.bias.grad, tl.bias.grad)


def test_linear_default_init_distribution_matches_pytorch():
    miniconv.manual_seed(0)
    torch.manual_seed(0)
    w_mc = nn.Linear(400, 300).weight.detach().numpy()
    w_t = torch.nn.Linear(400, 300).weight.detach().numpy()
    assert abs(w_mc.std() - w_t.std()) < 0.02 * w_t.std()
    assert abs(np.abs(w_mc).max() - np.abs(w_t).max()) < 1e-3


@pytest.mark.parametrize("cls, shape", [("BatchNorm2d", (4, 3, 5, 6)), ("BatchNorm1d", (6, 3)),
                                        ("BatchNorm1d", (4, 3, 7))])
@pytest.mark.parametrize("kwargs", [{}, dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
                                    dict(momentum=0.3, eps=1e-3)])
def test_batch_norm_training_steps_then_eval(cls, shape, kwargs):
    bn, tbn = getattr(nn, cls)(3, **kwargs), getattr(torch.nn, cls)(3, **kwargs)
    if bn.affine:
        bn.weight.detach().numpy()[...] = randn(3, seed=1)
        bn.bias.detach().numpy()[...] = randn(3, seed=2)
    copy_params(bn, tbn)
    for step in range(3):
        x = randn(*shape, seed=10 + step) * 2 + 1
        check(bn, tbn, x, seed=step, atol=1e-4)
        if bn.affine:
            close(bn.weight.grad, tbn.weight.grad, atol=1e-4)
            close(bn.bias.grad, tbn.bias.grad, atol=1e-4)
    for name, t in tbn.state_dict().items():
        close(bn.state_dict()[name], t)
    bn.eval()
    tbn.eval()
    check(bn, tbn, randn(*shape, seed=99), atol=1e-4)


def test_batch_norm_float64():
    x = randn(5, 2, 3, 3, dtype=np.float64)
    bn, tbn = nn.BatchNorm2d(2, dtype=miniconv.float64), torch.nn.BatchNorm2d(2, dtype=torch.float64)
    check(bn, tbn, x, rtol=1e-10, atol=1e-10)
    close(bn.running_var, tbn.running_var, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel_size=2), dict(kernel_size=2, stride=1), dict(kernel_size=3, stride=2, padding=1),
     dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1), ceil_mode=True),
     dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, ceil_mode=True)],
)
def test_max_pool2d(kwargs):
    x = randn(2, 3, 9, 7)
    x[0, 0, :2, :2] = 1.0  # ties
    x[1, 2, 4, 4] = np.nan
    mc_in, t_in = pair(x)
    (om, im), (ot, it) = F.max_pool2d(mc_in, return_indices=True, **kwargs), TF.max_pool2d(t_in, return_indices=True,
                                                                                            **kwargs)
    close(om, ot, 0, 0)
    np.testing.assert_array_equal(im.detach().numpy(), it.numpy())
    check(nn.MaxPool2d(**kwargs), torch.nn.MaxPool2d(**kwargs), randn(2, 3, 9, 7, seed=4), rtol=0, atol=0)


def test_max_pool2d_unbatched_and_float64():
    check(nn.MaxPool2d(2), torch.nn.MaxPool2d(2), randn(3, 6, 5, dtype=np.float64), rtol=0, atol=0)


@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
     dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
     dict(kernel_size=(4, 2), stride=(3, 1), padding=(2, 1), ceil_mode=True),
     dict(kernel_size=3, stride=2, padding=1, divisor_override=5)],
)
def test_avg_pool2d(kwargs):
    check(nn.AvgPool2d(**kwargs), torch.nn.AvgPool2d(**kwargs), randn(2, 3, 9, 8))


@pytest.mark.parametrize("size", [1, (3, 5), (None, 2), (7, 7), (9, 8)])
def test_adaptive_avg_pool2d(size):
    check(nn.AdaptiveAvgPool2d(size), torch.nn.AdaptiveAvgPool2d(size), randn(2, 3, 9, 8))


@pytest.mark.parametrize(
    "name, args",
    [("ReLU", ()), ("LeakyReLU", (0.2,)), ("Sigmoid", ()), ("Tanh", ()), ("Softmax", (1,)), ("LogSoftmax", (1,)),
     ("Softmax", (-1,)), ("LogSoftmax", (0,)), ("Flatten", ()), ("Flatten", (0, 2)), ("Identity", ())],
)
def test_elementwise_and_shape_layers(name, args):
    x = randn(3, 4, 2, 5) * 3
    check(getattr(nn, name)(*args), getattr(torch.nn, name)(*args), x)


def test_relu_inplace_after_linear():
    lin = nn.Linear(5, 4)
    tl = torch.nn.Linear(5, 4)
    copy_params(lin, tl)
    check(nn.Sequential(lin, nn.ReLU(inplace=True)), torch.nn.Sequential(tl, torch.nn.ReLU(inplace=True)),
          randn(3, 5))
    close(lin.weight.grad, tl.weight.grad)


def test_dropout_statistics_match_pytorch_meaning():
    # the masks come from different generators, so compare what they mean: scale and rate
    x = np.ones((400, 100), np.float32)
    miniconv.manual_seed(0)
    torch.manual_seed(0)
    for p in (0.2, 0.5):
        a, b = F.dropout(miniconv.tensor(x), p).detach().numpy(), TF.dropout(torch.tensor(x), p).numpy()
        assert set(np.unique(a)) == set(np.unique(b))
        assert abs((a == 0).mean() - (b == 0).mean()) < 0.01
    xs = np.ones((50, 40, 2, 2), np.float32)
    a, b = nn.Dropout2d(0.5)(miniconv.tensor(xs)).detach().numpy(), torch.nn.Dropout2d(0.5)(torch.tensor(xs)).numpy()
    assert set(np.unique(a)) == set(np.unique(b))
    for y in (a, b):  # whole channels
        assert np.all(y.reshape(50, 40, 4).min(axis=2) == y.reshape(50, 40, 4).max(axis=2))
    x3 = np.ones((30, 20, 6), np.float32)  # 3-D: both read it as (N, C, L), with the same warning
    with pytest.warns(UserWarning) as w_mc:
        a = F.dropout2d(miniconv.tensor(x3), 0.5).detach().numpy()
    with pytest.warns(UserWarning) as w_t:
        b = TF.dropout2d(torch.tensor(x3), 0.5).numpy()
    assert [str(w.message) for w in w_mc] == [str(w.message) for w in w_t]
    for y in (a, b):
        assert np.all(y.min(axis=2) == y.max(axis=2)) and 0 < (y == 0).mean() < 1


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(reduction="sum"), dict(reduction="none"), dict(weight=True), dict(label_smoothing=0.2),
     dict(weight=True, label_smoothing=0.1), dict(weight=True, label_smoothing=0.3, reduction="sum"),
     dict(ignore_index=2, weight=True, label_smoothing=0.2), dict(ignore_index=2, reduction="none")],
)
def test_cross_entropy_and_nll_index_targets(kwargs):
    kw_mc, kw_t = dict(kwargs), dict(kwargs)
    if kwargs.get("weight"):
        w = np.array([0.5, 2.0, 1.0, 1.5, 0.7], np.float32)
        kw_mc["weight"], kw_t["weight"] = miniconv.tensor(w), torch.tensor(w)
    target = np.array([0, 4, 2, -100, 1, 3, 2], np.int64)
    if "ignore_index" in kwargs:
        target[3] = 1
    t_mc, t_t = miniconv.tensor(target), torch.tensor(target)
    x = randn(7, 5) * 2
    loss_mc = lambda a: nn.CrossEntropyLoss(**kw_mc)(a, t_mc)  # noqa: E731
    loss_t = lambda a: torch.nn.CrossEntropyLoss(**kw_t)(a, t_t)  # noqa: E731
    check(loss_mc, loss_t, x, rtol=1e-5, atol=1e-6)
    kw_mc.pop("label_smoothing", None)
    kw_t.pop("label_smoothing", None)
    check(lambda a: F.nll_loss(F.log_softmax(a, 1), t_mc, **kw_mc),
          lambda a: TF.nll_loss(TF.log_softmax(a, 1), t_t, **kw_t), x, rtol=1e-5, atol=1e-6)


def test_cross_entropy_spatial_unbatched_and_probability_targets():
    t4 = np.random.default_rng(0).integers(0, 5, (2, 3, 4))
    for kw in ({}, dict(reduction="none"), dict(label_smoothing=0.1)):
        check(lambda a: F.cross_entropy(a, miniconv.tensor(t4), **kw),
              lambda a: TF.cross_entropy(a, torch.tensor(t4), **kw), randn(2, 5, 3, 4))
    check(lambda a: F.cross_entropy(a, miniconv.tensor(3), label_smoothing=0.2),
          lambda a: TF.cross_entropy(a, torch.tensor(3), label_smoothing=0.2), randn(5))
    p = np.random.default_rng(1).random((6, 5)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    w = np.array([0.5, 2.0, 1.0, 1.5, 0.7], np.float32)
    for kw in ({}, dict(reduction="none"), dict(label_smoothing=0.2)):
        check(lambda a: F.cross_entropy(a, miniconv.tensor(p), weight=miniconv.tensor(w), **kw),
              lambda a: TF.cross_entropy(a, torch.tensor(p), weight=torch.tensor(w), **kw), randn(6, 5))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    check(nn.MSELoss(reduction=reduction), torch.nn.MSELoss(reduction=reduction), randn(4, 3), randn(4, 3, seed=1))


def test_error_messages_match_pytorch():
    cases = [
        lambda m: m.nn.functional.max_pool2d(m.randn(1, 1, 4, 4), 2, padding=2),
        lambda m: m.nn.functional.max_pool2d(m.randn(1, 1, 4, 4), 3, padding=2, dilation=2),
        lambda m: m.nn.functional.max_pool2d(m.randn(1, 1, 4, 4), 5),
        lambda m: m.nn.functional.avg_pool2d(m.randn(1, 1, 4, 4), 2, padding=2),
        lambda m: m.nn.functional.max_pool2d(m.randn(4, 4), 2),
        lambda m: m.nn.Dropout(1.5),
        lambda m: m.nn.BatchNorm2d(3)(m.randn(2, 3, 4)),
        lambda m: m.nn.BatchNorm1d(3)(m.randn(2, 3, 4, 5)),
        lambda m: m.nn.BatchNorm1d(3)(m.randn(1, 3)),
        lambda m: m.nn.Linear(3, 4)(m.randn(2, 5)),
        lambda m: m.nn.functional.cross_entropy(m.randn(2, 3), m.tensor([0, 1, 1])),
        lambda m: m.nn.functional.cross_entropy(m.randn(2, 3), m.tensor([0.0, 1.0])),
        lambda m: m.nn.functional.cross_entropy(m.randn(2, 3), m.tensor([0, 1]), reduction="foo"),
    ]
    for case in cases:
        with pytest.raises(Exception) as e_t:
            case(torch)
        with pytest.raises(Exception) as e_mc:
            case(miniconv)
        assert type(e_mc.value) is type(e_t.value)
        assert str(e_mc.value) == str(e_t.value).replace("torch.Size", "miniconv.Size")
    # out-of-range targets: PyTorch's sentence, then the valid range
    with pytest.raises(IndexError) as e_t:
        TF.cross_entropy(torch.randn(2, 3), torch.tensor([0, 3]))
    with pytest.raises(IndexError) as e_mc:
        F.cross_entropy(miniconv.randn(2, 3), miniconv.tensor([0, 3]))
    assert str(e_mc.value).startswith(str(e_t.value))


def test_reprs_match_pytorch():
    for name, args, kwargs in [
        ("Linear", (3136, 1024), {}), ("BatchNorm2d", (32,), {}), ("BatchNorm1d", (3,), dict(momentum=None)),
        ("BatchNorm2d", (4,), dict(affine=False, track_running_stats=False)), ("ReLU", (), {}),
        ("ReLU", (), dict(inplace=True)), ("LeakyReLU", (), {}), ("MaxPool2d", (2, 2), {}),
        ("MaxPool2d", (3,), dict(stride=1, padding=1, ceil_mode=True)), ("AvgPool2d", (2,), {}),
        ("AdaptiveAvgPool2d", ((1, 1),), {}), ("Dropout", (), {}), ("Dropout2d", (0.5,), {}), ("Flatten", (), {}),
        ("Identity", (), {}), ("Softmax", (), dict(dim=1)), ("CrossEntropyLoss", (), {}), ("NLLLoss", (), {}),
        ("MSELoss", (), {}), ("Tanh", (), {}), ("Sigmoid", (), {}), ("Unflatten", (1, (2, 2)), {}),
    ]:
        assert repr(getattr(nn, name)(*args, **kwargs)) == repr(getattr(torch.nn, name)(*args, **kwargs))


def test_composed_model_trains_in_lockstep_with_pytorch():
    """A small pool/BN/linear model under both libraries: same losses and gradients for a few SGD steps."""

    def build(nn_mod):
        return nn_mod.Sequential(
            nn_mod.BatchNorm2d(2), nn_mod.ReLU(), nn_mod.MaxPool2d(2), nn_mod.AvgPool2d(2, 1), nn_mod.Dropout2d(0.0),
            nn_mod.Flatten(), nn_mod.Linear(2 * 3 * 3, 16), nn_mod.BatchNorm1d(16), nn_mod.ReLU(inplace=True),
            nn_mod.Dropout(0.0), nn_mod.Linear(16, 5),
        )

    m, t = build(nn), build(torch.nn)
    copy_params(m, t)
    loss_m, loss_t = nn.CrossEntropyLoss(label_smoothing=0.1), torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    rng = np.random.default_rng(0)
    for step in range(4):
        x = rng.standard_normal((8, 2, 8, 8)).astype(np.float32)
        y = rng.integers(0, 5, 8)
        lm = loss_m(m(miniconv.tensor(x)), miniconv.tensor(y))
        lt = loss_t(t(torch.tensor(x)), torch.tensor(y))
        close(lm, lt, rtol=1e-5)
        lm.backward()
        lt.backward()
        with torch.no_grad():
            for (name, pm), pt in zip(m.named_parameters(), t.parameters()):
                close(pm.grad, pt.grad, rtol=1e-4, atol=1e-5)
                pm.data -= 0.1 * pm.grad
                pt -= 0.1 * pt.grad
        m.zero_grad()
        t.zero_grad()
    m.eval()
    t.eval()
    x = rng.standard_normal((3, 2, 8, 8)).astype(np.float32)
    close(m(miniconv.tensor(x)), t(torch.tensor(x)), rtol=1e-4, atol=1e-5)


def test_pytorch_state_dict_loads_into_miniconv():
    """Same keys, shapes and dtypes: a trained PyTorch model's state dict (as arrays) loads as is."""

    def build(nn_mod):
        return nn_mod.Sequential(nn_mod.Flatten(), nn_mod.Linear(12, 6), nn_mod.BatchNorm1d(6), nn_mod.ReLU(),
                                 nn_mod.Linear(6, 3))

    t, m = build(torch.nn), build(nn)
    for _ in range(3):
        t(torch.randn(5, 3, 4))  # move the running statistics
    t.eval()
    m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert m[2].num_batches_tracked.item() == 3 and m[2].num_batches_tracked.dtype == miniconv.int64
    m.eval()
    x = randn(4, 3, 4)
    close(m(miniconv.tensor(x)), t(torch.tensor(x)))
