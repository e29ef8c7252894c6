"""The layer zoo, the benchmark of record: every distinct conv layer of ResNet-18 (CIFAR,
batch 64), ResNet-50 (224x224, batch 8), VGG-16 (CIFAR, batch 64), MobileNetV2 (224x224,
batch 8) and the README CNN (batch 256), as listed in benchmarks/layer_zoo.py.

For each layer, forward and fwd+bwd (gradients w.r.t. input, weight and bias), float32,
miniconv and PyTorch interleaved in one process (one call each per repeat, after a warm-up
call each), at each thread count; medians. GFLOP/s count 2 flops per multiply-add (fwd+bwd:
three times the forward's); "%pk" divides by the float32 FMA peak of benchmarks/peak_probe.py
for the same thread count (by CPU time). "ratio" = miniconv time / PyTorch time (< 1: miniconv
faster). A network's total weights each layer by how often the network runs it. miniconv goes
through miniconv.nn.functional.conv2d and autograd (as bench_conv.py; --kernels calls the
kernels directly). The CPU model, the micro-kernels' instruction set and the load average are
printed: ratios measured on a busy machine are indicative only.

    python benchmarks/bench_layers.py                         # everything, 1 and 2 threads
    python benchmarks/bench_layers.py --net resnet18 --threads 2
    python benchmarks/bench_layers.py --layers "3x3 512" --passes fwd
    python benchmarks/bench_layers.py --quick                 # 2 threads, 3 repeats, no peak probe
    python benchmarks/bench_layers.py --algorithms --threads 1   # validate the cost model

--algorithms times, per layer and pass (forward, grad_input, grad_weight; kernels called
directly), every algorithm that serves the shape (direct, gemm, im2col), interleaved, and
prints the cost model's estimates (_kernels.conv2d_plan at that thread count) and whether its
pick ('auto') was the fastest or within 5 % of it; --json PATH also writes the rows (the input
of fit_conv_cost.py).
"""
import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from bench_conv import (
    make_clock,
    miniconv_functional,
    miniconv_runners,
    time_interleaved,
    torch_runners,
)
from layer_zoo import LAYERS, macs
from peak_probe import cpu_model, measure_peak

import miniconv


def as_case(d):
    case = dict(d)
    case["dil"] = (1, 1)
    return case


