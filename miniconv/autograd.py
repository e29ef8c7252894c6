"""Reverse-mode automatic differentiation: Function, the backward engine, grad mode, gradcheck.

The contract is PyTorch's (``torch/autograd/function.py``), at NumPy granularity:

* A ``Function`` subclass defines ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` as
  static methods. ``forward`` receives NumPy arrays where the caller passed Tensors (other
  arguments pass through unchanged) and returns an array or a tuple of arrays.
  ``backward`` receives one gradient array per output and returns one gradient per input
  (``None`` for inputs that need none).
* ``Function.apply(*args)`` runs ``forward`` and, when grad mode is on and some input requires
  grad, records the call as a node of the graph. The ``ctx`` object *is* that node.

The engine (``backward``) walks nodes in reverse topological order with an explicit work list
(no recursion, so a chain of 10,000 ops is fine), sums the gradients that meet at a node, and
reduces a broadcast gradient back to the shape of the input it belongs to.
"""
import threading

import numpy as np

__all__ = [
    "Function",
    "backward",
    "grad",
    "gradcheck",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "is_grad_enabled",
]

# ---------------------------------------------------------------------------
# Grad mode (thread-local, like PyTorch)
# ---------------------------------------------------------------------------
_state = threading.local()


def is_grad_enabled():
    """True if operations are being recorded for backward."""
    return getattr(_state, "enabled", True)


def _set_enabled(mode):
    _state.enabled = bool(mode)


class _GradMode:
    """Base for no_grad / enable_grad: a context manager that is also a decorator."""

    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording: ``with no_grad(): ...`` or ``@no_grad()``."""

    mode = False


class enable_grad(_GradMode):
    """Enable graph recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)`` works as a function call and as a context manager."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = is_grad_enabled()
        _set_enabled(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False


# ---------------------------------------------------------------------------
# Function: one op's forward and backward; its instance is the ctx and the graph node
# ---------------------------------------------------------------------------
class ArrayFunction:
    """Base class for miniconv's own differentiable operations (array level). See the module docstring for the contract.

    Example::

        class Exp(ArrayFunction):
            @staticmethod
            def forward(ctx, x):
                y = np.exp(x)
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)   # x a Tensor
    """

    def __init__(self):
        self._saved = ()
        self._freed = False
        self.needs_input_grad = ()
        self.next_edges = ()  # per input: (node, output_nr) or None
        self.output_meta = ()  # per output: (shape, dtype)
        self._non_diff = ()
        self._retained = {}  # output_nr -> weakref to a non-leaf Tensor that called retain_grad()

    # -- ctx API ---------------------------------------------------------------
    def save_for_backward(self, *arrays):
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the graph "
                "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if "
                "you need to backward through the graph a second time or if you need to access saved "
                "tensors after calling backward."
            )
        return self._saved

    def mark_non_differentiable(self, *arrays):
        """Outputs (arrays returned by forward) that never get a gradient, e.g. argmax indices."""
        self._non_diff = tuple(id(a) for a in arrays)

    def name(self):
        # PyTorch's naming: its own ops' nodes are "MulBackward0", a user's Function "CubeBackward" (issue 9)
        if type(self).__module__.startswith("miniconv."):
            return type(self).__name__.lstrip("_") + "Backward0"
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        return tuple((e[0], e[1]) if e is not None else (None, 0) for e in self.next_edges)

    def _release(self):
        self._saved = ()
        self._freed = True

    # -- subclasses override ---------------------------------------------------
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    # -- running ---------------------------------------------------------------
    @classmethod
    def apply(cls, *args):
        from .tensor import Tensor

        ctx = cls()
        arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = is_grad_enabled() and any(needs)
        ctx.needs_input_grad = needs if record else (False,) * len(args)
        raw = cls.forward(ctx, *arrays)
        multi = isinstance(raw, tuple)
        outs = raw if multi else (raw,)
        results = []
        if record:
            ctx.next_edges = tuple(_edge(a) if n else None for a, n in zip(args, needs))
            ctx.output_meta = tuple((np.shape(o), np.asarray(o).dtype) for o in outs)
        for i, o in enumerate(outs):
            arr = o if isinstance(o, np.ndarray) else np.asarray(o)
            t = Tensor._wrap(arr)
            if record and id(o) not in ctx._non_diff and arr.dtype.kind == "f":
                t.requires_grad = True
                t.grad_fn = ctx
                t._output_nr = i
            results.append(t)
        if not record:
            ctx._release()
        return tuple(results) if multi else results[0]


