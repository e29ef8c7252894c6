"""Dive into Deep Learning (d2l-ai/d2l-en, PyTorch code), the linear-regression, weight-decay, softmax-regression
and MLP chapters, with the d2l helper classes they need (in _d2l.py) (HyperParameters.save_hyperparameters,
Module/DataModule/Trainer with fit_epoch calling loss.backward() under torch.no_grad(), the scratch SGD with
param -= lr * param.grad, clip_gradients with param.grad[:] *= ...): LinearRegressionScratch, the concise
LinearRegression on nn.LazyLinear (an optimizer made before the first forward), WeightDecay with parameter groups,
SoftmaxRegression (Flatten + LazyLinear, F.cross_entropy), MLPScratch and the concise MLP. Adapted: data from
NumPy, the loaders do not shuffle, the plotting board records values, and parameters are set from NumPy after a
dry run so both libraries start from the same point."""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from _helpers import numpy_weights

rng = np.random.default_rng(0)


from _d2l import make_d2l

d2l = make_d2l(torch, nn, F)  # d2l's library classes, built on the library imported above
HyperParameters, Module, DataModule, Trainer = d2l.HyperParameters, d2l.Module, d2l.DataModule, d2l.Trainer
add_to_class, set_numpy_weights = d2l.add_to_class, d2l.set_numpy_weights


# -- linear regression from scratch and concise
class SyntheticRegressionData(DataModule):
    """Synthetic data for linear regression."""
    def __init__(self, w, b, noise=0.01, num_train=1000, num_val=1000, batch_size=32):
        super().__init__()
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = torch.from_numpy(rng.standard_normal((n, len(w))).astype(np.float32))
        noise = torch.from_numpy(rng.standard_normal((n, 1)).astype(np.float32)) * noise
        self.y = torch.matmul(self.X, w.reshape((-1, 1))) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, i)


class LinearRegressionScratch(Module):
    """The linear regression model implemented from scratch."""
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return torch.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        l = (y_hat - y) ** 2 / 2
        return l.mean()

    def configure_optimizers(self):
        return SGD([self.w, self.b], self.lr)


class SGD(HyperParameters):
    """Minibatch stochastic gradient descent."""
    def __init__(self, params, lr):
        self.save_hyperparameters()

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


result = {}
data = SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2, num_train=320, num_val=320)
model = LinearRegressionScratch(2, lr=0.03)
with torch.no_grad():
    model.w.copy_(torch.tensor([[0.01], [-0.02]]))
trainer = Trainer(max_epochs=3)
trainer.fit(model, data)
with torch.no_grad():
    print(f'error in estimating w: {data.w - model.w.reshape(data.w.shape)}')
    print(f'error in estimating b: {data.b - model.b}')
result["scratch"] = {"w": model.w.detach().numpy().ravel().tolist(), "b": model.b.item(),
                     "val": model.board.points["val_loss"][-3:]}


class LinearRegression(Module):
    """The linear regression model implemented with high-level APIs."""
    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)
        self.net.weight.data.normal_(0, 0.01)
        self.net.bias.data.fill_(0)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        fn = nn.MSELoss()
        return fn(y_hat, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self):
        return (self.net.weight.data, self.net.bias.data)


model = LinearRegression(lr=0.03)
lazy_repr = repr(model.net)
trainer = Trainer(max_epochs=3)
trainer.prepare_data(data)
model.apply_init([data.X[:2]])  # the dry run d2l's apply_init makes; then the same start on both libraries
set_numpy_weights(model, 1)
trainer.fit(model, data)
w, b = model.get_w_b()
print(f'error in estimating w: {data.w - w.reshape(data.w.shape)}')
print(f'error in estimating b: {data.b - b}')
result["concise"] = {"w": w.numpy().ravel().tolist(), "b": b.item(), "repr": [lazy_repr, repr(model.net)],
                     "val": model.board.points["val_loss"][-3:]}


