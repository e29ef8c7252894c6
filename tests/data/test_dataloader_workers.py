"""DataLoader(num_workers > 0) against torch.utils.data: the same dataset code loaded by worker processes in both
libraries gives the same batches, worker info, seeding, sharding and error messages; no worker outlives its
iterator (after the epoch, ``del``, an exception or Ctrl-C)."""
import gc
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import miniconv
from miniconv.data._worker import numpy_seed

torch = pytest.importorskip("torch")
LIBS = {"torch": torch, "miniconv": miniconv}


def _gone(pids):
    """True when none of ``pids`` is a child of this process any more (exited and reaped: no zombie)."""
    for pid in set(pids):
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return False  # it had exited but was not reaped yet
        except ChildProcessError:
            continue  # reaped
        return False  # still running
    return True


def _assert_no_workers_left(pids):
    gc.collect()
    assert multiprocessing.active_children() == []
    assert _gone(pids)


class Squares:
    """A deterministic map-style dataset written once for both libraries: (x, x**2 as float, the loading pid)."""

    def __init__(self, lib, n=23):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return self.lib.tensor([float(i), float(i * i)]), i, os.getpid()


class WorkerInfoProbe(Squares):
    """Reports what the worker sees: get_worker_info(), and the first draw of each seeded generator."""

    def __getitem__(self, i):
        info = self.lib.utils.data.get_worker_info()
        return dict(index=i, id=info.id, num_workers=info.num_workers, seed=info.seed,
                    same_dataset=type(info.dataset) is type(self) and info.dataset.n == self.n,
                    py=random.random(), lib=float(self.lib.rand(1)[0]), np=float(np.random.random()))


class Stream:
    """An iterable-style dataset for both libraries; with ``shard`` each worker yields its own share."""

    def __init__(self, lib, n=11, shard=True):
        self.lib, self.n, self.shard = lib, n, shard

    def __iter__(self):
        info = self.lib.utils.data.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


def _stream(lib, **kw):
    base = lib.utils.data.IterableDataset
    return type("Stream", (Stream, base), {})(lib, **kw)


class Failing(Squares):
    def __init__(self, lib, bad, exc=ValueError):
        super().__init__(lib, 6)
        self.bad, self.exc = bad, exc

    def __getitem__(self, i):
        if i == self.bad:
            raise self.exc(f"sample {i} is broken")
        return super().__getitem__(i)


def _batches(loader):
    out = []
    for xb, ib, _ in loader:
        out.append((xb.numpy().tolist(), ib.numpy().tolist()))
    return out


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=4),
    dict(batch_size=5, drop_last=True, prefetch_factor=1),
    dict(batch_size=3, sampler=[5, 1, 22, 7, 7, 0, 13, 2]),
    dict(batch_sampler=[[3, 1], [0], [9, 8, 7, 6, 5], [22]]),
    dict(batch_size=None, sampler=[4, 2, 0]),
], ids=str)
def test_map_style_batches_equal_torch_with_workers_and_without(kwargs):
    results = {}
    for name, lib in LIBS.items():
        for workers in (0, 2):
            loader = lib.utils.data.DataLoader(Squares(lib), num_workers=workers,
                                               **(kwargs if workers else {k: v for k, v in kwargs.items()
                                                                          if k != "prefetch_factor"}))
            if kwargs.get("batch_size", 1) is None:
                batches = [(x.numpy().tolist(), int(i)) for x, i, _ in loader]
            else:
                batches = _batches(loader)
            results[name, workers] = batches
    assert results["miniconv", 2] == results["miniconv", 0] == results["torch", 2] == results["torch", 0]
    _assert_no_workers_left([])


def test_shuffled_order_is_the_same_for_any_num_workers_and_epoch():
    # PyTorch's rule, kept: each epoch draws the base seed, then the permutation, from the same generator
    runs = []
    for workers in (0, 2, 0):
        g = miniconv.Generator().manual_seed(7)
        loader = miniconv.utils.data.DataLoader(Squares(miniconv), batch_size=4, shuffle=True, generator=g,
                                                num_workers=workers)
        runs.append([_batches(loader) for _ in range(2)])
    assert runs[0] == runs[1] == runs[2]
    assert runs[0][0] != runs[0][1]  # two epochs, two orders


