"""``torch.autograd.graph``: hooks on the tensors a graph saves and on its nodes.

* ``saved_tensors_hooks(pack_hook, unpack_hook)``: while the context is active, every tensor an
  operation saves for backward (a miniconv op's saved arrays, as Tensors, and a custom Function's
  ``save_for_backward``) goes through ``pack_hook``; the graph keeps what it returns instead of the
  tensor, and backward calls ``unpack_hook`` on it to get the values back. ``save_on_cpu`` is such a
  pair (on a CPU-only library it keeps a reference, as PyTorch does for CPU tensors).
  ``disable_saved_tensors_hooks(msg)`` makes entering hooks raise ``RuntimeError(msg)``.
  The hooks are per thread, as PyTorch's (they live in thread-local state).
* ``Node``: the abstract class of every ``grad_fn`` (``isinstance(y.grad_fn, Node)``); a node's
  ``register_hook(fn(grad_inputs, grad_outputs))`` and ``register_prehook(fn(grad_outputs))``
  are called by the engine around the node's backward (see node.py).
* ``register_multi_grad_hook(tensors, fn, mode="all"|"any")``; ``increment_version(tensor)``.

With hooks the packed value replaces the saved tensor, so the "modified by an inplace operation" check of
that tensor is not made (what the hooks return is the hooks' business).
"""
import abc
import functools
import sys
import threading

from . import engine as _engine
from . import function as _function
from .engine import AccumulateGrad, queue_callback
from .node import RemovableHandle, _Node
from .saved_tensor import SavedTensor, pack_one  # noqa: F401  (SavedTensor: re-exported)

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks", "register_multi_grad_hook",
           "Node", "increment_version"]

_tls = threading.local()  # .stack: [(pack, unpack), ...]; .disabled: the error message, or None
# the number of active hook contexts over all threads: function.py's hot path tests this before
# looking at its thread's stack
active = [0]


def _stack():
    s = getattr(_tls, "stack", None)
    if s is None:
        s = _tls.stack = []
    return s


def current():
    """The innermost (pack, unpack) pair of this thread, or None."""
    s = getattr(_tls, "stack", None)
    return s[-1] if s else None