# ``Function`` is the public name. Today it is the array-level base; the core-semantics work
# (issue 8) makes the public ``Function`` work on Tensors as PyTorch's does, and miniconv's own ops
# keep subclassing ``ArrayFunction``.
Function = ArrayFunction


class RemovableHandle:
    """Returned by the ``register_*hook`` methods; ``handle.remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks_dict):
        self._hooks_dict = hooks_dict
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self):
        self._hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _run_tensor_hooks(hooks, g):
    """Apply ``Tensor.register_hook`` hooks to the gradient array ``g`` (a hook may replace it)."""
    from .tensor import Tensor

    for hook in list(hooks.values()):
        out = hook(Tensor._wrap(g))
        if out is not None:
            g = out._data if isinstance(out, Tensor) else np.asarray(out)
    return g


class AccumulateGrad:
    """Graph node at a leaf Tensor: adds the incoming gradient into ``leaf.grad``."""

    def __init__(self, leaf):
        self.leaf = leaf
        self.next_edges = ()
        self.output_meta = ((leaf.shape, leaf.dtype),)

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"

    @property
    def next_functions(self):
        return ()

    def accumulate(self, g):
        from .tensor import Tensor

        leaf = self.leaf
        if leaf._backward_hooks:
            g = _run_tensor_hooks(leaf._backward_hooks, g)
        if leaf.grad is None:
            leaf.grad = Tensor._wrap(np.array(g, dtype=leaf.dtype, copy=True))
        else:
            leaf.grad._data += g
        if leaf._post_accumulate_grad_hooks:
            for hook in list(leaf._post_accumulate_grad_hooks.values()):
                hook(leaf)


def _edge(t):
    """The (node, output_nr) a gradient for Tensor ``t`` flows into."""
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    if t._accumulator is None:
        t._accumulator = AccumulateGrad(t)
    return (t._accumulator, 0)


def _sum_to(g, shape, dtype):
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


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------
def _run_backward(roots, root_grads, retain_graph, capture=None):
    """Propagate ``root_grads`` from the ``roots`` edges back through the graph.

    ``capture``: None to accumulate into leaves' ``.grad``; or a dict {edge: None} whose
    values are filled with the gradient that reaches each edge (for ``autograd.grad``);
    leaves' ``.grad`` are then left untouched.
    """
    # 1. dependency counts: how many edges point at each node (iterative DFS, no recursion)
    deps = {}
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
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)

    # 2. seed the gradient buffers
    buffers = {}
    for (node, nr), g in zip(roots, root_grads):
        buf = buffers.setdefault(node, [None] * len(node.output_meta))
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    ready = []
    for node, _ in roots:
        if deps.get(node, 0) == 0 and node not in ready:
            ready.append(node)

    # 3. process nodes whose every consumer has already sent its gradient
    while ready:
        node = ready.pop()
        grads = buffers.pop(node, None) or [None] * len(node.output_meta)
        if capture is not None:
            for nr, g in enumerate(grads):
                if (node, nr) in capture and g is not None:
                    capture[(node, nr)] = g
        pre_hooks = getattr(node, "_tensor_hooks", None)  # Tensor.register_hook on non-leaf outputs
        if pre_hooks and capture is None:
            grads = [g if g is None or not pre_hooks.get(nr) else _run_tensor_hooks(pre_hooks[nr], g)
                     for nr, g in enumerate(grads)]
        if isinstance(node, AccumulateGrad):
            if capture is None and grads[0] is not None:
                node.accumulate(grads[0])
            continue
        if all(g is None for g in grads):
            in_grads = (None,) * len(node.next_edges)
        else:
            if node._freed:
                node.saved_tensors  # raises the "backward a second time" error
            for nr, ref in node._retained.items():
                t = ref()
                if t is not None and grads[nr] is not None and capture is None:
                    t._accumulate_retained(grads[nr])
            # outputs that got no gradient get zeros, except integer outputs (indices), which can
            # never have one: they get None rather than a zero array as big as the indices
            grads = [
                g if g is not None or dtype.kind != "f" else np.zeros(shape, dtype)
                for g, (shape, dtype) in zip(grads, node.output_meta)
            ]
            with no_grad():
                in_grads = type(node).backward(node, *grads)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            if len(in_grads) != len(node.next_edges):
                raise RuntimeError(
                    f"function {node.name()} returned an incorrect number of gradients "
                    f"(expected {len(node.next_edges)}, got {len(in_grads)})"
                )
            if not retain_graph:
                node._release()
        for e, g in zip(node.next_edges, in_grads):
            if e is None:
                continue
            child, nr = e
            if g is not None:
                shape, dtype = child.output_meta[nr]
                g = _sum_to(g, shape, dtype)
                buf = buffers.setdefault(child, [None] * len(child.output_meta))
                buf[nr] = g if buf[nr] is None else buf[nr] + g
            deps[child] -= 1
            if deps[child] == 0:
                ready.append(child)


def _prepare_roots(tensors, grad_tensors, fn_name):
    from .tensor import Tensor

    roots, grads = [], []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{fn_name}(): expected a Tensor, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(t.shape, dtype=t.dtype)
        else:
            g = g._data if isinstance(g, Tensor) else np.asarray(g, dtype=t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(g.shape)} and "
                    f"output[{i}] has a shape of {tuple(t.shape)}."
                )
            g = g.astype(t.dtype, copy=False)
        roots.append(_edge(t))
        grads.append(g)
    return roots, grads


def _as_list(x):
    from .tensor import Tensor

    if x is None:
        return None
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None):
    """Accumulate d(tensors)/d(leaf) into every leaf's ``.grad``."""
    tensors = _as_list(tensors)
    grad_tensors = _as_list(grad_tensors) or [None] * len(tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"got {len(grad_tensors)} gradients for {len(tensors)} tensors")
    roots, grads = _prepare_roots(tensors, grad_tensors, "backward")
    _run_backward(roots, grads, bool(retain_graph))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, allow_unused=False):
    """Return d(outputs)/d(inputs) as a tuple of Tensors, without touching any ``.grad``."""
    from .tensor import Tensor

    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    roots, grads = _prepare_roots(outputs, grad_outputs, "grad")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    edges = [_edge(t) for t in inputs]
    capture = {e: None for e in edges}
    _run_backward(roots, grads, bool(retain_graph), capture=capture)
    result = []
    for i, (e, t) in enumerate(zip(edges, inputs)):
        g = capture[e]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {i}) appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            result.append(None)
        else:
            result.append(Tensor._wrap(_sum_to(g, t.shape, t.dtype).copy()))
    return tuple(result)


