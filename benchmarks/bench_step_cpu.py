"""CPU time (``time.process_time``) per training step of the example CNN (batch 256, hdims 32, batch
norm, Adam) on one thread: on a shared, busy machine wall time mostly measures the neighbours, CPU time
measures this process's work. Prints the median of N timed steps after 2 warm-up steps. To compare two
trees, alternate them:

    for i in 1 2 3 4 5; do for r in /path/to/old /path/to/new; do
      echo "$r $(PYTHONPATH=$r OMP_NUM_THREADS=1 python $r/benchmarks/bench_step_cpu.py 6)"; done; done

Optional arguments after the step count: batch size, library (``miniconv`` or ``torch``: the same
model, loop and clock under PyTorch), warm-up steps. Issue 12's small-batch case, steady state:

    for i in 1 2 3; do for lib in miniconv torch; do
      echo "$lib $(OMP_NUM_THREADS=1 python benchmarks/bench_step_cpu.py 200 32 $lib 50)"; done; done
"""
import json
import os
import sys
import time

# optional: steps, batch size, library (miniconv | torch), warm-up steps
STEPS = int(sys.argv[1]) if len(sys.argv) > 1 else 6
BATCH = int(sys.argv[2]) if len(sys.argv) > 2 else 256
LIB = sys.argv[3] if len(sys.argv) > 3 else "miniconv"
WARMUP = int(sys.argv[4]) if len(sys.argv) > 4 else 2

root = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [root, os.path.join(root, "examples")]
if LIB == "torch":
    import torch
    import torch.nn as nn
    from swap_to_torch import to_torch

    ns = {}
    exec(to_torch(open(os.path.join(root, "examples", "train_mnist.py")).read().split("def parse_args")[0]), ns)
    Model = ns["ConvolutionalNeuralNetworkClass"]
else:
    import miniconv as torch  # noqa: E402
    import miniconv.nn as nn  # noqa: E402
    from train_mnist import ConvolutionalNeuralNetworkClass as Model  # noqa: E402
torch.set_num_threads(1)
torch.manual_seed(0)
model = Model(USE_BATCHNORM=True, hdims=[32])
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(BATCH, 1, 28, 28)
y = torch.randint(0, 10, (BATCH,))
loss_fn = nn.CrossEntropyLoss()


def step():
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(WARMUP):
    step()
ts = []
for _ in range(STEPS):
    t = time.process_time()
    step()
    ts.append(time.process_time() - t)
print(json.dumps(sorted(ts)[len(ts) // 2] * 1e3))
