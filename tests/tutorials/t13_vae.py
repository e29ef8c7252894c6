"""Variational autoencoder (pytorch/examples/vae), small: Linear encoder to mu/logvar, the reparameterization
trick with randn_like (its values replaced by NumPy draws so both libraries see the same noise),
binary_cross_entropy(reduction='sum') + KL divergence, Adam, a test pass under no_grad and decoding samples."""
import numpy as np
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F

from _helpers import mnist_subset, numpy_weights

rng = np.random.default_rng(11)


def numpy_randn_like(t):
    eps = torch.randn_like(t)  # the example's call; its values are then set from NumPy
    eps.copy_(torch.from_numpy(rng.standard_normal(tuple(t.shape)).astype(np.float32)))
    return eps


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc21 = nn.Linear(64, 8)
        self.fc22 = nn.Linear(64, 8)
        self.fc3 = nn.Linear(8, 64)
        self.fc4 = nn.Linear(64, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = numpy_randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')
    # see Appendix B from VAE paper: Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


device = torch.device("cpu")
model = VAE().to(device)
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=5)):
        p.copy_(torch.from_numpy(w))
optimizer = optim.Adam(model.parameters(), lr=1e-3)

x_train, y_train, x_test, y_test = mnist_subset(256, 64)
to_unit = lambda a: np.clip(a * 0.3081 + 0.1307, 0.0, 1.0).astype(np.float32)  # noqa: E731  (ToTensor's range)
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(to_unit(x_train)), torch.from_numpy(y_train)), batch_size=32)
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(to_unit(x_test)), torch.from_numpy(y_test)), batch_size=32)


def train(epoch):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print('====> Epoch: {} Average loss: {:.4f}'.format(epoch, train_loss / len(train_loader.dataset)))
    return train_loss / len(train_loader.dataset)


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n], recon_batch.view(32, 1, 28, 28)[:n]])
    test_loss /= len(test_loader.dataset)
    print('====> Test set loss: {:.4f}'.format(test_loss))
    return test_loss, comparison


train_losses, test_losses = [], []
for epoch in range(1, 3):
    train_losses.append(train(epoch))
    loss, comparison = test(epoch)
    test_losses.append(loss)
    with torch.no_grad():
        sample = torch.from_numpy(rng.standard_normal((16, 8)).astype(np.float32)).to(device)
        sample = model.decode(sample).cpu()

result = {"train_losses": train_losses, "test_losses": test_losses, "comparison_shape": list(comparison.shape),
          "comparison_sum": comparison.sum().item(), "sample_mean": sample.mean().item(),
          "sample_row": sample.view(16, 1, 28, 28)[0, 0, 14, 10:18].tolist()}
