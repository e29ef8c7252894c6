"""Udacity's "Intro to PyTorch" notebooks (udacity/deep-learning-v2-pytorch, intro-to-pytorch, MIT licence), the
solution notebooks' code cells in order: Part 1 (a sigmoid neuron by torch.sum/torch.mm of randn_like data and
weights.view(5, 1), a two-layer network, the NumPy bridge with b.mul_(2) writing through), Part 2 (MNIST batches,
a hand-written softmax with .view(-1, 1), nn.Module networks with nn.Sigmoid/nn.Softmax(dim=1) and
F.sigmoid/F.softmax, bias.data.fill_(0), weight.data.normal_(std=0.01), images.resize_(64, 1, 784) on a loaded
batch, nn.Sequential and nn.Sequential(OrderedDict)), Part 3 (CrossEntropyLoss on logits, LogSoftmax + NLLLoss,
autograd on x**2, weight gradients before and after backward, an SGD step, the training loop with for/else),
Parts 4-5 (the Classifier with x.view(x.shape[0], -1), Adam, ps.topk(1, dim=1), top_class ==
labels.view(*top_class.shape), torch.mean(equals.type(torch.FloatTensor)), NLLLoss(reduction='sum'),
validation under no_grad and eval with dropout), and Part 6 with fc_model.py (a ModuleList extended in a loop,
validation() with images.resize_ and equality.type_as(torch.FloatTensor()), train() printing every 40 steps,
the checkpoint dict, the size-mismatch error of load_state_dict, load_checkpoint). Unchanged except where marked
``# adapted``: print is wrapped to record the printed text (the library's name masked), the notebooks' bare
expressions are printed, MNIST/Fashion-MNIST (downloads) are MNIST test images in TensorDatasets (256 training,
128 test), fewer epochs, the plots (helper.view_classify/imshow) and the urllib download fix are left out,
``dataiter.next()`` is ``next(dataiter)`` (removed in PyTorch 2), files go to a temporary directory."""
import builtins  # adapted
import os  # adapted
import re  # adapted
import tempfile  # adapted

result = {"printed": []}  # adapted
_tmp = tempfile.TemporaryDirectory()  # adapted


def print(*args, **kwargs):  # adapted: the printed text is recorded, the library's name masked
    result["printed"].append(re.sub(r"\bminiconv\b", "torch", " ".join(str(a) for a in args)))
    builtins.print(*args, **kwargs)


from _helpers import mnist_scaled  # adapted

# ---------------------------------------------------------------- Part 1 - Tensors in PyTorch (Solution)
# First, import PyTorch
import torch

def activation(x):
    """ Sigmoid activation function

        Arguments
        ---------
        x: torch.Tensor
    """
    return 1/(1+torch.exp(-x))

### Generate some data
torch.manual_seed(7) # Set the random seed so things are predictable

# Features are 5 random normal variables
features = torch.randn((1, 5))
# True weights for our data, random normal variables again
weights = torch.randn_like(features)
# and a true bias term
bias = torch.randn((1, 1))

y = activation(torch.sum(features * weights) + bias)
y = activation((features * weights).sum() + bias)
print(y)  # adapted

y = activation(torch.mm(features, weights.view(5,1)) + bias)
print(y)  # adapted

### Generate some data
torch.manual_seed(7) # Set the random seed so things are predictable

# Features are 3 random normal variables
features = torch.randn((1, 3))

# Define the size of each layer in our network
n_input = features.shape[1]     # Number of input units, must match number of input features
n_hidden = 2                    # Number of hidden units
n_output = 1                    # Number of output units

# Weights for inputs to hidden layer
W1 = torch.randn(n_input, n_hidden)
# Weights for hidden layer to output layer
W2 = torch.randn(n_hidden, n_output)

# and bias terms for hidden and output layers
B1 = torch.randn((1, n_hidden))
B2 = torch.randn((1, n_output))

