"""aladdinpersson/Machine-Learning-Collection (MIT licence), ML/Pytorch/Basics: pytorch_tensorbasics.py (the whole
walk-through: creation, dtype conversions, torch.add(x, y, out=z1) into a float tensor from int64 inputs,
true_divide, in-place add_/+=, matrix_power, dot, bmm, broadcasting **, max/min returning (values, indices),
argmax, eq, sort, clamp, any/all of a bool tensor, fancy indexing with a list and with row/col tensors, boolean
masks with |, remainder, where, unique, ndimension, view/reshape/t()/is_contiguous/contiguous, cat, permute, chunk,
unsqueeze/squeeze), pytorch_rnn_gru_lstm.py (the RNN/GRU/LSTM many-to-one classifiers on MNIST rows with
h0/c0 from torch.zeros(...).to(device), check_accuracy reading loader.dataset.train and printing a 0-d tensor in
an f-string), pytorch_lr_ratescheduler.py (ReduceLROnPlateau stepped with the mean loss), pytorch_init_weights.py
(kaiming_uniform_/constant_ over self.modules()) and pytorch_loadsave.py (a checkpoint dict of model and optimizer
state saved and loaded). Unchanged except where marked ``# adapted``: torchvision's MNIST is a 256/128-image
subset with a .train attribute, random numbers come from torch.manual_seed(0) (the scripts leave the generator
unseeded), models are smaller and train one epoch, files go to a temporary directory."""
import os
import tempfile

import torch
import numpy as np
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset

result = {}
torch.manual_seed(0)  # adapted

# ---------------------------------------------------------------- pytorch_tensorbasics.py
device = "cuda" if torch.cuda.is_available() else "cpu"  # Cuda to run on GPU!
my_tensor = torch.tensor(
    [[1, 2, 3], [4, 5, 6]], dtype=torch.float32, device=device, requires_grad=True
)
print(
    f"Information about tensor: {my_tensor}"
)  # Prints data of the tensor, device and grad info
print(
    "Type of Tensor {my_tensor.dtype}"
)  # Prints dtype of the tensor (torch.float32, etc)
print(
    f"Device Tensor is on {my_tensor.device}"
)  # Prints cpu/cuda (followed by gpu number)
print(f"Shape of tensor {my_tensor.shape}")  # Prints shape, in this case 2x3
print(f"Requires gradient: {my_tensor.requires_grad}")  # Prints true/false
result["info"] = [f"Information about tensor: {my_tensor}", f"Device Tensor is on {my_tensor.device}",
                  f"Requires gradient: {my_tensor.requires_grad}"]
x = torch.empty(size=(3, 3))  # Tensor of shape 3x3 with uninitialized data
x = torch.zeros((3, 3))  # Tensor of shape 3x3 with values of 0
x = torch.rand(
    (3, 3)
)  # Tensor of shape 3x3 with values from uniform distribution in interval [0,1)
x = torch.ones((3, 3))  # Tensor of shape 3x3 with values of 1
x = torch.eye(5, 5)  # Returns Identity Matrix I, (I <-> Eye), matrix of shape 2x3
x = torch.arange(
    start=0, end=5, step=1
)  # Tensor [0, 1, 2, 3, 4], note, can also do: torch.arange(11)
x = torch.linspace(start=0.1, end=1, steps=10)  # x = [0.1, 0.2, ..., 1]
result["linspace"] = x.tolist()
x = torch.empty(size=(1, 5)).normal_(
    mean=0, std=1
)  # Normally distributed with mean=0, std=1
result["normal_"] = x.tolist()
x = torch.empty(size=(1, 5)).uniform_(
    0, 1
)  # Values from a uniform distribution low=0, high=1
result["uniform_"] = x.tolist()
x = torch.diag(torch.ones(3))  # Diagonal matrix of shape 3x3
tensor = torch.arange(4)  # [0, 1, 2, 3] Initialized as int64 by default
print(f"Converted Boolean: {tensor.bool()}")  # Converted to Boolean: 1 if nonzero
print(f"Converted int16 {tensor.short()}")  # Converted to int16
print(
    f"Converted int64 {tensor.long()}"
)  # Converted to int64 (This one is very important, used super often)
print(f"Converted float16 {tensor.half()}")  # Converted to float16
print(
    f"Converted float32 {tensor.float()}"
)  # Converted to float32 (This one is very important, used super often)
print(f"Converted float64 {tensor.double()}")  # Converted to float64
result["conversions"] = [s.replace("miniconv.", "torch.") for s in (  # the dtype names the library
    f"{tensor.bool()}", f"{tensor.short()}", f"{tensor.long()}", f"{tensor.half()}", f"{tensor.float()}",
    f"{tensor.double()}")]
