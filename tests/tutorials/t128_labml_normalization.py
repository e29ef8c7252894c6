"""labml.ai Annotated Deep Learning Paper Implementations (github.com/labmlai/annotated_deep_learning_paper_
implementations, commit e6b3c8a, MIT licence), labml_nn/normalization: batch_norm/__init__.py (BatchNorm over
x.view(batch_size, channels, -1) with mean(dim=[0, 2]), mean_x2 - mean ** 2 and exp_mean/exp_var buffers
reassigned as plain tensors), layer_norm/__init__.py (LayerNorm taking an int, a list or a torch.Size, the
torch.Size comparison with x.shape[-len(...):], negative dims), group_norm/__init__.py, instance_norm/__init__.py,
weight_standardization/__init__.py and conv2d.py (torch.var_mean(dim=1, keepdim=True), a Conv2d subclass calling
F.conv2d with the standardized weight), batch_channel_norm/__init__.py (EstimatedBatchNorm updating its buffers
under torch.no_grad, ChannelNorm) with each module's _test(), then batch_norm/mnist.py's Model (conv/BatchNorm/
max_pool2d/Linear) trained with Adam(lr=0.001) as the experiment configures it. Unchanged except where marked
``# adapted``: labml's inspect() is print(), the docstrings/comments are dropped, the implementations are
compared with nn.BatchNorm2d/LayerNorm/GroupNorm/InstanceNorm2d (outputs and gradients), and labml's trainer
(MNISTConfigs) is a plain loop over a few batches of real MNIST; the weight-standardization VGG is two blocks on
16x16 inputs."""
from typing import Union, List

import numpy as np  # adapted
import torch
from torch import nn, Size
import torch.nn.functional as F
from torch.nn import functional as F

from _helpers import mnist_subset  # adapted

result = {}  # adapted
inspect = print  # adapted (from labml.logger import inspect)


class BatchNorm(nn.Module):
    def __init__(self, channels: int, *,
                 eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True):
        super().__init__()

        self.channels = channels

        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.scale = nn.Parameter(torch.ones(channels))
            self.shift = nn.Parameter(torch.zeros(channels))
        if self.track_running_stats:
            self.register_buffer('exp_mean', torch.zeros(channels))
            self.register_buffer('exp_var', torch.ones(channels))

    def forward(self, x: torch.Tensor):
        x_shape = x.shape
        batch_size = x_shape[0]
        assert self.channels == x.shape[1]
        x = x.view(batch_size, self.channels, -1)
        if self.training or not self.track_running_stats:
            mean = x.mean(dim=[0, 2])
            mean_x2 = (x ** 2).mean(dim=[0, 2])
            var = mean_x2 - mean ** 2
            if self.training and self.track_running_stats:
                self.exp_mean = (1 - self.momentum) * self.exp_mean + self.momentum * mean
                self.exp_var = (1 - self.momentum) * self.exp_var + self.momentum * var
        else:
            mean = self.exp_mean
            var = self.exp_var
        x_norm = (x - mean.view(1, -1, 1)) / torch.sqrt(var + self.eps).view(1, -1, 1)
        if self.affine:
            x_norm = self.scale.view(1, -1, 1) * x_norm + self.shift.view(1, -1, 1)
        return x_norm.view(x_shape)


def _test():
    x = torch.zeros([2, 3, 2, 4])
    inspect(x.shape)
    bn = BatchNorm(3)

    x = bn(x)
    inspect(x.shape)
    inspect(bn.exp_var.shape)
    result["bn_test"] = [list(x.shape), list(bn.exp_var.shape), bn.exp_var.tolist()]  # adapted


_test()  # adapted (if __name__ == '__main__')


