"""The bookkeeping around train_mnist.py's loop: checkpoints and --resume, Ctrl-C, --distributed, --plot.

It works with either library: train_mnist.py hands it the ``torch`` module it imported (miniconv or,
with the imports swapped, PyTorch), and nothing here imports either.

Resuming exactly. A checkpoint holds everything the remaining steps depend on: model, optimizer and
scheduler state; the global RNG (dropout masks) and the data-order generator's state at the start of
the epoch (the epoch's batches are replayed and the finished ones skipped); the epoch's running totals
(images, correct, loss sum), the losses of every step so far and the history, so the printed epoch
line and the plot of a resumed run are those of an uninterrupted one. With --distributed, every rank
reads its shard of a DistributedSampler and dropout is reseeded from (seed, rank, epoch, step), so the
data order and the masks depend on the number of processes: a checkpoint saved mid-epoch can only be
resumed by as many processes as saved it.
"""
import argparse
import json
import os
import signal
import sys
import time

import numpy as np


def add_arguments(parser):
    """The flags handled here (the script defines the training ones)."""
    parser.add_argument("--checkpoint", default="checkpoints/mnist_cnn.ckpt")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--plot", default=None, metavar="OUT.png",
                        help="draw the loss per step, the test accuracy per epoch, the confusion matrix, "
                             "misclassified test digits and the first layer's filters")
    parser.add_argument("--summary-json", default=None, help="write the final metrics to this JSON file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the processes of mpiexec (see examples/mnist_support.py)")
    parser.add_argument("--sync-batchnorm", action=argparse.BooleanOptionalAction, default=True,
                        help="with --distributed: BatchNorm statistics over the global batch (SyncBatchNorm)")
    parser.add_argument("--stop-after", type=int, default=None, metavar="N",
                        help="act as if Ctrl-C came after N training steps of this run (tests --resume)")


