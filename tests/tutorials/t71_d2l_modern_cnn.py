"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code, chapter_convolutional-modern), the modern-CNN chapters
with the d2l helpers they need (in _d2l.py): AlexNet (LazyConv2d/LazyLinear, Dropout, init_cnn through net.apply with
xavier_uniform_ on type(module) == nn.Conv2d), vgg_block/VGG built in a loop, nin_block/NiN ending in
AdaptiveAvgPool2d, GoogLeNet's Inception (four branches joined by torch.cat) with b1..b5 added by add_to_class,
batch_norm from scratch (torch.is_grad_enabled, moving averages returned through .data) in BNLeNetScratch and the
concise BNLeNet (LazyBatchNorm2d/1d), Residual (Y += X in place) and ResNet with add_module(f'b{i+2}', ...),
ResNeXtBlock (grouped convolution), DenseBlock/transition_block and DenseNet; layer_summary printing each layer's
output shape, apply_init with a batch from the loader. Adapted: the Fashion-MNIST loader is 64+32 MNIST images
resized by NumPy nearest-neighbour indexing, the loaders do not shuffle, the models are trained for one epoch
with Dropout p set to 0 (the libraries draw different masks), inputs to layer_summary come from NumPy, and
parameters are set from NumPy after the lazy dry run; GoogLeNet, ResNet and DenseNet read 32x32 images and
ResNet/DenseNet are built with small arch arguments."""

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from _helpers import mnist_subset

from _d2l import make_d2l

d2l = make_d2l(torch, nn, F)  # d2l's library classes, built on the library imported above
Module, DataModule, Trainer, Classifier = d2l.Module, d2l.DataModule, d2l.Trainer, d2l.Classifier
add_to_class, set_numpy_weights = d2l.add_to_class, d2l.set_numpy_weights


def init_cnn(module):
    """Initialize weights for CNNs."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


class FashionMNIST(DataModule):
    """Stands in for d2l's Fashion-MNIST loader: MNIST images scaled to [0, 1], resized by nearest neighbour."""
    def __init__(self, batch_size=64, resize=(28, 28)):
        super().__init__()
        self.save_hyperparameters()
        x, y, xv, yv = mnist_subset(64, 32)
        rows = np.arange(resize[0]) * 28 // resize[0]
        cols = np.arange(resize[1]) * 28 // resize[1]
        prep = lambda a: (a * 0.3081 + 0.1307)[:, :, rows][:, :, :, cols].copy()
        self.train = (torch.from_numpy(prep(x)), torch.from_numpy(y))
        self.val = (torch.from_numpy(prep(xv)), torch.from_numpy(yv))

    def get_dataloader(self, train):
        data = self.train if train else self.val
        return self.get_tensorloader(data, train)


d2l.FashionMNIST, d2l.init_cnn = FashionMNIST, init_cnn


def no_dropout(model):  # adapted: the two libraries draw different dropout masks
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.p = 0.0


def train_and_record(key, model, data):
    model.apply_init([next(iter(data.get_dataloader(True)))[0]], d2l.init_cnn)
    set_numpy_weights(model, 11)
    for m in model.modules():  # adapted: forget the statistics of the dry run's random weights
        if hasattr(m, 'reset_running_stats'):
            m.reset_running_stats()
        if hasattr(m, 'moving_mean'):
            m.moving_mean, m.moving_var = torch.zeros_like(m.moving_mean), torch.ones_like(m.moving_var)
    no_dropout(model)
    trainer = d2l.Trainer(max_epochs=1, num_gpus=0)
    trainer.fit(model, data)
    X, y = next(iter(data.get_dataloader(False)))
    model.train()
    loss = model.loss(model(X), y)
    model.zero_grad()
    loss.backward()
    grads = [float(p.grad.abs().sum()) for p in model.parameters()]
    print(f'{key}: train loss {model.board.points["train_loss"][-1]:.4f}, '
          f'val acc {model.board.points["val_acc"][-1]:.3f}, loss {loss.item():.4f}')
    result[key] = {"train_loss": model.board.points["train_loss"], "val_loss": model.board.points["val_loss"],
                   "val_acc": model.board.points["val_acc"], "grad_loss": loss.item(), "grads": grads,
                   "names": [n for n, _ in model.named_parameters()],
                   "state": [float(v.float().abs().sum()) for v in model.state_dict().values()]}


