"""Saving and loading a checkpoint (model + optimizer + epoch) and resuming training exactly."""
import os
import tempfile

import torch
import torch.nn as nn

from _helpers import mnist_subset, numpy_weights


def make_model():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 13 * 13, 10))
    with torch.no_grad():
        named = list(model.named_parameters())
        for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=5)):
            p.copy_(torch.from_numpy(w))
    return model


x_train, y_train, _, _ = mnist_subset(192, 0)
batches = [(torch.tensor(x_train[i:i + 32]), torch.tensor(y_train[i:i + 32])) for i in range(0, 192, 32)]
loss_fn = nn.CrossEntropyLoss()


def run(model, optimizer, batch_list):
    out = []
    for xb, yb in batch_list:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        out.append(loss.item())
    return out


# uninterrupted
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
straight = run(model, optimizer, batches)

# interrupted after three batches, saved, restored into fresh objects, resumed
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
first = run(model, optimizer, batches[:3])
path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
torch.save({"epoch": 1, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": first[-1]}, path)

model2 = make_model()
optimizer2 = torch.optim.Adam(model2.parameters(), lr=1e-3)
checkpoint = torch.load(path, weights_only=True)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
model2.train()
resumed = first + run(model2, optimizer2, batches[3:])
os.remove(path)
result = {"straight": straight, "resumed": resumed, "epoch": epoch, "saved_loss": checkpoint["loss"],
          "same": max(abs(a - b) for a, b in zip(straight, resumed)) < 1e-6}