class Session:
    """One run: process group, resume, the steps of each epoch, checkpoints, the final report."""

    def __init__(self, torch, args):
        self.torch, self.args = torch, args
        self.rank, self.world = 0, 1
        if args.plot:
            require_matplotlib()  # before training, not after it
        if args.distributed:
            dist = torch.distributed
            dist.init_process_group(backend="mpi" if dist.is_mpi_available() else "gloo")
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
            if args.batch_size % self.world:
                raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the number of processes "
                                 f"({self.world})")
        self.history, self.step_losses = [], []
        self.epoch = self.skip_steps = self.steps_run = 0
        self.totals = [0, 0, 0.0]  # images, correct, loss sum of the current epoch on this rank
        self.seconds_before = 0.0  # time spent on the current epoch before a resume
        self.sampler = None
        self.interrupted = False
        self.started = False

    def log(self, *args, **kw):
        if self.rank == 0:
            print(*args, **kw)

    # -- setup -------------------------------------------------------------------------------------
    def resume_or_start(self, model, optimizer, scheduler, order):
        """Remember what a checkpoint holds; with --resume load it. Returns the epoch to start at."""
        self.model, self.optimizer, self.scheduler, self.order = model, optimizer, scheduler, order
        self.order_state = order.get_state()
        path = self.args.checkpoint
        if not self.args.resume:
            return 0
        if not os.path.exists(path):
            self.log(f"--resume: no checkpoint at {path}, starting from scratch")
            return 0
        ck = self.torch.load(path)
        self._check_compatible(ck)
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(ck["scheduler"])
        if "rng" in ck:
            self.torch.set_rng_state(ck["rng"])
        if "order_rng_at_epoch_start" in ck:
            order.set_state(ck["order_rng_at_epoch_start"])
        self.epoch, self.skip_steps, self.history = ck["epoch"], ck["step"], ck["history"]
        if self.skip_steps and "totals" not in ck:
            self.log("note: this checkpoint has no running totals; the epoch's train loss/accuracy will count "
                     "only the steps after the resume")
        self.totals = list(ck["totals"][self.rank]) if self.skip_steps and "totals" in ck else [0, 0, 0.0]
        self.step_losses = list(ck.get("step_losses", []))
        self.seconds_before = float(ck.get("seconds", 0.0)) if self.skip_steps else 0.0
        self.log(f"resumed from {path}: epoch {self.epoch + 1}, step {self.skip_steps}")
        return self.epoch

    def _check_compatible(self, ck):
        saved_world = ck.get("world_size", 1)
        saved_distributed = ck.get("distributed", "order_rng_at_epoch_start" not in ck)
        if saved_world == self.world and saved_distributed == self.args.distributed:
            return
        saved, now = describe(saved_world, saved_distributed), describe(self.world, self.args.distributed)
        if ck["step"] == 0:  # an end-of-epoch checkpoint: the next epochs just get another data order
            self.log(f"note: {self.args.checkpoint} was saved by {saved}, continuing on {now}")
            return
        if self.rank == 0:
            print(f"error: {self.args.checkpoint} was saved mid-epoch (epoch {ck['epoch'] + 1}, step {ck['step']}) "
                  f"by {saved}; this run has {now}. The data order and dropout masks depend on both, so the "
                  f"rest of that epoch cannot be replayed: resume it the way it was started"
                  + (f" (mpiexec -n {saved_world} ... --distributed --resume)." if saved_distributed
                     else " (without --distributed)."), file=sys.stderr, flush=True)
        if self.args.distributed:
            self.torch.distributed.destroy_process_group()
        raise SystemExit(2)

    def distribute(self, model, loader):
        """With --distributed: the model in DistributedDataParallel (which broadcasts rank 0's weights) and
        a loader over this rank's shard with batch_size / world_size images. Otherwise both unchanged."""
        if not self.args.distributed:
            return model, loader
        torch = self.torch
        ddp = torch.nn.parallel.DistributedDataParallel(model)
        self.sampler = torch.utils.data.DistributedSampler(loader.dataset, num_replicas=self.world, rank=self.rank,
                                                           shuffle=True, seed=self.args.seed, drop_last=True)
        shard = torch.utils.data.DataLoader(loader.dataset, batch_size=self.args.batch_size // self.world,
                                            sampler=self.sampler, drop_last=True)
        return ddp, shard

    def sync_batchnorm(self, model):
        """With --distributed (and --sync-batchnorm): BatchNorm layers as SyncBatchNorm."""
        if self.args.distributed and self.args.batchnorm and self.args.sync_batchnorm:
            return self.torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
        return model

    # -- the loop ----------------------------------------------------------------------------------
    def steps(self, loader, epoch):
        """Yield (step, batch) for one epoch, skipping the steps done before an interruption."""
        if not self.started:
            self._start(loader)
        self.epoch = epoch
        if self.sampler is not None:
            self.sampler.set_epoch(epoch)
        self.order_state = self.order.get_state()
        if not self.skip_steps:
            self.totals, self.seconds_before = [0, 0, 0.0], 0.0
        self.t0 = time.perf_counter()
        self.bar = progress(enumerate(loader), len(loader), f"epoch {epoch + 1}/{self.args.epochs}",
                            self.args.no_progress or self.rank != 0)
        for step, batch in self.bar:
            if step < self.skip_steps:
                continue  # trained on before the interruption
            if self.args.distributed:  # dropout masks that depend on nothing but the step
                self.torch.manual_seed(((self.args.seed * 1009 + self.rank) * 10007 + epoch) * 1000003 + step)
            self.step = step
            yield step, batch
        self.skip_steps = 0
        self.seconds = self.seconds_before + time.perf_counter() - self.t0

    def _start(self, loader):
        self.started = True
        self.previous_handler = signal.signal(signal.SIGINT, self._on_sigint)
        if self.args.distributed:
            local = self.args.batch_size // self.world
            self.log(f"training on {len(loader.dataset)} images on {self.world} processes, {len(loader)} steps per "
                     f"epoch of {local} images per process", flush=True)
        else:
            self.log(f"training on {len(loader.dataset)} images, {len(loader)} steps per epoch", flush=True)

    def _on_sigint(self, *_):
        self.interrupted = True  # stop after this step; a second Ctrl-C stops at once
        signal.signal(signal.SIGINT, signal.default_int_handler)

    def step_done(self, loss, logits, labels):
        """Count the step; on Ctrl-C (or --stop-after) save a mid-epoch checkpoint and return True."""
        loss_value, n = loss.item(), len(labels)
        seen, correct, loss_sum = self.totals
        self.totals = [seen + n, correct + int((logits.argmax(1) == labels).sum().item()), loss_sum + loss_value * n]
        self.steps_run += 1
        stop = self.interrupted or self.steps_run == self.args.stop_after
        if self.args.distributed:  # one all-reduce: the mean loss over the ranks, and whether any rank stops
            both = self.torch.tensor([loss_value, 1.0 if stop else 0.0], dtype=self.torch.float64)
            self.torch.distributed.all_reduce(both)
            mean_loss, stops = both.tolist()
            loss_value, stop = mean_loss / self.world, stops > 0
        self.step_losses.append(loss_value)
        if hasattr(self.bar, "set_postfix"):
            elapsed = time.perf_counter() - self.t0
            self.bar.set_postfix(loss=f"{loss_value:.4f}", img_s=f"{self.totals[0] / elapsed:.0f}")
        if not stop:
            return False
        self.seconds = self.seconds_before + time.perf_counter() - self.t0
        self.all_totals = self._gather_totals()
        self.save(self.epoch, self.step + 1)
        self.log(f"\ninterrupted: saved {self.args.checkpoint} at epoch {self.epoch + 1} step {self.step + 1}; "
                 "continue with --resume", flush=True)
        self._stop()
        return True

    def _gather_totals(self):
        """Every rank's running totals, as rows (rank 0 saves them all: each rank resumes its own row)."""
        if not self.args.distributed:
            return [list(self.totals)]
        rows = self.torch.zeros(self.world, 3, dtype=self.torch.float64)
        rows[self.rank] = self.torch.tensor(self.totals, dtype=self.torch.float64)
        self.torch.distributed.all_reduce(rows)  # each row is one rank's plus zeros: exact
        return [[int(n), int(c), s] for n, c, s in rows.tolist()]

    def epoch_done(self, test_acc):
        """Print the epoch's line (totals over all ranks) and save the end-of-epoch checkpoint."""
        seen, correct, loss_sum = self.totals
        if self.args.distributed:
            totals = self.torch.tensor([seen, correct, loss_sum], dtype=self.torch.float64)
            self.torch.distributed.all_reduce(totals)
            seen, correct, loss_sum = (float(v) for v in totals.tolist())
        seconds = self.seconds
        self.history.append({
            "epoch": self.epoch + 1, "train_loss": loss_sum / max(seen, 1), "train_acc": correct / max(seen, 1),
            "test_acc": test_acc, "seconds": seconds, "images_per_s": seen / seconds,
        })
        where = f" on {self.world} processes" if self.args.distributed else ""
        self.log(f"epoch {self.epoch + 1}/{self.args.epochs}  train loss {self.history[-1]['train_loss']:.4f}  "
                 f"train acc {100 * self.history[-1]['train_acc']:.2f}%  test acc {100 * test_acc:.2f}%  "
                 f"{seconds:.1f}s ({seen / seconds:.0f} img/s{where})", flush=True)
        self.totals = [0, 0, 0.0]
        self.save(self.epoch + 1, 0)

    def save(self, epoch, step):
        """The one checkpoint layout, written by rank 0 atomically; the other ranks wait for the file."""
        if self.rank == 0:
            sched = self.scheduler
            save_atomically(self.torch, self.args.checkpoint, {
                "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": sched.state_dict() if sched is not None else None,
                "rng": self.torch.get_rng_state(),
                # mid-epoch: the state that ordered this epoch (replayed on resume); else the next epoch's
                "order_rng_at_epoch_start": self.order_state if step else self.order.get_state(),
                "epoch": epoch, "step": step, "history": self.history,
                "totals": self.all_totals if step else None, "seconds": self.seconds if step else 0.0,
                "step_losses": self.step_losses, "world_size": self.world, "distributed": self.args.distributed,
            })
        if self.args.distributed:
            self.torch.distributed.barrier()

    # -- the end -----------------------------------------------------------------------------------
    def finish(self, test_acc, model, x_test, y_test, normalize):
        """Print the final accuracy; write --plot and --summary-json (rank 0); leave the process group."""
        self.log(f"final test accuracy: {100 * test_acc:.2f}%")
        if self.rank == 0 and self.args.plot:
            pred = predict(self.torch, model, x_test, normalize, self.args.batch_size)
            images = np.asarray(x_test.numpy())[:, 0]
            filters = np.asarray(first_conv(self.torch, model).weight.detach().numpy())
            save_plot(self.args.plot, self.step_losses, self.history, np.asarray(y_test.numpy()), pred, images,
                      filters)
            print(f"wrote {self.args.plot}")
        if self.rank == 0 and self.args.summary_json:
            import resource

            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak RSS; Linux reports KiB
            write_atomically(self.args.summary_json, json.dumps({
                "test_acc": test_acc, "history": self.history, "peak_rss_mb": peak_mb, "world_size": self.world,
                "step_losses": self.step_losses,
            }))
        self._stop()

    def _stop(self):
        if self.started:
            signal.signal(signal.SIGINT, self.previous_handler)
        if self.args.distributed:
            self.torch.distributed.destroy_process_group()


