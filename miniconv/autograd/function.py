"""Functions: one op's forward and backward; the instance is both the ``ctx`` and the graph node.

Two bases, one contract (PyTorch's ``torch/autograd/function.py``):

* ``Function`` (public, as PyTorch's): ``forward(ctx, *args)`` gets the Tensors the caller passed
  (grad mode is off inside), returns a Tensor or a tuple of Tensors; ``backward(ctx, *grads)`` gets
  one gradient Tensor per output and returns one gradient (Tensor or None) per input.
  ``ctx.save_for_backward(*tensors)``, ``ctx.saved_tensors``, ``ctx.needs_input_grad``,
  ``ctx.mark_dirty``, ``ctx.mark_non_differentiable``, ``ctx.set_materialize_grads``.
* ``ArrayFunction`` (private, miniconv's own ops): the same with NumPy arrays in and out, which
  saves wrapping every array in a Tensor on the hot path.

``apply`` runs ``forward`` and, when grad mode is on and some input requires grad, records the
call as a node. Saved tensors remember the version of their tensor's counter at save time; the
node checks them before running ``backward`` (PyTorch's "modified by an inplace operation" error).

The nodes that in-place writes through views need are in ``view_nodes.py``, the bookkeeping of saved arrays'
versions in ``saved_versions.py``. What every node has is in ``node.py``; ``backward`` and ``grad`` are in
``entry_points.py``.
"""
import functools

import numpy as np

from .._alloc import scoped_if_large as _caching_allocator_if_large  # arrays made by large ops come from miniconv's cache
from . import anomaly_mode
from .engine import AccumulateGrad
from .grad_mode import _set_enabled, _state as _grad_state, is_grad_enabled, no_grad
from .node import (  # noqa: F401  (RemovableHandle, _edge: re-exported)
    _FREED_MSG, _NAMED, RemovableHandle, _edge, _Node, _quiet_call, node_class,
)
from .saved_tensor import SavedTensor
from .saved_versions import _resave_scalar, _saved_by_user, _saved_versions, _tensor_of

__all__ = ["Function", "ArrayFunction", "RemovableHandle"]


