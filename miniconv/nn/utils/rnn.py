"""``nn.utils.rnn``: variable-length sequences for the recurrent layers (PyTorch's names).

A :class:`PackedSequence` holds the rows of step 0 of every sequence, then those of step 1, ...
(``data``), with ``batch_sizes[t]`` rows at step t, the sequences sorted longest first
(``sorted_indices`` maps sorted position -> original batch index, ``unsorted_indices`` back).

Every function here is differentiable: packing and padding are ``index_select`` gathers, whose
backward scatters the gradient back.

Example::

    >>> seqs = [miniconv.ones(3, 2), miniconv.ones(1, 2)]
    >>> packed = pack_sequence(seqs)
    >>> packed.batch_sizes
    tensor([2, 1, 1])
    >>> pad_packed_sequence(packed)[0].shape
    miniconv.Size([3, 2, 2])
"""
from collections import namedtuple
from collections.abc import Iterable

import numpy as np

from ...creation import cat, full, stack
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]

_SORT_MSG = ("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
             "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you "
             "do not need ONNX exportability.")


def _int64(values):
    return Tensor(np.asarray(values, dtype=np.int64))


def invert_permutation(permutation):
    """The inverse of ``permutation`` (a 1-D int64 Tensor), or None for None."""
    if permutation is None:
        return None
    p = np.asarray(permutation._data, dtype=np.int64)
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=np.int64)
    return Tensor(out)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Packed rows of a batch of variable-length sequences; made by :func:`pack_padded_sequence` or
    :func:`pack_sequence`, accepted and returned by ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU``."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence((data, batch_sizes), sorted_indices=...)
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """A PackedSequence whose ``data`` is ``data.to(*args, **kwargs)`` (self if nothing changes)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        return self

    def pin_memory(self):
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def long(self):
        return self.to(np.int64)

    def int(self):
        return self.to(np.int32)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _lengths_array(lengths):
    if isinstance(lengths, Tensor):
        arr = lengths._data
        if arr.ndim != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {arr.ndim}D cpu "
                               f"{'Long' if arr.dtype == np.int64 else arr.dtype} tensor")
        return arr.astype(np.int64)
    arr = np.asarray([int(v) for v in lengths], dtype=np.int64)
    return arr


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):  # noqa: A002
    """Pack a padded batch ``input`` (T, B, *) (or (B, T, *) with ``batch_first``) of sequences with
    the given ``lengths`` (a list or a 1-D Tensor). With ``enforce_sorted`` the lengths must be
    non-increasing; otherwise the batch is sorted here and the order kept in the result."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence(): argument 'input' must be Tensor, not {type(input).__name__}")
    lengths = _lengths_array(lengths)
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _int64(order)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
                           f"(batch_size={batch})")
    if batch == 0 or lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if np.any(np.diff(lengths) > 0):
        raise RuntimeError(_SORT_MSG)
    if lengths[0] > steps:
        raise RuntimeError(f"pack_padded_sequence(): the longest length is {int(lengths[0])}, but the padded input "
                           f"holds only {steps} time steps")
    batch_sizes = (lengths[None, :] > np.arange(int(lengths[0]))[:, None]).sum(axis=1).astype(np.int64)
    rows = np.concatenate([t * batch + np.arange(b) for t, b in enumerate(batch_sizes.tolist())])
    flat = input.reshape((steps * batch,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _int64(rows))
    return PackedSequence(data, _int64(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of :func:`pack_padded_sequence`: (padded (T, B, *) or (B, T, *), lengths), in
    the batch's original order; T = ``total_length`` if given (at least the longest length)."""
    batch_sizes = np.asarray(sequence.batch_sizes._data, dtype=np.int64)
    max_seq_length = batch_sizes.size
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    data = sequence.data
    batch = int(batch_sizes[0])
    n_rows = data.shape[0]
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    rows = np.full((max_seq_length, batch), n_rows, dtype=np.int64)  # row n_rows: the padding row
    for t, (s, b) in enumerate(zip(offsets.tolist(), batch_sizes.tolist())):
        rows[t, :b] = s + np.arange(b)
    pad_row = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, pad_row]).index_select(0, _int64(rows.reshape(-1)))
    padded = padded.reshape((max_seq_length, batch) + tuple(data.shape[1:]))
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1).astype(np.int64)
    if batch_first:
        padded = padded.transpose(0, 1).contiguous()
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices._data]
    return padded, _int64(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length Tensors (L_i, *) into (T, B, *) (or (B, T, *) with ``batch_first``),
    filling with ``padding_value`` on the ``padding_side`` ('right' or 'left')."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    for s in sequences:
        if not isinstance(s, Tensor):
            raise TypeError(f"pad_sequence(): expected a sequence of Tensors, but got {type(s).__name__}")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        rest = tuple(s.shape[1:])
        if len(rest) != len(trailing):
            raise RuntimeError(f"pad_sequence(): every sequence must have {len(trailing) + 1} dimensions, got one "
                               f"of size {list(s.shape)}")
        for d, (a, b) in enumerate(zip(rest, trailing)):
            if a != b:
                raise RuntimeError(f"The size of tensor a ({b}) must match the size of tensor b ({a}) at "
                                   f"non-singleton dimension {d + 1}")
    dtype = sequences[0].dtype
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        s = s if s.dtype == dtype else s.to(dtype)
        missing = longest - s.shape[0]
        if missing:
            fill = full((missing,) + trailing, padding_value, dtype=dtype)
            s = cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return stack(padded, dim=0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch: sequence i is its first ``lengths[i]`` steps."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length Tensors (L_i, *): ``pad_sequence`` then ``pack_padded_sequence``."""
    lengths = [v.shape[0] for v in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences of a PackedSequence, in the batch's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
