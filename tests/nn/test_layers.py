"""Layers and their functional forms without PyTorch: gradcheck (float64), semantics, errors, repr.

Parity with PyTorch itself is in test_layers_torch_parity.py.
"""
import warnings

import numpy as np
import pytest

import miniconv
import miniconv.nn as nn
import miniconv.nn.functional as F
from miniconv.autograd import gradcheck


def rand(*shape, seed=0, requires_grad=True):
    rng = np.random.default_rng(seed)
    return miniconv.tensor(rng.standard_normal(shape), dtype=miniconv.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------
# gradcheck of every differentiable op (float64)
# ---------------------------------------------------------------------------
def test_gradcheck_linear():
    x, w, b = rand(2, 3, 4), rand(5, 4, seed=1), rand(5, seed=2)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), (x, w, b))
    assert gradcheck(lambda x, w: F.linear(x, w), (x, w))


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_batch_norm(training):
    x, w, b = rand(4, 3, 2, 2), rand(3, seed=1), rand(3, seed=2)
    rm, rv = miniconv.zeros(3, dtype=miniconv.float64), miniconv.ones(3, dtype=miniconv.float64) * 2
    fn = lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.0)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    # BatchNorm1d-shaped input, no affine
    assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (rand(5, 3),))


@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=(2, 3), stride=1, dilation=(2, 1),
                                                                           ceil_mode=True)],
)
def test_gradcheck_max_pool2d(kwargs):
    x = rand(2, 2, 6, 7)  # continuous random values: no ties, so the max is differentiable
    assert gradcheck(lambda x: F.max_pool2d(x, **kwargs), (x,))


@pytest.mark.parametrize(
    "kwargs",
    [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
     dict(kernel_size=3, stride=2, padding=1, divisor_override=4)],
)
def test_gradcheck_avg_pool2d(kwargs):
    assert gradcheck(lambda x: F.avg_pool2d(x, **kwargs), (rand(2, 2, 6, 7),))


def test_gradcheck_adaptive_avg_pool2d():
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (rand(2, 2, 7, 5),))
    assert gradcheck(lambda x: F.adaptive_avg_pool2d(x, 1), (rand(2, 6, 5),))


def test_gradcheck_activations():
    x = rand(3, 4)
    assert gradcheck(lambda x: F.relu(x), (x,))
    assert gradcheck(lambda x: F.leaky_relu(x, 0.2), (x,))
    assert gradcheck(lambda x: F.sigmoid(x), (x,))
    assert gradcheck(lambda x: F.tanh(x), (x,))
    assert gradcheck(lambda x: F.softmax(x, dim=1), (x,))
    assert gradcheck(lambda x: F.log_softmax(x, dim=0), (x,))


def test_gradcheck_dropout_with_fixed_mask():
    x = rand(4, 3, 2, 2)
    for fn in (F.dropout, F.dropout2d):
        g1 = miniconv.Generator().manual_seed(3)

        def f(x, fn=fn):
            g1.manual_seed(3)  # same mask on every call
            return fn(x, 0.4, True, generator=g1)

        assert gradcheck(f, (x,))


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(reduction="sum"), dict(reduction="none"), dict(label_smoothing=0.2), dict(weight=True),
     dict(weight=True, label_smoothing=0.1, ignore_index=1)],
)
def test_gradcheck_cross_entropy_and_nll(kwargs):
    kwargs = dict(kwargs)
    if kwargs.get("weight"):
        kwargs["weight"] = miniconv.tensor([0.5, 2.0, 1.0, 1.5], dtype=miniconv.float64)
    x = rand(5, 4)
    t = miniconv.tensor([0, 3, 1, 1, 2])
    assert gradcheck(lambda x: F.cross_entropy(x, t, **kwargs), (x,))
    kwargs.pop("label_smoothing", None)
    assert gradcheck(lambda x: F.nll_loss(x, t, **kwargs), (x,))


def test_gradcheck_cross_entropy_probability_targets_and_spatial():
    p = F.softmax(rand(3, 4, seed=5, requires_grad=False), dim=1)
    assert gradcheck(lambda x: F.cross_entropy(x, p, label_smoothing=0.1), (rand(3, 4),))
    t = miniconv.tensor(np.random.default_rng(0).integers(0, 3, (2, 2, 3)))
    assert gradcheck(lambda x: F.cross_entropy(x, t), (rand(2, 3, 2, 3),))


def test_gradcheck_mse_both_arguments():
    assert gradcheck(lambda a, b: F.mse_loss(a, b), (rand(3, 2), rand(3, 2, seed=1)))