class ArrayFunction(_Node):
    """Base class of miniconv's own differentiable operations, on NumPy arrays.

    Example::

        class Exp(ArrayFunction):
            @staticmethod
            def forward(ctx, x):          # x: the input Tensor's array
                y = np.exp(x)
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):      # grad: an array
                (y,) = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)   # x a Tensor, y a Tensor
    """

    _watched = ()
    # Set to True by an op whose backward may overwrite an output gradient the engine owns
    # alone; the engine then sets ``_grads_owned`` (one bool per output) before calling it.
    _overwrites_grads = False
    _grads_owned = ()

    def save_for_backward(self, *arrays):
        self._saved = arrays

    def watch_versions(self, *arrays):
        """Arrays (inputs or outputs of forward) whose tensors must not change in place before
        backward although backward does not keep them: e.g. ReLU keeps a 1-byte mask of where its
        output is positive, yet PyTorch (which saves the output) raises if the output is modified
        in place, and so does miniconv. Only the tensor's version counter and the array's shape
        and dtype (for the error message) are kept."""
        self._watched = arrays

    def _release(self):
        # The saved arrays go, and so does any array one of miniconv's forwards kept as a plain
        # attribute (a dropout mask, gather indices): nothing of the activations outlives the node's
        # backward, although the nodes stay reachable from the outputs (the example keeps `logits`
        # and `loss` alive into the next step). A user's Function keeps its attributes, as in PyTorch.
        # A node that kept nothing is not freed: as in PyTorch, backward may run through it again.
        d = self.__dict__
        arrays = [k for k, v in d.items() if type(v) is np.ndarray]
        if not (self._saved or arrays or self._packed is not None):
            return
        self._saved = ()
        self._saved_versions = ()  # (they hold the saved input Tensors)
        self._packed = None
        self._freed = True
        for k in arrays:
            del d[k]

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._packed is not None:  # saved_tensors_hooks: the unpack hook gives the values back
            self._saved = _graph.unpack_saved(self, True)
        return self._saved

    def mark_non_differentiable(self, *arrays):
        """Outputs (arrays returned by forward) that never get a gradient, e.g. argmax indices."""
        self._non_diff = tuple(id(a) for a in arrays)

    def _call_backward(self, grads):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._packed is not None:  # saved_tensors_hooks: the values, unpacked for this backward
            return _graph.call_unpacked(self, ArrayFunction._call_backward, grads)
        if self._saved_versions:
            self._check_versions()
        # outputs that got no gradient get zeros, except integer outputs (indices), which can
        # never have one: they get None rather than a zero array as big as the indices
        if any(g is None for g in grads):
            grads = [g if g is not None or dtype.kind != "f" else np.zeros(shape, dtype)
                     for g, (shape, dtype) in zip(grads, self.output_meta)]
        out = _quiet_call(type(self).backward, self, *grads)
        out = out if type(out) is tuple else (out,)
        if anomaly_mode._enabled and anomaly_mode._check_nan:
            anomaly_mode.check_gradients(self.name(), out)
        return out

    # -- create_graph=True: the backward written with Tensor ops ------------------------
    # A subclass may define ``backward_graph(ctx, *grads)``: the same math as ``backward`` with
    # Tensors in and out, written with miniconv's (differentiable) Tensor ops, so that a backward
    # pass run with ``create_graph=True`` records the gradient's own graph. It reads the saved
    # inputs and outputs with ``ctx.saved_input(k)`` / ``ctx.saved_output(j)`` (Tensors connected
    # to the graph: the gradient of the gradient flows into their history) and wraps constant
    # arrays (masks, indices) with ``ctx.constant(arr)``. Without it, create_graph=True raises.
    backward_graph = None

    def saved_input(self, k):
        """Input ``k`` of forward (whose array forward saved) as a Tensor on the graph: the leaf itself,
        a Tensor with the input's ``grad_fn``, or a constant if the input did not require grad."""
        return self._graph_tensor(k)

    def saved_output(self, j=0):
        """Output ``j`` of forward (whose array forward saved) as a Tensor whose ``grad_fn`` is this node."""
        return self._graph_tensor(-1 - j)

    # PyTorch's ``grad_fn._saved_self`` / ``_saved_other`` / ``_saved_result``: the saved input 0, input 1 or
    # output (the leaf itself for a leaf input); AttributeError where this op did not save it
    _saved_self = property(lambda self: self._saved_attr(0, "_saved_self"))
    _saved_other = property(lambda self: self._saved_attr(1, "_saved_other"))
    _saved_result = property(lambda self: self._saved_attr(-1, "_saved_result"))

    def _saved_attr(self, key, attr):
        if not self._freed and not (self._graph_arrays and key in self._graph_arrays):
            raise AttributeError(f"'{self.name()}' object has no attribute '{attr}'")
        return self._graph_tensor(key)

    # ... and ``_raw_saved_self`` / ``_raw_saved_other`` / ``_raw_saved_result``: the same values as SavedTensor
    # objects, on which ``register_hooks(pack_hook, unpack_hook)`` sets that value's own saved-tensor hooks
    _raw_saved_self = property(lambda self: self._raw_saved_attr(0, "_raw_saved_self"))
    _raw_saved_other = property(lambda self: self._raw_saved_attr(1, "_raw_saved_other"))
    _raw_saved_result = property(lambda self: self._raw_saved_attr(-1, "_raw_saved_result"))

    def _raw_saved_attr(self, key, attr):
        src = self._graph_arrays.get(key) if self._graph_arrays else None
        if src is None:
            raise AttributeError(f"'{self.name()}' object has no attribute '{attr}'")
        return SavedTensor(self, src[0] if type(src) is tuple else src, lambda: self._graph_tensor(key), True)

    def output_from(self, arr, j=0):
        """``arr`` (output ``j``'s values, in its shape) as a Tensor whose ``grad_fn`` is this node: for an op
        whose forward saved its output in another shape (a reduction saving the kept-dims form)."""
        t = Tensor._wrap(arr)
        t._requires_grad = True
        t.grad_fn = self
        t._output_nr = j
        return t

    @staticmethod
    def constant(arr):
        """An array as a Tensor that requires no grad (for masks, indices, shapes' ones)."""
        return Tensor._wrap(np.asarray(arr))

    def _graph_tensor(self, key):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        src = self._graph_arrays.get(key) if self._graph_arrays else None
        if src is None:
            what = f"input {key}" if key >= 0 else f"output {-1 - key}"
            raise RuntimeError(f"miniconv: double backward is not implemented for {self._op_name()} "
                               f"(its forward did not save its {what} as is)")
        i, shape = src if type(src) is tuple else (src, None)
        hooked = self._packed is not None and self._packed[i][0] is not None
        if hooked:  # the value's unpack hook gives it back
            arr = _graph.unpack_one(self, i, True)
        else:
            arr = self._saved[i]
        if shape is not None:
            arr = arr.reshape(shape)
        if key >= 0:
            edge = self.next_edges[key] if key < len(self.next_edges) else None
            if edge is None:
                return Tensor._wrap(arr)
            node, nr = edge
            if type(node) is AccumulateGrad:
                if not hooked:
                    return node.leaf
                t = Tensor._wrap(arr)  # the unpacked values, their gradient flowing into the leaf
                t._requires_grad = True
                t._accumulator = node
                return t
        else:
            node, nr = self, -1 - key
            if self.output_meta[nr][1].kind != "f":
                return Tensor._wrap(arr)
        t = Tensor._wrap(arr)
        t._requires_grad = True
        t.grad_fn = node
        t._output_nr = nr
        return t

    def _op_name(self):
        return (type(self)._node_base or type(self)).__name__.lstrip("_")

    def _call_backward_graph(self, grads):
        fn = type(self).backward_graph
        if fn is None:
            raise RuntimeError(f"miniconv: double backward is not implemented for {self._op_name()} "
                               f"({self.name()} has no differentiable backward; create_graph=True needs one)")
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._packed is not None:
            return _graph.call_unpacked(self, ArrayFunction._call_backward_graph, grads)
        if self._saved_versions:
            self._check_versions()
        if any(g is None for g in grads):
            grads = [g if g is not None or dtype.kind != "f" else Tensor._wrap(np.zeros(shape, dtype))
                     for g, (shape, dtype) in zip(grads, self.output_meta)]
        out = _quiet_call(fn, self, *grads)
        out = out if type(out) is tuple else (out,)
        if anomaly_mode._enabled and anomaly_mode._check_nan:
            anomaly_mode.check_gradients(self.name(), [None if o is None else o._data for o in out])
        return out

    @classmethod
    @_caching_allocator_if_large
    def apply(cls, *args):
        # The hot path of every op (~8 us for a tiny add with autograd, end to end): no
        # generator expressions, and the common single-output case without the general loop.
        ctx = (_NAMED.get(cls) or node_class(cls))()
        arrays = []
        needs = []
        grad_on = _grad_state.enabled  # (is_grad_enabled(), without the call)
        record = False
        plain = None  # positions of the arguments that are not Tensors (for next_functions)
        for a in args:
            if isinstance(a, Tensor):
                if a._base is not None and grad_on and a._view_gen != a._base._history_gen:
                    a._regenerate_view()
                arrays.append(a._data)
                if a._requires_grad:
                    needs.append(True)
                    record = grad_on
                else:
                    needs.append(False)
            else:
                if plain is None:
                    plain = [len(arrays)]
                else:
                    plain.append(len(arrays))
                arrays.append(a)
                needs.append(False)
        if plain is not None and record:
            ctx._plain_args = plain
        ctx.needs_input_grad = tuple(needs) if record else (False,) * len(args)
        raw = _quiet_call(cls.forward, ctx, *arrays)
        if type(raw) is not tuple:  # one output
            if type(raw) is np.ndarray:
                arr = raw
            else:
                arr = np.asarray(raw)
                if ctx._saved:
                    _resave_scalar(ctx, raw, arr)
            t = Tensor._wrap(arr)
            if record:
                if anomaly_mode._enabled:
                    ctx._anomaly_trace = anomaly_mode.forward_stack()
                if arr.dtype.kind == "f" and id(raw) not in ctx._non_diff:
                    t._requires_grad = True
                    t.grad_fn = ctx  # _output_nr: the class default 0
                ctx.next_edges = tuple([_edge(a) if n else None for a, n in zip(args, needs)])
                ctx.output_meta = ((arr.shape, arr.dtype),)
                if ctx._saved or ctx._watched:
                    ctx._saved_versions = _saved_versions(ctx, args, (t,))
                    if _graph is not None and _graph.active[0] and ctx._saved and _graph.current():
                        _graph.pack_saved(ctx, lambda s: _saved_tensor(s, args, (t,)))
            else:
                ctx._saved = ()
                ctx._freed = True
            if ctx._watched:
                del ctx._watched
            return t
        results = []
        wrap = Tensor._wrap
        for i, o in enumerate(raw):
            if type(o) is np.ndarray:
                arr = o
            else:
                arr = np.asarray(o)
                if ctx._saved:
                    _resave_scalar(ctx, o, arr)
            t = wrap(arr)
            if record and arr.dtype.kind == "f" and id(o) not in ctx._non_diff:
                t._requires_grad = True
                t.grad_fn = ctx
                t._output_nr = i
            results.append(t)
        if record:
            if anomaly_mode._enabled:
                ctx._anomaly_trace = anomaly_mode.forward_stack()
            ctx.next_edges = tuple([_edge(a) if n else None for a, n in zip(args, needs)])
            ctx.output_meta = tuple([(t._data.shape, t._data.dtype) for t in results])
            if ctx._saved or ctx._watched:
                ctx._saved_versions = _saved_versions(ctx, args, results)
                if _graph is not None and _graph.active[0] and ctx._saved and _graph.current():
                    _graph.pack_saved(ctx, lambda s: _saved_tensor(s, args, results))
        else:
            ctx._saved = ()
            ctx._freed = True
        if ctx._watched:
            del ctx._watched
        return tuple(results)


