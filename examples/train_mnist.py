"""Train a CNN on MNIST with miniconv.

The model class is the PyTorch tutorial's ``ConvolutionalNeuralNetworkClass``, unchanged. The
script is written for ``torch``: replace each import line below by the PyTorch line in its
comment and it runs under PyTorch (tests/test_example.py does exactly that).

    python examples/train_mnist.py --data ../shared/mnist            # defaults: 8 epochs, Adam 1e-3, cosine
    python examples/train_mnist.py --hdims 32 --batchnorm --epochs 1 # the fidelity configuration
    python examples/train_mnist.py --resume                          # continue from the checkpoint
    mpiexec -n 2 python examples/train_mnist.py --distributed        # data-parallel

Each epoch ends with a checkpoint; Ctrl-C saves one mid-epoch and ``--resume`` continues exactly
where the run stopped. That bookkeeping, ``--plot`` and ``--distributed`` live in mnist_support.py.
"""
import argparse

import numpy as np

import miniconv as torch  # PyTorch: import torch
import miniconv.nn as nn  # PyTorch: import torch.nn as nn
from miniconv.utils.data import DataLoader, TensorDataset  # PyTorch: from torch.utils.data import DataLoader, TensorDataset
from miniconv.data.datasets import MNIST  # a NumPy IDX reader; under PyTorch it still only supplies arrays

import mnist_support as support  # checkpoints, Ctrl-C, --plot, --distributed (for either library)

MEAN, STD = 0.1307, 0.3081


