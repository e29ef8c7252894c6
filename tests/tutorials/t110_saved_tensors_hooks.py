"""PyTorch's "Hooks for autograd saved tensors" tutorial (pytorch/tutorials
intermediate_source/autograd_saved_tensors_hooks_tutorial.py, BSD licence), the whole script: grad_fn._saved_self /
_saved_other / _saved_result (identity for inputs, not for outputs), torch.autograd.graph.saved_tensors_hooks
with printing hooks, with x * 4 / x / 4, an index into a list, a (tensor, closure) tuple and a repr string read
back by eval, save_on_cpu(pin_memory=True) in a module and a SaveToCpu wrapper, and saving to disk: the file
deleted on first unpack (double access fails) and SelfDeletingTempFile, then SaveToDisk under nn.DataParallel.
Unchanged except where marked ``# adapted``: print is wrapped to record the printed text (the library's name
masked), the seed is set, the bare expression is printed, the disk hooks are also run through a backward, and the
gradients are recorded."""
import builtins  # adapted
import re  # adapted

result = {"printed": []}  # adapted


def print(*args, **kwargs):  # adapted: the printed text is recorded, the library's name masked
    result["printed"].append(re.sub(r"\bminiconv\b", "torch", " ".join(str(a) for a in args)))
    builtins.print(*args, **kwargs)


import torch

torch.manual_seed(0)  # adapted

a = torch.randn(5, requires_grad=True)
b = torch.ones(5, requires_grad=True)
y = a * b

print(y.grad_fn._saved_self)
print(y.grad_fn._saved_other)

def f(x):
    return x * x

x = torch.randn(5, requires_grad=True)
y = f(f(f(x)))

a = torch.randn(5, requires_grad=True)
b = torch.ones(5, requires_grad=True)
y = a * b

print(y.grad_fn._saved_self is a)   # True
print(y.grad_fn._saved_other is b)  # True

a = torch.randn(5, requires_grad=True)
y = torch.exp(a)
print(y.grad_fn._saved_result.equal(y))  # True
print(y.grad_fn._saved_result is y)      # False

def pack_hook(x):
    print("Packing", x)
    return x

def unpack_hook(x):
    print("Unpacking", x)
    return x
a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2

with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b

y.sum().backward()
result["grads_printing_hooks"] = a.grad.tolist()  # adapted

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(lambda x: x * 4, lambda x: x / 4):
    y = torch.pow(x, 2)
y.sum().backward()
assert(x.grad.equal(2 * x))

storage = []

def pack(x):
    storage.append(x)
    return len(storage) - 1

def unpack(x):
    return storage[x]

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = x * x
y.sum().backward()

assert(x.grad.equal(2 * x))
result["storage_len"] = len(storage)  # adapted

def pack(x):
    delta = torch.randn(*x.size())
    return x - delta, lambda x: x + delta

def unpack(packed):
    x, f = packed
    return f(x)


x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = x * x
y.sum().backward()

assert(torch.allclose(x.grad, 2 * x))
result["tuple_grad"] = x.grad.tolist()  # adapted

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(lambda x: repr(x), lambda x: eval("torch." + x)):
    y = x * x
y.sum().backward()
assert(torch.all(x.grad - 2 * x <= 1e-4))
result["repr_grad"] = x.grad.tolist()  # adapted

def pack_hook(x):
    return (x.device, x.cpu())

def unpack_hook(packed):
    device, tensor = packed
    return tensor.to(device)

x = torch.randn(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    y = x * x
y.sum().backward()

print(torch.allclose(x.grad, (2 * x)))  # adapted (print)

import torch.nn as nn

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.randn(5))

    def forward(self, x):
        with torch.autograd.graph.save_on_cpu(pin_memory=True):
            # some computation
            return self.w * x

x = torch.randn(5)
model = Model()
loss = model(x).sum()
loss.backward()
result["save_on_cpu_grad"] = model.w.grad.tolist()  # adapted

class SaveToCpu(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *args, **kwargs):
        with torch.autograd.graph.save_on_cpu(pin_memory=True):
            return self.module(*args, **kwargs)

model = nn.Sequential(
    nn.Linear(10, 100),
    SaveToCpu(nn.Linear(100, 100)),
    nn.Linear(100, 10),
)

x = torch.randn(10)
loss = model(x).sum()
loss.backward()
result["save_to_cpu_grad"] = model[1].module.weight.grad[:3, :5].tolist()  # adapted

import uuid
tmp_dir = "temp"

def pack_hook(tensor):
    name = os.path.join(tmp_dir, str(uuid.uuid4()))
    torch.save(tensor, name)
    return name

def unpack_hook(name):
    return torch.load(name)

import uuid
import os
import tempfile
tmp_dir_obj = tempfile.TemporaryDirectory()
tmp_dir = tmp_dir_obj.name

def pack_hook(tensor):
    name = os.path.join(tmp_dir, str(uuid.uuid4()))
    torch.save(tensor, name)
    return name

def unpack_hook(name):
    tensor = torch.load(name)
    os.remove(name)
    return tensor

x = torch.ones(5, requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = x.pow(2)
print(y.grad_fn._saved_self)
try:
    print(y.grad_fn._saved_self)
    print("Double access succeeded!")
except:
    print("Double access failed!")

class SelfDeletingTempFile():
    def __init__(self):
        self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

    def __del__(self):
        os.remove(self.name)

def pack_hook(tensor):
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file

def unpack_hook(temp_file):
    return torch.load(temp_file.name)

x = torch.randn(5, requires_grad=True)  # adapted: the self-deleting files through one backward
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):  # adapted
    y = x * x  # adapted
print(len(os.listdir(tmp_dir)))  # adapted
y.sum().backward()  # adapted
del y  # adapted
print(len(os.listdir(tmp_dir)))  # adapted
result["disk_grad"] = x.grad.tolist()  # adapted

# Only save on disk tensors that have size >= 1000
SAVE_ON_DISK_THRESHOLD = 1000

def pack_hook(x):
    if x.numel() < SAVE_ON_DISK_THRESHOLD:
        return x
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file

def unpack_hook(tensor_or_sctf):
    if isinstance(tensor_or_sctf, torch.Tensor):
        return tensor_or_sctf
    return torch.load(tensor_or_sctf.name)

class SaveToDisk(nn.Module):
    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, *args, **kwargs):
        with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
            return self.module(*args, **kwargs)

net = nn.DataParallel(SaveToDisk(Model()))
out = net(torch.ones(5))  # adapted: run once (every saved tensor is below the threshold)
out.sum().backward()  # adapted
result["save_to_disk_grad"] = net.module.module.w.grad.tolist()  # adapted
tmp_dir_obj.cleanup()  # adapted
