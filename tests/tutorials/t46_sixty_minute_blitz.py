"""PyTorch's "Deep Learning with PyTorch: A 60 Minute Blitz": the tensor tutorial (creation, the out= forms
torch.add(x, y, out=result) and torch.matmul(..., out=y3), in-place add_, views, item(), the NumPy bridge
sharing memory both ways), the autograd tutorial (Q.backward(gradient=...), requires_grad flow, freezing
parameters and replacing the classifier) and the neural-networks tutorial (LeNet: parameters, backward with a
given gradient, MSELoss, grad_fn.next_functions, the manual SGD with f.data.sub_ and optim.SGD). Random
tensors of the tutorials are NumPy draws so both libraries see the same values."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

from _helpers import numpy_weights

rng = np.random.default_rng(0)


def rand(*shape):
    return torch.from_numpy(rng.random(shape).astype(np.float32))


result = {}
# -- tensors
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)
np_array = np.array(data)
x_np = torch.from_numpy(np_array)
x_ones = torch.ones_like(x_data)
print(f"Ones Tensor: \n {x_ones} \n")
x_rand = torch.rand_like(x_data, dtype=torch.float)
shape = (2, 3,)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")
tensor = rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Device tensor is stored on: {tensor.device}")
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)
y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
z1 = tensor * tensor
z2 = tensor.mul(tensor)
z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
x = x_data.new_ones(5, 3, dtype=torch.double)
x = torch.randn_like(x, dtype=torch.float)
x = rand(5, 3)
y = rand(5, 3)
print(x + y)
print(torch.add(x, y))
result_t = torch.empty(5, 3)
torch.add(x, y, out=result_t)
print(result_t)
y.add_(x)
print(x[:, 1])
x = rand(4, 4)
y = x.view(16)
z = x.view(-1, 8)
print(x.size(), y.size(), z.size())
x1 = torch.tensor([0.5])
result["tensors"] = {"t1": t1.tolist(), "y3": y3.tolist(), "z3": z3.tolist(), "agg": agg_item, "t": t.tolist(),
                     "n": n.tolist(), "shared": t.numpy().tolist(), "add_out": result_t.tolist(),
                     "y": y.tolist(), "sizes": [list(x.size()), list(y.size()), list(z.size())],
                     "item": x1.item(), "x_np": x_np.tolist(), "dtypes": [str(x_np.dtype).split(".")[-1],
                                                                          str(x_rand.dtype).split(".")[-1]]}

# -- autograd
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
x = rand(5, 5)
y = rand(5, 5)
z = torch.from_numpy(rng.random((5, 5)).astype(np.float32)).requires_grad_()
a2 = x + y
print(f"Does `a` require gradients?: {a2.requires_grad}")
b2 = x + z
print(f"Does `b` require gradients?: {b2.requires_grad}")


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(self.body(x))


model = Small()
for param in model.parameters():
    param.requires_grad = False
model.fc = nn.Linear(16, 10)
with torch.no_grad():
    named = list(model.named_parameters())
    for (nm, p), w in zip(named, numpy_weights([(k, p.shape) for k, p in named], seed=4)):
        p.copy_(torch.from_numpy(w))
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
inp = rand(6, 8)
out = model(inp).sum()
out.backward()
optimizer.step()
result["autograd"] = {"a_grad": a.grad.tolist(), "b_grad": b.grad.tolist(), "flags": [a2.requires_grad,
                      b2.requires_grad], "frozen_grads": [p.grad is None for p in model.parameters()],
                      "trainable": [k for k, p in model.named_parameters() if p.requires_grad],
                      "fc_w": model.fc.weight.detach().numpy().ravel()[:8].tolist()}


# -- neural networks
class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        output = self.fc3(f6)
        return output


net = Net()
print(net)
with torch.no_grad():
    named = list(net.named_parameters())
    for (nm, p), w in zip(named, numpy_weights([(k, p.shape) for k, p in named], seed=5)):
        p.copy_(torch.from_numpy(w))
params = list(net.parameters())
print(len(params))
print(params[0].size())
input = torch.from_numpy(rng.standard_normal((1, 1, 32, 32)).astype(np.float32))
out = net(input)
print(out)
net.zero_grad()
out.backward(torch.from_numpy(rng.standard_normal((1, 10)).astype(np.float32)))
grad_once = net.conv1.bias.grad.clone()
output = net(input)
target = torch.from_numpy(rng.standard_normal(10).astype(np.float32))
target = target.view(1, -1)
criterion = nn.MSELoss()
loss = criterion(output, target)
print(loss)
print(loss.grad_fn)
print(loss.grad_fn.next_functions[0][0])
net.zero_grad()
print('conv1.bias.grad before backward')
print(net.conv1.bias.grad)
loss.backward()
print('conv1.bias.grad after backward')
print(net.conv1.bias.grad)
bias_grad = net.conv1.bias.grad.tolist()
learning_rate = 0.01
for f in net.parameters():
    f.data.sub_(f.grad.data * learning_rate)
optimizer = optim.SGD(net.parameters(), lr=0.01)
losses = []
for _ in range(3):
    optimizer.zero_grad()
    output = net(input)
    loss = criterion(output, target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
result["nn"] = {"n_params": len(params), "shape0": list(params[0].size()), "out": out.tolist(),
                "grad_once": grad_once.tolist(), "bias_grad": bias_grad, "losses": losses,
                "next_is_tuple": isinstance(loss.grad_fn.next_functions[0], tuple)}