def test_batches_come_from_workers_round_robin_like_torch():
    for name, lib in LIBS.items():
        loader = lib.utils.data.DataLoader(Squares(lib, 12), batch_size=2, num_workers=2)
        pids = [pb.numpy().tolist() for _, _, pb in loader]
        assert all(len(set(p)) == 1 for p in pids), name  # one worker makes one whole batch
        by_batch = [p[0] for p in pids]
        assert os.getpid() not in by_batch
        assert by_batch[0::2] == [by_batch[0]] * 3 and by_batch[1::2] == [by_batch[1]] * 3, name
        assert by_batch[0] != by_batch[1]
        _assert_no_workers_left(by_batch)


def test_worker_info_and_seeding_match_torch():
    for name, lib in LIBS.items():
        lib.manual_seed(3)
        ds = WorkerInfoProbe(lib, 8)
        assert lib.utils.data.get_worker_info() is None
        rows = [r for batch in lib.utils.data.DataLoader(ds, batch_size=2, num_workers=2,
                                                         collate_fn=lambda b: b) for r in batch]
        assert [r["id"] for r in rows] == [0, 0, 1, 1, 0, 0, 1, 1], name
        assert all(r["num_workers"] == 2 and r["same_dataset"] for r in rows), name
        base = rows[0]["seed"]
        assert [r["seed"] - base for r in rows] == [r["id"] for r in rows], name
        for worker in (0, 1):
            first = next(r for r in rows if r["id"] == worker)
            seed = first["seed"]
            # Python's random and the library's default generator are seeded with base_seed + worker id ...
            assert first["py"] == random.Random(seed).random(), name
            if lib is torch:
                expected = float(torch.rand(1, generator=torch.Generator().manual_seed(seed))[0])
            else:
                expected = float(miniconv.rand(1, generator=miniconv.Generator().manual_seed(seed))[0])
            assert first["lib"] == expected, name
            # ... and NumPy's global generator with PyTorch's _generate_state(base_seed, worker id)
            assert first["np"] == np.random.RandomState(numpy_seed(base, worker)).random_sample(), name


def test_numpy_seed_is_torch_generate_state():
    from torch.utils.data._utils.worker import _generate_state

    rng = random.Random(0)
    for _ in range(200):
        base, worker = rng.getrandbits(63), rng.randrange(32)
        assert numpy_seed(base, worker).tolist() == _generate_state(base, worker)


def test_base_seed_comes_from_the_loader_generator():
    def seeds(seed):
        loader = miniconv.utils.data.DataLoader(WorkerInfoProbe(miniconv, 2), batch_size=1, num_workers=1,
                                                generator=miniconv.Generator().manual_seed(seed),
                                                collate_fn=lambda b: b[0]["seed"])
        return [list(loader) for _ in range(2)]

    a, b, c = seeds(11), seeds(11), seeds(12)
    assert a == b and a != c
    assert a[0] != a[1]  # a new base seed every epoch


@pytest.mark.parametrize("kwargs, shard", [(dict(batch_size=2), True), (dict(batch_size=3, drop_last=True), True),
                                           (dict(batch_size=None), True), (dict(batch_size=2), False)], ids=str)
def test_iterable_dataset_sharding_equals_torch(kwargs, shard):
    out = {}
    for name, lib in LIBS.items():
        for workers in (0, 2):
            loader = lib.utils.data.DataLoader(_stream(lib, shard=shard), num_workers=workers, **kwargs)
            out[name, workers] = [b.numpy().tolist() if hasattr(b, "numpy") else b for b in loader]
            assert len(loader) == len(torch.utils.data.DataLoader(_stream(torch), **kwargs))
    assert out["miniconv", 0] == out["torch", 0]
    assert out["miniconv", 2] == out["torch", 2]
    _assert_no_workers_left([])


def _error(lib, **kw):
    """(exception class, message) of iterating the loader; the traceback (which holds the iterator) is dropped."""
    it = iter(lib.utils.data.DataLoader(**kw))
    try:
        list(it)
    except Exception as e:
        return type(e), str(e)
    finally:
        if lib is torch:  # PyTorch's iterator, kept alive by a reference cycle, would wait 5 s per worker in gc
            it._shutdown_workers()
        del it
    raise AssertionError("no error")


