"""The graph's nodes, below the two Function bases (``function.py``): what every node has (edges to the
nodes of its inputs, output metadata, saved values and their versions, PyTorch's names), the edge a Tensor's
gradient flows into (its ``grad_fn``, or its leaf accumulator), and the handle ``register_*hook`` returns.
Nothing here needs the Tensor class."""
import threading
import weakref

import numpy as np

from .. import _profiling
from .engine import AccumulateGrad, version_error

__all__ = ["RemovableHandle"]

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph "
    "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
    "you need to backward through the graph a second time or if you need to access saved "
    "tensors after calling backward."
)


# miniconv's node classes whose PyTorch node has another name (the same for every call)
_TORCH_NAMES = {
    "ReLU": "ReluBackward0", "_ReLUInplace": "ReluBackward0", "AMax": "AmaxBackward0", "Cast": "ToCopyBackward0",
    "CumSum": "CumsumBackward0", "MaxAll": "MaxBackward1", "MaxDim": "MaxBackward0", "PowScalar": "PowBackward0",
    "Tile": "RepeatBackward0", "VectorNorm": "LinalgVectorNormBackward0", "_LeakyReLU": "LeakyReluBackward0",
    "_RReLU": "RreluWithNoiseBackward0",
    "_MaskScale": "MulBackward0", "Reshape": "ViewBackward0", "Clamp": "ClampBackward1",
    "Conv2d": "ConvolutionBackward0", "_Conv1d": "ConvolutionBackward0",
    "_MaxPool2d": "MaxPool2DWithIndicesBackward0", "_AvgPool2d": "AvgPool2DBackward0",
    "_BatchNorm": "NativeBatchNormBackward0", "_GroupNorm": "NativeGroupNormBackward0",
    "_AdaptiveAvgPool2d": "AdaptiveAvgPool2DBackward0",
    "_AdaptiveMaxPool2d": "AdaptiveMaxPool2DBackward0",
    "Log1p": "Log1PBackward0", "Square": "PowBackward0",
    "QR": "LinalgQrBackward0", "LU": "LinalgLuBackward0", "LUFactor": "LinalgLuFactorExBackward0",
    "Lstsq": "LinalgLstsqBackward0", "SolveTriangular": "LinalgSolveTriangularBackward0",
    "LUSolve": "LinalgLuSolveBackward0",
    "RSub": "RsubBackward1", "RPow": "PowBackward2", "Fill": "FillBackward3", "FillScalar": "FillBackward2", "Zero": "ZeroBackward0",
    # PyTorch's C++ nodes (no "Backward<N>" name): copy_, and a write through a view (view_nodes.py)
    "CopyFrom": "torch::autograd::CopyBackwards", "CopySlices": "torch::autograd::CopySlices",
}


def _default_name(cls):
    name = cls.__name__
    return _TORCH_NAMES.get(name) or name.lstrip("_") + "Backward0"


# PyTorch's node classes carry the node's name (``type(y.grad_fn).__name__ == "MulBackward0"``, which graph
# printers such as torchviz show). miniconv's op classes keep their own names (``ops.Mul``); the node that
# ``apply`` records is an instance of a subclass named as PyTorch's node (made once per class and name), and
# an op that names its node per call (``_torch_name``) moves its node to that name's subclass.
_NAMED = {}  # (op class, PyTorch name) -> the subclass with that name


def _named_class(cls, name=None):
    """The subclass of the miniconv op class ``cls`` named ``name`` (default: its PyTorch name)."""
    base = cls._node_base or cls
    if name is None:
        name = _default_name(base)
    sub = _NAMED.get((base, name))
    if sub is None:
        sub = type(base)(name, (base,), {"__module__": base.__module__, "__qualname__": name, "__doc__": base.__doc__,
                                         "_node_base": base})
        _NAMED[(base, name)] = sub
    return sub


def node_class(cls):
    """The class ``apply`` instantiates for op class ``cls``: its PyTorch-named subclass for miniconv's ops,
    for a user's the subclass named as PyTorch names its node class (``CubeBackward`` for ``Cube``)."""
    sub = _NAMED.get(cls)
    if sub is None:
        sub = _named_class(cls, None if cls.__module__.startswith("miniconv.") else cls.__name__ + "Backward")
        sub._forward_cls = cls  # as on PyTorch's node classes
        _NAMED[cls] = sub
    return sub


