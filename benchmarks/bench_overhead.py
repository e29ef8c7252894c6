"""Per-op overhead: tiny ops end to end, miniconv and PyTorch side by side.

Each library runs in its own process; the processes alternate (miniconv, torch, miniconv, ...)
--repeats times, so both see the same machine load. In each process every case is timed in many short
blocks (default 101 blocks of ~2 ms) and the fastest block is kept: on a shared 2-core machine a block
that short often runs without being preempted, where a 0.2 s block almost never does. Reports the
median and the fastest over processes of those per-call times, and the ratios to PyTorch.

    python benchmarks/bench_overhead.py                          # every case, 3 processes per library
    python benchmarks/bench_overhead.py --repeats 5 --cases index_int,add_grad
    python benchmarks/bench_overhead.py --libs miniconv,torch,miniconv@/tmp/old   # also an older tree (built .so)

Cases (16-element float32 tensors unless said; x is 8x8, 1 thread):
  add_nograd        c = a + b                         (no tensor requires grad)
  add_grad          c = a + b                         (a requires grad: one graph node recorded)
  mul_add_backward  ((a * b + a).sum()).backward()    (three nodes forward, backward, grad accumulation)
  index_int         x[0]             index_int2  x[1, 2]      index_col  x[:, 0]
  index_tensor      x[idx]  (idx an int64 tensor of 3 rows)
  add_4x4 / mul_4x4 / matmul_4x4 / matmul_64x64    (no grad)
  item              s.item() on a 0-d tensor
  tensor_list       torch.tensor([1.0, 2.0, 3.0, 4.0])
  linear_fwd_bwd    Linear(10, 10) on a (4, 10) batch, .sum().backward()
  sgd_step_mlp      SGD(momentum=0.9).step() on an MLP 10-32-32-1 with gradients set
  lstmcell_step     LSTMCell(16, 32) one step, batch 1, no grad
  mul_number        a0 * 2   mul_number_grad  a * 2   (a Python number operand)
  sum_nograd        a0.sum()       relu_nograd  a0.relu()
  lstmcell_fwd_bwd  LSTMCell(64, 128) one step, batch 16, (h' + c').sum().backward()
  grucell_fwd_bwd   GRUCell(64, 128) the same
  mlp_train_step    MLP 784-128-10, batch 32: forward, cross_entropy, zero_grad, backward, SGD step
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
import json, timeit, sys
lib, size, wanted = {lib!r}, {size}, {cases!r}
if lib == "torch":
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
else:
    import miniconv as torch
    import miniconv.nn as nn
    import miniconv.nn.functional as F
torch.set_num_threads(1)
torch.manual_seed(0)
a = torch.randn(size, requires_grad=True)
b = torch.randn(size)
a0 = torch.randn(size)
x = torch.randn(8, 8)
idx = torch.tensor([0, 3, 5])
m4, n4 = torch.randn(4, 4), torch.randn(4, 4)
m64, n64 = torch.randn(64, 64), torch.randn(64, 64)
s = torch.tensor(1.5)
lin = nn.Linear(10, 10)
xin = torch.randn(4, 10)
mlp = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
mlp(torch.randn(4, 10)).sum().backward()
opt = torch.optim.SGD(mlp.parameters(), lr=1e-3, momentum=0.9)
cell = nn.LSTMCell(16, 32)
cin, hc = torch.randn(1, 16), (torch.randn(1, 32), torch.randn(1, 32))
net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
net_opt = torch.optim.SGD(net.parameters(), lr=1e-3)
xb, yb = torch.randn(32, 784), torch.randint(0, 10, (32,))

def add_nograd():
    return a0 + b

def add_grad():
    return a + b

def mul_add_backward():
    a.grad = None
    ((a * b + a).sum()).backward()

def linear_fwd_bwd():
    lin.zero_grad()
    lin(xin).sum().backward()

def lstmcell_step():
    with torch.no_grad():
        return cell(cin, hc)

cell64, gcell64 = nn.LSTMCell(64, 128), nn.GRUCell(64, 128)
cin64, h64, c64 = torch.randn(16, 64), torch.randn(16, 128), torch.randn(16, 128)

def lstmcell_fwd_bwd():
    cell64.zero_grad()
    h1, c1 = cell64(cin64, (h64, c64))
    (h1.sum() + c1.sum()).backward()

def grucell_fwd_bwd():
    gcell64.zero_grad()
    gcell64(cin64, h64).sum().backward()

def mlp_train_step():
    net_opt.zero_grad()
    F.cross_entropy(net(xb), yb).backward()
    net_opt.step()

cases = dict(
    add_nograd=add_nograd, add_grad=add_grad, mul_add_backward=mul_add_backward,
    index_int=lambda: x[0], index_int2=lambda: x[1, 2], index_col=lambda: x[:, 0], index_tensor=lambda: x[idx],
    add_4x4=lambda: m4 + n4, mul_4x4=lambda: m4 * n4, matmul_4x4=lambda: m4 @ n4, matmul_64x64=lambda: m64 @ n64,
    item=s.item, tensor_list=lambda: torch.tensor([1.0, 2.0, 3.0, 4.0]),
    linear_fwd_bwd=linear_fwd_bwd, sgd_step_mlp=opt.step, lstmcell_step=lstmcell_step,
    mlp_train_step=mlp_train_step, mul_number=lambda: a0 * 2, mul_number_grad=lambda: a * 2,
    sum_nograd=a0.sum, relu_nograd=a0.relu, lstmcell_fwd_bwd=lstmcell_fwd_bwd, grucell_fwd_bwd=grucell_fwd_bwd,
)
out = {{}}
for name, fn in cases.items():
    if wanted and name not in wanted:
        continue
    timer = timeit.Timer(fn)
    n, t = timer.autorange()
    n = max(1, round(n * {block} / t))  # calls per block of ~{block} s
    out[name] = min(timer.repeat(repeat={blocks}, number=n)) / n * 1e6
print(json.dumps(out))
"""


