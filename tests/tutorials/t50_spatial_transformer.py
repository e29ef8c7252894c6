"""PyTorch's "Spatial Transformer Networks Tutorial" (pytorch/tutorials intermediate_source/
spatial_transformer_tutorial.py, BSD licence, by Ghassen Hamrouni): the Net with its localization network and
fc_loc regressor initialised to the identity transformation (weight.data.zero_(), bias.data.copy_(torch.tensor(
..., dtype=torch.float))), stn() with F.affine_grid and F.grid_sample at their defaults (align_corners warned
about), SGD, the train() and test() functions with the legacy ``size_average=False`` of F.nll_loss, and
convert_image_np of the transformed images. Unchanged except where marked ``# adapted``: MNIST is a 256/128
subset in a TensorDataset (no download, no workers, no shuffling), 2 epochs, dropout probability 0 (the two
libraries draw different masks), deterministic starting weights for every layer the tutorial leaves at its
random default, torchvision's make_grid and the matplotlib figure left out."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
import numpy as np

from _vision_helpers import load_weights, mnist_subset  # adapted

######################################################################
# Loading the data
# ----------------

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

x_tr, y_tr, x_te, y_te = mnist_subset(256, 128)  # adapted: a subset instead of datasets.MNIST
# Training dataset
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_tr), torch.from_numpy(y_tr)),  # adapted
    batch_size=64, shuffle=False, num_workers=0)  # adapted (shuffle=True, num_workers=4)
# Test dataset
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_te), torch.from_numpy(y_te)),  # adapted
    batch_size=64, shuffle=False, num_workers=0)  # adapted (shuffle=True, num_workers=4)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(p=0)  # adapted (p=0.5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        load_weights(torch, self, seed=5)  # adapted: deterministic weights before the identity initialisation
        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size())
        x = F.grid_sample(x, grid)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = F.dropout(x, p=0, training=self.training)  # adapted (the default p=0.5)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net().to(device)

optimizer = optim.SGD(model.parameters(), lr=0.01)

result = {"train_loss": [], "test_loss": [], "test_accuracy": []}  # adapted


def train(epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)

        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        result["train_loss"].append(loss.item())  # adapted
        if batch_idx % 500 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))
#
# A simple test procedure to measure the STN performances on MNIST.
#


def test():
    with torch.no_grad():
        model.eval()
        test_loss = 0
        correct = 0
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)

            # sum up batch loss
            test_loss += F.nll_loss(output, target, size_average=False).item()
            # get the index of the max log-probability
            pred = output.max(1, keepdim=True)[1]
            correct += pred.eq(target.view_as(pred)).sum().item()

        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'
              .format(test_loss, correct, len(test_loader.dataset),
                      100. * correct / len(test_loader.dataset)))
        result["test_loss"].append(test_loss)  # adapted
        result["test_accuracy"].append(correct / len(test_loader.dataset))  # adapted


def convert_image_np(inp):
    """Convert a Tensor to numpy image."""
    inp = inp.numpy().transpose((1, 2, 0))
    mean = np.array([0.485, 0.456, 0.406])
    std = np.array([0.229, 0.224, 0.225])
    inp = std * inp + mean
    inp = np.clip(inp, 0, 1)
    return inp


def visualize_stn():
    with torch.no_grad():
        # Get a batch of training data
        data = next(iter(test_loader))[0].to(device)

        input_tensor = data.cpu()
        transformed_input_tensor = model.stn(data).cpu()

        in_grid = convert_image_np(input_tensor[0])  # adapted (torchvision.utils.make_grid(input_tensor))
        out_grid = convert_image_np(transformed_input_tensor[0])  # adapted (make_grid)
        result["stn_images"] = [in_grid.sum(), out_grid.sum(), float(np.abs(out_grid - in_grid).mean())]  # adapted
        result["theta"] = model.fc_loc(model.localization(data[:4]).view(-1, 90)).view(-1, 2, 3).tolist()  # adapted


for epoch in range(1, 2 + 1):  # adapted (20 epochs)
    train(epoch)
    test()

# Visualize the STN transformation on some input batch
visualize_stn()
