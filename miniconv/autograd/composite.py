"""One graph node for an operation miniconv composes from other differentiable ops where PyTorch records one
node: ``F.gelu`` is ``x * 0.5 * (1 + erf(x / sqrt 2))`` here and one ``GeluBackward0`` there; ``F.layer_norm``
is a mean, a variance and a division here and one ``NativeLayerNormBackward0`` there.

``composite(name, fn, inputs)`` runs ``fn`` on detached aliases of the inputs (the same ops, so the same
values), keeps that inner graph, and returns the result with one node named ``name`` whose ``next_functions``
are the inputs', as PyTorch's node. Its backward is the inner graph's backward (the same ops, so the same
gradients). With ``create_graph=True`` the composition is run again on the inputs themselves, on the graph,
and differentiated there, so double backward and forward-mode AD (which miniconv computes by double backward)
see through it. Without grad mode, or when no input requires grad, ``fn`` simply runs.
"""
import numpy as np

from ..dtypes import _HALF, run_in_float32
from . import function as _function
from .engine import AccumulateGrad, run_backward, sum_to, version_error
from .entry_points import grad as _grad
from .function import ArrayFunction
from .grad_mode import enable_grad, is_grad_enabled
from .node import _FREED_MSG, _edge, _named_class, saved_source

__all__ = ["composite"]


class Composite(ArrayFunction):
    """The node of a composed op; an instance's class is the subclass named as PyTorch's node."""

    def _check_versions(self):
        for t, expected in self._versions:
            if t._version_counter.value != expected:
                raise version_error(t._data, saved_source(self, t), t._version_counter.value, expected)

    def _call_backward(self, grads):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        self._check_versions()
        g = grads[0]
        if g is None:
            shape, dtype = self.output_meta[0]
            g = np.zeros(shape, dtype)
        wanted = [i for i, e in enumerate(self.next_edges) if e is not None]
        leaves = [self._inner[i] for i in wanted]
        edges = [_edge(t) for t in leaves]
        capture = dict.fromkeys(edges)
        # the inner graph is kept until this node is released (the outer backward's retain_graph decides)
        run_backward([_edge(self._out)], [g], True, capture=capture)
        result = [None] * len(self.next_edges)
        for i, t, e in zip(wanted, leaves, edges):
            c = capture[e]
            result[i] = None if c is None else sum_to(c, t._data.shape, t._data.dtype)
        return tuple(result)

    _double_backward_error = None  # (exception class, message, node name[, inputs used]): see composite()

    def _call_backward_graph(self, grads):
        if self._freed:
            raise RuntimeError(_FREED_MSG)
        if self._double_backward_error is not None:
            return not_differentiable_twice(self, grads, self._call_backward([g._data for g in grads]))
        self._check_versions()
        (g,) = grads
        wanted = [i for i, e in enumerate(self.next_edges) if e is not None]
        # the inputs' values at forward time (an in-place op's input is its copy), on the inputs' edges
        inputs = list(self._inner)
        for i in wanted:
            inputs[i] = _on_edge(self._inner[i], self.next_edges[i])
        with enable_grad():
            out = self._fn(*inputs)
        got = _grad([out], [inputs[i] for i in wanted], [g], create_graph=True, allow_unused=True)
        result = [None] * len(self.next_edges)
        for i, r in zip(wanted, got):
            result[i] = r
        return tuple(result)

    def _release(self):
        self._inner = self._out = self._fn = None
        self._freed = True


class _Input(ArrayFunction):
    """Passes an input of a recomputed composition through: the nested ``grad`` stops at this node (the graph
    before it is the caller's), while the gradient it returns, differentiated again, flows through it."""

    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):
        return g

    backward_graph = backward  # the same with Tensors


def _on_edge(inner, edge):
    """``inner``'s values (and version counter) as a Tensor whose gradient flows into ``edge`` (an input's node,
    or a leaf's accumulator) through one ``_Input`` node."""
    t = _function.Tensor._wrap(inner._data)
    t._requires_grad = True
    node, nr = edge
    if type(node) is AccumulateGrad:
        t._accumulator = node
    else:
        t.grad_fn, t._output_nr = node, nr
    out = _Input.apply(t)
    out._version_counter = inner._version_counter  # writing into the input later is caught by the recomputation
    return out


class _NotImplementedBackward(ArrayFunction):
    """PyTorch's node for a gradient whose own derivative is not implemented (``torch::autograd::NotImplemented``,
    ``CdistBackwardBackward0``, ...): create_graph=True gives the gradient with this node, and a backward that
    reaches it raises PyTorch's error."""

    def _call_backward(self, grads):
        raise self._error[0](self._error[1])

    _call_backward_graph = _call_backward


