"""Fit the winograd constants of the conv cost model to forced-algorithm timings.

    python benchmarks/bench_layers.py --algorithms --net resnet18 resnet50 vgg16 readme \\
        --layers "3x3 " "3x3/1 " --threads 1 --clock cpu --json rows1.json
    python benchmarks/fit_winograd_cost.py rows1.json [rows2.json ...] [--also w_direct_t ...]

Random search (multiplicative steps, fixed seed) over _kernels._winograd_cost_constants (the
other constants stay as they are: fit those first with fit_conv_cost.py) minimising the total
time of the rows (weighted by how often each network runs the layer) when every pass takes the
algorithm the model picks; ties are broken towards the smaller number of rows where the pick was
more than 5 % slower than the fastest. Prints the constants and those rows. The constants go
into miniconv/_conv_cost.pxi by hand. --also NAME ...: search these constants of
_kernels._conv_cost_constants too (e.g. w_direct_t, the direct forward lanes family's
per-sample weight cost, which decides between direct and winograd on small planes); --only:
search only those (the winograd constants stay).
"""
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

from fit_conv_cost import pick, score  # noqa: E402
from miniconv import _kernels as K  # noqa: E402


def _split_args(argv):
    paths, also, only, cur = [], [], False, None
    for a in argv:
        if a in ("--also", "--only"):
            only = only or a == "--only"
            cur = also
        elif a.startswith("--"):
            cur = None
        elif cur is not None:
            cur.append(a)
        else:
            paths.append(a)
    return paths, also, only


def _set(cand, also):
    K._winograd_cost_constants({k: v for k, v in cand.items() if k not in also})
    K._conv_cost_constants({k: v for k, v in cand.items() if k in also})


def main():
    paths, also, only = _split_args(sys.argv[1:])
    rows = [r for path in paths for r in json.load(open(path))]
    conv = K._conv_cost_constants()
    best = {} if only else K._winograd_cost_constants()
    best.update({k: conv[k] for k in also})
    tot, _, ok = score(rows)
    best_key = (tot, -ok)
    print(f"{len(rows)} rows; start {best}: {score(rows)}")
    rng = random.Random(0)
    for _ in range(3000):
        cand = dict(best)
        for k in rng.sample(list(best), min(len(best), rng.randint(1, 3))):
            cand[k] *= math.exp(rng.gauss(0, 0.5))
        _set(cand, also)
        tot, _, ok = score(rows)
        if (tot, -ok) < best_key:
            best, best_key = cand, (tot, -ok)
    _set(best, also)
    print("fitted:", {k: round(v, 3) for k, v in best.items()}, score(rows))
    for r in rows:
        ms = {k: v for k, v in r["ms"].items() if k != "im2col"}
        if ms and ms.get(pick(r), 1e9) > 1.05 * min(ms.values()):
            print(f"  over 5 %: {r['net']} {r['layer']} {r['pass']} ({r['threads']} thread(s)) pick "
                  f"{pick(r)} " + str({k: round(v, 1) for k, v in ms.items()}))


if __name__ == "__main__":
    main()