result = {}

# -- 8.1 AlexNet
class AlexNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(96, kernel_size=11, stride=4, padding=1),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(256, kernel_size=5, padding=2), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(384, kernel_size=3, padding=1), nn.ReLU(),
            nn.LazyConv2d(256, kernel_size=3, padding=1), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(p=0.5),
            nn.LazyLinear(4096), nn.ReLU(),nn.Dropout(p=0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(d2l.init_cnn)


result["alexnet_summary"] = list(AlexNet().layer_summary((1, 1, 67, 67)).shape)  # adapted: 224 -> 67
model = AlexNet(lr=0.01)
data = d2l.FashionMNIST(batch_size=16, resize=(67, 67))
train_and_record("alexnet", model, data)


# -- 8.2 VGG
def vgg_block(num_convs, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2,stride=2))
    return nn.Sequential(*layers)


class VGG(d2l.Classifier):
    def __init__(self, arch, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        conv_blks = []
        for (num_convs, out_channels) in arch:
            conv_blks.append(vgg_block(num_convs, out_channels))
        self.net = nn.Sequential(
            *conv_blks, nn.Flatten(),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(4096), nn.ReLU(), nn.Dropout(0.5),
            nn.LazyLinear(num_classes))
        self.net.apply(d2l.init_cnn)


model = VGG(arch=((1, 16), (1, 32), (2, 64), (2, 128), (2, 128)), lr=0.01)
result["vgg_summary"] = list(model.layer_summary((1, 1, 32, 32)).shape)  # adapted: 224 -> 32
data = d2l.FashionMNIST(batch_size=16, resize=(32, 32))
train_and_record("vgg", model, data)


# -- 8.3 NiN
def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


class NiN(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nin_block(96, kernel_size=11, strides=4, padding=0),
            nn.MaxPool2d(3, stride=2),
            nin_block(256, kernel_size=5, strides=1, padding=2),
            nn.MaxPool2d(3, stride=2),
            nin_block(384, kernel_size=3, strides=1, padding=1),
            nn.MaxPool2d(3, stride=2),
            nn.Dropout(0.5),
            nin_block(num_classes, kernel_size=3, strides=1, padding=1),
            nn.AdaptiveAvgPool2d((1, 1)),
            nn.Flatten())
        self.net.apply(d2l.init_cnn)


result["nin_summary"] = list(NiN().layer_summary((1, 1, 67, 67)).shape)
model = NiN(lr=0.05)
data = d2l.FashionMNIST(batch_size=16, resize=(67, 67))
train_and_record("nin", model, data)


# -- 8.4 GoogLeNet
class Inception(nn.Module):
    # c1--c4 are the number of output channels for each branch
    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        # Branch 1
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        # Branch 2
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        # Branch 3
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        # Branch 4
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


class GoogleNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b2(self):
    return nn.Sequential(
        nn.LazyConv2d(64, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(192, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b3(self):
    return nn.Sequential(Inception(64, (96, 128), (16, 32), 32),
                         Inception(128, (128, 192), (32, 96), 64),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b4(self):
    return nn.Sequential(Inception(192, (96, 208), (16, 48), 64),
                         Inception(160, (112, 224), (24, 64), 64),
                         Inception(128, (128, 256), (24, 64), 64),
                         Inception(112, (144, 288), (32, 64), 64),
                         Inception(256, (160, 320), (32, 128), 128),
                         nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(GoogleNet)
def b5(self):
    return nn.Sequential(Inception(256, (160, 320), (32, 128), 128),
                         Inception(384, (192, 384), (48, 128), 128),
                         nn.AdaptiveAvgPool2d((1,1)), nn.Flatten())


@d2l.add_to_class(GoogleNet)
def __init__(self, lr=0.1, num_classes=10):
    super(GoogleNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1(), self.b2(), self.b3(), self.b4(),
                             self.b5(), nn.LazyLinear(num_classes))
    self.net.apply(d2l.init_cnn)


result["googlenet_summary"] = list(GoogleNet().layer_summary((1, 1, 32, 32)).shape)  # adapted: 96 -> 32
model = GoogleNet(lr=0.01)
data = d2l.FashionMNIST(batch_size=16, resize=(32, 32))
train_and_record("googlenet", model, data)


# -- 8.5 Batch normalization, from scratch
def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Use is_grad_enabled to determine whether we are in training mode
    if not torch.is_grad_enabled():
        # In prediction mode, use mean and variance obtained by moving average
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            # When using a fully connected layer, calculate the mean and
            # variance on the feature dimension
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            # When using a two-dimensional convolutional layer, calculate the
            # mean and variance on the channel dimension (axis=1). Here we
            # need to maintain the shape of X, so that the broadcasting
            # operation can be carried out later
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        # In training mode, the current mean and variance are used
        X_hat = (X - mean) / torch.sqrt(var + eps)
        # Update the mean and variance using moving average
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta  # Scale and shift
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    # num_features: the number of outputs for a fully connected layer or the
    # number of output channels for a convolutional layer. num_dims: 2 for a
    # fully connected layer and 4 for a convolutional layer
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        # The scale parameter and the shift parameter (model parameters) are
        # initialized to 1 and 0, respectively
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        # The variables that are not model parameters are initialized to 0 and
        # 1
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        # If X is not on the main memory, copy moving_mean and moving_var to
        # the device where X is located
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        # Save the updated moving_mean and moving_var
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean,
            self.moving_var, eps=1e-5, momentum=0.1)
        return Y


class BNLeNetScratch(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), BatchNorm(6, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), BatchNorm(16, num_dims=4),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120),
            BatchNorm(120, num_dims=2), nn.Sigmoid(), nn.LazyLinear(84),
            BatchNorm(84, num_dims=2), nn.Sigmoid(),
            nn.LazyLinear(num_classes))


data = d2l.FashionMNIST(batch_size=16)
model = BNLeNetScratch(lr=0.1)
train_and_record("bn_scratch", model, data)
gamma, beta = model.net[1].gamma.reshape((-1,)), model.net[1].beta.reshape((-1,))
print(gamma, beta)
result["bn_scratch_gamma_beta"] = [gamma.tolist(), beta.tolist()]
result["bn_scratch_moving"] = [model.net[1].moving_mean.reshape(-1).tolist(),
                               model.net[10].moving_var.reshape(-1)[:10].tolist()]


class BNLeNet(d2l.Classifier):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.LazyConv2d(6, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.LazyConv2d(16, kernel_size=5), nn.LazyBatchNorm2d(),
            nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(), nn.LazyLinear(120), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(84), nn.LazyBatchNorm1d(),
            nn.Sigmoid(), nn.LazyLinear(num_classes))


model = BNLeNet(lr=0.1)
train_and_record("bn_concise", model, data)
result["bn_concise_running"] = [model.net[1].running_mean.tolist(), model.net[1].running_var.tolist(),
                                int(model.net[1].num_batches_tracked)]


# -- 8.6 ResNet
class Residual(nn.Module):  #@save
    """The Residual block of ResNet models."""
    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1,
                                   stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


blk = Residual(3)
X = torch.from_numpy(np.random.default_rng(5).standard_normal((4, 3, 6, 6)).astype(np.float32))  # adapted
print(blk(X).shape)
blk = Residual(6, use_1x1conv=True, strides=2)
print(blk(X).shape)
result["residual_shape"] = list(blk(X).shape)


class ResNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(ResNet)
def block(self, num_residuals, num_channels, first_block=False):
    blk = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels))
    return nn.Sequential(*blk)


@d2l.add_to_class(ResNet)
def __init__(self, arch, lr=0.1, num_classes=10):
    super(ResNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1())
    for i, b in enumerate(arch):
        self.net.add_module(f'b{i+2}', self.block(*b, first_block=(i==0)))
    self.net.add_module('last', nn.Sequential(
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.LazyLinear(num_classes)))
    self.net.apply(d2l.init_cnn)


class ResNet18(ResNet):
    def __init__(self, lr=0.1, num_classes=10):
        super().__init__(((2, 64), (2, 128), (2, 256), (2, 512)),
                       lr, num_classes)


result["resnet18_summary"] = list(ResNet18().layer_summary((1, 1, 64, 64)).shape)  # adapted: 96 -> 64
model = ResNet(arch=((1, 64), (1, 32), (1, 32)), lr=0.01)  # adapted: a small arch
data = d2l.FashionMNIST(batch_size=16, resize=(32, 32))
train_and_record("resnet", model, data)


class ResNeXtBlock(nn.Module):  #@save
    """The ResNeXt block."""
    def __init__(self, num_channels, groups, bot_mul, use_1x1conv=False,
                 strides=1):
        super().__init__()
        bot_channels = int(round(num_channels * bot_mul))
        self.conv1 = nn.LazyConv2d(bot_channels, kernel_size=1, stride=1)
        self.conv2 = nn.LazyConv2d(bot_channels, kernel_size=3,
                                   stride=strides, padding=1,
                                   groups=bot_channels//groups)
        self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=1)
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()
        self.bn3 = nn.LazyBatchNorm2d()
        if use_1x1conv:
            self.conv4 = nn.LazyConv2d(num_channels, kernel_size=1,
                                       stride=strides)
            self.bn4 = nn.LazyBatchNorm2d()
        else:
            self.conv4 = None

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        Y = self.bn3(self.conv3(Y))
        if self.conv4:
            X = self.bn4(self.conv4(X))
        return F.relu(Y + X)


blk = ResNeXtBlock(32, 16, 1)
X = torch.from_numpy(np.random.default_rng(6).standard_normal((4, 32, 12, 12)).astype(np.float32))  # adapted: 96 -> 12
blk(X)
set_numpy_weights(blk, 2)
Y = blk(X)
print(Y.shape)
Y.sum().backward()
result["resnext"] = {"shape": list(Y.shape), "out": Y.abs().sum().item(),
                     "grads": [float(p.grad.abs().sum()) for p in blk.parameters()]}


# -- 8.7 DenseNet
def conv_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, num_channels):
        super(DenseBlock, self).__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            # Concatenate input and output of each block along the channels
            X = torch.cat((X, Y), dim=1)
        return X


