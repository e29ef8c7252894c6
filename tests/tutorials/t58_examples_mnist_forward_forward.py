"""pytorch/examples mnist_forward_forward/main.py (commit 77f55b9, BSD-3-Clause licence; based on Mohammad
Pezeshki's MIT-licensed implementation): Hinton's forward-forward training. Layer subclasses nn.Linear (its
__init__ called with device and dtype positionally) and overrides ``train`` with its own signature, layers sit
in a plain Python list, overlay_y_on_x writes through x_[:, :classes] *= 0.0 and x_[range(n), y] = x.max(),
get_y_neg builds a tensor from a list and indexes it, goodness is h.pow(2).mean(1), the loss is
log1p(exp(cat(...))).mean() with a per-layer Adam, predict takes argmax over per-label goodness; device from
torch.accelerator. Unchanged except where marked ``# adapted``: the options are given to parse_args (30 epochs
per layer, 256 training and 128 test images), MNIST is a subset from NumPy, torch.randint in get_y_neg is a
NumPy draw (the libraries' generators differ), deterministic starting weights, and a ``result`` dict."""
# This code is based on the implementation of Mohammad Pezeshki available at
# https://github.com/mohammadpz/pytorch_forward_forward and licensed under the MIT License.
# Modifications/Improvements to the original code have been made by Vivek V Patel.

import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader
from torch.optim import Adam
import numpy as np  # adapted

from _vision_helpers import load_weights, mnist_subset  # adapted (torchvision's MNIST and transforms)

draws = np.random.default_rng(1)  # adapted: the negative labels' random choices, the same in both runs
result = {"loss": []}  # adapted


def get_y_neg(y):
    y_neg = y.clone()
    for idx, y_samp in enumerate(y):
        allowed_indices = list(range(10))
        allowed_indices.remove(y_samp.item())
        y_neg[idx] = torch.tensor(allowed_indices)[
            torch.tensor([int(draws.integers(len(allowed_indices)))])  # adapted (torch.randint(len(...), size=(1,)))
        ].item()
    return y_neg.to(device)


def overlay_y_on_x(x, y, classes=10):
    x_ = x.clone()
    x_[:, :classes] *= 0.0
    x_[range(x.shape[0]), y] = x.max()
    return x_


class Net(torch.nn.Module):
    def __init__(self, dims):

        super().__init__()
        self.layers = []
        for d in range(len(dims) - 1):
            self.layers = self.layers + [Layer(dims[d], dims[d + 1]).to(device)]

    def predict(self, x):
        goodness_per_label = []
        for label in range(10):
            h = overlay_y_on_x(x, label)
            goodness = []
            for layer in self.layers:
                h = layer(h)
                goodness = goodness + [h.pow(2).mean(1)]
            goodness_per_label += [sum(goodness).unsqueeze(1)]
        goodness_per_label = torch.cat(goodness_per_label, 1)
        return goodness_per_label.argmax(1)

    def train(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            print("training layer: ", i)
            h_pos, h_neg = layer.train(h_pos, h_neg)


class Layer(nn.Linear):
    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device, dtype)
        self.relu = torch.nn.ReLU()
        self.opt = Adam(self.parameters(), lr=args.lr)
        self.threshold = args.threshold
        self.num_epochs = args.epochs

    def forward(self, x):
        x_direction = x / (x.norm(2, 1, keepdim=True) + 1e-4)
        return self.relu(torch.mm(x_direction, self.weight.T) + self.bias.unsqueeze(0))

    def train(self, x_pos, x_neg):
        for i in range(self.num_epochs):
            g_pos = self.forward(x_pos).pow(2).mean(1)
            g_neg = self.forward(x_neg).pow(2).mean(1)
            loss = torch.log1p(
                torch.exp(
                    torch.cat([-g_pos + self.threshold, g_neg - self.threshold])
                )
            ).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            result["loss"].append(loss.item())  # adapted
            if i % args.log_interval == 0:
                print("Loss: ", loss.item())
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--epochs",
        type=int,
        default=1000,
        metavar="N",
        help="number of epochs to train (default: 1000)",
    )
    parser.add_argument(
        "--lr",
        type=float,
        default=0.03,
        metavar="LR",
        help="learning rate (default: 0.03)",
    )
    parser.add_argument(
        "--no_accel", action="store_true", help="disables accelerator"
    )
    parser.add_argument(
        "--seed", type=int, default=1, metavar="S", help="random seed (default: 1)"
    )
    parser.add_argument(
        "--save_model",
        action="store_true",
        help="For saving the current Model",
    )
    parser.add_argument(
        "--train_size", type=int, default=50000, help="size of training set"
    )
    parser.add_argument(
        "--threshold", type=float, default=2, help="threshold for training"
    )
    parser.add_argument("--test_size", type=int, default=10000, help="size of test set")
    parser.add_argument(
        "--save-model",
        action="store_true",
        help="For Saving the current Model",
    )
    parser.add_argument(
        "--log-interval",
        type=int,
        default=10,
        metavar="N",
        help="how many batches to wait before logging training status",
    )
    args = parser.parse_args(["--epochs", "30", "--train_size", "256", "--test_size", "128"])  # adapted
    use_accel = not args.no_accel and torch.accelerator.is_available()
    if use_accel:
        device = torch.accelerator.current_accelerator()
    else:
        device = torch.device("cpu")

    train_kwargs = {"batch_size": args.train_size}
    test_kwargs = {"batch_size": args.test_size}

    if use_accel:
        accel_kwargs = {"num_workers": 1, "pin_memory": True, "shuffle": True}
        train_kwargs.update(accel_kwargs)
        test_kwargs.update(accel_kwargs)

    # adapted: a subset of MNIST, flattened, instead of MNIST(...) with ToTensor/Normalize/Lambda(flatten)
    x_tr, y_tr, x_te, y_te = mnist_subset(args.train_size, args.test_size)
    flat = lambda a: torch.flatten(torch.from_numpy(a), 1)
    train_loader = DataLoader(torch.utils.data.TensorDataset(flat(x_tr), torch.from_numpy(y_tr)), **train_kwargs)
    test_loader = DataLoader(torch.utils.data.TensorDataset(flat(x_te), torch.from_numpy(y_te)), **test_kwargs)
    net = Net([784, 500, 500])
    for seed, layer in enumerate(net.layers):  # adapted: deterministic starting weights
        load_weights(torch, layer, seed=seed)
    x, y = next(iter(train_loader))
    x, y = x.to(device), y.to(device)
    x_pos = overlay_y_on_x(x, y)
    y_neg = get_y_neg(y)
    x_neg = overlay_y_on_x(x, y_neg)
    net.train(x_pos, x_neg)
    print("train error:", 1.0 - net.predict(x).eq(y).float().mean().item())
    result["train_accuracy"] = net.predict(x).eq(y).float().mean().item()  # adapted
    result["y_neg"] = y_neg.tolist()  # adapted
    x_te, y_te = next(iter(test_loader))
    x_te, y_te = x_te.to(device), y_te.to(device)
    if args.save_model:
        torch.save(net.state_dict(), "mnist_ff.pt")
    print("test error:", 1.0 - net.predict(x_te).eq(y_te).float().mean().item())
    result["test_accuracy"] = net.predict(x_te).eq(y_te).float().mean().item()  # adapted
    result["state_dict_keys"] = sorted(net.state_dict())  # adapted (the layers sit in a plain list)
