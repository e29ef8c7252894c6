"""PyTorch Recipes (pytorch/tutorials recipes_source/recipes, BSD licence), in order: defining_a_neural_network.py
(the MNIST Net with Dropout2d on 2-D features after flatten, defined twice, run on torch.rand((1, 1, 28, 28))),
what_is_state_dict.py (the CIFAR Net's state_dict sizes and SGD-with-momentum's state_dict printed),
zeroing_out_gradients.py (the CIFAR Net trained with CrossEntropyLoss, SGD(momentum=0.9) and optimizer.zero_grad()
over a shuffled DataLoader of batch 4), saving_and_loading_a_general_checkpoint.py (a dict of epoch, state dicts
and loss through torch.save/torch.load), saving_multiple_models_in_one_file.py,
warmstarting_model_using_parameters_from_a_different_model.py (load_state_dict(strict=False)),
module_load_state_dict_tips.py (torch.load(mmap=True) and load_state_dict(assign=True), the CPU parts) and
swap_tensors.py (torch.utils.swap_tensors, an optimizer keeping the old Parameter after mod.weight is
replaced). Unchanged except where marked ``# adapted``: CIFAR-10 (a download) is replaced by 48 random 32x32
images built by torch.rand/torch.randint (both libraries draw the same numbers after the same seed), the files go
to a temporary directory, fewer steps, and what the recipes print is also recorded. Left out: the ``meta``
device parts (reasoning_about_shapes.py, the meta halves of module_load_state_dict_tips.py) and swap_tensors.py's
``__torch_dispatch__`` subclass."""
import os  # adapted
import tempfile  # adapted

tmpdir = tempfile.TemporaryDirectory()  # adapted
result = {}  # adapted

# ---------------------------------------------------------------- defining_a_neural_network.py
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)  # adapted


class Net(nn.Module):
    def __init__(self):
      super(Net, self).__init__()

      # First 2D convolutional layer, taking in 1 input channel (image),
      # outputting 32 convolutional features, with a square kernel size of 3
      self.conv1 = nn.Conv2d(1, 32, 3, 1)
      # Second 2D convolutional layer, taking in the 32 input layers,
      # outputting 64 convolutional features, with a square kernel size of 3
      self.conv2 = nn.Conv2d(32, 64, 3, 1)

      # Designed to ensure that adjacent pixels are either all 0s or all active
      # with an input probability
      self.dropout1 = nn.Dropout2d(0.25)
      self.dropout2 = nn.Dropout2d(0.5)

      # First fully connected layer
      self.fc1 = nn.Linear(9216, 128)
      # Second fully connected layer that outputs our 10 labels
      self.fc2 = nn.Linear(128, 10)

my_nn = Net()
print(my_nn)
result["net_repr"] = repr(my_nn)  # adapted


class Net(nn.Module):
    def __init__(self):
      super(Net, self).__init__()
      self.conv1 = nn.Conv2d(1, 32, 3, 1)
      self.conv2 = nn.Conv2d(32, 64, 3, 1)
      self.dropout1 = nn.Dropout2d(0.25)
      self.dropout2 = nn.Dropout2d(0.5)
      self.fc1 = nn.Linear(9216, 128)
      self.fc2 = nn.Linear(128, 10)

    # x represents our data
    def forward(self, x):
      # Pass data through conv1
      x = self.conv1(x)
      # Use the rectified-linear activation function over x
      x = F.relu(x)

      x = self.conv2(x)
      x = F.relu(x)

      # Run max pooling over x
      x = F.max_pool2d(x, 2)
      # Pass data through dropout1
      x = self.dropout1(x)
      # Flatten x with start_dim=1
      x = x.flatten(start_dim=1)
      # Pass data through fc1
      x = self.fc1(x)
      x = F.relu(x)
      x = self.dropout2(x)
      x = self.fc2(x)

      # Apply softmax to x
      output = F.log_softmax(x, dim=1)
      return output


# Equates to one random 28x28 image
random_data = torch.rand((1, 1, 28, 28))