def describe(world, distributed):
    return f"{world} process{'es' if world > 1 else ''} with --distributed" if distributed else "one process"


def progress(iterable, total, desc, disable):
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is optional ([examples] extra)
        return iterable
    return tqdm(iterable, total=total, desc=desc, disable=disable, leave=False, dynamic_ncols=True)


def write_atomically(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def save_atomically(torch, path, state):
    """Write to a temporary file beside ``path``, then rename it over ``path``."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    torch.save(state, tmp)
    os.replace(tmp, path)


def predict(torch, model, x, normalize, batch_size):
    """Predicted labels for uint8 images ``x``, in eval mode, in batches."""
    model.eval()
    with torch.no_grad():
        pred = [model(normalize(x[i : i + batch_size])).argmax(1).numpy() for i in range(0, len(x), batch_size)]
    model.train()
    return np.concatenate(pred)


def first_conv(torch, model):
    return next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))


# -- --plot --------------------------------------------------------------------------------------------
def require_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SystemExit("--plot needs matplotlib, which is not installed: pip install -e \".[examples]\" "
                         "(or pip install matplotlib)") from None


def make_figure(step_losses, history, labels, pred, images, filters, max_digits=32):
    """A matplotlib Figure with five panels: training loss per step (raw and smoothed), test accuracy per
    epoch, the confusion matrix, misclassified test digits labelled with the prediction, and the first
    convolution's filters (``filters``: (out, in, k, k); the first input channel is drawn)."""
    require_matplotlib()
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(16, 9), layout="constrained")
    grid = fig.add_gridspec(2, 6)
    ax_loss, ax_acc, ax_cm = (fig.add_subplot(grid[0, 2 * i : 2 * i + 2]) for i in range(3))
    ax_wrong, ax_filters = fig.add_subplot(grid[1, :4]), fig.add_subplot(grid[1, 4:])

    losses = np.asarray(step_losses, dtype=np.float64)
    steps = np.arange(1, len(losses) + 1)
    ax_loss.plot(steps, losses, color="tab:blue", alpha=0.35, linewidth=0.8, label="per step")
    ax_loss.plot(steps, smooth(losses), color="tab:blue", linewidth=2, label="smoothed")
    ax_loss.set(title="training loss per step", xlabel="step", ylabel="cross-entropy")
    ax_loss.legend()

    epochs = [h["epoch"] for h in history]
    ax_acc.plot(epochs, [100 * h["test_acc"] for h in history], "o-", label="test")
    ax_acc.plot(epochs, [100 * h["train_acc"] for h in history], "s--", alpha=0.6, label="train (running)")
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    if epochs:
        ax_acc.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
    ax_acc.set(title="test accuracy per epoch", xlabel="epoch", ylabel="accuracy (%)")
    ax_acc.legend()

    n_classes = 10
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (labels, pred), 1)
    ax_cm.imshow(cm, cmap="Blues")
    for (t, p), count in np.ndenumerate(cm):
        if count:
            ax_cm.text(p, t, str(count), ha="center", va="center", fontsize=7,
                       color="white" if count > cm.max() / 2 else "black")
    ax_cm.set(title="confusion matrix (test set)", xlabel="predicted", ylabel="true",
              xticks=range(n_classes), yticks=range(n_classes))

    wrong = np.flatnonzero(pred != labels)[:max_digits]
    per_row = 8
    rows = max(1, -(-len(wrong) // per_row))
    mosaic = np.full((rows * 29 + 1, per_row * 29 + 1), np.nan)
    for i, idx in enumerate(wrong):
        r, c = divmod(i, per_row)
        mosaic[r * 29 + 1 : r * 29 + 29, c * 29 + 1 : c * 29 + 29] = images[idx]
        ax_wrong.text(c * 29 + 2, r * 29 + 2, str(pred[idx]), color="red", fontsize=9, fontweight="bold",
                      va="top", ha="left")
    ax_wrong.imshow(mosaic, cmap="gray_r")
    ax_wrong.set_title(f"misclassified test digits ({len(np.flatnonzero(pred != labels))} of {len(labels)}; "
                       "red: predicted label)")
    ax_wrong.axis("off")

    n, k = filters.shape[0], filters.shape[-1]
    cols = int(np.ceil(np.sqrt(n)))
    tiles = np.full((-(-n // cols) * (k + 1), cols * (k + 1)), np.nan)
    for i in range(n):
        r, c = divmod(i, cols)
        tiles[r * (k + 1) : r * (k + 1) + k, c * (k + 1) : c * (k + 1) + k] = filters[i, 0]
    ax_filters.imshow(tiles, cmap="gray")
    ax_filters.set_title("first conv layer filters")
    ax_filters.axis("off")
    return fig


def smooth(values, window=20):
    """Trailing moving average (the first points average what exists so far)."""
    if len(values) == 0:
        return values
    c = np.cumsum(np.insert(values, 0, 0.0))
    i = np.arange(1, len(values) + 1)
    lo = np.maximum(i - window, 0)
    return (c[i] - c[lo]) / (i - lo)


def save_plot(path, *args):
    fig = make_figure(*args)
    fmt = os.path.splitext(path)[1].lstrip(".") or "png"
    tmp = f"{path}.tmp{os.getpid()}"
    fig.savefig(tmp, dpi=100, format=fmt)
    os.replace(tmp, path)