# ---------------------------------------------------------------------------
# numeric semantics that do not need PyTorch
# ---------------------------------------------------------------------------
def test_linear_default_init_bounds_and_shapes():
    miniconv.manual_seed(0)
    lin = nn.Linear(100, 7)
    assert lin.weight.shape == (7, 100) and lin.bias.shape == (7,)
    assert lin.weight.dtype == miniconv.float32
    bound = 1 / np.sqrt(100)  # kaiming_uniform_(a=sqrt(5)) gives the same bound as the bias
    assert np.abs(lin.weight.detach().numpy()).max() <= bound and np.abs(lin.weight.detach().numpy()).max() > 0.9 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=miniconv.float64).weight.dtype == miniconv.float64
    y = lin(miniconv.randn(4, 5, 100))
    assert y.shape == (4, 5, 7)
    with pytest.raises(RuntimeError, match="miniconv runs on the CPU only"):
        nn.Linear(3, 2, device="cuda")


def test_linear_shape_and_dtype_errors():
    lin = nn.Linear(3, 4)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x5 and 3x4\)"):
        lin(miniconv.randn(2, 5))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double and Float"):
        lin(miniconv.randn(2, 3, dtype=miniconv.float64))


def test_batch_norm_running_stats_update_and_eval():
    bn = nn.BatchNorm2d(2, momentum=0.5)
    x = miniconv.tensor(np.random.default_rng(0).standard_normal((4, 2, 3, 3)) * 2 + 1, dtype=miniconv.float32)
    y = bn(x)
    xd = x.detach().numpy().astype(np.float64)
    mean, var = xd.mean(axis=(0, 2, 3)), xd.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.detach().numpy(), ((xd - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)), atol=1e-5)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), 0.5 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), 0.5 + 0.5 * xd.var(axis=(0, 2, 3), ddof=1), rtol=1e-6)
    assert bn.num_batches_tracked.dtype == miniconv.int64 and bn.num_batches_tracked.item() == 1
    bn.eval()
    y = bn(x)
    rm, rv = bn.running_mean.detach().numpy()[:, None, None], bn.running_var.detach().numpy()[:, None, None]
    np.testing.assert_allclose(y.detach().numpy(), (xd - rm) / np.sqrt(rv + 1e-5), atol=1e-5)
    assert bn.num_batches_tracked.item() == 1  # eval does not count


