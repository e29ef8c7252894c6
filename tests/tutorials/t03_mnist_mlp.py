"""Training an MLP classifier on (a subset of) MNIST with nn.Module, optim.SGD and a DataLoader."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset, numpy_weights

device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
x_train, y_train, x_test, y_test = mnist_subset(1000, 500)
train_dataloader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)), batch_size=64)
test_dataloader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)), batch_size=64)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named])):
        p.copy_(torch.from_numpy(w))
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    losses = []
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


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
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return test_loss, correct


epochs = 2
history = []
for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    history.append(train(train_dataloader, model, loss_fn, optimizer))
    test_loss, accuracy = test(test_dataloader, model, loss_fn)
print("Done!")
result = {"train_losses": history[0][::4] + history[1][::4], "test_loss": test_loss, "accuracy": accuracy}