def _saved_tensor(s, inputs, outputs):
    """What a pack hook gets for the saved value ``s`` of a miniconv op: the input or output Tensor whose
    storage it is, else the array as a Tensor; None for what is not an array (kept as is)."""
    if type(s) is not np.ndarray:
        return None
    t = _tensor_of(s, inputs, outputs)
    if t is None:
        return Tensor._wrap(s)
    return None if t.__dict__.get("_from_number") else t  # a Python number operand: kept as is, as PyTorch



class Function(_Node):
    """Base class for custom differentiable operations on Tensors (PyTorch's ``autograd.Function``).

    Example::

        class MyReLU(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                g = grad_output.clone()
                g[x < 0] = 0
                return g

        y = MyReLU.apply(x)
    """

    _dirty = ()
    _saved_tensor_objs = ()

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._saved = tensors

    def save_for_forward(self, *tensors):
        """Tensors for ``jvp`` (forward mode), read there through ``saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                # PyTorch's class for this mistake
                raise AssertionError("save_for_forward expects all arguments to be tensors; you should save "
                                     "non-tensors as attributes on ctx.")
        self._saved_for_forward = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._saved_versions:
            self._check_versions()
        if self._packed is not None:
            return _graph.unpack_saved(self, False)
        return self._saved

    @property
    def _raw_saved_tensors(self):
        """The saved tensors as SavedTensor objects (``register_hooks`` sets one tensor's pack/unpack hooks)."""
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        return tuple(SavedTensor(self, i, functools.partial(self._saved_value, i), False)
                     for i in range(len(self._saved)))

    def _saved_value(self, i):
        if self._packed is not None and self._packed[i][0] is not None:
            return _graph.unpack_one(self, i, False)
        return self._saved[i]

    def mark_dirty(self, *tensors):
        """Inputs that forward modified in place (they are then outputs of this node)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tuple(id(t) for t in tensors)

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode: one tangent per output from one tangent per input (used inside a dual_level)."""
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function to use it "
                                  "with forward mode AD.")

    def _call_backward(self, grads):
        return self._run_user_backward(grads, False)

    def _call_backward_graph(self, grads):
        # create_graph=True: grads are Tensors, grad mode is on, the user's Tensor ops are recorded
        return self._run_user_backward(grads, True)

    def _run_user_backward(self, grads, graph):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._saved_versions:
            self._check_versions()
        wrap = Tensor._wrap
        tgrads = []
        for g, (shape, dtype) in zip(grads, self.output_meta):
            if g is None and self._materialize_grads and dtype.kind == "f":
                g = np.zeros(shape, dtype)
            tgrads.append(None if g is None else g if isinstance(g, Tensor) else wrap(g))
        out = type(self).backward(self, *tgrads)
        if type(out) is not tuple:
            out = (out,)
        n = len(self.next_edges)
        if len(out) > n and all(o is None for o in out[n:]):
            out = out[:n]
        if len(out) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(out)})")
        result = []
        for i, o in enumerate(out):
            if o is None or self.next_edges[i] is None:
                result.append(None)
            elif isinstance(o, Tensor):
                result.append(o if graph else o._data)
            else:
                raise TypeError(f"function {self.name()} returned a gradient of type {type(o).__name__} for "
                                f"input {i}; expected a Tensor or None")
        if anomaly_mode._enabled and anomaly_mode._check_nan:
            anomaly_mode.check_gradients(self.name(), [r._data if isinstance(r, Tensor) else r for r in result])
        return tuple(result)

    @classmethod
    def apply(cls, *args, **kwargs):
        if _forward_ad_apply[0] is not None and cls.jvp is not Function.jvp:
            out = _forward_ad_apply[0](cls, args, kwargs)  # forward_ad's: the Function's own jvp on dual inputs
            if out is not NotImplemented:
                return out
        ctx = (_NAMED.get(cls) or node_class(cls))()
        grad_on = _grad_state.enabled  # (is_grad_enabled(), without the call)
        needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        record = grad_on and True in needs
        if record:
            plain = [i for i, a in enumerate(args) if not isinstance(a, Tensor)]
            if plain:
                ctx._plain_args = plain
        ctx.needs_input_grad = needs if record else (False,) * len(args)
        if record:
            if anomaly_mode._enabled:
                ctx._anomaly_trace = anomaly_mode.forward_stack()
            # edges first: forward may modify inputs in place (mark_dirty) and rebase them
            ctx.next_edges = tuple(_edge(a) if n else None for a, n in zip(args, needs))
        if grad_on:
            _set_enabled(False)  # forward runs without recording, as in PyTorch
        try:
            if cls.setup_context is not Function.setup_context:
                raw = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, raw)
            else:
                raw = cls.forward(ctx, *args, **kwargs)
        finally:
            if grad_on:
                _set_enabled(True)
        multi = type(raw) is tuple
        outs = raw if multi else (raw,)
        results = []
        dirty = {id(t) for t in ctx._dirty} if ctx._dirty else ()
        non_diff = ctx._non_diff
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                results.append(o)
                continue
            is_dirty = dirty and id(o) in dirty
            if is_dirty:
                if record and o._base is not None:
                    raise RuntimeError("a custom Function that modifies a view in place (mark_dirty) is not "
                                       "supported by miniconv; clone the input inside forward instead")
                t = o  # modified in place: the input itself becomes this node's output
            elif o.grad_fn is not None or any(o is a for a in args):
                t = o._alias()  # an input returned as is: a new Tensor sharing its memory
            else:
                t = o
            if record and t._data.dtype.kind == "f" and id(o) not in non_diff:
                t._requires_grad = True
                t.grad_fn = ctx
                t._output_nr = i
                if is_dirty:
                    t._history_gen += 1
            results.append(t)
        if record:
            ctx.output_meta = tuple((t._data.shape, t._data.dtype) if isinstance(t, Tensor) else ((), _OBJECT)
                                    for t in results)
            if ctx._saved:
                ctx._saved_versions = tuple((i, t._version_counter, t._version_counter.value, _saved_by_user(t, results))
                                            for i, t in enumerate(ctx._saved) if t is not None)
                if _graph is not None and _graph.active[0] and _graph.current():
                    _graph.pack_saved(ctx, lambda s: s)
        else:
            ctx._saved = ()
            ctx._freed = True
        return tuple(results) if multi else results[0]