class LayerNorm(nn.Module):
    def __init__(self, normalized_shape: Union[int, List[int], Size], *,
                 eps: float = 1e-5,
                 elementwise_affine: bool = True):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = torch.Size([normalized_shape])
        elif isinstance(normalized_shape, list):
            normalized_shape = torch.Size(normalized_shape)
        assert isinstance(normalized_shape, torch.Size)
        self.normalized_shape = normalized_shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.gain = nn.Parameter(torch.ones(normalized_shape))
            self.bias = nn.Parameter(torch.zeros(normalized_shape))

    def forward(self, x: torch.Tensor):
        assert self.normalized_shape == x.shape[-len(self.normalized_shape):]
        dims = [-(i + 1) for i in range(len(self.normalized_shape))]
        mean = x.mean(dim=dims, keepdim=True)
        mean_x2 = (x ** 2).mean(dim=dims, keepdim=True)
        var = mean_x2 - mean ** 2
        x_norm = (x - mean) / torch.sqrt(var + self.eps)
        if self.elementwise_affine:
            x_norm = self.gain * x_norm + self.bias
        return x_norm


def _test():
    x = torch.zeros([2, 3, 2, 4])
    inspect(x.shape)
    ln = LayerNorm(x.shape[2:])

    x = ln(x)
    inspect(x.shape)
    inspect(ln.gain.shape)
    result["ln_test"] = [list(x.shape), list(ln.gain.shape), list(ln.normalized_shape), type(ln.normalized_shape).__name__]  # adapted


_test()  # adapted


class GroupNorm(nn.Module):
    def __init__(self, groups: int, channels: int, *,
                 eps: float = 1e-5, affine: bool = True):
        super().__init__()

        assert channels % groups == 0, "Number of channels should be evenly divisible by the number of groups"
        self.groups = groups
        self.channels = channels

        self.eps = eps
        self.affine = affine
        if self.affine:
            self.scale = nn.Parameter(torch.ones(channels))
            self.shift = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor):
        x_shape = x.shape
        batch_size = x_shape[0]
        assert self.channels == x.shape[1]
        x = x.view(batch_size, self.groups, -1)
        mean = x.mean(dim=[-1], keepdim=True)
        mean_x2 = (x ** 2).mean(dim=[-1], keepdim=True)
        var = mean_x2 - mean ** 2
        x_norm = (x - mean) / torch.sqrt(var + self.eps)
        if self.affine:
            x_norm = x_norm.view(batch_size, self.channels, -1)
            x_norm = self.scale.view(1, -1, 1) * x_norm + self.shift.view(1, -1, 1)
        return x_norm.view(x_shape)


def _test():
    x = torch.zeros([2, 6, 2, 4])
    inspect(x.shape)
    bn = GroupNorm(2, 6)

    x = bn(x)
    inspect(x.shape)
    result["gn_test"] = [list(x.shape), x.sum().item()]  # adapted


_test()  # adapted


class InstanceNorm(nn.Module):
    def __init__(self, channels: int, *,
                 eps: float = 1e-5, affine: bool = True):
        super().__init__()

        self.channels = channels

        self.eps = eps
        self.affine = affine
        if self.affine:
            self.scale = nn.Parameter(torch.ones(channels))
            self.shift = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor):
        x_shape = x.shape
        batch_size = x_shape[0]
        assert self.channels == x.shape[1]
        x = x.view(batch_size, self.channels, -1)
        mean = x.mean(dim=[-1], keepdim=True)
        mean_x2 = (x ** 2).mean(dim=[-1], keepdim=True)
        var = mean_x2 - mean ** 2
        x_norm = (x - mean) / torch.sqrt(var + self.eps)
        x_norm = x_norm.view(batch_size, self.channels, -1)
        if self.affine:
            x_norm = self.scale.view(1, -1, 1) * x_norm + self.shift.view(1, -1, 1)
        return x_norm.view(x_shape)


def _test():
    x = torch.zeros([2, 6, 2, 4])
    inspect(x.shape)
    bn = InstanceNorm(6)

    x = bn(x)
    inspect(x.shape)
    result["in_test"] = [list(x.shape), x.sum().item()]  # adapted


_test()  # adapted


def weight_standardization(weight: torch.Tensor, eps: float):
    c_out, c_in, *kernel_shape = weight.shape
    weight = weight.view(c_out, -1)
    var, mean = torch.var_mean(weight, dim=1, keepdim=True)
    weight = (weight - mean) / (torch.sqrt(var + eps))
    return weight.view(c_out, c_in, *kernel_shape)


