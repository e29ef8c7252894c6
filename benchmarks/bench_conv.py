"""Time conv2d forward and forward+backward: miniconv vs PyTorch vs a numpy im2col baseline.

Cases (issue 3), N, Cin->Cout, HxW, kernel, extra:
  a  256, 1->32,  28x28,  3,      pad 1
  b  256, 32->64, 14x14,  3,      pad 1
  c  20,  16->33, 50x100, (3, 5), stride (2, 1), pad (4, 2), dilation (3, 1)
  d  32,  64->64, 56x56,  3,      pad 1
  e  32,  64->64, 56x56,  3,      pad 1, groups 64 (depthwise)

float32. "fwd+bwd" is the forward pass plus the gradients w.r.t. input, weight and bias
(all three libraries compute all three). GFLOP/s count 2 flops per multiply-add of the
convolution (fwd+bwd: three times the forward's), and "% peak" divides them by the float32
FMA peak that benchmarks/peak_probe.py measures for the same number of threads. miniconv and PyTorch run interleaved in the same
process, one call each per repeat; the numpy baseline is timed right after them (apart,
because OpenBLAS's idle worker threads spin after a call). The table shows medians (or
minimums, --stat min). Each line of the log also gives the page faults per call. miniconv goes through
miniconv.nn.functional.conv2d and autograd when that exists, else through the kernels
directly (the script prints which).

    python benchmarks/bench_conv.py                      # all cases, 1 and 2 threads
    python benchmarks/bench_conv.py --cases b d --threads 2 --repeats 9
    python benchmarks/bench_conv.py --threads 1 --clock cpu     # on a busy machine, see --clock
    python benchmarks/bench_conv.py --algorithm im2col --isa scalar  # kernels called directly
"""
import argparse
import os
import resource
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import miniconv  # noqa: E402
from miniconv import _kernels  # noqa: E402
from miniconv._config import blas_single_thread  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peak_probe import cpu_model, measure_peak  # noqa: E402

CASES = {
    "a": dict(n=256, cin=1, cout=32, hw=(28, 28), k=(3, 3), stride=(1, 1), pad=(1, 1), dil=(1, 1), groups=1),
    "b": dict(n=256, cin=32, cout=64, hw=(14, 14), k=(3, 3), stride=(1, 1), pad=(1, 1), dil=(1, 1), groups=1),
    "c": dict(n=20, cin=16, cout=33, hw=(50, 100), k=(3, 5), stride=(2, 1), pad=(4, 2), dil=(3, 1), groups=1),
    "d": dict(n=32, cin=64, cout=64, hw=(56, 56), k=(3, 3), stride=(1, 1), pad=(1, 1), dil=(1, 1), groups=1),
    "e": dict(n=32, cin=64, cout=64, hw=(56, 56), k=(3, 3), stride=(1, 1), pad=(1, 1), dil=(1, 1), groups=64),
}


