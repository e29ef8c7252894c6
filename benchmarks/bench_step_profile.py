"""Where one ResNet-18 CIFAR training step spends its time, miniconv against PyTorch, by category.

The model, optimizer and batches are bench_resnet.py's (SGD momentum 0.9, weight decay 5e-4,
batch 64, cross-entropy). After --warmup steps per library, --steps steps of each run under the
library's own operator profiler (torch.profiler / miniconv.profiler), the libraries alternating
step by step. Every top-level event (an op called from Python or one evaluated by the autograd
engine; zero_grad and step are wrapped in record_function ranges) is put in a category by name;
"python + engine" is the wall time of the step minus its top-level events: module calls, graph
building and the engine's walk between ops. Printed: ms per step (median over the profiled
steps) per category, and the plain step time without the profiler, alternating libraries.

    python benchmarks/bench_step_profile.py --threads 2
    python benchmarks/bench_step_profile.py --threads 1 --steps 3 --table   # + key_averages tables
Measured on a busy machine, the numbers are indicative only.
"""
import argparse
import collections
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import miniconv
from bench_resnet import make_lib

CATEGORIES = (
    ("conv", ("conv", "Conv2d", "Convolution")),
    ("batch_norm", ("batch_norm", "BatchNorm")),
    ("relu", ("relu", "Relu", "ReLU", "threshold", "Threshold")),
    ("add", ("aten::add", "AddBackward")),
    ("avgpool+flatten", ("adaptive_avg_pool", "AdaptiveAvgPool", "mean", "Mean", "flatten", "view",
                         "View", "Reshape", "reshape", "Unsafe")),
    ("linear", ("linear", "addmm", "Addmm", "Linear", "aten::t", "TBackward", "aten::mm", "MmBackward")),
    ("loss", ("cross_entropy", "log_softmax", "LogSoftmax", "nll_loss", "NllLoss", "CrossEntropy")),
    ("accumulate grad", ("AccumulateGrad",)),
    ("zero_grad", ("zero_grad",)),
    ("optimizer step", ("optimizer_step",)),
)


def category(name):
    for cat, keys in CATEGORIES:
        if any(k in name for k in keys):
            return cat
    return "other: " + name


def top_level(events):
    main = None
    out = []
    for ev in events:
        if ev.cpu_parent is None:
            out.append(ev)
    if out:
        main = collections.Counter(ev.thread for ev in out).most_common(1)[0][0]
    return [ev for ev in out if ev.thread == main]


def make_step(lib, model, opt, mod, batches):
    F = mod.nn.functional
    data = [(mod.from_numpy(x), mod.from_numpy(y)) for x, y in batches]
    rf = mod.autograd.profiler.record_function
    state = {"i": 0}

    def step():
        x, y = data[state["i"] % len(data)]
        state["i"] += 1
        with rf("zero_grad"):
            opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        with rf("optimizer_step"):
            opt.step()
        return float(loss.item())
    return step


def profiled(mod, step):
    prof_mod = mod.autograd.profiler
    with prof_mod.profile() as prof:
        t0 = time.perf_counter()
        step()
        wall = (time.perf_counter() - t0) * 1e3
    by_cat = collections.defaultdict(float)
    for ev in top_level(prof.function_events):
        by_cat[category(ev.name)] += ev.cpu_time_total / 1e3
    by_cat["python + engine"] = wall - sum(by_cat.values())
    by_cat["total (profiled)"] = wall
    return by_cat, prof


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--steps", type=int, default=5, help="profiled steps per library")
    ap.add_argument("--plain", type=int, default=5, help="unprofiled timed steps per library")
    ap.add_argument("--table", action="store_true", help="print each library's key_averages table")
    args = ap.parse_args()
    import torch
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((args.batch, 3, 32, 32)).astype(np.float32),
                rng.integers(0, 10, args.batch).astype(np.int64)) for _ in range(8)]
    torch.set_num_threads(args.threads)
    miniconv.set_num_threads(args.threads)
    torch.manual_seed(0)
    tm, topt, tmod = make_lib("torch", torch)
    mm, mopt, mmod = make_lib("miniconv", torch, tm.state_dict())
    libs = {"miniconv": (mmod, make_step("miniconv", mm, mopt, mmod, batches)),
            "torch": (tmod, make_step("torch", tm, topt, tmod, batches))}
    for _name, (_mod, step) in libs.items():
        for _ in range(args.warmup):
            step()
    rows = {n: collections.defaultdict(list) for n in libs}
    profs = {}
    for _ in range(args.steps):
        for name, (mod, step) in libs.items():
            by_cat, profs[name] = profiled(mod, step)
            for cat, ms in by_cat.items():
                rows[name][cat].append(ms)
    plain = {n: [] for n in libs}
    for _ in range(args.plain):
        for name, (_mod, step) in libs.items():
            t0 = time.perf_counter()
            step()
            plain[name].append((time.perf_counter() - t0) * 1e3)
    cats = [c for c, _ in CATEGORIES] + ["python + engine"]
    cats += sorted({c for r in rows.values() for c in r} - set(cats) - {"total (profiled)"})
    cats.append("total (profiled)")
    print(f"\n{args.threads} thread(s), batch {args.batch}: ms per step, median of {args.steps} profiled steps")
    print(f"{'category':40s} {'miniconv':>10s} {'torch':>10s} {'ratio':>7s}")
    for cat in cats:
        m = statistics.median(rows["miniconv"][cat]) if rows["miniconv"][cat] else 0.0
        t = statistics.median(rows["torch"][cat]) if rows["torch"][cat] else 0.0
        ratio = f"{m / t:7.2f}" if t > 0.05 else "      -"
        print(f"{cat[-40:]:40s} {m:10.1f} {t:10.1f} {ratio}")
    m, t = statistics.median(plain["miniconv"]), statistics.median(plain["torch"])
    print(f"{'step without profiler (median of ' + str(args.plain) + ')':40s} {m:10.1f} {t:10.1f} {m / t:7.2f}")
    if args.table:
        for name, prof in profs.items():
            print(f"\n{name}, last profiled step:")
            print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=40))


if __name__ == "__main__":
    main()
