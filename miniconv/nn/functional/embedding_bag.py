"""embedding_bag: sums, means or maxima of bags of embeddings, without building each embedding as a
separate tensor: the bags are laid out as a padded (B, longest bag) index matrix, looked up with
``embedding`` and reduced under a mask (composed ops, so gradients reach the weight and the
per-sample weights)."""
import numpy as np

from ...autograd.composite import composite
from ...functional import where
from ._args import _tensor_arg
from .sparse import embedding


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,  # noqa: A002
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """Reduce bags of embeddings: ``input`` (B, N) is B bags of N indices; a 1-D ``input`` is cut into bags
    at ``offsets``. ``mode`` 'sum' (optionally weighted by ``per_sample_weights``), 'mean' or 'max';
    entries equal to ``padding_idx`` are left out; an empty bag gives zeros."""
    _tensor_arg(input, "embedding_bag")
    _tensor_arg(weight, "embedding_bag", "weight")
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, n = input.shape
        idx = input.numpy().astype(np.int64).reshape(b, n)
        valid = np.ones((b, n), bool)
        pos = np.arange(b * n).reshape(b, n)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat = input.numpy().astype(np.int64)
        off = offsets.numpy().astype(np.int64)
        if off.size and off[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
                               f"from position 0. However, got {off[0]}")
        if off.size and off[-1] > flat.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {flat.size}, but got "
                               f"{off[-1]}")
        starts = off[:-1] if include_last_offset else off
        ends = off[1:] if include_last_offset else np.append(off[1:], flat.size)
        longest = int((ends - starts).max()) if starts.size else 0
        pos = starts[:, None] + np.arange(longest)[None, :]
        valid = pos < ends[:, None]
        pos = np.where(valid, pos, 0)
        idx = flat[pos] if flat.size else np.zeros(pos.shape, np.int64)
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub.")
    if sparse or scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: sparse gradients and scale_grad_by_freq are not supported by "
                                  "miniconv")
    bad = ((idx < 0) | (idx >= weight.shape[0])) & valid
    if bad.any():
        at = int(pos[bad].min())
        raise RuntimeError(f"Index {at} of input takes value {int(input.reshape(-1)[at].item())} which is not in "
                           f"the valid range [0, {weight.shape[0]})")
    if padding_idx is not None:
        valid = valid & (idx != padding_idx % weight.shape[0])
    b, d = idx.shape[0], weight.shape[1]
    if idx.shape[1] == 0:
        return weight.new_zeros((b, d))
    if max_norm is not None:  # the looked-up rows renormalised in place first, as PyTorch (not recorded)
        embedding(weight.new_tensor(np.where(valid, idx, 0)).long(), weight, max_norm=max_norm, norm_type=norm_type)
    lookup = weight.new_tensor(np.where(valid, idx, 0)).long()
    mask = weight.new_tensor(valid[:, :, None]).bool()
    count = valid.sum(1)

    def fn(weight, per_sample_weights):
        emb = embedding(lookup, weight)
        if per_sample_weights is not None:
            emb = emb * per_sample_weights.reshape(-1)[pos.reshape(-1)].reshape(idx.shape + (1,))
        if mode == "max":
            best = where(mask, emb, float("-inf")).amax(1)
            return where(weight.new_tensor((count > 0)[:, None]).bool(), best, 0.0)
        total = where(mask, emb, 0.0).sum(1)
        if mode == "sum":
            return total
        return total / weight.new_tensor(np.maximum(count, 1)[:, None].astype(np.dtype(weight.dtype)))
    # one EmbeddingBagBackward0 node, whose backward PyTorch does not differentiate again (its backward reads the
    # weight and the per-sample weights only for each other's gradient)
    return composite("EmbeddingBagBackward0", fn, (weight, per_sample_weights), double_backward_error=(
        NotImplementedError, "the derivative for '_embedding_bag_backward' is not implemented.",
        "EmbeddingBagBackwardBackward0", (0, 1) if per_sample_weights is not None else ()))
