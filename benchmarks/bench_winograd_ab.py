"""A/B of the winograd algorithm on the layer zoo's 3x3 stride-1 layers, in one process.

    python benchmarks/bench_winograd_ab.py --threads 1 2 --repeats 5

Per layer (each distinct shape once, the zoo's batch) and pass, interleaved, medians of the
repeats (thread CPU time at one thread, wall clock at more), ms:
  old     forward / grad_input: winograd as before the AVX2 transforms and the packed GEMM, through
          the switches (plain C transforms, BLAS GEMMs, 4 MB blocks; rows padded as now);
          grad_weight: the algorithm 'auto' took without winograd (_winograd_grad_weight_on(False))
  new     winograd as built (AVX2 transforms, packed GEMM, 512 KB blocks; grad_weight by winograd)
  direct, gemm  the other algorithms forced
and 'auto', the cost model's pick now.
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from layer_zoo import LAYERS, out_hw  # noqa: E402
from miniconv import _kernels as K  # noqa: E402
from miniconv._config import blas_single_thread  # noqa: E402

PASSES = ("forward", "grad_input", "grad_weight")


def layers():
    seen, out = set(), []
    for net, ls in LAYERS.items():
        for name, d in ls:
            if (d["k"] == (3, 3) and d["stride"] == (1, 1) and d["groups"] == 1
                    and min(d["hw"]) >= 3 and d["cin"] >= 3):
                key = (d["n"], d["cin"], d["cout"], tuple(d["hw"]))
                if key not in seen:
                    seen.add(key)
                    out.append((f"{net} {name}", d))
    return out


def configure(variant):
    """Set the switches for variant; returns the algorithm name to force."""
    if variant == "old":
        K._winograd_transforms("scalar")
        K._winograd_gemm("blas")
        K._winograd_block_bytes(4 << 20)
        K._winograd_grad_weight_on(False)
    else:
        K._winograd_transforms("simd")
        K._winograd_gemm("packed")
        K._winograd_block_bytes(512 << 10)
        K._winograd_grad_weight_on(True)
    return {"old": "winograd", "new": "winograd"}.get(variant, variant)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", nargs="+", type=int, default=[1])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    variants = ("old", "new", "direct", "gemm", "auto")
    for nt in args.threads:
        clock = time.thread_time if nt == 1 else time.perf_counter
        print(f"\n{nt} thread(s), ms (median of {args.repeats}); pick = the model's choice now")
        print(f"{'layer':32s} {'pass':11s} " + " ".join(f"{v:>8s}" for v in variants)
              + "  new/old  new/best-other  pick")
        for name, d in layers():
            n, c, o, (h, w), p = d["n"], d["cin"], d["cout"], d["hw"], d["pad"][0]
            ho, wo = out_hw(d)
            x = rng.standard_normal((n, c, h, w)).astype(np.float32)
            wt = (rng.standard_normal((o, c, 3, 3)) / np.sqrt(9 * c)).astype(np.float32)
            go = rng.standard_normal((n, o, ho, wo)).astype(np.float32)
            out, gi, gw = np.empty(go.shape, np.float32), np.empty_like(x), np.empty_like(wt)
            a = (1, 1, p, p, 1, 1, 1, nt)
            for ps in PASSES:
                times = {v: [] for v in variants}
                for _ in range(args.repeats + 1):
                    for v in variants:
                        algo = configure(v)
                        with blas_single_thread():
                            t0 = clock()
                            if ps == "forward":
                                K.conv2d_forward(x, wt, np.empty(0, np.float32), out, *a, algorithm=algo)
                            elif ps == "grad_input":
                                K.conv2d_grad_input(go, wt, gi, *a, algorithm=algo)
                            else:
                                K.conv2d_grad_weight(x, go, gw, *a, algorithm=algo)
                            times[v].append((clock() - t0) * 1e3)
                configure("new")
                med = {v: float(np.median(t[1:])) for v, t in times.items()}
                pick = K.conv2d_plan(ps, x.shape, wt.shape, (ho, wo), (1, 1), (p, p))[0]
                other = min(med["direct"], med["gemm"])
                print(f"{name:32s} {ps:11s} " + " ".join(f"{med[v]:8.2f}" for v in variants)
                      + f"  {med['new'] / med['old']:7.2f}  {med['new'] / other:14.2f}  {pick}",
                      flush=True)
    print(f"\nload average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
