"""PyTorch's "Learn the Basics" pages "Optimizing Model Parameters" (beginner_source/basics/
optimization_tutorial.py), "Transforms" (transforms_tutorial.py: the Lambda one-hot target transform
``torch.zeros(10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1)``) and "Save and Load the
Model" (saveloadrun_tutorial.py: a state_dict saved and loaded into a fresh model, then the whole model saved
with torch.save(model, ...) and loaded with weights_only=False), pytorch/tutorials, BSD licence. Unchanged
except where marked ``# adapted``: FashionMNIST with ToTensor (torchvision) is replaced by a 640/320 MNIST subset
in [0, 1] in a small Dataset applying the tutorial's target_transform; torchvision's Lambda is a one-line class;
2 epochs at lr 0.1 instead of 10 at 1e-3; initial weights from NumPy; saveloadrun's VGG-16 (a download) is the
NeuralNetwork trained here; the files go to a temporary directory."""
import os  # adapted
import tempfile  # adapted

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset  # adapted (Dataset)

from _vision_helpers import load_weights, mnist_subset  # adapted


class Lambda:  # adapted: torchvision.transforms.Lambda
    def __init__(self, lambd):
        self.lambd = lambd

    def __call__(self, x):
        return self.lambd(x)


class SubsetMNIST(Dataset):  # adapted: stands in for datasets.FashionMNIST(..., transform=ToTensor(), ...)
    def __init__(self, images, labels, target_transform=None):
        self.images, self.labels, self.target_transform = images, labels, target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        y = int(self.labels[i])
        return torch.from_numpy(self.images[i]), (self.target_transform(y) if self.target_transform else y)


x_tr, y_tr, x_te, y_te = mnist_subset(640, 320)  # adapted
x_tr, x_te = x_tr * 0.3081 + 0.1307, x_te * 0.3081 + 0.1307  # adapted: ToTensor's [0, 1]
result = {"loss": [], "test": []}  # adapted

# -- Transforms
target_transform = Lambda(lambda y: torch.zeros(
    10, dtype=torch.float).scatter_(dim=0, index=torch.tensor(y), value=1))
ds = SubsetMNIST(x_tr, y_tr, target_transform=target_transform)  # adapted (datasets.FashionMNIST(...))
result["one_hot"] = [ds[i][1].tolist() for i in range(3)]  # adapted

# -- Optimizing Model Parameters
training_data = SubsetMNIST(x_tr, y_tr)  # adapted
test_data = SubsetMNIST(x_te, y_te)  # adapted

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)

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

model = NeuralNetwork()
load_weights(torch, model, seed=3)  # adapted

learning_rate = 1e-1  # adapted (1e-3)
batch_size = 64
epochs = 5

# Initialize the loss function
loss_fn = nn.CrossEntropyLoss()

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        result["loss"].append(loss.item())  # adapted

        if batch % 100 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    # also serves to reduce unnecessary gradient computations and memory usage for tensors with requires_grad=True
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    result["test"].append(test_loss)  # adapted
    result["test_accuracy"] = correct  # adapted


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

epochs = 2  # adapted (10)
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")

# -- Save and Load the Model
home = os.getcwd()  # adapted
os.chdir(tempfile.mkdtemp())  # adapted
torch.save(model.state_dict(), 'model_weights.pth')

model = NeuralNetwork()  # adapted (models.vgg16()): we do not specify ``weights``, i.e. create untrained model
model.load_state_dict(torch.load('model_weights.pth'))
model.eval()
result["reloaded"] = model(torch.from_numpy(x_te[:4])).detach().numpy()  # adapted

# adapted: this file runs through exec() inside the test, where pickle cannot find ``__main__.NeuralNetwork``
# (a script run as ``python file.py`` can); the class is published in a module for the save and the load
import sys, types  # adapted
holder = types.ModuleType("t68_models")  # adapted
holder.NeuralNetwork, NeuralNetwork.__module__ = NeuralNetwork, "t68_models"  # adapted
sys.modules["t68_models"] = holder  # adapted
torch.save(model, 'model.pth')

model = torch.load('model.pth', weights_only=False)
del sys.modules["t68_models"]  # adapted
result["whole_model"] = [type(model).__name__, model.training,
                         model(torch.from_numpy(x_te[:4])).detach().numpy()]  # adapted
os.chdir(home)  # adapted
