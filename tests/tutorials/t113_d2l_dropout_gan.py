"""Dive into Deep Learning (d2l-ai/d2l-en, commit 23d7a5a, PyTorch code; sample code under the modified
MIT licence of LICENSE-SAMPLECODE), two sections not ported before, with the d2l helpers they need (in _d2l.py):
chapter_multilayer-perceptrons/dropout.md (dropout_layer from scratch: (torch.rand(X.shape) > dropout).float()
masks, DropoutMLPScratch applying it only while self.training, the concise DropoutMLP with nn.Dropout, both on
LazyLinear layers and trained by the d2l Trainer) and chapter_generative-adversarial-networks/gan.md (data
from d2l.normal through an affine map, the linear generator and the Tanh discriminator, update_D with
fake_X.detach() and update_G, BCEWithLogitsLoss(reduction='sum'), nn.init.normal_ on every parameter, two Adam
trainers, torch.normal(0, 1, size=...) latents each batch). Unchanged except where marked ``# adapted``: a
small real-MNIST subset instead of Fashion-MNIST, fewer epochs, the loaders do not shuffle, the Animator
records its points instead of plotting, the results recorded."""
import time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from _d2l import Accumulator, make_d2l  # adapted: d2l's library classes, built on the library imported above
from _helpers import mnist_subset  # adapted

d2l = make_d2l(torch, nn, F)  # adapted
result = {}  # adapted
torch.manual_seed(0)  # adapted


class MNISTSubset(d2l.DataModule):  # adapted: stands in for d2l.FashionMNIST (no download)
    def __init__(self, batch_size=64):
        super().__init__()
        self.save_hyperparameters()
        x, y, xv, yv = mnist_subset(256, 128)
        self.X = torch.from_numpy(np.concatenate([x, xv]))
        self.y = torch.from_numpy(np.concatenate([y, yv]))

    def get_dataloader(self, train):
        i = slice(0, 256) if train else slice(256, None)
        return self.get_tensorloader((self.X, self.y), train, i)


# ---------------------------------------------------------------- chapter_multilayer-perceptrons/dropout.md
def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1: return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype = torch.float32).reshape((2, 8))
print('dropout_p = 0:', dropout_layer(X, 0))
print('dropout_p = 0.5:', dropout_layer(X, 0.5))
print('dropout_p = 1:', dropout_layer(X, 1))
result["dropout_layer"] = [dropout_layer(X, 0).tolist(), dropout_layer(X, 0.5).tolist(),
                           dropout_layer(X, 1).tolist()]  # adapted (a second draw of each)


class DropoutMLPScratch(d2l.Classifier):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2,
                 dropout_1, dropout_2, lr):
        super().__init__()
        self.save_hyperparameters()
        self.lin1 = nn.LazyLinear(num_hiddens_1)
        self.lin2 = nn.LazyLinear(num_hiddens_2)
        self.lin3 = nn.LazyLinear(num_outputs)
        self.relu = nn.ReLU()

    def forward(self, X):
        H1 = self.relu(self.lin1(X.reshape((X.shape[0], -1))))
        if self.training:  
            H1 = dropout_layer(H1, self.dropout_1)
        H2 = self.relu(self.lin2(H1))
        if self.training:
            H2 = dropout_layer(H2, self.dropout_2)
        return self.lin3(H2)


hparams = {'num_outputs':10, 'num_hiddens_1':256, 'num_hiddens_2':256,
           'dropout_1':0.5, 'dropout_2':0.5, 'lr':0.1}
model = DropoutMLPScratch(**hparams)
data = MNISTSubset(batch_size=64)  # adapted (d2l.FashionMNIST(batch_size=256))
trainer = d2l.Trainer(max_epochs=3)  # adapted (10)
trainer.fit(model, data)
result["dropout_scratch"] = {k: model.board.points[k] for k in ("train_loss", "val_loss", "val_acc")}  # adapted


class DropoutMLP(d2l.Classifier):
    def __init__(self, num_outputs, num_hiddens_1, num_hiddens_2,
                 dropout_1, dropout_2, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.Flatten(), nn.LazyLinear(num_hiddens_1), nn.ReLU(), 
            nn.Dropout(dropout_1), nn.LazyLinear(num_hiddens_2), nn.ReLU(), 
            nn.Dropout(dropout_2), nn.LazyLinear(num_outputs))


model = DropoutMLP(**hparams)
trainer.fit(model, data)
result["dropout_concise"] = {k: model.board.points[k] for k in ("train_loss", "val_loss", "val_acc")}  # adapted


# ---------------------------------------------------------------- chapter_generative-adversarial-networks/gan.md
class Timer:  #@save  (d2l's; adapted: inlined)
    """Record multiple running times."""
    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]