_OBJECT = np.dtype(object)
# graph.py (saved_tensors_hooks), which imports this module, sets itself here when it is imported
_graph = None
# set by forward_ad.py (which imports this module, never the reverse): runs a Function with a jvp on dual inputs
_forward_ad_apply = [None]


# ---------------------------------------------------------------------------
# once_differentiable (PyTorch's torch.autograd.function.once_differentiable)
# ---------------------------------------------------------------------------
class DelayedError(Function):
    """Passes its Tensor inputs through; its backward raises ``msg`` (PyTorch's DelayedError node)."""

    @staticmethod
    def forward(ctx, msg, *inputs):
        ctx.msg = msg
        return tuple(inputs) if len(inputs) > 1 else inputs[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(ctx.msg)


def once_differentiable(fn):
    """Decorates a custom Function's ``backward``: it runs under no_grad. When an incoming gradient requires
    grad, its outputs pass through a DelayedError node, so a second differentiation raises PyTorch's error."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        fake = [v.detach().requires_grad_() if isinstance(v, Tensor) else v for v in outs]
        wrapped = DelayedError.apply(
            "trying to differentiate twice a function that was marked with @once_differentiable", *fake)
        return wrapped if not isinstance(outputs, tuple) or isinstance(wrapped, tuple) else (wrapped,)
    return wrapper


# The Tensor class is bound last (the one import cycle tests/test_layering.py allows: apply wraps its
# outputs as Tensors): tensor/ imports ops/, whose Functions subclass ArrayFunction above, so this module
# must be complete before the tensor package is imported.
from ..tensor import Tensor  # noqa: E402
