"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code): chapter_preliminaries (ndarray, linear-algebra, autograd,
probability), chapter_builders-guide (model-construction, parameters, init-param, lazy-init, custom-layer,
read-write) and chapter_convolutional-neural-networks (conv-layer, padding-and-strides, channels, pooling), cell
by cell; what a notebook cell displays is recorded as its repr (the library name in dtype/class names mapped to
torch). Covered: tensor creation and slicing assignment, broadcasting, id()-checked in-place updates (Z[:] = ...,
X += Y), NumPy round trips, a.item()/float(a)/int(a), sums with axis=[0, 1] and keepdims=True, cumsum(axis=0),
mv/mm/@, torch.norm, autograd (backward(gradient=...), detach, control flow), Multinomial sampling after
manual_seed, LazyLinear networks, MySequential with add_module/children(), FixedHiddenMLP (X /= 2 in a loop),
state_dict and parameter access (type(bias), .data, grad == None), shared layers, init with apply
(normal_/constant_/xavier_uniform_/uniform_ and ``weight.data *= weight.data.abs() >= 5``), an uninitialized lazy
parameter's repr, custom layers, torch.save/load of a tensor, a list and a dict, the corr2d loops with item
assignment, a learned LazyConv2d edge detector (weight.data[:] -= lr * grad), conv padding/stride shapes,
multi-channel correlation with zip/sum/stack, the 1x1 convolution as a matmul, pool2d and nn.MaxPool2d. Random
numbers come from torch.manual_seed(0) (adapted: the chapters leave the generator unseeded); files go to a
temporary directory; pandas, plots and help() are left out."""
import os
import random
import tempfile

import torch
from torch import nn
from torch.nn import functional as F
from torch.distributions.multinomial import Multinomial

result = {}
shown = []
shown_numbers = []


def show(*xs):  # adapted: what the notebook cell displays: its layout (digits masked) and its numbers
    import re
    text = repr(xs[0] if len(xs) == 1 else xs).replace("miniconv.", "torch.").replace("'miniconv", "'torch")
    shown.append(re.sub(r"[0-9]", "0", text))
    shown_numbers.append([float(v) for v in re.findall(r"-?[0-9]+\.?[0-9]*(?:e[-+][0-9]+)?", text)])
    print(text)


torch.manual_seed(0)  # adapted
random.seed(0)
tmp = tempfile.TemporaryDirectory()
os.chdir(tmp.name)  # adapted: the read-write section saves into the working directory

# ---------------------------------------------------------------- ndarray
x = torch.arange(12, dtype=torch.float32)
show(x)
show(x.numel())
show(x.shape)
X = x.reshape(3, 4)
show(X)
show(torch.zeros((2, 3, 4)).shape)
show(torch.randn(3, 4))
show(torch.tensor([[2, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]]))
show(X[-1], X[1:3])
X[1, 2] = 17
show(X)
X[:2, :] = 12
show(X)
show(torch.exp(x))
x = torch.tensor([1.0, 2, 4, 8])
y = torch.tensor([2, 2, 2, 2])
show(x + y, x - y, x * y, x / y, x ** y)
X = torch.arange(12, dtype=torch.float32).reshape((3,4))
Y = torch.tensor([[2.0, 1, 4, 3], [1, 2, 3, 4], [4, 3, 2, 1]])
show(torch.cat((X, Y), dim=0), torch.cat((X, Y), dim=1))
show(X == Y)
show(X.sum())
a = torch.arange(3).reshape((3, 1))
b = torch.arange(2).reshape((1, 2))
show(a + b)
before = id(Y)
Y = Y + X
show(id(Y) == before)
Z = torch.zeros_like(Y)
z_id = id(Z)
Z[:] = X + Y
show(id(Z) == z_id)
before = id(X)
X += Y
show(id(X) == before)
A = X.numpy()
B = torch.from_numpy(A)
show(type(A).__name__, type(B).__name__)
a = torch.tensor([3.5])
show(a, a.item(), float(a), int(a))

# ---------------------------------------------------------------- linear algebra
x = torch.tensor(3.0)
y = torch.tensor(2.0)
show(x + y, x * y, x / y, x**y)
x = torch.arange(3)
show(x, x[2], len(x), x.shape)
A = torch.arange(6).reshape(3, 2)
show(A.T)
A = torch.tensor([[1, 2, 3], [2, 0, 4], [3, 4, 5]])
show(A == A.T)
show(torch.arange(24).reshape(2, 3, 4))
A = torch.arange(6, dtype=torch.float32).reshape(2, 3)
B = A.clone()  # Assign a copy of A to B by allocating new memory
show(A, A + B)
show(A * B)
a = 2
X = torch.arange(24).reshape(2, 3, 4)
show(a + X, (a * X).shape)
x = torch.arange(3, dtype=torch.float32)
show(x, x.sum())
show(A.shape, A.sum())
show(A.shape, A.sum(axis=0).shape)
show(A.shape, A.sum(axis=1).shape)
show(A.sum(axis=[0, 1]) == A.sum())  # Same as A.sum()
show(A.mean(), A.sum() / A.numel())
show(A.mean(axis=0), A.sum(axis=0) / A.shape[0])
sum_A = A.sum(axis=1, keepdims=True)
show(sum_A, sum_A.shape)
show(A / sum_A)
show(A.cumsum(axis=0))
y = torch.ones(3, dtype = torch.float32)
show(x, y, torch.dot(x, y))
show(torch.sum(x * y))
show(A.shape, x.shape, torch.mv(A, x), A@x)
B = torch.ones(3, 4)
show(torch.mm(A, B), A@B)
u = torch.tensor([3.0, -4.0])
show(torch.norm(u))
show(torch.abs(u).sum())
show(torch.norm(torch.ones((4, 9))))

# ---------------------------------------------------------------- autograd
x = torch.arange(4.0)
x.requires_grad_(True)
show(x.grad)  # The gradient is None by default
y = 2 * torch.dot(x, x)
show(y)
y.backward()
show(x.grad)
show(x.grad == 4 * x)
x.grad.zero_()  # Reset the gradient
y = x.sum()
y.backward()
show(x.grad)
x.grad.zero_()
y = x * x
y.backward(gradient=torch.ones(len(y)))  # Faster: y.sum().backward()
show(x.grad)
x.grad.zero_()
y = x * x
u = y.detach()
z = u * x
z.sum().backward()
show(x.grad == u)
x.grad.zero_()
y.sum().backward()
show(x.grad == 2 * x)


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


a = torch.randn(size=(), requires_grad=True)
d = f(a)
d.backward()
show(a.grad == d / a)

# ---------------------------------------------------------------- probability
num_tosses = 100
heads = sum([random.random() > 0.5 for _ in range(num_tosses)])
tails = num_tosses - heads
print("heads, tails: ", [heads, tails])
fair_probs = torch.tensor([0.5, 0.5])
show(Multinomial(100, fair_probs).sample())
show(Multinomial(100, fair_probs).sample() / 100)
counts = Multinomial(10000, fair_probs).sample()
show(counts / 10000)
counts = Multinomial(1, fair_probs).sample((100,))  # adapted: 10000
cum_counts = counts.cumsum(dim=0)
estimates = cum_counts / cum_counts.sum(dim=1, keepdims=True)
estimates = estimates.numpy()
result["estimates"] = estimates[::10, 0].tolist()

# ---------------------------------------------------------------- model construction
net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
X = torch.rand(2, 20)
show(net(X).shape)


class MLP(nn.Module):
    def __init__(self):
        # Call the constructor of the parent class nn.Module to perform
        # the necessary initialization
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.out = nn.LazyLinear(10)

    # Define the forward propagation of the model, that is, how to return the
    # required model output based on the input X
    def forward(self, X):
        return self.out(F.relu(self.hidden(X)))


net = MLP()
show(net(X).shape)


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        for module in self.children():
            X = module(X)
        return X


net = MySequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
show(net(X).shape)


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        # Random weight parameters that will not compute gradients and
        # therefore keep constant during training
        self.rand_weight = torch.rand((20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        # Reuse the fully connected layer. This is equivalent to sharing
        # parameters with two fully connected layers
        X = self.linear(X)
        # Control flow
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()


net = FixedHiddenMLP()
show(net(X))


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(),
                                 nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.net(X))


chimera = nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())
show(chimera(X))

# ---------------------------------------------------------------- parameters
net = nn.Sequential(nn.LazyLinear(8),
                    nn.ReLU(),
                    nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
show(net(X).shape)
show(net[2].state_dict())
show(type(net[2].bias).__name__, net[2].bias.data)
show(net[2].weight.grad == None)
show([(name, param.shape) for name, param in net.named_parameters()])
shared = nn.LazyLinear(8)
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(),
                    shared, nn.ReLU(),
                    shared, nn.ReLU(),
                    nn.LazyLinear(1))
show(net(X))
# Check whether the parameters are the same
print(net[2].weight.data[0] == net[4].weight.data[0])
net[2].weight.data[0, 0] = 100
# Make sure that they are actually the same object rather than just having the
# same value
print(net[2].weight.data[0] == net[4].weight.data[0])
show(net[4].weight.data[0])

# ---------------------------------------------------------------- parameter initialization
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
X = torch.rand(size=(2, 4))
show(net(X).shape)


def init_normal(module):
    if type(module) == nn.Linear:
        nn.init.normal_(module.weight, mean=0, std=0.01)
        nn.init.zeros_(module.bias)


net.apply(init_normal)
show(net[0].weight.data[0], net[0].bias.data[0])


def init_constant(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 1)
        nn.init.zeros_(module.bias)


net.apply(init_constant)
show(net[0].weight.data[0], net[0].bias.data[0])


def init_xavier(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)


def init_42(module):
    if type(module) == nn.Linear:
        nn.init.constant_(module.weight, 42)


net[0].apply(init_xavier)
net[2].apply(init_42)
print(net[0].weight.data[0])
print(net[2].weight.data)
show(net[0].weight.data[0])


def my_init(module):
    if type(module) == nn.Linear:
        print("Init", *[(name, param.shape)
                        for name, param in module.named_parameters()][0])
        nn.init.uniform_(module.weight, -10, 10)
        module.weight.data *= module.weight.data.abs() >= 5


net.apply(my_init)
show(net[0].weight[:2])
net[0].weight.data[:] += 1
net[0].weight.data[0, 0] = 42
show(net[0].weight.data[0])

# ---------------------------------------------------------------- lazy initialization
net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
show(net[0].weight)
X = torch.rand(2, 20)
show(net(X).shape)
show(net[0].weight.shape)


# ---------------------------------------------------------------- custom layers
class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()

    def forward(self, X):
        return X - X.mean()


layer = CenteredLayer()
show(layer(torch.tensor([1.0, 2, 3, 4, 5])))
net = nn.Sequential(nn.LazyLinear(128), CenteredLayer())
Y = net(torch.rand(4, 8))
result["centered_mean"] = abs(Y.mean().item()) < 1e-6


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units,))

    def forward(self, X):
        linear = torch.matmul(X, self.weight.data) + self.bias.data
        return F.relu(linear)


linear = MyLinear(5, 3)
show(linear.weight)
show(linear(torch.rand(2, 5)))
net = nn.Sequential(MyLinear(64, 8), MyLinear(8, 1))
show(net(torch.rand(2, 64)))

# ---------------------------------------------------------------- file I/O
x = torch.arange(4)
torch.save(x, 'x-file')
x2 = torch.load('x-file')
show(x2)
y = torch.zeros(4)
torch.save([x, y],'x-files')
x2, y2 = torch.load('x-files')
show((x2, y2))
mydict = {'x': x, 'y': y}
torch.save(mydict, 'mydict')
mydict2 = torch.load('mydict')
show(mydict2)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.LazyLinear(256)
        self.output = nn.LazyLinear(10)

    def forward(self, x):
        return self.output(F.relu(self.hidden(x)))


net = MLP()
X = torch.randn(size=(2, 20))
Y = net(X)
torch.save(net.state_dict(), 'mlp.params')
clone = MLP()
clone.load_state_dict(torch.load('mlp.params'))
show(clone.eval())
Y_clone = clone(X)
show(Y_clone == Y)


# ---------------------------------------------------------------- convolutions for images
def corr2d(X, K):  #@save
    """Compute 2D cross-correlation."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i: i + h, j: j + w] * K).sum()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