@pytest.mark.parametrize("exc", [ValueError, KeyError, IndexError])
def test_worker_error_is_raised_in_main_with_the_worker_traceback(exc):
    errs = {name: _error(lib, dataset=Failing(lib, 3, exc), batch_size=1, num_workers=2)
            for name, lib in LIBS.items()}
    (t_type, t_msg), (m_type, m_msg) = errs["torch"], errs["miniconv"]
    assert m_type is t_type is exc
    tl, ml = t_msg.splitlines(), m_msg.splitlines()
    assert ml[0] == tl[0] == f"Caught {exc.__name__} in DataLoader worker process 1."
    assert ml[1] == tl[1] == "Original Traceback (most recent call last):"
    assert ml[-1] == tl[-1]
    assert any("in __getitem__" in line for line in ml) and any("raise self.exc" in line for line in ml)
    _assert_no_workers_left([])


def test_worker_init_fn_runs_in_each_worker_and_its_error_is_raised():
    for name, lib in LIBS.items():
        def init(worker_id):
            random.seed(100 + worker_id)

        loader = lib.utils.data.DataLoader(Squares(lib, 4), batch_size=1, num_workers=2, worker_init_fn=init,
                                           collate_fn=lambda b: random.random())
        draws = {seed: random.Random(seed) for seed in (100, 101)}
        expected = [draws[100].random(), draws[101].random(), draws[100].random(), draws[101].random()]
        assert list(loader) == expected, name  # batches alternate between worker 0 and worker 1

        def bad_init(worker_id):
            raise RuntimeError(f"no setup for worker {worker_id}")

        err_type, msg = _error(lib, dataset=Squares(lib, 4), batch_size=1, num_workers=2, worker_init_fn=bad_init)
        assert err_type is RuntimeError and msg.startswith("Caught RuntimeError in DataLoader worker process 0.")
        assert "no setup for worker 0" in msg and "in bad_init" in msg
    _assert_no_workers_left([])


def test_no_worker_left_after_del_mid_epoch_or_an_exception():
    loader = miniconv.utils.data.DataLoader(Squares(miniconv, 40), batch_size=2, num_workers=2)
    it = iter(loader)
    pids = set()
    for _ in range(3):
        pids.update(next(it)[2].tolist())
    assert len(pids) == 2 and len(multiprocessing.active_children()) == 2
    del it
    _assert_no_workers_left(pids)

    pids = set()
    try:
        for _, _, pb in miniconv.utils.data.DataLoader(Squares(miniconv, 40), batch_size=2, num_workers=2):
            pids.update(pb.tolist())
            if len(pids) == 2:
                raise OSError("the training loop failed")
    except OSError:
        pass
    _assert_no_workers_left(pids)


def test_persistent_workers_live_across_epochs_and_then_go():
    loader = miniconv.utils.data.DataLoader(Squares(miniconv, 8), batch_size=2, num_workers=2,
                                            persistent_workers=True)
    epochs = [_batches(loader) for _ in range(3)]
    pids = [{int(p) for _, _, pb in loader for p in pb.tolist()} for _ in range(2)]
    assert epochs[0] == epochs[1] == epochs[2] == _batches(miniconv.utils.data.DataLoader(Squares(miniconv, 8),
                                                                                          batch_size=2))
    assert pids[0] == pids[1] and len(pids[0]) == 2
    assert len(multiprocessing.active_children()) == 2
    del loader
    _assert_no_workers_left(pids[0])


class Slow(Squares):
    def __getitem__(self, i):
        time.sleep(1.5)
        return super().__getitem__(i)


def test_timeout_raises_torch_error():
    for lib in LIBS.values():
        with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.3 seconds$"):
            next(iter(lib.utils.data.DataLoader(Slow(lib, 2), num_workers=1, timeout=0.3)))
    _assert_no_workers_left([])


class Dying(Squares):
    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return super().__getitem__(i)


def test_a_worker_that_dies_is_reported():
    for lib in LIBS.values():
        with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
            list(lib.utils.data.DataLoader(Dying(lib, 4), batch_size=1, num_workers=2))
    _assert_no_workers_left([])


def test_in_order_false_delivers_every_batch():
    loader = miniconv.utils.data.DataLoader(Squares(miniconv, 10), batch_size=2, num_workers=2, in_order=False)
    assert sorted(i for _, ib, _ in loader for i in ib.tolist()) == list(range(10))


