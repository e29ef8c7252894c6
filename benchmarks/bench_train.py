"""Train the MNIST example with miniconv and with PyTorch (the same script, imports swapped) and
report accuracy, epoch time, images/s and peak memory side by side.

    python benchmarks/bench_train.py --data ../shared/mnist --epochs 3 --seeds 0 1 2 --threads 2
    python benchmarks/bench_train.py --loop direct --epochs 1 --seeds 0 1 2   # compute only, no DataLoader

--loop script (default) runs the example script itself under both libraries: PyTorch then pays its
per-sample DataLoader (TensorDataset + default collate), so the comparison includes data loading.
--loop direct runs the same small loop under both libraries instead: each batch is taken from the
uint8 image tensor with a tensor of shuffled indices (direct tensor indexing) and normalised, then
forward, loss, backward, Adam step; test accuracy at the end of each epoch. It compares compute.

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
    # examples/ on the path: the swapped copy in a temporary folder imports mnist_support from there
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "examples")]))
    cmd = [sys.executable, str(script), *args, "--summary-json", summary, "--no-progress", "--threads", str(threads)]
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(summary) as f:
        out = json.load(f)
    os.unlink(summary)
    return out


DIRECT = r"""
import gzip, json, resource, sys, time
import numpy as np
sys.path.insert(0, {examples!r})
lib = {lib!r}
if lib == "torch":
    import torch, torch.nn as nn
    from swap_to_torch import to_torch
    ns = {{}}
    exec(to_torch(open({example!r}).read().split("def parse_args")[0]), ns)
    Model = ns["ConvolutionalNeuralNetworkClass"]
else:
    import miniconv as torch, miniconv.nn as nn
    from train_mnist import ConvolutionalNeuralNetworkClass as Model


def idx_file(name, limit=None):
    with gzip.open(f"{data}/{{name}}.gz") as f:
        raw = f.read()
    ndim = raw[3]
    shape = np.frombuffer(raw, ">i4", ndim, 4)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)[:limit]


torch.set_num_threads({threads})
torch.manual_seed({seed})
x_train = torch.from_numpy(np.ascontiguousarray(idx_file("train-images-idx3-ubyte", {limit})[:, None]))
y_train = torch.from_numpy(idx_file("train-labels-idx1-ubyte", {limit}).astype(np.int64))
x_test = torch.from_numpy(np.ascontiguousarray(idx_file("t10k-images-idx3-ubyte")[:, None]))
y_test = torch.from_numpy(idx_file("t10k-labels-idx1-ubyte").astype(np.int64))
model = Model(USE_BATCHNORM={bn}, hdims={hdims!r})
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
order = torch.Generator()
order.manual_seed({seed})
batch = {batch}


def normalize(images):
    return (images.float() / 255.0 - 0.1307) / 0.3081


history = []
for epoch in range({epochs}):
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(len(y_train), generator=order)
    for i in range(0, len(y_train), batch):
        idx = perm[i:i + batch]
        loss = loss_fn(model(normalize(x_train[idx])), y_train[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y_test), batch):
            correct += int((model(normalize(x_test[i:i + batch])).argmax(1) == y_test[i:i + batch]).sum().item())
    history.append({{"epoch": epoch + 1, "test_acc": correct / len(y_test), "seconds": seconds,
                     "images_per_s": len(y_train) / seconds}})
print(json.dumps({{"history": history, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_direct(lib, a, seed):
    code = DIRECT.format(examples=str(ROOT / "examples"), example=str(ROOT / "examples" / "train_mnist.py"),
                         lib=lib, data=a.data, threads=a.threads, seed=seed, limit=a.train_limit,
                         bn=a.batchnorm, hdims=a.hdims, batch=a.batch_size, epochs=a.epochs)
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


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
    p.add_argument("--loop", choices=["script", "direct"], default="script",
                   help="script: the example under both libraries; direct: one loop with direct tensor indexing")
    p.add_argument("--batch-size", type=int, default=256, help="--loop direct only (the script's default is 256)")
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
            r = run_direct(lib, a, seed) if a.loop == "direct" else run(scripts[lib], args, a.threads)
            results[lib].append(r)
            accs = " ".join(f"{100 * h['test_acc']:.2f}" for h in r["history"])
            print(f"{lib:8s} seed {seed}: test acc per epoch {accs}; "
                  f"{statistics.median(h['seconds'] for h in r['history']):.1f} s/epoch", flush=True)

    print(f"\n{a.loop} loop, {a.threads} threads, {a.epochs} epochs, seeds {a.seeds}, hdims {a.hdims}, batchnorm {a.batchnorm}; "
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
