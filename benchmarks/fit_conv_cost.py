"""Fit the conv cost model's constants to forced-algorithm timings of the layer zoo.

    python benchmarks/bench_layers.py --algorithms --threads 1 --clock cpu --json rows.json
    python benchmarks/fit_conv_cost.py rows.json

Random search (multiplicative steps, fixed seed) over the constants of
miniconv/_conv_dispatch.pxi (_kernels._conv_cost_constants) minimising the zoo's total time
(each row weighted by how often its network runs the layer) when every pass takes the
algorithm the model picks ('auto': the cheaper of direct and gemm). Prints the constants
normalised to e_gemm = 0.85 (only ratios matter) and the rows where the pick was more than
5 % slower than the fastest. The constants go into _conv_dispatch.pxi by hand.
"""
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from layer_zoo import out_hw  # noqa: E402
from miniconv import _kernels as K  # noqa: E402


def pick(r):
    d = r["case"]
    _, est = K.conv2d_plan(r["pass"], (d["n"], d["cin"]) + tuple(d["hw"]),
                           (d["cout"], d["cin"] // d["groups"]) + tuple(d["k"]), out_hw(d),
                           tuple(d["stride"]), tuple(d["pad"]), (1, 1), d["groups"])
    cand = {k: v for k, v in est.items() if v is not None and k != "im2col"}
    return min(cand, key=cand.get) if cand else "im2col"


def score(rows):
    """(total time of the picks, total of the fastest, rows within 5 %), weighted by count."""
    tot = best = ok = 0.0
    for r in rows:
        ms = {k: v for k, v in r["ms"].items() if k != "im2col" or len(r["ms"]) == 1}
        t, b = ms.get(pick(r), 2 * max(ms.values())), min(ms.values())
        tot += r["case"]["count"] * t
        best += r["case"]["count"] * b
        ok += t <= 1.05 * b
    return tot, best, int(ok)


def main():
    rows = [r for path in sys.argv[1:] for r in json.load(open(path))]
    best = K._conv_cost_constants()
    best_t = score(rows)[0]
    print(f"{len(rows)} rows; start {best}: {score(rows)}")
    rng = random.Random(0)
    for _ in range(1500):
        cand = dict(best)
        for k in rng.sample(list(best), rng.randint(1, 3)):
            cand[k] *= math.exp(rng.gauss(0, 0.5))
        K._conv_cost_constants(cand)
        t = score(rows)[0]
        if t < best_t:
            best, best_t = cand, t
    lam = best["e_gemm"] / 0.85      # costs scaled by lam pick the same
    norm = {k: (v / lam if k.startswith("e_") else v * lam if k in ("w_direct", "copy") else v)
            for k, v in best.items()}
    K._conv_cost_constants(norm)
    print("fitted:", {k: round(v, 3) for k, v in norm.items()}, score(rows))
    for r in rows:
        ms = {k: v for k, v in r["ms"].items() if k != "im2col"}
        if ms and ms.get(pick(r), 1e9) > 1.05 * min(ms.values()):
            print(f"  over 5 %: {r['net']} {r['layer']} {r['pass']} pick {pick(r)} "
                  + str({k: round(v, 1) for k, v in ms.items()}))


if __name__ == "__main__":
    main()
