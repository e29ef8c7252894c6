"""Train a CIFAR-style ResNet-18 on CIFAR-10 with miniconv (kuangliu/pytorch-cifar's model and recipe).

Written for torch + torchvision: replace each import line by the one in its comment and it runs under
PyTorch. The model is ResNet-18 for 32x32 inputs (3x3 stem, no max-pool, average pool over the last
4x4 map); augmentation is RandomCrop(32, padding=4) + RandomHorizontalFlip; SGD with momentum 0.9 and
weight decay 5e-4 under a cosine (or one-cycle) schedule.

    python examples/train_cifar10.py --data DIR       # DIR holds cifar-10-batches-py/ or cifar-10-python.tar.gz
    python examples/train_cifar10.py                  # no data: FakeData of CIFAR's shape (a smoke run)
    python examples/train_cifar10.py --resume         # continue from --checkpoint

A checkpoint (model, optimizer, scheduler, RNG and data-order state) is written atomically after every
epoch and on Ctrl-C; --resume continues exactly where the run stopped.
"""
import argparse
import os
import signal
import time

import miniconv as torch  # PyTorch: import torch
import miniconv.nn as nn  # PyTorch: import torch.nn as nn
import miniconv.nn.functional as F  # PyTorch: import torch.nn.functional as F
from miniconv.utils.data import DataLoader, Subset  # PyTorch: from torch.utils.data import DataLoader, Subset
from miniconv.vision import datasets, transforms  # PyTorch: from torchvision import datasets, transforms

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 for 32x32 images: 3x3 stem, four stages of two blocks, average pool, linear."""

    def __init__(self, num_classes=10, width=64):
        super().__init__()
        self.in_planes = width
        self.conv1 = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(width, stride=1)
        self.layer2 = self._make_layer(2 * width, stride=2)
        self.layer3 = self._make_layer(4 * width, stride=2)
        self.layer4 = self._make_layer(8 * width, stride=2)
        self.linear = nn.Linear(8 * width, num_classes)

    def _make_layer(self, planes, stride):
        layers = []
        for s in (stride, 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.environ.get("MINICONV_DATA", "data"), help="folder with CIFAR-10")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--scheduler", choices=["cosine", "onecycle"], default="cosine")
    p.add_argument("--width", type=int, default=64, help="channels of the first stage (64: ResNet-18)")
    p.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-limit", type=int, default=None, help="use only the first N test images")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", default="checkpoints/cifar10_resnet18.ckpt")
    p.add_argument("--resume", action="store_true")
    return p.parse_args(argv)


def load_data(args):
    """CIFAR-10 when its batches or archive are in --data, else FakeData of the same shape."""
    train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    have = any(os.path.exists(os.path.join(args.data, n)) for n in ("cifar-10-batches-py", "cifar-10-python.tar.gz"))
    if have:  # download=True only unpacks the archive when it is already there (its MD5 is checked)
        train = datasets.CIFAR10(args.data, train=True, transform=train_tf, download=True)
        test = datasets.CIFAR10(args.data, train=False, transform=test_tf, download=True)
    else:
        print(f"no CIFAR-10 in {args.data}: training on FakeData of CIFAR's shape")
        train = datasets.FakeData(50000, (3, 32, 32), 10, transform=train_tf)
        test = datasets.FakeData(10000, (3, 32, 32), 10, transform=test_tf, random_offset=50000)
    if args.train_limit:
        train = Subset(train, range(min(args.train_limit, len(train))))
    if args.test_limit:
        test = Subset(test, range(min(args.test_limit, len(test))))
    return train, test


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += int((model(x).argmax(1) == y).sum().item())
            total += len(y)
    model.train()
    return correct / max(total, 1)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_set, test_set = load_data(args)
    model = ResNet18(width=args.width)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    steps_per_epoch = (len(train_set) + args.batch_size - 1) // args.batch_size
    if args.scheduler == "cosine":  # stepped once per batch, so it also works for a single epoch
        scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * steps_per_epoch)
    else:
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs,
                                                        steps_per_epoch=steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    order = torch.Generator()  # the data order; its state at each epoch start goes into the checkpoint
    order.manual_seed(args.seed)
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.workers)

    start_epoch, skip, resume_rng = 0, 0, None
    if args.resume and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        order.set_state(ck["order"])
        start_epoch, skip = ck["epoch"], ck["step"]
        resume_rng = ck["rng"]
        print(f"resumed from {args.checkpoint}: epoch {start_epoch + 1}, step {skip}")

    def checkpoint(epoch, step, order_state):
        os.makedirs(os.path.dirname(os.path.abspath(args.checkpoint)), exist_ok=True)
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "order": order_state, "rng": torch.get_rng_state(),
                    "epoch": epoch, "step": step}, args.checkpoint)  # written atomically

    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    print(f"{len(train_set)} training images, {steps_per_epoch} steps per epoch", flush=True)
    for epoch in range(start_epoch, args.epochs):
        order_state = order.get_state()
        perm = torch.randperm(len(train_set), generator=order).tolist()
        # the batches already trained on before an interruption are skipped without being loaded
        loader = DataLoader(Subset(train_set, perm[skip * args.batch_size:]), batch_size=args.batch_size,
                            num_workers=args.workers)
        t0, seen, loss_sum = time.perf_counter(), 0, 0.0
        batches = iter(loader)  # draws the loader's base seed from the global generator, as PyTorch's does
        if resume_rng is not None:  # so the augmentations' random state is restored after that draw
            torch.set_rng_state(resume_rng)
            resume_rng = None
        for step, (x, y) in enumerate(batches, start=skip):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            seen += len(y)
            loss_sum += loss.item() * len(y)
            if interrupted:
                checkpoint(epoch, step + 1, order_state)
                print(f"interrupted: saved {args.checkpoint} at epoch {epoch + 1} step {step + 1}; use --resume")
                return 130
        skip = 0
        seconds = time.perf_counter() - t0
        acc = evaluate(model, test_loader)
        print(f"epoch {epoch + 1}/{args.epochs}  loss {loss_sum / max(seen, 1):.4f}  test acc {100 * acc:.2f}%  "
              f"{seconds:.1f}s ({seen / seconds:.1f} img/s)", flush=True)
        checkpoint(epoch + 1, 0, order.get_state())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
