"""The main-process side of ``DataLoader(num_workers > 0)``: starts the workers, hands out batches of indices,
and returns the batches in the sampler's order (a port of PyTorch's ``_MultiProcessingDataLoaderIter``).

Task ``k`` (the ``k``-th item of the index stream) goes to worker ``k % num_workers`` (skipping workers whose
stream ended); at most ``prefetch_factor * num_workers`` tasks are outstanding. Results arriving early are kept
in ``task_info`` until their turn, so the batches come out in the same order as with ``num_workers=0``
(``in_order=False`` returns them as they arrive).

Shutdown (end of the epoch, ``del`` of the iterator, an exception, Ctrl-C, interpreter exit): set the done event,
send ``None`` to every worker, join them (terminating any that do not exit), close the queues. Joining reaps the
processes, so no zombie is left behind.
"""
import itertools
import multiprocessing
import os
import queue
import weakref

from .. import _random
from . import _worker
from .dataset import IterableDataset

# iterators whose workers are still running, shut down at interpreter exit before multiprocessing's own clean-up
_live_iterators = weakref.WeakSet()


def draw_base_seed(loader):
    """The workers' base seed: one 63-bit draw from the loader's generator (or the default one), as PyTorch makes at
    the start of every epoch (with or without workers, so the sampler's order does not depend on num_workers)."""
    return _random.random64(loader._generator()) % 2**63  # torch.empty((), dtype=torch.int64).random_()


class _MultiProcessingDataLoaderIter:
    def __init__(self, loader):
        self._dataset = loader.dataset
        self._is_iterable = isinstance(loader.dataset, IterableDataset)
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        self._timeout = loader.timeout
        self._persistent_workers = loader.persistent_workers
        self._base_seed = draw_base_seed(loader)
        self._shutdown = False
        self._workers = []
        self._index_queues = []
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._worker_result_queue = ctx.Queue()
        self._workers_done_event = ctx.Event()
        for i in range(self._num_workers):
            index_queue = ctx.Queue()
            index_queue.cancel_join_thread()
            w = ctx.Process(target=_worker.worker_loop, daemon=True,
                            args=(self._dataset, index_queue, self._worker_result_queue, self._workers_done_event,
                                  loader._auto_collation, loader.collate_fn, loader.drop_last, self._base_seed,
                                  loader.worker_init_fn, i, self._num_workers, os.getpid()))
            w.start()
            self._index_queues.append(index_queue)
            self._workers.append(w)
        _live_iterators.add(self)
        self._reset(loader, first_iter=True)

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._send_idx = 0  # index of the next task to send to a worker
        self._rcvd_idx = 0  # index of the next task to return
        self._task_info = {}  # task index -> (worker id,) while outstanding, (worker id, data) once received
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:  # persistent workers: tell each one a new epoch starts, wait for every answer
            for q in self._index_queues:
                q.put(_worker.ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                return_idx, _ = self._get_data()
                if isinstance(return_idx, _worker.ResumeIteration):
                    pending -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_get_data(self, timeout=_worker.STATUS_CHECK_INTERVAL):
        try:
            return True, self._worker_result_queue.get(timeout=timeout)
        except Exception as e:
            failed = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
            for i, w in enumerate(self._workers):
                if w in failed:
                    self._mark_worker_as_unavailable(i)
            if failed:
                pids = ", ".join(str(w.pid) for w in failed)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from e
            if isinstance(e, queue.Empty):
                return False, None
            raise

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data()
            if success:
                return data

    def __next__(self):
        if self._shutdown:
            raise StopIteration
        try:
            data = self._next_data()
        except StopIteration:
            raise
        except BaseException:  # Ctrl-C, a worker that died, a timeout: this iterator is finished
            self._shutdown_workers()
            raise
        if isinstance(data, _worker.ExceptionWrapper):
            # a worker's error: raised here with the worker's traceback; the iterator stays usable, as PyTorch's
            data.reraise()
        return data

    def _next_data(self):
        while True:
            # skip tasks of workers that ended their stream (iterable-style datasets)
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived earlier, out of order
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker.IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_queue_idx].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_idx):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            return data
        return _worker.from_transport(data)

    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        # tell the worker to exit; it stays joinable until _shutdown_workers
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id, shutdown=True)
            for w in self._workers:
                w.join(timeout=_worker.STATUS_CHECK_INTERVAL)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
            self._worker_result_queue.cancel_join_thread()
            self._worker_result_queue.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_worker.STATUS_CHECK_INTERVAL)
                if w.is_alive():  # ignored SIGTERM
                    w.kill()
                    w.join()
            _live_iterators.discard(self)

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # interpreter teardown: modules may already be gone
            pass


def shutdown_all():
    """Shut down every live iterator's workers (registered with ``atexit`` by the DataLoader)."""
    for it in list(_live_iterators):
        it._shutdown_workers()
