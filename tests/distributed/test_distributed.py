"""miniconv.distributed, DistributedDataParallel, SyncBatchNorm and DistributedSampler.

The multi-process checks are scripts in tests/distributed/ that pytest launches with ``mpiexec -n 2`` (over
shared memory, over TCP on loopback, and over TCP between two network namespaces); each rank prints
``OK <name>`` when all its assertions hold. They skip cleanly when mpi4py or mpiexec is missing. The
single-process parts (errors, fallbacks, sampler index lists) are compared with PyTorch in-process.
"""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys
import uuid

import numpy as np
import pytest

import miniconv
import miniconv.distributed as dist
import miniconv.nn as nn
from miniconv.utils.data.distributed import DistributedSampler

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "distributed"


def _mpiexec():
    here = pathlib.Path(sys.executable).parent / "mpiexec"
    return str(here) if here.exists() else shutil.which("mpiexec")


needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or _mpiexec() is None,
    reason="mpi4py and mpiexec are needed (pip install \"miniconv[distributed]\")",
)


def _env():
    env = dict(os.environ)
    env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def _run_mpi(script, *mpi_args, n=2, prefix=(), timeout=120, env=None):
    cmd = [*prefix, _mpiexec(), "-n", str(n), "--oversubscribe", *mpi_args, sys.executable, str(SCRIPTS / script)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env or _env())
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    name = script[:-3]
    for r in range(n):
        assert f"OK {name} rank {r}" in proc.stdout, out
    return proc.stdout


# -- multi-process --------------------------------------------------------------------------------
@needs_mpi
def test_collectives_against_numpy():
    _run_mpi("collectives.py")


@needs_mpi
def test_ddp_and_syncbatchnorm_against_single_process():
    # DDP (2 ranks x B/2) == 1 process x B; ranks bitwise identical; SyncBatchNorm == BatchNorm on the
    # concatenated batch; bucket all-reduces start during backward and finish before it returns; no_sync.
    _run_mpi("ddp.py")


@needs_mpi
def test_tcp_over_loopback():
    _run_mpi("collectives.py", "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo")


def _netns_pair():
    """Two network namespaces joined by a veth pair (10.77.0.1 <-> 10.77.0.2), or a reason why not."""
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        return None, "the ip and unshare commands are needed"
    tag = uuid.uuid4().hex[:6]
    a, b = f"mc{tag}a", f"mc{tag}b"
    steps = [["ip", "netns", "add", a], ["ip", "netns", "add", b],
             ["ip", "link", "add", f"mv{tag}a", "type", "veth", "peer", "name", f"mv{tag}b"],
             ["ip", "link", "set", f"mv{tag}a", "netns", a], ["ip", "link", "set", f"mv{tag}b", "netns", b],
             ["ip", "-n", a, "addr", "add", "10.77.0.1/24", "dev", f"mv{tag}a"],
             ["ip", "-n", b, "addr", "add", "10.77.0.2/24", "dev", f"mv{tag}b"],
             ["ip", "-n", a, "link", "set", f"mv{tag}a", "up"], ["ip", "-n", b, "link", "set", f"mv{tag}b", "up"],
             ["ip", "-n", a, "link", "set", "lo", "up"], ["ip", "-n", b, "link", "set", "lo", "up"]]
    for step in steps:
        proc = subprocess.run(step, capture_output=True, text=True)
        if proc.returncode != 0:
            _netns_delete(a, b)
            return None, f"{' '.join(step)} failed: {proc.stderr.strip()}"
    return (a, b), None


def _netns_delete(*names):
    for name in names:  # deleting a namespace also deletes its end of the veth pair
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@needs_mpi
def test_two_network_namespaces():
    """Two "hosts" on this machine: each rank in its own network namespace (and UTS namespace, so its
    own host name), talking TCP over a veth pair; mpiexec reaches the second one through an rsh agent
    that does ``ip netns exec`` instead of ssh. Same kernel and file system: not a real second machine."""
    pair, why = _netns_pair()
    if pair is None:
        pytest.skip(f"cannot create network namespaces here: {why}")
    a, b = pair
    try:
        env = _env()
        env["MINICONV_NETNS_HOSTS"] = f"10.77.0.1={a},10.77.0.2={b}"
        agent = str(SCRIPTS / "netns_agent.sh")
        prefix = ["ip", "netns", "exec", a, "unshare", "--uts", str(SCRIPTS / "with_hostname.sh"), a]
        out = _run_mpi("collectives.py", "--host", "10.77.0.1:1,10.77.0.2:1", "--mca", "plm_rsh_agent", agent,
                       "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "10.77.0.0/24",
                       "--prtemca", "oob_tcp_if_include", "10.77.0.0/24",
                       "-x", "PYTHONPATH", "-x", "OMP_NUM_THREADS", "-x", "PATH",
                       prefix=prefix, env=env, timeout=120)
        assert out.count("OK collectives") == 2
    finally:
        _netns_delete(a, b)


