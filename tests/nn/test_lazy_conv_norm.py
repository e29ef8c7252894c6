"""Lazy convolution and normalization layers against PyTorch, in Dive-into-Deep-Learning style models:
printing before and after the first call, parameter shapes and state_dict keys, then (with PyTorch's
weights copied in) outputs and gradients; loading a saved state into a fresh lazy model; the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402


def lenet(nn):
    return nn.Sequential(nn.LazyConv2d(6, kernel_size=5, padding=2), nn.LazyBatchNorm2d(), nn.Sigmoid(),
                         nn.AvgPool2d(kernel_size=2, stride=2), nn.LazyConv2d(16, kernel_size=5),
                         nn.LazyBatchNorm2d(), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
                         nn.LazyLinear(120), nn.LazyBatchNorm1d(), nn.Sigmoid(), nn.LazyLinear(10))


def mixed(nn):
    return nn.Sequential(nn.LazyConvTranspose2d(3, 3, stride=2, padding=1, output_padding=1),
                         nn.LazyInstanceNorm2d(affine=True), nn.ReLU(), nn.LazyConv2d(4, 3, groups=1, bias=False),
                         nn.Flatten(2), nn.LazyConv1d(5, 3), nn.LazyBatchNorm1d(), nn.LazyConvTranspose1d(2, 2))


def volumetric(nn):
    return nn.Sequential(nn.LazyConv3d(3, 2), nn.LazyBatchNorm3d(), nn.LazyInstanceNorm3d(),
                         nn.LazyConvTranspose3d(2, 2, stride=2))


@pytest.mark.parametrize("build,shape", [(lenet, (4, 1, 28, 28)), (mixed, (2, 2, 5, 5)),
                                         (volumetric, (2, 2, 4, 4, 4))])
def test_lazy_models_match_torch(build, shape):
    torch.manual_seed(0)
    tm, mm = build(torch.nn), build(miniconv.nn)
    assert repr(mm) == repr(tm)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tm(torch.tensor(x))
    mm(miniconv.tensor(x))
    assert repr(mm) == repr(tm)
    assert list(mm.state_dict()) == list(tm.state_dict())
    assert [tuple(p.shape) for p in mm.parameters()] == [tuple(p.shape) for p in tm.parameters()]
    # defaults as PyTorch's: BatchNorm weight 1 bias 0, running stats updated by the first (training) call
    mm.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    xt, xm = torch.tensor(x, requires_grad=True), miniconv.tensor(x, requires_grad=True)
    yt, ym = tm(xt), mm(xm)
    np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-4, atol=1e-5)
    yt.sum().backward()
    ym.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (n, p), (_, q) in zip(mm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-3, atol=5e-5, err_msg=n)


def test_load_state_into_fresh_lazy_model_and_optimizer_built_before_first_call():
    torch.manual_seed(0)
    tm = lenet(torch.nn)
    tm(torch.ones(2, 1, 28, 28))
    mm = lenet(miniconv.nn)
    opt = miniconv.optim.SGD(mm.parameters(), lr=0.1)   # before the shapes are known, as d2l does
    mm.load_state_dict({k: miniconv.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    assert repr(mm) == repr(tm) or "Lazy" in repr(mm)
    out = mm(miniconv.ones(2, 1, 28, 28))
    loss = out.sum()
    loss.backward()
    before = mm[-1].weight.detach().numpy().copy()
    opt.step()
    assert not np.allclose(before, mm[-1].weight.detach().numpy())


def test_lazy_errors_like_torch():
    for lib in (miniconv, torch):
        with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input to LazyConv2d"):
            lib.nn.LazyConv2d(3, 3)(lib.ones(2, 3))
        with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
            lib.nn.LazyConv2d(4, 3, groups=2)(lib.ones(1, 3, 5, 5))
        lazy = lib.nn.LazyConv2d(3, 3)
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            lazy.weight.shape  # noqa: B018