class ConvolutionalNeuralNetworkClass(nn.Module):
    """
        Convolutional Neural Network (CNN) Class
    """
    def __init__(self,name='cnn',xdim=[1,28,28],
                 ksize=3,cdims=[32,64],hdims=[1024,128],ydim=10,
                 USE_BATCHNORM=False):
        super(ConvolutionalNeuralNetworkClass,self).__init__()
        self.name = name
        self.xdim = xdim
        self.ksize = ksize
        self.cdims = cdims
        self.hdims = hdims
        self.ydim = ydim
        self.USE_BATCHNORM = USE_BATCHNORM

        # Convolutional layers
        self.layers = []
        prev_cdim = self.xdim[0]
        for cdim in self.cdims: # for each hidden layer
            self.layers.append(
                nn.Conv2d(
                    in_channels=prev_cdim,
                    out_channels=cdim,
                    kernel_size=self.ksize,
                    stride=(1,1),
                    padding=self.ksize//2))
            if self.USE_BATCHNORM:
                self.layers.append(nn.BatchNorm2d(cdim)) # batch-norm
            self.layers.append(nn.ReLU(True))  # activation
            self.layers.append(nn.MaxPool2d(kernel_size=(2,2), stride=(2,2))) # max-pooling
            self.layers.append(nn.Dropout2d(p=0.5))  # dropout
            prev_cdim = cdim

        # Dense layers
        self.layers.append(nn.Flatten())
        prev_hdim = prev_cdim*(self.xdim[1]//(2**len(self.cdims)))*(self.xdim[2]//(2**len(self.cdims)))
        for hdim in self.hdims:
            self.layers.append(nn.Linear(
                prev_hdim,hdim,bias=True
            ))
            self.layers.append(nn.ReLU(True))  # activation
            prev_hdim = hdim
        # Final layer (without activation)
        self.layers.append(nn.Linear(prev_hdim,self.ydim,bias=True))

        # Concatenate all layers
        self.net = nn.Sequential()
        for l_idx,layer in enumerate(self.layers):
            layer_name = "%s_%02d"%(type(layer).__name__.lower(),l_idx)
            self.net.add_module(layer_name,layer)
        self.init_param() # initialize parameters

    def init_param(self):
        for m in self.modules():
            if isinstance(m,nn.Conv2d): # init conv
                nn.init.kaiming_normal_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m,nn.BatchNorm2d): # init BN
                nn.init.constant_(m.weight,1)
                nn.init.constant_(m.bias,0)
            elif isinstance(m,nn.Linear): # lnit dense
                nn.init.kaiming_normal_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self,x):
        return self.net(x)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--optimizer", choices=["adam", "adamw", "sgd"], default="adam")
    p.add_argument("--scheduler", choices=["cosine", "step", "none"], default="cosine",
                   help="learning-rate schedule over the epochs (cosine: CosineAnnealingLR to 0)")
    p.add_argument("--threads", type=int, default=None, help="default: OMP_NUM_THREADS or all cores")
    p.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--cdims", type=int, nargs="+", default=[32, 64])
    p.add_argument("--hdims", type=int, nargs="+", default=[1024, 128])
    p.add_argument("--data", default=None, help="directory with the MNIST .gz files (default: $MINICONV_DATA)")
    p.add_argument("--download", action="store_true", help="download MNIST if the files are missing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-limit", type=int, default=None, help="use only the first N test images")
    support.add_arguments(p)  # --checkpoint, --resume, --plot, --summary-json, --distributed, ...
    return p.parse_args(argv)


def load_mnist(root, train, limit, download):
    """Images as uint8 (N, 1, 28, 28) and int64 labels, as Tensors. The images stay uint8 (47 MB for
    the training set, against 188 MB as float32); each batch is normalised on its way in."""
    ds = MNIST(root, train=train, download=download)
    images = np.asarray(ds.data)[:limit]
    labels = np.asarray(ds.targets)[:limit]
    return torch.from_numpy(np.ascontiguousarray(images[:, None])), torch.from_numpy(labels.astype(np.int64))


def normalize(images):
    """uint8 images -> float32 with MNIST's mean and standard deviation."""
    return (images.float() / 255.0 - MEAN) / STD


def evaluate(model, x, y, batch_size=256):
    """Accuracy over (x, y) in batches as large as the training ones, so evaluation never needs more
    memory than a training step."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), batch_size):
            logits = model(normalize(x[i : i + batch_size]))
            correct += int((logits.argmax(1) == y[i : i + batch_size]).sum().item())
    model.train()
    return correct / len(y)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    run = support.Session(torch, args)  # with --distributed: joins the process group started by mpiexec
    torch.manual_seed(args.seed)
    x_train, y_train = load_mnist(args.data, True, args.train_limit, args.download)
    x_test, y_test = load_mnist(args.data, False, args.test_limit, args.download)

    model = ConvolutionalNeuralNetworkClass(
        name="cnn", xdim=[1, 28, 28], ksize=3, cdims=args.cdims, hdims=args.hdims, ydim=10,
        USE_BATCHNORM=args.batchnorm,
    )
    model = run.sync_batchnorm(model)  # --distributed: BatchNorm over the global batch
    loss_fn = nn.CrossEntropyLoss()
    opt_cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[args.optimizer]
    optimizer = opt_cls(model.parameters(), lr=args.lr)
    if args.scheduler == "cosine":
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    elif args.scheduler == "step":
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3), gamma=0.1)
    else:
        scheduler = None
    order = torch.Generator()  # the data order: its state is saved so --resume replays it exactly
    order.manual_seed(args.seed)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True, generator=order)

    start_epoch = run.resume_or_start(model, optimizer, scheduler, order)  # --resume: load the checkpoint
    ddp_model, loader = run.distribute(model, loader)  # --distributed: DDP and this process's shard of the data
    for epoch in range(start_epoch, args.epochs):
        ddp_model.train()
        for step, (xb, yb) in run.steps(loader, epoch):  # skips the steps done before an interruption
            optimizer.zero_grad()  # before the forward: last step's gradients are freed before it runs
            logits = ddp_model(normalize(xb))
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            if run.step_done(loss, logits, yb):  # Ctrl-C: a mid-epoch checkpoint was saved
                return 130
        if scheduler is not None:
            scheduler.step()
        run.epoch_done(evaluate(model, x_test, y_test, args.batch_size))  # prints the epoch, saves a checkpoint

    run.finish(evaluate(model, x_test, y_test, args.batch_size), model, x_test, y_test, normalize)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