def test_batch_norm_momentum_none_is_cumulative_average():
    bn = nn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(1)
    batches = [miniconv.tensor(rng.standard_normal((6, 3)) + i, dtype=miniconv.float32) for i in range(3)]
    for b in batches:
        bn(b)
    means = np.mean([b.detach().numpy().mean(axis=0) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), means, rtol=1e-5)


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm2d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and bn.num_batches_tracked is None
    x = miniconv.randn(3, 2, 2, 2) * 5
    y = bn(x)
    np.testing.assert_allclose(y.detach().numpy().mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert "running_mean" not in bn.state_dict()


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(miniconv.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(miniconv.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(miniconv.randn(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(miniconv.randn(2, 4, 4, 4))
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(miniconv.randn(2, 3), None, None, training=False)


def test_batch_norm_empty_batch():
    bn = nn.BatchNorm2d(2)
    x = miniconv.randn(0, 2, 3, 3, requires_grad=True)
    y = bn(x)
    assert y.shape == (0, 2, 3, 3)
    np.testing.assert_array_equal(bn.running_mean.detach().numpy(), 0)
    y.sum().backward()
    assert x.grad.shape == (0, 2, 3, 3)
    np.testing.assert_array_equal(bn.weight.grad.detach().numpy(), 0)


def test_batch_norm_float64_module_and_bias_false():
    bn = nn.BatchNorm2d(2, dtype=miniconv.float64, bias=False)
    assert bn.weight.dtype == miniconv.float64 and bn.bias is None
    assert bn(miniconv.randn(2, 2, 2, 2, dtype=miniconv.float64)).dtype == miniconv.float64


def test_max_pool2d_module_and_indices():
    x = miniconv.tensor(np.arange(16.0, dtype=np.float32).reshape(1, 1, 4, 4))
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    np.testing.assert_array_equal(out.detach().numpy().ravel(), [5, 7, 13, 15])
    np.testing.assert_array_equal(idx.detach().numpy().ravel(), [5, 7, 13, 15])
    assert idx.dtype == miniconv.int64 and not idx.requires_grad
    assert nn.MaxPool2d(3, 2, ceil_mode=True)(miniconv.randn(1, 1, 5, 5)).shape == (1, 1, 2, 2)
    assert nn.MaxPool2d(2)(miniconv.randn(3, 6, 6)).shape == (3, 3, 3)  # unbatched


def test_max_pool_gradient_goes_to_the_max_only():
    x = miniconv.tensor([[[[1.0, 2.0], [4.0, 3.0]]]], requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy().ravel(), [0, 0, 1, 0])


def test_non_contiguous_input_to_pool_and_bn():
    base = miniconv.tensor(np.random.default_rng(0).standard_normal((2, 3, 8, 8)), dtype=miniconv.float32)
    x = base[:, :, ::2, ::2]
    assert not x.is_contiguous()
    ref = F.max_pool2d(x.contiguous(), 2)
    np.testing.assert_array_equal(F.max_pool2d(x, 2).detach().numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(F.avg_pool2d(x, 2).detach().numpy(), F.avg_pool2d(x.contiguous(), 2).detach().numpy())
    y = F.batch_norm(x, None, None, training=True)
    np.testing.assert_array_equal(y.detach().numpy(), F.batch_norm(x.contiguous(), None, None, training=True).detach().numpy())


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (lambda x: F.max_pool2d(x, 2, padding=2), RuntimeError, "pad should be at most half of effective kernel size, "
                                                                "but got pad=2, kernel_size=2 and dilation=1"),
        (lambda x: F.max_pool2d(x, 3, padding=2, dilation=2), RuntimeError,
         "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, kW = 3, kH = 3"),
        (lambda x: F.max_pool2d(x, 2, stride=0), RuntimeError, "stride should not be zero"),
        (lambda x: F.max_pool2d(x, 2, dilation=0), RuntimeError,
         "dilation should be greater than zero, but got dilationH: 0 dilationW: 0"),
        (lambda x: F.max_pool2d(x, 5), RuntimeError,
         r"Given input size: \(1x4x4\). Calculated output size: \(1x0x0\). Output size is too small"),
        (lambda x: F.max_pool2d(x[0, 0], 2), RuntimeError, r"non-empty 3D or 4D \(batch mode\) tensor expected"),
        (lambda x: F.max_pool2d(x, "a"), TypeError, "kernel_size"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
        (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), RuntimeError, r"Expected 3D or 4D tensor, but got \[4, 4\]"),
        (lambda x: F.max_pool2d(x.bool(), 2), RuntimeError, "not implemented for 'Bool'"),  # int64 pools (issue 11)
    ],
)
def test_pool_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(miniconv.randn(1, 1, 4, 4))


def test_adaptive_avg_pool_windows():
    x = miniconv.tensor(np.arange(5.0, dtype=np.float32).reshape(1, 1, 1, 5))
    # windows [floor(i*5/3), ceil((i+1)*5/3)) = [0,2), [1,4), [3,5)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (1, 3)).detach().numpy().ravel(), [0.5, 2.0, 3.5])
    assert nn.AdaptiveAvgPool2d((None, 2))(miniconv.randn(2, 3, 5, 6)).shape == (2, 3, 5, 2)


def test_relu_inplace_semantics():
    x = miniconv.tensor([-1.0, 2.0, -3.0])
    y = nn.ReLU(inplace=True)(x)
    assert y is x
    np.testing.assert_array_equal(x.detach().numpy(), [0, 2, 0])
    # in a graph: gradient flows through the in-place result
    a = miniconv.tensor([-1.0, 2.0, 3.0], requires_grad=True)
    h = a * 2
    out = F.relu(h, inplace=True)
    assert out is h and h.grad_fn is not None
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.detach().numpy(), [0, 2, 2])
    leaf = miniconv.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        F.relu(leaf, inplace=True)


def test_relu_inplace_writes_the_input_memory_and_matches_out_of_place():
    arr = np.array([[-1.0, 2.0, np.nan], [3.0, -0.5, 0.0]], dtype=np.float32)
    x = miniconv.from_numpy(arr)
    F.relu(x, inplace=True)
    np.testing.assert_array_equal(arr, [[0, 2, np.nan], [3, 0, 0]])  # the caller's array itself
    base = miniconv.tensor(np.random.default_rng(0).standard_normal((4, 6)))
    view = base[:, ::2]  # non-contiguous view: the fallback path
    expected = np.maximum(view.detach().numpy(), 0)
    F.relu(view, inplace=True)
    np.testing.assert_array_equal(view.detach().numpy(), expected)
    np.testing.assert_array_equal(base.detach().numpy()[:, ::2], expected)
    # gradients equal those of the out-of-place op
    w = miniconv.tensor(np.random.default_rng(1).standard_normal((3, 5)), requires_grad=True)
    (F.relu(w * 1.0, inplace=True) * w).sum().backward()
    g_inplace = w.grad.detach().numpy().copy()
    w.grad = None
    (F.relu(w * 1.0) * w).sum().backward()
    np.testing.assert_array_equal(g_inplace, w.grad.detach().numpy())


def test_leaky_relu_and_softmax_values():
    x = miniconv.tensor([[-2.0, 0.0, 3.0]])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).detach().numpy(), [[-0.2, 0.0, 3.0]])
    big = miniconv.tensor([[1000.0, 0.0], [-1000.0, 1000.0]])
    sm = F.softmax(big, dim=1).detach().numpy()
    assert np.all(np.isfinite(sm))
    np.testing.assert_allclose(sm, [[1, 0], [0, 1]], atol=1e-12)
    np.testing.assert_allclose(F.log_softmax(big, dim=1).detach().numpy(), [[0, -1000], [-2000, 0]], atol=1e-4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(miniconv.randn(2, 3))
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.softmax(miniconv.randn(2, 3), dim=2)


def test_dropout_semantics():
    miniconv.manual_seed(0)
    x = miniconv.ones(200, 50)
    d = nn.Dropout(0.3)
    y = d(x).detach().numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02
    d.eval()
    assert d(x) is x  # identity in eval
    assert F.dropout(x, 1.0).detach().numpy().sum() == 0
    assert F.dropout(x, 0.0) is x
    # reproducible from the seed
    miniconv.manual_seed(5)
    a = F.dropout(x, 0.5).detach().numpy()
    miniconv.manual_seed(5)
    np.testing.assert_array_equal(a, F.dropout(x, 0.5).detach().numpy())


def test_dropout2d_zeroes_whole_channels():
    miniconv.manual_seed(1)
    x = miniconv.ones(16, 32, 3, 3)
    y = nn.Dropout2d(0.5)(x).detach().numpy()
    per_channel = y.reshape(16, 32, 9)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2.0).all(axis=2))
    assert 0.35 < (per_channel[:, :, 0] == 0).mean() < 0.65
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        y3 = F.dropout2d(miniconv.ones(8, 4, 5), 0.5).detach().numpy()  # PyTorch 2.13 reads 3-D as (N, C, L)
    assert np.all((y3 == 0).all(axis=2) | (y3 == 2.0).all(axis=2))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(miniconv.ones(3, 4), 0.5)
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"), \
            pytest.warns(UserWarning):
        F.dropout2d(miniconv.ones(3), 0.5)


