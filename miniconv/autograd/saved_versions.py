"""What a recorded op's node remembers about the arrays its forward saved or watched: which input or output
Tensor each one is the storage of, with that tensor's version at save time (checked before backward: PyTorch's
"modified by an inplace operation" error), and where each input and output was saved (``backward_graph``
rebuilds them as Tensors). Used by ``ArrayFunction.apply`` (function.py); nothing here needs the Tensor class:
a Tensor is recognised by its storage (``_data``)."""
import numpy as np


def _resave_scalar(ctx, scalar, arr):
    """A 0-d forward returns a NumPy scalar (``np.exp`` of a 0-d array), which the output Tensor holds as the
    0-d array ``arr``: where forward saved that scalar, save ``arr`` instead, so the saved output is the
    output's own storage (its version is watched, and ``ctx.saved_output()`` finds it for double backward)."""
    ctx._saved = tuple(arr if s is scalar else s for s in ctx._saved)


class _ArrayMeta:
    """Shape and dtype of a watched array (``watch_versions``), for the version error message."""

    __slots__ = ("shape", "dtype")

    def __init__(self, arr):
        self.shape, self.dtype = arr.shape, arr.dtype


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
    """Which saved or watched arrays are a Tensor's storage, with that tensor's version now. Also
    notes in ``ctx._graph_arrays`` {input k >= 0 or output -1 - j: index into _saved, or (index, shape)
    for a whole view of it such as ``x[None]``} where each input's and output's array was saved:
    ``backward_graph`` rebuilds those inputs and outputs as Tensors connected to the graph. (Plain
    loops: this runs for every recorded op that saves something.)"""
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
        if t is None:
            k = -1
            for o in outputs:
                if o._data is s:
                    t = o
                    if src is None:
                        src = ctx._graph_arrays = {}
                    src[k] = i
                    break
                k -= 1
        if t is not None:
            out.append((i, t._version_counter, t._version_counter.value))
            continue
        b = s.base
        if b is None:
            continue
        for k, a in enumerate(inputs):  # a saved whole view of an input (conv's x[None] of an unbatched input)
            if getattr(a, "_data", None) is b and b.size == s.size:
                if src is None:
                    src = ctx._graph_arrays = {}
                src[k] = (i, b.shape)
    for s in ctx._watched:
        t = _tensor_of(s, inputs, outputs)
        if t is not None:
            out.append((_ArrayMeta(s), t._version_counter, t._version_counter.value))
    return tuple(out)
