"""A/B of the non-convolution parts of a ResNet-18 CIFAR training step, old form against new, in one process.

- sgd: the SGD update (momentum 0.9, weight decay 5e-4) of ResNet-18's 62 parameters (11.2M floats):
  the NumPy expressions of SGD.step (~10 passes, 4 temporaries) against ``_kernels.sgd_update``
  (one pass); and torch.optim.SGD.step on the same shapes.
- sum: the autograd engine's sums of the gradients that meet at the 8 residual blocks' inputs
  (19M floats per step): NumPy ``a + b`` (a new array) against ``_kernels.add_arrays`` in place;
  and torch's ``a + b`` (what its engine's InputBuffer does).
- bn: the 20 BatchNorm2d layers in training mode at batch 64 (39M floats), forward and backward
  (dL/dx, dL/dweight, dL/dbias): miniconv's kernels (statistics, transform; sums, dL/dx) against
  torch's native_batch_norm + native_batch_norm_backward.

Each variant runs --repeats times, interleaved (A, B, torch, A, B, torch, ...); medians in ms.

--step K: also the whole ResNet-18 step (bench_resnet.py's, after 20 warm-up steps), old forms
(the NumPy SGD expressions and NumPy gradient sums, patched back in) against new, alternating
blocks of K steps, --repeats blocks each.

    python benchmarks/bench_step_parts.py --threads 1 2
    python benchmarks/bench_step_parts.py --threads 2 --step 2 --repeats 5
Measured on a busy machine, the numbers are indicative only.
"""
import argparse
import contextlib
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import miniconv
from miniconv import _kernels

RESNET18_SHAPES = (
    [(64, 3, 3, 3), (64,), (64,)]
    + [s for _ in range(4) for s in ((64, 64, 3, 3), (64,), (64,))]
    + [(128, 64, 3, 3), (128,), (128,), (128, 128, 3, 3), (128,), (128,), (128, 64, 1, 1), (128,), (128,),
       (128, 128, 3, 3), (128,), (128,), (128, 128, 3, 3), (128,), (128,)]
    + [(256, 128, 3, 3), (256,), (256,), (256, 256, 3, 3), (256,), (256,), (256, 128, 1, 1), (256,), (256,),
       (256, 256, 3, 3), (256,), (256,), (256, 256, 3, 3), (256,), (256,)]
    + [(512, 256, 3, 3), (512,), (512,), (512, 512, 3, 3), (512,), (512,), (512, 256, 1, 1), (512,), (512,),
       (512, 512, 3, 3), (512,), (512,), (512, 512, 3, 3), (512,), (512,)]
    + [(10, 512), (10,)]
)
# the residual blocks' inputs at batch 64 (the gradients of two consumers are summed there)
FAN_OUT_SHAPES = [(64, 64, 32, 32)] * 3 + [(64, 128, 16, 16)] * 2 + [(64, 256, 8, 8)] * 2 + [(64, 512, 4, 4)]


BN_SHAPES = [(64, 64, 32, 32)] * 5 + [(64, 128, 16, 16)] * 5 + [(64, 256, 8, 8)] * 5 + [(64, 512, 4, 4)] * 5


def bn_separate(xs, gs, outs, threads):
    for x, g, out in zip(xs, gs, outs):
        x3 = x.reshape(x.shape[0], x.shape[1], -1)
        C, count = x.shape[1], x3.shape[0] * x3.shape[2]
        mean, sq = np.empty(C), np.empty(C)
        _kernels.batch_norm_stats(x3, mean, sq, threads)
        invstd = 1.0 / np.sqrt(sq / count + 1e-5)
        w, b = np.ones(C), np.zeros(C)
        scale = invstd * w
        _kernels.batch_norm_transform(x3, scale, b - mean * scale, out.reshape(x3.shape), threads)
        g3 = g.reshape(x3.shape)
        sum_dy, sum_dy_xmu = np.empty(C), np.empty(C)
        _kernels.batch_norm_backward_reduce(g3, x3, mean, sum_dy, sum_dy_xmu, threads)
        _kernels.batch_norm_backward_input(g3, x3, mean, sum_dy / count, sum_dy_xmu * invstd * invstd / count,
                                           invstd * w, out.reshape(x3.shape), threads)


def bn_torch(torch, txs, tgs, tws):
    for x, g, w in zip(txs, tgs, tws):
        y, mean, invstd = torch.ops.aten.native_batch_norm(x, w, None, None, None, True, 0.1, 1e-5)
        torch.ops.aten.native_batch_norm_backward(g, x, w, None, None, mean, invstd, True, 1e-5,
                                                  [True, True, True])


def sgd_numpy(params, grads, bufs, lr=0.01, momentum=0.9, wd=5e-4):
    for p, g, b in zip(params, grads, bufs):
        g = g + wd * p
        b *= momentum
        b += (1 - 0.0) * g
        p -= lr * b


def sgd_fused(params, grads, bufs, threads, lr=0.01, momentum=0.9, wd=5e-4):
    for p, g, b in zip(params, grads, bufs):
        _kernels.sgd_update(p.reshape(-1), g.reshape(-1), b.reshape(-1), lr, wd, momentum, 0.0, False, False,
                            False, miniconv._config.threads_for(p.size))


