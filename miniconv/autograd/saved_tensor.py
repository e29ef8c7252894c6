"""One value a graph node saved for backward, as an object (PyTorch's ``torch._C._autograd.SavedTensor``):
what ``grad_fn._raw_saved_self`` / ``_raw_saved_other`` / ``_raw_saved_result`` and a custom Function's
``grad_fn._raw_saved_tensors`` return.

``register_hooks(pack_hook, unpack_hook)`` gives that one value the treatment ``saved_tensors_hooks`` gives
every value saved inside its context: ``pack_hook(tensor)`` runs at once and the node keeps what it returns
instead of the tensor; ``unpack_hook(packed)`` gives the values back whenever they are needed (backward,
``_saved_self``, ``unpack()``). One pair per saved value; none after backward freed the node's buffers.
"""
from .node import _FREED_MSG

__all__ = ["SavedTensor"]

_INPLACE_PACK = ("A saved tensor pack hook is modifying its input in place. Tensors provided as input to pack hook "
                 "can not be modified by in-place operations as this can lead to unexpected side-effects. Please "
                 "open an issue if you need to perform in-place operations on the input to a pack hook.")

_HOOKS_SET_MSG = ("Calling register_hooks on a saved tensor whose hooks have already been set. Hint: only one pair of "
                  "hooks is allowed at a time.")
_REGISTER_FREED_MSG = (
    "Calling register_hooks on a saved tensor after it has been freed. Saved intermediate values of the graph "
    "are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved variables after calling backward.")


def pack_one(pack, t):
    """``pack(t)``; PyTorch's error if the hook changed ``t`` in place."""
    version = t._version_counter.value
    p = pack(t)
    if t._version_counter.value != version:
        raise RuntimeError(_INPLACE_PACK)
    return p


class _InShape:
    """An unpack hook whose Tensor goes back into the shape of the array the node saved (conv saves an
    unbatched input as ``x[None]``); the user's hook is ``fn``."""

    __slots__ = ("fn", "shape")

    def __init__(self, fn, shape):
        self.fn, self.shape = fn, shape

    def __call__(self, packed):
        t = self.fn(packed)
        if hasattr(t, "_data") and t._data.shape != self.shape:
            t = t.reshape(self.shape)
        return t


class SavedTensor:
    """Saved value ``index`` (into ``node._saved``) of ``node``; ``tensor()`` gives it as a Tensor."""

    def __init__(self, node, index, tensor, as_array):
        self._node = node
        self._index = index
        self._tensor = tensor  # () -> the saved value as a Tensor (before any hook)
        self._as_array = as_array  # the node keeps arrays (miniconv's ops) rather than Tensors

    def _entry(self):
        packed = self._node._packed
        return None if packed is None else packed[self._index]

    def register_hooks(self, pack_hook, unpack_hook):
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("register_hooks(): incompatible function arguments. The following argument types are "
                            "supported:\n    1. (self: torch._C._autograd.SavedTensor, arg0: Callable, arg1: "
                            "Callable) -> None")
        node = self._node
        if node._freed:
            raise RuntimeError(_REGISTER_FREED_MSG)
        entry = self._entry()
        if entry is not None and entry[0] is not None:
            raise RuntimeError(_HOOKS_SET_MSG)
        t = self._tensor().detach()  # as PyTorch's: the saved data, with no autograd history
        packed = pack_one(pack_hook, t)
        saved = node._saved[self._index]
        hook = unpack_hook
        if self._as_array and t._data.shape != saved.shape:
            hook = _InShape(unpack_hook, saved.shape)
        entries = list(node._packed) if node._packed is not None else [(None, s) for s in node._saved]
        entries[self._index] = (hook, packed)
        node._packed = tuple(entries)
        node._saved = tuple(None if i == self._index else s for i, s in enumerate(node._saved))
        # the hooks own the value now: its in-place check goes, as with saved_tensors_hooks
        node._saved_versions = tuple(v for v in node._saved_versions if v[0] != self._index)

    @property
    def unpack_hook(self):
        entry = self._entry()
        hook = None if entry is None else entry[0]
        return hook.fn if isinstance(hook, _InShape) else hook

    @property
    def data(self):
        """The packed value when hooks are set, else the saved tensor."""
        if self._node._freed:
            raise RuntimeError(_FREED_MSG)
        entry = self._entry()
        if entry is not None and entry[0] is not None:
            return entry[1]
        return self._tensor()

    def unpack(self):
        """The saved tensor (through the unpack hook when hooks are set)."""
        if self._node._freed:
            raise RuntimeError(_FREED_MSG)
        return self._tensor()

    def __repr__(self):
        return f"<miniconv.autograd.graph.SavedTensor object at {hex(id(self))}>"
