"""The backward engine: walks graph nodes in reverse topological order, on NumPy arrays.

It knows nothing about Tensor. A node is any object with

* ``next_edges``: per input, ``(node, output_nr)`` or ``None``;
* ``output_meta``: per output, ``(shape, dtype)``;
* ``_call_backward(grads)``: gradients of the outputs (arrays, ``None`` where none arrived) ->
  a tuple with one gradient (array or None) per input; it checks its saved versions first;
* optionally ``_tensor_hooks`` ({output_nr: {id: fn(array) -> array}}) and ``_retained``
  ({output_nr: weakref to a tensor whose ``_accumulate_retained(g)`` is called}).

Leaves are ``AccumulateGrad`` nodes; they hand the gradient to ``leaf._accumulate_grad(g, owned)``
(a first gradient that nothing else references becomes ``.grad`` without a copy). A node whose
class sets ``_overwrites_grads`` (ReLU, BatchNorm) learns in ``node._grads_owned`` which of its
output gradients nothing but the engine references (:func:`sole_owner`); its backward may then
write its input gradient into that array instead of a new one (at batch 256 the README model's first
ReLU and BatchNorm backward would each need a second 25 MB array at the step's peak otherwise).
The walk uses an explicit work list (no recursion, so a chain of 10,000 ops is fine), sums the
gradients that meet at a node, and reduces a broadcast gradient back to its input's shape.
"""
import sys
import threading

import numpy as np

from .. import _kernels
from .._alloc import scoped as _caching_allocator  # arrays made during backward come from miniconv's cache
from .._config import threads_for
from ..dtypes import legacy_type_name
from . import anomaly_mode
from .grad_mode import enable_grad, no_grad


class AccumulateGrad:
    """Graph node at a leaf Tensor: adds the incoming gradient into ``leaf.grad``."""

    next_edges = ()
    _freed = False

    def __init__(self, leaf):
        self.leaf = leaf
        self.output_meta = ((leaf._data.shape, leaf._data.dtype),)
        # held while a gradient is accumulated into the leaf (and its hooks run), as PyTorch's
        # AccumulateGrad mutex: two threads in backward into one leaf add both their gradients
        self.lock = threading.RLock()

    def __getstate__(self):  # copy/deepcopy/pickle of a leaf: a new lock, not the (unpicklable) old one
        state = self.__dict__.copy()
        del state["lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.lock = threading.RLock()

    @property
    def variable(self):
        """The leaf tensor this node accumulates into (PyTorch's ``AccumulateGrad.variable``)."""
        return self.leaf

    def name(self):
        return "torch::autograd::AccumulateGrad"  # PyTorch's name for its C++ node

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"  # PyTorch's repr of its graph nodes

    @property
    def next_functions(self):
        return ()


# graph.py (node hooks), which imports this module, sets itself here when it is imported
_graph_module = None


def run_hooks(hooks, g):
    """Apply array-level gradient hooks (``Tensor.register_hook`` adapters) to ``g`` in order."""
    for hook in list(hooks.values()):
        g = hook(g)
    return g


def _tensor_pre_hooks(node, grads, graph=None):
    """What PyTorch's ``call_tensor_pre_hooks`` does with a node's output gradients before it runs:
    the ``register_hook`` hooks of its outputs (a leaf's, for an AccumulateGrad node), whose results
    replace the gradients, then ``retain_grad()``, which stores what the hooks returned."""
    if type(node) is AccumulateGrad:
        if grads[0] is not None and node.leaf._backward_hooks:
            grads = [node.leaf._run_backward_hooks(grads[0]) if graph is None else
                     graph.leaf_hooks(node.leaf, grads[0])]
        return grads
    pre_hooks = getattr(node, "_tensor_hooks", None)
    if pre_hooks:
        grads = [g if g is None or not pre_hooks.get(nr) else run_hooks(pre_hooks[nr], g)
                 for nr, g in enumerate(grads)]
    if node._retained:
        for nr, ref in node._retained.items():
            t = ref()
            if t is not None and grads[nr] is not None:
                if graph is None:
                    t._accumulate_retained(grads[nr])
                else:
                    graph.retain(t, grads[nr])
    return grads


def version_error(saved_array, source, now, expected):
    """PyTorch's error for a saved tensor that an in-place operation changed after it was saved.
    ``source``: ``(forward op name, output_nr)`` of the node that produced the tensor (PyTorch's "which is
    output 0 of Exp"), or None for a tensor with no history (a leaf)."""
    try:
        kind = legacy_type_name(saved_array.dtype)
    except KeyError:  # a dtype without a legacy tensor-type name
        kind = "torch.Tensor"
    shape = ", ".join(str(s) for s in saved_array.shape)
    which = "" if source is None else f", which is output {source[1]} of {source[0]},"
    if anomaly_mode._enabled:
        hint = ("the backtrace further above shows the operation that failed to compute its gradient. The variable "
                "in question was changed in there or anywhere later. Good luck!")
    else:
        hint = ("enable anomaly detection to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True, check_nan=False).")
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{kind} [{shape}]]{which} is at version {now}; expected version {expected} instead. Hint: {hint}"
    )