class saved_tensors_hooks:
    """Context manager: pack/unpack hooks for the tensors saved for backward while it is active."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        msg = getattr(_tls, "disabled", None)
        if msg is not None:
            raise RuntimeError(msg)
        _stack().append((self.pack_hook, self.unpack_hook))
        active[0] += 1
        return self

    def __exit__(self, *exc):
        _stack().pop()
        active[0] -= 1


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are kept on the CPU and moved back to their device at backward (PyTorch's
    ``save_on_cpu``; every miniconv tensor is on the CPU already, so the hooks keep the tensor)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            if not pin_memory:
                return (tensor.device, tensor.cpu())
            packed = tensor.detach().clone()
            return (tensor.device, packed)

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Context manager (and decorator): entering ``saved_tensors_hooks`` inside raises
    ``RuntimeError(error_message)``."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self._outer = getattr(_tls, "disabled", None)
        _tls.disabled = self.error_message
        return self

    def __exit__(self, *exc):
        _tls.disabled = self._outer

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with disable_saved_tensors_hooks(self.error_message):
                return fn(*args, **kwargs)
        return wrapper


def pack_saved(ctx, tensor_of):
    """Run this thread's pack hook on each tensor ``ctx`` saved; ``tensor_of(s)`` gives the Tensor of a
    saved value (None: the value is not a tensor and is kept as is). The node then holds the packed
    values (``ctx._packed``) and placeholders in ``ctx._saved``."""
    pack, unpack = current()
    order = _pack_order(ctx)
    packed = [None] * len(ctx._saved)
    for i in order:
        s = ctx._saved[i]
        t = tensor_of(s)
        packed[i] = (None, s) if t is None else (unpack, pack_one(pack, t))
    if order != list(range(len(packed))):
        ctx._pack_order = order
    ctx._packed = tuple(packed)
    ctx._saved = tuple(None if hook is not None else s for hook, s in packed)
    ctx._saved_versions = ()


def unpack_one(ctx, i, as_array):
    """Saved value ``i`` of ``ctx``: through its unpack hook when it has one (an array for miniconv's ops, in
    the saved array's shape; a Tensor for a custom Function)."""
    hook, p = ctx._packed[i]
    if hook is None:
        return p
    t = hook(p)
    if not isinstance(t, _function.Tensor):
        raise TypeError("Output of saved tensor unpack_hook expected to be a Tensor but got result of type "
                        f"{type(t).__name__}")
    return t._data if as_array else t


def _pack_order(ctx):
    """The order in which a miniconv op's saved values meet the hooks, PyTorch's: the saved inputs last to
    first (``other`` before ``self``), then the saved outputs, then anything else, in saving order otherwise.
    (``ctx._graph_arrays``: where each input k >= 0 or output -1 - j was saved.)"""
    n = len(ctx._saved)
    where = getattr(ctx, "_graph_arrays", None)
    if not where:
        return list(range(n))
    rank = {}
    for k, v in where.items():
        i = v if type(v) is int else v[0]
        r = (0, -k) if k >= 0 else (1, -1 - k)
        if i not in rank or r < rank[i]:
            rank[i] = r
    return sorted(range(n), key=lambda i: rank.get(i, (2, i)))


def unpack_saved(ctx, as_arrays):
    """The saved values of ``ctx`` back from its unpack hook (arrays for miniconv's ops, Tensors for a
    custom Function), the hooks called in the order the values were packed."""
    out = [None] * len(ctx._packed)
    for i in getattr(ctx, "_pack_order", range(len(out))):
        out[i] = unpack_one(ctx, i, as_arrays)
    return tuple(out)


def call_unpacked(ctx, method, grads):
    """``method(ctx, grads)`` (a miniconv op's backward) with the saved values unpacked once for it."""
    packed, placeholders = ctx._packed, ctx._saved
    ctx._saved = unpack_saved(ctx, True)
    ctx._packed = None
    try:
        return method(ctx, grads)
    finally:
        if not ctx._freed:
            ctx._packed, ctx._saved = packed, placeholders


# -- node hooks (called by the engine; registered through _Node.register_hook / register_prehook) ---------
def _as_tensors(arrays):
    Tensor = _function.Tensor
    return tuple(None if a is None else a if isinstance(a, Tensor) else Tensor._wrap(a) for a in arrays)


def _check_hook_result(node, result, n, what):
    if not isinstance(result, (tuple, list)):
        raise TypeError(f"hook '{what}' of {node.name()} should return None or a tuple/list of gradients, got "
                        f"{type(result).__name__}")
    if len(result) != n:
        raise RuntimeError(f"hook '{what}' has returned an incorrect number of values (got {len(result)}, but "
                           f"expected {n})")


def call_pre_hooks(node, grads, graph):
    """``register_prehook`` hooks: fn(grad_outputs) -> None or new grad_outputs."""
    for fn in list(node._node_pre_hooks.values()):
        res = fn(_as_tensors(grads))
        if res is not None:
            _check_hook_result(node, res, len(grads), getattr(fn, "__name__", "hook"))
            grads = [None if r is None else r if graph is not None else r._data for r in res]
    return grads


def _listed_positions(node, n):
    """The inputs of a miniconv op's node that PyTorch's node has (one per ``next_functions`` entry: not the
    plain arguments such as dims or sizes, nor hidden ones), as positions among the ``n`` grad_inputs; None: all."""
    if node._structure is not None or not type(node).__module__.startswith("miniconv."):
        return None
    if node._listed_inputs is not None:
        return [i for i in node._listed_inputs if i < n]
    hidden = node._hidden_inputs
    if node._plain_args and not node._plain_args_listed:
        hidden = (*hidden, *node._plain_args)
    return [i for i in range(n) if i not in hidden] if hidden else None


def call_post_hooks(node, in_grads, grads, graph):
    """``register_hook`` hooks: fn(grad_inputs, grad_outputs) -> None or new grad_inputs (grad_inputs: one per
    input PyTorch's node has)."""
    listed = _listed_positions(node, len(in_grads))
    for fn in list(node._node_post_hooks.values()):
        shown = in_grads if listed is None else [in_grads[i] for i in listed]
        res = fn(_as_tensors(shown), _as_tensors(grads))
        if res is not None:
            _check_hook_result(node, res, len(shown), getattr(fn, "__name__", "hook"))
            res = tuple(None if r is None else r if graph is not None else r._data for r in res)
            if listed is None:
                in_grads = res
            else:
                in_grads = list(in_grads)
                for i, r in zip(listed, res):
                    in_grads[i] = r
                in_grads = tuple(in_grads)
    return in_grads


class Node(abc.ABC):
    """The class of every graph node (``grad_fn``, ``AccumulateGrad``): for ``isinstance`` checks."""

    @abc.abstractmethod
    def name(self):
        ...


Node.register(_Node)
Node.register(AccumulateGrad)


def increment_version(tensor):
    """Bump the version counter of ``tensor`` (or of each tensor of an iterable), as an in-place write does."""
    tensors = (tensor,) if hasattr(tensor, "_version_counter") else tuple(tensor)
    for t in tensors:
        t._version_counter.value += 1


class _MultiHandle(RemovableHandle):
    def __init__(self, handles):
        self._handles = handles

    def remove(self):
        for h in self._handles:
            h.remove()


def register_multi_grad_hook(tensors, fn, *, mode="all"):
    """``fn`` sees the gradients of several tensors: with ``mode="all"`` once per backward, with all of
    them (None for a tensor that got none), after the last one is computed or when the backward pass ends;
    with ``mode="any"`` once per backward, with the first gradient computed."""
    if mode not in ("all", "any"):
        raise ValueError(f"Expects mode to be one of ('all', 'any') but got {mode}")
    tensors = tuple(tensors)
    state = {"grads": None, "fired": False}
    lock = threading.Lock()

    def finish():
        grads, state["grads"], state["fired"] = state["grads"], None, False
        if grads is not None:
            fn(grads)

    def make_hook(i):
        def hook(grad):
            with lock:
                if mode == "any":
                    if not state["fired"]:
                        state["fired"] = True
                        queue_callback(finish)
                        fn(grad)
                    return None
                if state["grads"] is None:
                    state["grads"] = [None] * len(tensors)
                    queue_callback(finish)
                state["grads"][i] = grad
            return None
        return hook

    handles = [t.register_hook(make_hook(i)) for i, t in enumerate(tensors) if t.requires_grad]
    return _MultiHandle(handles)


# the engine calls the node hooks, and Function.apply the pack hooks, through this module
_engine._graph_module = _function._graph = sys.modules[__name__]
