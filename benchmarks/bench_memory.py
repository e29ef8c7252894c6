"""Where the README run's memory goes: resident memory and the caching allocator's counters, phase by phase.

Runs the example's model (examples/train_mnist.py, default configuration unless told otherwise) on
real MNIST the way the example does (uint8 images, a batch normalised on its way in, DataLoader with
shuffling, Adam), and prints after each phase: RSS (/proc/self/statm), the live bytes of miniconv's
allocator (``allocated_bytes.all.current``), its blocks held (``reserved_bytes.all.current``) and the
peak of live bytes since the previous line. ``--per-node`` also prints the live bytes after each graph
node's backward in the last training step (what is still alive while backward walks the graph).

    python benchmarks/bench_memory.py --data ../shared/mnist                  # 3 steps, last batch, evaluation
    python benchmarks/bench_memory.py --data ../shared/mnist --per-node
    python benchmarks/bench_memory.py --data ../shared/mnist --steps 235      # a whole epoch, then evaluation
"""
import argparse
import os
import pathlib
import resource
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))

MB = 1 << 20


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MB


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("MINICONV_DATA"))
    ap.add_argument("--steps", type=int, default=3, help="training steps at the full batch size")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hdims", type=int, nargs="+", default=[1024, 128])
    ap.add_argument("--per-node", action="store_true", help="live bytes after each node's backward (last step)")
    args = ap.parse_args()

    line("start")
    import miniconv as torch
    import miniconv.nn as nn
    from miniconv.utils.data import DataLoader, TensorDataset
    import train_mnist as ex

    line("import miniconv", torch)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x_train, y_train = ex.load_mnist(args.data, True, None, False)
    x_test, y_test = ex.load_mnist(args.data, False, None, False)
    line("MNIST as uint8 tensors", torch)
    model = ex.ConvolutionalNeuralNetworkClass(hdims=args.hdims, USE_BATCHNORM=True)
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    line("model + Adam built", torch)
    n = len(y_train)
    last = n % args.batch_size or args.batch_size
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    batches = iter(loader)

    def step(xb, yb, per_node=False):
        opt.zero_grad()  # where the example does it: before the forward
        logits = model(ex.normalize(xb))
        loss = loss_fn(logits, yb)
        line("  after forward", torch)
        if per_node:
            trace_nodes(torch)
        loss.backward()
        if per_node:
            untrace_nodes()
        line("  after backward", torch)
        opt.step()
        return logits, loss

    for i in range(args.steps):
        xb, yb = next(batches)
        out = step(xb, yb, per_node=args.per_node and i == args.steps - 1)
        line(f"training step {i + 1} (batch {len(yb)})", torch)
    del out
    xb, yb = x_train[:last], y_train[:last]
    if last != args.batch_size:
        step(xb, yb)
        line(f"the epoch's last batch ({last} images)", torch)
    ex.evaluate(model, x_test, y_test, args.batch_size)
    line("evaluation", torch)
    print(f"peak RSS (getrusage): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    st = torch.memory_stats()
    print(f"allocator: peak live {st['allocated_bytes.all.peak'] / MB:.1f} MB, peak held "
          f"{st['reserved_bytes.all.peak'] / MB:.1f} MB, {st['num_device_alloc']} large blocks from the C allocator")


def line(what, torch=None):
    if torch is None:
        print(f"{what:<40} RSS {rss_mb():6.1f} MB")
        return
    st = torch.memory_stats()
    print(f"{what:<40} RSS {rss_mb():6.1f} MB   live {st['allocated_bytes.all.current'] / MB:6.1f} MB   "
          f"held {st['reserved_bytes.all.current'] / MB:6.1f} MB   peak live {st['allocated_bytes.all.peak'] / MB:6.1f} MB")
    torch.reset_peak_memory_stats()


_orig_release = {}


def trace_nodes(torch):
    """Print the live bytes after every node's backward (wraps ``_release`` of both Function bases)."""
    from miniconv.autograd.function import ArrayFunction, _Node

    for cls in (_Node, ArrayFunction):
        orig = _orig_release[cls] = cls.__dict__["_release"]

        def release(self, orig=orig):
            orig(self)
            st = torch.memory_stats()
            print(f"    after {self.name():<28} live {st['allocated_bytes.all.current'] / MB:6.1f} MB   "
                  f"peak live {st['allocated_bytes.all.peak'] / MB:6.1f} MB")
            torch.reset_peak_memory_stats()

        cls._release = release


def untrace_nodes():
    for cls, orig in _orig_release.items():
        cls._release = orig


if __name__ == "__main__":
    main()