np_array = np.zeros((5, 5))
tensor = torch.from_numpy(np_array)
np_array_again = (
    tensor.numpy()
)  # np_array_again will be same as np_array (perhaps with numerical round offs)

x = torch.tensor([1, 2, 3])
y = torch.tensor([9, 8, 7])
z1 = torch.empty(3)
torch.add(x, y, out=z1)  # This is one way
z2 = torch.add(x, y)  # This is another way
z = x + y  # This is my preferred way, simple and clean.
z = x - y  # We can do similarly as the preferred way of addition
z = torch.true_divide(x, y)  # Will do element wise division if of equal shape
result["arith"] = [z1.tolist(), str(z1.dtype).split(".")[-1], z2.tolist(), z.tolist(), str(z.dtype).split(".")[-1]]
t = torch.zeros(3)
t.add_(x)  # Whenever we have operation followed by _ it will mutate the tensor in place
t += x  # Also inplace: t = t + x is not inplace, bit confusing.
z = x.pow(2)  # z = [1, 4, 9]
z = x**2  # z = [1, 4, 9]
z = x > 0  # Returns [True, True, True]
z = x < 0  # Returns [False, False, False]
result["inplace"] = [t.tolist(), str(t.dtype).split(".")[-1], (x ** 2).tolist()]
x1 = torch.rand((2, 5))
x2 = torch.rand((5, 3))
x3 = torch.mm(x1, x2)  # Matrix multiplication of x1 and x2, out shape: 2x3
x3 = x1.mm(x2)  # Similar as line above
matrix_exp = torch.rand(5, 5)
print(
    matrix_exp.matrix_power(3)
)  # is same as matrix_exp (mm) matrix_exp (mm) matrix_exp
result["matmul"] = [x3.tolist(), matrix_exp.matrix_power(3).tolist()]
z = x * y  # z = [9, 16, 21] = [1*9, 2*8, 3*7]
z = torch.dot(x, y)  # Dot product, in this case z = 1*9 + 2*8 + 3*7
result["dot"] = [z.item(), str(z.dtype).split(".")[-1]]
batch = 32
n = 10
m = 20
p = 30
tensor1 = torch.rand((batch, n, m))
tensor2 = torch.rand((batch, m, p))
out_bmm = torch.bmm(tensor1, tensor2)  # Will be shape: (b x n x p)
x1 = torch.rand((5, 5))
x2 = torch.ones((1, 5))
z = (
    x1 - x2
)  # Shape of z is 5x5: How? The 1x5 vector (x2) is subtracted for each row in the 5x5 (x1)
z = (
    x1**x2
)  # Shape of z is 5x5: How? Broadcasting! Element wise exponentiation for every row
result["bmm"] = [out_bmm.sum(dim=(1, 2)).tolist(), z.tolist()]
sum_x = torch.sum(
    x, dim=0
)  # Sum of x across dim=0 (which is the only dim in our case), sum_x = 6
values, indices = torch.max(x, dim=0)  # Can also do x.max(dim=0)
values, indices = torch.min(x, dim=0)  # Can also do x.min(dim=0)
abs_x = torch.abs(x)  # Returns x where abs function has been applied to every element
z = torch.argmax(x, dim=0)  # Gets index of the maximum value
z = torch.argmin(x, dim=0)  # Gets index of the minimum value
mean_x = torch.mean(x.float(), dim=0)  # mean requires x to be float
z = torch.eq(x, y)  # Element wise comparison, in this case z = [False, False, False]
sorted_y, indices = torch.sort(y, dim=0, descending=False)
z = torch.clamp(x, min=0)
result["reductions"] = [sum_x.item(), values.item(), indices.tolist(), mean_x.item(), sorted_y.tolist(), z.tolist()]
x = torch.tensor([1, 0, 1, 1, 1], dtype=torch.bool)  # True/False values
z = torch.any(x)  # will return True, can also do x.any() instead of torch.any(x)
z = torch.all(
    x
)  # will return False (since not all are True), can also do x.all() instead of torch.all()
result["any_all"] = [torch.any(x).item(), z.item()]
batch_size = 10
features = 25
x = torch.rand((batch_size, features))
print(x[0].shape)  # shape [25], this is same as doing x[0,:]
print(x[:, 0].shape)  # shape [10]
print(x[2, 0:10].shape)  # shape: [10]
x[0, 0] = 100
x = torch.arange(10)
indices = [2, 5, 8]
print(x[indices])  # x[indices] = [2, 5, 8]
x = torch.rand((3, 5))
rows = torch.tensor([1, 0])
cols = torch.tensor([4, 0])
print(x[rows, cols])  # Gets second row fifth column and first row first column
result["fancy"] = x[rows, cols].tolist()
x = torch.arange(10)
print(x[(x < 2) | (x > 8)])  # will be [0, 1, 9]
print(x[x.remainder(2) == 0])  # will be [0, 2, 4, 6, 8]
print(
    torch.where(x > 5, x, x * 2)
)  # gives [0, 2, 4, 6, 8, 10, 6, 7, 8, 9], all values x > 5 yield x, else x*2
result["masks"] = [x[(x < 2) | (x > 8)].tolist(), x[x.remainder(2) == 0].tolist(), torch.where(x > 5, x, x * 2).tolist()]
x = torch.tensor([0, 0, 1, 2, 2, 3, 4]).unique()  # x = [0, 1, 2, 3, 4]
print(
    x.ndimension()
)  # The number of dimensions, in this case 1. if x.shape is 5x5x5 ndim would be 3
x = torch.arange(10)
print(
    x.numel()
)  # The number of elements in x (in this case it's trivial because it's just a vector)
x = torch.arange(9)
x_3x3 = x.view(3, 3)
x_3x3 = x.reshape(3, 3)
y = x_3x3.t()
print(
    y.is_contiguous()
)  # This will return False and if we try to use view now, it won't work!
try:  # adapted: the comment's "y.view(9) would cause an error", checked
    y.view(9)
