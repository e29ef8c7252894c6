"""Train a CNN on MNIST with miniconv.

The model class is the PyTorch tutorial's ``ConvolutionalNeuralNetworkClass``, unchanged. The
script is written for ``torch``: replace each import line below by the PyTorch line in its
comment and it runs under PyTorch (tests/test_example.py does exactly that).

    python examples/train_mnist.py --data ../shared/mnist            # defaults: 8 epochs, Adam 1e-3, cosine
    python examples/train_mnist.py --hdims 32 --batchnorm --epochs 1 # the fidelity configuration
    python examples/train_mnist.py --resume                          # continue from the checkpoint

Each epoch ends with a checkpoint (model, optimizer, RNG and data-order state) written atomically;
Ctrl-C saves one mid-epoch and ``--resume`` continues exactly where the run stopped.
"""
import argparse
import json
import os
import signal
import sys
import time

import numpy as np

import miniconv as torch  # PyTorch: import torch
import miniconv.nn as nn  # PyTorch: import torch.nn as nn
from miniconv.utils.data import DataLoader, TensorDataset  # PyTorch: from torch.utils.data import DataLoader, TensorDataset
from miniconv.data.datasets import MNIST  # a NumPy IDX reader; under PyTorch it still only supplies arrays

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
    p.add_argument("--checkpoint", default="checkpoints/mnist_cnn.ckpt")
    p.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    p.add_argument("--plot", default=None, metavar="OUT.png", help="write loss/accuracy curves and conv filters")
    p.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    p.add_argument("--test-limit", type=int, default=None, help="use only the first N test images")
    p.add_argument("--summary-json", default=None, help="write the final metrics to this JSON file")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel over the processes of mpiexec (see train_distributed)")
    p.add_argument("--sync-batchnorm", action=argparse.BooleanOptionalAction, default=True,
                   help="with --distributed: BatchNorm statistics over the global batch (SyncBatchNorm)")
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


