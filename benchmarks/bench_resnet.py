"""ResNet-18 (CIFAR: 3x3 stem, 32x32 inputs, 11.2M parameters) training step, miniconv against
PyTorch from the same weights: SGD with momentum 0.9 and weight decay 5e-4, batch 64,
cross-entropy, float32.

The model is defined once below for both libraries (the `nn` argument is torch.nn or
miniconv.nn), so both have the same parameter names; PyTorch's initial weights are copied
into miniconv's. Both train on the same batches (random images and labels, a cycle of 8).
After --warmup steps each (>= 20: steady state, scratch pools and allocators warm), the
libraries alternate in blocks of --block steps until each has run --steps timed steps;
the step time is the median over blocks of (block time / block steps). The epoch-equivalent
is 100 steady-state steps at that rate, and one timed run of --epoch-steps (default 100)
consecutive steps per library (miniconv first, then PyTorch). The losses of both after the
same steps are printed: they agree to float32 rounding (not bit for bit: different kernels).

    python benchmarks/bench_resnet.py                   # 2 threads
    python benchmarks/bench_resnet.py --threads 1 2 --steps 40
Measured on a busy machine, the ratio is indicative only.
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from peak_probe import cpu_model

import miniconv


def resnet18(nn, F, num_classes=10):
    """CIFAR ResNet-18 built from `nn` (torch.nn or miniconv.nn) and `F` (its functional)."""

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != cout:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                              nn.BatchNorm2d(cout))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return F.relu(out + self.shortcut(x))

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            layers, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                layers.append(nn.Sequential(BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)))
                cin = cout
            self.layer1, self.layer2, self.layer3, self.layer4 = layers
            self.linear = nn.Linear(512, num_classes)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
            out = F.adaptive_avg_pool2d(out, 1).flatten(1)
            return self.linear(out)

    return ResNet18()


def make_lib(lib, torch, state=None):
    if lib == "torch":
        model = resnet18(torch.nn, torch.nn.functional)
    else:
        import miniconv.nn as mnn
        import miniconv.nn.functional as MF
        model = resnet18(mnn, MF)
        model.load_state_dict({k: miniconv.from_numpy(v.detach().numpy().copy()) for k, v in state.items()})
    mod = torch if lib == "torch" else miniconv
    opt = mod.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    model.train()
    return model, opt, mod


def step_fn(lib, model, opt, mod, batches):
    F = mod.nn.functional
    data = [(mod.from_numpy(x), mod.from_numpy(y)) for x, y in batches]
    state = {"i": 0, "loss": None}

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        state["loss"] = float(loss.item())
    return step, state


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", nargs="+", type=int, default=[2])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--steps", type=int, default=30, help="timed steps per library (in blocks)")
    ap.add_argument("--block", type=int, default=5, help="steps per alternating block")
    ap.add_argument("--epoch-steps", type=int, default=100,
                    help="consecutive steps of the epoch-equivalent run (0: skip)")
    args = ap.parse_args()
    import torch
    print(f"CPU: {cpu_model()}; conv micro-kernels: {miniconv._config.conv_isa()}; torch {torch.__version__}")
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((args.batch, 3, 32, 32)).astype(np.float32),
                rng.integers(0, 10, args.batch).astype(np.int64)) for _ in range(8)]
    for threads in args.threads:
        torch.set_num_threads(threads)
        miniconv.set_num_threads(threads)
        torch.manual_seed(0)
        tm, topt, tmod = make_lib("torch", torch)
        mm, mopt, mmod = make_lib("miniconv", torch, tm.state_dict())
        steps = {"miniconv": step_fn("miniconv", mm, mopt, mmod, batches),
                 "torch": step_fn("torch", tm, topt, tmod, batches)}
        for name, (step, st) in steps.items():
            for _ in range(args.warmup):
                step()
        print(f"\n{threads} thread(s), batch {args.batch}: losses after {args.warmup} warm-up steps: "
              + ", ".join(f"{n} {st['loss']:.5f}" for n, (_s, st) in steps.items()))
        per_block = {n: [] for n in steps}
        done = 0
        while done < args.steps:
            k = min(args.block, args.steps - done)
            for name, (step, _st) in steps.items():
                t0 = time.perf_counter()
                for _ in range(k):
                    step()
                per_block[name].append((time.perf_counter() - t0) / k)
            done += k
        med = {n: statistics.median(v) * 1e3 for n, v in per_block.items()}
        print(f"step (median of {len(per_block['torch'])} blocks of {args.block}): "
              f"miniconv {med['miniconv']:.1f} ms, torch {med['torch']:.1f} ms, "
              f"ratio {med['miniconv'] / med['torch']:.2f}; epoch-equivalent (100 steps): "
              f"miniconv {med['miniconv'] / 10:.1f} s, torch {med['torch'] / 10:.1f} s")
        if args.epoch_steps:
            total = {}
            for name, (step, _st) in steps.items():
                t0 = time.perf_counter()
                for _ in range(args.epoch_steps):
                    step()
                total[name] = time.perf_counter() - t0
            print(f"{args.epoch_steps} consecutive steps: miniconv {total['miniconv']:.1f} s, "
                  f"torch {total['torch']:.1f} s, ratio {total['miniconv'] / total['torch']:.2f}")
        print("losses after the same steps: "
              + ", ".join(f"{n} {st['loss']:.5f}" for n, (_s, st) in steps.items()))
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at end: {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
