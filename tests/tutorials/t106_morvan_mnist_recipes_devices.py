"""MorvanZhou's PyTorch-Tutorial (github.com/MorvanZhou/PyTorch-Tutorial, tutorial-contents, MIT licence), the MNIST
scripts: 401_CNN (two Sequential conv blocks, x.view(x.size(0), -1), forward returning (output, x), Adam,
torch.max(test_output, 1)[1].data.numpy() accuracy), 402_RNN_classifier (nn.LSTM(batch_first=True) on image
rows, r_out[:, -1, :], b_x.view(-1, 28, 28)) and 404_autoencoder (Tanh encoder to 3 features and a Sigmoid
decoder, MSELoss against the input); then two PyTorch Recipes (pytorch/tutorials recipes_source/recipes, BSD
licence): changing_default_device.py (the torch.device context manager and torch.set_default_device, on the
CPU), and saving_and_loading_models_for_inference.py (state_dict saving, model.eval(); its entire-model half pickles
the script's own class, which a test run through exec cannot import back).
Unchanged except where marked ``# adapted``: torchvision's MNIST (a download) is MNIST test images in
TensorDatasets (ToTensor's [0, 1] scale), the datasets' train_data/test_data attributes are those arrays as
tensors, a few hundred images and a few dozen steps, the matplotlib/TSNE plotting is left out, the seeds are
set, CUDA becomes 'cpu' (the recipe's point is the default-device mechanism), files go to a temporary
directory, and the printed values are also recorded."""
import os  # adapted
import tempfile  # adapted

import numpy as np  # adapted
from _helpers import mnist_subset  # adapted

result = {}  # adapted
_tmp = tempfile.TemporaryDirectory()  # adapted
_xtr, _ytr, _xte, _yte = mnist_subset(300, 200)  # adapted
_xtr, _xte = (_x * 0.3081 + 0.1307 for _x in (_xtr, _xte))  # adapted: ToTensor's [0, 1] images

# ---------------------------------------------------------------- 401_CNN.py
import os
import torch
import torch.nn as nn
import torch.utils.data as Data

torch.manual_seed(1)    # reproducible  # adapted (uncommented)

# Hyper Parameters
EPOCH = 1               # train the training data n times, to save time, we just train 1 epoch
BATCH_SIZE = 50
LR = 0.001              # learning rate

# adapted: torchvision.datasets.MNIST(root='./mnist/', train=True, transform=ToTensor(), download=...)
train_data = Data.TensorDataset(torch.from_numpy(_xtr), torch.from_numpy(_ytr))  # adapted
train_data.train_data = torch.from_numpy((_xtr[:, 0] * 255).round().astype(np.uint8))  # adapted
train_data.train_labels = torch.from_numpy(_ytr)  # adapted

# plot one example
print(train_data.train_data.size())                 # (60000, 28, 28)
print(train_data.train_labels.size())               # (60000)

# Data Loader for easy mini-batch return in training, the image batch shape will be (50, 1, 28, 28)
train_loader = Data.DataLoader(dataset=train_data, batch_size=BATCH_SIZE, shuffle=True)

# pick 2000 samples to speed up testing
test_data = Data.TensorDataset(torch.from_numpy(_xte), torch.from_numpy(_yte))  # adapted (torchvision's MNIST, train=False)
test_data.test_data = torch.from_numpy((_xte[:, 0] * 255).round().astype(np.uint8))  # adapted
test_data.test_labels = torch.from_numpy(_yte)  # adapted
test_x = torch.unsqueeze(test_data.test_data, dim=1).type(torch.FloatTensor)[:2000]/255.   # shape from (2000, 28, 28) to (2000, 1, 28, 28), value in range(0,1)
test_y = test_data.test_labels[:2000]


class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()
        self.conv1 = nn.Sequential(         # input shape (1, 28, 28)
            nn.Conv2d(
                in_channels=1,              # input height
                out_channels=16,            # n_filters
                kernel_size=5,              # filter size
                stride=1,                   # filter movement/step
                padding=2,                  # if want same width and length of this image after Conv2d, padding=(kernel_size-1)/2 if stride=1
            ),                              # output shape (16, 28, 28)
            nn.ReLU(),                      # activation
            nn.MaxPool2d(kernel_size=2),    # choose max value in 2x2 area, output shape (16, 14, 14)
        )
        self.conv2 = nn.Sequential(         # input shape (16, 14, 14)
            nn.Conv2d(16, 32, 5, 1, 2),     # output shape (32, 14, 14)
            nn.ReLU(),                      # activation
            nn.MaxPool2d(2),                # output shape (32, 7, 7)
        )
        self.out = nn.Linear(32 * 7 * 7, 10)   # fully connected layer, output 10 classes

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x)
        x = x.view(x.size(0), -1)           # flatten the output of conv2 to (batch_size, 32 * 7 * 7)
        output = self.out(x)
        return output, x    # return x for visualization


