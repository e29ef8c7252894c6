"""Measure this machine's float32 FMA peak: the yardstick for the GFLOP/s in bench_conv.py.

A tiny C loop (12 independent vector FMA chains per thread, no memory traffic) is compiled
with the system C compiler for the widest instruction set the compiler and CPU offer
(AVX-512F, AVX2+FMA, NEON on aarch64, or plain C), run on 1..n threads (OpenMP), and timed. The best of a
few runs is reported, since on a shared machine other processes can only make it slower.

    python benchmarks/peak_probe.py                # 1 and 2 threads
    python benchmarks/peak_probe.py --threads 1 2 4
"""
import argparse
import os
import platform
import shutil
import subprocess
import tempfile

_SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <omp.h>
static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}
#if defined(__AVX512F__)
#include <immintrin.h>
typedef __m512 V;
#define W 16
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SET(x) _mm512_set1_ps(x)
static float first(V v) { return _mm512_cvtss_f32(v); }
#elif defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
typedef __m256 V;
#define W 8
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SET(x) _mm256_set1_ps(x)
static float first(V v) { return _mm256_cvtss_f32(v); }
#elif defined(__aarch64__)
#include <arm_neon.h>
typedef float32x4_t V;
#define W 4
#define FMA(a, b, c) vfmaq_f32(c, a, b)
#define SET(x) vdupq_n_f32(x)
static float first(V v) { return vgetq_lane_f32(v, 0); }
#else
typedef float V;
#define W 1
#define FMA(a, b, c) ((a) * (b) + (c))
#define SET(x) (x)
static float first(V v) { return v; }
#endif
int main(int argc, char** argv) {
    long iters = atol(argv[1]);
    int threads = atoi(argv[2]);
    double t0 = omp_get_wtime(), rate = 0;   /* rate: sum over threads of iterations per CPU second */
    float sink = 0;
    #pragma omp parallel num_threads(threads) reduction(+:sink) reduction(+:rate)
    {
        double c0 = cpu_now();
        V a0 = SET(1.0f), a1 = SET(1.1f), a2 = SET(1.2f), a3 = SET(1.3f), a4 = SET(1.4f),
          a5 = SET(1.5f), a6 = SET(1.6f), a7 = SET(1.7f), a8 = SET(1.8f), a9 = SET(1.9f),
          a10 = SET(2.0f), a11 = SET(2.1f);
        V m = SET(0.999999f), c = SET(1e-7f);
        for (long i = 0; i < iters; i++) {
            a0 = FMA(a0, m, c); a1 = FMA(a1, m, c); a2 = FMA(a2, m, c); a3 = FMA(a3, m, c);
            a4 = FMA(a4, m, c); a5 = FMA(a5, m, c); a6 = FMA(a6, m, c); a7 = FMA(a7, m, c);
            a8 = FMA(a8, m, c); a9 = FMA(a9, m, c); a10 = FMA(a10, m, c); a11 = FMA(a11, m, c);
        }
        sink += first(a0) + first(a1) + first(a2) + first(a3) + first(a4) + first(a5)
              + first(a6) + first(a7) + first(a8) + first(a9) + first(a10) + first(a11);
        rate += iters / (cpu_now() - c0);
    }
    double t = omp_get_wtime() - t0;
    printf("%.6f %d %f %f\n", t, W, rate, sink);
    return 0;
}
"""


def _compile(workdir):
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise RuntimeError("no C compiler found (set CC)")
    src = os.path.join(workdir, "peak.c")
    exe = os.path.join(workdir, "peak")
    with open(src, "w") as f:
        f.write(_SOURCE)
    # widest first; -march=native only here, in a throwaway probe
    for flags in (["-march=native"], ["-mavx2", "-mfma"], []):
        res = subprocess.run([cc, "-O2", "-fopenmp", *flags, src, "-o", exe], capture_output=True)
        if res.returncode == 0:
            probe = subprocess.run([exe, "1000", "1"], capture_output=True)
            if probe.returncode == 0:
                return exe
    raise RuntimeError("could not build the FMA probe")


def measure_peak(threads=(1, 2), repeats=5, seconds=0.3):
    """{n_threads: (GFLOP/s by CPU time, GFLOP/s by wall time)} for float32 FMAs, best of
    `repeats` runs of about `seconds` each.

    By CPU time: each thread's FMAs divided by the CPU time that thread got, summed over the
    threads -- the machine's peak for n threads, even when other processes share the cores.
    By wall time: what the n threads achieved together (lower on a busy machine).
    """
    workdir = tempfile.mkdtemp(prefix="miniconv-peak-")
    try:
        exe = _compile(workdir)
        out = subprocess.run([exe, "1000000", "1"], capture_output=True, text=True, check=True).stdout
        t = float(out.split()[0])
        iters = max(1000, int(1_000_000 * seconds / max(t, 1e-6)))
        result = {}
        for n in threads:
            best_cpu = best_wall = 0.0
            for _ in range(repeats):
                out = subprocess.run([exe, str(iters), str(n)], capture_output=True, text=True, check=True).stdout
                t, width, rate, _ = out.split()
                flops_per_iter = 2 * 12 * int(width)
                best_cpu = max(best_cpu, flops_per_iter * float(rate) / 1e9)
                best_wall = max(best_wall, flops_per_iter * iters * n / float(t) / 1e9)
            result[n] = (best_cpu, best_wall)
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def cpu_model():
    """The CPU's model name (Linux /proc/cpuinfo; on ARM, which has no model name there, the
    implementer and part numbers; macOS sysctl), or platform.processor()."""
    arm = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
                key = line.split(":", 1)[0].strip()
                if key in ("CPU implementer", "CPU part") and key not in arm:
                    arm[key] = line.split(":", 1)[1].strip()
    except OSError:
        pass
    if arm:
        return (f"{platform.machine()} (CPU implementer {arm.get('CPU implementer', '?')}, "
                f"part {arm.get('CPU part', '?')})")
    if platform.system() == "Darwin":
        res = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True)
        if res.returncode == 0 and res.stdout.strip():
            return res.stdout.strip()
    return platform.processor() or platform.machine()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    args = ap.parse_args()
    print(cpu_model())
    for n, (cpu, wall) in measure_peak(args.threads).items():
        print(f"{n} thread(s): {cpu:.1f} GFLOP/s float32 by CPU time ({cpu / n:.1f} per thread), "
              f"{wall:.1f} by wall time")


if __name__ == "__main__":
    main()
