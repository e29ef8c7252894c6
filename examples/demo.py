"""A tiny demo: fit y = 3x - 1 with autograd (replaced by the MNIST example later)."""
import miniconv as torch

torch.manual_seed(0)
x = torch.randn(256, 1)
y = 3 * x - 1
w = torch.zeros(1, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
for step in range(200):
    loss = ((x @ w + b - y) ** 2).mean()
    w.grad = b.grad = None
    loss.backward()
    with torch.no_grad():
        w.data -= 0.1 * w.grad.data
        b.data -= 0.1 * b.grad.data
print(f"w={w.item():.3f} b={b.item():.3f} loss={loss.item():.2e}")