def _ref_counts(grads, i):
    """(references to the array ``grads[i]``, references to its base or 0), as seen from here."""
    g = grads[i]
    if type(g) is not np.ndarray:
        return None
    b = g.base
    return sys.getrefcount(g), (0 if b is None else sys.getrefcount(b))


# what ``_ref_counts`` sees for an array referenced by the list alone (owning its memory, or the one
# view of an array nothing else references): measured on this interpreter, not assumed
_SOLE_REFS = _ref_counts([np.empty(2)], 0)
_SOLE_VIEW_REFS = _ref_counts([np.empty(2).reshape(1, 2)], 0)


def sole_owner(grads, i):
    """True if the array ``grads[i]`` is referenced by the list ``grads`` alone and no other array
    shares its memory (it owns its memory, or is the only, full-size view of an array nothing else
    references), so it can be overwritten without anyone seeing it. A reference anywhere else (a
    hook that kept it, a retained or captured gradient, a root gradient the caller passed, the same
    gradient sent to two inputs) makes a count higher: the answer is then False."""
    counts = _ref_counts(grads, i)  # first: this frame holds no reference to the array yet
    if counts is None:
        return False
    g = grads[i]
    if not (g.flags.writeable and g.flags.c_contiguous):
        return False
    b = g.base
    if b is None:
        return counts == _SOLE_REFS
    return type(b) is np.ndarray and b.base is None and b.nbytes == g.nbytes and counts == _SOLE_VIEW_REFS