def test_dropout_errors_and_inplace():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        F.dropout2d(miniconv.ones(2, 2, 2, 2), -0.1)
    x = miniconv.ones(10, 10)
    assert nn.Dropout(0.5, inplace=True)(x) is x
    assert (x.detach().numpy() == 0).any()


def test_flatten_unflatten_identity():
    x = miniconv.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (6, 10))(nn.Flatten()(x)).shape == (2, 6, 10)
    ident = nn.Identity(54, unused="x")
    assert ident(x) is x


def test_cross_entropy_values_and_reductions():
    x = miniconv.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    t = miniconv.tensor([0, 2])
    lse = np.log(np.exp([2.0, 0, 0]).sum()), np.log(np.exp([0, 0, 5.0]).sum())
    per = np.array([lse[0] - 2.0, lse[1] - 5.0])
    np.testing.assert_allclose(F.cross_entropy(x, t, reduction="none").detach().numpy(), per, rtol=1e-6)
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), per.mean(), rtol=1e-6)
    np.testing.assert_allclose(F.cross_entropy(x, t, reduction="sum").item(), per.sum(), rtol=1e-6)
    w = miniconv.tensor([1.0, 1.0, 3.0])
    np.testing.assert_allclose(F.cross_entropy(x, t, weight=w).item(), (per[0] + 3 * per[1]) / 4, rtol=1e-6)
    # ignored targets contribute nothing, also to the weight sum
    t2 = miniconv.tensor([0, -100])
    np.testing.assert_allclose(F.cross_entropy(x, t2).item(), per[0], rtol=1e-6)
    assert np.isnan(F.cross_entropy(x, miniconv.tensor([-100, -100])).item())  # 0/0 as PyTorch