class _Node:
    """What every Function node has: its edges, output metadata, saved values and versions."""

    _node_base = None  # on a PyTorch-named node class (see _named_class): the op class it names

    _saved = ()
    # ((index into _saved, or the _ArrayMeta of a watched array), version counter, version at save time), ...)
    _saved_versions = ()
    _freed = False
    needs_input_grad = ()
    next_edges = ()  # per input: (node, output_nr) or None
    output_meta = ()  # per output: (shape, dtype)
    _non_diff = ()
    _retained = None  # output_nr -> weakref to a non-leaf Tensor that called retain_grad()
    _materialize_grads = True
    _graph_arrays = None  # see _saved_versions
    # saved-tensor hooks (graph.saved_tensors_hooks, SavedTensor.register_hooks): per saved value,
    # (unpack hook, packed value) or (None, the saved value)
    _packed = None
    _anomaly_trace = None  # recorded while anomaly mode is on: the forward call's stack (anomaly_mode.forward_stack)
    _node_pre_hooks = None  # register_prehook / register_hook: {handle id: fn}
    _node_post_hooks = None
    # read by the engine at every node with getattr(node, name, default): a class default makes that a plain
    # lookup (a missing attribute costs ~1 us: getattr raises and catches AttributeError)
    _tensor_hooks = None  # Tensor.register_hook on an output: {output_nr: {handle id: fn}}
    _overwrites_grads = False  # see ArrayFunction

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; it may return new grad_outputs."""
        if self._node_pre_hooks is None:
            self._node_pre_hooks = {}
        handle = RemovableHandle(self._node_pre_hooks)
        self._node_pre_hooks[handle.id] = fn
        return handle

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward; it may return new grad_inputs."""
        if self._node_post_hooks is None:
            self._node_post_hooks = {}
        handle = RemovableHandle(self._node_post_hooks)
        self._node_post_hooks[handle.id] = fn
        return handle

    def name(self):
        # PyTorch's naming: its own ops' nodes are "MulBackward0", a user's Function "CubeBackward". A node
        # whose PyTorch name depends on the call (Sum over all or some dims, matmul's operand ranks) sets
        # ``_torch_name`` in its forward; others whose class name differs from PyTorch's are in _TORCH_NAMES.
        cls = type(self)
        if cls._node_base is not None:
            return cls.__name__
        if cls.__module__.startswith("miniconv."):
            return self._torch_name or _default_name(cls)
        return cls.__name__ + "Backward"

    def _get_torch_name(self):
        return self.__dict__.get("_node_torch_name")

    def _set_torch_name(self, name):
        self.__dict__["_node_torch_name"] = name
        if name is not None and type(self).__module__.startswith("miniconv."):
            self.__class__ = _named_class(type(self), name)

    _torch_name = property(_get_torch_name, _set_torch_name)

    def __repr__(self):  # PyTorch's C++ nodes show their class name: <CopySlices object at ...>
        return f"<{self.name().rpartition('::')[2]} object at {hex(id(self))}>"

    # PyTorch's ``next_functions`` has one entry per differentiable Tensor input of the op: arguments that
    # were not Tensors (dims, sizes, reductions, None) are left out, and so are the positions an op lists
    # in ``_hidden_inputs`` (Tensors PyTorch never differentiates: indices, masks, targets, conditions).
    # An op whose plain arguments PyTorch takes as tensors (dropout's mask) sets ``_plain_args_listed``:
    # they are listed, as ``(None, 0)``. An op may instead name the positions PyTorch lists, in PyTorch's
    # order, in ``_listed_inputs`` (convolution lists its bias, None or not; addmm lists the bias first).
    # Where miniconv computes in one node what PyTorch records as a chain (nn.Linear on a 3-D input is View ->
    # Addmm -> T on the weight there), the op sets ``_structure``: PyTorch's ``next_functions`` below this node,
    # one entry per listed input, each an input position or ``(node name, entries)`` for a node of PyTorch's
    # chain. Those nodes are listed (as ``_ChainNode``s: named, walkable, made once per node) so that graph
    # walkers (torchviz) see PyTorch's graph; the gradient itself flows through this node.
    _result_saved_by_torch = False  # PyTorch's node saves the output (exp, tanh, sigmoid, relu): see tensor/_inplace.py
    _plain_args = ()  # positions of the arguments that were not Tensors (set by apply)
    _hidden_inputs = ()
    _plain_args_listed = False
    _listed_inputs = None
    _structure = None

    @property
    def next_functions(self):
        if self._structure is not None:
            listed = self.__dict__.get("_chain_nodes")
            if listed is None:
                listed = self.__dict__["_chain_nodes"] = tuple(_chain_entry(self, e) for e in self._structure)
            return listed
        return self._op_next_functions()

    def _op_next_functions(self):
        """``next_functions`` without PyTorch's chain nodes: the nodes this op's backward sends gradients to
        (miniconv's own graph, as the TensorBoard graph shows it)."""
        edges = self.next_edges
        if self._listed_inputs is not None:
            return tuple(((e[0], e[1]) if e is not None else (None, 0))
                         for e in [edges[i] if i < len(edges) else None for i in self._listed_inputs])
        hidden = self._hidden_inputs
        if self._plain_args and not self._plain_args_listed:
            hidden = (*hidden, *self._plain_args)
        return tuple(((e[0], e[1]) if e is not None else (None, 0)) for i, e in enumerate(edges) if i not in hidden)

    def _release(self):
        # called by the engine right after this node's backward when the graph is not retained; a node that
        # saved nothing is not freed: as in PyTorch, backward may run through it again
        if not (self._saved or self._packed is not None):
            return
        self._saved = ()
        self._saved_versions = ()  # (they hold the saved input Tensors)
        self._packed = None
        self._freed = True

    # ``_torch_saved_view(ctx, k, shape)``, for an op whose PyTorch node saves input k otherwise than miniconv's:
    # the shape of the view of it PyTorch saves (addmm saves ``weight.t()``), False if PyTorch does not save it
    # here (mm keeps ``weight`` only when the other operand requires grad: no version check), else None
    _torch_saved_view = None

    def _check_versions(self):
        for i, counter, expected, src in self._saved_versions:
            if counter.value != expected:
                s = self._saved[i] if type(i) is int else i
                s = getattr(s, "_data", s)
                source = saved_source(self, src)
                if self._torch_saved_view is not None:
                    k = getattr(i, "k", None) if type(i) is not int else next(
                        (k for k, v in (self._graph_arrays or {}).items() if k >= 0 and v == i), None)
                    shape = None if k is None else self._torch_saved_view(self, k, s.shape)
                    if shape is False:
                        continue
                    if shape is not None:  # a view of a tensor that requires grad is regenerated (AsStrided)
                        s = _Meta(s.dtype, shape)
                        source = ("AsStrided", 0) if self.needs_input_grad[k] else None
                raise version_error(s, source, counter.value, expected)

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    # -- subclasses override ---------------------------------------------------
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")