h = activation(torch.mm(features, W1) + B1)
output = activation(torch.mm(h, W2) + B2)
print(output)

import numpy as np
np.random.seed(0)  # adapted
a = np.random.rand(4,3)
print(a)  # adapted

b = torch.from_numpy(a)
print(b)  # adapted

print(b.numpy())  # adapted

# Multiply PyTorch Tensor by 2, in place
print(b.mul_(2))  # adapted

# Numpy array matches new values from Tensor
print(a)  # adapted

# ---------------------------------------------------------------- Part 2 - Neural Networks in PyTorch (Solution)
import numpy as np
import torch

torch.manual_seed(0)  # adapted
# adapted: datasets.MNIST(..., transform=Compose([ToTensor(), Normalize((0.5,), (0.5,))])) from NumPy
trainset = torch.utils.data.TensorDataset(*map(torch.from_numpy, mnist_scaled(256)))  # adapted
trainloader = torch.utils.data.DataLoader(trainset, batch_size=64, shuffle=True)

dataiter = iter(trainloader)
images, labels = next(dataiter)  # adapted (dataiter.next())
print(type(images))
print(images.shape)
print(labels.shape)

## Solution
def activation(x):
    return 1/(1+torch.exp(-x))

# Flatten the input images
inputs = images.view(images.shape[0], -1)

# Create parameters
w1 = torch.randn(784, 256)
b1 = torch.randn(256)

w2 = torch.randn(256, 10)
b2 = torch.randn(10)

h = activation(torch.mm(inputs, w1) + b1)

out = activation(torch.mm(h, w2) + b2)

## Solution
def softmax(x):
    return torch.exp(x)/torch.sum(torch.exp(x), dim=1).view(-1, 1)

probabilities = softmax(out)

# Does it have the right shape? Should be (64, 10)
print(probabilities.shape)
# Does it sum to 1?
print(probabilities.sum(dim=1))

from torch import nn

class Network(nn.Module):
    def __init__(self):
        super().__init__()

        # Inputs to hidden layer linear transformation
        self.hidden = nn.Linear(784, 256)
        # Output layer, 10 units - one for each digit
        self.output = nn.Linear(256, 10)

        # Define sigmoid activation and softmax output
        self.sigmoid = nn.Sigmoid()
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        # Pass the input tensor through each of our operations
        x = self.hidden(x)
        x = self.sigmoid(x)
        x = self.output(x)
        x = self.softmax(x)

        return x

# Create the network and look at its text representation
model = Network()
print(model)  # adapted
result["part2_sigmoid_net"] = model(inputs[:3]).tolist()  # adapted

import torch.nn.functional as F

class Network(nn.Module):
    def __init__(self):
        super().__init__()
        # Inputs to hidden layer linear transformation
        self.hidden = nn.Linear(784, 256)
        # Output layer, 10 units - one for each digit
        self.output = nn.Linear(256, 10)

    def forward(self, x):
        # Hidden layer with sigmoid activation
        x = F.sigmoid(self.hidden(x))
        # Output layer with softmax activation
        x = F.softmax(self.output(x), dim=1)

        return x

result["part2_functional_net"] = Network()(inputs[:3]).tolist()  # adapted

## Solution

class Network(nn.Module):
    def __init__(self):
        super().__init__()
        # Defining the layers, 128, 64, 10 units each
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 64)
        # Output layer, 10 units - one for each digit
        self.fc3 = nn.Linear(64, 10)

    def forward(self, x):
        ''' Forward pass through the network, returns the output logits '''

        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        x = F.relu(x)
        x = self.fc3(x)
        x = F.softmax(x, dim=1)

        return x

model = Network()
print(model)  # adapted

print(model.fc1.weight)
print(model.fc1.bias)

# Set biases to all zeros
print(model.fc1.bias.data.fill_(0))  # adapted (print)

# sample from random normal with standard dev = 0.01
print(model.fc1.weight.data.normal_(std=0.01))  # adapted (print)