def out_hw(case):
    (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = case["hw"], case["k"], case["stride"], case["pad"], case["dil"]
    return (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1


def flops(case, kind):
    """2 * multiply-adds of the forward convolution; fwd+bwd: three times that."""
    ho, wo = out_hw(case)
    kh, kw = case["k"]
    f = 2 * case["n"] * case["cout"] * ho * wo * (case["cin"] // case["groups"]) * kh * kw
    return f if kind == "fwd" else 3 * f


def make_data(case, rng):
    h, w = case["hw"]
    x = rng.standard_normal((case["n"], case["cin"], h, w), dtype=np.float32)
    wt = rng.standard_normal((case["cout"], case["cin"] // case["groups"], *case["k"]), dtype=np.float32) * 0.1
    b = rng.standard_normal(case["cout"], dtype=np.float32)
    go = rng.standard_normal((case["n"], case["cout"], *out_hw(case)), dtype=np.float32)
    return x, wt, b, go


# ---------------------------------------------------------------- miniconv
def miniconv_functional():
    """miniconv.nn.functional.conv2d if it exists and works, else None."""
    try:
        from miniconv.nn.functional import conv2d
        t = miniconv.from_numpy(np.ones((1, 1, 3, 3), np.float32))
        k = miniconv.from_numpy(np.ones((1, 1, 2, 2), np.float32))
        conv2d(t, k)
        return conv2d
    except Exception:
        return None


def miniconv_runners(case, data, n_threads, conv2d, algorithm="auto"):
    x, wt, b, go = data
    s, p, d, g = case["stride"], case["pad"], case["dil"], case["groups"]
    if conv2d is not None and algorithm == "auto":
        xt = miniconv.from_numpy(x).requires_grad_()
        wtt = miniconv.from_numpy(wt).requires_grad_()
        bt = miniconv.from_numpy(b).requires_grad_()
        got = miniconv.from_numpy(go)

        def fwd():
            with miniconv.no_grad():
                conv2d(xt, wtt, bt, stride=s, padding=p, dilation=d, groups=g)

        def fwdbwd():
            xt.grad = wtt.grad = bt.grad = None
            conv2d(xt, wtt, bt, stride=s, padding=p, dilation=d, groups=g).backward(got)

        return fwd, fwdbwd

    args = (s[0], s[1], p[0], p[1], d[0], d[1], g, n_threads)
    out_shape = go.shape

    def fwd():
        out = np.empty(out_shape, np.float32)
        with blas_single_thread():
            _kernels.conv2d_forward(x, wt, b, out, *args, algorithm=algorithm)
        return out

    def fwdbwd():
        out = np.empty(out_shape, np.float32)
        gi, gw, gb = np.empty_like(x), np.empty_like(wt), np.empty_like(b)
        with blas_single_thread():
            _kernels.conv2d_forward(x, wt, b, out, *args, algorithm=algorithm)
            _kernels.conv2d_grad_input(go, wt, gi, *args, algorithm=algorithm)
            _kernels.conv2d_grad_weight(x, go, gw, *args, algorithm=algorithm)
            _kernels.conv2d_grad_bias(go, gb, n_threads)
        return out, gi, gw, gb

    return fwd, fwdbwd


# ---------------------------------------------------------------- PyTorch
def torch_runners(case, data, torch):
    F = torch.nn.functional
    x, wt, b, go = data
    xt = torch.from_numpy(x).requires_grad_()
    wtt = torch.from_numpy(wt).requires_grad_()
    bt = torch.from_numpy(b).requires_grad_()
    got = torch.from_numpy(go)
    kw = dict(stride=case["stride"], padding=case["pad"], dilation=case["dil"], groups=case["groups"])

    def fwd():
        with torch.no_grad():
            F.conv2d(xt, wtt, bt, **kw)

    def fwdbwd():
        xt.grad = wtt.grad = bt.grad = None
        F.conv2d(xt, wtt, bt, **kw).backward(got)

    return fwd, fwdbwd


# ---------------------------------------------------------------- numpy im2col + matmul
def _np_cols(xp, case, ho, wo):
    """(N, G, Cg*KH*KW, HO*WO) receptive fields of the padded input."""
    n, c = xp.shape[:2]
    (kh, kw), (sh, sw), (dh, dw), g = case["k"], case["stride"], case["dil"], case["groups"]
    cols = np.empty((n, c, kh, kw, ho, wo), xp.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw]
    return cols.reshape(n, g, (c // g) * kh * kw, ho * wo)


def numpy_runners(case, data):
    x, wt, b, go = data
    n, c, h, w = x.shape
    o, g = wt.shape[0], case["groups"]
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = case["k"], case["stride"], case["pad"], case["dil"]
    ho, wo = out_hw(case)
    wg = wt.reshape(g, o // g, -1)

    def forward():
        xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        cols = _np_cols(xp, case, ho, wo)
        out = (wg @ cols).reshape(n, o, ho, wo) + b[:, None, None]
        return out, cols

    def fwd():
        forward()

    def fwdbwd():
        _, cols = forward()
        gog = go.reshape(n, g, o // g, ho * wo)
        gw = (gog @ cols.swapaxes(-1, -2)).sum(axis=0).reshape(wt.shape)
        gb = go.sum(axis=(0, 2, 3))
        dcols = (wg.swapaxes(-1, -2) @ gog).reshape(n, c, kh, kw, ho, wo)
        gxp = np.zeros((n, c, h + 2 * ph, w + 2 * pw), x.dtype)
        for i in range(kh):
            for j in range(kw):
                gxp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] += dcols[:, :, i, j]
        gi = gxp[:, :, ph:ph + h, pw:pw + w]
        return gi, gw, gb

    return fwd, fwdbwd


# ---------------------------------------------------------------- driver
def _cpu_times():
    with open("/proc/stat") as f:
        fields = [float(v) for v in f.readline().split()[1:]]
    return fields[3] + fields[4], sum(fields)  # idle + iowait, total


def wait_for_idle(max_wait, want_idle_cpus=1.6, window=0.5):
    """On a shared machine: wait (at most max_wait s) until about want_idle_cpus cores are idle.

    Returns the number of idle cores seen last (Linux only; returns None elsewhere).
    """
    if not os.path.exists("/proc/stat"):
        return None
    n_cpus = os.cpu_count() or 1
    deadline = time.time() + max_wait
    while True:
        i0, t0 = _cpu_times()
        time.sleep(window)
        i1, t1 = _cpu_times()
        idle = n_cpus * (i1 - i0) / max(t1 - t0, 1e-9)
        if idle >= min(want_idle_cpus, n_cpus - 0.4) or time.time() > deadline:
            return idle


def make_clock(kind, threads):
    """wall: time.perf_counter. cpu: the CPU time the work got -- with one thread the calling
    thread's (both libraries run one-thread work on it), else the process's divided by the
    thread count (approximate: it also counts OpenMP workers spinning at barriers). On a
    machine shared with other jobs, CPU time excludes the time the job waited for a core."""
    if kind == "wall":
        return time.perf_counter
    if threads == 1:
        return time.thread_time
    return lambda: time.process_time() / threads


def time_interleaved(fns, repeats, stat, clock=time.perf_counter):
    """fns: name -> callable. One warm-up each, then `repeats` rounds of one call each."""
    times = {name: [] for name in fns}
    faults = {name: 0 for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeats):
        for name, fn in fns.items():
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = clock()
            fn()
            times[name].append(clock() - t0)
            faults[name] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    reduce = statistics.median if stat == "median" else min
    return ({name: reduce(ts) * 1e3 for name, ts in times.items()},
            {name: f // repeats for name, f in faults.items()})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--stat", default="median", choices=["median", "min"],
                    help="statistic over the repeats (min is more robust on a busy machine)")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="SECONDS",
                    help="before each case wait up to SECONDS for the other cores to be idle "
                         "(for shared machines; the idle cores seen are printed)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    ap.add_argument("--no-numpy", action="store_true", help="skip the numpy im2col baseline")
    ap.add_argument("--algorithm", default="auto", choices=["auto", "direct", "im2col", "taps"],
                    help="force miniconv's conv algorithm (default: chosen by shape); not 'auto' "
                         "calls the kernels directly")
    ap.add_argument("--isa", default="best", choices=["best", "scalar", "avx2", "avx512f", "avx512f_emu", "neon"],
                    help="force the instruction set of the direct micro-kernels")
    ap.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                    help="wall time (default), or CPU time given to the work (see make_clock)")
    ap.add_argument("--no-peak", action="store_true", help="skip the FMA peak probe")
    args = ap.parse_args()

    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch not installed: skipping it")
    conv2d = miniconv_functional()
    miniconv._config.set_conv_isa(args.isa)
    via = ("miniconv.nn.functional.conv2d (autograd)" if conv2d is not None and args.algorithm == "auto"
           else "miniconv._kernels directly")
    print(f"CPU: {cpu_model()}; conv micro-kernels: {miniconv._config.conv_isa()}")
    print(f"miniconv timed through {via}; algorithm={args.algorithm}; float32; {args.stat} of "
          f"{args.repeats} interleaved repeats; {args.clock} clock; "
          f"MALLOC_MMAP_THRESHOLD_={os.environ.get('MALLOC_MMAP_THRESHOLD_', 'unset')}")
    if torch is not None:
        print(f"torch {torch.__version__}")
    peak = {}
    if not args.no_peak:
        peak = {n: cpu for n, (cpu, wall) in measure_peak(args.threads).items()}
        print("FMA peak (benchmarks/peak_probe.py, by CPU time): "
              + ", ".join(f"{n} thread(s) {v:.1f} GFLOP/s" for n, v in peak.items()))
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    rng = np.random.default_rng(0)
    rows = []
    results = {}
    for threads in args.threads:
        miniconv.set_num_threads(threads)
        if torch is not None:
            torch.set_num_threads(threads)
        for name in args.cases:
            case = CASES[name]
            data = make_data(case, rng)
            m_fwd, m_fb = miniconv_runners(case, data, threads, conv2d, args.algorithm)
            fwd = {"miniconv": m_fwd}
            fb = {"miniconv": m_fb}
            if torch is not None:
                fwd["torch"], fb["torch"] = torch_runners(case, data, torch)
            np_fwd, np_fb = numpy_runners(case, data)
            for kind, fns, np_fn in (("fwd", fwd, np_fwd), ("fwd+bwd", fb, np_fb)):
                if args.wait_idle > 0:
                    idle = wait_for_idle(args.wait_idle)
                    print(f"  ({idle:.1f} idle cores before {name} {kind} {threads}T)", flush=True)
                med, faults = time_interleaved(fns, args.repeats, args.stat, make_clock(args.clock, threads))
                if not args.no_numpy:
                    # timed apart: after a multi-threaded call OpenBLAS's idle workers spin for
                    # up to ~0.1 s and would steal a core from whatever runs next
                    with threadpool_limits(limits=threads, user_api="blas"):
                        m, f = time_interleaved({"numpy": np_fn}, args.repeats, args.stat,
                                                make_clock(args.clock, threads))
                    med.update(m)
                    faults.update(f)
                    time.sleep(0.3)
                results[(name, kind, threads)] = med
                rows.append((name, kind, threads, med))
                print(f"  {name} {kind:8s} {threads}T "
                      + "  ".join(f"{k} {v:8.2f} ms ({faults[k]} faults)" for k, v in med.items()), flush=True)

    print()
    print("| case | pass | threads | miniconv ms | PyTorch ms | numpy ms | miniconv / PyTorch | "
          "miniconv GFLOP/s (% peak) | PyTorch GFLOP/s (% peak) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, kind, threads, med in rows:
        m = med["miniconv"]
        t = med.get("torch")
        npy = med.get("numpy")
        fmt = lambda v: f"{v:.1f}" if v is not None else "-"  # noqa: E731
        ratio = lambda a, b_: f"{a / b_:.2f}" if b_ else "-"  # noqa: E731

        def rate(ms):
            if ms is None:
                return "-"
            gf = flops(CASES[name], kind) / (ms * 1e-3) / 1e9
            return f"{gf:.0f} ({100 * gf / peak[threads]:.0f} %)" if threads in peak else f"{gf:.0f}"

        print(f"| {name} | {kind} | {threads} | {fmt(m)} | {fmt(t)} | {fmt(npy)} | {ratio(m, t)} | "
              f"{rate(m)} | {rate(t)} |")
    if 1 in args.threads and len(args.threads) > 1:
        other = max(args.threads)
        print()
        print(f"| case | pass | miniconv speed-up 1 -> {other} threads | PyTorch speed-up |")
        print("|---|---|---|---|")
        for name in args.cases:
            for kind in ("fwd", "fwd+bwd"):
                a, b_ = results[(name, kind, 1)], results[(name, kind, other)]
                ts = f"{a['torch'] / b_['torch']:.2f}" if "torch" in a else "-"
                print(f"| {name} | {kind} | {a['miniconv'] / b_['miniconv']:.2f} | {ts} |")


if __name__ == "__main__":
    main()