except RuntimeError as e:
    result["view_error"] = str(e)
print(y.contiguous().view(9))  # Calling .contiguous() before view and it works
x1 = torch.rand(2, 5)
x2 = torch.rand(2, 5)
print(torch.cat((x1, x2), dim=0).shape)  # Shape: 4x5
print(torch.cat((x1, x2), dim=1).shape)  # Shape 2x10
z = x1.view(-1)  # And -1 will unroll everything
batch = 64
x = torch.rand((batch, 2, 5))
z = x.view(
    batch, -1
)  # And z.shape would be 64x10, this is very useful stuff and is used all the time
z = x.permute(0, 2, 1)
z = torch.chunk(x, chunks=2, dim=1)
print(z[0].shape)
print(z[1].shape)
x = torch.arange(
    10
)  # Shape is [10], let's say we want to add an additional so we have 1x10
print(x.unsqueeze(0).shape)  # 1x10
print(x.unsqueeze(1).shape)  # 10x1
x = torch.arange(10).unsqueeze(0).unsqueeze(1)
z = x.squeeze(1)  # can also do .squeeze(0) both returns 1x10
result["reshape"] = [y.contiguous().view(9).tolist(), list(z.shape)]

# ---------------------------------------------------------------- pytorch_rnn_gru_lstm.py
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
input_size = 28
hidden_size = 32  # adapted: 256
num_layers = 2
num_classes = 10
sequence_length = 28
learning_rate = 0.005
batch_size = 64
num_epochs = 1  # adapted: 2


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = nn.RNN(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        # Set initial hidden and cell states
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)

        # Forward propagate LSTM
        out, _ = self.rnn(x, h0)
        out = out.reshape(out.shape[0], -1)

        # Decode the hidden state of the last time step
        out = self.fc(out)
        return out


