"""A small Transformer training step, miniconv against PyTorch: two nn.TransformerEncoderLayer (d_model 128,
4 heads, feed-forward 512, GELU, batch_first, no dropout), a Linear head over 100 classes, cross-entropy on a
(32, 64, 128) float32 batch, AdamW; one thread each; median of 7 steps after 3 warm-up steps. --profile adds
miniconv's cProfile table (3 steps).

    python benchmarks/bench_transformer.py [--profile]
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import time, numpy as np, miniconv, torch
miniconv.set_num_threads(1); torch.set_num_threads(1)
def build(lib):
    lib.manual_seed(0)
    nn=lib.nn
    m=nn.Sequential(nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, activation="gelu", batch_first=True),
                    nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, activation="gelu", batch_first=True))
    head=nn.Linear(128, 100)
    opt=lib.optim.AdamW(list(m.parameters())+list(head.parameters()), lr=1e-3)
    return m, head, opt
rng=np.random.default_rng(0)
xa=rng.standard_normal((32,64,128)).astype(np.float32); ya=rng.integers(0,100,(32*64,))
res={}
for lib in (miniconv, torch):
    m,head,opt=build(lib); x=lib.tensor(xa); y=lib.tensor(ya)
    F=lib.nn.functional
    def step():
        opt.zero_grad(); loss=F.cross_entropy(head(m(x)).reshape(-1,100), y); loss.backward(); opt.step()
    for _ in range(3): step()
    ts=[]
    for _ in range(7):
        t=time.perf_counter(); step(); ts.append(time.perf_counter()-t)
    res[lib.__name__]=sorted(ts)[3]*1e3
    print(lib.__name__, f"{res[lib.__name__]:.1f} ms")
if "--profile" in sys.argv:
    import cProfile, pstats
    m,head,opt=build(miniconv); x=miniconv.tensor(xa); y=miniconv.tensor(ya); F=miniconv.nn.functional
    def step():
        opt.zero_grad(); loss=F.cross_entropy(head(m(x)).reshape(-1,100), y); loss.backward(); opt.step()
    step()
    pr=cProfile.Profile(); pr.enable()
    for _ in range(3): step()
    pr.disable(); pstats.Stats(pr).sort_stats('tottime').print_stats(18)
