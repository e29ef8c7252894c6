"""Activations and layer_norm, miniconv against PyTorch: a (32, 64, 256) float32 tensor, one thread,
median of 15 calls after a warm-up; forward alone and forward + backward (f(x).sum().backward()).

    python benchmarks/bench_activations.py
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import time, numpy as np, miniconv, torch
miniconv.set_num_threads(1); torch.set_num_threads(1)
rng=np.random.default_rng(0); a=rng.standard_normal((32,64,256)).astype(np.float32)
for lib in (miniconv, torch):
    F=lib.nn.functional
    x=lib.tensor(a, requires_grad=True)
    for name,f in {"gelu fwd": lambda: F.gelu(x.detach()), "gelu fwdbwd": lambda: F.gelu(x).sum().backward(),
                   "gelu tanh fwdbwd": lambda: F.gelu(x, approximate='tanh').sum().backward(),
                   "silu fwdbwd": lambda: F.silu(x).sum().backward(), "sigmoid fwdbwd": lambda: lib.sigmoid(x).sum().backward(),
                   "tanh fwdbwd": lambda: lib.tanh(x).sum().backward(), "exp fwd": lambda: lib.exp(x.detach()),
                   "softmax fwdbwd": lambda: F.softmax(x,-1).sum().backward(), "layer_norm fwdbwd": lambda: F.layer_norm(x,(256,)).sum().backward()}.items():
        f(); ts=[]
        for _ in range(15):
            t=time.perf_counter(); f(); ts.append(time.perf_counter()-t)
        print(f"{lib.__name__:9s} {name:18s} {sorted(ts)[7]*1e3:8.3f} ms")
