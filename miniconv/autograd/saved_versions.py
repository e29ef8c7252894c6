"""What a recorded op's node remembers about the arrays its forward saved or watched: which input or output
Tensor each one is the storage of, with that tensor's version at save time (checked before backward: PyTorch's
"modified by an inplace operation" error), and where each input and output was saved (``backward_graph``
rebuilds them as Tensors). Used by ``ArrayFunction.apply`` (function.py); nothing here needs the Tensor class:
a Tensor is recognised by its storage (``_data``)."""
from weakref import ref as _ref

import numpy as np


def _resave_scalar(ctx, scalar, arr):
    """A 0-d forward returns a NumPy scalar (``np.exp`` of a 0-d array), which the output Tensor holds as the
    0-d array ``arr``: where forward saved that scalar, save ``arr`` instead, so the saved output is the
    output's own storage (its version is watched, and ``ctx.saved_output()`` finds it for double backward)."""
    ctx._saved = tuple(arr if s is scalar else s for s in ctx._saved)


class _ArrayMeta:
    """Shape and dtype of a watched array (``watch_versions``) or of an input a saved array is a whole view of,
    for the version error message; ``k``: the input's position (None for an output)."""

    __slots__ = ("shape", "dtype", "k")

    def __init__(self, arr, k=None):
        self.shape, self.dtype, self.k = arr.shape, arr.dtype, k


def _tensor_of(s, inputs, outputs):
    """The input (searched first: an in-place op's output is its input's memory) or output Tensor
    whose storage is the array ``s``, or None."""
    for t in inputs:
        if getattr(t, "_data", None) is s:
            return t
    for t in outputs:
        if t._data is s:
            return t
    return None


def _saved_versions(ctx, inputs, outputs):
    """Which saved or watched arrays are a Tensor's storage, with that tensor's version now and where the
    tensor came from (for the error message, ``node.saved_source``: the output number for an output of
    this op; for an input, the input Tensor itself (its array is saved: holding it costs nothing until the
    node is released) or, for a watched one, a weak reference to it). Also notes in ``ctx._graph_arrays`` {input k >= 0 or
    output -1 - j: index into _saved, or (index, shape) for a whole view of it such as ``x[None]``} where
    each input's and output's array was saved: ``backward_graph`` rebuilds those inputs and outputs as
    Tensors connected to the graph. (Plain loops: this runs for every recorded op that saves something.)"""
    out = []
    src = None
    for i, s in enumerate(ctx._saved):
        if type(s) is not np.ndarray:
            continue
        t = None
        for k, a in enumerate(inputs):  # every position: x * x saves one array for both inputs
            if getattr(a, "_data", None) is s:
                if t is None:
                    t = a
                if src is None:
                    src = ctx._graph_arrays = {}
                src[k] = i
        if t is not None:
            out.append((i, t._version_counter, t._version_counter.value, t))  # the node holds t's array anyway
            continue
        k = -1
        for j, o in enumerate(outputs):
            if o._data is s:
                if src is None:
                    src = ctx._graph_arrays = {}
                src[k] = i
                out.append((i, o._version_counter, o._version_counter.value, j))
                t = o
                break
            k -= 1
        if t is not None:
            continue
        b = s.base
        if b is None:
            continue
        for k, a in enumerate(inputs):  # a saved whole view of an input (conv's x[None] of an unbatched input)
            if getattr(a, "_data", None) is b and b.size == s.size:
                if src is None:
                    src = ctx._graph_arrays = {}
                src[k] = (i, b.shape)
                out.append((_ArrayMeta(b, k), a._version_counter, a._version_counter.value, _source(a, (), b)))
                break
    for s in ctx._watched:
        t = _tensor_of(s, inputs, outputs)
        if t is not None:
            k = next((k for k, a in enumerate(inputs) if a is t), None)
            out.append((_ArrayMeta(s, k), t._version_counter, t._version_counter.value, _source(t, outputs, s)))
    return tuple(out)


def _source(t, outputs, s):
    """Where the saved Tensor ``t`` (whose storage is the array ``s``) came from, for the version error
    (``node.saved_source``): the number of the op's output that ``s`` is (an in-place kernel's result is
    its input's memory: PyTorch's node then saved its output), else (an input) a weak reference to ``t``,
    or for a view what PyTorch will name."""
    for j, o in enumerate(outputs):
        if o._data is s:
            return j
    return _ref(t) if t._base is None else _view(t)


def _saved_by_user(t, results):
    """``_source`` for a Tensor a user's Function saved: an output if it is one of ``results`` itself."""
    for j, r in enumerate(results):
        if r is t:
            return j
    return _source(t, (), None)


_AS_STRIDED = ("AsStrided", 0)


def _view(t):
    """The source of a saved input that is a view (``x @ w.t()``: often a temporary, gone by backward):
    an in-place change of its memory makes PyTorch regenerate a differentiable view's node as
    AsStridedBackward0, and the error names that; a view that does not require grad has none."""
    return _AS_STRIDED if t._requires_grad else ()
