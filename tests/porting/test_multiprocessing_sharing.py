"""miniconv.multiprocessing against torch.multiprocessing: share_memory_ / Module.share_memory put tensors in
shared memory, so a model trained in child processes (pytorch/examples' mnist_hogwild) is trained in the
parent too, under every start method; spawn() forwards a child's exception or exit code."""
import sys

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
import torch.multiprocessing  # noqa: E402

import miniconv.multiprocessing  # noqa: E402

LIBS = {"miniconv": (miniconv, miniconv.multiprocessing), "torch": (torch, torch.multiprocessing)}


def _lib(name):
    return LIBS[name]


def _train_step(rank, libname, model, x):
    """One SGD step on the model the parent passed (in shared memory): runs in the child."""
    lib, _ = _lib(libname)
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    loss = model(x).square().sum() * (rank + 1)
    loss.backward()
    opt.step()


def _fail(rank, libname):
    if rank == 1:
        raise ValueError(f"bad rank {rank}")


def _exit(rank, libname):
    if rank == 0:
        sys.exit(3)


def _model(lib):
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    with lib.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(lib.from_numpy(np.random.default_rng(i).uniform(-1, 1, tuple(p.shape)).astype(np.float32)))
    return model


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_hogwild_children_train_the_parents_model(method):
    x = np.random.default_rng(9).standard_normal((5, 3)).astype(np.float32)
    results = {}
    for name in ("torch", "miniconv"):
        lib, mp = _lib(name)
        ctx = mp.get_context(method)
        model = _model(lib)
        assert model.share_memory() is model
        assert all(p.is_shared() for p in model.parameters())
        for rank in range(2):  # one after the other: the result does not depend on timing
            p = ctx.Process(target=_train_step, args=(rank, name, model, lib.from_numpy(x)))
            p.start()
            p.join()
            assert p.exitcode == 0
        results[name] = [p.detach().numpy().copy() for p in model.parameters()]
        assert all(p.grad is None for p in model.parameters())  # gradients were made in the children
    before = [p.detach().numpy() for p in _model(miniconv).parameters()]
    for ours, theirs, old in zip(results["miniconv"], results["torch"], before):
        assert not np.array_equal(theirs, old)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["torch", "miniconv"])
def test_share_memory_semantics(name):
    lib, _ = _lib(name)
    t = lib.arange(6.0).reshape(2, 3)
    assert not t.is_shared()
    assert t.share_memory_() is t
    assert t.is_shared() and t[1].is_shared()
    assert t.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    t.add_(1)  # still a tensor like any other
    assert t.sum().item() == 21.0
    v = lib.arange(8.0)[2:6]  # a view: its base moves and the view follows
    v.share_memory_()
    assert v.is_shared() and v.tolist() == [2.0, 3.0, 4.0, 5.0]
    bn = lib.nn.BatchNorm1d(3).share_memory()
    assert bn.running_mean.is_shared() and bn.num_batches_tracked.is_shared()


def test_shared_and_unshared_tensors_through_a_queue():
    """Through a multiprocessing queue a shared tensor arrives as the same memory, an unshared one as a copy."""
    mp = miniconv.multiprocessing
    ctx = mp.get_context("spawn")
    q = ctx.SimpleQueue()
    shared = miniconv.zeros(4).share_memory_()
    plain = miniconv.zeros(4)
    p = ctx.Process(target=_fill_from_queue, args=(q,))
    p.start()
    q.put((shared, plain))
    p.join()
    assert p.exitcode == 0
    assert shared.tolist() == [7.0] * 4 and plain.tolist() == [0.0] * 4


def _fill_from_queue(q):
    shared, plain = q.get()
    assert shared.is_shared() and not plain.is_shared()
    shared.fill_(7.0)
    plain.fill_(7.0)


@pytest.mark.parametrize("name", ["torch", "miniconv"])
def test_spawn_forwards_errors(name):
    _, mp = _lib(name)
    with pytest.raises(mp.ProcessRaisedException) as info:
        mp.spawn(_fail, args=(name,), nprocs=2)
    assert "-- Process 1 terminated with the following error:" in str(info.value)
    assert "ValueError: bad rank 1" in str(info.value)
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as info:
        mp.spawn(_exit, args=(name,), nprocs=2)
    assert info.value.exit_code == 3
    assert mp.spawn(_exit, args=(name,), nprocs=0) is None
    assert mp.get_sharing_strategy() in mp.get_all_sharing_strategies()
