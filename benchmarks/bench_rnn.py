"""Recurrent layers: miniconv's nn.LSTM / nn.GRU against PyTorch's, forward and forward+backward.

Both libraries run in this one process, interleaved: for every case and thread count, each
repeat times miniconv then PyTorch (same weights, same input), after warm-up calls, so both see
the same machine load. Reports the median time per call of each and the ratio miniconv / PyTorch
(below 1.0: miniconv is faster), by wall time and by process CPU time. Sizes are those of tutorials (MNIST rows as a sequence, a
language model, a sine-wave regressor): hidden 64-512, sequence 28-100, batch 32-128.

    python benchmarks/bench_rnn.py                      # all cases, 1 and 2 threads
    python benchmarks/bench_rnn.py --threads 1 --repeats 5 --cases lstm_h128
"""
import argparse
import os
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import miniconv  # noqa: E402

# name: (module, input_size, hidden, seq, batch, num_layers)
CASES = {
    "lstm_mnist_rows": ("LSTM", 28, 128, 28, 64, 1),
    "lstm_h64": ("LSTM", 32, 64, 50, 32, 1),
    "lstm_h256_2layer": ("LSTM", 128, 256, 35, 64, 2),
    "lstm_h512": ("LSTM", 256, 512, 100, 128, 1),
    "gru_mnist_rows": ("GRU", 28, 128, 28, 64, 1),
    "gru_h256": ("GRU", 128, 256, 50, 64, 1),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def build(torch, kind, input_size, hidden, seq, batch, layers):
    """The two modules with PyTorch's weights, and the two inputs."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(input_size, hidden, layers)
    ours = getattr(miniconv.nn, kind)(input_size, hidden, layers)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((seq, batch, input_size)).astype(np.float32)
    return (ours, miniconv.from_numpy(x.copy())), (theirs, torch.from_numpy(x.copy()))


def step_fn(lib, module, x, backward):
    if not backward:
        def fwd():
            with lib.no_grad():
                module(x)
        return fwd
    x.requires_grad_(True)

    def fwd_bwd():
        module.zero_grad()
        x.grad = None
        out, _ = module(x)
        out.sum().backward()
    return fwd_bwd


def time_call(fn, min_time=0.05):
    """(wall seconds, process CPU seconds) per call: as many calls as fit in ``min_time`` (at least
    one), timed together. On a busy machine the CPU time of one thread is the steadier number."""
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return elapsed / n, (time.process_time() - cpu_start) / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args()
    import torch

    print(f"CPU: {cpu_model()}; {os.cpu_count()} logical CPUs visible; torch {torch.__version__}")
    print(f"{'case':<18} {'thr':>3} {'pass':<8} {'miniconv ms':>12} {'torch ms':>10} {'ratio':>6}   "
          f"{'cpu ms ours':>11} {'torch':>8} {'ratio':>6}")
    for threads in args.threads:
        miniconv.set_num_threads(threads)
        torch.set_num_threads(threads)
        for name in args.cases:
            (ours, x_ours), (theirs, x_theirs) = build(torch, *CASES[name])
            for backward in (False, True):
                fns = (step_fn(miniconv, ours, x_ours, backward), step_fn(torch, theirs, x_theirs, backward))
                for fn in fns:
                    for _ in range(args.warmup):
                        fn()
                times = ([], [])
                for _ in range(args.repeats):
                    for i, fn in enumerate(fns):
                        times[i].append(time_call(fn))
                t_ours, t_theirs = (statistics.median(w for w, _ in t) * 1e3 for t in times)
                c_ours, c_theirs = (statistics.median(c for _, c in t) * 1e3 for t in times)
                label = "fwd+bwd" if backward else "fwd"
                print(f"{name:<18} {threads:>3} {label:<8} {t_ours:>12.2f} {t_theirs:>10.2f} {t_ours / t_theirs:>6.2f}   "
                      f"{c_ours:>11.2f} {c_theirs:>8.2f} {c_ours / c_theirs:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