class _Meta:
    """The dtype and shape the version error prints."""

    def __init__(self, dtype, shape):
        self.dtype, self.shape = dtype, shape


def forward_op_name(name):
    """PyTorch's ``Node::forward_op_name``: the node's name without its ``Backward<N>`` suffix, the number kept
    unless it is 0 ("ExpBackward0" -> "Exp", "MaxBackward1" -> "Max1", a user's "CubeBackward" -> "Cube")."""
    pos = name.rfind("Backward")
    if pos < 0:
        return name
    suffix = name[pos + 8:]
    if suffix and not suffix.isdigit():
        return name
    return name[:pos] + ("" if suffix in ("", "0") else suffix)


def saved_source(node, src):
    """``(forward op name, output_nr)`` of what produced a saved tensor, for PyTorch's version error, or None
    (a leaf, or an input Tensor gone since). ``src`` (from ``_saved_versions``): the output number of
    ``node`` itself (a saved output: PyTorch names the node that saved it, even after the tensor's history
    moved on), a fixed answer (a saved view), else the input Tensor or a weak reference to it (its history
    now, as PyTorch's)."""
    if type(src) is int:
        return forward_op_name(node.name()), src
    if type(src) is tuple:  # known when saved (a view): what PyTorch names, or () for nothing
        return src or None
    t = src() if type(src) is weakref.ref else src
    if t is None:
        return None
    base = t._base
    if base is not None:
        t._check_view_meta_base()  # a view PyTorch forbids to change (split's outputs, made under no_grad) raises
        # a differentiable view whose memory changed since an op used it: PyTorch regenerates its node as
        # AsStridedBackward0; a view that requires no grad has none
        differentiable = t._requires_grad or (t._view_gen != base._history_gen and base._requires_grad)
        return ("AsStrided", 0) if differentiable else None
    fn = t.grad_fn
    return None if fn is None else (forward_op_name(fn.name()), t._output_nr)


