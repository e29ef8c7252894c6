"""PyTorch's "Introduction to PyTorch - YouTube Series" (pytorch/tutorials beginner_source/introyt, BSD licence, by
Brad Heintz), continued: modelsyt_tutorial.py (TinyModel with an implicit-dim nn.Softmax() and its printed
parameters, a Linear layer's parameters and output, LeNet with ``import torch.functional as F``, the LSTMTagger,
MaxPool2d(3) on a 3-D tensor, BatchNorm1d(4) on a (1, 4, 4) tensor, Dropout(p=0.4) twice) and trainingyt.py
(the GarmentClassifier LeNet variant, CrossEntropyLoss on dummy outputs, SGD with momentum, train_one_epoch with
its running loss, the validation loop summing loss tensors, the best model saved by state_dict with a
timestamped name). Unchanged except where marked ``# adapted``: print is wrapped to record the printed text
(the library's name masked) and the notebook's bare expressions are printed; Fashion-MNIST (a torchvision
download) is replaced by MNIST test images in TensorDatasets (320 training, 64 validation) with worker-free
loaders, torchvision's make_grid and the plots are left out, tensorboard (not a test dependency) is replaced by a
writer that records the scalars, the reports come every 20 batches instead of 1000, two epochs, files go to a
temporary directory."""
import builtins  # adapted
import os  # adapted
import re  # adapted
import tempfile  # adapted

result = {"printed": []}  # adapted
_tmp = tempfile.TemporaryDirectory()  # adapted


def print(*args, **kwargs):  # adapted: the printed text is recorded, the library's name masked
    result["printed"].append(re.sub(r"\bminiconv\b", "torch", " ".join(str(a) for a in args)))
    builtins.print(*args, **kwargs)


# ---------------------------------------------------------------- modelsyt_tutorial.py
import torch

torch.manual_seed(0)  # adapted


class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.linear1 = torch.nn.Linear(100, 200)
        self.activation = torch.nn.ReLU()
        self.linear2 = torch.nn.Linear(200, 10)
        self.softmax = torch.nn.Softmax()

    def forward(self, x):
        x = self.linear1(x)
        x = self.activation(x)
        x = self.linear2(x)
        x = self.softmax(x)
        return x

tinymodel = TinyModel()

print('The model:')
print(tinymodel)

print('\n\nJust one layer:')
print(tinymodel.linear2)

print('\n\nModel params:')
for param in tinymodel.parameters():
    print(param)

print('\n\nLayer params:')
for param in tinymodel.linear2.parameters():
    print(param)

result["tiny_forward"] = tinymodel(torch.rand(3, 100)).tolist()  # adapted: the implicit-dim Softmax run once

lin = torch.nn.Linear(3, 2)
x = torch.rand(1, 3)
print('Input:')
print(x)

print('\n\nWeight and Bias parameters:')
for param in lin.parameters():
    print(param)

y = lin(x)
print('\n\nOutput:')
print(y)

import torch.functional as F


class LeNet(torch.nn.Module):

    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel (black & white), 6 output channels, 3x3 square convolution
        # kernel
        self.conv1 = torch.nn.Conv2d(1, 6, 5)
        self.conv2 = torch.nn.Conv2d(6, 16, 3)
        # an affine operation: y = Wx + b
        self.fc1 = torch.nn.Linear(16 * 6 * 6, 120)  # 6*6 from image dimension
        self.fc2 = torch.nn.Linear(120, 84)
        self.fc3 = torch.nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square you can only specify a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

    def num_flat_features(self, x):
        size = x.size()[1:]  # all dimensions except the batch dimension
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


