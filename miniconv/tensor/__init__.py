"""Tensor: a NumPy array (its storage) plus a version counter, ``requires_grad``, ``grad`` and ``grad_fn``.

``Tensor`` is assembled here from a base and one mixin per family of operations; each mixin reaches the
class only through ``self`` (and the base's ``_wrap``), so a family can be read on its own:

* ``_base.py``: storage, version counter, views, autograd attributes, hooks, ``to()``/``type()``/``clone()``,
  properties, ``new_*``
* ``_arith.py``: operators, comparisons, bitwise, maximum/minimum, fmod/remainder, products, type promotion
* ``_elementwise.py``: exp, log, trig, rounding, relu, clamp, lerp, where, isnan..., softmax
* ``_reduce.py``: sum, mean, var/std, max/min, argmax, prod, amax/amin, logsumexp, cumsum, norm, sort/topk
* ``_shape.py``: reshape/view, permute/transpose, squeeze/unsqueeze, expand, split/chunk, in-place view ops
* ``_indexing.py``: ``t[i]``, gather/scatter, index_select, masked_fill/select, nonzero
* ``_inplace.py``: ``add_``..., ``t[i] = v``, ``+=``, the version bump and history rebase of in-place writes
* ``_special.py``: erfc, erfinv, lgamma, xlogy, hypot, logaddexp, nan_to_num, named bitwise ops...
* ``_stats.py``: median, mode, kthvalue, quantile, cummax/cummin, unique, histc, bincount, cov
* ``_rearrange.py``: roll, repeat_interleave, unfold, rot90, diff, index_add/copy/fill, take, scatter_reduce
* ``_linalg.py``: addmm & co., mv, diag/diagonal/trace, tril/triu, kron, tensordot, cross
* ``_decomp.py``: cholesky, eigh, svd, qr, lu, triangular / Cholesky solves, pinv, matrix_exp (torch.linalg's core)
* ``_introspect.py``: stride, data_ptr, element_size, nbytes, new(...), resize_
* ``_random.py``: in-place random fills (``bernoulli_``, ``exponential_``...) and samplers (``multinomial``)
* ``_compat.py``: ``type()`` and the legacy type names, the ``is_*`` device questions, ``format()``
* ``_print.py``: ``repr`` as PyTorch prints

Operators and methods call the autograd Functions in ``miniconv.ops``; nothing here computes a gradient.
``Tensor._data`` is the NumPy array (``.numpy()`` returns it); ``Tensor.data`` is a Tensor sharing it, as
in PyTorch. Creation functions live in creation.py, dtypes in dtypes.py, the ``torch.*`` forms in
functional.py. See docs/architecture.md.
"""
from .._numpy_args import install_methods
from . import _base
from ._arith import ArithMixin
from ._compat import CompatMixin
from ._decomp import DecompMixin
from ._base import Size, TensorBase
from ._elementwise import ElementwiseMixin
from ._indexing import IndexingMixin
from ._inplace import InplaceMixin
from ._introspect import IntrospectMixin
from ._linalg import LinalgMixin
from ._print import PrintMixin
from ._random import RandomMixin
from ._rearrange import RearrangeMixin
from ._reduce import ReduceMixin, ValuesIndices
from ._shape import ShapeMixin
from ._special import SpecialMixin
from ._stats import StatsMixin

__all__ = ["Tensor", "Size", "ValuesIndices"]


class Tensor(ArithMixin, ElementwiseMixin, SpecialMixin, ReduceMixin, StatsMixin, ShapeMixin, RearrangeMixin,
             LinalgMixin, DecompMixin, IndexingMixin, InplaceMixin, RandomMixin, IntrospectMixin, CompatMixin,
             PrintMixin, TensorBase):
    """An n-dimensional array that can record the operations applied to it.

    Build one with :func:`miniconv.tensor`, :func:`miniconv.zeros`, :func:`miniconv.randn`, ...
    """

    __hash__ = object.__hash__  # defining __eq__ (ArithMixin) would otherwise make Tensors unhashable


Tensor.__module__ = "miniconv"  # where users reach it (``type(x)`` shows <class 'miniconv.Tensor'>, as PyTorch's 'torch.Tensor')
Size.__module__ = "miniconv"  # likewise ``torch.Size``


install_methods(Tensor)  # NumPy's axis=/keepdims= names for dim=/keepdim=, as PyTorch's parser accepts them
_base.Tensor = Tensor  # results made by the base and the mixins (``_wrap``) are of this class