# Grab some data
dataiter = iter(trainloader)
images, labels = next(dataiter)  # adapted (dataiter.next())

# Resize images into a 1D vector, new shape is (batch size, color channels, image pixels)
images.resize_(64, 1, 784)
# or images.resize_(images.shape[0], 1, 784) to automatically get batch size

# Forward pass through the network
img_idx = 0
ps = model.forward(images[img_idx,:])

img = images[img_idx]
result["part2_ps"] = [ps.tolist(), list(img.view(1, 28, 28).shape)]  # adapted (helper.view_classify)

# Hyperparameters for our network
input_size = 784
hidden_sizes = [128, 64]
output_size = 10

# Build a feed-forward network
model = nn.Sequential(nn.Linear(input_size, hidden_sizes[0]),
                      nn.ReLU(),
                      nn.Linear(hidden_sizes[0], hidden_sizes[1]),
                      nn.ReLU(),
                      nn.Linear(hidden_sizes[1], output_size),
                      nn.Softmax(dim=1))
print(model)

# Forward pass through the network and display output
images, labels = next(iter(trainloader))
images.resize_(images.shape[0], 1, 784)
ps = model.forward(images[0,:])
result["part2_sequential_ps"] = ps.tolist()  # adapted (helper.view_classify)

print(model[0])
print(model[0].weight)  # adapted

from collections import OrderedDict
model = nn.Sequential(OrderedDict([
                      ('fc1', nn.Linear(input_size, hidden_sizes[0])),
                      ('relu1', nn.ReLU()),
                      ('fc2', nn.Linear(hidden_sizes[0], hidden_sizes[1])),
                      ('relu2', nn.ReLU()),
                      ('output', nn.Linear(hidden_sizes[1], output_size)),
                      ('softmax', nn.Softmax(dim=1))]))
print(model)  # adapted

print(model[0])
print(model.fc1)

# ---------------------------------------------------------------- Part 3 - Training Neural Networks (Solution)
import torch
from torch import nn
import torch.nn.functional as F

# Build a feed-forward network
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10))

# Define the loss
criterion = nn.CrossEntropyLoss()

# Get our data
images, labels = next(iter(trainloader))
# Flatten images
images = images.view(images.shape[0], -1)

# Forward pass, get our logits
logits = model(images)
# Calculate the loss with the logits and the labels
loss = criterion(logits, labels)

print(loss)

## Solution

# Build a feed-forward network
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))

# Define the loss
criterion = nn.NLLLoss()

# Get our data
images, labels = next(iter(trainloader))
# Flatten images
images = images.view(images.shape[0], -1)

# Forward pass, get our log-probabilities
logps = model(images)
# Calculate the loss with the logps and the labels
loss = criterion(logps, labels)

print(loss)

x = torch.randn(2,2, requires_grad=True)
print(x)

y = x**2
print(y)

## grad_fn shows the function that generated this variable
print(re.sub(r"0x[0-9a-f]+", "0x?", str(y.grad_fn)))  # adapted (the address masked)

z = y.mean()
print(z)

print(x.grad)

z.backward()
print(x.grad)
print(x/2)

# Build a feed-forward network
model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))

criterion = nn.NLLLoss()
images, labels = next(iter(trainloader))
images = images.view(images.shape[0], -1)

logps = model(images)
loss = criterion(logps, labels)

print('Before backward pass: \n', model[0].weight.grad)

loss.backward()

print('After backward pass: \n', model[0].weight.grad)

from torch import optim

# Optimizers require the parameters to optimize and a learning rate
optimizer = optim.SGD(model.parameters(), lr=0.01)

print('Initial weights - ', model[0].weight)

images, labels = next(iter(trainloader))
images.resize_(64, 784)

# Clear the gradients, do this because gradients are accumulated
optimizer.zero_grad()

# Forward pass, then backward pass, then update weights
output = model(images)
loss = criterion(output, labels)
loss.backward()
print('Gradient -', model[0].weight.grad)

