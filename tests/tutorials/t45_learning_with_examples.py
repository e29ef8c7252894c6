"""PyTorch's "Learning PyTorch with Examples": the third-order polynomial fit of sin(x) written six ways -- plain
tensors with hand-written gradients, autograd, a custom autograd Function (LegendrePolynomial3), nn.Sequential
with x.unsqueeze(-1).pow(p) and Flatten(0, 1), an optimizer (RMSprop), a custom nn.Module (Polynomial3) and the
dynamic-graph DynamicNet (Python control flow and weight sharing, SGD with momentum). Fewer iterations; the
tutorials' random initial coefficients are replaced by fixed values so both libraries start from the same point."""
import math
import random

import numpy as np
import torch

result = {}
dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
init = [0.31, -0.42, 0.17, 0.05]

# -- tensors: the gradients by hand (polynomial_tensor.py)
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype) for v in init)
learning_rate = 1e-6
losses = []
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 100 == 99:
        print(t, loss)
        losses.append(loss)
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d
print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
result["tensor"] = {"losses": losses, "coef": [a.item(), b.item(), c.item(), d.item()]}

# -- autograd (polynomial_autograd.py)
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype, requires_grad=True) for v in init)
losses = []
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
result["autograd"] = {"losses": losses, "coef": [a.item(), b.item(), c.item(), d.item()],
                      "is_leaf": a.is_leaf, "requires_grad": a.requires_grad}


# -- a custom autograd Function (polynomial_custom_function.py)
class LegendrePolynomial3(torch.autograd.Function):
    """
    We can implement our own custom autograd Functions by subclassing
    torch.autograd.Function and implementing the forward and backward passes
    which operate on Tensors.
    """

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
losses = []
for t in range(300):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
result["legendre"] = {"losses": losses, "coef": [a.item(), b.item(), abs(c.item()), d.item()]}

# -- nn (polynomial_nn.py)
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([init[1:]]))
    model[0].bias.fill_(init[0])
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-6
losses = []
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
result["nn"] = {"losses": losses, "xx_dtype": str(xx.dtype).split(".")[-1], "xx_shape": list(xx.shape),
                "weight": linear_layer.weight.detach().numpy().ravel().tolist()}

# -- optim (polynomial_optim.py)
model = torch.nn.Sequential(
    torch.nn.Linear(3, 1),
    torch.nn.Flatten(0, 1)
)
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([init[1:]]))
    model[0].bias.fill_(init[0])
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
losses = []
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
result["optim"] = {"losses": losses, "weight": model[0].weight.detach().numpy().ravel().tolist()}


# -- a custom nn.Module (polynomial_module.py)
class Polynomial3(torch.nn.Module):
    def __init__(self):
        """
        In the constructor we instantiate four parameters and assign them as
        member parameters.
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(init[0]))
        self.b = torch.nn.Parameter(torch.tensor(init[1]))
        self.c = torch.nn.Parameter(torch.tensor(init[2]))
        self.d = torch.nn.Parameter(torch.tensor(init[3]))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


model = Polynomial3()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
losses = []
for t in range(300):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')
result["module"] = {"losses": losses, "names": [n for n, _ in model.named_parameters()],
                    "coef": [p.item() for p in model.parameters()]}


# -- control flow and weight sharing (dynamic_net.py)
class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(init[0]))
        self.b = torch.nn.Parameter(torch.tensor(init[1]))
        self.c = torch.nn.Parameter(torch.tensor(init[2]))
        self.d = torch.nn.Parameter(torch.tensor(init[3]))
        self.e = torch.nn.Parameter(torch.tensor(0.01))

    def forward(self, x):
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?'


random.seed(0)
model = DynamicNet()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
losses = []
for t in range(300):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
        losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f'Result: {model.string()}')
result["dynamic"] = {"losses": losses, "coef": [p.item() for p in model.parameters()]}