class LSTMTagger(torch.nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim

        self.word_embeddings = torch.nn.Embedding(vocab_size, embedding_dim)

        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = torch.nn.LSTM(embedding_dim, hidden_dim)

        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = torch.nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


print(LeNet())  # adapted: the two models are defined but not run in the tutorial
print(LSTMTagger(6, 6, 10, 3))  # adapted

my_tensor = torch.rand(1, 6, 6)
print(my_tensor)

maxpool_layer = torch.nn.MaxPool2d(3)
print(maxpool_layer(my_tensor))

my_tensor = torch.rand(1, 4, 4) * 20 + 5
print(my_tensor)

print(my_tensor.mean())

norm_layer = torch.nn.BatchNorm1d(4)
normed_tensor = norm_layer(my_tensor)
print(normed_tensor)

builtins.print(normed_tensor.mean())  # adapted: printed, not recorded (about 1e-8: rounding noise in either library)
result["normed_mean_small"] = abs(normed_tensor.mean().item()) < 1e-6  # adapted

my_tensor = torch.rand(1, 4, 4)

dropout = torch.nn.Dropout(p=0.4)
print(dropout(my_tensor))
print(dropout(my_tensor))

# ---------------------------------------------------------------- trainingyt.py
import torch

# PyTorch TensorBoard support
from datetime import datetime
import numpy as np  # adapted
from _helpers import mnist_subset  # adapted


class SummaryWriter:  # adapted: torch.utils.tensorboard needs the tensorboard package (not a test dependency)
    def __init__(self, log_dir):
        self.log_dir = log_dir
        result["scalars"] = []

    def add_scalar(self, tag, value, step):
        result["scalars"].append([tag, float(value), step])

    def add_scalars(self, tag, values, step):
        result["scalars"].append([tag, {k: float(v) for k, v in values.items()}, step])

    def flush(self):
        pass


torch.manual_seed(0)  # adapted
_xtr, _ytr, _xva, _yva = mnist_subset(320, 64)  # adapted
_scale = lambda x: torch.from_numpy(((x * 0.3081 + 0.1307 - 0.5) / 0.5).astype(np.float32))  # adapted: Normalize((0.5,), (0.5,))

# Create datasets for training & validation, download if necessary
training_set = torch.utils.data.TensorDataset(_scale(_xtr), torch.from_numpy(_ytr))  # adapted (FashionMNIST)
validation_set = torch.utils.data.TensorDataset(_scale(_xva), torch.from_numpy(_yva))  # adapted (FashionMNIST)

# Create data loaders for our datasets; shuffle for training, not for validation
training_loader = torch.utils.data.DataLoader(training_set, batch_size=4, shuffle=True, num_workers=0)  # adapted (2 workers)
validation_loader = torch.utils.data.DataLoader(validation_set, batch_size=4, shuffle=False, num_workers=0)  # adapted (2 workers)

# Class labels
classes = ('T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat',
        'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle Boot')

# Report split sizes
print('Training set has {} instances'.format(len(training_set)))
print('Validation set has {} instances'.format(len(validation_set)))

dataiter = iter(training_loader)
images, labels = next(dataiter)  # adapted (dataiter.next(): DataLoader iterators lost .next() in PyTorch 2)

print('  '.join(classes[labels[j]] for j in range(4)))

import torch.nn as nn
import torch.nn.functional as F

# PyTorch models inherit from torch.nn.Module
class GarmentClassifier(nn.Module):
    def __init__(self):
        super(GarmentClassifier, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 4 * 4)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


model = GarmentClassifier()

loss_fn = torch.nn.CrossEntropyLoss()

# NB: Loss functions expect data in batches, so we're creating batches of 4
# Represents the model's confidence in each of the 10 classes for a given input
dummy_outputs = torch.rand(4, 10)
# Represents the correct class among the 10 being tested
dummy_labels = torch.tensor([1, 5, 3, 7])

print(dummy_outputs)
print(dummy_labels)

loss = loss_fn(dummy_outputs, dummy_labels)
print('Total loss for this batch: {}'.format(loss.item()))

# Optimizers specified in the torch.optim package
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)

def train_one_epoch(epoch_index, tb_writer):
    running_loss = 0.
    last_loss = 0.

    # Here, we use enumerate(training_loader) instead of
    # iter(training_loader) so that we can track the batch
    # index and do some intra-epoch reporting
    for i, data in enumerate(training_loader):
        # Every data instance is an input + label pair
        inputs, labels = data

        # Zero your gradients for every batch!
        optimizer.zero_grad()

        # Make predictions for this batch
        outputs = model(inputs)

        # Compute the loss and its gradients
        loss = loss_fn(outputs, labels)
        loss.backward()

        # Adjust learning weights
        optimizer.step()

        # Gather data and report
        running_loss += loss.item()
        if i % 20 == 19:  # adapted (1000)
            last_loss = running_loss / 20 # loss per batch  # adapted (1000)
            print('  batch {} loss: {}'.format(i + 1, round(last_loss, 3)))  # adapted (round: printed text compared)
            tb_x = epoch_index * len(training_loader) + i + 1
            tb_writer.add_scalar('Loss/train', last_loss, tb_x)
            running_loss = 0.

    return last_loss

# Initializing in a separate cell so we can easily add more epochs to the same run
timestamp = datetime.now().strftime('%Y%m%d_%H%M%S')
writer = SummaryWriter(os.path.join(_tmp.name, 'runs/fashion_trainer_{}'.format(timestamp)))  # adapted (the path)
epoch_number = 0

EPOCHS = 2  # adapted (5)

best_vloss = 1_000_000.

for epoch in range(EPOCHS):
    print('EPOCH {}:'.format(epoch_number + 1))

    # Make sure gradient tracking is on, and do a pass over the data
    model.train(True)
    avg_loss = train_one_epoch(epoch_number, writer)

    # We don't need gradients on to do reporting
    model.train(False)

    running_vloss = 0.0
    for i, vdata in enumerate(validation_loader):
        vinputs, vlabels = vdata
        voutputs = model(vinputs)
        vloss = loss_fn(voutputs, vlabels)
        running_vloss += vloss

    avg_vloss = running_vloss / (i + 1)
    print('LOSS train {} valid {}'.format(round(avg_loss, 3), round(avg_vloss.item(), 3)))  # adapted (rounded, .item())
    result.setdefault("epochs", []).append([avg_loss, avg_vloss.item(), avg_vloss.requires_grad])  # adapted

    # Log the running loss averaged per batch
    # for both training and validation
    writer.add_scalars('Training vs. Validation Loss',
                    { 'Training' : avg_loss, 'Validation' : avg_vloss },
                    epoch_number + 1)
    writer.flush()

    # Track best performance, and save the model's state
    if avg_vloss < best_vloss:
        best_vloss = avg_vloss
        model_path = os.path.join(_tmp.name, 'model_{}_{}'.format(timestamp, epoch_number))  # adapted (the directory)
        torch.save(model.state_dict(), model_path)

    epoch_number += 1

saved_model = GarmentClassifier()  # adapted: the tutorial's closing snippet, run
saved_model.load_state_dict(torch.load(model_path))  # adapted
result["saved"] = [os.path.basename(model_path).endswith(str(epoch_number - 1)) or os.path.basename(model_path)[-1],  # adapted
                   saved_model(images).tolist()]
_tmp.cleanup()  # adapted