# Take an update step and few the new weights
optimizer.step()
print('Updated weights - ', model[0].weight)

model = nn.Sequential(nn.Linear(784, 128),
                      nn.ReLU(),
                      nn.Linear(128, 64),
                      nn.ReLU(),
                      nn.Linear(64, 10),
                      nn.LogSoftmax(dim=1))

criterion = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.003)

epochs = 2  # adapted (5)
for e in range(epochs):
    running_loss = 0
    for images, labels in trainloader:
        # Flatten MNIST images into a 784 long vector
        images = images.view(images.shape[0], -1)

        # TODO: Training pass
        optimizer.zero_grad()

        output = model(images)
        loss = criterion(output, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
    else:
        print(f"Training loss: {running_loss/len(trainloader):.6f}")  # adapted (:.6f: the printed text is compared)
        result.setdefault("part3_losses", []).append(running_loss/len(trainloader))  # adapted

images, labels = next(iter(trainloader))

img = images[0].view(1, 784)
# Turn off gradients to speed up this part
with torch.no_grad():
    logps = model(img)

# Output of the network are log-probabilities, need to take exponential for probabilities
ps = torch.exp(logps)
result["part3_ps"] = ps.tolist()  # adapted (helper.view_classify)

# ---------------------------------------------------------------- Part 5 - Inference and Validation (Solution)
import torch

testset = torch.utils.data.TensorDataset(*map(torch.from_numpy, mnist_scaled(384)))  # adapted (FashionMNIST)
testset = torch.utils.data.Subset(testset, range(256, 384))  # adapted: 128 images the training set does not hold
testloader = torch.utils.data.DataLoader(testset, batch_size=64, shuffle=True)

from torch import nn, optim
import torch.nn.functional as F

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 64)
        self.fc4 = nn.Linear(64, 10)

    def forward(self, x):
        # make sure input tensor is flattened
        x = x.view(x.shape[0], -1)

        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = F.relu(self.fc3(x))
        x = F.log_softmax(self.fc4(x), dim=1)

        return x

model = Classifier()

images, labels = next(iter(testloader))
# Get the class probabilities
ps = torch.exp(model(images))
# Make sure the shape is appropriate, we should get 10 class probabilities for 64 examples
print(ps.shape)

top_p, top_class = ps.topk(1, dim=1)
# Look at the most likely classes for the first 10 examples
print(top_class[:10,:])

equals = top_class == labels.view(*top_class.shape)

accuracy = torch.mean(equals.type(torch.FloatTensor))
print(f'Accuracy: {accuracy.item()*100}%')

model = Classifier()
criterion = nn.NLLLoss(reduction='sum')
optimizer = optim.Adam(model.parameters(), lr=0.003)

epochs = 2  # adapted (30)

train_losses, test_losses = [], []
for e in range(epochs):
    tot_train_loss = 0
    for images, labels in trainloader:
        optimizer.zero_grad()

        log_ps = model(images)
        loss = criterion(log_ps, labels)
        tot_train_loss += loss.item()

        loss.backward()
        optimizer.step()
    else:
        tot_test_loss = 0
        test_correct = 0  # Number of correct predictions on the test set

        # Turn off gradients for validation, saves memory and computations
        with torch.no_grad():
            for images, labels in testloader:
                log_ps = model(images)
                loss = criterion(log_ps, labels)
                tot_test_loss += loss.item()

                ps = torch.exp(log_ps)
                top_p, top_class = ps.topk(1, dim=1)
                equals = top_class == labels.view(*top_class.shape)
                test_correct += equals.sum().item()

        # Get mean loss to enable comparison between train and test sets
        train_loss = tot_train_loss / len(trainloader.dataset)
        test_loss = tot_test_loss / len(testloader.dataset)

        # At completion of epoch
        train_losses.append(train_loss)
        test_losses.append(test_loss)

        print("Epoch: {}/{}.. ".format(e+1, epochs),
              "Training Loss: {:.3f}.. ".format(train_loss),
              "Test Loss: {:.3f}.. ".format(test_loss),
              "Test Accuracy: {:.3f}".format(test_correct / len(testloader.dataset)))
