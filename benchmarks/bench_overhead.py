"""Per-op overhead: tiny elementwise ops with autograd, end to end, miniconv and PyTorch side by side.

Each library runs in its own process (processes alternate, --repeats times); each case is timed
with timeit over many calls and the best of 7 blocks is kept per process (the fastest block is
the one least disturbed by other work on the machine). Reports medians over processes.

    python benchmarks/bench_overhead.py                 # 16-element float32 tensors
    python benchmarks/bench_overhead.py --size 1024 --repeats 5

Cases:
  add_nograd        c = a + b                         (no tensor requires grad)
  add_grad          c = a + b                         (a requires grad: one graph node recorded)
  mul_add_backward  ((a * b + a).sum()).backward()    (three nodes forward, backward, grad accumulation)
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
import json, timeit
lib, size = {lib!r}, {size}
if lib == "torch":
    import torch
else:
    import miniconv as torch
torch.set_num_threads(1)
torch.manual_seed(0)
a = torch.randn(size, requires_grad=True)
b = torch.randn(size)
a0 = torch.randn(size)

def add_nograd():
    return a0 + b

def add_grad():
    return a + b

def mul_add_backward():
    a.grad = None
    ((a * b + a).sum()).backward()

out = {{}}
for name, fn in (("add_nograd", add_nograd), ("add_grad", add_grad), ("mul_add_backward", mul_add_backward)):
    timer = timeit.Timer(fn)
    n, _ = timer.autorange()
    n = max(n, 2000)
    out[name] = min(timer.repeat(repeat=7, number=n)) / n * 1e6
print(json.dumps(out))
"""


def run(lib, size):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    code = CHILD.format(lib=lib, size=size)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=16, help="elements per tensor")
    p.add_argument("--repeats", type=int, default=3, help="processes per library, alternating")
    a = p.parse_args()
    res = {"miniconv": [], "torch": []}
    for _ in range(a.repeats):
        for lib in res:
            res[lib].append(run(lib, a.size))
            print(f"{lib:8s} " + "  ".join(f"{k} {v:6.2f} us" for k, v in res[lib][-1].items()), flush=True)
    print(f"\n{a.size}-element float32 tensors, 1 thread, median over {a.repeats} processes (best of 7 timeit blocks each)\n")
    print("| case | miniconv (us) | PyTorch (us) | ratio |")
    print("|---|---|---|---|")
    for case in list(res["miniconv"][0]):
        m = statistics.median(r[case] for r in res["miniconv"])
        t = statistics.median(r[case] for r in res["torch"])
        print(f"| {case} | {m:.2f} | {t:.2f} | {m / t:.2f} |")


if __name__ == "__main__":
    main()
