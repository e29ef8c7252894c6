"""PyTorch's "Learn the Basics: Quickstart" (pytorch/tutorials beginner_source/basics/quickstart_tutorial.py,
BSD licence), the whole script: DataLoaders of batch 64 and the shape/dtype printout, the device string,
NeuralNetwork (Flatten + linear_relu_stack) and print(model), CrossEntropyLoss + SGD(lr=1e-3), train() with
``loss, current = loss.item(), (batch + 1) * len(X)`` and its format strings, test() with
``(pred.argmax(1) == y).type(torch.float).sum().item()``, torch.save(model.state_dict(), "model.pth"),
load_state_dict(torch.load("model.pth", weights_only=True)), and the prediction that indexes the classes list
with 0-d tensors. Unchanged except where marked ``# adapted``: FashionMNIST (a download through torchvision) is
replaced by a 640/320 MNIST subset in [0, 1] (ToTensor's range) in TensorDatasets, with FashionMNIST's class
names kept; 2 epochs at lr 0.1 instead of 5 at 1e-3 (so that something is learnt in 20 steps); the model's
initial weights come from NumPy; model.pth is written in a temporary directory."""
import os  # adapted
import tempfile  # adapted

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset  # adapted (TensorDataset)

from _vision_helpers import load_weights, mnist_subset  # adapted (from torchvision import datasets, ToTensor)

x_tr, y_tr, x_te, y_te = mnist_subset(640, 320)  # adapted: instead of datasets.FashionMNIST(..., ToTensor())
training_data = TensorDataset(torch.from_numpy(x_tr * 0.3081 + 0.1307), torch.from_numpy(y_tr))  # adapted
test_data = TensorDataset(torch.from_numpy(x_te * 0.3081 + 0.1307), torch.from_numpy(y_te))  # adapted
result = {"loss": [], "test_loss": [], "test_accuracy": []}  # adapted

batch_size = 64

# Create data loaders.
train_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

for X, y in test_dataloader:
    print(f"Shape of X [N, C, H, W]: {X.shape}")
    print(f"Shape of y: {y.shape} {y.dtype}")
    break

# Get cpu, gpu or mps device for training.
device = (
    "cuda"
    if torch.cuda.is_available()
    else "mps"
    if torch.backends.mps.is_available()
    else "cpu"
)
print(f"Using {device} device")

# Define model
class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10)
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits

model = NeuralNetwork().to(device)
load_weights(torch, model, seed=0)  # adapted
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)  # adapted (lr=1e-3)

def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)

        # Compute prediction error
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        result["loss"].append(loss.item())  # adapted

        if batch % 100 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    result["test_loss"].append(test_loss)  # adapted
    result["test_accuracy"].append(correct)  # adapted

epochs = 2  # adapted (5)
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train(train_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")

home = os.getcwd()  # adapted: model.pth in a temporary directory
os.chdir(tempfile.mkdtemp())  # adapted
torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))
os.chdir(home)  # adapted

classes = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    x = x.to(device)
    pred = model(x)
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')
result["prediction"] = [predicted, actual, pred.tolist()]  # adapted
