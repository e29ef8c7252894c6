"""Fitting a polynomial with a hand-written gradient-descent loop (no nn, no optim)."""
import math

import torch

dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
y = torch.sin(x)

a = torch.tensor(0.1, device=device, dtype=dtype, requires_grad=True)
b = torch.tensor(-0.2, device=device, dtype=dtype, requires_grad=True)
c = torch.tensor(0.05, device=device, dtype=dtype, requires_grad=True)
d = torch.tensor(0.3, device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
losses = []
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 50 == 49:
        print(t, loss.item())
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p.add_(p.grad, alpha=-learning_rate)
            p.grad.zero_()

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
result = {"losses": losses[::25], "coefficients": [a.item(), b.item(), c.item(), d.item()]}
