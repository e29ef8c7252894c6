"""labml.ai Annotated Deep Learning Paper Implementations (github.com/labmlai/annotated_deep_learning_paper_
implementations, commit e6b3c8a, MIT licence): resnet/__init__.py (ShortcutProjection, ResidualBlock,
BottleneckResidualBlock with nn.Identity shortcuts, ResNetBase ending in x.view(b, c, -1).mean(dim=-1)),
conv_mixer/__init__.py (ConvMixerLayer: depth-wise Conv2d(groups=d_model), GELU, BatchNorm2d and the in-place
``x += residual``; PatchEmbeddings, ClassificationHead indexing x[:, :, 0, 0], ConvMixer over clone_module_list),
gan/original/__init__.py (DiscriminatorLogitsLoss / GeneratorLogitsLoss: BCEWithLogitsLoss against smoothed
labels from torch.empty(n, 1, requires_grad=False, device=None).uniform_(r1, r2), non-persistent buffers
re-registered when a batch is larger) and gan/dcgan/__init__.py (Generator of ConvTranspose2d with
nn.ReLU(True), Discriminator with LeakyReLU(0.2, inplace=True), _weights_init on the class name through
self.apply). Unchanged except where marked ``# adapted``: the docstrings/comments are dropped, labml's
experiments (CIFAR-10/MNIST trainers) are one optimizer step on a few real MNIST images (resized copies made by
NumPy for the 3-channel models), and the models are built at small widths/depths where their constructors take
them as arguments."""
import copy
from typing import List, Optional

import numpy as np  # adapted
import torch
import torch.nn as nn
import torch.utils.data

from _helpers import mnist_subset  # adapted

result = {}  # adapted


def clone_module_list(module: nn.Module, n: int) -> nn.ModuleList:
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


