"""yunjey/pytorch-tutorial 02-intermediate/deep_residual_network/main.py (commit 0500d3d, MIT licence): the
script's model, training loop, update_lr idiom, test loop and checkpoint save, unchanged. Adapted to run
tiny and offline: CIFAR-10 (a download) is replaced by 64 CIFAR-like NumPy images in a TensorDataset (the
random Pad/RandomHorizontalFlip/RandomCrop augmentation dropped: the two libraries draw different random
numbers), 2 epochs of batch 16 with the lr decay every epoch instead of every 20, deterministic starting
weights, and a ``result`` dict. Lines changed from the original are marked ``# adapted``."""
import os
import tempfile

import torch
import torch.nn as nn

from _vision_helpers import cifar_like, load_weights  # adapted

# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

# Hyper-parameters
num_epochs = 2  # adapted (80)
batch_size = 16  # adapted (100)
learning_rate = 0.001

# CIFAR-10 dataset  # adapted: NumPy images instead of torchvision.datasets.CIFAR10
x_train, y_train = cifar_like(64, seed=0)
x_test, y_test = cifar_like(32, seed=1)
train_dataset = torch.utils.data.TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train))
test_dataset = torch.utils.data.TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test))

# Data loader
train_loader = torch.utils.data.DataLoader(dataset=train_dataset,
                                           batch_size=batch_size,
                                           shuffle=False)  # adapted (shuffle=True)

test_loader = torch.utils.data.DataLoader(dataset=test_dataset,
                                          batch_size=batch_size,
                                          shuffle=False)

# 3x3 convolution
def conv3x3(in_channels, out_channels, stride=1):
    return nn.Conv2d(in_channels, out_channels, kernel_size=3, 
                     stride=stride, padding=1, bias=False)

# Residual block
class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super(ResidualBlock, self).__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.downsample = downsample
        
    def forward(self, x):
        residual = x
        out = self.conv1(x)
        out = self.bn1(out)
        out = self.relu(out)
        out = self.conv2(out)
        out = self.bn2(out)
        if self.downsample:
            residual = self.downsample(x)
        out += residual
        out = self.relu(out)
        return out

# ResNet
class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=10):
        super(ResNet, self).__init__()
        self.in_channels = 16
        self.conv = conv3x3(3, 16)
        self.bn = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self.make_layer(block, 16, layers[0])
        self.layer2 = self.make_layer(block, 32, layers[1], 2)
        self.layer3 = self.make_layer(block, 64, layers[2], 2)
        self.avg_pool = nn.AvgPool2d(8)
        self.fc = nn.Linear(64, num_classes)
        
    def make_layer(self, block, out_channels, blocks, stride=1):
        downsample = None
        if (stride != 1) or (self.in_channels != out_channels):
            downsample = nn.Sequential(
                conv3x3(self.in_channels, out_channels, stride=stride),
                nn.BatchNorm2d(out_channels))
        layers = []
        layers.append(block(self.in_channels, out_channels, stride, downsample))
        self.in_channels = out_channels
        for i in range(1, blocks):
            layers.append(block(out_channels, out_channels))
        return nn.Sequential(*layers)
    
    def forward(self, x):
        out = self.conv(x)
        out = self.bn(out)
        out = self.relu(out)
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        out = self.avg_pool(out)
        out = out.view(out.size(0), -1)
        out = self.fc(out)
        return out
    
model = ResNet(ResidualBlock, [2, 2, 2]).to(device)
load_weights(torch, model, seed=3)  # adapted: the same start in both libraries
print(model)  # adapted: the printed module tree is compared too (line count)


# Loss and optimizer
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

# For updating learning rate
def update_lr(optimizer, lr):    
    for param_group in optimizer.param_groups:
        param_group['lr'] = lr

# Train the model
total_step = len(train_loader)
curr_lr = learning_rate
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
            print ("Epoch [{}/{}], Step [{}/{}] Loss: {:.4f}"
                   .format(epoch+1, num_epochs, i+1, total_step, loss.item()))

    # Decay learning rate
    if (epoch+1) % 1 == 0:  # adapted (20)
        curr_lr /= 3
        update_lr(optimizer, curr_lr)

# Test the model
model.eval()
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

    print('Accuracy of the model on the test images: {} %'.format(100 * correct / total))

# Save the model checkpoint
ckpt = os.path.join(tempfile.mkdtemp(), 'resnet.ckpt')  # adapted: not into the working directory
torch.save(model.state_dict(), ckpt)
reloaded = ResNet(ResidualBlock, [2, 2, 2])  # adapted: read it back
reloaded.load_state_dict(torch.load(ckpt))
reloaded.eval()
with torch.no_grad():
    same = torch.equal(reloaded(images), outputs)

result = {"losses": losses, "accuracy": correct / total, "lr": optimizer.param_groups[0]['lr'],
          "reloaded_same": same, "fc_bias": model.fc.bias.tolist(),
          "bn_running_var": model.layer3[1].bn2.running_var[:6].tolist(),
          "n_params": sum(p.numel() for p in model.parameters())}
