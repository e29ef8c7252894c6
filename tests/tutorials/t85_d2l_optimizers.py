"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code), chapter_optimization: minibatch-sgd, momentum, adagrad,
rmsprop, adadelta and adam (with Yogi), the optimizers written from scratch and through torch.optim, with the d2l
helpers they use inlined (Timer, load_array, linreg, squared_loss, evaluate_loss; Accumulator from _d2l.py; the
Animator records its points): element/column/block matrix products with item and slice assignment (A[i, j] = torch.dot(...),
A[:, j] = torch.mv(...), A[:, j:j+64] = torch.mm(...)), get_data_ch11 (normalised NumPy table through
torch.from_numpy and a shuffled DataLoader), train_ch11 (torch.normal(mean=, std=, size=, requires_grad=True),
trainer_fn updating with p.data.sub_, ``v[:] = ...`` and ``p[:] -= ...`` under no_grad, p.grad.data.zero_(),
hyperparams['t'] += 1) and train_concise_ch11 (nn.Sequential(nn.Linear(5, 1)), normal_ init through apply,
trainer_fn(net.parameters(), **hyperparams), MSELoss(reduction='none'), l.mean().backward()) with SGD (momentum),
Adagrad, RMSprop(alpha=), Adadelta(rho=) and Adam. Adapted: the airfoil table is 200 generated rows of 6
columns, the matrices are 64x64 (the timings are not compared), random numbers come from torch.manual_seed, and
the loss is evaluated every 50 examples."""
import time

import numpy as np
import torch
from torch import nn

from _d2l import Accumulator

result = {}
torch.manual_seed(0)  # adapted


class Timer:  #@save
    """Record multiple running times."""
    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start the timer."""
        self.tik = time.time()

    def stop(self):
        """Stop the timer and record the time in a list."""
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        """Return the average time."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """Return the sum of time."""
        return sum(self.times)

    def cumsum(self):
        """Return the accumulated time."""
        return np.array(self.times).cumsum().tolist()




class Animator:  # adapted: records the points d2l plots
    def __init__(self, **kwargs):
        self.Y = [[]]

    def add(self, x, ys):
        self.Y[0].append(ys[0])


def load_array(data_arrays, batch_size, is_train=True):
    dataset = torch.utils.data.TensorDataset(*data_arrays)
    return torch.utils.data.DataLoader(dataset, batch_size, shuffle=is_train)


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def evaluate_loss(net, data_iter, loss):
    metric = Accumulator(2)  # Sum of losses, no. of examples
    for X, y in data_iter:
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y)
        metric.add(l.sum(), l.numel())
    return metric[0] / metric[1]


# ---------------------------------------------------------------- vectorization and caches
n = 64  # adapted: 256
A = torch.zeros(n, n)
B = torch.randn(n, n)
C = torch.randn(n, n)
timer = Timer()
timer.start()
for i in range(n):
    for j in range(n):
        A[i, j] = torch.dot(B[i, :], C[:, j])
timer.stop()
A_element = A.clone()
timer.start()
for j in range(n):
    A[:, j] = torch.mv(B, C[:, j])
timer.stop()
timer.start()
A = torch.mm(B, C)
timer.stop()
timer.start()
for j in range(0, n, 16):
    A[:, j:j+16] = torch.mm(B, C[:, j:j+16])
timer.stop()
result["matmul_forms"] = [(A_element - A).abs().max().item() < 1e-4, A.sum().item(), len(timer.times)]


# ---------------------------------------------------------------- minibatch SGD and the training loops
def get_data_ch11(batch_size=10, n=1500):
    data = np.random.default_rng(4).normal(size=(200, 6)).astype(np.float32)  # adapted: airfoil_self_noise.dat
    data[:, -1] = data[:, :-1] @ np.array([0.5, -1.0, 0.3, 0.0, 2.0], np.float32) + 0.1 * data[:, -1]
    data = torch.from_numpy((data - data.mean(axis=0)) / data.std(axis=0))
    data_iter = load_array((data[:n, :-1], data[:n, -1]),
                           batch_size, is_train=True)
    return data_iter, data.shape[1]-1


def sgd(params, states, hyperparams):
    for p in params:
        p.data.sub_(hyperparams['lr'] * p.grad)
        p.grad.data.zero_()


def train_ch11(trainer_fn, states, hyperparams, data_iter,
               feature_dim, num_epochs=2):
    # Initialization
    w = torch.normal(mean=0.0, std=0.01, size=(feature_dim, 1),
                     requires_grad=True)
    b = torch.zeros((1), requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    # Train
    animator = Animator(xlabel='epoch', ylabel='loss',
                        xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            l = loss(net(X), y).mean()
            l.backward()
            trainer_fn([w, b], states, hyperparams)
            n += X.shape[0]
            if n % 50 == 0:  # adapted: 200
                timer.stop()
                animator.add(n/X.shape[0]/len(data_iter),
                             (evaluate_loss(net, data_iter, loss),))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.3f}')
    return animator.Y[0], w.detach().reshape(-1).tolist()


def train_concise_ch11(trainer_fn, hyperparams, data_iter, num_epochs=4):
    # Initialization
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) == nn.Linear:
            torch.nn.init.normal_(module.weight, std=0.01)

    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    animator = Animator(xlabel='epoch', ylabel='loss',
                        xlim=[0, num_epochs], ylim=[0.22, 0.35])
    n, timer = 0, Timer()
    for _ in range(num_epochs):
        for X, y in data_iter:
            optimizer.zero_grad()
            out = net(X)
            y = y.reshape(out.shape)
            l = loss(out, y)
            l.mean().backward()
            optimizer.step()
            n += X.shape[0]
            if n % 50 == 0:  # adapted: 200
                timer.stop()
                # `MSELoss` computes squared error without the 1/2 factor
                animator.add(n/X.shape[0]/len(data_iter),
                             (evaluate_loss(net, data_iter, loss) / 2,))
                timer.start()
    print(f'loss: {animator.Y[0][-1]:.3f}')
    return animator.Y[0], net[0].weight.detach().reshape(-1).tolist()


def train_sgd(lr, batch_size, num_epochs=2):
    data_iter, feature_dim = get_data_ch11(batch_size)
    return train_ch11(
        sgd, None, {'lr': lr}, data_iter, feature_dim, num_epochs)


result["gd"] = train_sgd(1, 200, 4)  # adapted: 1500 rows, 10 epochs
result["sgd"] = train_sgd(0.005, 1)
result["minibatch"] = train_sgd(0.05, 10)
data_iter, _ = get_data_ch11(10)
trainer = torch.optim.SGD
result["concise_sgd"] = train_concise_ch11(trainer, {'lr': 0.01}, data_iter)


# ---------------------------------------------------------------- momentum
def init_momentum_states(feature_dim):
    v_w = torch.zeros((feature_dim, 1))
    v_b = torch.zeros(1)
    return (v_w, v_b)


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


data_iter, feature_dim = get_data_ch11(batch_size=10)


def train_momentum(lr, momentum, num_epochs=2):
    return train_ch11(sgd_momentum, init_momentum_states(feature_dim),
                      {'lr': lr, 'momentum': momentum}, data_iter,
                      feature_dim, num_epochs)


result["momentum"] = train_momentum(0.02, 0.5)
result["concise_momentum"] = train_concise_ch11(torch.optim.SGD, {'lr': 0.005, 'momentum': 0.9}, data_iter)


# ---------------------------------------------------------------- adagrad
def init_adagrad_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


result["adagrad"] = train_ch11(adagrad, init_adagrad_states(feature_dim),
                               {'lr': 0.1}, data_iter, feature_dim)
result["concise_adagrad"] = train_concise_ch11(torch.optim.Adagrad, {'lr': 0.1}, data_iter)


# ---------------------------------------------------------------- rmsprop
def init_rmsprop_states(feature_dim):
    s_w = torch.zeros((feature_dim, 1))
    s_b = torch.zeros(1)
    return (s_w, s_b)


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


result["rmsprop"] = train_ch11(rmsprop, init_rmsprop_states(feature_dim),
                               {'lr': 0.01, 'gamma': 0.9}, data_iter, feature_dim)
result["concise_rmsprop"] = train_concise_ch11(torch.optim.RMSprop, {'lr': 0.01, 'alpha': 0.9}, data_iter)


# ---------------------------------------------------------------- adadelta
def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            # In-place updates via [:]
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


result["adadelta"] = train_ch11(adadelta, init_adadelta_states(feature_dim),
                                {'rho': 0.9}, data_iter, feature_dim)
result["concise_adadelta"] = train_concise_ch11(torch.optim.Adadelta, {'rho': 0.9}, data_iter)


# ---------------------------------------------------------------- adam and yogi
def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


result["adam"] = train_ch11(adam, init_adam_states(feature_dim),
                            {'lr': 0.01, 't': 1}, data_iter, feature_dim)
result["concise_adam"] = train_concise_ch11(torch.optim.Adam, {'lr': 0.01}, data_iter)


def yogi(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s + (1 - beta2) * torch.sign(
                torch.square(p.grad) - s) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr)
                                                       + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


result["yogi"] = train_ch11(yogi, init_adam_states(feature_dim),
                            {'lr': 0.01, 't': 1}, data_iter, feature_dim)
