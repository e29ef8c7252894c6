"""Fit the conv cost model's constants to forced-algorithm timings of the layer zoo.

    flock /tmp/cpu.lock python benchmarks/bench_layers.py --algorithms --threads 1 --json rows1.json
    flock /tmp/cpu.lock python benchmarks/bench_layers.py --algorithms --threads 2 --json rows2.json
    python benchmarks/fit_conv_cost.py rows1.json rows2.json

Random search (multiplicative steps, fixed seed) over the constants of
miniconv/_conv_cost.pxi (_kernels._conv_cost_constants) minimising the zoo's total time
(each row weighted by how often its network runs the layer; rows of every thread count
together, each at its own thread count: the model is priced for the threads a call runs on)
when every pass takes the algorithm the model picks ('auto': the cheapest of direct, gemm and
winograd). e_gemm stays at 0.85 and the winograd constants (_winograd_cost_constants) as they
are (winograd's estimate shares _cm_eff, so the scale is fixed by them). Prints the constants,
the score per thread count and the rows where the pick was more than 5 % slower than the
fastest. The constants go into
_conv_dispatch.pxi by hand. --check: only score the current constants.
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
                           tuple(d["stride"]), tuple(d["pad"]), (1, 1), d["groups"],
                           n_threads=r.get("threads", 1))
    cand = {k: v for k, v in est.items() if v is not None and k != "im2col"}
    return min(cand, key=cand.get) if cand else "im2col"


def measured(r):
    """The row's times of the algorithms 'auto' may pick (im2col only where it is the only one)."""
    return {k: v for k, v in r["ms"].items() if k != "im2col" or len(r["ms"]) == 1}


def score(rows):
    """(total time of the picks, total of the fastest, rows within 5 %), weighted by count."""
    tot = best = ok = 0.0
    for r in rows:
        ms = measured(r)
        t, b = ms.get(pick(r), 2 * max(ms.values())), min(ms.values())
        tot += r["case"]["count"] * t
        best += r["case"]["count"] * b
        ok += t <= 1.05 * b
    return round(tot, 1), round(best, 1), int(ok)


def report(rows):
    for nt in sorted({r.get("threads", 1) for r in rows}):
        sub = [r for r in rows if r.get("threads", 1) == nt]
        tot, best, ok = score(sub)
        print(f"  {nt} thread(s): {len(sub)} rows, picks {tot} ms, fastest {best} ms, "
              f"within 5 %: {ok}")
        for r in sub:
            ms = measured(r)
            if ms.get(pick(r), 1e9) > 1.05 * min(ms.values()):
                print(f"    over 5 %: {r['net']} {r['layer']} {r['pass']} pick {pick(r)} "
                      + str({k: round(v, 2) for k, v in ms.items()}))


def main():
    paths = [a for a in sys.argv[1:] if not a.startswith("--")]
    rows = []
    for path in paths:
        with open(path) as f:
            rows += json.load(f)
    best = K._conv_cost_constants()
    print(f"{len(rows)} rows; start {best}: {score(rows)}")
    if "--check" in sys.argv:
        report(rows)
        return
    best_t = score(rows)[0]
    rng = random.Random(0)
    for _ in range(1500):
        cand = dict(best)
        for k in rng.sample([k for k in best if k != "e_gemm"], rng.randint(1, 3)):
            cand[k] *= math.exp(rng.gauss(0, 0.5))
        cand["copy_mt"] = max(1.0, cand["copy_mt"])   # sharing memory never makes copies cheaper
        K._conv_cost_constants(cand)
        t = score(rows)[0]
        if t < best_t:
            best, best_t = cand, t
    K._conv_cost_constants(best)
    print("fitted:", {k: round(v, 3) for k, v in best.items()}, score(rows))
    report(rows)


if __name__ == "__main__":
    main()