show(corr2d(X, K))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


show(Conv2D((2, 2))(X))
X = torch.ones((6, 8))
X[:, 2:6] = 0
show(X)
K = torch.tensor([[1.0, -1.0]])
Y = corr2d(X, K)
show(Y)
show(corr2d(X.t(), K))
conv2d = nn.LazyConv2d(1, kernel_size=(1, 2), bias=False)
X = X.reshape((1, 1, 6, 8))
Y = Y.reshape((1, 1, 6, 7))
lr = 3e-2  # Learning rate
for i in range(10):
    Y_hat = conv2d(X)
    l = (Y_hat - Y) ** 2
    conv2d.zero_grad()
    l.sum().backward()
    # Update the kernel
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
    if (i + 1) % 2 == 0:
        print(f'epoch {i + 1}, loss {l.sum():.3f}')
show(conv2d.weight.data.reshape((1, 2)))


def comp_conv2d(conv2d, X):
    # (1, 1) indicates that batch size and the number of channels are both 1
    X = X.reshape((1, 1) + X.shape)
    Y = conv2d(X)
    # Strip the first two dimensions: examples and channels
    return Y.reshape(Y.shape[2:])


conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1)
X = torch.rand(size=(8, 8))
show(comp_conv2d(conv2d, X).shape)
conv2d = nn.LazyConv2d(1, kernel_size=(5, 3), padding=(2, 1))
show(comp_conv2d(conv2d, X).shape)
conv2d = nn.LazyConv2d(1, kernel_size=3, padding=1, stride=2)
show(comp_conv2d(conv2d, X).shape)
conv2d = nn.LazyConv2d(1, kernel_size=(3, 5), padding=(0, 1), stride=(3, 4))
show(comp_conv2d(conv2d, X).shape)


