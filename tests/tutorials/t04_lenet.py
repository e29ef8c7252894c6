"""LeNet-5 on MNIST: convolutions, pooling, Adam and a training loop that tracks accuracy."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from _helpers import mnist_subset, numpy_weights


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(torch.sigmoid(self.conv1(x)))
        x = F.max_pool2d(torch.sigmoid(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
net = LeNet().to(device)
with torch.no_grad():
    named = list(net.named_parameters())
    for (name, p), w in zip(named, numpy_weights([(n, p.shape) for n, p in named], seed=1)):
        p.copy_(torch.from_numpy(w))

x_train, y_train, x_test, y_test = mnist_subset(600, 300)
X, Y = torch.tensor(x_train), torch.tensor(y_train)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=2e-3)

losses = []
for epoch in range(2):
    for i in range(0, len(X), 50):
        inputs, labels = X[i:i + 50].to(device), Y[i:i + 50].to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"[{epoch + 1}] loss: {losses[-1]:.3f}")

net.eval()
with torch.no_grad():
    outputs = net(torch.tensor(x_test))
    _, predicted = torch.max(outputs, 1)
    correct = (predicted == torch.tensor(y_test)).sum().item()
    probs = F.softmax(outputs, dim=1)
print(f"Accuracy of the network on the test images: {100 * correct // len(y_test)} %")
result = {"losses": losses[::3], "accuracy": correct / len(y_test), "probs0": probs[0].tolist(),
          "n_params": sum(p.numel() for p in net.parameters())}