class OldForms:
    """Context: SGD's NumPy expressions and the engine's NumPy gradient sum, as before the kernels."""

    def __enter__(self):
        from miniconv.autograd import engine
        from miniconv.optim import sgd
        self.saved = (sgd._FUSED_DTYPES, engine.add_grads)
        sgd._FUSED_DTYPES = ()

        def numpy_sum(buf, nr, g):
            buf[nr] = buf[nr] + g
        engine.add_grads = numpy_sum

    def __exit__(self, *exc):
        from miniconv.autograd import engine
        from miniconv.optim import sgd
        sgd._FUSED_DTYPES, engine.add_grads = self.saved


def step_ab(threads, block, repeats):
    import torch
    from bench_resnet import make_lib, step_fn
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((64, 3, 32, 32)).astype(np.float32),
                rng.integers(0, 10, 64).astype(np.int64)) for _ in range(8)]
    torch.manual_seed(0)
    tm, _, _ = make_lib("torch", torch)
    mm, mopt, mmod = make_lib("miniconv", torch, tm.state_dict())
    step, _state = step_fn("miniconv", mm, mopt, mmod, batches)
    for _ in range(20):
        step()
    times = {"old": [], "new": []}
    clock = time.thread_time if threads == 1 else time.perf_counter
    for _ in range(repeats):
        for name in times:
            with (OldForms() if name == "old" else contextlib.nullcontext()):
                t0 = clock()
                for _ in range(block):
                    step()
                times[name].append((clock() - t0) / block * 1e3)
    what = "thread CPU time" if threads == 1 else "wall time"
    print(f"\nResNet-18 step, {threads} thread(s), median of {repeats} blocks of {block} ({what}), ms: "
          + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in times.items()))


def timed(fn, clock):
    t0 = clock()
    fn()
    return (clock() - t0) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--step", type=int, default=0, help="steps per block of the whole-step A/B (0: skip)")
    args = ap.parse_args()
    import torch
    if os.path.exists("/proc/loadavg"):
        with open("/proc/loadavg") as f:
            print(f"load average at start: {' '.join(f.read().split()[:3])} ({os.cpu_count()} cores)")
    rng = np.random.default_rng(0)
    params = [rng.standard_normal(s).astype(np.float32) for s in RESNET18_SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) for s in RESNET18_SHAPES]
    bufs = [rng.standard_normal(s).astype(np.float32) for s in RESNET18_SHAPES]
    print(f"ResNet-18: {len(params)} parameters, {sum(p.size for p in params) / 1e6:.2f}M floats")
    tparams = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.from_numpy(g)
    topt = torch.optim.SGD(tparams, lr=0.01, momentum=0.9, weight_decay=5e-4)
    topt.step()  # momentum buffers exist from here on
    sums_a = [rng.standard_normal(s).astype(np.float32) for s in FAN_OUT_SHAPES]
    sums_b = [rng.standard_normal(s).astype(np.float32) for s in FAN_OUT_SHAPES]
    ta, tb = [torch.from_numpy(a) for a in sums_a], [torch.from_numpy(b) for b in sums_b]
    bn_x = [rng.standard_normal(s).astype(np.float32) for s in BN_SHAPES]
    bn_g = [rng.standard_normal(s).astype(np.float32) for s in BN_SHAPES]
    bn_out = [np.empty(s, np.float32) for s in BN_SHAPES]
    t_bn = ([torch.from_numpy(a) for a in bn_x], [torch.from_numpy(a) for a in bn_g],
            [torch.ones(s[1]) for s in BN_SHAPES])

    def sum_numpy():
        for a, b in zip(sums_a, sums_b):
            a + b

    for threads in args.threads:
        miniconv.set_num_threads(threads)
        torch.set_num_threads(threads)
        clock = time.thread_time if threads == 1 else time.perf_counter
        variants = {
            "sgd numpy": lambda: sgd_numpy(params, grads, bufs),
            "sgd fused": lambda: sgd_fused(params, grads, bufs, threads),
            "sgd torch": topt.step,
            "sum numpy (new array)": sum_numpy,
            "sum kernel (in place)": lambda: [_kernels.add_arrays(a.reshape(-1), b.reshape(-1), a.reshape(-1),
                                                                  miniconv._config.threads_for(a.size))
                                              for a, b in zip(sums_a, sums_b)],
            "sum torch (new tensor)": lambda: [a + b for a, b in zip(ta, tb)],
            "bn separate kernels": lambda: bn_separate(bn_x, bn_g, bn_out, threads),
            "bn torch": lambda: bn_torch(torch, *t_bn),
        }
        for fn in variants.values():
            fn()
        times = {k: [] for k in variants}
        for _ in range(args.repeats):
            for k, fn in variants.items():
                times[k].append(timed(fn, clock))
        what = "thread CPU time" if threads == 1 else "wall time"
        print(f"\n{threads} thread(s), median of {args.repeats} ({what}), ms:")
        for k, v in times.items():
            print(f"  {k:28s} {statistics.median(v):8.2f}")
        if args.step:
            step_ab(threads, args.step, args.repeats)


if __name__ == "__main__":
    main()
