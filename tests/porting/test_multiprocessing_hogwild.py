"""miniconv.multiprocessing as torch.multiprocessing: Hogwild training through share_memory() and
forked processes (the parent sees the children's updates, as PyTorch's), spawn's error propagation
(a failing process stops the others and its traceback reaches the parent), the sharing strategies."""
import operator

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.multiprocessing as mmp  # noqa: E402
import torch.multiprocessing as tmp  # noqa: E402


def _train(lib, model, x, y, steps):
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for _ in range(steps):
        opt.zero_grad()
        lib.nn.functional.mse_loss(model(x), y).backward()
        opt.step()


def _hogwild(lib, mp, fork_ctx, procs):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.Flatten(), lib.nn.Linear(2 * 4 * 4, 1))
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((8, 1, 6, 6)).astype(np.float32))
    y = lib.tensor(rng.standard_normal((8, 1)).astype(np.float32))
    if lib is miniconv:
        # the parent runs its kernels (an OpenMP team) before forking: GNU OpenMP would hang in the child;
        # miniconv's children run on one thread instead. (PyTorch's child hangs in this case, so its run
        # forks before any parallel op, as its Hogwild example does.)
        model(x)
    model.share_memory()
    assert all(p.is_shared() for p in model.parameters())
    ctx = mp.get_context(fork_ctx)
    workers = [ctx.Process(target=_train, args=(lib, model, x, y, 5)) for _ in range(procs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * procs
    return model, x, y


def test_hogwild_one_process_equals_sequential_training():
    # miniconv only: PyTorch's own forked child hangs once the parent process has run PyTorch's OpenMP pool,
    # which the rest of the test suite does (in a fresh process its Hogwild example works: tutorial t33)
    results = {}
    for lib, mp in ((miniconv, mmp),):
        model, x, y = _hogwild(lib, mp, "fork", 1)
        lib.manual_seed(0)
        ref = lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.Flatten(), lib.nn.Linear(2 * 4 * 4, 1))
        _train(lib, ref, x, y, 5)
        for p, q in zip(model.parameters(), ref.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        results[lib.__name__] = [p.detach().numpy().copy() for p in model.parameters()]
    start = {}
    for lib in (miniconv,):
        lib.manual_seed(0)
        start[lib.__name__] = [p.detach().numpy() for p in lib.nn.Sequential(
            lib.nn.Conv2d(1, 2, 3), lib.nn.Flatten(), lib.nn.Linear(2 * 4 * 4, 1)).parameters()]
    # the children's updates reached the parent's model
    assert any(not np.allclose(a, b) for a, b in zip(results["miniconv"], start["miniconv"]))


def test_hogwild_two_processes_both_update_the_shared_model():
    model, x, y = _hogwild(miniconv, mmp, "fork", 2)
    loss = miniconv.nn.functional.mse_loss(model(x), y).item()
    miniconv.manual_seed(0)
    fresh = miniconv.nn.Sequential(miniconv.nn.Conv2d(1, 2, 3), miniconv.nn.Flatten(), miniconv.nn.Linear(32, 1))
    assert loss < miniconv.nn.functional.mse_loss(fresh(x), y).item()


@pytest.mark.parametrize("mp", [mmp, tmp], ids=["miniconv", "torch"])
def test_spawn_success_and_failure(mp):
    assert mp.spawn(operator.add, args=(1,), nprocs=2) is None
    with pytest.raises(mp.ProcessRaisedException, match="ZeroDivisionError") as info:
        mp.spawn(operator.truediv, args=(0,), nprocs=2)
    assert info.value.error_index in (0, 1)
    ctx = mp.start_processes(operator.add, args=(2,), nprocs=2, join=False, start_method="fork")
    while not ctx.join():
        pass
    assert len(ctx.pids()) == 2


@pytest.mark.parametrize("mp", [mmp, tmp], ids=["miniconv", "torch"])
def test_sharing_strategies(mp):
    assert mp.get_all_sharing_strategies() == {"file_descriptor", "file_system"}
    old = mp.get_sharing_strategy()
    mp.set_sharing_strategy("file_system")
    assert mp.get_sharing_strategy() == "file_system"
    mp.set_sharing_strategy(old)
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("bogus")
    assert mp.Queue is not None and mp.cpu_count() >= 1


def test_forked_child_after_parallel_kernels_runs_single_threaded():
    import os
    import sys
    import subprocess
    code = ("import os, warnings, miniconv as m\n"
            "m.set_num_threads(2)\n"
            "x, w = m.randn(16, 16, 32, 32), m.randn(16, 16, 3, 3)\n"
            "ref = m.nn.functional.conv2d(x, w).numpy()\n"
            "r, wfd = os.pipe()\n"
            "pid = os.fork()\n"
            "if pid == 0:\n"
            "    with warnings.catch_warnings(record=True) as ws:\n"
            "        warnings.simplefilter('always')\n"
            "        m.set_num_threads(2)\n"
            "    ok = (m.nn.functional.conv2d(x, w).numpy() == ref).all() and m.get_num_threads() == 1\n"
            "    os.write(wfd, b'%d %d' % (ok, len(ws))); os._exit(0)\n"
            "os.waitpid(pid, 0); print(os.read(r, 10).decode())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, OMP_NUM_THREADS="2"))
    assert out.stdout.split() == ["1", "1"], out.stderr