class _ChainNode:
    """A node of PyTorch's graph that miniconv folds into one op's node (see ``_Node._structure``): its name and
    ``next_functions`` are PyTorch's; backward never runs it (the op's node computes the whole chain's
    gradient), so it takes no hooks."""

    metadata = property(lambda self: self.__dict__.setdefault("_metadata", {}))
    output_meta = ()

    def __init__(self, owner, next_functions):
        self._owner, self.next_functions = owner, next_functions

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

    def _no_hooks(self, fn):
        raise RuntimeError(f"miniconv: {self.name()} is computed inside {self._owner.name()} (one node in miniconv, "
                           f"a chain in PyTorch); register the hook on {self._owner.name()} or on a tensor")

    register_hook = register_prehook = _no_hooks


_CHAIN_CLASSES = {}


def _chain_entry(node, entry):
    """One entry of ``node.next_functions`` from its ``_structure`` entry: an input's edge, or a chain node."""
    if type(entry) is int:
        e = node.next_edges[entry] if entry < len(node.next_edges) else None
        return (e[0], e[1]) if e is not None else (None, 0)
    name, entries = entry
    below = tuple(_chain_entry(node, e) for e in entries)
    if all(fn is None for fn, _ in below):  # nothing below needs a gradient: PyTorch records no node
        return (None, 0)
    cls = _CHAIN_CLASSES.get(name)
    if cls is None:
        cls = _CHAIN_CLASSES[name] = type(name, (_ChainNode,), {"__module__": __name__, "__qualname__": name})
    return (cls(node, below), 0)


def _quiet_call_errstate(fn, *args):
    """``fn(*args)`` with NumPy's floating-point warnings off: overflow to inf, 0/0 = NaN and the like are
    silent in PyTorch, and a miniconv op must not warn where PyTorch does not. While a profiler records
    (miniconv.profiler), the call is timed as one event."""
    if _profiling.active:
        return _profiling.timed(fn, args)
    return fn(*args)


try:  # NumPy 2: the error state is a context variable holding an "extobj"; np.errstate sets a new one per call
    from numpy._core._multiarray_umath import _make_extobj
    from numpy._core._ufunc_config import _extobj_contextvar
except ImportError:  # (older NumPy) the decorator form of errstate: reentrant, cheaper than a ``with`` block
    _quiet_call = np.errstate(all="ignore")(_quiet_call_errstate)
else:
    # (the state errstate(all="ignore") was made from, the state it made): what ``np.errstate(all="ignore")`` does
    # at each call, with the new state made again only when the current one changed (np.seterr, np.setbufsize or
    # a user's errstate make a new object; this holds a reference, so an identity test is exact). ~0.5 us an op.
    _quiet_state = (None, None)

    def _quiet_call(fn, *args):
        """``fn(*args)`` with NumPy's floating-point warnings off (see ``_quiet_call_errstate``)."""
        global _quiet_state
        current = _extobj_contextvar.get()
        made_from, quiet = _quiet_state
        if current is quiet:  # (an op called inside an op)
            return _quiet_call_errstate(fn, *args)
        if current is not made_from:
            quiet = _make_extobj(all="ignore")  # from the current state, as errstate's
            _quiet_state = (current, quiet)
        token = _extobj_contextvar.set(quiet)
        try:
            if _profiling.active:
                return _profiling.timed(fn, args)
            return fn(*args)
        finally:
            _extobj_contextvar.reset(token)


class RemovableHandle:
    """Returned by the ``register_*hook`` methods; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks_dict, *, extra_dict=None):
        self._hooks_dict = hooks_dict
        # dicts keyed by the same id that describe the hook (with_kwargs, always_call), cleared with it
        self._extra_dicts = () if extra_dict is None else (
            tuple(extra_dict) if isinstance(extra_dict, (list, tuple)) else (extra_dict,))
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks_dict.pop(self.id, None)
        for d in self._extra_dicts:
            d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


_ACCUMULATOR_LOCK = threading.Lock()


def _edge(t):
    """The (node, output_nr) a gradient for Tensor ``t`` flows into."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    acc = t._accumulator
    if acc is None:
        # two threads' first forwards through the same leaf must share one accumulator (its
        # lock serialises their gradient sums): create it under a lock, checked again inside
        with _ACCUMULATOR_LOCK:
            acc = t._accumulator
            if acc is None:
                acc = t._accumulator = AccumulateGrad(t)
    return (acc, 0)
