"""A small VGG-style network: blocks of 3x3 convolutions built in a loop, nn.Sequential, adaptive pooling."""
import torch
from torch import nn

from _helpers import mnist_subset, numpy_weights


def vgg_block(num_convs, in_channels, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def vgg(conv_arch):
    conv_blks = []
    in_channels = 1
    for (num_convs, out_channels) in conv_arch:
        conv_blks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    return nn.Sequential(
        *conv_blks, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
        nn.Linear(out_channels, 32), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(32, 10))


net = vgg(((1, 8), (1, 16), (2, 16)))
with torch.no_grad():
    named = list(net.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=2)):
        p.copy_(torch.from_numpy(w))
X = torch.randn(size=(1, 1, 28, 28))
shapes = []
for blk in net:
    X = blk(X)
    shapes.append((blk.__class__.__name__, list(X.shape)))
    print(blk.__class__.__name__, "output shape:\t", X.shape)

x_train, y_train, _, _ = mnist_subset(256, 0)
net.eval()  # dropout off, so both libraries compute the same function
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
loss_fn = nn.CrossEntropyLoss()
losses = []
for i in range(0, 256, 32):
    xb, yb = torch.tensor(x_train[i:i + 32]), torch.tensor(y_train[i:i + 32])
    loss = loss_fn(net(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
result = {"shapes": shapes, "losses": losses}