cnn = CNN()
print(cnn)  # net architecture

optimizer = torch.optim.Adam(cnn.parameters(), lr=LR)   # optimize all cnn parameters
loss_func = nn.CrossEntropyLoss()                       # the target label is not one-hotted

result["401"] = []  # adapted
# training and testing
for epoch in range(EPOCH):
    for step, (b_x, b_y) in enumerate(train_loader):   # gives batch data, normalize x when iterate train_loader

        output = cnn(b_x)[0]               # cnn output
        loss = loss_func(output, b_y)   # cross entropy loss
        optimizer.zero_grad()           # clear gradients for this training step
        loss.backward()                 # backpropagation, compute gradients
        optimizer.step()                # apply gradients

        if step % 2 == 0:  # adapted (50)
            test_output, last_layer = cnn(test_x)
            pred_y = torch.max(test_output, 1)[1].data.numpy()
            accuracy = float((pred_y == test_y.data.numpy()).astype(int).sum()) / float(test_y.size(0))
            print('Epoch: ', epoch, '| train loss: %.4f' % loss.data.numpy(), '| test accuracy: %.2f' % accuracy)
            result["401"].append([loss.item(), {"accuracy": accuracy}])  # adapted

# print 10 predictions from test data
test_output, _ = cnn(test_x[:10])
pred_y = torch.max(test_output, 1)[1].data.numpy()
print(pred_y, 'prediction number')
print(test_y[:10].numpy(), 'real number')
result["401_logits"] = test_output.tolist()  # adapted

# ---------------------------------------------------------------- 402_RNN_classifier.py
import torch
from torch import nn

torch.manual_seed(1)    # reproducible  # adapted (uncommented)

# Hyper Parameters
EPOCH = 1               # train the training data n times, to save time, we just train 1 epoch
BATCH_SIZE = 64
TIME_STEP = 28          # rnn time step / image height
INPUT_SIZE = 28         # rnn input size / image width
LR = 0.01               # learning rate

train_loader = torch.utils.data.DataLoader(dataset=train_data, batch_size=BATCH_SIZE, shuffle=True)  # adapted (the same MNIST stand-in)

test_x = test_data.test_data.type(torch.FloatTensor)[:2000]/255.   # shape (2000, 28, 28) value in range(0,1)
test_y = test_data.test_labels.numpy()[:2000]    # covert to numpy array


class RNN(nn.Module):
    def __init__(self):
        super(RNN, self).__init__()

        self.rnn = nn.LSTM(         # if use nn.RNN(), it hardly learns
            input_size=INPUT_SIZE,
            hidden_size=64,         # rnn hidden unit
            num_layers=1,           # number of rnn layer
            batch_first=True,       # input & output will has batch size as 1s dimension. e.g. (batch, time_step, input_size)
        )

        self.out = nn.Linear(64, 10)

    def forward(self, x):
        # x shape (batch, time_step, input_size)
        # r_out shape (batch, time_step, output_size)
        # h_n shape (n_layers, batch, hidden_size)
        # h_c shape (n_layers, batch, hidden_size)
        r_out, (h_n, h_c) = self.rnn(x, None)   # None represents zero initial hidden state

        # choose r_out at the last time step
        out = self.out(r_out[:, -1, :])
        return out


rnn = RNN()
print(rnn)

optimizer = torch.optim.Adam(rnn.parameters(), lr=LR)   # optimize all cnn parameters
loss_func = nn.CrossEntropyLoss()                       # the target label is not one-hotted

result["402"] = []  # adapted
# training and testing
for epoch in range(EPOCH):
    for step, (b_x, b_y) in enumerate(train_loader):        # gives batch data
        b_x = b_x.view(-1, 28, 28)              # reshape x to (batch, time_step, input_size)

        output = rnn(b_x)                               # rnn output
        loss = loss_func(output, b_y)                   # cross entropy loss
        optimizer.zero_grad()                           # clear gradients for this training step
        loss.backward()                                 # backpropagation, compute gradients
        optimizer.step()                                # apply gradients

        if step % 2 == 0:  # adapted (50)
            test_output = rnn(test_x)                   # (samples, time_step, input_size)
            pred_y = torch.max(test_output, 1)[1].data.numpy()
            accuracy = float((pred_y == test_y).astype(int).sum()) / float(test_y.size)
            print('Epoch: ', epoch, '| train loss: %.4f' % loss.data.numpy(), '| test accuracy: %.2f' % accuracy)
            result["402"].append([loss.item(), {"accuracy": accuracy}])  # adapted

# print 10 predictions from test data
test_output = rnn(test_x[:10].view(-1, 28, 28))
pred_y = torch.max(test_output, 1)[1].data.numpy()
print(pred_y, 'prediction number')
print(test_y[:10], 'real number')
result["402_logits"] = test_output.tolist()  # adapted

# ---------------------------------------------------------------- 404_autoencoder.py
import torch
import torch.nn as nn
import torch.utils.data as Data
import numpy as np