# -- single process: errors and fallbacks as PyTorch's ------------------------------------------------
def test_import_without_mpi4py_then_clear_error():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import miniconv.distributed as dist\n"
            "assert not dist.is_initialized()\n"
            "try:\n    dist.init_process_group('mpi')\n"
            "except RuntimeError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert 'pip install "miniconv[distributed]"' in proc.stdout


def test_import_does_not_initialise_mpi():
    code = ("import sys, threading, miniconv, miniconv.distributed, miniconv.nn.parallel\n"
            "print('mpi4py.MPI' in sys.modules, sys.excepthook is sys.__excepthook__,\n"
            "      threading.excepthook is threading.__excepthook__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.stdout.strip() == "False True True", proc.stderr  # no MPI, no exception hooks at import


@needs_mpi
def test_uncaught_exception_in_a_one_process_job_exits_as_python_does():
    code = ("import miniconv.distributed as dist\n"
            "dist.init_process_group('mpi')\n"
            "raise ValueError('the one rank fails')\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.count("ValueError: the one rank fails") == 1 and "MPI_ABORT" not in proc.stderr, proc.stderr


def test_init_timeout_must_be_a_timedelta_as_torch():
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist

    for bad in (5, "30s"):
        env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "29581"}
        with pytest.MonkeyPatch.context() as mp:
            for k, v in env.items():
                mp.setenv(k, v)
            theirs = _error(lambda bad=bad: tdist.init_process_group("gloo", rank=0, world_size=1, timeout=bad))
        assert _error(lambda bad=bad: dist.init_process_group("mpi", timeout=bad)) == theirs
        assert theirs[0] is TypeError
    assert not dist.is_initialized() and not tdist.is_initialized()
    assert issubclass(dist.DistBackendError, dist.DistError) and issubclass(dist.DistError, RuntimeError)
    assert [c.__name__ for c in dist.DistBackendError.__mro__[:3]] == [
        c.__name__ for c in tdist.DistBackendError.__mro__[:3]]


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


def test_not_initialized_errors_match_torch():
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist

    assert not dist.is_initialized() and not tdist.is_initialized()
    cases = [(lambda d, t: d.get_rank()), (lambda d, t: d.get_world_size()),
             (lambda d, t: d.all_reduce(t.zeros(2))), (lambda d, t: d.barrier()),
             (lambda d, t: d.broadcast(t.zeros(2), 0))]
    for case in cases:
        assert _error(lambda case=case: case(dist, miniconv)) == _error(lambda case=case: case(tdist, torch))
    assert _error(lambda: nn.parallel.DistributedDataParallel(nn.Linear(2, 2))) == _error(
        lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2)))
    assert _error(lambda: dist.destroy_process_group()) == _error(lambda: tdist.destroy_process_group())
    with pytest.raises(ValueError, match="backend='mpi'"):
        dist.init_process_group("gloo")
    assert dist.is_available()
    assert dist.ReduceOp.SUM != dist.ReduceOp.AVG


def test_queue_callback_runs_after_the_graph_walk():
    w = miniconv.randn(3, requires_grad=True)
    v = miniconv.randn(3, requires_grad=True)
    seen = []

    def hook(p):
        miniconv.autograd.queue_callback(lambda: seen.append((w.grad is not None, v.grad is not None)))

    w.register_post_accumulate_grad_hook(hook)
    ((w * 2).sum() + (w * v).sum()).backward()
    assert seen == [(True, True)]  # queued when w's grad arrived, run when v's had arrived too
    with pytest.raises(RuntimeError, match="during the backward pass"):
        miniconv.autograd.queue_callback(lambda: None)


# -- SyncBatchNorm without a process group: BatchNorm, as PyTorch's fallback ------------------------------
def test_syncbatchnorm_single_process_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 3, 5, 5)).astype(np.float32)
    gy = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    ours, theirs = nn.SyncBatchNorm(3, momentum=None), torch.nn.SyncBatchNorm(3, momentum=None)
    for _ in range(2):
        xm, xt = miniconv.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ym, yt = ours(xm), theirs(xt)
        (ym * miniconv.tensor(gy)).sum().backward()
        (yt * torch.tensor(gy)).sum().backward()
        np.testing.assert_allclose(ym.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k].numpy(), v.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert repr(ours) == repr(theirs)
    assert _error(lambda: ours(miniconv.zeros(3))) == _error(lambda: theirs(torch.zeros(3)))


