"""A/B of the gemm conv algorithm's GEMM: the packed GEMM (miniconv/_conv_gemm_ukernel.h) against
one BLAS call per 64 terms (its order before), per layer and pass, with im2col and direct (where
they serve the shape) and the algorithm 'auto' picks, all interleaved in one process (kernels
called directly, float32, medians).

    python benchmarks/bench_gemm_ab.py --threads 1 2 --repeats 7
    python benchmarks/bench_gemm_ab.py --layers "1x1 256-1024 14" --clock cpu
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_conv import make_clock, time_interleaved  # noqa: E402
from bench_layers import PASSES, algorithm_runners, as_case, make_data  # noqa: E402
from layer_zoo import LAYERS, macs  # noqa: E402

import miniconv  # noqa: E402
from miniconv import _kernels  # noqa: E402

# the zoo layers issue 18 lists as slower than PyTorch
TARGETS = ["1x1 128-512 28", "1x1 256-1024 14", "1x1 1024-256 14", "1x1 512-128 28",
           "pw 1x1 64-384 14", "pw 1x1 384-64 14", "pw 1x1 96-576 14", "pw 1x1 576-96 14",
           "3x3/2 64-128 32", "3x3/2 128-256 16", "3x3/2 128-128 56", "3x3/2 256-256 28"]


def with_kernel(fn, name):
    def run():
        old = _kernels._gemm_kernel(name)
        try:
            fn()
        finally:
            _kernels._gemm_kernel(old)
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", nargs="+", default=TARGETS)
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    layers = []
    for net, items in LAYERS.items():
        for name, d in items:
            if any(name == t or name.startswith(t + " ") for t in args.layers) and \
                    name not in [n for n, _ in layers]:
                layers.append((name, d))
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    for threads in args.threads:
        miniconv.set_num_threads(threads)
        clock = make_clock(args.clock, threads)
        print(f"\n{threads} thread(s): ms per call, median of {args.repeats} ({args.clock} clock)")
        print(f"{'layer':22s} {'pass':11s} {'packed':>8s} {'blas64':>8s} {'im2col':>8s} "
              f"{'direct':>8s} {'pick':>12s} {'pk/blas':>7s} {'pk GF/s':>7s}")
        for name, d in layers:
            case = as_case(d)
            runners, plan = algorithm_runners(case, make_data(case, rng), threads)
            for p in PASSES:
                fns = {}
                if "gemm" in runners[p]:
                    fns["packed"] = with_kernel(runners[p]["gemm"], "packed")
                    fns["blas64"] = with_kernel(runners[p]["gemm"], "blas")
                for algo in ("im2col", "direct"):
                    if algo in runners[p]:
                        fns[algo] = runners[p][algo]
                med, _ = time_interleaved(fns, args.repeats, "median", clock)
                cell = {k: f"{v:8.2f}" for k, v in med.items()}
                ratio = med["packed"] / med["blas64"] if "packed" in med else float("nan")
                gfs = 2 * macs(d) / 1e9 / (med["packed"] / 1e3) if "packed" in med else float("nan")
                print(f"{name[:22]:22s} {p:11s} {cell.get('packed', '       -')} "
                      f"{cell.get('blas64', '       -')} {cell.get('im2col', '       -')} "
                      f"{cell.get('direct', '       -')} {plan[p][0]:>12s} {ratio:7.2f} {gfs:7.1f}",
                      flush=True)
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"\nload average at end: {' '.join(f.read().split()[:3])}")


if __name__ == "__main__":
    main()
