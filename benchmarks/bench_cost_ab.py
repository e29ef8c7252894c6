"""Zoo layers fwd+bwd (miniconv.nn.functional.conv2d + autograd) with two sets of cost-model
constants, interleaved with PyTorch in one process; medians. For A/B of a refit:

    python benchmarks/bench_cost_ab.py --layers "3x3/2 " --threads 1 2 \\
        --old '{"w_direct_t": 36.1, "e_direct_t": 0.667}'
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import miniconv  # noqa: E402
from miniconv import _kernels as K  # noqa: E402
from layer_zoo import LAYERS  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layers", nargs="+", default=["3x3/2 "])
    ap.add_argument("--net", nargs="+", default=list(LAYERS))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--old", required=True, help="JSON {name: value} of _conv_cost_constants")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="cpu: the process's CPU time (all threads; less sensitive to other load)")
    a = ap.parse_args()
    clock = time.perf_counter if a.clock == "wall" else time.process_time
    new = K._conv_cost_constants()
    old = dict(new, **json.loads(a.old))
    print("load average at start:", os.getloadavg(), "clock:", a.clock)
    for nt in a.threads:
        torch.set_num_threads(nt)
        miniconv.set_num_threads(nt)
        for net in a.net:
            for name, d in LAYERS[net]:
                if not any(t in name for t in a.layers):
                    continue
                rng = np.random.default_rng(0)
                n, c, o, g = d["n"], d["cin"], d["cout"], d["groups"]
                (h, w), (kh, kw) = d["hw"], d["k"]
                x = rng.standard_normal((n, c, h, w), dtype=np.float32)
                wt = rng.standard_normal((o, c // g, kh, kw), dtype=np.float32) * 0.05
                b = rng.standard_normal(o, dtype=np.float32)

                def run(lib, x=x, wt=wt, b=b, d=d):
                    xs = lib.tensor(x, requires_grad=True)
                    ws = lib.tensor(wt, requires_grad=True)
                    bs = lib.tensor(b, requires_grad=True)
                    y = lib.nn.functional.conv2d(xs, ws, bs, d["stride"], d["pad"], 1, d["groups"])
                    y.sum().backward()

                def mc(consts):
                    K._conv_cost_constants(consts)
                    run(miniconv)
                fns = {"old": lambda: mc(old), "new": lambda: mc(new), "torch": lambda: run(torch)}
                times = {k: [] for k in fns}
                for f in fns.values():
                    f()
                for _ in range(a.repeats):
                    for k, f in fns.items():
                        t0 = clock()
                        f()
                        times[k].append(clock() - t0)
                K._conv_cost_constants(new)
                med = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
                print(f"{nt}T {net:10s} {name:24s} old {med['old']:7.1f} new {med['new']:7.1f} "
                      f"torch {med['torch']:7.1f}  ratio old {med['old'] / med['torch']:.2f} "
                      f"new {med['new'] / med['torch']:.2f}", flush=True)
    print("load average at end:", os.getloadavg())


if __name__ == "__main__":
    main()
