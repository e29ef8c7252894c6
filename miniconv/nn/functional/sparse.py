"""Embedding lookup (mirrors nn/modules/sparse.py)."""
import numpy as np

from ...autograd import ArrayFunction
from ._args import _tensor_arg


class _Embedding(ArrayFunction):
    """out = weight[indices]; the gradient scatter-adds into the rows (never into ``padding_idx``)."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.shape, ctx.indices, ctx.padding_idx = weight.shape, indices, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        gw = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(gw, ctx.indices.reshape(-1), g.reshape(-1, ctx.shape[1]))
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return gw, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input`` (any shape)."""
    _tensor_arg(input, "embedding")
    _tensor_arg(weight, "embedding", "weight")
    if input.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead (while checking arguments for embedding)")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding(): max_norm, scale_grad_by_freq and sparse are not supported by miniconv")
    idx = input._data
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    return _Embedding.apply(weight, idx, padding_idx)


def one_hot(tensor, num_classes=-1):
    """Integer class indices of any shape -> int64 one-hot vectors with a new last dimension of size
    ``num_classes`` (default: max index + 1). Not differentiable (an integer result), as in PyTorch."""
    from ...tensor import Tensor

    _tensor_arg(tensor, "one_hot", "tensor")
    if tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = tensor._data
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))