# -- weight decay
class Data(DataModule):
    def __init__(self, num_train, num_val, num_inputs, batch_size):
        self.save_hyperparameters()
        n = num_train + num_val
        self.X = torch.from_numpy(rng.standard_normal((n, num_inputs)).astype(np.float32))
        noise = torch.from_numpy(rng.standard_normal((n, 1)).astype(np.float32)) * 0.01
        w, b = torch.ones((num_inputs, 1)) * 0.01, 0.05
        self.y = torch.matmul(self.X, w) + b + noise

    def get_dataloader(self, train):
        i = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader([self.X, self.y], train, i)


def l2_penalty(w):
    return (w ** 2).sum() / 2


class WeightDecayScratch(LinearRegressionScratch):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__(num_inputs, lr, sigma)
        self.save_hyperparameters()

    def loss(self, y_hat, y):
        return (super().loss(y_hat, y) + self.lambd * l2_penalty(self.w))


class WeightDecay(LinearRegression):
    def __init__(self, wd, lr):
        super().__init__(lr)
        self.save_hyperparameters()
        self.wd = wd

    def configure_optimizers(self):
        return torch.optim.SGD([
            {'params': self.net.weight, 'weight_decay': self.wd},
            {'params': self.net.bias}], lr=self.lr)


data = Data(num_train=20, num_val=100, num_inputs=50, batch_size=5)
model = WeightDecayScratch(num_inputs=50, lambd=3, lr=0.01)
with torch.no_grad():
    model.w.copy_(torch.from_numpy(numpy_weights([("w", (50, 1))], seed=2)[0]))
Trainer(max_epochs=5).fit(model, data)
norms = [float(l2_penalty(model.w))]
print('L2 norm of w:', norms[-1])
model = WeightDecay(wd=3, lr=0.01)
model.apply_init([data.X[:1]])
set_numpy_weights(model, 2)
Trainer(max_epochs=5).fit(model, data)
norms.append(float(l2_penalty(model.get_w_b()[0])))
print('L2 norm of w:', norms[-1])
result["weight_decay"] = {"norms": norms, "val": model.board.points["val_loss"][-2:]}


# -- softmax regression and MLPs (Fashion-MNIST replaced by small random images and labels)
class FashionLike(DataModule):
    def __init__(self, batch_size=32):
        super().__init__()
        self.save_hyperparameters()
        self.X = torch.from_numpy(rng.random((192, 1, 28, 28)).astype(np.float32))
        self.y = torch.from_numpy((self.X.numpy()[:, 0, :14].mean(axis=(1, 2)) * 40).astype(np.int64) % 10)

    def get_dataloader(self, train):
        i = slice(0, 128) if train else slice(128, None)
        return self.get_tensorloader((self.X, self.y), train, i)


Classifier = d2l.Classifier


class SoftmaxRegression(Classifier):
    """The softmax regression model."""
    def __init__(self, num_outputs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)


class MLPScratch(Classifier):
    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


@add_to_class(MLPScratch)
def forward(self, X):
    X = X.reshape((-1, self.num_inputs))
    H = relu(torch.matmul(X, self.W1) + self.b1)
    return torch.matmul(H, self.W2) + self.b2


class MLP(Classifier):
    def __init__(self, num_outputs, num_hiddens, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_hiddens),
                                 nn.ReLU(), nn.LazyLinear(num_outputs))


data = FashionLike(batch_size=32)
for key, model in [("softmax", SoftmaxRegression(num_outputs=10, lr=0.1)),
                   ("mlp_scratch", MLPScratch(num_inputs=784, num_outputs=10, num_hiddens=64, lr=0.1)),
                   ("mlp", MLP(num_outputs=10, num_hiddens=64, lr=0.1))]:
    model(data.X[:2])
    set_numpy_weights(model, 3)
    Trainer(max_epochs=2, gradient_clip_val=1.0).fit(model, data)
    result[key] = {"val_loss": model.board.points["val_loss"], "val_acc": model.board.points["val_acc"],
                   "train_loss": model.board.points["train_loss"][-2:]}
    print(key, result[key]["val_loss"][-1])