my_nn = Net()
result_ = my_nn(random_data)  # adapted: the recipe names it ``result``
print (result_)
result["defining_output"] = result_.tolist()  # adapted

# ---------------------------------------------------------------- what_is_state_dict.py
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

net = Net()
print(net)

optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# Print model's state_dict
print("Model's state_dict:")
for param_tensor in net.state_dict():
    print(param_tensor, "\t", net.state_dict()[param_tensor].size())

print()

# Print optimizer's state_dict
print("Optimizer's state_dict:")
for var_name in optimizer.state_dict():
    print(var_name, "\t", optimizer.state_dict()[var_name])
result["state_dict_sizes"] = [f"{k} {tuple(v.size())}" for k, v in net.state_dict().items()]  # adapted
result["optimizer_state_dict"] = repr(optimizer.state_dict())  # adapted

# ---------------------------------------------------------------- zeroing_out_gradients.py
import torch

import torch.nn as nn
import torch.nn.functional as F

import torch.optim as optim

# adapted: CIFAR-10 through torchvision (a download) replaced by random images and labels in a TensorDataset
images = torch.rand(48, 3, 32, 32) * 2 - 1  # adapted
labels = torch.randint(0, 10, (48,))  # adapted
trainset = torch.utils.data.TensorDataset(images, labels)  # adapted
trainloader = torch.utils.data.DataLoader(trainset, batch_size=4,
                                          shuffle=True, num_workers=0)  # adapted: no worker processes

classes = ('plane', 'car', 'bird', 'cat',
           'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

result["zeroing_losses"] = []  # adapted
for epoch in range(2):  # loop over the dataset multiple times

    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 4 == 3:    # print every 4 mini-batches  # adapted (2000)
            print('[%d, %5d] loss: %.3f' %
                  (epoch + 1, i + 1, running_loss / 4))  # adapted (2000)
            result["zeroing_losses"].append(running_loss / 4)  # adapted
            running_loss = 0.0

print('Finished Training')
result["zeroing_fc3_grad"] = net.fc3.weight.grad.tolist()  # adapted
result["zeroing_fc3_momentum"] = optimizer.state[net.fc3.weight]["momentum_buffer"].tolist()  # adapted

# ---------------------------------------------------------------- saving_and_loading_a_general_checkpoint.py
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

net = Net()
print(net)

optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# Additional information
EPOCH = 5
PATH = os.path.join(tmpdir.name, "model.pt")  # adapted ("model.pt")
LOSS = 0.4

torch.save({
            'epoch': EPOCH,
            'model_state_dict': net.state_dict(),
            'optimizer_state_dict': optimizer.state_dict(),
            'loss': LOSS,
            }, PATH)

model = Net()
optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH)
model.load_state_dict(checkpoint['model_state_dict'])
optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
epoch = checkpoint['epoch']
loss = checkpoint['loss']

model.eval()
# - or -
model.train()
result["general_checkpoint"] = {"epoch": epoch, "loss": loss, "keys": sorted(checkpoint),  # adapted
                                "same_conv1": bool(torch.equal(model.conv1.weight, net.conv1.weight)),
                                "optimizer": repr(optimizer.state_dict()), "training": model.training,
                                "out": model(images[:2]).tolist()}

# ---------------------------------------------------------------- saving_multiple_models_in_one_file.py
import torch
import torch.nn as nn
import torch.optim as optim


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

netA = Net()
netB = Net()

optimizerA = optim.SGD(netA.parameters(), lr=0.001, momentum=0.9)
optimizerB = optim.SGD(netB.parameters(), lr=0.001, momentum=0.9)

# Specify a path to save to
PATH = os.path.join(tmpdir.name, "model.pt")  # adapted ("model.pt")

torch.save({
            'modelA_state_dict': netA.state_dict(),
            'modelB_state_dict': netB.state_dict(),
            'optimizerA_state_dict': optimizerA.state_dict(),
            'optimizerB_state_dict': optimizerB.state_dict(),
            }, PATH)

