"""DistributedDataParallel: data-parallel training over :mod:`miniconv.distributed` (MPI).

How it works (PyTorch's DDP design, on MPI):

* At wrap time the ranks compare their models (number, order, shapes and dtypes of the parameters, as
  PyTorch's ``_verify_param_shape_across_processes``; every rank raises on a difference), then rank 0's
  parameters and buffers are broadcast, so every rank starts identical.
* The parameters that require grad are grouped into buckets of about ``bucket_cap_mb`` MB (25 by default;
  the first bucket is capped at 1 MB, as PyTorch does, so communication starts early), in *reverse*
  order of ``module.parameters()``: roughly the order in which backward produces their gradients.
* Each parameter has a post-accumulate-grad hook. When the last gradient of a bucket has been
  accumulated, the bucket's gradients are copied into one flat array and a non-blocking
  ``MPI_Iallreduce`` starts, while backward goes on computing the gradients of earlier layers.
  Buckets are launched in index order on every rank (MPI needs the same collective order everywhere).
* A callback queued in the autograd engine (``autograd.queue_callback``) runs when the graph walk ends:
  it launches any bucket whose parameters got no gradient (their part counts as zero), waits for every
  all-reduce, and writes ``sum / world_size`` back into each ``param.grad``, before ``backward()`` returns.

Gradients are summed by MPI then divided by the world size: ranks hold bitwise-identical gradients (MPI
returns the same reduction to every rank), hence identical weights after any optimizer step.
"""
import contextlib

import numpy as np

from ... import autograd
from ... import distributed as dist
from ...tensor import Tensor
from ..modules.module import Module

_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024


class _Bucket:
    def __init__(self, index, params, dtype):
        self.index = index
        self.params = params  # in bucket order (reverse parameter order)
        self.offsets = []
        n = 0
        for p in params:
            self.offsets.append(n)
            n += p.numel()
        self.flat = np.zeros(n, dtype=dtype)
        self.reset()

    def reset(self):
        self.ready = [False] * len(self.params)
        self.pending = len(self.params)
        self.request = None

    def fill(self):
        """Copy the parameters' gradients into the flat array (zeros for a parameter without one)."""
        for p, off in zip(self.params, self.offsets):
            seg = self.flat[off:off + p.numel()]
            if p.grad is None:
                seg[...] = 0
            else:
                seg[...] = p.grad._data.reshape(-1)

    def unpack(self, world_size):
        np.divide(self.flat, world_size, out=self.flat)
        for p, off in zip(self.params, self.offsets):
            seg = self.flat[off:off + p.numel()].reshape(p.shape)
            if p.grad is None:
                p.grad = Tensor._wrap(seg.copy())
            else:
                p.grad._data[...] = seg


def _torch_dtype(arr):
    return f"miniconv.{arr.dtype.name}"