def run(lib, size, cases, block, blocks):
    """One process of ``lib``: "torch", "miniconv" (this tree) or "miniconv@PATH" (the tree at PATH)."""
    name, _, root = lib.partition("@")
    root = str(pathlib.Path(root).resolve()) if root else str(ROOT)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=root)
    code = CHILD.format(lib=name, size=size, cases=cases, block=block, blocks=blocks)
    if name == "miniconv":  # the tree asked for, not another one on sys.path
        code += f"\nimport miniconv\nassert miniconv.__file__.startswith({root!r}), miniconv.__file__\n"
    # (run in the tree's directory: ``python -c`` puts the current directory before PYTHONPATH on sys.path)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                         cwd=root).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=16, help="elements per tensor of the add/mul cases")
    p.add_argument("--repeats", type=int, default=3, help="processes per library, alternating")
    p.add_argument("--block", type=float, default=0.002, help="seconds per timed block")
    p.add_argument("--blocks", type=int, default=101, help="timed blocks per case; the fastest is kept")
    p.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    p.add_argument("--libs", default="miniconv,torch", help="comma-separated: miniconv, torch, miniconv@PATH")
    a = p.parse_args()
    cases = [c for c in a.cases.split(",") if c]
    res = {lib: [] for lib in a.libs.split(",")}
    for _ in range(a.repeats):
        for lib in res:
            res[lib].append(run(lib, a.size, cases, a.block, a.blocks))
            print(f"{lib:8s} " + "  ".join(f"{k} {v:.2f}" for k, v in res[lib][-1].items()), flush=True)
    print(f"\nper call in us, 1 thread, {a.repeats} processes per library (fastest of {a.blocks} blocks "
          f"of ~{a.block * 1e3:g} ms each)")
    libs = list(res)
    others = [lib for lib in libs if lib != "torch"] if "torch" in libs else []  # ratios to PyTorch
    for label, pick in (("median", statistics.median), ("fastest", min)):
        print(f"\n{label} over processes:\n")
        print("| case | " + " | ".join(f"{lib} (us)" for lib in libs) + "".join(f" | {lib} / torch" for lib in others)
              + " |")
        print("|---" * (len(libs) + len(others) + 1) + "|")
        for case in res[libs[0]][0]:
            value = {lib: pick(r[case] for r in res[lib]) for lib in libs}
            print(f"| {case} | " + " | ".join(f"{value[lib]:.2f}" for lib in libs)
                  + "".join(f" | {value[lib] / value['torch']:.2f}" for lib in others) + " |")

if __name__ == "__main__":
    main()