def sum_to(g, shape, dtype):
    """Reduce a broadcast gradient ``g`` to ``shape`` (the inverse of broadcasting)."""
    g = np.asarray(g)
    if g.shape != shape:
        lead = g.ndim - len(shape)
        if lead < 0:
            raise RuntimeError(f"gradient of shape {tuple(g.shape)} cannot be reduced to shape {tuple(shape)}")
        if lead:
            g = g.sum(axis=tuple(range(lead)))
        axes = tuple(i for i, (gs, s) in enumerate(zip(g.shape, shape)) if s == 1 and gs != 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if g.shape != tuple(shape):
            raise RuntimeError(
                f"Function returned a gradient of shape {tuple(g.shape)} for an input of shape {tuple(shape)}"
            )
    if g.dtype != dtype:
        g = g.astype(dtype)
    return g


_SUM_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SUM_MIN_SIZE = 1 << 14  # below, NumPy's ``a + b`` costs less than a kernel call


def add_grads(buf, nr, g):
    """``buf[nr] = buf[nr] + g`` (two gradients of one output, the same bits as NumPy's sum):
    large float arrays of one shape are added by ``_kernels.add_arrays`` on miniconv's threads,
    into ``buf[nr]`` itself when nothing but ``buf`` references it (no new array), else into a
    new one. Residual connections meet here: a ResNet step sums ~19M floats of such gradients."""
    owned = sole_owner(buf, nr)  # (before this frame holds a reference to buf[nr])
    a = buf[nr]
    if (type(a) is np.ndarray and type(g) is np.ndarray and a.dtype in _SUM_DTYPES and g.dtype == a.dtype
            and a.shape == g.shape and a.size >= _SUM_MIN_SIZE and a.flags.c_contiguous
            and g.flags.c_contiguous):
        out = a if owned and not np.may_share_memory(a, g) else np.empty_like(a)
        _kernels.add_arrays(a.reshape(-1), g.reshape(-1), out.reshape(-1), threads_for(a.size))
        buf[nr] = out
    else:
        buf[nr] = a + g


@_caching_allocator
def run_backward(roots, root_grads, retain_graph, capture=None, inputs=None, graph=None):
    """:func:`_walk` with grad mode off, as PyTorch runs backward (``create_graph=False``): hooks and
    callbacks that compute with Tensors record nothing.

    ``graph`` (``create_graph=True``): an object with ``sum_to``, ``accumulate``, ``retain`` and
    ``leaf_hooks`` working on Tensors (``autograd.higher_order.GraphMode``). The gradients are then
    Tensors, grad mode is on, and each node runs ``_call_backward_graph`` (its backward written with
    Tensor ops, recorded on the graph) instead of ``_call_backward``: the gradients returned are
    differentiable again. The engine itself still never looks inside a gradient."""
    with (no_grad() if graph is None else enable_grad()):
        _walk(roots, root_grads, retain_graph, capture, inputs, graph)


def _walk(roots, root_grads, retain_graph, capture=None, inputs=None, graph=None):
    """Propagate ``root_grads`` from the ``roots`` edges back through the graph.

    ``capture``: None to accumulate into leaves' ``.grad``; or a dict {edge: None} whose
    values are filled with the gradient that reaches each edge (for ``autograd.grad``);
    leaves' ``.grad`` are then left untouched, and only the nodes on a path from the roots to a
    captured edge run (PyTorch's ``exec_info``): the graph behind the requested inputs is neither
    executed (no saved-tensor or version checks) nor released. As in PyTorch, the hooks and
    ``retain_grad()`` of tensors on that path run, and so do those of a requested input whose node
    does not run (a leaf: ``leaf._run_backward_hooks(g)``; not its post-accumulate hooks); the
    gradient returned for it is then the hooks' result.

    ``inputs``: None, or (with ``capture`` None) the edges of ``backward(inputs=...)``: gradients
    are accumulated as without it, but only the nodes on a path from the roots to one of these
    edges run, these edges' own nodes included (PyTorch's ``exec_info`` with ``accumulate_grad``):
    a leaf's ``AccumulateGrad`` accumulates into its ``.grad``; a non-leaf's node runs (its tensor
    hooks and ``retain_grad()``, which the caller has set, see the gradient) and is released
    unless ``retain_graph``, while nothing behind it runs unless it leads to another input.

    In both restricted modes a single root whose node does not run still calls its tensor hooks
    and ``retain_grad()`` (PyTorch evaluates its graph root, which is that node when there is one
    root, and skips it only after those hooks); with several roots an unneeded root sees nothing.
    """
    # 1. dependency counts: how many edges point at each node (iterative DFS, no recursion)
    deps = {}
    parents = {} if capture is not None or inputs is not None else None
    seen = set()
    stack = []
    for node, _ in roots:
        if id(node) not in seen:
            seen.add(id(node))
            stack.append(node)
    while stack:
        node = stack.pop()
        for e in node.next_edges:
            if e is None:
                continue
            child = e[0]
            deps[child] = deps.get(child, 0) + 1
            if parents is not None:
                parents.setdefault(child, []).append(node)
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)

    # 1b. autograd.grad: ``execute`` holds the nodes from which a captured edge can be reached (its
    # node's ancestors); ``wanted`` adds the captured nodes, which get their gradient but run only
    # if they lead on to another captured edge. Every parent of a wanted node is in ``execute``, so
    # the dependency counts of wanted nodes still reach 0.
    # ``backward(inputs=...)``: the input nodes themselves run too, so ``execute`` is ``wanted``.
    wanted = execute = None
    if capture is not None or inputs is not None:
        targets = {node for node, _ in (capture if capture is not None else inputs)}
        execute = set() if capture is not None else set(targets)
        stack = list(targets)
        while stack:
            for parent in parents.get(stack.pop(), ()):
                if parent not in execute:
                    execute.add(parent)
                    stack.append(parent)
        wanted = execute | targets
        parents = None

    # 2. seed the gradient buffers
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        buf = buffers.setdefault(node, [None] * len(node.output_meta))
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = []
    for node, _ in roots:
        if deps.get(node, 0) == 0 and node not in ready and (wanted is None or node in wanted or len(roots) == 1):
            ready.append(node)

    # 3. process nodes whose every consumer has already sent its gradient
    while ready:
        node = ready.pop()
        grads = buffers.pop(node, None) or [None] * len(node.output_meta)
        if wanted is not None and node not in wanted:  # the single root, leading to no requested input
            _tensor_pre_hooks(node, grads, graph)
            continue
        if type(node) is AccumulateGrad and capture is None:
            if grads[0] is not None:  # (its hooks run in _accumulate_grad)
                if graph is not None:
                    with node.lock:
                        graph.accumulate(node.leaf, grads[0])
                    continue
                owned = sole_owner(grads, 0)  # (before grads[0] sits on the call's argument stack)
                with node.lock:
                    node.leaf._accumulate_grad(grads[0], owned)  # owned: becomes .grad without a copy
            continue
        if capture is not None:
            # PyTorch's evaluate_function: a captured node that does not run (it leads to no other
            # requested input; a leaf's node never runs) calls its tensor hooks first and their result is
            # returned; a node that runs returns the gradient before its hooks, which then run below
            if node not in execute:
                grads = _tensor_pre_hooks(node, grads, graph)
            for nr, g in enumerate(grads):
                if (node, nr) in capture and g is not None:
                    capture[(node, nr)] = g
            if node not in execute:
                continue
        if all(g is None for g in grads):
            in_grads = (None,) * len(node.next_edges)
        else:
            # Tensor.register_hook on the node's outputs, then retain_grad(), in both modes
            grads = _tensor_pre_hooks(node, grads, graph)
            node_hooks = getattr(node, "_node_pre_hooks", None) or getattr(node, "_node_post_hooks", None)
            if node_hooks and node._node_pre_hooks:
                grads = _graph_module.call_pre_hooks(node, grads, graph)
            try:
                if graph is not None:
                    in_grads = node._call_backward_graph(grads)
                else:
                    if getattr(node, "_overwrites_grads", False) and capture is None:
                        node._grads_owned = tuple([sole_owner(grads, i) for i in range(len(grads))])
                    in_grads = node._call_backward(grads)
            except Exception:
                if anomaly_mode._enabled:  # PyTorch's warning with the stack of the forward call that made the node
                    anomaly_mode.warn_backward_error(node)
                raise
            if len(in_grads) != len(node.next_edges):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients "
                    f"(expected {len(node.next_edges)}, got {len(in_grads)})"
                )
            if node_hooks and node._node_post_hooks:
                in_grads = _graph_module.call_post_hooks(node, in_grads, grads, graph)
            if not retain_graph:
                node._release()
            grads = None  # the node's output gradients die here, not after the next node's backward
        for e, g in zip(node.next_edges, in_grads):
            if e is None or (wanted is not None and e[0] not in wanted):
                continue
            child, nr = e
            if g is not None:
                shape, dtype = child.output_meta[nr]
                g = sum_to(g, shape, dtype) if graph is None else graph.sum_to(g, shape, dtype)
                buf = buffers.setdefault(child, [None] * len(child.output_meta))
                if buf[nr] is None:
                    buf[nr] = g
                elif graph is None:
                    add_grads(buf, nr, g)
                else:
                    buf[nr] = buf[nr] + g
            deps[child] -= 1
            if deps[child] == 0:
                ready.append(child)
        in_grads = g = None  # hold no gradient while the next node's backward runs