result["part5_sum_losses"] = [train_losses, test_losses]  # adapted

class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 64)
        self.fc4 = nn.Linear(64, 10)

        # Dropout module with 0.2 drop probability
        self.dropout = nn.Dropout(p=0.2)

    def forward(self, x):
        # make sure input tensor is flattened
        x = x.view(x.shape[0], -1)

        # Now with dropout
        x = self.dropout(F.relu(self.fc1(x)))
        x = self.dropout(F.relu(self.fc2(x)))
        x = self.dropout(F.relu(self.fc3(x)))

        # output so no dropout here
        x = F.log_softmax(self.fc4(x), dim=1)

        return x

model = Classifier()
criterion = nn.NLLLoss()
optimizer = optim.Adam(model.parameters(), lr=0.003)

epochs = 2  # adapted (30)
steps = 0

train_losses, test_losses = [], []
for e in range(epochs):
    running_loss = 0
    for images, labels in trainloader:

        optimizer.zero_grad()

        log_ps = model(images)
        loss = criterion(log_ps, labels)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()

    else:
        test_loss = 0
        accuracy = 0

        # Turn off gradients for validation, saves memory and computations
        with torch.no_grad():
            model.eval()
            for images, labels in testloader:
                log_ps = model(images)
                test_loss += criterion(log_ps, labels)

                ps = torch.exp(log_ps)
                top_p, top_class = ps.topk(1, dim=1)
                equals = top_class == labels.view(*top_class.shape)
                accuracy += torch.mean(equals.type(torch.FloatTensor))

        model.train()

        train_losses.append(running_loss/len(trainloader))
        test_losses.append(test_loss/len(testloader))

        print("Epoch: {}/{}.. ".format(e+1, epochs),
              "Training Loss: {:.3f}.. ".format(train_losses[-1]),
              "Test Loss: {:.3f}.. ".format(test_losses[-1]),
              "Test Accuracy: {:.3f}".format(accuracy/len(testloader)))
result["part5_dropout_losses"] = [train_losses, [float(t) for t in test_losses]]  # adapted

model.eval()

dataiter = iter(testloader)
images, labels = next(dataiter)  # adapted (dataiter.next())
img = images[0]
# Convert 2D image to 1D vector
img = img.view(1, 784)

# Calculate the class probabilities (softmax) for img
with torch.no_grad():
    output = model.forward(img)

ps = torch.exp(output)
result["part5_ps"] = ps.tolist()  # adapted (helper.view_classify)

# ---------------------------------------------------------------- Part 6 - Saving and Loading Models, fc_model.py
import torch
from torch import nn
from torch import optim
import torch.nn.functional as F