class Conv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size,
                 stride=1,
                 padding=0,
                 dilation=1,
                 groups: int = 1,
                 bias: bool = True,
                 padding_mode: str = 'zeros',
                 eps: float = 1e-5):
        super(Conv2d, self).__init__(in_channels, out_channels, kernel_size,
                                     stride=stride,
                                     padding=padding,
                                     dilation=dilation,
                                     groups=groups,
                                     bias=bias,
                                     padding_mode=padding_mode)
        self.eps = eps

    def forward(self, x: torch.Tensor):
        return F.conv2d(x, weight_standardization(self.weight, self.eps), self.bias, self.stride,
                        self.padding, self.dilation, self.groups)


def _test():
    torch.manual_seed(0)  # adapted
    conv2d = Conv2d(10, 20, 5)
    inspect(conv2d.weight)
    out = conv2d(torch.zeros(10, 10, 20, 20))  # adapted (100x100)
    inspect(out)
    result["ws_test"] = [conv2d.weight.sum().item(), list(out.shape), out[0, :, 0, 0].tolist()]  # adapted


_test()  # adapted


class BatchChannelNorm(nn.Module):
    def __init__(self, channels: int, groups: int,
                 eps: float = 1e-5, momentum: float = 0.1, estimate: bool = True):
        super().__init__()
        if estimate:
            self.batch_norm = EstimatedBatchNorm(channels,
                                                 eps=eps, momentum=momentum)
        else:
            self.batch_norm = BatchNorm(channels,
                                        eps=eps, momentum=momentum)
        self.channel_norm = ChannelNorm(channels, groups, eps)

    def forward(self, x):
        x = self.batch_norm(x)
        return self.channel_norm(x)


class EstimatedBatchNorm(nn.Module):
    def __init__(self, channels: int,
                 eps: float = 1e-5, momentum: float = 0.1, affine: bool = True):
        super().__init__()

        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.channels = channels
        if self.affine:
            self.scale = nn.Parameter(torch.ones(channels))
            self.shift = nn.Parameter(torch.zeros(channels))
        self.register_buffer('exp_mean', torch.zeros(channels))
        self.register_buffer('exp_var', torch.ones(channels))

    def forward(self, x: torch.Tensor):
        x_shape = x.shape
        batch_size = x_shape[0]
        assert self.channels == x.shape[1]
        x = x.view(batch_size, self.channels, -1)
        if self.training:
            with torch.no_grad():
                mean = x.mean(dim=[0, 2])
                mean_x2 = (x ** 2).mean(dim=[0, 2])
                var = mean_x2 - mean ** 2
                self.exp_mean = (1 - self.momentum) * self.exp_mean + self.momentum * mean
                self.exp_var = (1 - self.momentum) * self.exp_var + self.momentum * var
        x_norm = (x - self.exp_mean.view(1, -1, 1)) / torch.sqrt(self.exp_var + self.eps).view(1, -1, 1)
        if self.affine:
            x_norm = self.scale.view(1, -1, 1) * x_norm + self.shift.view(1, -1, 1)
        return x_norm.view(x_shape)


