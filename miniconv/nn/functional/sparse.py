"""Embedding lookup (mirrors nn/modules/sparse.py)."""
import numpy as np

from ...autograd import ArrayFunction
from ...ops.shape_index import IndexGrad
from ._args import _tensor_arg


class _Embedding(ArrayFunction):
    """out = weight[indices]; the gradient scatter-adds into the rows (never into ``padding_idx``), each
    divided by how often its index occurs in the batch with ``scale_grad_by_freq``."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.shape, ctx.indices, ctx.padding_idx = weight.shape, indices, padding_idx
        ctx.scale_grad_by_freq = scale_grad_by_freq
        return weight[indices]

    @staticmethod
    def backward(ctx, g):
        idx = ctx.indices.reshape(-1)
        rows = g.reshape(-1, ctx.shape[1])
        if ctx.scale_grad_by_freq:
            counts = np.bincount(idx, minlength=ctx.shape[0])
            rows = rows / counts[idx, None].astype(g.dtype)
        gw = np.zeros(ctx.shape, dtype=g.dtype)
        np.add.at(gw, idx, rows)
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return gw, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: the rows of g (scaled by constants) scatter-added into the table's shape."""
        idx = ctx.indices.reshape(-1)
        rows = g.reshape(-1, ctx.shape[1])
        if ctx.padding_idx is not None:
            rows = rows * ctx.constant((idx != ctx.padding_idx)[:, None].astype(g._data.dtype))
        gw = IndexGrad.apply(rows, ctx.shape, (idx,))
        if ctx.scale_grad_by_freq:
            # PyTorch's embedding_dense_double_backward differentiates as if unscaled: the scaled values,
            # the unscaled derivative
            counts = np.bincount(idx, minlength=ctx.shape[0])
            scaled = IndexGrad.apply(rows / ctx.constant(counts[idx, None].astype(g._data.dtype)), ctx.shape, (idx,))
            gw = scaled.detach() + (gw - gw.detach())
        return gw, None, None, None


def _embedding_renorm_(weight, idx, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: each row of ``weight`` that ``idx`` uses and whose ``norm_type``-norm
    exceeds ``max_norm`` is scaled in place (no gradient) to norm ``max_norm`` (with PyTorch's 1e-7)."""
    w = weight._data
    for i in np.unique(idx):
        row = w[i]  # a negative index selects from the end, as PyTorch's select() does here
        norm = np.linalg.norm(row, ord=norm_type)
        if norm > max_norm:
            row *= np.asarray(max_norm / (norm + 1e-7), dtype=w.dtype)
    weight._bump_version()


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,  # noqa: A002
              sparse=False):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer ``input`` (any shape).
    With ``max_norm`` the rows used are first renormalised in place (as PyTorch); with ``scale_grad_by_freq``
    a row's gradient is divided by the number of times its index occurs in ``input``."""
    _tensor_arg(input, "embedding")
    _tensor_arg(weight, "embedding", "weight")
    if input.dtype.name not in ("int64", "int32"):  # PyTorch takes Long and Int indices only
        got = "CPUBoolType" if input.dtype.kind == "b" else input.type()
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {got} instead (while checking arguments for embedding)")
    if sparse:
        raise NotImplementedError("embedding(): sparse=True (sparse gradients) is not supported by miniconv")
    idx = input._data
    n = weight.shape[0]
    if max_norm is not None:
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx.max() if idx.max() >= n else idx.min()
            raise IndexError(f"select(): index {bad} out of range for tensor of size {list(weight.shape)} "
                             "at dimension 0")
        _embedding_renorm_(weight, idx, max_norm, norm_type)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    return _Embedding.apply(weight, idx, padding_idx, bool(scale_grad_by_freq))


def one_hot(input, num_classes=-1):  # noqa: A002  (PyTorch's parser names it input, its docs tensor)
    """Integer class indices of any shape -> int64 one-hot vectors with a new last dimension of size
    ``num_classes`` (default: max index + 1). Not differentiable (an integer result), as in PyTorch."""
    from ...tensor import Tensor

    _tensor_arg(input, "one_hot")
    if input.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    idx = input._data
    if idx.size and idx.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if idx.size == 0 and num_classes <= 0:  # PyTorch: also num_classes=0 with an empty tensor
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1
    elif idx.size and idx.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor._wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))
