"""Per pass of chosen zoo layers: miniconv's algorithms (kernels called directly) against
PyTorch's same pass (aten.convolution_backward with one output mask), interleaved, medians.

    python benchmarks/bench_pass_ab.py --layers "3x3/2" --threads 1 2 --passes grad_input
"""
import argparse
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
    ap.add_argument("--layers", nargs="+", default=["3x3/2"])
    ap.add_argument("--net", nargs="+", default=list(LAYERS))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--passes", nargs="+", default=["forward", "grad_input", "grad_weight"])
    ap.add_argument("--algos", nargs="+", default=["auto", "direct", "gemm"])
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    print("load average at start:", os.getloadavg())
    rng = np.random.default_rng(0)
    for nt in a.threads:
        torch.set_num_threads(nt)
        miniconv.set_num_threads(nt)
        for net in a.net:
            for name, d in LAYERS[net]:
                if not any(t in name for t in a.layers):
                    continue
                n, c, o = d["n"], d["cin"], d["cout"]
                (h, w), (kh, kw), (sh, sw), (ph, pw), g = d["hw"], d["k"], d["stride"], d["pad"], d["groups"]
                ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
                x = rng.standard_normal((n, c, h, w), dtype=np.float32)
                wt = rng.standard_normal((o, c // g, kh, kw), dtype=np.float32) * 0.1
                go = rng.standard_normal((n, o, ho, wo), dtype=np.float32)
                tx, tw, tgo = torch.from_numpy(x), torch.from_numpy(wt), torch.from_numpy(go)
                for pas in a.passes:
                    if pas == "forward":
                        out = np.empty((n, o, ho, wo), np.float32)
                        mc = lambda al: K.conv2d_forward(x, wt, np.empty(0, np.float32), out, sh, sw, ph, pw, 1, 1, g, nt, al)
                        th = lambda: torch.nn.functional.conv2d(tx, tw, None, (sh, sw), (ph, pw), 1, g)
                    elif pas == "grad_input":
                        gi = np.empty((n, c, h, w), np.float32)
                        mc = lambda al: K.conv2d_grad_input(go, wt, gi, sh, sw, ph, pw, 1, 1, g, nt, al)
                        th = lambda: torch.ops.aten.convolution_backward(
                            tgo, tx, tw, None, (sh, sw), (ph, pw), (1, 1), False, (0, 0), g, (True, False, False))
                    else:
                        gw = np.empty((o, c // g, kh, kw), np.float32)
                        mc = lambda al: K.conv2d_grad_weight(x, go, gw, sh, sw, ph, pw, 1, 1, g, nt, al)
                        th = lambda: torch.ops.aten.convolution_backward(
                            tgo, tx, tw, None, (sh, sw), (ph, pw), (1, 1), False, (0, 0), g, (False, True, False))
                    fns = {al: (lambda al=al: mc(al)) for al in a.algos}
                    fns["torch"] = th
                    times = {k: [] for k in fns}
                    for f in fns.values():
                        f()
                    for _ in range(a.repeats):
                        for k, f in fns.items():
                            t0 = time.perf_counter()
                            f()
                            times[k].append(time.perf_counter() - t0)
                    med = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
                    pick = K.conv2d_plan(pas, x.shape, wt.shape, (ho, wo), (sh, sw), (ph, pw), (1, 1), g, np.float32)[0]
                    ratio = f"  auto/torch {med['auto'] / med['torch']:.2f}" if "auto" in med else ""
                    print(f"{nt}T {net:10s} {name:26s} {pas:11s} pick {pick:12s} "
                          + " ".join(f"{k} {v:7.2f}" for k, v in med.items()) + ratio, flush=True)
    print("load average at end:", os.getloadavg())


if __name__ == "__main__":
    main()
