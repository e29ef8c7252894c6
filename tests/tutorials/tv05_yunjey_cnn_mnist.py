"""yunjey/pytorch-tutorial 02-intermediate/convolutional_neural_network/main.py (commit 0500d3d, MIT licence):
torchvision's MNIST with ToTensor, the ConvNet (Conv2d + BatchNorm2d + ReLU + MaxPool2d twice, Linear), Adam,
the training and test loops and the checkpoint save, unchanged except where marked ``# adapted``: the dataset
root is a temporary directory holding the published files decompressed (download=True finds them; 400 training and 200
test images taken with Subset), 2 epochs,
no shuffling (the libraries' generators differ), deterministic starting weights, a ``result`` dict."""
import os
import tempfile

import torch 
import torch.nn as nn
import torchvision
import torchvision.transforms as transforms

from _vision_helpers import load_weights, mnist_root  # adapted

# Device configuration
device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

# Hyper parameters
num_epochs = 2  # adapted (5)
num_classes = 10
batch_size = 100
learning_rate = 0.001
root = mnist_root(tempfile.mkdtemp())  # adapted ('../../data/')

# MNIST dataset
train_dataset = torchvision.datasets.MNIST(root=root,  # adapted
                                           train=True, 
                                           transform=transforms.ToTensor(),
                                           download=True)

test_dataset = torchvision.datasets.MNIST(root=root,  # adapted
                                          train=False, 
                                          transform=transforms.ToTensor())
n_train = len(train_dataset)  # adapted: 400 training and 200 test images
train_dataset = torch.utils.data.Subset(train_dataset, range(400))  # adapted
test_dataset = torch.utils.data.Subset(test_dataset, range(200))  # adapted

# Data loader
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=batch_size, 
                                           shuffle=False)  # adapted (True)

test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                          batch_size=batch_size, 
                                          shuffle=False)

# Convolutional neural network (two convolutional layers)
class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super(ConvNet, self).__init__()
        self.layer1 = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.layer2 = nn.Sequential(
            nn.Conv2d(16, 32, kernel_size=5, stride=1, padding=2),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(kernel_size=2, stride=2))
        self.fc = nn.Linear(7*7*32, num_classes)
        
    def forward(self, x):
        out = self.layer1(x)
        out = self.layer2(out)
        out = out.reshape(out.size(0), -1)
        out = self.fc(out)
        return out

model = ConvNet(num_classes).to(device)
load_weights(torch, model, seed=7)  # adapted
print(model)  # adapted

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

# Train the model
total_step = len(train_loader)
losses = []  # adapted
for epoch in range(num_epochs):
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)
        
        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)
        
        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())  # adapted
        
        if (i+1) % 2 == 0:  # adapted (100)
            print ('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}' 
                   .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

# Test the model
model.eval()  # eval mode (batchnorm uses moving mean/variance instead of mini-batch mean/variance)
with torch.no_grad():
    correct = 0
    total = 0
    for images, labels in test_loader:
        images = images.to(device)
        labels = labels.to(device)
        outputs = model(images)
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()

    print('Test Accuracy of the model on the 10000 test images: {} %'.format(100 * correct / total))

# Save the model checkpoint
torch.save(model.state_dict(), os.path.join(root, 'model.ckpt'))  # adapted (the working directory)

result = {"losses": losses, "accuracy": correct / total, "n_train": n_train,
          "first_image_sum": train_dataset[0][0].sum().item(), "first_label": train_dataset[0][1],
          "fc_bias": model.fc.bias.tolist(), "bn_running_var": model.layer2[1].running_var[:6].tolist()}  # adapted
# (not running_mean: the conv bias in front of a BatchNorm gets a gradient of pure rounding noise, which Adam
# turns into steps of +-lr that differ between libraries; the loss does not see them, the running mean does)
