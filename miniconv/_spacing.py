"""The values of arange and linspace as PyTorch's CPU kernels compute them, to the bit (NumPy only: used by
creation.arange/linspace and by Tensor.histogram's bin edges)."""
import numpy as np


def fma(a, b, c):
    """a * b + c as a fused multiply-add gives it, float64 arrays: the product split exactly by Dekker's
    two-product and the sum by Knuth's two-sum, the two error terms added last (rounded once except, rarely,
    next to a tie)."""
    a, b, c = np.broadcast_arrays(np.float64(a), np.float64(b), np.float64(c))
    p = a * b
    ah = a * 134217729.0
    ah = ah - (ah - a)
    bh = b * 134217729.0
    bh = bh - (bh - b)
    al, bl = a - ah, b - bh
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    s_err = (p - (s - bb)) + (c - bb)
    return s + (s_err + p_err)


# PyTorch's CPU arange kernel works in double (float's accumulate type) with fused multiply-adds: element i is
# start + step * i, except that each run of two AVX2 vectors (8 floats or 4 doubles each) is built from its
# first element b, rounded to the output dtype, as b + k * step. The leftover tail uses the scalar formula. Up
# to 32768 elements (its parallel grain) this is its exact output; above that its chunk starts, and so its
# values, depend on PyTorch's thread count, and this is what it computes on one thread.
def arange_values(start, step, n, dt):
    out = fma(step, np.arange(n, dtype=np.float64), start).astype(dt)
    width = 8 if dt == np.float32 else 4
    n_vec = n // (2 * width) * 2 * width
    if n_vec:
        base = fma(step, np.arange(0, n_vec, width, dtype=np.float64), start).astype(dt).astype(np.float64)
        lanes = fma(np.arange(width, dtype=np.float64)[None, :], step, base[:, None])
        out[:n_vec] = lanes.astype(dt).reshape(-1)
    return out


# PyTorch's CPU linspace kernel works in the output dtype (double for integer outputs, whose start and end are
# first truncated to integers): step = (end - start) / (steps - 1), then start + step * i for the first half and
# end - step * (steps - 1 - i) for the second, each a fused multiply-add.
def linspace_values(start, end, steps, dt):
    calc = np.float32 if dt == np.float32 else np.float64
    if dt.kind in "iu":
        start, end = float(int(start)), float(int(end))
    s, e = calc(start), calc(end)
    if steps == 1:
        return np.full(1, s, dtype=np.float64)
    step = calc(calc(e - s) / calc(steps - 1))
    i = np.arange(steps, dtype=np.float64)
    half = steps // 2
    out = np.empty(steps, np.float64)
    out[:half] = fma(step, i[:half], s).astype(calc)
    out[half:] = fma(-np.float64(step), steps - 1 - i[half:], e).astype(calc)
    return out