modelA = Net()
modelB = Net()
optimModelA = optim.SGD(modelA.parameters(), lr=0.001, momentum=0.9)
optimModelB = optim.SGD(modelB.parameters(), lr=0.001, momentum=0.9)

checkpoint = torch.load(PATH)
modelA.load_state_dict(checkpoint['modelA_state_dict'])
modelB.load_state_dict(checkpoint['modelB_state_dict'])
optimizerA.load_state_dict(checkpoint['optimizerA_state_dict'])
optimizerB.load_state_dict(checkpoint['optimizerB_state_dict'])

modelA.eval()
modelB.eval()
# - or -
modelA.train()
modelB.train()
result["multiple_models"] = [modelA(images[:2]).tolist(), modelB(images[:2]).tolist()]  # adapted

# ---------------------------------------------------------------- warmstarting_model_using_parameters_...py
import torch
import torch.nn as nn
import torch.optim as optim


class NetA(nn.Module):
    def __init__(self):
        super(NetA, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

netA = NetA()

class NetB(nn.Module):
    def __init__(self):
        super(NetB, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

netB = NetB()

# Specify a path to save to
PATH = os.path.join(tmpdir.name, "model.pt")  # adapted ("model.pt")

torch.save(netA.state_dict(), PATH)

keys = netB.load_state_dict(torch.load(PATH), strict=False)  # adapted: the returned keys are recorded
print(keys)  # adapted
result["warmstart"] = {"keys": repr(keys), "out": netB(images[:2]).tolist()}  # adapted

# ---------------------------------------------------------------- module_load_state_dict_tips.py (CPU parts)
import torch
from torch import nn

class SomeModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linears = nn.ModuleList([nn.Linear(1, 1) for i in range(10)])

    def forward(self, x):
        return self.linears(x)


m = SomeModule()
torch.save(m.state_dict(), os.path.join(tmpdir.name, 'checkpoint.pth'))  # adapted ('checkpoint.pth')
state_dict = torch.load(os.path.join(tmpdir.name, 'checkpoint.pth'), mmap=True)  # adapted (the path)
m2 = SomeModule()  # adapted: a CPU module instead of one built under torch.device('meta')
m2.load_state_dict(state_dict, assign=True)  # adapted (m2 for meta_m)
result["assign"] = {"shares_loaded": m2.linears[3].weight is not None and  # adapted
                    m2.linears[3].weight.data_ptr() == state_dict["linears.3.weight"].data_ptr(),
                    "is_param": isinstance(m2.linears[3].weight, nn.Parameter),
                    "requires_grad": m2.linears[3].weight.requires_grad,
                    "values": [m2.linears[i].weight.item() for i in range(10)]}

state_dict = torch.load(os.path.join(tmpdir.name, 'checkpoint.pth'))  # adapted (the path)
m = SomeModule()
m.load_state_dict(state_dict)
result["plain_load"] = [m.linears[i].bias.item() for i in range(10)]  # adapted

# ---------------------------------------------------------------- swap_tensors.py (before the subclass)
import torch
import torch.nn as nn
t1 = torch.arange(2)
t2 = torch.arange(3)
print(f"Before swapping, t1: {t1}, t2: {t2}")
torch.utils.swap_tensors(t1, t2)
print(f"After swapping, t1: {t1}, t2: {t2}")
result["swapped"] = [t1.tolist(), t2.tolist()]  # adapted

mod = torch.nn.Linear(1, 2, bias=False)
optimizer = torch.optim.SGD(mod.parameters())
print(f"weight in mod: {mod.weight}")
print(f"weight in optimizer: {optimizer.param_groups[0]['params']}")
mod.weight = torch.nn.Parameter(2 * mod.weight)
print(f"weight in mod: {mod.weight}")
print(f"weight in optimizer: {optimizer.param_groups[0]['params']}")
result["swap_optimizer"] = [mod.weight.tolist(), optimizer.param_groups[0]['params'][0].tolist(),  # adapted
                            optimizer.param_groups[0]['params'][0] is mod.weight]
tmpdir.cleanup()  # adapted
