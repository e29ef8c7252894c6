"""A sequence classifier over MNIST: each image is read row by row (28 steps of 28 pixels) by a
two-layer LSTM, and a linear layer classifies the last hidden state (the classic RNN tutorial)."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from _helpers import mnist_subset, numpy_weights

torch.manual_seed(0)
x_train, y_train, x_test, y_test = mnist_subset(512, 256)
train_loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)), batch_size=64)
test_loader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)), batch_size=128)

sequence_length, input_size, hidden_size, num_layers, num_classes = 28, 28, 64, 2, 10


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, num_layers, num_classes):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
        out, _ = self.lstm(x, (h0, c0))  # out: (batch, seq_length, hidden_size)
        return self.fc(out[:, -1, :])


model = RNN(input_size, hidden_size, num_layers, num_classes)
with torch.no_grad():
    named = list(model.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named])):
        p.copy_(torch.from_numpy(w))
print(model)
print("parameters:", sum(p.numel() for p in model.parameters()))

criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

losses = []
for epoch in range(2):
    model.train()
    for i, (images, labels) in enumerate(train_loader):
        images = images.reshape(-1, sequence_length, input_size)
        outputs = model(images)
        loss = criterion(outputs, labels)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
        optimizer.step()
        losses.append(loss.item())
        if (i + 1) % 4 == 0:
            print(f"Epoch [{epoch + 1}/2], Step [{i + 1}/{len(train_loader)}], Loss: {loss.item():.4f}")

model.eval()
with torch.no_grad():
    correct, total = 0, 0
    for images, labels in test_loader:
        images = images.reshape(-1, sequence_length, input_size)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
print(f"Test Accuracy of the model on the {total} test images: {100 * correct / total:.2f} %")
result = {"losses": losses[::2], "accuracy": correct / total}