class ShortcutProjection(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        self.bn = nn.BatchNorm2d(out_channels)

    def forward(self, x: torch.Tensor):
        return self.bn(self.conv(x))


class ResidualBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, stride=1, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = ShortcutProjection(in_channels, out_channels, stride)
        else:
            self.shortcut = nn.Identity()
        self.act2 = nn.ReLU()

    def forward(self, x: torch.Tensor):
        shortcut = self.shortcut(x)
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.bn2(self.conv2(x))
        return self.act2(x + shortcut)


class BottleneckResidualBlock(nn.Module):
    def __init__(self, in_channels: int, bottleneck_channels: int, out_channels: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, bottleneck_channels, kernel_size=1, stride=1)
        self.bn1 = nn.BatchNorm2d(bottleneck_channels)
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(bottleneck_channels, bottleneck_channels, kernel_size=3, stride=stride, padding=1)
        self.bn2 = nn.BatchNorm2d(bottleneck_channels)
        self.act2 = nn.ReLU()
        self.conv3 = nn.Conv2d(bottleneck_channels, out_channels, kernel_size=1, stride=1)
        self.bn3 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = ShortcutProjection(in_channels, out_channels, stride)
        else:
            self.shortcut = nn.Identity()
        self.act3 = nn.ReLU()

    def forward(self, x: torch.Tensor):
        shortcut = self.shortcut(x)
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.act2(self.bn2(self.conv2(x)))
        x = self.bn3(self.conv3(x))
        return self.act3(x + shortcut)


class ResNetBase(nn.Module):
    def __init__(self, n_blocks: List[int], n_channels: List[int],
                 bottlenecks: Optional[List[int]] = None,
                 img_channels: int = 3, first_kernel_size: int = 7):
        super().__init__()
        assert len(n_blocks) == len(n_channels)
        assert bottlenecks is None or len(bottlenecks) == len(n_channels)
        self.conv = nn.Conv2d(img_channels, n_channels[0],
                              kernel_size=first_kernel_size, stride=2, padding=first_kernel_size // 2)
        self.bn = nn.BatchNorm2d(n_channels[0])
        blocks = []
        prev_channels = n_channels[0]
        for i, channels in enumerate(n_channels):
            stride = 2 if len(blocks) == 0 else 1

            if bottlenecks is None:
                blocks.append(ResidualBlock(prev_channels, channels, stride=stride))
            else:
                blocks.append(BottleneckResidualBlock(prev_channels, bottlenecks[i], channels,
                                                      stride=stride))
            prev_channels = channels
            for _ in range(n_blocks[i] - 1):
                if bottlenecks is None:
                    blocks.append(ResidualBlock(channels, channels, stride=1))
                else:
                    blocks.append(BottleneckResidualBlock(channels, bottlenecks[i], channels, stride=1))
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x: torch.Tensor):
        x = self.bn(self.conv(x))
        x = self.blocks(x)
        x = x.view(x.shape[0], x.shape[1], -1)
        return x.mean(dim=-1)


# adapted: labml's resnet experiment (CIFAR-10) as one SGD step on 8 MNIST digits tiled to 3 channels
xs, ys, _, _ = mnist_subset(8, 1)
imgs = torch.from_numpy(np.repeat(xs, 3, axis=1)[:, :, 2:26, 2:26].copy())
labels = torch.from_numpy(ys)
for name, kwargs in [("basic", dict(n_blocks=[2, 1], n_channels=[8, 16])),
                     ("bottleneck", dict(n_blocks=[1, 2], n_channels=[8, 16], bottlenecks=[4, 8]))]:
    torch.manual_seed(3)
    base = ResNetBase(**kwargs)
    model = nn.Sequential(base, nn.Linear(16, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = nn.functional.cross_entropy(model(imgs), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        out = model(imgs)
    result["resnet_" + name] = [loss.item(), out[:2].tolist(), base.bn.running_var[:4].tolist(),
                                [type(b.shortcut).__name__ for b in base.blocks], base.conv.weight.grad.abs().sum().item()]


class ConvMixerLayer(nn.Module):
    def __init__(self, d_model: int, kernel_size: int):
        super().__init__()
        self.depth_wise_conv = nn.Conv2d(d_model, d_model,
                                         kernel_size=kernel_size,
                                         groups=d_model,
                                         padding=(kernel_size - 1) // 2)
        self.act1 = nn.GELU()
        self.norm1 = nn.BatchNorm2d(d_model)
        self.point_wise_conv = nn.Conv2d(d_model, d_model, kernel_size=1)
        self.act2 = nn.GELU()
        self.norm2 = nn.BatchNorm2d(d_model)

    def forward(self, x: torch.Tensor):
        residual = x
        x = self.depth_wise_conv(x)
        x = self.act1(x)
        x = self.norm1(x)
        x += residual
        x = self.point_wise_conv(x)
        x = self.act2(x)
        x = self.norm2(x)
        return x


class PatchEmbeddings(nn.Module):
    def __init__(self, d_model: int, patch_size: int, in_channels: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, d_model, kernel_size=patch_size, stride=patch_size)
        self.act = nn.GELU()
        self.norm = nn.BatchNorm2d(d_model)

    def forward(self, x: torch.Tensor):
        x = self.conv(x)
        x = self.act(x)
        x = self.norm(x)
        return x


class ClassificationHead(nn.Module):
    def __init__(self, d_model: int, n_classes: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.linear = nn.Linear(d_model, n_classes)

    def forward(self, x: torch.Tensor):
        x = self.pool(x)
        x = x[:, :, 0, 0]
        x = self.linear(x)
        return x


class ConvMixer(nn.Module):
    def __init__(self, conv_mixer_layer: ConvMixerLayer, n_layers: int,
                 patch_emb: PatchEmbeddings,
                 classification: ClassificationHead):
        super().__init__()
        self.patch_emb = patch_emb
        self.classification = classification
        self.conv_mixer_layers = clone_module_list(conv_mixer_layer, n_layers)

    def forward(self, x: torch.Tensor):
        x = self.patch_emb(x)
        for layer in self.conv_mixer_layers:
            x = layer(x)
        x = self.classification(x)
        return x


torch.manual_seed(4)  # adapted: conv_mixer/experiment.py's model (d_model 256, 8 layers, kernel 9) made small
mixer = ConvMixer(ConvMixerLayer(16, 5), 2, PatchEmbeddings(16, 2, 3), ClassificationHead(16, 10))
optimizer = torch.optim.Adam(mixer.parameters(), lr=2.5e-4)
loss = nn.functional.cross_entropy(mixer(imgs), labels)
optimizer.zero_grad()
loss.backward()
optimizer.step()
result["conv_mixer"] = [loss.item(), mixer.conv_mixer_layers[1].depth_wise_conv.weight.grad[0, 0].tolist(),
                        mixer(imgs)[0].tolist()]


class DiscriminatorLogitsLoss(nn.Module):
    def __init__(self, smoothing: float = 0.2):
        super().__init__()
        self.loss_true = nn.BCEWithLogitsLoss()
        self.loss_false = nn.BCEWithLogitsLoss()
        self.smoothing = smoothing
        self.register_buffer('labels_true', _create_labels(256, 1.0 - smoothing, 1.0), False)
        self.register_buffer('labels_false', _create_labels(256, 0.0, smoothing), False)

    def forward(self, logits_true: torch.Tensor, logits_false: torch.Tensor):
        if len(logits_true) > len(self.labels_true):
            self.register_buffer("labels_true",
                                 _create_labels(len(logits_true), 1.0 - self.smoothing, 1.0, logits_true.device), False)
        if len(logits_false) > len(self.labels_false):
            self.register_buffer("labels_false",
                                 _create_labels(len(logits_false), 0.0, self.smoothing, logits_false.device), False)

        return (self.loss_true(logits_true, self.labels_true[:len(logits_true)]),
                self.loss_false(logits_false, self.labels_false[:len(logits_false)]))


class GeneratorLogitsLoss(nn.Module):
    def __init__(self, smoothing: float = 0.2):
        super().__init__()
        self.loss_true = nn.BCEWithLogitsLoss()
        self.smoothing = smoothing
        self.register_buffer('fake_labels', _create_labels(256, 1.0 - smoothing, 1.0), False)

    def forward(self, logits: torch.Tensor):
        if len(logits) > len(self.fake_labels):
            self.register_buffer("fake_labels",
                                 _create_labels(len(logits), 1.0 - self.smoothing, 1.0, logits.device), False)

        return self.loss_true(logits, self.fake_labels[:len(logits)])


def _create_labels(n: int, r1: float, r2: float, device: torch.device = None):
    return torch.empty(n, 1, requires_grad=False, device=device).uniform_(r1, r2)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.ConvTranspose2d(100, 1024, 3, 1, 0, bias=False),
            nn.BatchNorm2d(1024),
            nn.ReLU(True),
            nn.ConvTranspose2d(1024, 512, 3, 2, 0, bias=False),
            nn.BatchNorm2d(512),
            nn.ReLU(True),
            nn.ConvTranspose2d(512, 256, 4, 2, 1, bias=False),
            nn.BatchNorm2d(256),
            nn.ReLU(True),
            nn.ConvTranspose2d(256, 1, 4, 2, 1, bias=False),
            nn.Tanh()
        )

        self.apply(_weights_init)

    def forward(self, x):
        x = x.unsqueeze(-1).unsqueeze(-1)
        x = self.layers(x)
        return x


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 256, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(256, 512, 4, 2, 1, bias=False),
            nn.BatchNorm2d(512),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(512, 1024, 3, 2, 0, bias=False),
            nn.BatchNorm2d(1024),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(1024, 1, 3, 1, 0, bias=False),
        )
        self.apply(_weights_init)

    def forward(self, x):
        x = self.layers(x)
        return x.view(x.shape[0], -1)


def _weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


# adapted: gan/original/experiment.py's step (discriminator then generator, Adam(lr=2.5e-4, betas=(0.5, 0.999)),
# label_smoothing 0.01 as the dcgan configs set it) for one batch of 2 real MNIST digits scaled to [-1, 1]
torch.manual_seed(5)
generator, discriminator = Generator(), Discriminator()
generator_loss, discriminator_loss = GeneratorLogitsLoss(0.01), DiscriminatorLogitsLoss(0.01)
result["gan_labels"] = [discriminator_loss.labels_true[:3, 0].tolist(), discriminator_loss.labels_false[:3, 0].tolist(),
                        sorted(discriminator_loss.state_dict()), generator_loss.fake_labels.shape == (256, 1)]
g_opt = torch.optim.Adam(generator.parameters(), lr=2.5e-4, betas=(0.5, 0.999))
d_opt = torch.optim.Adam(discriminator.parameters(), lr=2.5e-4, betas=(0.5, 0.999))
data = torch.from_numpy(np.clip(xs[:2] * 0.3081 + 0.1307, 0, 1) * 2 - 1)
latent = torch.randn(2, 100)
logits_true = discriminator(data)
logits_false = discriminator(generator(latent).detach())
loss_true, loss_false = discriminator_loss(logits_true, logits_false)
d_loss = loss_true + loss_false
d_opt.zero_grad()
d_loss.backward()
d_opt.step()
generated_images = generator(torch.randn(2, 100))
g_loss = generator_loss(discriminator(generated_images))
g_opt.zero_grad()
g_loss.backward()
g_opt.step()
big = DiscriminatorLogitsLoss(0.2)
lt, lf = big(torch.zeros(300, 1), torch.zeros(2, 1))  # a batch larger than the 256 labels: re-registered
result["dcgan"] = [loss_true.item(), loss_false.item(), g_loss.item(), generated_images.shape == (2, 1, 28, 28),
                   generated_images[0, 0, 14, 10:14].tolist(), generator.layers[0].weight.grad.abs().sum().item(),
                   lt.item(), lf.item(), big.labels_true.shape == (300, 1)]
