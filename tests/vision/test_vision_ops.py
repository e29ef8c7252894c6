"""miniconv.vision.ops (torchvision.ops' Conv2dNormActivation, SqueezeExcitation, StochasticDepth) and the
layers the zoo relies on, against torch 2.13: the same modules written with torch.nn give the same outputs and
gradients; stochastic depth's masks have torchvision's shapes, scaling and errors; ShuffleNet's channel shuffle
equals torch's nn.ChannelShuffle; ceil-mode pooling and odd adaptive pooling sizes match torch."""
import numpy as np
import pytest

import miniconv
from miniconv import nn
from miniconv.vision import ops
from miniconv.vision.models.shufflenetv2 import channel_shuffle

torch = pytest.importorskip("torch")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def copy_params(ours, theirs):
    state = {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def test_conv2d_norm_activation_matches_torch_sequential():
    ours = ops.Conv2dNormActivation(4, 6, kernel_size=(3, 5), stride=2, groups=2, activation_layer=nn.Hardswish)
    conv = ours[0]
    assert conv.padding == (1, 2) and conv.bias is None and len(ours) == 3 and ours.out_channels == 6
    theirs = torch.nn.Sequential(torch.nn.Conv2d(4, 6, (3, 5), 2, (1, 2), groups=2, bias=False),
                                 torch.nn.BatchNorm2d(6), torch.nn.Hardswish(inplace=True))
    copy_params(ours, theirs)
    x = rand(2, 4, 9, 11)
    xa, xb = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-5)
    ya.sum().backward()
    yb.sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(conv.weight.grad.numpy(), theirs[0].weight.grad.numpy(), rtol=1e-4, atol=1e-4)
    assert ops.Conv2dNormActivation(3, 5, norm_layer=None, activation_layer=None, dilation=2)[0].bias is not None
    assert ops.Conv2dNormActivation(3, 5, dilation=2)[0].padding == (2, 2)


def test_squeeze_excitation_matches_torch():
    ours = ops.SqueezeExcitation(8, 3, scale_activation=nn.Hardsigmoid)

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.avgpool = torch.nn.AdaptiveAvgPool2d(1)
            self.fc1 = torch.nn.Conv2d(8, 3, 1)
            self.fc2 = torch.nn.Conv2d(3, 8, 1)

        def forward(self, x):
            s = torch.nn.functional.hardsigmoid(self.fc2(torch.relu(self.fc1(self.avgpool(x)))))
            return s * x

    theirs = Theirs()
    copy_params(ours, theirs)
    assert [k for k in ours.state_dict()] == [k for k in theirs.state_dict()]
    x = rand(2, 8, 5, 7, seed=1)
    xa, xb = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = ours(xa), theirs(xb)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-5, atol=1e-6)
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.fc1.weight.grad.numpy(), theirs.fc1.weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_stochastic_depth_masks_and_scaling():
    x = miniconv.ones(64, 3, 2, 2)
    assert ops.stochastic_depth(x, 0.5, "row", training=False) is x
    assert ops.stochastic_depth(x, 0.0, "batch") is x
    miniconv.manual_seed(0)
    y = ops.stochastic_depth(x, 0.25, "row").numpy()
    per_row = y.reshape(64, -1)
    assert set(np.unique(per_row).tolist()) <= {0.0, float(np.float32(1) / np.float32(0.75))}
    assert (per_row == per_row[:, :1]).all()  # one draw per sample
    assert 0 < (per_row[:, 0] == 0).sum() < 64
    yb = ops.stochastic_depth(x, 0.5, "batch").numpy()
    assert len(np.unique(yb)) == 1 and float(yb.flat[0]) in (0.0, 2.0)
    np.testing.assert_array_equal(ops.stochastic_depth(x, 1.0, "row").numpy(), np.zeros((64, 3, 2, 2), np.float32))
    m = ops.StochasticDepth(0.2, "row")
    assert repr(m) == "StochasticDepth(p=0.2, mode=row)"
    m.eval()
    assert m(x) is x


def test_stochastic_depth_gradient_is_the_mask():
    miniconv.manual_seed(3)
    x = miniconv.tensor(rand(16, 4), requires_grad=True)
    y = ops.stochastic_depth(x, 0.5, "row")
    y.sum().backward()
    scale = (y.detach().numpy() / x.detach().numpy())[:, :1]
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(scale, (16, 4)), rtol=1e-6)


@pytest.mark.parametrize("p,mode,msg", [(1.5, "row", "drop probability has to be between 0 and 1, but got 1.5"),
                                        (-0.1, "row", "drop probability has to be between 0 and 1, but got -0.1"),
                                        (0.1, "col", "mode has to be either 'batch' or 'row', but got col")])
def test_stochastic_depth_errors(p, mode, msg):
    with pytest.raises(ValueError, match=msg):
        ops.stochastic_depth(miniconv.ones(2, 2), p, mode)


def test_channel_shuffle_matches_torch():
    x = rand(2, 12, 3, 5, seed=2)
    xa, xb = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yb = channel_shuffle(xa, 2), torch.nn.ChannelShuffle(2)(xb)
    np.testing.assert_array_equal(ya.detach().numpy(), yb.detach().numpy())
    w = rand(2, 12, 3, 5, seed=4)
    (ya * miniconv.tensor(w)).sum().backward()
    (yb * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(xa.grad.numpy(), xb.grad.numpy())


@pytest.mark.parametrize("size", [13, 14, 17, 31])
def test_ceil_mode_pooling_and_odd_adaptive_sizes_match_torch(size):
    x = rand(1, 3, size, size + 2, seed=size)
    for ours, theirs in ((nn.MaxPool2d(3, 2, ceil_mode=True), torch.nn.MaxPool2d(3, 2, ceil_mode=True)),
                         (nn.MaxPool2d(2, 2, ceil_mode=True), torch.nn.MaxPool2d(2, 2, ceil_mode=True)),
                         (nn.MaxPool2d(3, 1, 1, ceil_mode=True), torch.nn.MaxPool2d(3, 1, 1, ceil_mode=True)),
                         (nn.AvgPool2d(5, 3), torch.nn.AvgPool2d(5, 3)),
                         (nn.AdaptiveAvgPool2d((4, 4)), torch.nn.AdaptiveAvgPool2d((4, 4))),
                         (nn.AdaptiveAvgPool2d((7, 5)), torch.nn.AdaptiveAvgPool2d((7, 5)))):
        xa, xb = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yb = ours(xa), theirs(xb)
        np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-6, atol=1e-6)
        ya.sum().backward()
        yb.sum().backward()
        np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("layer", ["Hardswish", "Hardsigmoid", "SiLU", "ReLU6"])
def test_inplace_activations_on_graph_tensors_match_torch(layer):
    """MobileNetV3/EfficientNet apply these in place to BatchNorm outputs; the backward must see the
    values before the overwrite, as in torch."""
    x = rand(3, 5, seed=7) * 4
    xa, xb = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya = getattr(nn, layer)(inplace=True)(xa * 1.5)
    yb = getattr(torch.nn, layer)(inplace=True)(xb * 1.5)
    np.testing.assert_allclose(ya.detach().numpy(), yb.detach().numpy(), rtol=1e-6, atol=1e-7)
    (ya * ya).sum().backward()
    (yb * yb).sum().backward()
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-5, atol=1e-6)
