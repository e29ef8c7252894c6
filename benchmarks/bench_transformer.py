"""A small Transformer training step, miniconv against PyTorch: two nn.TransformerEncoderLayer (d_model 128,
4 heads, feed-forward 512, GELU, batch_first, no dropout), a Linear head over 100 classes, cross-entropy on a
(32, 64, 128) float32 batch, AdamW; one thread each; 25 warm-up steps each, then the libraries alternate in
blocks of 4 steps, median over 5 blocks. --profile adds
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
steps = {}
for lib in (miniconv, torch):
    m, head, opt = build(lib)
    x, y = lib.tensor(xa), lib.tensor(ya)
    F = lib.nn.functional

    def step(m=m, head=head, opt=opt, x=x, y=y, F=F):
        opt.zero_grad()
        loss = F.cross_entropy(head(m(x)).reshape(-1, 100), y)
        loss.backward()
        opt.step()
    for _ in range(25):   # steady state: PyTorch's step gets faster over its first ~20
        step()
    steps[lib.__name__] = step
# the libraries alternate in blocks of 4 steps; the median over 5 blocks of (block time / 4)
times = {name: [] for name in steps}
for _ in range(5):
    for name, step in steps.items():
        t = time.perf_counter()
        for _ in range(4):
            step()
        times[name].append((time.perf_counter() - t) / 4)
res = {name: sorted(v)[2] * 1e3 for name, v in times.items()}
for name, ms in res.items():
    print(name, f"{ms:.1f} ms")
print(f"ratio miniconv / torch: {res['miniconv'] / res['torch']:.2f}")
if "--profile" in sys.argv:
    import cProfile, pstats
    m,head,opt=build(miniconv); x=miniconv.tensor(xa); y=miniconv.tensor(ya); F=miniconv.nn.functional
    def step():
        opt.zero_grad(); loss=F.cross_entropy(head(m(x)).reshape(-1,100), y); loss.backward(); opt.step()
    step()
    pr=cProfile.Profile(); pr.enable()
    for _ in range(3): step()
    pr.disable(); pstats.Stats(pr).sort_stats('tottime').print_stats(18)