def test_tensors_keep_dtype_shape_and_refuse_graphs():
    class Mixed(Squares):
        def __getitem__(self, i):
            return dict(img=self.lib.ones(2, 3, dtype=self.lib.float64) * i, label=self.lib.tensor(i))

    loader = miniconv.utils.data.DataLoader(Mixed(miniconv, 4), batch_size=2, num_workers=2)
    batches = list(loader)
    assert batches[1]["img"].dtype == miniconv.float64 and batches[1]["img"].shape == (2, 2, 3)
    assert batches[1]["label"].tolist() == [2, 3]

    class Graph(Squares):
        def __getitem__(self, i):
            return self.lib.ones(2, requires_grad=True) * 2

    # PyTorch's message; PyTorch itself prints it from the worker's queue thread and then waits forever,
    # miniconv raises it in the main process like any other worker error
    err_type, msg = _error(miniconv, dataset=Graph(miniconv, 2), batch_size=None, num_workers=1)
    assert err_type is RuntimeError and "Cowardly refusing to serialize non-leaf tensor" in msg
    _assert_no_workers_left([])


@pytest.mark.parametrize("kwargs", [
    dict(num_workers=0, prefetch_factor=2), dict(num_workers=1, prefetch_factor=-1),
    dict(num_workers=0, persistent_workers=True), dict(timeout=-1.0),
    dict(num_workers=0, multiprocessing_context="fork"), dict(num_workers=1, multiprocessing_context="threads"),
    dict(num_workers=1, multiprocessing_context=3),
], ids=str)
def test_argument_errors_match_torch(kwargs):
    with pytest.raises(Exception) as t_err:
        torch.utils.data.DataLoader(Squares(torch), **kwargs)
    with pytest.raises(t_err.type) as m_err:
        miniconv.utils.data.DataLoader(Squares(miniconv), **kwargs)
    assert str(m_err.value) == str(t_err.value)


def test_pin_memory_is_accepted_with_torch_warning():
    msgs = {}
    for name, lib in LIBS.items():
        with pytest.warns(UserWarning) as rec:
            batches = _batches(lib.utils.data.DataLoader(Squares(lib, 4), batch_size=2, pin_memory=True,
                                                         num_workers=1))
        msgs[name] = sorted(str(w.message) for w in rec)
        assert batches == _batches(lib.utils.data.DataLoader(Squares(lib, 4), batch_size=2))
    assert msgs["miniconv"] == msgs["torch"]


SPAWN_SCRIPT = textwrap.dedent("""
    import multiprocessing, os, sys
    sys.path.insert(0, {root!r})
    import miniconv
    from miniconv.utils.data import DataLoader, TensorDataset, get_worker_info

    class Ids(miniconv.utils.data.Dataset):
        def __len__(self):
            return 6
        def __getitem__(self, i):
            info = get_worker_info()
            return i, info.id, os.getpid()

    if __name__ == "__main__":
        out = [(b[0].tolist(), b[1].tolist()) for b in DataLoader(Ids(), batch_size=2, num_workers=2,
                                                                   multiprocessing_context="spawn")]
        assert out == [([0, 1], [0, 0]), ([2, 3], [1, 1]), ([4, 5], [0, 0])], out
        assert multiprocessing.active_children() == []
        print("spawn ok")
""")


def test_spawn_context(tmp_path):
    script = tmp_path / "spawn_loader.py"
    script.write_text(SPAWN_SCRIPT.format(root=os.getcwd()))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "spawn ok" in proc.stdout, proc.stdout + proc.stderr


CTRL_C_SCRIPT = textwrap.dedent("""
    import multiprocessing, os, sys, time
    sys.path.insert(0, {root!r})
    import miniconv
    from miniconv.utils.data import DataLoader, Dataset

    class Slowish(Dataset):
        def __len__(self):
            return 10000
        def __getitem__(self, i):
            time.sleep(0.05)
            return os.getpid()

    pids = set()
    try:
        for batch in DataLoader(Slowish(), batch_size=2, num_workers=2):
            pids.update(batch.tolist())
            if len(pids) == 2:
                print("READY", flush=True)
    except KeyboardInterrupt:
        pass
    children = multiprocessing.active_children()
    left = []
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
            left.append(pid)
        except ChildProcessError:
            pass
    print("children", children, "left", left, flush=True)
""")


def test_ctrl_c_leaves_no_worker(tmp_path):
    script = tmp_path / "ctrl_c_loader.py"
    script.write_text(CTRL_C_SCRIPT.format(root=os.getcwd()))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "READY", line + proc.stderr.read()
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole foreground process group
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, out + err
    assert "children [] left []" in out, out + err
    assert "Traceback" not in err, err