def test_convert_sync_batchnorm_matches_torch():
    torch = pytest.importorskip("torch")

    def build(m):
        return m.Sequential(m.Conv2d(1, 2, 3), m.BatchNorm2d(2), m.Sequential(m.BatchNorm1d(3, affine=False)))

    ours = build(nn)
    theirs = build(torch.nn)
    ours[1].eval()
    conv_m = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    conv_t = torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs)
    assert repr(conv_m) == repr(conv_t)
    assert list(conv_m.state_dict()) == list(conv_t.state_dict())
    assert conv_m[1].weight is ours[1].weight and conv_m[1].running_mean is ours[1].running_mean
    assert conv_m[1].training is False
    single = nn.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(4))
    assert type(single) is nn.SyncBatchNorm


# -- DistributedSampler: PyTorch's index lists ---------------------------------------------------------
SAMPLER_CASES = [(n, replicas, drop_last) for n in (0, 1, 2, 5, 7, 10, 16, 33) for replicas in (1, 2, 3, 4, 8)
                 for drop_last in (False, True) if n > 0 or drop_last]


@pytest.mark.parametrize("n,replicas,drop_last", SAMPLER_CASES)
def test_distributed_sampler_index_lists_match_torch(n, replicas, drop_last):
    torch = pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    for rank in range(replicas):
        ours = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        theirs = TorchSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
        # shuffled: the same permutation of the epoch (randperm from a Generator seeded with seed + epoch)
        for epoch in (0, 3):
            ours = DistributedSampler(range(n), replicas, rank, shuffle=True, seed=5, drop_last=drop_last)
            ours.set_epoch(epoch)
            theirs = TorchSampler(range(n), replicas, rank, shuffle=True, seed=5, drop_last=drop_last)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_distributed_sampler_epochs_and_errors():
    pytest.importorskip("torch")
    from torch.utils.data.distributed import DistributedSampler as TorchSampler

    shards = []
    for rank in range(3):
        s = DistributedSampler(range(10), num_replicas=3, rank=rank, seed=1)
        first = list(s)
        s.set_epoch(1)
        assert list(s) != first  # a new order each epoch
        shards.append(list(s))
    flat = sum(shards, [])
    assert len(flat) == 12 and set(flat) == set(range(10))  # every sample, two repeated as padding
    for args in [(range(5), 2, 2), (range(5), 2, -1)]:
        assert _error(lambda args=args: DistributedSampler(*args)) == _error(lambda args=args: TorchSampler(*args))
    assert _error(lambda: DistributedSampler(range(5))) == _error(lambda: TorchSampler(range(5)))
    assert miniconv.utils.data.DistributedSampler is DistributedSampler


# -- the example, data-parallel -----------------------------------------------------------------------
DATA = os.environ.get("MINICONV_DATA", str(ROOT.parent / "shared" / "mnist"))


@needs_mpi
@pytest.mark.skipif(not pathlib.Path(DATA, "train-images-idx3-ubyte.gz").exists(), reason="MNIST files not found")
def test_example_distributed_trains_and_resumes_exactly(tmp_path):
    common = [str(ROOT / "examples" / "train_mnist.py"), "--distributed", "--data", DATA, "--train-limit", "512",
              "--test-limit", "200", "--batch-size", "64", "--hdims", "32", "--cdims", "8", "16", "--seed", "3",
              "--scheduler", "step", "--no-progress"]

    def run(*args):
        cmd = [_mpiexec(), "-n", "2", "--oversubscribe", sys.executable, *common, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=_env())
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    out = run("--epochs", "2", "--checkpoint", str(tmp_path / "straight.ckpt"),
              "--summary-json", str(tmp_path / "s.json"))
    assert out.count("final test accuracy") == 1 and "on 2 processes" in out  # only rank 0 prints
    import json

    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["world_size"] == 2 and summary["test_acc"] > 0.15  # better than chance after 16 steps
    run("--epochs", "1", "--checkpoint", str(tmp_path / "resumed.ckpt"))
    assert "resumed from" in run("--epochs", "2", "--checkpoint", str(tmp_path / "resumed.ckpt"), "--resume")
    a = miniconv.load(str(tmp_path / "straight.ckpt"))
    b = miniconv.load(str(tmp_path / "resumed.ckpt"))
    assert list(a["model"]) == list(b["model"]) and not any(k.startswith("module.") for k in a["model"])
    for k in a["model"]:
        assert np.array_equal(a["model"][k].numpy(), b["model"][k].numpy()), k
