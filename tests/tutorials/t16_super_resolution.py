"""Super-resolution (pytorch/examples/super_resolution), small: Conv2d stack ending in PixelShuffle,
init.orthogonal_ with init.calculate_gain('relu') (checked for orthogonality, then weights set from NumPy),
MSELoss, Adam, PSNR with log10 on a held-out set; 14x14 -> 28x28 MNIST."""
import math
from math import log10

import numpy as np
import torch
import torch.nn as nn
import torch.nn.init as init
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset, numpy_weights


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


model = Net(upscale_factor=2)
gain = init.calculate_gain('relu')
orthogonality = []
for conv, g in ((model.conv1, gain), (model.conv2, gain), (model.conv3, gain), (model.conv4, 1.0)):
    w = conv.weight.detach().reshape(conv.weight.size(0), -1)
    rows = w.size(0) <= w.size(1)
    prod = w @ w.t() if rows else w.t() @ w
    orthogonality.append(bool(torch.allclose(prod / g ** 2, torch.eye(prod.size(0)), atol=1e-5)))
with torch.no_grad():  # the orthogonal draws differ between libraries: continue from NumPy weights
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=31)):
        p.copy_(torch.from_numpy(w))

x_train, _, x_test, _ = mnist_subset(128, 32)
high = np.clip(x_train * 0.3081 + 0.1307, 0, 1).astype(np.float32)
low = high.reshape(-1, 1, 14, 2, 14, 2).mean(axis=(3, 5))
high_t = np.clip(x_test * 0.3081 + 0.1307, 0, 1).astype(np.float32)
low_t = high_t.reshape(-1, 1, 14, 2, 14, 2).mean(axis=(3, 5))
training_data_loader = DataLoader(TensorDataset(torch.from_numpy(low), torch.from_numpy(high)), batch_size=16)
testing_data_loader = DataLoader(TensorDataset(torch.from_numpy(low_t), torch.from_numpy(high_t)), batch_size=8)

criterion = nn.MSELoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)


def train(epoch):
    epoch_loss = 0
    for iteration, batch in enumerate(training_data_loader, 1):
        input, target = batch[0], batch[1]
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()
    print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(epoch, epoch_loss / len(training_data_loader)))
    return epoch_loss / len(training_data_loader)


def test():
    avg_psnr = 0
    with torch.no_grad():
        for batch in testing_data_loader:
            input, target = batch[0], batch[1]
            prediction = model(input)
            mse = criterion(prediction, target)
            psnr = 10 * log10(1 / mse.item())
            avg_psnr += psnr
    print("===> Avg. PSNR: {:.4f} dB".format(avg_psnr / len(testing_data_loader)))
    return avg_psnr / len(testing_data_loader)


losses, psnrs = [], []
for epoch in range(1, 3):
    losses.append(train(epoch))
    psnrs.append(test())

with torch.no_grad():
    out = model(torch.from_numpy(low_t[:1])).clamp(0, 1)
result = {"orthogonal": orthogonality, "gain": gain, "losses": losses, "psnr": psnrs,
          "out_shape": list(out.shape), "out_sum": out.sum().item(), "isfinite": math.isfinite(losses[-1])}
