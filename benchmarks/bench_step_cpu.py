"""CPU time (``time.process_time``) per training step of the example CNN (batch 256, hdims 32, batch
norm, Adam) on one thread: on a shared, busy machine wall time mostly measures the neighbours, CPU time
measures this process's work. Prints the median of N timed steps after 2 warm-up steps. To compare two
trees, alternate them:

    for i in 1 2 3 4 5; do for r in /path/to/old /path/to/new; do
      echo "$r $(PYTHONPATH=$r OMP_NUM_THREADS=1 python $r/benchmarks/bench_step_cpu.py 6)"; done; done
"""
import json
import os
import sys
import time

root = os.environ.get("PYTHONPATH", "").split(os.pathsep)[0] or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [root, os.path.join(root, "examples")]
import miniconv as torch  # noqa: E402
import miniconv.nn as nn  # noqa: E402
from train_mnist import ConvolutionalNeuralNetworkClass as Model  # noqa: E402
torch.set_num_threads(1)
torch.manual_seed(0)
model = Model(USE_BATCHNORM=True, hdims=[32])
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
x = torch.randn(256, 1, 28, 28)
y = torch.randint(0, 10, (256,))
loss_fn = nn.CrossEntropyLoss()


def step():
    loss = loss_fn(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()


for _ in range(2):
    step()
ts = []
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 6):
    t = time.process_time()
    step()
    ts.append(time.process_time() - t)
print(json.dumps(sorted(ts)[len(ts) // 2] * 1e3))