def not_differentiable_twice(node, grads, result):
    """``result`` (the first-order gradients of ``node``, arrays or None) as Tensors whose ``grad_fn`` is a
    ``_NotImplementedBackward`` named and raising as ``node._double_backward_error`` says, with edges to the
    incoming gradients and to ``node``'s inputs (what PyTorch's backward-of-backward node takes)."""
    Tensor = _function.Tensor
    exc, msg, name, *used = node._double_backward_error
    err = _named_class(_NotImplementedBackward, name)()
    err._error = (exc, msg)
    inputs = node.next_edges if not used else tuple(e if i in used[0] else None for i, e in enumerate(node.next_edges))
    err.next_edges = tuple(_edge(g) if g is not None and g._requires_grad else None for g in grads) + inputs
    err.needs_input_grad = tuple(e is not None for e in err.next_edges)
    recorded = any(err.needs_input_grad)  # else, as PyTorch, gradients with no history
    out = []
    for r in result:
        if r is None:
            out.append(None)
            continue
        t = Tensor._wrap(np.asarray(r))
        if recorded:
            t._requires_grad, t.grad_fn, t._output_nr = True, err, len(out)
        out.append(t)
    err.output_meta = tuple(((), np.dtype(np.float64)) if t is None else (t._data.shape, t._data.dtype) for t in out)
    return tuple(out)


def composite(name, fn, inputs, listed=None, inplace=False, saved=None, double_backward_error=None):
    """``fn(*inputs)`` (one Tensor), recorded as one node named ``name`` (PyTorch's node).

    ``inputs``: Tensors and other arguments (None for an absent weight); ``fn`` must compute only from them (a
    closure may hold numbers, dims and modes). ``listed``: the positions of ``inputs`` that PyTorch's node
    lists in ``next_functions`` (an absent one as ``(None, 0)``), if not every Tensor input in order.
    ``inplace``: the caller then writes the result into ``inputs[0]``, so the inner graph gets a copy of it.
    ``saved``: the positions of the inputs PyTorch's node saves (default: every Tensor input): changing one in
    place before backward raises PyTorch's version error. (Those it does not save enter the op linearly, so
    double backward does not need their values.) ``double_backward_error``: (exception class, message, node
    name[, positions of the inputs PyTorch's backward takes, default all]) where PyTorch implements no
    derivative of this op's backward: create_graph=True then gives gradients whose backward raises that error
    (``not_differentiable_twice``).
    """
    Tensor = _function.Tensor
    if inputs and isinstance(inputs[0], Tensor) and inputs[0]._data.dtype == _HALF:
        fn = _in_float32(fn)
    needs = [isinstance(a, Tensor) and a._requires_grad for a in inputs]
    if not (True in needs and is_grad_enabled()):
        return fn(*inputs)
    inner = [(a.detach().clone() if inplace and i == 0 else a.detach()).requires_grad_() if n else a
             for i, (a, n) in enumerate(zip(inputs, needs))]
    out = fn(*inner)
    if not isinstance(out, Tensor) or out.grad_fn is None:
        return out
    node = _named_class(Composite, name)()
    node.needs_input_grad = tuple(needs)
    node.next_edges = tuple(_edge(a) if n else None for a, n in zip(inputs, needs))
    node.output_meta = ((out._data.shape, out._data.dtype),)
    plain = [i for i, a in enumerate(inputs) if not isinstance(a, Tensor)]
    if plain:
        node._plain_args = plain
    if listed is not None:
        node._listed_inputs = tuple(listed)
    if double_backward_error is not None:
        node._double_backward_error = double_backward_error
    node._fn, node._inner, node._out = fn, inner, out
    # the saved inputs whose memory the inner graph shares (all but an in-place op's copied input)
    node._versions = tuple((a, a._version_counter.value) for i, a in enumerate(inputs)
                           if isinstance(a, Tensor) and not (inplace and i == 0) and (saved is None or i in saved))
    if saved is not None:  # an input PyTorch does not save enters linearly: keep its shape, not its memory
        for i, a in enumerate(inner):
            if needs[i] and i not in saved:
                a._data = np.broadcast_to(np.zeros((), a._data.dtype), a._data.shape)
    result = out.detach()  # shares the inner output's version counter: writing into it is seen by the inner graph
    result._requires_grad = True
    result.grad_fn = node
    return result


def _in_float32(fn):
    """``fn`` on float32 copies of its float16 Tensors, a float result rounded to float16: PyTorch's CPU computes
    a float16 op (its one kernel) in float32 and rounds once, where the composition would round every step."""
    return lambda *args: run_in_float32(fn, args)


def recomputed_backward(node, fn, values, grads):
    """``backward_graph`` of an ArrayFunction whose backward is a kernel (batch norm, adaptive pooling):
    ``fn``, the op's forward written with differentiable Tensor ops, is run on ``values`` (the forward
    inputs' values as arrays; anything else passes through) placed on the node's input edges, and
    differentiated with ``create_graph=True``. ``fn`` returns the op's output, or a tuple of its outputs (each
    paired with its gradient in ``grads``). Returns one gradient (or None) per input of the node."""
    Tensor = _function.Tensor
    wanted = [i for i, e in enumerate(node.next_edges) if e is not None]
    inputs = [Tensor._wrap(v) if type(v) is np.ndarray else v for v in values]
    for i in wanted:
        inputs[i] = _on_edge(inputs[i], node.next_edges[i])
    with enable_grad():
        out = fn(*inputs)
    outs = list(out) if type(out) is tuple else [out]
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o.requires_grad]
    got = _grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs], create_graph=True,
                allow_unused=True)
    result = [None] * len(node.next_edges)
    for i, r in zip(wanted, got):
        result[i] = r
    return tuple(result)
