"""Steady-state training-step time of the example CNN, miniconv against PyTorch, on real MNIST batches.

Each library runs in its own process (two OpenMP runtimes in one process disturb each other);
processes alternate between the libraries, --repeats times each. One step is what the example's
loop does: index a batch of the uint8 training images with a tensor of indices, normalise it,
forward, loss, zero_grad, backward, Adam step. Each process first runs --warmup steps (PyTorch's
step time keeps falling for its first ~20 steps, see docs/performance.md), then times --steps
steps and reports their median and mean, and the minor page faults per step (getrusage).

    python benchmarks/bench_step.py --threads 2                        # 50 warm-up + 300 timed steps
    python benchmarks/bench_step.py --hdims 1024 128 --no-batchnorm    # another model of the example
    python benchmarks/bench_step.py --batch-size 32
    python benchmarks/bench_step.py --curve 60 --repeats 1             # per-step times of the first 60 steps
    python benchmarks/bench_step.py --profile                          # cProfile of miniconv's steps, by op
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

CHILD = r"""
import gzip, json, resource, sys, time
import numpy as np
sys.path.insert(0, {examples!r})
lib, threads, batch, warmup, steps, hdims, bn, profile, data = (
    {lib!r}, {threads}, {batch}, {warmup}, {steps}, {hdims!r}, {bn}, {profile}, {data!r})
if lib == "torch":
    import torch, torch.nn as nn
    from swap_to_torch import to_torch
    src = open({example!r}).read().split("def parse_args")[0]
    ns = {{}}
    exec(to_torch(src), ns)
    Model = ns["ConvolutionalNeuralNetworkClass"]
else:
    import miniconv as torch, miniconv.nn as nn
    from train_mnist import ConvolutionalNeuralNetworkClass as Model


def idx_file(name):  # the IDX format, read with NumPy only (no library's reader in the timed process)
    with gzip.open(f"{{data}}/{{name}}.gz") as f:
        raw = f.read()
    ndim = raw[3]
    shape = np.frombuffer(raw, ">i4", ndim, 4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


torch.set_num_threads(threads)
torch.manual_seed(0)
images = torch.from_numpy(np.ascontiguousarray(idx_file("train-images-idx3-ubyte")[:, None]))
labels = torch.from_numpy(idx_file("train-labels-idx1-ubyte").astype(np.int64))
model = Model(USE_BATCHNORM=bn, hdims=hdims)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
order = torch.randperm(len(labels))
per_epoch = len(labels) // batch


def step(i):
    j = i % per_epoch
    idx = order[j * batch:(j + 1) * batch]
    x = (images[idx].float() / 255.0 - 0.1307) / 0.3081
    loss = loss_fn(model(x), labels[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()


for i in range(warmup):
    step(i)
if profile:
    import cProfile, pstats
    pr = cProfile.Profile()
    pr.enable()
    for i in range(steps):
        step(warmup + i)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(20)
    sys.exit(0)
times, faults = [], []
for i in range(steps):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.perf_counter()
    step(warmup + i)
    times.append(time.perf_counter() - t)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
out = {{"times_ms": [t * 1e3 for t in times], "faults": faults,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}
if lib == "miniconv":
    out["memory_stats"] = torch.memory_stats()
print(json.dumps(out))
"""


def run(lib, a, warmup, steps, profile=False):
    code = CHILD.format(examples=str(ROOT / "examples"), example=str(ROOT / "examples" / "train_mnist.py"),
                        lib=lib, threads=a.threads, batch=a.batch_size, warmup=warmup, steps=steps,
                        hdims=a.hdims, bn=a.batchnorm, profile=profile, data=a.data)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return out if profile else json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.environ.get("MINICONV_DATA", str(ROOT.parent / "shared" / "mnist")))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--repeats", type=int, default=3, help="processes per library, alternating")
    p.add_argument("--warmup", type=int, default=50, help="untimed steps first (PyTorch settles in ~20)")
    p.add_argument("--steps", type=int, default=300, help="timed steps per process")
    p.add_argument("--hdims", type=int, nargs="+", default=[32])
    p.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--curve", type=int, default=0, metavar="N",
                   help="instead: time the first N steps from a cold start and print each step's time")
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()
    if a.profile:
        print(run("miniconv", a, a.warmup, a.steps, profile=True))
        return
    config = (f"batch {a.batch_size}, hdims {a.hdims}, batchnorm {a.batchnorm}, {a.threads} threads")
    if a.curve:
        curves = {lib: run(lib, a, 0, a.curve) for lib in ("miniconv", "torch")}
        print(f"per-step time (ms) from a cold start, {config}\n")
        print("| step | miniconv | PyTorch | miniconv faults | PyTorch faults |")
        print("|---|---|---|---|---|")
        for i in range(a.curve):
            m, t = curves["miniconv"], curves["torch"]
            print(f"| {i + 1} | {m['times_ms'][i]:.1f} | {t['times_ms'][i]:.1f} | {m['faults'][i]} | {t['faults'][i]} |")
        return
    res = {"miniconv": [], "torch": []}
    for _ in range(a.repeats):
        for lib in res:
            r = run(lib, a, a.warmup, a.steps)
            r["median_ms"] = statistics.median(r["times_ms"])
            r["mean_ms"] = statistics.fmean(r["times_ms"])
            r["faults_per_step"] = statistics.fmean(r["faults"])
            res[lib].append(r)
            extra = ""
            if "memory_stats" in r:
                ms = r["memory_stats"]
                extra = (f"  cache: {ms['reserved_bytes.all.current'] >> 20} MB reserved, "
                         f"{ms['num_device_alloc']} C-allocator calls in total")
            print(f"{lib:8s} median {r['median_ms']:7.1f} ms  mean {r['mean_ms']:7.1f} ms  "
                  f"{r['faults_per_step']:8.1f} page faults/step  peak RSS {r['peak_rss_mb']:.0f} MB{extra}", flush=True)
    med = {lib: statistics.median(r["median_ms"] for r in rs) for lib, rs in res.items()}
    faults = {lib: statistics.median(r["faults_per_step"] for r in rs) for lib, rs in res.items()}
    print(f"\n{config}; {a.warmup} warm-up + {a.steps} timed steps per process, {a.repeats} processes each; "
          "medians of the per-process medians\n")
    print("| library | ms/step | page faults/step |")
    print("|---|---|---|")
    for lib, ms in med.items():
        print(f"| {lib} | {ms:.1f} | {faults[lib]:.1f} |")
    print(f"\nratio miniconv / PyTorch: {med['miniconv'] / med['torch']:.2f}")


if __name__ == "__main__":
    main()