def corr2d_multi_in(X, K):
    # Iterate through the 0th dimension (channel) of K first, then add them up
    return sum(corr2d(x, k) for x, k in zip(X, K))


X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                  [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
show(corr2d_multi_in(X, K))


def corr2d_multi_in_out(X, K):
    # Iterate through the 0th dimension of K, and each time, perform
    # cross-correlation operations with input X. All of the results are
    # stacked together
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


K = torch.stack((K, K + 1, K + 2), 0)
show(K.shape)
show(corr2d_multi_in_out(X, K))


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    # Matrix multiplication in the fully connected layer
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


X = torch.normal(0, 1, (3, 3, 3))
K = torch.normal(0, 1, (2, 3, 1, 1))
Y1 = corr2d_multi_in_out_1x1(X, K)
Y2 = corr2d_multi_in_out(X, K)
assert float((Y1 - Y2).abs().sum()) < 1e-6


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
    return Y


X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
show(pool2d(X, (2, 2)))
show(pool2d(X, (2, 2), 'avg'))
X = torch.arange(16, dtype=torch.float32).reshape((1, 1, 4, 4))
pool2d = nn.MaxPool2d(3)
show(pool2d(X))
pool2d = nn.MaxPool2d(3, padding=1, stride=2)
show(pool2d(X))
pool2d = nn.MaxPool2d((2, 3), stride=(2, 3), padding=(0, 1))
show(pool2d(X))
X = torch.cat((X, X + 1), 1)
pool2d = nn.MaxPool2d(3, padding=1, stride=2)
show(pool2d(X))
result["shown"] = shown
result["shown_numbers"] = shown_numbers
os.chdir(os.path.dirname(tmp.name))
tmp.cleanup()
