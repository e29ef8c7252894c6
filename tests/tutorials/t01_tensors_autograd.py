"""Tensors and autograd: the first steps of a PyTorch beginner tutorial."""
import numpy as np
import torch

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")

# tensors from data, from NumPy and with creation functions
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
x_np = torch.from_numpy(np.array(data))
x_ones = torch.ones_like(x_data)
x_rand = torch.rand_like(x_data, dtype=torch.float)
shape = (2, 3)
zeros = torch.zeros(shape)
full = torch.full((2, 2), 7.0)
print(f"Shape of tensor: {x_rand.shape}\nDatatype of tensor: {x_rand.dtype}\nDevice tensor is stored on: {x_rand.device}")

t = torch.arange(12, dtype=torch.float32, device=device).reshape(3, 4)
print(t[0], t[:, 0], t[..., -1])
t1 = torch.cat([t, t, t], dim=1)
y1 = t @ t.T
y2 = t.matmul(t.T)
z1 = t * t
agg = t.sum()
agg_item = agg.item()
stats = [t.mean().item(), t.std().item(), t.max().item(), t.argmax().item(), t.norm().item()]
values, indices = torch.max(t, dim=1)
lin = torch.linspace(0, 1, steps=5)
grid_x, grid_y = torch.meshgrid(torch.arange(3), torch.arange(2), indexing="ij")

# autograd: a one-layer network and its gradients
x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor(np.linspace(-1, 1, 15).reshape(5, 3).astype(np.float32), requires_grad=True)
b = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
loss.backward()
with torch.no_grad():
    z_det = torch.matmul(x, w) + b
print(z_det.requires_grad, z.detach().requires_grad)

# a few math functions with gradients
a = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
out = (a.sin() * a.exp() + torch.sqrt(a) - torch.log1p(a) + a.clamp(0.7, 1.5) ** 2).sum()
out.backward()

result = {
    "t1_shape": list(t1.shape), "y1": y1.tolist(), "y2": y2.tolist(), "z1": z1.tolist(), "agg": agg_item,
    "stats": stats, "max_values": values.tolist(), "max_indices": indices.tolist(), "lin": lin.tolist(),
    "grid": [grid_x.tolist(), grid_y.tolist()], "full": full.tolist(), "zeros": zeros.tolist(),
    "x_np": x_np.tolist(), "x_ones": x_ones.tolist(), "rand_shape": list(x_rand.shape),
    "loss": loss.item(), "w_grad": w.grad.tolist(), "b_grad": b.grad.tolist(), "a_grad": a.grad.tolist(),
    "dtypes": [str(x_data.dtype).split(".")[-1], str(x_rand.dtype).split(".")[-1]],
}
