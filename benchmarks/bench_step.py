"""Time one training step of the example CNN (forward, loss, backward, Adam step) for miniconv and
PyTorch, each in its own process (two OpenMP runtimes in one process disturb each other), and print
medians, the ratio and page faults per step.

    python benchmarks/bench_step.py --threads 2 --repeats 3 --steps 8
    python benchmarks/bench_step.py --profile        # cProfile of miniconv's step, by op
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
import json, resource, sys, time
sys.path.insert(0, {examples!r})
lib, threads, steps, hdims, bn, profile = {lib!r}, {threads}, {steps}, {hdims!r}, {bn}, {profile}
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
torch.set_num_threads(threads)
torch.manual_seed(0)
model = Model(USE_BATCHNORM=bn, hdims=hdims)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(256, 1, 28, 28)
y = torch.randint(0, 10, (256,))
loss_fn = nn.CrossEntropyLoss()

def step():
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()

for _ in range(2):
    step()
if profile:
    import cProfile, pstats
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(steps):
        step()
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(16)
    sys.exit(0)
times, faults = [], []
for _ in range(steps):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = time.perf_counter()
    step()
    times.append(time.perf_counter() - t)
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
print(json.dumps({{"ms": sorted(times)[len(times) // 2] * 1e3, "faults": sorted(faults)[len(faults) // 2]}}))
"""


def run(lib, a, profile=False):
    code = CHILD.format(examples=str(ROOT / "examples"), example=str(ROOT / "examples" / "train_mnist.py"),
                        lib=lib, threads=a.threads, steps=a.steps, hdims=a.hdims, bn=a.batchnorm, profile=profile)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return out if profile else json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3, help="processes per library, alternating")
    p.add_argument("--steps", type=int, default=8, help="timed steps per process (after 2 warm-up steps)")
    p.add_argument("--hdims", type=int, nargs="+", default=[32])
    p.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()
    if a.profile:
        print(run("miniconv", a, profile=True))
        return
    res = {"miniconv": [], "torch": []}
    for _ in range(a.repeats):
        for lib in res:
            r = run(lib, a)
            res[lib].append(r)
            print(f"{lib:8s} {r['ms']:7.1f} ms/step  {r['faults']:6d} faults/step", flush=True)
    m = {lib: statistics.median(r["ms"] for r in rs) for lib, rs in res.items()}
    print(f"\nbatch 256, hdims {a.hdims}, batchnorm {a.batchnorm}, {a.threads} threads: "
          f"miniconv {m['miniconv']:.1f} ms, PyTorch {m['torch']:.1f} ms, ratio {m['miniconv'] / m['torch']:.2f}")


if __name__ == "__main__":
    main()