def aligned(a, align=64):
    """a copied to memory that starts on an align-byte boundary. The zoo's inputs are laid out
    as a layer in a network receives them: activations and gradients come from the library's
    own allocator (miniconv's caching allocator and PyTorch's both start large blocks on 64
    bytes), where NumPy's large arrays start 16 bytes past a page. Both libraries read the same
    arrays (torch.from_numpy shares them)."""
    buf = np.empty(a.nbytes + align, np.uint8)
    off = (-buf.ctypes.data) % align
    out = buf[off:off + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def make_data(case, rng):
    from layer_zoo import out_hw
    n, cin, cout, g = case["n"], case["cin"], case["cout"], case["groups"]
    (h, w), (kh, kw) = case["hw"], case["k"]
    ho, wo = out_hw(case)
    x = rng.standard_normal((n, cin, h, w)).astype(np.float32)
    wt = (rng.standard_normal((cout, cin // g, kh, kw)) / np.sqrt(cin // g * kh * kw)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32)
    go = rng.standard_normal((n, cout, ho, wo)).astype(np.float32)
    return aligned(x), aligned(wt), aligned(b), aligned(go)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", nargs="+", default=list(LAYERS), choices=list(LAYERS))
    ap.add_argument("--layers", nargs="+", default=None, metavar="TEXT",
                    help="only layers whose name contains one of these texts")
    ap.add_argument("--threads", nargs="+", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--passes", nargs="+", default=["fwd", "fwdbwd"], choices=["fwd", "fwdbwd"])
    ap.add_argument("--quick", action="store_true",
                    help="2 threads, 3 repeats, no peak probe (unless given explicitly)")
    ap.add_argument("--kernels", action="store_true", help="call miniconv's kernels directly")
    ap.add_argument("--isa", default="best",
                    choices=["best", "scalar", "avx2", "avx512f", "avx512f_emu", "neon"])
    ap.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    ap.add_argument("--no-peak", action="store_true")
    ap.add_argument("--algorithms", action="store_true",
                    help="time each conv algorithm per layer and pass; validate the cost model's pick")
    ap.add_argument("--json", default=None, metavar="PATH", help="with --algorithms: write the rows here")
    args = ap.parse_args()
    threads_list = args.threads or ([2] if args.quick else [1, 2])
    repeats = args.repeats or (3 if args.quick else 7)

    import torch
    conv2d = None if args.kernels else miniconv_functional()
    miniconv._config.set_conv_isa(args.isa)
    print(f"CPU: {cpu_model()}; conv micro-kernels: {miniconv._config.conv_isa()}; torch {torch.__version__}")
    print(f"miniconv via {'miniconv.nn.functional.conv2d (autograd)' if conv2d else 'miniconv._kernels'}; "
          f"float32; median of {repeats} interleaved repeats after a warm-up; {args.clock} clock")
    peak = {}
    if not (args.no_peak or (args.quick and args.threads is None)):
        peak = {n: cpu for n, (cpu, _wall) in measure_peak(threads_list).items()}
        print("FMA peak (peak_probe.py, by CPU time): "
              + ", ".join(f"{n} thread(s) {v:.1f} GFLOP/s" for n, v in peak.items()))
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    rng = np.random.default_rng(0)
    if args.algorithms:
        validate_algorithms(args, threads_list, repeats, rng)
        return
    for threads in threads_list:
        miniconv.set_num_threads(threads)
        torch.set_num_threads(threads)
        clock = make_clock(args.clock, threads)
        for net in args.net:
            layers = [(n, d) for n, d in LAYERS[net]
                      if args.layers is None or any(t in n for t in args.layers)]
            if not layers:
                continue
            print(f"\n{net}, {threads} thread(s)")
            print(f"{'layer':34s} {'x':>2s} {'pass':6s} {'miniconv ms':>11s} {'GF/s':>6s} {'%pk':>4s} "
                  f"{'torch ms':>9s} {'GF/s':>6s} {'%pk':>4s} {'ratio':>6s}")
            totals = {p: [0.0, 0.0] for p in args.passes}
            for name, d in layers:
                case = as_case(d)
                data = make_data(case, rng)
                m_fwd, m_fb = miniconv_runners(case, data, threads, conv2d)
                t_fwd, t_fb = torch_runners(case, data, torch)
                for p in args.passes:
                    fns = ({"miniconv": m_fwd, "torch": t_fwd} if p == "fwd"
                           else {"miniconv": m_fb, "torch": t_fb})
                    med, _faults = time_interleaved(fns, repeats, "median", clock)
                    gflop = 2 * macs(d) * (1 if p == "fwd" else 3) / 1e9
                    cells = []
                    for lib in ("miniconv", "torch"):
                        gfs = gflop / (med[lib] / 1e3)
                        pk = f"{100 * gfs / peak[threads]:4.0f}" if threads in peak else "   -"
                        cells.append(f"{med[lib]:{11 if lib == 'miniconv' else 9}.2f} {gfs:6.1f} {pk}")
                    totals[p][0] += d["count"] * med["miniconv"]
                    totals[p][1] += d["count"] * med["torch"]
                    print(f"{name:34s} {d['count']:2d} {p:6s} {cells[0]} {cells[1]} "
                          f"{med['miniconv'] / med['torch']:6.2f}", flush=True)
            for p, (m, t) in totals.items():
                print(f"{net} total {p} (layers x count): miniconv {m:.1f} ms, torch {t:.1f} ms, "
                      f"ratio {m / t:.2f}")
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"\nload average at end: {' '.join(f.read().split()[:3])}")


ALGORITHMS = ("direct", "gemm", "winograd", "im2col")
PASSES = ("forward", "grad_input", "grad_weight")


def algorithm_runners(case, data, threads):
    """{pass: {algorithm: callable}} for the algorithms that serve each pass of case (a forced
    algorithm that does not serve a shape falls back to im2col: those are left out)."""
    from miniconv import _kernels
    from miniconv._config import blas_single_thread
    from layer_zoo import out_hw
    x, wt, b, go = data
    (sh, sw), (ph, pw), g = case["stride"], case["pad"], case["groups"]
    args = (sh, sw, ph, pw, 1, 1, g, threads)
    out, gi, gw = np.empty(go.shape, np.float32), np.empty_like(x), np.empty_like(wt)
    plan = {p: _kernels.conv2d_plan(p, x.shape, wt.shape, out_hw(case), (sh, sw), (ph, pw), (1, 1), g,
                                    n_threads=threads)
            for p in PASSES}

    def call(p, algo):
        def run():
            with blas_single_thread():
                if p == "forward":
                    _kernels.conv2d_forward(x, wt, b, out, *args, algorithm=algo)
                elif p == "grad_input":
                    _kernels.conv2d_grad_input(go, wt, gi, *args, algorithm=algo)
                else:
                    _kernels.conv2d_grad_weight(x, go, gw, *args, algorithm=algo)
        return run

    runners = {}
    for p in PASSES:
        runners[p] = {}
        for algo in ALGORITHMS:
            served = _kernels.conv2d_plan(p, x.shape, wt.shape, out_hw(case), (sh, sw), (ph, pw),
                                          (1, 1), g, algorithm=algo)[0]
            if served.split("-")[0] == algo:
                runners[p][algo] = call(p, algo)
    return runners, plan


def validate_algorithms(args, threads_list, repeats, rng):
    """Per layer and pass: each algorithm's time, the model's estimates and pick; the pick is
    'ok' if it was the fastest or within 5 % of it."""
    rows, n_ok, n_all = [], 0, 0
    clock = None
    for threads in threads_list:
        miniconv.set_num_threads(threads)
        clock = make_clock(args.clock, threads)
        for net in args.net:
            layers = [(n, d) for n, d in LAYERS[net]
                      if args.layers is None or any(t in n for t in args.layers)]
            if not layers:
                continue
            print(f"\n{net}, {threads} thread(s): ms per call (model estimate, G MAC units)")
            print(f"{'layer':34s} {'pass':11s} " + " ".join(f"{a:>17s}" for a in ALGORITHMS)
                  + f" {'pick':>12s} {'fastest':>8s} {'pick/best':>9s}")
            for name, d in layers:
                case = as_case(d)
                data = make_data(case, rng)
                runners, plan = algorithm_runners(case, data, threads)
                for p in PASSES:
                    med, _ = time_interleaved(runners[p], repeats, "median", clock)
                    pick, est = plan[p]
                    best = min(med, key=med.get)
                    ratio = med[pick.split("-")[0]] / med[best]
                    ok = ratio <= 1.05
                    n_ok += ok
                    n_all += 1
                    cells = []
                    for a in ALGORITHMS:
                        if a in med:
                            cells.append(f"{med[a]:8.2f} ({est[a] / 1e9:6.2f})")
                        else:
                            cells.append(f"{'-':>17s}")
                    print(f"{name:34s} {p:11s} " + " ".join(cells)
                          + f" {pick:>12s} {best:>8s} {ratio:8.2f}{'' if ok else ' !'}", flush=True)
                    rows.append({"net": net, "layer": name, "threads": threads, "pass": p,
                                 "ms": med, "estimate": est, "pick": pick, "case": {
                                     k: v for k, v in d.items()}})
    print(f"\ncost model's pick fastest or within 5 %: {n_ok} of {n_all}")
    if args.json:
        tmp = args.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(rows, f, indent=1)
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