class Animator:  # adapted: records the points d2l plots
    def __init__(self, **kwargs):
        self.points = []
        self.fig = self
        self.axes = [self, self]

    def __getattr__(self, name):  # subplots_adjust, cla, scatter, legend
        return lambda *args, **kwargs: None

    def add(self, x, ys):
        self.points.append(list(ys))


def load_array(data_arrays, batch_size, is_train=True):  # d2l's (adapted: no shuffle)
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=False)


d2l.normal, d2l.tensor, d2l.matmul, d2l.Timer, d2l.Accumulator = torch.normal, torch.tensor, torch.matmul, Timer, Accumulator  # adapted
d2l.load_array, d2l.Animator, d2l.numpy = load_array, Animator, lambda x: x.detach().numpy()  # adapted

X = d2l.normal(0.0, 1, (1000, 2))
A = d2l.tensor([[1, 2], [-0.1, 0.5]])
b = d2l.tensor([1, 2])
data = d2l.matmul(X, A) + b

print(f'The covariance matrix is\n{d2l.matmul(A.T, A)}')

batch_size = 8
data_iter = d2l.load_array((data,), batch_size)

net_G = nn.Sequential(nn.Linear(2, 2))

net_D = nn.Sequential(
    nn.Linear(2, 5), nn.Tanh(),
    nn.Linear(5, 3), nn.Tanh(),
    nn.Linear(3, 1))


def update_D(X, Z, net_D, net_G, loss, trainer_D):
    """Update discriminator."""
    batch_size = X.shape[0]
    ones = torch.ones((batch_size,), device=X.device)
    zeros = torch.zeros((batch_size,), device=X.device)
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    # Do not need to compute gradient for `net_G`, detach it from
    # computing gradients.
    fake_Y = net_D(fake_X.detach())
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) +
              loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    return loss_D


def update_G(Z, net_D, net_G, loss, trainer_G):
    """Update generator."""
    batch_size = Z.shape[0]
    ones = torch.ones((batch_size,), device=Z.device)
    trainer_G.zero_grad()
    # We could reuse `fake_X` from `update_D` to save computation
    fake_X = net_G(Z)
    # Recomputing `fake_Y` is needed since `net_D` is changed
    fake_Y = net_D(fake_X)
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()
    return loss_G


def train(net_D, net_G, data_iter, num_epochs, lr_D, lr_G, latent_dim, data):
    loss = nn.BCEWithLogitsLoss(reduction='sum')
    for w in net_D.parameters():
        nn.init.normal_(w, 0, 0.02)
    for w in net_G.parameters():
        nn.init.normal_(w, 0, 0.02)
    trainer_D = torch.optim.Adam(net_D.parameters(), lr=lr_D)
    trainer_G = torch.optim.Adam(net_G.parameters(), lr=lr_G)
    animator = d2l.Animator(xlabel='epoch', ylabel='loss',
                            xlim=[1, num_epochs], nrows=2, figsize=(5, 5),
                            legend=['discriminator', 'generator'])
    animator.fig.subplots_adjust(hspace=0.3)
    for epoch in range(num_epochs):
        # Train one epoch
        timer = d2l.Timer()
        metric = d2l.Accumulator(3)  # loss_D, loss_G, num_examples
        for (X,) in data_iter:
            batch_size = X.shape[0]
            Z = torch.normal(0, 1, size=(batch_size, latent_dim))
            metric.add(update_D(X, Z, net_D, net_G, loss, trainer_D),
                       update_G(Z, net_D, net_G, loss, trainer_G),
                       batch_size)
        # Visualize generated examples
        Z = torch.normal(0, 1, size=(100, latent_dim))
        fake_X = net_G(Z).detach().numpy()
        animator.axes[1].cla()
        animator.axes[1].scatter(data[:, 0], data[:, 1])
        animator.axes[1].scatter(fake_X[:, 0], fake_X[:, 1])
        animator.axes[1].legend(['real', 'generated'])
        # Show the losses
        loss_D, loss_G = metric[0]/metric[2], metric[1]/metric[2]
        animator.add(epoch + 1, (loss_D, loss_G))
    print(f'loss_D {loss_D:.3f}, loss_G {loss_G:.3f}, '
          f'{metric[2] / timer.stop():.1f} examples/sec')
    return animator.points, fake_X  # adapted


lr_D, lr_G, latent_dim, num_epochs = 0.05, 0.005, 2, 4  # adapted (num_epochs=20)
gan_losses, fake_X = train(net_D, net_G, data_iter, num_epochs, lr_D, lr_G,
      latent_dim, d2l.numpy(data[:100]))  # adapted: the recorded points kept
result["gan"] = {"losses": gan_losses, "fake_X": fake_X[:10].tolist(), "G": [p.tolist() for p in net_G.parameters()],
                 "data_mean": data.mean(0).tolist()}  # adapted
