"""yunjey/pytorch-tutorial 01-basics/pytorch_basics/main.py (commit 0500d3d, MIT licence), sections 1-3, 5
and 7, unchanged except where marked ``# adapted``: random tensors and weights come from NumPy (the libraries'
generators differ), the CIFAR-10 input pipeline (a download) and the pretrained resnet18 (section 6) are
left out, files go to a temporary directory, and the script's Python 2 ``data_iter.next()`` and the
whole-model ``torch.load`` (refused by weights_only=True since PyTorch 2.6) are run for their errors."""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn

from _vision_helpers import load_weights  # adapted

rng = np.random.default_rng(0)  # adapted
printed = []  # adapted: what the script prints, compared exactly

# ================================================================== #
#                     1. Basic autograd example 1                    #
# ================================================================== #

# Create tensors.
x = torch.tensor(1., requires_grad=True)
w = torch.tensor(2., requires_grad=True)
b = torch.tensor(3., requires_grad=True)

# Build a computational graph.
y = w * x + b    # y = 2 * x + 3

# Compute gradients.
y.backward()

# Print out the gradients.
print(x.grad)    # x.grad = 2 
print(w.grad)    # w.grad = 1 
print(b.grad)    # b.grad = 1 
printed += [str(x.grad), str(w.grad), str(b.grad), repr(y)]  # adapted


# ================================================================== #
#                    2. Basic autograd example 2                     #
# ================================================================== #

# Create tensors of shape (10, 3) and (10, 2).
x = torch.from_numpy(rng.standard_normal((10, 3)).astype(np.float32))  # adapted (torch.randn(10, 3))
y = torch.from_numpy(rng.standard_normal((10, 2)).astype(np.float32))  # adapted (torch.randn(10, 2))

# Build a fully connected layer.
linear = nn.Linear(3, 2)
load_weights(torch, linear, seed=1)  # adapted
print ('w: ', linear.weight)
print ('b: ', linear.bias)
printed += [str(linear.weight), str(linear.bias), repr(linear)]  # adapted

# Build loss function and optimizer.
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(linear.parameters(), lr=0.01)

# Forward pass.
pred = linear(x)

# Compute loss.
loss = criterion(pred, y)
print('loss: ', loss.item())

# Backward pass.
loss.backward()

# Print out the gradients.
print ('dL/dw: ', linear.weight.grad) 
print ('dL/db: ', linear.bias.grad)
printed += [str(linear.weight.grad), str(linear.bias.grad), str(loss)]  # adapted

# 1-step gradient descent.
optimizer.step()

# You can also perform gradient descent at the low level.
linear.weight.data.sub_(0.01 * linear.weight.grad.data)  # adapted: the commented-out lines, run
linear.bias.data.sub_(0.01 * linear.bias.grad.data)  # adapted

# Print out the loss after 1-step gradient descent.
pred = linear(x)
loss = criterion(pred, y)
print('loss after 1 step optimization: ', loss.item())
loss_after = loss.item()  # adapted


# ================================================================== #
#                     3. Loading data from numpy                     #
# ================================================================== #

# Create a numpy array.
x = np.array([[1, 2], [3, 4]])

# Convert the numpy array to a torch tensor.
y = torch.from_numpy(x)

# Convert the torch tensor to a numpy array.
z = y.numpy()
z[0, 0] = 10  # adapted: the three share memory
printed += [repr(y), str(y.dtype).replace("torch.", "").replace("miniconv.", ""), repr(z), str(z.dtype)]  # adapted


# ================================================================== #
#                4. Input pipeline (a TensorDataset here)            #
# ================================================================== #

train_dataset = torch.utils.data.TensorDataset(  # adapted: CIFAR-10 is a download
    torch.from_numpy(rng.uniform(0, 1, (10, 3, 4, 4)).astype(np.float32)), torch.arange(10))
image, label = train_dataset[0]
print (image.size())
print (label)
printed += [str(list(image.size())), repr(label)]  # adapted (Size prints with the library name)
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=4, 
                                           shuffle=False)  # adapted (batch_size=64, shuffle=True)
data_iter = iter(train_loader)
try:  # adapted: Python 2's iterator.next() is gone in both libraries
    images, labels = data_iter.next()
except AttributeError as e:
    printed.append(str(e))
images, labels = next(data_iter)  # adapted
printed += [str(list(images.shape)), repr(labels)]  # adapted
for images, labels in train_loader:
    # Training code should be written here.
    pass


# ================================================================== #
#                5. Input pipeline for custom dataset                 #
# ================================================================== #

# You should build your custom dataset as below.
class CustomDataset(torch.utils.data.Dataset):
    def __init__(self):
        # TODO
        # 1. Initialize file paths or a list of file names. 
        pass
    def __getitem__(self, index):
        # TODO
        # 1. Read one data from file (e.g. using numpy.fromfile, PIL.Image.open).
        # 2. Preprocess the data (e.g. torchvision.Transform).
        # 3. Return a data pair (e.g. image and label).
        pass
    def __len__(self):
        # You should change 0 to the total size of your dataset.
        return 0 

# You can then use the prebuilt data loader. 
custom_dataset = CustomDataset()
try:  # adapted: an empty dataset cannot be shuffled
    train_loader = torch.utils.data.DataLoader(dataset=custom_dataset,
                                               batch_size=64, 
                                               shuffle=True)
except ValueError as e:
    printed.append(f"{type(e).__name__}: {e}")


# ================================================================== #
#                      7. Save and load the model                    #
# ================================================================== #

model_path = os.path.join(tempfile.mkdtemp(), 'model.ckpt')  # adapted
params_path = os.path.join(os.path.dirname(model_path), 'params.ckpt')  # adapted
resnet = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(16, 5))  # adapted
load_weights(torch, resnet, seed=2)  # adapted

# Save and load the entire model.
torch.save(resnet, model_path)
try:  # adapted: torch.load's weights_only default refuses a whole model
    model = torch.load(model_path)
except Exception as e:
    printed.append(type(e).__name__ in ("UnpicklingError", "WeightsOnlyUnpicklingError"))
model = torch.load(model_path, weights_only=False)  # adapted

# Save and load only the model parameters (recommended).
torch.save(resnet.state_dict(), params_path)
resnet.load_state_dict(torch.load(params_path))
resnet.eval()  # adapted
with torch.no_grad():
    out_a, out_b = resnet(images), model.eval()(images)

result = {"printed": printed, "loss_after": loss_after, "out": out_a.flatten().tolist(),
          "whole_model_same": torch.equal(out_a, out_b), "keys": list(resnet.state_dict().keys())}
