"""DDP and SyncBatchNorm against single-process training (run by tests/test_distributed.py under mpiexec).

Every rank also trains the single-process reference itself (same data, global batch B), so the check
needs no file exchange: DDP with 2 ranks x B/2 must match 1 process x B up to float32 summation order,
and all ranks must hold bitwise-identical weights.
"""
import numpy as np
from _common import done, setup

import miniconv
import miniconv.distributed as dist
import miniconv.nn as nn
import miniconv.nn.functional as F
from miniconv.autograd import ArrayFunction
from miniconv.nn.parallel import DistributedDataParallel as DDP
from miniconv.utils.data.distributed import DistributedSampler

rank, world = setup()
B = 8 * world  # global batch
N = 4 * B      # dataset: 4 steps per epoch


def make_model(batchnorm):
    miniconv.manual_seed(1234)
    layers = [nn.Conv2d(1, 4, 3, padding=1)]
    if batchnorm:
        layers.append(nn.BatchNorm2d(4))
    layers += [nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10)]
    return nn.Sequential(*layers)


rng = np.random.default_rng(7)
X = rng.standard_normal((N, 1, 8, 8)).astype(np.float32)
Y = rng.integers(0, 10, N)


def gather_flat(model):
    """Every rank's parameters and buffers, flattened: (world, n)."""
    flat = np.concatenate([t.numpy().reshape(-1).astype(np.float64) for t in model.state_dict().values()])
    outs = [miniconv.zeros(flat.size, dtype=miniconv.float64) for _ in range(world)]
    dist.all_gather(outs, miniconv.tensor(flat))
    return np.stack([o.numpy() for o in outs])


