"""PyTorch's "Learn the Basics" pages "Build the Neural Network" (beginner_source/basics/buildmodel_tutorial.py)
and "Automatic Differentiation with torch.autograd" (beginner_source/basics/autogradqs_tutorial.py), pytorch/
tutorials, BSD licence: the device string chosen from torch.cuda / torch.backends.mps, NeuralNetwork (Flatten +
linear_relu_stack), print(model), nn.Softmax(dim=1)(logits).argmax(1), nn.Flatten / nn.Linear(in_features=...,
out_features=...) / nn.ReLU / nn.Sequential on a 3x28x28 batch, named_parameters with param[:2]; then
binary_cross_entropy_with_logits on matmul(x, w) + b, grad_fn printing, backward, no_grad and detach,
and the Jacobian-product calls out.backward(torch.ones_like(out), retain_graph=True) with accumulation and
inp.grad.zero_(). Unchanged except where marked ``# adapted``: torch.rand / torch.randn draws and the layers'
initial weights come from NumPy (the libraries' generators differ); the printed values are also recorded, and
the model's printed structure (str(model)) must be PyTorch's, character for character."""
import os
import torch
from torch import nn
from torch.utils.data import DataLoader
import numpy as np  # adapted

from _vision_helpers import load_weights  # adapted

draws = np.random.default_rng(0)  # adapted
rand = lambda *s, device=None: torch.tensor(draws.random(s).astype(np.float32), device=device)  # adapted (torch.rand)
result = {}  # adapted

device = (
    "cuda"
    if torch.cuda.is_available()
    else "mps"
    if torch.backends.mps.is_available()
    else "cpu"
)
print(f"Using {device} device")

class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
load_weights(torch, model, seed=0)  # adapted
print(model)
result["model_str"] = str(model)  # adapted

X = rand(1, 28, 28, device=device)  # adapted (torch.rand)
logits = model(X)
pred_probab = nn.Softmax(dim=1)(logits)
y_pred = pred_probab.argmax(1)
print(f"Predicted class: {y_pred}")
result["predicted"] = [y_pred.tolist(), pred_probab.tolist()]  # adapted

input_image = rand(3,28,28)  # adapted (torch.rand)
print(input_image.size())

flatten = nn.Flatten()
flat_image = flatten(input_image)
print(flat_image.size())

layer1 = nn.Linear(in_features=28*28, out_features=20)
load_weights(torch, layer1, seed=1)  # adapted
hidden1 = layer1(flat_image)
print(hidden1.size())

print(f"Before ReLU: {hidden1}\n\n")
hidden1 = nn.ReLU()(hidden1)
print(f"After ReLU: {hidden1}")
result["hidden1"] = hidden1.detach().numpy()  # adapted

seq_modules = nn.Sequential(
    flatten,
    layer1,
    nn.ReLU(),
    nn.Linear(20, 10)
)
load_weights(torch, seq_modules[3], seed=2)  # adapted
input_image = rand(3,28,28)  # adapted (torch.rand)
logits = seq_modules(input_image)

softmax = nn.Softmax(dim=1)
pred_probab = softmax(logits)
result["seq_probab"] = pred_probab.detach().numpy()  # adapted
result["seq_str"] = str(seq_modules)  # adapted

print(f"Model structure: {model}\n\n")

for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
    result.setdefault("params", []).append([name, list(param.size()), param[:2].detach().numpy()])  # adapted

# -- Automatic Differentiation with torch.autograd
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(draws.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)  # adapted (randn)
b = torch.tensor(draws.standard_normal(3), dtype=torch.float32, requires_grad=True)  # adapted (torch.randn)
z = torch.matmul(x, w)+b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
result["grad_fns"] = [z.grad_fn.name(), loss.grad_fn.name()]  # adapted

loss.backward()
print(w.grad)
print(b.grad)
result["grads"] = [loss.item(), w.grad.numpy(), b.grad.numpy()]  # adapted

z = torch.matmul(x, w)+b
print(z.requires_grad)

with torch.no_grad():
    z = torch.matmul(x, w)+b
print(z.requires_grad)

z = torch.matmul(x, w)+b
z_det = z.detach()
print(z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp+1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
result["calls"] = [inp.grad.clone().numpy()]  # adapted
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
result["calls"].append(inp.grad.clone().numpy())  # adapted
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")
result["calls"].append(inp.grad.clone().numpy())  # adapted
