"""Train the MNIST example with miniconv and with PyTorch (the same script, imports swapped) and
report accuracy, epoch time, images/s and peak memory side by side.

    python benchmarks/bench_train.py --data ../shared/mnist --epochs 3 --seeds 0 1 2 --threads 2

The fidelity configuration of issue 4 is the default: cdims 32 64, hdims 32, batch norm on,
Adam lr 1e-3 (constant: --scheduler none), batch 256. Runs alternate between the two libraries (seed by seed) so that a noisy
machine affects both alike. Prints a markdown table (medians over seeds).
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
from swap_to_torch import to_torch  # noqa: E402


def run(script, args, threads):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        summary = f.name
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=str(ROOT))
    cmd = [sys.executable, str(script), *args, "--summary-json", summary, "--no-progress", "--threads", str(threads)]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(summary) as f:
        out = json.load(f)
    os.unlink(summary)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.environ.get("MINICONV_DATA", str(ROOT.parent / "shared" / "mnist")))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--hdims", type=int, nargs="+", default=[32])
    p.add_argument("--batchnorm", action=argparse.BooleanOptionalAction, default=True)
    p.add_argument("--scheduler", default="none", help="the example's --scheduler (issue 4's fidelity runs: none)")
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--libs", nargs="+", default=["miniconv", "torch"])
    a = p.parse_args()

    example = ROOT / "examples" / "train_mnist.py"
    tmpdir = pathlib.Path(tempfile.mkdtemp())
    torch_script = tmpdir / "train_mnist_torch.py"
    torch_script.write_text(to_torch(example.read_text()))
    scripts = {"miniconv": example, "torch": torch_script}
    results = {lib: [] for lib in a.libs}
    for seed in a.seeds:
        for lib in a.libs:
            args = ["--data", a.data, "--epochs", str(a.epochs), "--seed", str(seed), "--hdims", *map(str, a.hdims),
                    "--checkpoint", str(tmpdir / f"{lib}_{seed}.ckpt"), "--scheduler", a.scheduler,
                    "--batchnorm" if a.batchnorm else "--no-batchnorm"]
            if a.train_limit:
                args += ["--train-limit", str(a.train_limit)]
            r = run(scripts[lib], args, a.threads)
            results[lib].append(r)
            accs = " ".join(f"{100 * h['test_acc']:.2f}" for h in r["history"])
            print(f"{lib:8s} seed {seed}: test acc per epoch {accs}; "
                  f"{statistics.median(h['seconds'] for h in r['history']):.1f} s/epoch", flush=True)

    print(f"\n{a.threads} threads, {a.epochs} epochs, seeds {a.seeds}, hdims {a.hdims}, batchnorm {a.batchnorm}; "
          "medians over seeds\n")
    header = "| library | " + " | ".join(f"test acc ep {e + 1}" for e in range(a.epochs))
    print(header + " | s/epoch | images/s | peak RSS |")
    print("|---" * (a.epochs + 4) + "|")
    for lib, runs in results.items():
        accs = [statistics.median(r["history"][e]["test_acc"] for r in runs) for e in range(a.epochs)]
        sec = statistics.median(h["seconds"] for r in runs for h in r["history"])
        ips = statistics.median(h["images_per_s"] for r in runs for h in r["history"])
        rss = statistics.median(r["peak_rss_mb"] for r in runs)
        print(f"| {lib} | " + " | ".join(f"{100 * x:.2f} %" for x in accs)
              + f" | {sec:.1f} | {ips:.0f} | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
