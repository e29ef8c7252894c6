"""Per-call cost of the public Tensor-level ``autograd.Function`` against miniconv's private
array-level ``ArrayFunction``, for the same small op (y = x * w, forward + backward), interleaved,
medians of several rounds. The public path wraps every gradient in a Tensor; the issue asks it to
stay within 2x of the private one.

    python benchmarks/bench_function.py [--size 16] [--rounds 7] [--calls 2000]
"""
import argparse
import statistics
import time

import numpy as np

import miniconv
from miniconv.autograd import ArrayFunction, Function


class MulArray(ArrayFunction):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, g * x


class MulTensor(Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, g * x


def per_call_us(fn, x, w, calls, backward):
    t0 = time.perf_counter()
    if backward:
        g = np.ones(x.shape, np.float32)
        for _ in range(calls):
            y = fn.apply(x, w)
            y.backward(miniconv.tensor(g))
    else:
        for _ in range(calls):
            fn.apply(x, w)
    return (time.perf_counter() - t0) / calls * 1e6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=2000)
    a = ap.parse_args()
    x = miniconv.randn(a.size, requires_grad=True)
    w = miniconv.randn(a.size, requires_grad=True)
    for backward in (False, True):
        res = {MulArray: [], MulTensor: []}
        for _ in range(a.rounds):
            for fn in (MulArray, MulTensor):  # interleaved
                res[fn].append(per_call_us(fn, x, w, a.calls, backward))
        arr, ten = statistics.median(res[MulArray]), statistics.median(res[MulTensor])
        what = "forward+backward" if backward else "forward only"
        print(f"{what:17s} ArrayFunction {arr:7.2f} us   Function {ten:7.2f} us   ratio {ten / arr:.2f}")


if __name__ == "__main__":
    main()