def _verify_model_across_ranks(group, params, bucket_bytes_cap):
    """PyTorch's ``_verify_param_shape_across_processes``: the same number of parameters, in the same order,
    with the same shapes (and here also dtypes and bucket size) on every rank; otherwise every rank raises
    (the one that differs with PyTorch's message), before any gradient is exchanged."""
    rank, world = group.rank(), group.size()
    n = len(params)
    max_ndim = max(p.dim() for p in params)
    head = Tensor._wrap(np.array([n, max_ndim, bucket_bytes_cap], np.int64))
    heads = Tensor._wrap(np.empty(3 * world, np.int64))
    dist.all_gather_into_tensor(heads, head, group=group)
    heads = heads._data.reshape(world, 3)
    for i in range(world):
        if heads[i, 0] != n:
            raise RuntimeError(f"DDP expects same model across all ranks, but Rank {rank} has {n} params, while "
                               f"rank {i} has inconsistent {heads[i, 0]} params.")
    for i in range(world):
        if heads[i, 2] != bucket_bytes_cap:
            raise RuntimeError(f"DDP expects the same bucket_cap_mb on all ranks, but Rank {rank} has "
                               f"{bucket_bytes_cap} bytes, while rank {i} has {heads[i, 2]} bytes.")
    width = 2 + int(heads[:, 1].max())
    meta = np.full((n, width), -1, np.int64)  # per parameter: dtype, ndim, sizes (padded with -1)
    for row, p in zip(meta, params):
        row[0] = _DTYPE_CODES.get(p._data.dtype.name, -2)
        row[1] = p.dim()
        row[2:2 + p.dim()] = p.shape
    everyone = Tensor._wrap(np.empty(world * meta.size, np.int64))
    dist.all_gather_into_tensor(everyone, Tensor._wrap(meta.reshape(-1)), group=group)
    everyone = everyone._data.reshape(world, n, width)
    ref = everyone[0]
    for i, p in enumerate(params):
        if not np.array_equal(ref[i, 1:], meta[i, 1:]):
            raise RuntimeError(f"[{rank}]: params[{i}] in this process with sizes {list(p.shape)} appears not to "
                               "match sizes of the same param in process 0.")
        if ref[i, 0] != meta[i, 0]:
            raise RuntimeError(f"[{rank}]: params[{i}] in this process with dtype {_torch_dtype(p._data)} appears not "
                               "to match dtype of the same param in process 0.")
    for r in range(1, world):
        for i in range(n):
            if not np.array_equal(everyone[r, i], ref[i]):
                sizes = [int(v) for v in everyone[r, i, 2:2 + everyone[r, i, 1]]]
                raise RuntimeError(
                    f"[{rank}]: params[{i}] in process {r} (sizes {sizes}, dtype "
                    f"{_DTYPE_NAMES.get(int(everyone[r, i, 0]), '?')}) appears not to match the same param in "
                    f"process 0 (sizes {list(params[i].shape)}, dtype {_torch_dtype(params[i]._data)}): DDP "
                    "expects same model across all ranks."
                )


_DTYPE_NAMES = {1: "miniconv.float32", 2: "miniconv.float64", 3: "miniconv.float16", 4: "miniconv.int64",
                5: "miniconv.int32"}
_DTYPE_CODES = {name.split(".")[1]: code for code, name in _DTYPE_NAMES.items()}