torch.manual_seed(1)    # reproducible  # adapted (uncommented)

# Hyper Parameters
EPOCH = 2  # adapted (10)
BATCH_SIZE = 64
LR = 0.005         # learning rate
N_TEST_IMG = 5

# plot one example
print(train_data.train_data.size())     # (60000, 28, 28)
print(train_data.train_labels.size())   # (60000)

# Data Loader for easy mini-batch return in training, the image batch shape will be (50, 1, 28, 28)
train_loader = Data.DataLoader(dataset=train_data, batch_size=BATCH_SIZE, shuffle=True)


class AutoEncoder(nn.Module):
    def __init__(self):
        super(AutoEncoder, self).__init__()

        self.encoder = nn.Sequential(
            nn.Linear(28*28, 128),
            nn.Tanh(),
            nn.Linear(128, 64),
            nn.Tanh(),
            nn.Linear(64, 12),
            nn.Tanh(),
            nn.Linear(12, 3),   # compress to 3 features which can be visualized in plt
        )
        self.decoder = nn.Sequential(
            nn.Linear(3, 12),
            nn.Tanh(),
            nn.Linear(12, 64),
            nn.Tanh(),
            nn.Linear(64, 128),
            nn.Tanh(),
            nn.Linear(128, 28*28),
            nn.Sigmoid(),       # compress to a range (0, 1)
        )

    def forward(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return encoded, decoded


autoencoder = AutoEncoder()

optimizer = torch.optim.Adam(autoencoder.parameters(), lr=LR)
loss_func = nn.MSELoss()

# original data (first row) for viewing
view_data = train_data.train_data[:N_TEST_IMG].view(-1, 28*28).type(torch.FloatTensor)/255.

result["404"] = []  # adapted
for epoch in range(EPOCH):
    for step, (x, b_label) in enumerate(train_loader):
        b_x = x.view(-1, 28*28)   # batch x, shape (batch, 28*28)
        b_y = x.view(-1, 28*28)   # batch y, shape (batch, 28*28)

        encoded, decoded = autoencoder(b_x)

        loss = loss_func(decoded, b_y)      # mean square error
        optimizer.zero_grad()               # clear gradients for this training step
        loss.backward()                     # backpropagation, compute gradients
        optimizer.step()                    # apply gradients

        if step % 2 == 0:  # adapted (100)
            print('Epoch: ', epoch, '| train loss: %.4f' % loss.data.numpy())
            result["404"].append(loss.item())  # adapted

            # plotting decoded image (second row)
            _, decoded_data = autoencoder(view_data)
            result["404_decoded"] = decoded_data.data.numpy()[:, 300:310].tolist()  # adapted: instead of the plot

# visualize in 3D plot
view_data = train_data.train_data[:200].view(-1, 28*28).type(torch.FloatTensor)/255.
encoded_data, _ = autoencoder(view_data)
X, Y, Z = encoded_data.data[:, 0].numpy(), encoded_data.data[:, 1].numpy(), encoded_data.data[:, 2].numpy()
values = train_data.train_labels[:200].numpy()
result["404_encoded"] = [X[:20].tolist(), Y[:20].tolist(), Z[:20].tolist(), values[:20].tolist()]  # adapted (the 3-D plot)

# ---------------------------------------------------------------- changing_default_device.py
import torch

USE_CUDA = False

torch.manual_seed(0)  # adapted
mod = torch.nn.Linear(20, 30)
if USE_CUDA:
    mod.cuda()

device = 'cpu'
if USE_CUDA:
    device = 'cuda'
inp = torch.randn(128, 20, device=device)
print(mod(inp).device)

with torch.device('cpu'):  # adapted ('cuda')
    mod = torch.nn.Linear(20, 30)
    print(mod.weight.device)
    print(mod(torch.randn(128, 20)).device)

torch.set_default_device('cpu')  # adapted ('cuda')

mod = torch.nn.Linear(20, 30)
print(mod.weight.device)
print(mod(torch.randn(128, 20)).device)
result["default_device"] = [str(torch.get_default_device()), mod.weight[:2].tolist()]  # adapted
torch.set_default_device(None)  # adapted: back to the default for the rest of the process

# ---------------------------------------------------------------- saving_and_loading_models_for_inference.py
import torch
import torch.nn as nn
import torch.optim as optim
import torch.nn.functional as F  # adapted: the recipe's forward uses F without importing it


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.flatten(start_dim=1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x

net = Net()
print(net)

optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

# Specify a path
PATH = os.path.join(_tmp.name, "state_dict_model.pt")  # adapted ("state_dict_model.pt")

# Save
torch.save(net.state_dict(), PATH)

# Load
model = Net()
model.load_state_dict(torch.load(PATH))
model.eval()
_img = torch.rand(2, 3, 32, 32)  # adapted
result["inference_state_dict"] = model(_img).tolist()  # adapted

_tmp.cleanup()  # adapted
