"""A custom Dataset with a transform, a DataLoader with a custom sampler, and learning-rate schedulers."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, SequentialSampler

from _helpers import mnist_subset, numpy_weights


class DigitsDataset(Dataset):
    """Images and labels from NumPy arrays; the transform runs on each sample."""

    def __init__(self, images, labels, transform=None, target_transform=None):
        self.images = images
        self.labels = labels
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        image = torch.from_numpy(self.images[idx])
        label = int(self.labels[idx])
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


x_train, y_train, _, _ = mnist_subset(320, 0)
dataset = DigitsDataset(x_train, y_train, transform=lambda img: img.flatten(),
                        target_transform=lambda y: torch.tensor(y))
loader = DataLoader(dataset, batch_size=32, sampler=SequentialSampler(dataset), drop_last=True)

model = nn.Sequential(nn.Linear(784, 32), nn.Tanh(), nn.Linear(32, 10), nn.LogSoftmax(dim=1))
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=4)):
        p.copy_(torch.from_numpy(w))
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
loss_fn = nn.NLLLoss()

lrs, losses = [], []
for epoch in range(3):
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    lrs.append(scheduler.get_last_lr()[0])

# a one-cycle schedule stepped per batch, on a fresh Adam optimizer
opt2 = torch.optim.Adam(model.parameters(), lr=1e-3)
sched2 = torch.optim.lr_scheduler.OneCycleLR(opt2, max_lr=0.01, total_steps=20)
cycle = []
for _ in range(20):
    opt2.step()
    sched2.step()
    cycle.append(opt2.param_groups[0]["lr"])
result = {"losses": losses[::5], "lrs": lrs, "cycle": cycle, "n_batches": len(loader),
          "sample_shape": list(dataset[0][0].shape)}