# ---------------------------------------------------------------------------
# gradcheck: finite differences against the analytical Jacobian, in float64
# ---------------------------------------------------------------------------
class GradcheckError(RuntimeError):
    pass


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compare the analytical Jacobian of ``fn`` with central finite differences.

    Like ``torch.autograd.gradcheck``: every input that requires grad must be float64; the check
    passes when ``|analytical - numerical| <= atol + rtol * |numerical|`` element-wise.
    Returns True, or raises ``GradcheckError`` (or returns False if ``raise_exception=False``).
    """
    from .tensor import Tensor

    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    diff_inputs = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for t in diff_inputs:
        if t.dtype != np.float64:
            raise ValueError(
                f"gradcheck: inputs that require grad must be float64 (got {t.dtype}); finite differences "
                "in float32 are too inaccurate to check anything"
            )

    def run():
        out = fn(*inputs)
        outs = out if isinstance(out, (tuple, list)) else (out,)
        return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]

    outputs = run()
    for oi, out in enumerate(outputs):
        # numerical Jacobian, one column per input element
        for ii, t in enumerate(diff_inputs):
            flat = t._data.reshape(-1)  # a view: perturb in place
            numerical = np.zeros((out._data.size, flat.size))
            with no_grad():
                for k in range(flat.size):
                    orig = flat[k]
                    flat[k] = orig + eps
                    plus = run()[oi]._data.reshape(-1).copy()
                    flat[k] = orig - eps
                    minus = run()[oi]._data.reshape(-1).copy()
                    flat[k] = orig
                    numerical[:, k] = (plus - minus) / (2 * eps)
            # analytical Jacobian, one row per output element
            analytical = np.zeros_like(numerical)
            if out.requires_grad:
                for j in range(out._data.size):
                    go = np.zeros(out.shape)
                    go.reshape(-1)[j] = 1.0
                    (g,) = grad(out, t, grad_outputs=Tensor._wrap(go), retain_graph=True, allow_unused=True)
                    if g is not None:
                        analytical[j] = g._data.reshape(-1)
            ok = np.all(np.abs(analytical - numerical) <= atol + rtol * np.abs(numerical))
            if not ok:
                if not raise_exception:
                    return False
                k = np.unravel_index(np.argmax(np.abs(analytical - numerical)), numerical.shape)
                raise GradcheckError(
                    f"Jacobian mismatch for output {oi} with respect to input {ii}: largest difference at "
                    f"(output element {k[0]}, input element {k[1]}): analytical {analytical[k]:.8g} vs "
                    f"numerical {numerical[k]:.8g}.\nnumerical:\n{numerical}\nanalytical:\n{analytical}"
                )
    return True