blk = DenseBlock(2, 10)
X = torch.from_numpy(np.random.default_rng(7).standard_normal((4, 3, 8, 8)).astype(np.float32))  # adapted
Y = blk(X)
print(Y.shape)


def transition_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


blk = transition_block(10)
print(blk(Y).shape)
result["dense_shapes"] = [list(Y.shape), list(blk(Y).shape)]


class DenseNet(d2l.Classifier):
    def b1(self):
        return nn.Sequential(
            nn.LazyConv2d(64, kernel_size=7, stride=2, padding=3),
            nn.LazyBatchNorm2d(), nn.ReLU(),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


@d2l.add_to_class(DenseNet)
def __init__(self, num_channels=64, growth_rate=32, arch=(4, 4, 4, 4),
             lr=0.1, num_classes=10):
    super(DenseNet, self).__init__()
    self.save_hyperparameters()
    self.net = nn.Sequential(self.b1())
    for i, num_convs in enumerate(arch):
        self.net.add_module(f'dense_blk{i+1}', DenseBlock(num_convs,
                                                          growth_rate))
        # The number of output channels in the previous dense block
        num_channels += num_convs * growth_rate
        # A transition layer that halves the number of channels is added
        # between the dense blocks
        if i != len(arch) - 1:
            num_channels //= 2
            self.net.add_module(f'tran_blk{i+1}', transition_block(
                num_channels))
    self.net.add_module('last', nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.LazyLinear(num_classes)))
    self.net.apply(d2l.init_cnn)


model = DenseNet(num_channels=16, growth_rate=8, arch=(2, 2, 2), lr=0.01)  # adapted: a small arch
data = d2l.FashionMNIST(batch_size=16, resize=(32, 32))
train_and_record("densenet", model, data)
print(model)