def save_checkpoint(path, state):
    """Atomic write (temp file + fsync + rename) through the library's save."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(state, path)


def progress(iterable, total, desc, disable):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional ([examples] extra)
        return iterable
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)


def plot(path, history, model):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    epochs = [h["epoch"] for h in history]
    axes[0].plot(epochs, [h["train_loss"] for h in history], "o-")
    axes[0].set(title="train loss", xlabel="epoch")
    axes[1].plot(epochs, [h["train_acc"] for h in history], "o-", label="train")
    axes[1].plot(epochs, [h["test_acc"] for h in history], "o-", label="test")
    axes[1].set(title="accuracy", xlabel="epoch")
    axes[1].legend()
    w = np.asarray(model.net[0].weight.detach().numpy())  # (out, in, k, k)
    n = w.shape[0]
    cols = int(np.ceil(np.sqrt(n)))
    k = w.shape[-1]
    grid = np.full((cols * (k + 1), cols * (k + 1)), np.nan)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = w[i, 0]
    axes[2].imshow(grid, cmap="gray")
    axes[2].set(title="first conv layer filters")
    axes[2].axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.distributed:
        return train_distributed(args)
    torch.manual_seed(args.seed)
    x_train, y_train = load_mnist(args.data, True, args.train_limit, args.download)
    x_test, y_test = load_mnist(args.data, False, args.test_limit, args.download)

    model = ConvolutionalNeuralNetworkClass(
        name="cnn", xdim=[1, 28, 28], ksize=3, cdims=args.cdims, hdims=args.hdims, ydim=10,
        USE_BATCHNORM=args.batchnorm,
    )
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

    start_epoch, skip_steps, history = 0, 0, []
    if args.resume and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ck["scheduler"])
        torch.set_rng_state(ck["rng"])
        order.set_state(ck["order_rng_at_epoch_start"])
        start_epoch, skip_steps, history = ck["epoch"], ck["step"], ck["history"]
        print(f"resumed from {args.checkpoint}: epoch {start_epoch + 1}, step {skip_steps}")

    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    n_steps = len(loader)
    print(f"training on {len(y_train)} images, {n_steps} steps per epoch", flush=True)
    for epoch in range(start_epoch, args.epochs):
        order_state = order.get_state()
        model.train()
        t0 = time.perf_counter()
        seen = correct = 0
        loss_sum = 0.0
        bar = progress(enumerate(loader), n_steps, f"epoch {epoch + 1}/{args.epochs}", args.no_progress)
        for step, (xb, yb) in bar:
            if step < skip_steps:
                continue  # already trained on before the interruption
            optimizer.zero_grad()  # before the forward: last step's gradients are freed before it runs
            logits = model(normalize(xb))
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            seen += len(yb)
            correct += int((logits.argmax(1) == yb).sum().item())
            loss_sum += loss.item() * len(yb)
            if hasattr(bar, "set_postfix"):
                bar.set_postfix(loss=f"{loss.item():.4f}", img_s=f"{seen / (time.perf_counter() - t0):.0f}")
            if interrupted:
                save_checkpoint(args.checkpoint, {
                    "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict() if scheduler else None,
                    "rng": torch.get_rng_state(), "order_rng_at_epoch_start": order_state,
                    "epoch": epoch, "step": step + 1, "history": history,
                })
                print(f"\ninterrupted: saved {args.checkpoint} at epoch {epoch + 1} step {step + 1}; "
                      "continue with --resume")
                return 130
        skip_steps = 0
        if scheduler is not None:
            scheduler.step()
        seconds = time.perf_counter() - t0
        test_acc = evaluate(model, x_test, y_test, args.batch_size)
        history.append({
            "epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1), "train_acc": correct / max(seen, 1),
            "test_acc": test_acc, "seconds": seconds, "images_per_s": seen / seconds,
        })
        print(f"epoch {epoch + 1}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  "
              f"train acc {100 * history[-1]['train_acc']:.2f}%  test acc {100 * test_acc:.2f}%  "
              f"{seconds:.1f}s ({seen / seconds:.0f} img/s)", flush=True)
        save_checkpoint(args.checkpoint, {
            "model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler else None,
            "rng": torch.get_rng_state(), "order_rng_at_epoch_start": order.get_state(),
            "epoch": epoch + 1, "step": 0, "history": history,
        })

    final = evaluate(model, x_test, y_test, args.batch_size)
    print(f"final test accuracy: {100 * final:.2f}%")
    if args.plot:
        plot(args.plot, history, model)
        print(f"wrote {args.plot}")
    if args.summary_json:
        import resource

        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak RSS; Linux reports KiB
        with open(args.summary_json, "w") as f:
            json.dump({"test_acc": final, "history": history, "peak_rss_mb": peak_mb}, f)
    return 0


# ----------------------------------------------------------------------------------------------------
# --distributed: data-parallel training, one process per rank (mpiexec -n 2 python train_mnist.py ...)
# ----------------------------------------------------------------------------------------------------
def train_distributed(args):
    """Data-parallel training with DistributedDataParallel.

    Every rank trains on its shard of each epoch (DistributedSampler, reshuffled by seed + epoch) with
    batch_size / world_size images per step, so the global batch is --batch-size, as in a single
    process. Gradients are averaged by DDP; all ranks hold the same weights. Rank 0 prints, evaluates and
    writes the checkpoints (the unwrapped model's state dict: interchangeable with single-process ones);
    every rank reads the checkpoint on --resume (on a cluster the path must be on a shared file system).
    Dropout is reseeded from (seed, rank, epoch, step) at every step, so a resumed run repeats exactly.
    """
    dist = torch.distributed
    dist.init_process_group(backend="mpi" if dist.is_mpi_available() else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the number of processes ({world})")
    log = print if rank == 0 else (lambda *a, **k: None)
    torch.manual_seed(args.seed)
    x_train, y_train = load_mnist(args.data, True, args.train_limit, args.download)
    x_test, y_test = load_mnist(args.data, False, args.test_limit, args.download)
    model = ConvolutionalNeuralNetworkClass(
        name="cnn", xdim=[1, 28, 28], ksize=3, cdims=args.cdims, hdims=args.hdims, ydim=10,
        USE_BATCHNORM=args.batchnorm,
    )
    if args.batchnorm and args.sync_batchnorm:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    loss_fn = nn.CrossEntropyLoss()
    opt_cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW, "sgd": torch.optim.SGD}[args.optimizer]
    optimizer = opt_cls(model.parameters(), lr=args.lr)
    scheduler = {"cosine": lambda: torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs),
                 "step": lambda: torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, args.epochs // 3), gamma=0.1),
                 "none": lambda: None}[args.scheduler]()
    start_epoch, skip_steps, history = 0, 0, []
    if args.resume and os.path.exists(args.checkpoint):
        ck = torch.load(args.checkpoint)
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ck["scheduler"])
        start_epoch, skip_steps, history = ck["epoch"], ck["step"], ck["history"]
        log(f"resumed from {args.checkpoint}: epoch {start_epoch + 1}, step {skip_steps}")
    ddp = torch.nn.parallel.DistributedDataParallel(model)  # broadcasts rank 0's weights

    train_set = torch.utils.data.TensorDataset(x_train, y_train)
    sampler = torch.utils.data.DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True,
                                                  seed=args.seed, drop_last=True)
    local_batch = args.batch_size // world

    def checkpoint(epoch, step):
        if rank == 0:
            save_checkpoint(args.checkpoint, {
                "model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler else None,
                "epoch": epoch, "step": step, "history": history, "world_size": world,
            })
        dist.barrier()  # the file is complete before any rank goes on (and maybe reads it)

    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    log(f"training on {len(y_train)} images on {world} processes, {len(sampler) // local_batch} steps per epoch "
        f"of {local_batch} images per process", flush=True)
    for epoch in range(start_epoch, args.epochs):
        sampler.set_epoch(epoch)
        loader = DataLoader(torch.utils.data.Subset(train_set, list(sampler)), batch_size=local_batch,
                            shuffle=False, drop_last=True)
        ddp.train()
        t0 = time.perf_counter()
        totals = torch.zeros(3, dtype=torch.float64)  # images, correct, loss sum on this rank
        bar = progress(enumerate(loader), len(loader), f"epoch {epoch + 1}/{args.epochs}", args.no_progress or rank)
        for step, (xb, yb) in bar:
            if step < skip_steps:
                continue
            torch.manual_seed(((args.seed * 1009 + rank) * 10007 + epoch) * 1000003 + step)  # dropout masks
            optimizer.zero_grad()
            logits = ddp(normalize(xb))
            loss = loss_fn(logits, yb)
            loss.backward()
            optimizer.step()
            totals += torch.tensor([len(yb), int((logits.argmax(1) == yb).sum().item()), loss.item() * len(yb)],
                                   dtype=torch.float64)
            stop = torch.tensor([1.0 if interrupted else 0.0])
            dist.all_reduce(stop, op=dist.ReduceOp.MAX)  # every rank stops at the same step
            if stop.item():
                checkpoint(epoch, step + 1)
                log(f"\ninterrupted: saved {args.checkpoint} at epoch {epoch + 1} step {step + 1}; "
                    "continue with --resume")
                dist.destroy_process_group()
                return 130
        skip_steps = 0
        if scheduler is not None:
            scheduler.step()
        dist.all_reduce(totals)
        seen, correct, loss_sum = (float(v) for v in totals.tolist())
        seconds = time.perf_counter() - t0
        if rank == 0:
            test_acc = evaluate(model, x_test, y_test)
            history.append({
                "epoch": epoch + 1, "train_loss": loss_sum / max(seen, 1), "train_acc": correct / max(seen, 1),
                "test_acc": test_acc, "seconds": seconds, "images_per_s": seen / seconds,
            })
            log(f"epoch {epoch + 1}/{args.epochs}  train loss {history[-1]['train_loss']:.4f}  "
                f"train acc {100 * history[-1]['train_acc']:.2f}%  test acc {100 * test_acc:.2f}%  "
                f"{seconds:.1f}s ({seen / seconds:.0f} img/s on {world} processes)", flush=True)
        checkpoint(epoch + 1, 0)

    if rank == 0:
        final = evaluate(model, x_test, y_test)
        log(f"final test accuracy: {100 * final:.2f}%")
        if args.plot:
            plot(args.plot, history, model)
        if args.summary_json:
            with open(args.summary_json, "w") as f:
                json.dump({"test_acc": final, "history": history, "world_size": world}, f)
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