class fc_model:  # adapted: fc_model.py (imported as a module by the notebook), its functions inline
    class Network(nn.Module):
        def __init__(self, input_size, output_size, hidden_layers, drop_p=0.5):
            ''' Builds a feedforward network with arbitrary hidden layers.

                Arguments
                ---------
                input_size: integer, size of the input layer
                output_size: integer, size of the output layer
                hidden_layers: list of integers, the sizes of the hidden layers

            '''
            super().__init__()
            # Input to a hidden layer
            self.hidden_layers = nn.ModuleList([nn.Linear(input_size, hidden_layers[0])])

            # Add a variable number of more hidden layers
            layer_sizes = zip(hidden_layers[:-1], hidden_layers[1:])
            self.hidden_layers.extend([nn.Linear(h1, h2) for h1, h2 in layer_sizes])

            self.output = nn.Linear(hidden_layers[-1], output_size)

            self.dropout = nn.Dropout(p=drop_p)

        def forward(self, x):
            ''' Forward pass through the network, returns the output logits '''

            for each in self.hidden_layers:
                x = F.relu(each(x))
                x = self.dropout(x)
            x = self.output(x)

            return F.log_softmax(x, dim=1)

    @staticmethod
    def validation(model, testloader, criterion):
        accuracy = 0
        test_loss = 0
        for images, labels in testloader:

            images = images.resize_(images.size()[0], 784)

            output = model.forward(images)
            test_loss += criterion(output, labels).item()

            ## Calculating the accuracy
            # Model's output is log-softmax, take exponential to get the probabilities
            ps = torch.exp(output)
            # Class with highest probability is our predicted class, compare with true label
            equality = (labels.data == ps.max(1)[1])
            # Accuracy is number of correct predictions divided by all predictions, just take the mean
            accuracy += equality.type_as(torch.FloatTensor()).mean()

        return test_loss, accuracy

    @staticmethod
    def train(model, trainloader, testloader, criterion, optimizer, epochs=5, print_every=40):

        steps = 0
        running_loss = 0
        for e in range(epochs):
            # Model in training mode, dropout is on
            model.train()
            for images, labels in trainloader:
                steps += 1

                # Flatten images into a 784 long vector
                images.resize_(images.size()[0], 784)

                optimizer.zero_grad()

                output = model.forward(images)
                loss = criterion(output, labels)
                loss.backward()
                optimizer.step()

                running_loss += loss.item()

                if steps % print_every == 0:
                    # Model in inference mode, dropout is off
                    model.eval()

                    # Turn off gradients for validation, will speed up inference
                    with torch.no_grad():
                        test_loss, accuracy = fc_model.validation(model, testloader, criterion)

                    print("Epoch: {}/{}.. ".format(e+1, epochs),
                          "Training Loss: {:.3f}.. ".format(running_loss/print_every),
                          "Test Loss: {:.3f}.. ".format(test_loss/len(testloader)),
                          "Test Accuracy: {:.3f}".format(accuracy/len(testloader)))

                    running_loss = 0

                    # Make sure dropout and grads are on for training
                    model.train()


# Create the network, define the criterion and optimizer

model = fc_model.Network(784, 10, [512, 256, 128])
criterion = nn.NLLLoss()
optimizer = optim.Adam(model.parameters(), lr=0.001)

fc_model.train(model, trainloader, testloader, criterion, optimizer, epochs=2, print_every=4)  # adapted (print_every=40)

print("Our model: \n\n", model, '\n')
print("The state dict keys: \n\n", model.state_dict().keys())

torch.save(model.state_dict(), os.path.join(_tmp.name, 'checkpoint.pth'))  # adapted (the directory)

state_dict = torch.load(os.path.join(_tmp.name, 'checkpoint.pth'))  # adapted (the directory)
print(state_dict.keys())

print(model.load_state_dict(state_dict))  # adapted (print)

# Try this
model = fc_model.Network(784, 10, [400, 200, 100])
# This will throw an error because the tensor sizes are wrong!
try:  # adapted: the notebook shows the error
    model.load_state_dict(state_dict)
except RuntimeError as e:  # adapted
    print(e)  # adapted

checkpoint = {'input_size': 784,
              'output_size': 10,
              'hidden_layers': [each.out_features for each in model.hidden_layers],
              'state_dict': model.state_dict()}

torch.save(checkpoint, os.path.join(_tmp.name, 'checkpoint.pth'))  # adapted (the directory)

def load_checkpoint(filepath):
    checkpoint = torch.load(filepath)
    model = fc_model.Network(checkpoint['input_size'],
                             checkpoint['output_size'],
                             checkpoint['hidden_layers'])
    model.load_state_dict(checkpoint['state_dict'])

    return model

model = load_checkpoint(os.path.join(_tmp.name, 'checkpoint.pth'))  # adapted (the directory)
print(model)
_tmp.cleanup()  # adapted