# ---------------------------------------------------------------------------
# Final callbacks: code queued during a backward pass runs once the graph walk has finished, before
# ``backward()`` returns (PyTorch's ``Variable._execution_engine.queue_callback``). DDP queues here the
# wait for its gradient all-reduces. The queue belongs to one ``backward()`` call: it is kept per thread
# (a backward runs on the thread that called it; hooks run there too), and a backward started from a
# hook inside another one gets its own, as PyTorch's callbacks belong to their GraphTask.
# ---------------------------------------------------------------------------
_callbacks = threading.local()  # .queue: a list while a backward pass runs on this thread, else None


def queue_callback(callback):
    """Run ``callback()`` when the backward pass running on this thread has walked the whole graph."""
    queue = getattr(_callbacks, "queue", None)
    if queue is None:
        raise RuntimeError("queue_callback() can only be called during the backward pass")
    queue.append(callback)


class final_callbacks_scope:
    """Context of one ``backward()`` call: runs the callbacks it queued on a normal exit."""

    def __enter__(self):
        self.outer = getattr(_callbacks, "queue", None)
        _callbacks.queue = []

    def __exit__(self, exc_type, exc, tb):
        queued = _callbacks.queue
        try:
            with no_grad():  # as the graph walk
                while exc_type is None and queued:  # a callback may queue more
                    queued.pop(0)()
        finally:
            _callbacks.queue = self.outer
