"""What SciPy's OpenBLAS does when miniconv's OpenMP team calls it: Linear's GEMM (256 x 3136 by
3136 x 1024, ``_kernels.matmul_rows``, one sgemm per block from each OpenMP thread) timed with
OpenBLAS limited to 1 thread and left at N threads (docs/performance.md, "Lean runtime").

    python benchmarks/bench_blas_team.py --threads 2 --calls 30
"""
import argparse
import statistics
import time

import numpy as np
from threadpoolctl import ThreadpoolController

from miniconv import _config, _kernels


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2, help="OpenMP team size and OpenBLAS's own thread count")
    p.add_argument("--calls", type=int, default=30)
    a = p.parse_args()
    scipy_blas = ThreadpoolController().select(filepath=_config._scipy_blas_controller().filepath)
    rng = np.random.default_rng(0)
    x = rng.random((256, 3136), dtype=np.float32)
    w = rng.random((1024, 3136), dtype=np.float32)
    out = np.empty((256, 1024), np.float32)
    for blas_threads in (1, a.threads, 1, a.threads):  # alternating, twice
        with scipy_blas.limit(limits=blas_threads):
            times = []
            for _ in range(a.calls):
                t = time.perf_counter()
                _kernels.matmul_rows(x, w, out, False, True, a.threads)
                times.append(time.perf_counter() - t)
        print(f"OpenMP team of {a.threads}, SciPy OpenBLAS on {blas_threads} thread(s): "
              f"median {statistics.median(times) * 1e3:.1f} ms per call")


if __name__ == "__main__":
    main()