class ChannelNorm(nn.Module):
    def __init__(self, channels, groups,
                 eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.channels = channels
        self.groups = groups
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.scale = nn.Parameter(torch.ones(groups))
            self.shift = nn.Parameter(torch.zeros(groups))

    def forward(self, x: torch.Tensor):
        x_shape = x.shape
        batch_size = x_shape[0]
        assert self.channels == x.shape[1]
        x = x.view(batch_size, self.groups, -1)
        mean = x.mean(dim=[-1], keepdim=True)
        mean_x2 = (x ** 2).mean(dim=[-1], keepdim=True)
        var = mean_x2 - mean ** 2
        x_norm = (x - mean) / torch.sqrt(var + self.eps)
        if self.affine:
            x_norm = self.scale.view(1, -1, 1) * x_norm + self.shift.view(1, -1, 1)
        return x_norm.view(x_shape)


# adapted: the implementations against torch.nn's layers on the same input, outputs and gradients
torch.manual_seed(1)
x = torch.randn(4, 6, 5, 5) * 3 + 1
pairs = {
    "batch": (BatchNorm(6), nn.BatchNorm2d(6)),
    "layer": (LayerNorm([5, 5]), nn.LayerNorm([5, 5])),
    "group": (GroupNorm(3, 6), nn.GroupNorm(3, 6)),
    "instance": (InstanceNorm(6), nn.InstanceNorm2d(6, affine=True)),
}
for name, (ours, ref) in pairs.items():
    xa = x.clone().requires_grad_()
    xb = x.clone().requires_grad_()
    ya, yb = ours(xa), ref(xb)
    w = torch.linspace(-1, 1, ya.numel()).view(ya.shape)
    (ya * w).sum().backward()
    (yb * w).sum().backward()
    result[f"vs_nn_{name}"] = [(ya - yb).abs().max().item() < 1e-4, (xa.grad - xb.grad).abs().max().item() < 1e-4,
                               ya.sum().item(), xa.grad[0, 0].tolist()]
bn, ref = pairs["batch"]
result["running"] = [bn.exp_mean.tolist(), bn.exp_var.tolist(), ref.running_mean.tolist(),
                     sorted(n for n, _ in bn.named_buffers())]
bn.eval()
result["bn_eval"] = bn(x)[:, :, 0, 0].tolist()

bcn = BatchChannelNorm(6, 3)
y = bcn(x)
y.pow(2).mean().backward()
result["bcn"] = [y.sum().item(), y[1, :, 2, 2].tolist(), bcn.batch_norm.exp_var.tolist(),
                 bcn.channel_norm.scale.grad.tolist(), bcn.batch_norm.shift.grad.tolist()]
bcn2 = BatchChannelNorm(6, 3, estimate=False)
result["bcn_bn"] = bcn2(x)[0, :, 1, 1].tolist()


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, 1, bias=False)
        self.bn1 = BatchNorm(20)
        self.conv2 = nn.Conv2d(20, 50, 5, 1, bias=False)
        self.bn2 = BatchNorm(50)
        self.fc1 = nn.Linear(4 * 4 * 50, 500, bias=False)
        self.bn3 = BatchNorm(500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x: torch.Tensor):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 2, 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.max_pool2d(x, 2, 2)
        x = x.view(-1, 4 * 4 * 50)
        x = F.relu(self.bn3(self.fc1(x)))
        return self.fc2(x)


# adapted: MNISTConfigs' loop, written out (Adam, lr=0.001, cross entropy, accuracy), on 4 batches of 32
torch.manual_seed(5)
device = torch.device('cpu')
model = Model().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
loss_func = nn.CrossEntropyLoss()
xs, ys, xv, yv = mnist_subset(128, 64)
losses = []
model.train()
for i in range(4):
    data, target = torch.from_numpy(xs[32 * i:32 * (i + 1)]), torch.from_numpy(ys[32 * i:32 * (i + 1)])
    output = model(data)
    loss = loss_func(output, target)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    losses.append(loss.item())
model.eval()
with torch.no_grad():
    out = model(torch.from_numpy(xv))
result["mnist"] = [losses, model.bn3.exp_var[:5].tolist(), out[:2].tolist(),
                   (out.argmax(-1) == torch.from_numpy(yv)).float().mean().item()]


class WSBlock(nn.Module):  # adapted: weight_standardization/experiment.py's conv_block in a two-block net
    def conv_block(self, in_channels, out_channels) -> nn.Module:
        return nn.Sequential(
            Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
            BatchChannelNorm(out_channels, 32),
            nn.ReLU(inplace=True),
        )

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(self.conv_block(3, 32), nn.MaxPool2d(2), self.conv_block(32, 64),
                                    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

    def forward(self, x):
        return self.layers(x)


torch.manual_seed(7)
net = WSBlock()
opt = torch.optim.Adam(net.parameters(), lr=2.5e-4)
imgs, labels = torch.randn(8, 3, 16, 16), torch.randint(0, 10, (8,))
ws_losses = []
for _ in range(3):
    loss = F.cross_entropy(net(imgs), labels)
    opt.zero_grad()
    loss.backward()
    opt.step()
    ws_losses.append(loss.item())
result["ws_vgg"] = [ws_losses, net.layers[0][0].weight.grad.abs().sum().item()]
