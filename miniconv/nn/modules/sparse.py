"""Embedding: a lookup table of learnable vectors (issue 9)."""
from ...creation import randn
from ...dtypes import get_default_dtype
from ...tensor import _check_device
from .. import functional as F
from .module import Module, Parameter


class Embedding(Module):
    """``weight[input]``: input integer indices of any shape -> (*, embedding_dim). Initialised N(0, 1);
    the row ``padding_idx`` (if given) starts at zero and gets no gradient.

    Example::

        >>> nn.Embedding(10, 3)(miniconv.tensor([[1, 2], [4, 9]])).shape
        miniconv.Size([2, 2, 3])
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = padding_idx % num_embeddings
        if max_norm is not None or scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: max_norm, scale_grad_by_freq and sparse are not supported by miniconv")
        self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
        w = randn(num_embeddings, embedding_dim, dtype=dtype or get_default_dtype()) if _weight is None else _weight
        self.weight = Parameter(w, requires_grad=not _freeze)
        if padding_idx is not None and _weight is None:
            self.weight._data[padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None):
        n, d = embeddings.shape
        return cls(n, d, padding_idx=padding_idx, _weight=embeddings.detach().clone(), _freeze=freeze)

    def forward(self, input):  # noqa: A002
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}" + (
            f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