class DistributedDataParallel(Module):
    """Wrap ``module`` so that ``backward()`` averages gradients over all ranks of the process group.

    Args:
        module: the model; every rank builds the same one (rank 0's weights win at wrap time).
        broadcast_buffers (bool): copy rank 0's buffers (e.g. BatchNorm running stats) to all ranks at the
            start of each training-mode forward (default True), as PyTorch.
        process_group: the group to use (default: the default group).
        bucket_cap_mb (float): bucket size in MB (default 25).
        find_unused_parameters (bool): accepted; parameters that get no gradient on a rank always count as
            zero in the average (so it never hangs), and get a ``.grad`` (the average) on every rank.
        device_ids, output_device, dim, check_reduction, gradient_as_bucket_view, static_graph: accepted
            for source compatibility (CPU only; no effect).

    The wrapped model is ``ddp.module``; ``ddp.state_dict()`` keys start with ``module.`` as PyTorch's.

    Example (under ``mpiexec -n 2``)::

        >>> dist.init_process_group("mpi")
        >>> model = DistributedDataParallel(Net())
        >>> loss_fn(model(x_shard), y_shard).backward()   # grads now averaged over the ranks
        >>> optimizer.step()
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, init_sync=True):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel expects an nn.Module, got {type(module).__name__}")
        self.process_group = dist._group(process_group)
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a "
                "gradient."
            )
        if bucket_cap_mb is None:
            bucket_cap_mb = 25
        if isinstance(bucket_cap_mb, bool) or not isinstance(bucket_cap_mb, (int, float)) or bucket_cap_mb <= 0:
            raise ValueError(f"bucket_cap_mb must be a positive number, got {bucket_cap_mb!r}")
        self.module = module
        self.broadcast_buffers = True if broadcast_buffers is None else bool(broadcast_buffers)
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.world_size = self.process_group.size()
        _verify_model_across_ranks(self.process_group, params, self.bucket_bytes_cap)
        # the bucket all-reduces run on a communicator of their own: a rank that calls another collective
        # meanwhile then makes both wait until the timeout (a clear error) rather than mixing the messages
        self._comm = self.process_group._dup("DistributedDataParallel")
        if init_sync:
            self._broadcast_from_rank0(list(module.parameters()) + list(module.buffers()))
        self._buckets = self._make_buckets(params)
        self._next_launch = 0
        self._in_backward = False
        self._event_log = None  # tests set a list here to see when buckets launch and complete
        self._hook_handles = []
        for bucket in self._buckets:
            for i, p in enumerate(bucket.params):
                self._hook_handles.append(p.register_post_accumulate_grad_hook(self._make_hook(bucket, i)))

    # -- construction --------------------------------------------------------------------------
    def _broadcast_from_rank0(self, tensors):
        """One broadcast per dtype of all ``tensors`` concatenated, copied back in place."""
        by_dtype = {}
        for t in tensors:
            if t is not None and t.numel() > 0:
                by_dtype.setdefault(t._data.dtype, []).append(t)
        for dtype, ts in by_dtype.items():
            flat = np.concatenate([t._data.reshape(-1) for t in ts]).astype(dtype, copy=False)
            dist.broadcast(Tensor._wrap(flat), src=0, group=self.process_group)
            off = 0
            for t in ts:
                n = t.numel()
                t._data[...] = flat[off:off + n].reshape(t.shape)
                off += n

    def _make_buckets(self, params):
        buckets, current, size, dtype = [], [], 0, None
        cap = min(_DEFAULT_FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for p in reversed(params):
            nbytes = p._data.nbytes
            if current and (size + nbytes > cap or p._data.dtype != dtype):
                buckets.append(_Bucket(len(buckets), current, dtype))
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += nbytes
            dtype = p._data.dtype
        buckets.append(_Bucket(len(buckets), current, dtype))
        return buckets

    # -- backward ------------------------------------------------------------------------------
    def _log(self, event):
        if self._event_log is not None:
            self._event_log.append(event)

    def _make_hook(self, bucket, i):
        def hook(param):
            if not self.require_backward_grad_sync:
                return
            if not self._in_backward:
                self._in_backward = True
                autograd.queue_callback(self._finish_backward)
            if not bucket.ready[i]:
                bucket.ready[i] = True
                bucket.pending -= 1
            self._launch_ready()
            self._progress()
        return hook

    def _launch(self, bucket):
        bucket.fill()
        MPI = dist._mpi()
        bucket.request = self.process_group._call("DDP gradient all_reduce", self._comm.Iallreduce, MPI.IN_PLACE,
                                                  bucket.flat, MPI.SUM)
        self._log(("launch", bucket.index))

    def _launch_ready(self):
        """Start the all-reduce of every ready bucket, in bucket order (the same order on every rank)."""
        while self._next_launch < len(self._buckets) and self._buckets[self._next_launch].pending == 0:
            self._launch(self._buckets[self._next_launch])
            self._next_launch += 1

    def _progress(self):
        """Let MPI advance the running all-reduces (Open MPI progresses non-blocking collectives only
        inside MPI calls)."""
        for b in self._buckets[:self._next_launch]:
            if b.request is not None:
                self.process_group._test(b.request, "DDP gradient all_reduce")

    def _finish_backward(self):
        try:
            while self._next_launch < len(self._buckets):  # buckets with parameters that got no gradient
                self._launch(self._buckets[self._next_launch])
                self._next_launch += 1
            for b in self._buckets:
                self.process_group._wait(b.request, "DDP gradient all_reduce")
                b.unpack(self.world_size)
                self._log(("done", b.index))
        finally:
            for b in self._buckets:
                b.reset()
            self._next_launch = 0
            self._in_backward = False

    # -- the Module API ------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        if self._in_backward:  # a previous backward failed half-way: drain its all-reduces first
            self._finish_backward()
        if self.training and self.broadcast_buffers and self.world_size > 1:
            buffers = [b for b in self.module.buffers() if b is not None]
            if buffers:
                self._broadcast_from_rank0(buffers)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Inside this context backward only accumulates local gradients; the first backward outside it
        all-reduces the accumulated sum (gradient accumulation without communication)."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def extra_repr(self):
        return f"world_size={self.world_size}, buckets={len(self._buckets)}"