def check_against_single_process(batchnorm, epochs=2):
    ref = make_model(batchnorm)
    model = make_model(batchnorm)
    if rank != 0:  # a different start on the other ranks: DDP must broadcast rank 0's weights
        with miniconv.no_grad():
            for p in model.parameters():
                p.mul_(0.5)
    if batchnorm:
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        assert isinstance(model[1], nn.SyncBatchNorm)
    ddp = DDP(model, bucket_cap_mb=0.001)  # several buckets
    assert len(ddp._buckets) > 1
    assert list(ddp.state_dict()) == ["module." + k for k in ref.state_dict()]
    opt_ref = miniconv.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    opt = miniconv.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    sampler = DistributedSampler(range(N), num_replicas=world, rank=rank, shuffle=True, seed=3)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        mine = np.array(list(sampler))
        # the global order the shards come from: rank r holds positions r, r + world, ...
        order = np.empty(N, np.int64)
        for r in range(world):
            order[r::world] = _shard(r, epoch)
        assert (order[rank::world] == mine).all()
        for step in range(N // B):
            gidx = order[step * B:(step + 1) * B]
            lidx = mine[step * (B // world):(step + 1) * (B // world)]
            assert sorted(np.concatenate([order[step * B + r:(step + 1) * B:world] for r in range(world)])) == sorted(gidx)
            opt_ref.zero_grad()
            F.cross_entropy(ref(miniconv.tensor(X[gidx])), miniconv.tensor(Y[gidx])).backward()
            opt_ref.step()
            opt.zero_grad()
            F.cross_entropy(ddp(miniconv.tensor(X[lidx])), miniconv.tensor(Y[lidx])).backward()
            opt.step()
    flat = gather_flat(ddp.module)
    for r in range(1, world):
        assert np.array_equal(flat[0], flat[r]), "ranks hold different weights"
    for (name, a), b in zip(ref.state_dict().items(), ddp.module.state_dict().values()):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=2e-4, atol=2e-5, err_msg=name)


def _shard(r, epoch):
    s = DistributedSampler(range(N), num_replicas=world, rank=r, shuffle=True, seed=3)
    s.set_epoch(epoch)
    return list(s)


check_against_single_process(batchnorm=False)
check_against_single_process(batchnorm=True)


# SyncBatchNorm alone: forward, running stats and gradients against BatchNorm on the concatenated batch
def sync_bn_check(shape, cls):
    xs = [np.random.default_rng(50 + r).standard_normal(shape).astype(np.float32) * (r + 1) + r
          for r in range(world)]
    gys = [np.random.default_rng(80 + r).standard_normal(shape).astype(np.float32) for r in range(world)]
    C = shape[1]
    bn = cls(C, momentum=0.3)
    sbn = nn.SyncBatchNorm(C, momentum=0.3)
    for m in (bn, sbn):
        with miniconv.no_grad():
            m.weight.copy_(miniconv.tensor(np.linspace(0.5, 1.5, C).astype(np.float32)))
            m.bias.copy_(miniconv.tensor(np.linspace(-1, 1, C).astype(np.float32)))
    x_all = miniconv.tensor(np.concatenate(xs), requires_grad=True)
    y_all = bn(x_all)
    (y_all * miniconv.tensor(np.concatenate(gys))).sum().backward()
    x = miniconv.tensor(xs[rank], requires_grad=True)
    y = sbn(x)
    (y * miniconv.tensor(gys[rank])).sum().backward()
    n = shape[0]
    np.testing.assert_allclose(y.detach().numpy(), y_all.detach().numpy()[rank * n:(rank + 1) * n], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), x_all.grad.numpy()[rank * n:(rank + 1) * n], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(sbn.running_mean.numpy(), bn.running_mean.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sbn.running_var.numpy(), bn.running_var.numpy(), rtol=1e-5, atol=1e-6)
    assert int(sbn.num_batches_tracked.item()) == 1
    # weight/bias gradients stay local (as PyTorch); their sum over ranks is BatchNorm's gradient
    for p_s, p in ((sbn.weight, bn.weight), (sbn.bias, bn.bias)):
        g = p_s.grad.clone()
        dist.all_reduce(g)
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-4, atol=1e-4)
    # eval: the running statistics, no communication
    sbn.eval()
    bn.eval()
    np.testing.assert_allclose(sbn(miniconv.tensor(xs[0])).detach().numpy(), bn(miniconv.tensor(xs[0])).detach().numpy(),
                               rtol=1e-5, atol=1e-5)


sync_bn_check((3, 4, 5, 6), nn.BatchNorm2d)
sync_bn_check((5, 3), nn.BatchNorm1d)
sync_bn_check((2, 3, 7), nn.BatchNorm1d)


# The bucket all-reduces start while backward still runs, and are complete when backward returns
events = []


class Mark(ArrayFunction):
    """Identity whose backward logs when backward reaches the network's input (the last node walked)."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        events.append(("input reached",))
        return g


model = make_model(False)
ddp = DDP(model, bucket_cap_mb=0.001)
ddp._event_log = events
x = miniconv.tensor(X[:4], requires_grad=True)
loss = F.cross_entropy(ddp(Mark.apply(x)), miniconv.tensor(Y[:4]))
loss.backward()
events.append(("backward returned",))
nb = len(ddp._buckets)
launches = [i for i, e in enumerate(events) if e[0] == "launch"]
dones = [i for i, e in enumerate(events) if e[0] == "done"]
reached = events.index(("input reached",))
returned = events.index(("backward returned",))
assert [events[i][1] for i in launches] == list(range(nb)), events
assert launches[0] < reached, f"no bucket all-reduce started before backward reached the input: {events}"
assert len(dones) == nb and max(dones) < returned, events
# and the gradients are averaged: identical on both ranks
g = np.concatenate([p.grad.numpy().ravel() for p in model.parameters()])
outs = [miniconv.zeros(g.size) for _ in range(world)]
dist.all_gather(outs, miniconv.tensor(g))
assert all(np.array_equal(outs[0].numpy(), o.numpy()) for o in outs)

# no_sync: local accumulation, then one synchronised backward averages the accumulated sum
ref = make_model(False)
model = make_model(False)
ddp = DDP(model)
half = B // world // 2
idx = np.arange(B).reshape(world, -1)  # rank r's samples of the global batch
for micro in range(2):
    lidx = idx[rank, micro * half:(micro + 1) * half]
    loss = F.cross_entropy(ddp(miniconv.tensor(X[lidx])), miniconv.tensor(Y[lidx]), reduction="sum")
    if micro == 0:
        with ddp.no_sync():
            loss.backward()
        local = model[0].weight.grad.clone()
        outs = [miniconv.zeros(*local.shape) for _ in range(world)]
        dist.all_gather(outs, local)
        assert not np.array_equal(outs[0].numpy(), outs[1].numpy()), "no_sync() still synchronised"
    else:
        loss.backward()
F.cross_entropy(ref(miniconv.tensor(X[:B])), miniconv.tensor(Y[:B]), reduction="sum").backward()
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.numpy() * world, q.grad.numpy(), rtol=1e-4, atol=1e-5)
# A parameter unused on one rank counts as zero in the average (no hang); all ranks get the same .grad
class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 2)
        self.b = nn.Linear(3, 2)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


miniconv.manual_seed(5)
two = TwoBranches()
ddp = DDP(two, bucket_cap_mb=0.00001)  # one bucket per parameter
xb = miniconv.tensor(np.ones((4, 3), np.float32) * (rank + 1))
ddp(xb, use_b=(rank == 0)).sum().backward()
gb = [miniconv.zeros(2, 3) for _ in range(world)]
dist.all_gather(gb, two.b.weight.grad)
assert np.array_equal(gb[0].numpy(), gb[1].numpy())
np.testing.assert_allclose(two.b.weight.grad.numpy(), np.full((2, 3), 4.0 / world), rtol=1e-6)  # rank 0's 4 / world


# DDP compares the models across ranks when it wraps them (PyTorch's _verify_param_shape_across_processes):
# every rank raises, the one that differs with PyTorch's message; the group stays usable
class Pair(nn.Module):
    def __init__(self, swap):
        super().__init__()
        if swap:  # the same parameters (same element counts) registered in the other order
            self.b = nn.Linear(6, 4)
            self.a = nn.Linear(4, 6)
        else:
            self.a = nn.Linear(4, 6)
            self.b = nn.Linear(6, 4)


def ddp_error(model):
    try:
        DDP(model)
    except RuntimeError as e:
        return str(e)
    raise AssertionError("DDP accepted models that differ across ranks")


msg = ddp_error(Pair(swap=rank == 1))
if rank == 1:
    assert msg == "[1]: params[0] in this process with sizes [4, 6] appears not to match sizes of the same param " \
                  "in process 0.", msg
else:
    assert msg.startswith("[0]: params[0] in process 1 (sizes [4, 6], dtype miniconv.float32) appears not to "
                          "match the same param in process 0 (sizes [6, 4]"), msg
extra = [nn.Linear(2, 2)] if rank == 1 else []
msg = ddp_error(nn.Sequential(nn.Linear(3, 3), *extra))
other = 1 - rank
assert msg == (f"DDP expects same model across all ranks, but Rank {rank} has {2 + 2 * rank} params, while rank "
               f"{other} has inconsistent {2 + 2 * other} params."), msg
model = nn.Linear(3, 3)
if rank == 1:
    model = model.double()
msg = ddp_error(model)
if rank == 1:
    assert msg == "[1]: params[0] in this process with dtype miniconv.float64 appears not to match dtype of the " \
                  "same param in process 0.", msg
msg = None
try:
    DDP(nn.Linear(3, 3), bucket_cap_mb=1 + rank)
except RuntimeError as e:
    msg = str(e)
assert msg is not None and "the same bucket_cap_mb on all ranks" in msg, msg
t = miniconv.ones(2)
dist.all_reduce(t)
assert (t.numpy() == world).all()
done("ddp")