class RNN_GRU(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN_GRU, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.gru = nn.GRU(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        out, _ = self.gru(x, h0)
        out = out.reshape(out.shape[0], -1)
        out = self.fc(out)
        return out


class RNN_LSTM(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN_LSTM, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size * sequence_length, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size).to(device)
        out, _ = self.lstm(
            x, (h0, c0)
        )  # out: tensor of shape (batch_size, seq_length, hidden_size)
        out = out.reshape(out.shape[0], -1)
        out = self.fc(out)
        return out


class MNISTSubset(TensorDataset):  # adapted: datasets.MNIST(root="dataset/", train=..., transform=ToTensor())
    def __init__(self, train):
        x_tr, y_tr, x_te, y_te = mnist_subset(256, 128)
        x, y = (x_tr, y_tr) if train else (x_te, y_te)
        super().__init__(torch.from_numpy(x * 0.3081 + 0.1307), torch.from_numpy(y))
        self.train = train


train_dataset = MNISTSubset(train=True)
test_dataset = MNISTSubset(train=False)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=True)
accuracy_lines = []


def check_accuracy(loader, model):
    if loader.dataset.train:
        print("Checking accuracy on training data")
    else:
        print("Checking accuracy on test data")

    num_correct = 0
    num_samples = 0

    # Set model to eval
    model.eval()

    with torch.no_grad():
        for x, y in loader:
            x = x.to(device=device).squeeze(1)
            y = y.to(device=device)

            scores = model(x)
            _, predictions = scores.max(1)
            num_correct += (predictions == y).sum()
            num_samples += predictions.size(0)

        print(
            f"Got {num_correct} / {num_samples} with \
              accuracy {float(num_correct)/float(num_samples)*100:.2f}"
        )
        accuracy_lines.append(f"Got {num_correct} / {num_samples}")
    # Set model back to train
    model.train()


for make in (RNN, RNN_GRU, RNN_LSTM):  # adapted: the script trains RNN_LSTM; all three here
    model = make(input_size, hidden_size, num_layers, num_classes).to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    for epoch in range(num_epochs):
        for batch_idx, (data, targets) in enumerate(train_loader):
            # Get data to cuda if possible
            data = data.to(device=device).squeeze(1)
            targets = targets.to(device=device)

            # forward
            scores = model(data)
            loss = criterion(scores, targets)

            # backward
            optimizer.zero_grad()
            loss.backward()

            # gradient descent or adam step
            optimizer.step()
            losses.append(loss.item())
    check_accuracy(train_loader, model)
    check_accuracy(test_loader, model)
    result[make.__name__] = losses
result["accuracy_lines"] = accuracy_lines

# ---------------------------------------------------------------- pytorch_lr_ratescheduler.py
num_classes = 10
learning_rate = 0.1
batch_size = 128
num_epochs = 9  # adapted: 100
model = nn.Sequential(nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 10)).to(device)
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=learning_rate)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer,factor=0.1, patience=1)  # adapted: patience=5,
lrs = []                                                                  # verbose=True (removed in PyTorch 2.13)
for epoch in range(1, num_epochs):
    losses = []

    for batch_idx, (data, targets) in enumerate(train_loader):
        # Get data to cuda if possible
        data = data.reshape(data.shape[0], -1)
        data = data.to(device=device)
        targets = targets.to(device=device)

        # forward
        scores = model(data)
        loss = criterion(scores, targets)

        losses.append(loss.item())

        # backward
        loss.backward()

        # gradient descent or adam step
        # scheduler.step(loss)
        optimizer.step()
        optimizer.zero_grad()

    mean_loss = sum(losses)/len(losses)

    # After each epoch do scheduler.step, note in this scheduler we need to send
    # in loss for that epoch!
    scheduler.step(mean_loss)
    print(f'Cost at epoch {epoch} is {mean_loss}')
    lrs.append([mean_loss, optimizer.param_groups[0]["lr"], scheduler.get_last_lr()[0]])
result["plateau"] = lrs


# ---------------------------------------------------------------- pytorch_init_weights.py
class CNN(nn.Module):
    def __init__(self, in_channels, num_classes):
        super(CNN, self).__init__()
        self.conv1 = nn.Conv2d(in_channels=in_channels, out_channels=6, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.pool = nn.MaxPool2d(kernel_size=(2,2), stride = (2,2))
        self.conv2 = nn.Conv2d(in_channels=6, out_channels=16, kernel_size=(3,3), stride=(1,1), padding=(1,1))
        self.fc1 = nn.Linear(16*7*7, num_classes)
        self.initialize_weights()

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = self.pool(x)
        x = F.relu(self.conv2(x))
        x = self.pool(x)
        x = x.reshape(x.shape[0], -1)
        x = self.fc1(x)

        return x

    def initialize_weights(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight)

                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)

            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

            elif isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight)
                nn.init.constant_(m.bias, 0)


model = CNN(in_channels=3,num_classes=10)
for param in model.parameters():
    print(param)
result["init"] = [p.abs().sum().item() for p in model.parameters()]
result["init_repr"] = repr(model.conv1.bias).replace("miniconv", "torch")


# ---------------------------------------------------------------- pytorch_loadsave.py
tmp = tempfile.TemporaryDirectory()  # adapted


def save_checkpoint(state, filename="my_checkpoint.pth.tar"):
    print("=> Saving checkpoint")
    torch.save(state, filename)


def load_checkpoint(checkpoint, model, optimizer):
    print("=> Loading checkpoint")
    model.load_state_dict(checkpoint["state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer"])


def main():
    # Initialize network
    model = CNN(in_channels=1, num_classes=10)  # adapted: torchvision.models.vgg16(weights=None)
    optimizer = optim.Adam(model.parameters())
    x, y = train_dataset[:8]
    F.cross_entropy(model(x), y).backward()
    optimizer.step()  # adapted: one step, so that the optimizer has state to save
    checkpoint = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict()}
    filename = os.path.join(tmp.name, "my_checkpoint.pth.tar")  # adapted
    # Try save checkpoint
    save_checkpoint(checkpoint, filename)

    # Try load checkpoint
    model2 = CNN(in_channels=1, num_classes=10)  # adapted: load into a fresh model and optimizer
    optimizer2 = optim.Adam(model2.parameters())
    load_checkpoint(torch.load(filename), model2, optimizer2)
    result["loadsave"] = [model2(x).tolist(), sorted(optimizer2.state_dict()["state"][0]),
                          optimizer2.state_dict()["state"][0]["exp_avg"].abs().sum().item(),
                          int(optimizer2.state_dict()["state"][0]["step"])]


if __name__ == "__main__":
    main()
tmp.cleanup()
