"""A residual block with batch normalization (ResNet style), trained with momentum SGD and weight decay."""
import torch
from torch import nn
from torch.nn import functional as F

from _helpers import mnist_subset, numpy_weights


class Residual(nn.Module):
    def __init__(self, in_channels, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.Conv2d(in_channels, num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


net = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
    Residual(8, 8), Residual(8, 16, use_1x1conv=True, strides=2),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, 10))
with torch.no_grad():
    named = list(net.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=3)):
        p.copy_(torch.from_numpy(w))

x_train, y_train, x_test, y_test = mnist_subset(256, 128)
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-4)
losses = []
net.train()
for i in range(0, 256, 32):
    xb, yb = torch.tensor(x_train[i:i + 32]), torch.tensor(y_train[i:i + 32])
    loss = F.cross_entropy(net(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

net.eval()
with torch.no_grad():
    logits = net(torch.tensor(x_test))
    acc = (logits.argmax(dim=1) == torch.tensor(y_test)).float().mean().item()
bn = net[1]
result = {"losses": losses, "accuracy": acc, "running_mean": bn.running_mean.tolist(),
          "running_var": bn.running_var.tolist(), "num_batches_tracked": int(bn.num_batches_tracked)}
