"""Shape and views: reshape/view, flatten/unflatten, permute/transpose/movedim, squeeze/unsqueeze, expand,
split/chunk/unbind/narrow/select, flip, repeat/tile, and the in-place view ops (``unsqueeze_``, ``t_``, ...).

A view shares memory and the version counter with its base (``TensorBase._make_view``).
"""
import numbers

import numpy as np

from .. import ops
from .._args import check_broadcast, normalize_dims, numpy_aliases, shape_arg
from ..autograd.grad_mode import is_grad_enabled
from ..dtypes import _check_dtype
from ._base import Size



def _named(out, name):
    """``out`` with its node named as PyTorch names it (a reshape that PyTorch records as another view op)."""
    if out.grad_fn is not None:
        out.grad_fn._torch_name = name
    return out

class ShapeMixin:
    """Views through ``ops.Reshape`` / ``Permute`` / ``Expand`` / ``Index`` and ``self._make_view``."""

    def reshape(self, *shape):
        if not shape:  # t.reshape() is an error in PyTorch, also for a 0-d tensor (reshape(()) is not)
            raise TypeError('reshape() missing 1 required positional arguments: "shape"')
        shape = shape_arg(shape)
        target = shape
        if shape.count(-1) == 1:
            known = int(np.prod([s for s in shape if s != -1]))
            if known and self._data.size % known == 0:
                target = tuple(self._data.size // known if s == -1 else s for s in shape)
        if any(s < 0 for s in target) or int(np.prod(target)) != self._data.size:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {self._data.size}")
        return self._make_view(ops.Reshape.apply(self, target), lambda a: a.reshape(target))

    def view(self, *shape):
        if not shape:
            raise TypeError("view() received an invalid combination of arguments - got (), but expected one of:\n"
                            " * (torch.dtype dtype)\n * (tuple of ints size)\n")
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, Size, numbers.Integral)):
            if _check_dtype(shape[0], "view") == self.dtype:
                return self.view(self.shape)
            raise RuntimeError("view(dtype) (reinterpreting the bytes as another dtype) is not supported by miniconv; "
                               "use .to(dtype) to convert the values")
        out = self.reshape(*shape)
        if out._base is None and out._data.size > 1 and not np.may_share_memory(out._data, self._data):
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead."
            )
        return out

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    @numpy_aliases
    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        s = normalize_dims(start_dim, self.ndim, "flatten")[0]
        e = normalize_dims(end_dim, self.ndim, "flatten")[0]
        if s > e:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        shp = self._data.shape
        return self.reshape(shp[:s] + (int(np.prod(shp[s : e + 1])),) + shp[e + 1 :])

    def _permute(self, dims):
        return self._make_view(ops.Permute.apply(self, dims), lambda a: a.transpose(dims))

    def permute(self, *dims):
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
        dims = shape_arg(dims)
        if len(dims) != self.ndim:
            raise RuntimeError(
                f"permute(): number of dimensions in the tensor input does not match the length of "
                f"the desired ordering of dimensions i.e. input.dim() = {self.ndim} is not equal to "
                f"len(dims) = {len(dims)}"
            )
        norm = [normalize_dims(d, self.ndim, "permute")[0] for d in dims]
        if len(set(norm)) != len(norm):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return self._permute(tuple(norm))

    def transpose(self, dim0, dim1):
        if self.ndim == 0:
            return self._permute(())
        d0 = normalize_dims(dim0, self.ndim, "transpose")[0]
        d1 = normalize_dims(dim1, self.ndim, "transpose")[0]
        perm = list(range(self.ndim))
        perm[d0], perm[d1] = perm[d1], perm[d0]
        return _named(self._permute(tuple(perm)), "TransposeBackward0")

    swapaxes = transpose
    swapdims = transpose

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return _named(self.transpose(0, 1) if self.ndim == 2 else self._permute(tuple(range(self.ndim))), "TBackward0")

    @property
    def T(self):
        return self._permute(tuple(reversed(range(self.ndim))))

    @numpy_aliases
    def unsqueeze(self, dim):
        if not -self.ndim - 1 <= dim <= self.ndim:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-self.ndim - 1}, {self.ndim}], but got {dim})"
            )
        d = dim % (self.ndim + 1)
        shp = self._data.shape
        new = shp[:d] + (1,) + shp[d:]
        return self._make_view(_named(ops.Reshape.apply(self, new), "UnsqueezeBackward0"), lambda a: a.reshape(new))

    @numpy_aliases
    def squeeze(self, dim=None):
        shp = self._data.shape
        if dim is None:
            new = tuple(s for s in shp if s != 1)
        else:
            dims = normalize_dims(dim, self.ndim, "squeeze") or ()
            new = tuple(s for i, s in enumerate(shp) if not (i in dims and s == 1))
        # PyTorch's node: SqueezeBackward0 for all dims, 1 for one dim, 2 for a tuple of dims
        name = "SqueezeBackward0" if dim is None else "SqueezeBackward2" if isinstance(dim, (tuple, list)) else \
            "SqueezeBackward1"
        return self._make_view(_named(ops.Reshape.apply(self, new), name), lambda a: a.reshape(new))

    # -- in-place view ops: the tensor itself takes the shape of its out-of-place view -------------
    def unsqueeze_(self, dim):
        self._check_inplace_view()
        out = self.unsqueeze(dim)
        d = dim % (self.ndim + 1)
        return self._commit_inplace_view(out, lambda a: np.expand_dims(a, d), lambda a: np.squeeze(a, d))

    def squeeze_(self, dim=None):
        self._check_inplace_view()
        shp = self._data.shape
        out = self.squeeze(dim)
        dims = range(self.ndim) if dim is None else normalize_dims(dim, self.ndim, "squeeze") or ()
        gone = tuple(i for i in dims if shp[i] == 1)
        return self._commit_inplace_view(out, lambda a: np.squeeze(a, gone), lambda a: np.expand_dims(a, gone))

    def transpose_(self, dim0, dim1):
        self._check_inplace_view()
        out = self.transpose(dim0, dim1)
        d0, d1 = (normalize_dims(d, self.ndim, "transpose")[0] for d in (dim0, dim1)) if self.ndim else (0, 0)
        swap = (lambda a: np.swapaxes(a, d0, d1)) if self.ndim else (lambda a: a)
        return self._commit_inplace_view(out, swap, swap)

    def t_(self):
        if self.ndim > 2:
            raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose_(0, 1) if self.ndim == 2 else self.transpose_(0, 0)

    def _check_inplace_view(self):
        """PyTorch's rule for in-place ops: a leaf that requires grad (or a view of one) is refused while grad
        mode is on."""
        if is_grad_enabled() and self._requires_grad:
            self._check_inplace_grad()

    def _commit_inplace_view(self, out, fwd, undo):
        """``self`` becomes ``out`` (its out-of-place view ``fwd(self's array)``, the same memory in another
        shape): it takes ``out``'s array and, when autograd recorded ``out``, its node, and the version is
        bumped, as PyTorch's in-place view ops do; a view stays a view of the same base (its ``_view_fn``
        followed by ``fwd``); a base records ``undo`` (new array -> previous one) so that views made
        before still find their region."""
        arr = fwd(self._data)  # a NumPy view, as out's array may not be (a reshape can copy)
        if arr.shape == self._data.shape and arr.strides == self._data.strides:
            undo = None  # nothing moved (e.g. squeeze_ of a dim that is not 1)
        self._data = arr
        if out.grad_fn is not None:  # (an earlier retain_grad() stays on the old node, as in PyTorch)
            self.grad_fn, self._output_nr = out.grad_fn, out._output_nr
        if self._base is not None:
            parent_fn = self._current_view_fn()
            self._view_fn = lambda a: fwd(parent_fn(a))
        elif undo is not None:
            self._reshaped = (*self._reshaped, undo)
        self._bump_version()
        return self

    def expand(self, *sizes):
        if not sizes:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        sizes = shape_arg(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise RuntimeError(
                f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number "
                f"of dimensions in the tensor ({self.ndim})"
            )
        for i, s in enumerate(sizes[:lead]):
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
        target = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        for i, have in enumerate(self._data.shape):  # PyTorch's message, not NumPy's ValueError
            if have != 1 and have != target[i + lead]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target[i + lead]}) must match the existing size ({have}) at "
                    f"non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                    f"{list(self._data.shape)}")
        check_broadcast(self.shape, target)
        return self._make_view(ops.Expand.apply(self, target), lambda a: np.broadcast_to(a, target))

    def expand_as(self, other):
        return self.expand(other.shape)

    def select(self, dim, index):
        (d,) = normalize_dims(dim, self.ndim, "select")
        n = self._data.shape[d]
        if not -n <= index < n:
            raise IndexError(f"select(): index {index} out of range for tensor of size {list(self.shape)} "
                             f"at dimension {dim}")
        return self[(slice(None),) * d + (index,)]

    def narrow(self, dim, start, length):
        # PyTorch's order of checks: 0-d, length, dim, start's range, then start + length
        if self.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        (d,) = normalize_dims(dim, self.ndim, "narrow")
        n = self._data.shape[d]
        if not -n <= start <= n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
        if start < 0:
            start += n
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def unbind(self, dim=0):
        (d,) = normalize_dims(dim, self.ndim, "unbind")
        return self._multi_output_views(d, None, "Unbind")

    def _multi_output_views(self, d, sizes, name):
        """The pieces of split (``sizes`` along dim ``d``) or unbind (``sizes`` None) as views of ``self``, the
        outputs of one node (PyTorch's ``name``Backward0); with grad recorded, modifying one in place raises
        PyTorch's error (TensorBase._view_meta)."""
        lead = (slice(None),) * d
        if sizes is None:
            index = [lead + (i,) for i in range(self._data.shape[d])]
        else:
            ends = np.cumsum(sizes).tolist()
            index = [lead + (slice(e - n, e),) for e, n in zip(ends, sizes)]
        views = ops.Split.apply(self, d, index, name + "Backward0")
        meta = self._requires_grad and is_grad_enabled()
        for k, (v, i) in enumerate(zip(views, index)):
            self._make_view(v, lambda a, i=i: a[i])
            if meta and v._base is not None:
                v._view_meta = (name, k)
        return views

    def split(self, split_size_or_sections, dim=0):
        (d,) = normalize_dims(dim, self.ndim, "split")
        n = self._data.shape[d]
        if isinstance(split_size_or_sections, numbers.Integral):
            size = int(split_size_or_sections)
            if size <= 0 and n > 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            sizes = [min(size, n - s) for s in range(0, n, size)] if n else [0]
        else:
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n:
                raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                                   f"at dimension {d}), but got split_sizes={sizes}")
        return self._multi_output_views(d, sizes, "Split" if isinstance(split_size_or_sections, numbers.Integral)
                                        else "SplitWithSizes")

    def chunk(self, chunks, dim=0):
        if chunks <= 0:
            raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
        (d,) = normalize_dims(dim, self.ndim, "chunk")
        n = self._data.shape[d]
        if n == 0:  # PyTorch: `chunks` empty pieces (a split would give one)
            return self.split([0] * chunks, d)
        return self.split(-(-n // chunks), d)

    def repeat(self, *sizes):
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        sizes = shape_arg(sizes)
        if len(sizes) < self.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               "of tensor")
        return ops.Tile.apply(self, sizes)

    def tile(self, *dims):
        if not dims:
            raise TypeError('tile() missing 1 required positional arguments: "dims"')
        dims = shape_arg(dims)
        dims = (1,) * (self.ndim - len(dims)) + dims
        return ops.Tile.apply(self, dims)

    def flip(self, *dims):
        """A new tensor (a copy, as PyTorch's: writing into it leaves ``self`` alone) with ``dims`` reversed."""
        dims = normalize_dims(shape_arg(dims), self.ndim, "flip") or ()
        return ops.Index.apply(self, tuple(slice(None, None, -1) if i in dims else slice(None)
                                           for i in range(self.ndim))).clone()

    def __reversed__(self):
        """``reversed(t)``: ``t.flip(0)`` (a copy), or ``t`` itself when it is 0-d, as PyTorch's."""
        return self if self.ndim == 0 else self.flip(0)

    def movedim(self, source, destination):
        """A view with the dims ``source`` (int or sequence) moved to the positions ``destination``."""
        src = (source,) if isinstance(source, numbers.Integral) else tuple(source)
        dst = (destination,) if isinstance(destination, numbers.Integral) else tuple(destination)
        if len(src) != len(dst):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                               f"contain the same number of dims as destination ({list(dst)} dims)")
        s = [normalize_dims(i, self.ndim, "movedim")[0] for i in src]
        d = [normalize_dims(i, self.ndim, "movedim")[0] for i in dst]
        for name, given, dims in (("source", src, s), ("destination", dst, d)):
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
        if self.ndim == 0:
            return self._permute(())
        perm = [None] * self.ndim
        for a, b in zip(s, d):
            perm[b] = a
        rest = iter(i for i in range(self.ndim) if i not in s)
        return self._permute(tuple(next(rest) if p is None else p for p in perm))

    moveaxis = movedim

    def unflatten(self, dim, sizes):
        d = normalize_dims(dim, self.ndim, "unflatten")[0]
        sizes = tuple(sizes)
        shp = self._data.shape
        if -1 in sizes:
            known = int(np.prod([s for s in sizes if s != -1]))
            sizes = tuple(shp[d] // known if s == -1 else s for s in sizes)
        if int(np.prod(sizes)) != shp[d]:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                               f"({shp[d]}) in the input tensor")
        return self.reshape(shp[:d] + sizes + shp[d + 1:])