@pytest.mark.parametrize(
    "call, exc, msg",
    [
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 3])), IndexError,
         r"^Target 3 is out of bounds\.$"),  # PyTorch's wording, nothing more
        (lambda x: F.nll_loss(x, miniconv.tensor([-2, 0])), IndexError, "Target -2 is out of bounds"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0.0, 1.0])), RuntimeError,
         "expected target dtype to be Long or Byte, but got Float"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 1]).int()), RuntimeError,
         "expected target dtype to be Long or Byte, but got Int"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 1, 1])), ValueError,
         r"Expected input batch_size \(2\) to match target batch_size \(3\)"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 1]), reduction="avg"), ValueError,
         "avg is not a valid value for reduction"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 1]), label_smoothing=1.5), RuntimeError,
         "label_smoothing must be between 0.0 and 1.0. Got: 1.5"),
        (lambda x: F.cross_entropy(x, miniconv.tensor([0, 1]), weight=miniconv.ones(4)), RuntimeError,
         r"weight tensor should be defined either for all 3 classes or no classes but got weight tensor of shape: "
         r"\[4\]"),
        (lambda x: F.cross_entropy(miniconv.randn(2, 3, 4), miniconv.tensor([[0, 1, 1], [0, 0, 0]])), RuntimeError,
         r"Expected target size \[2, 4\], got \[2, 3\]"),
        (lambda x: nn.MSELoss(reduction="mean_")(x, x), ValueError, "mean_ is not a valid value for reduction"),
    ],
)
def test_loss_errors(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call(miniconv.randn(2, 3))


def test_mse_loss_values_and_broadcast_warning():
    a, b = miniconv.tensor([1.0, 2.0, 3.0]), miniconv.tensor([1.0, 0.0, 0.0])
    assert F.mse_loss(a, b).item() == pytest.approx(13 / 3)
    assert F.mse_loss(a, b, reduction="sum").item() == pytest.approx(13)
    np.testing.assert_allclose(nn.MSELoss(reduction="none")(a, b).detach().numpy(), [0, 4, 9])
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(miniconv.randn(2, 3), miniconv.randn(1, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.mse_loss(a, b)


def test_loss_modules_hold_weight_as_buffer():
    w = miniconv.tensor([1.0, 2.0])
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=3, label_smoothing=0.1)
    assert dict(ce.named_buffers())["weight"] is w
    assert ce.ignore_index == 3 and ce.label_smoothing == 0.1 and ce.reduction == "mean"
    assert list(nn.NLLLoss().state_dict()) == []


# ---------------------------------------------------------------------------
# repr: the strings PyTorch 2.13 prints
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module, text",
    [
        (lambda: nn.Linear(3136, 1024), "Linear(in_features=3136, out_features=1024, bias=True)"),
        (lambda: nn.Linear(3, 4, bias=False), "Linear(in_features=3, out_features=4, bias=False)"),
        (lambda: nn.BatchNorm2d(32), "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                     "track_running_stats=True)"),
        (lambda: nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False),
         "BatchNorm1d(3, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=False)"),
        (lambda: nn.ReLU(), "ReLU()"),
        (lambda: nn.ReLU(True), "ReLU(inplace=True)"),
        (lambda: nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
        (lambda: nn.Softmax(dim=1), "Softmax(dim=1)"),
        (lambda: nn.LogSoftmax(), "LogSoftmax(dim=None)"),
        (lambda: nn.MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"),
        (lambda: nn.MaxPool2d((2, 3), 1), "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, "
                                          "ceil_mode=False)"),
        (lambda: nn.AvgPool2d(3, 2, 1), "AvgPool2d(kernel_size=3, stride=2, padding=1)"),
        (lambda: nn.AdaptiveAvgPool2d((7, None)), "AdaptiveAvgPool2d(output_size=(7, None))"),
        (lambda: nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
        (lambda: nn.Dropout2d(0.5), "Dropout2d(p=0.5, inplace=False)"),
        (lambda: nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"),
        (lambda: nn.Unflatten(1, (2, 5)), "Unflatten(dim=1, unflattened_size=(2, 5))"),
        (lambda: nn.Identity(), "Identity()"),
        (lambda: nn.Sigmoid(), "Sigmoid()"),
        (lambda: nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
        (lambda: nn.MSELoss(reduction="sum"), "MSELoss()"),
    ],
)
def test_repr_matches_pytorch(module, text):
    assert repr(module()) == text


def test_small_mlp_learns_blobs_with_plain_sgd():
    """Linear + BatchNorm1d + ReLU + Dropout + CrossEntropyLoss together fit three Gaussian blobs."""
    miniconv.manual_seed(0)
    rng = np.random.default_rng(0)
    centers = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]])
    y = rng.integers(0, 3, 300)
    x = (centers[y] + rng.standard_normal((300, 2)) * 0.6).astype(np.float32)
    model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 3))
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = miniconv.tensor(x), miniconv.tensor(y)
    first = None
    for step in range(60):
        loss = loss_fn(model(xt), yt)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.2 * p.grad
    model.eval()
    acc = (model(xt).argmax(1).detach().numpy() == y).mean()
    assert loss.item() < 0.5 * first
    assert acc > 0.9
