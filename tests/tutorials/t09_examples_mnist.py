"""The shape of pytorch/examples' mnist/main.py: train()/test() functions with the logging
format strings, log_softmax + nll_loss, Adadelta with StepLR, a DataLoader over a dataset,
`pred.eq(target.view_as(pred))`, and saving the state dict. Run on the CPU, where that script
does not shuffle. Dropout is trained with p = 0 (the two libraries draw different masks); its
train-mode behaviour at the script's p is checked separately. Adadelta runs at lr 0.3, not the
script's 1.0: on this 320-image subset lr 1.0 is chaotic (PyTorch alone, 1 thread vs 2, differs
by 1 % in the loss after 6 steps), so no two float32 implementations could agree."""
import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset, numpy_weights


class Net(nn.Module):
    def __init__(self, p1=0.25, p2=0.5):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(p1)
        self.dropout2 = nn.Dropout(p2)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def train(args, model, device, train_loader, optimizer, epoch, losses):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()  # sum up batch loss
            pred = output.argmax(dim=1, keepdim=True)  # get the index of the max log-probability
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct / len(test_loader.dataset)


args = argparse.Namespace(batch_size=32, test_batch_size=100, epochs=2, lr=0.3, gamma=0.7,
                          log_interval=4, seed=1)
torch.manual_seed(args.seed)
device = torch.device("cpu")

x_train, y_train, x_test, y_test = mnist_subset(320, 200)
train_loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                          batch_size=args.batch_size)
test_loader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
                         batch_size=args.test_batch_size)

model = Net(p1=0.0, p2=0.0).to(device)
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=9)):
        p.copy_(torch.from_numpy(w))
optimizer = optim.Adadelta(model.parameters(), lr=args.lr)

scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
losses, tests, lrs = [], [], []
for epoch in range(1, args.epochs + 1):
    train(args, model, device, train_loader, optimizer, epoch, losses)
    tests.append(test(model, device, test_loader))
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "mnist_cnn.pt")
    torch.save(model.state_dict(), path)
    reloaded = Net()
    reloaded.load_state_dict(torch.load(path))
    reloaded.eval()
    with torch.no_grad():
        same = bool(torch.equal(reloaded(torch.from_numpy(x_test[:8])), model(torch.from_numpy(x_test[:8]))))

# Dropout at the script's p in train mode: about p of the elements zeroed, the rest scaled by 1/(1-p)
drop = Net().dropout2
drop.train()
ones = torch.ones(200, 500)
out = drop(ones)
kept = out[out != 0]
dropout_ok = abs((out == 0).float().mean().item() - 0.5) < 0.02 and bool(torch.allclose(kept, torch.full_like(kept, 2.0)))

result = {"losses": losses[::2], "test_loss": [t[0] for t in tests], "accuracy": tests[-1][1],
          "lrs": lrs, "reloaded_equal": same, "dropout_ok": dropout_ok,
          "state_keys": " ".join(model.state_dict().keys())}
