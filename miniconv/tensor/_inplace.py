"""In-place operations (``add_``, ``t[i] = v``, ``+=``, ``fill_``, ``copy_``, ...) with PyTorch's rules.

An in-place op computes its result out of place with the ordinary ops, then ``_commit_inplace`` writes
it into the tensor, bumps the version and, when autograd recorded the result, moves the tensor's
history onto it (through ``CopySlices`` when the tensor is a view). A leaf that requires grad is
refused while grad mode is on.
"""
import numpy as np

from .. import _random, ops
from .._args import check_inplace_shape, check_normal_args, check_setitem_shape, check_uniform_args
from .._random import default_generator
from ..autograd.function import _edge
from ..autograd.view_nodes import CopySlices
from ..autograd.grad_mode import is_grad_enabled
from ..dtypes import check_half_value, to_half, torch_dtype_name
from ._base import TensorBase, _view_meta_error
from ._indexing import convert_index, is_basic_index, with_ellipsis


class InplaceMixin:
    """In-place ops: the result of the out-of-place op, committed by ``_commit_inplace``."""

    def _commit_inplace(self, out):
        """Write ``out`` (computed out of place from ``self``, or by a kernel into ``self``'s memory)
        into ``self`` and bump the version; if autograd recorded ``out``, ``self`` takes its place in
        the graph (a view's base gets a ``CopySlices`` node). Returns ``self``."""
        node = out.grad_fn
        if is_grad_enabled() and (self._requires_grad or node is not None or self._view_meta is not None):
            self._check_inplace_grad()
        arr = self._data
        src = out._data
        if src.dtype != arr.dtype and not np.can_cast(src.dtype, arr.dtype, "same_kind"):
            raise RuntimeError(f"result type {torch_dtype_name(src.dtype)} can't be cast to the desired output type "
                               f"{torch_dtype_name(arr.dtype)}")
        if src.shape != arr.shape:
            check_inplace_shape(src.shape, arr.shape)
        if not arr.flags.writeable:
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        if node is not None and node._saved_versions:
            keep_saved_values(node, self._version_counter, arr, src is arr, out)
        if src is not arr:
            np.copyto(arr, src, casting="unsafe")
        self._bump_version()
        if node is not None:
            self._rebase_history(out)
        return self

    def _check_inplace_grad(self):
        if self._view_meta is not None:
            raise _view_meta_error(self._view_meta, "is being modified inplace", self)
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = self._base
        if base is not None and base._requires_grad and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")

    def _rebase_history(self, out):
        base = self._base
        old = self.grad_fn
        if old is not None and old._retained and self._output_nr in old._retained:  # retain_grad() follows
            ref = old._retained.pop(self._output_nr)
            if out.grad_fn._retained is None:
                out.grad_fn._retained = {}
            out.grad_fn._retained[out._output_nr] = ref
        if base is None:
            self.grad_fn, self._output_nr, self._requires_grad = out.grad_fn, out._output_nr, True
            self._history_gen += 1  # views of self now see self through the new node
            return
        node = CopySlices(self._current_view_fn())
        node.needs_input_grad = (base._requires_grad, True)
        node.next_edges = (_edge(base) if base._requires_grad else None, (out.grad_fn, out._output_nr))
        node.output_meta = ((base._data.shape, base._data.dtype),)
        base.grad_fn, base._output_nr, base._requires_grad = node, 0, True
        base._history_gen += 1
        self._regenerate_view()

    def _scalar_operand(self, value):
        """A fill value (number or 0-d Tensor) as a Tensor of ``self``'s dtype."""
        if isinstance(value, TensorBase):
            if value.ndim != 0:
                raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.ndim} dimensions.")
            return value
        check_half_value(value, self._data.dtype)
        return self._wrap(np.asarray(value, dtype=self._data.dtype))

    def add_(self, other, alpha=1):
        return self._commit_inplace(self._add_scaled(other, alpha))

    def sub_(self, other, alpha=1):
        return self._commit_inplace(self._add_scaled(other, alpha, subtract=True))

    def mul_(self, other):
        return self._commit_inplace(self * other)

    def div_(self, other):
        return self._commit_inplace(self / other)

    def pow_(self, exponent):
        return self._commit_inplace(self ** exponent)

    def neg_(self):
        return self._commit_inplace(-self)

    def abs_(self):
        return self._commit_inplace(self.abs())

    def sqrt_(self):
        return self._commit_inplace(self.sqrt())

    def exp_(self):
        return self._commit_inplace(self.exp())

    def log_(self):
        return self._commit_inplace(self.log())

    def clamp_(self, min=None, max=None):  # noqa: A002
        return self._commit_inplace(self.clamp(min, max))

    clip_ = clamp_

    def relu_(self):
        return self._commit_inplace(self.relu())

    def sigmoid_(self):
        return self._commit_inplace(self.sigmoid())

    def tanh_(self):
        return self._commit_inplace(self.tanh())

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._commit_inplace(self + tensor1 * tensor2 * value if value != 1 else self + tensor1 * tensor2)

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._commit_inplace(self + tensor1 / tensor2 * value if value != 1 else self + tensor1 / tensor2)

    def lerp_(self, end, weight):
        return self._commit_inplace(self.lerp(end, weight))  # lerp's dtype check and formula

    def zero_(self):
        return self._commit_inplace(ops.Zero.apply(self, np.zeros((), self._data.dtype)))

    def fill_(self, value):
        fill = ops.Fill if isinstance(value, TensorBase) else ops.FillScalar  # PyTorch's two nodes
        return self._commit_inplace(fill.apply(self, self._scalar_operand(value)))

    def module_load(self, other, assign=False):
        """What ``load_state_dict`` swaps into this parameter or buffer when
        ``miniconv.__future__.get_swap_module_params_on_conversion()`` is on: ``other.detach()`` with
        ``assign=True``, else ``self.copy_(other).detach()`` (always a new object, as PyTorch's)."""
        if assign:
            return other.detach()
        return self.copy_(other).detach()

    def copy_(self, src, non_blocking=False):
        if not isinstance(src, TensorBase):
            raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
        check_inplace_shape(src.shape, self.shape)
        return self._commit_inplace(ops.CopyFrom.apply(self, src))

    def masked_fill_(self, mask, value):
        if not isinstance(mask, TensorBase) or mask.dtype != bool:
            got = mask.dtype if isinstance(mask, TensorBase) else type(mask).__name__
            raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {got}")
        check_inplace_shape(mask.shape, self.shape)
        if (isinstance(value, TensorBase) and value.ndim == 0 and is_grad_enabled() and self.dtype.kind == "f"
                and value.dtype.kind in "fiub"):  # PyTorch's MaskedFillBackward1
            return self._commit_inplace(ops.MaskedFillTensor.apply(self, mask._data, value))
        return self._commit_inplace(ops.Where.apply(mask._data, self._scalar_operand(value), self))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        check_uniform_args(self, a, b)
        g = default_generator if generator is None else generator
        if self._fill_in_place_ok():
            self._fill_from(_random.uniform_(g, self._data, a, b, inplace=True))
            return self
        return self._commit_inplace(ops.Fill.apply(self, _random.uniform_(g, self._data, a, b)))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        check_normal_args(self, std)
        g = default_generator if generator is None else generator
        if self._fill_in_place_ok():
            self._fill_from(_random.normal_(g, self._data, mean, std, inplace=True))
            return self
        return self._commit_inplace(ops.Fill.apply(self, _random.normal_(g, self._data, mean, std)))

    def _fill_from(self, values):
        """Finish a direct random fill: copy ``values`` unless the sampler wrote into the tensor itself."""
        if values is not self._data:
            self._data[...] = values
        self._bump_version()

    def _fill_in_place_ok(self):
        """A random fill may write straight into the tensor's memory (no temporary, no copy): nothing for
        autograd to record, and a writable C-contiguous float32/float64 array."""
        arr = self._data
        return (not (self._requires_grad and is_grad_enabled()) and arr.flags.writeable and arr.flags.c_contiguous
                and arr.dtype in (np.float32, np.float64))

    def __setitem__(self, index, value):
        index = convert_index(index)
        number = not isinstance(value, TensorBase)
        if number:
            value = self._wrap(to_half(np.asarray(value)) if self._data.dtype == np.float16  # inf beyond its range
                               else np.asarray(value, dtype=self._data.dtype))
        basic = is_basic_index(index)
        if self._view_meta is not None and is_grad_enabled():
            op = _view_op_of(index) if basic else None
            if op is not None:  # PyTorch writes through a view of this view: the error names that view's op
                raise _view_meta_error((op, 0), "is being modified inplace", self)
            self._check_inplace_grad()
        if basic:
            index = with_ellipsis(index)
            if self._requires_grad and self.grad_fn is None and is_grad_enabled():  # PyTorch writes via a view
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
        if not (is_grad_enabled() and (self._requires_grad or value._requires_grad)):
            # nothing to record: write the region only (not a copy of the whole tensor)
            if not self._data.flags.writeable:
                raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to "
                                   "a single memory location. Please clone() the tensor before performing the "
                                   "operation.")
            check_setitem_shape(self._data, index, value)
            self._data[index] = value._data
            self._bump_version()
            return
        check_setitem_shape(self._data, index, value)
        out = ops.IndexPut.apply(self, value, index)
        if basic and out.grad_fn is not None:  # PyTorch writes through a view (or into the whole tensor)
            whole = all(i is Ellipsis or i == slice(None) for i in index)
            out.grad_fn._torch_name = ("torch::autograd::CopySlices" if not whole else
                                       "FillBackward3" if number else "torch::autograd::CopyBackwards")
        self._commit_inplace(out)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    # no __imatmul__: as in PyTorch, ``a @= b`` rebinds ``a`` to a new tensor ``a @ b``

    def __iand__(self, other):
        return self._commit_inplace(self & other)

    def __ior__(self, other):
        return self._commit_inplace(self | other)

    def __ixor__(self, other):
        return self._commit_inplace(self ^ other)


def _view_op_of(index):
    """The last view op PyTorch's indexing applies for the basic ``index`` (Select for an integer, Slice for a
    slice other than ``:``, Unsqueeze for None), or None when it takes no view (``...``, ``:``)."""
    op = None
    for i in index if type(index) is tuple else (index,):
        if i is None:
            op = "Unsqueeze"
        elif isinstance(i, slice):
            op = op if i == slice(None) else "Slice"
        elif i is not Ellipsis:
            op = "Select"
    return op


def keep_saved_values(node, counter, arr, wrote_in_place, out):
    """Before ``arr`` (a tensor's storage, version ``counter``) is overwritten by the in-place op that
    produced ``node`` (its result the Tensor ``out``): if ``node`` saved ``arr`` as its *input*, keep a
    private copy of the old values; if a kernel already wrote the result into ``arr`` (so ``node`` saved its
    *output*), expect the version after this write. For an op whose PyTorch node saves its result
    (``_result_saved_by_torch``: exp_, tanh_, sigmoid_, relu_), the result computed out of place that ``node``
    saved or watched becomes ``arr``'s values: it is then checked against the tensor's version after this
    write, so changing the tensor again before backward raises, as PyTorch."""
    saved = list(node._saved)
    versions = []
    out_counter = out._version_counter
    for i, c, v, src in node._saved_versions:
        if c is out_counter and not wrote_in_place and node._result_saved_by_torch:
            if type(i) is int and saved[i] is out._data:
                saved[i] = arr  # the same values, now in the tensor's storage
            versions.append((i, counter, counter.value + 1, src))
        elif c is not counter:
            versions.append((i, c, v, src))
        elif wrote_in_place:  # a kernel wrote the result into arr: what node saved is its output (PyTorch's view)
            versions.append((i, c, v + 1, out._output_nr))
        elif type(i) is not int:
            continue  # only watched (autograd's watch_versions), not kept: no old values to keep
        else:
            s = saved[i]
            saved[i] = TensorBase._wrap(s._data.copy()) if isinstance(s, TensorBase) else s.copy()
    node._saved = tuple(saved)
    node._saved_versions = tuple(versions)


def _inplace_of(name):
    """``t.<name>_(...)``: ``t.<name>(...)`` committed into ``t`` (one rule for every derived in-place op:
    version bump, history rebase, the leaf check, and PyTorch's refusal of a result dtype ``t`` can't hold)."""
    def method(self, *args, **kwargs):
        recorded = is_grad_enabled() and self._requires_grad
        # recorded: computed from a clone, so the nodes of a composed op save the clone, not the values
        # this write replaces; a result with no history (eq_, floor_divide_...) gets a zero gradient
        out = getattr(self.clone() if recorded else self, name)(*args, **kwargs)
        if recorded and out.grad_fn is None and not name.startswith("logical_"):  # PyTorch's logical_*_ keep
            out = ops.Fill.apply(self, out._data)  # the tensor's history; the others give a zero gradient
        return self._commit_inplace(out)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place :meth:`{name}`."
    return method


# out-of-place methods whose in-place spelling PyTorch has; the ones written out above keep their own
DERIVED_INPLACE = (
    "floor", "ceil", "round", "trunc", "fix", "sign", "sgn", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "exp2", "expm1", "log2", "log10", "log1p", "rsqrt", "erf", "erfc", "erfinv",
    "reciprocal", "square", "frac", "lgamma", "digamma", "sinc", "logit", "deg2rad", "rad2deg", "hypot", "copysign",
    "xlogy", "fmod", "remainder", "floor_divide", "divide", "true_divide", "subtract", "multiply", "atan2", "arctan2",
    "negative", "absolute", "heaviside", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less",
    "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "clamp_min", "clamp_max", "nan_to_num",
    "cumsum", "cumprod", "tril", "triu", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
    "index_fill", "masked_scatter", "renorm", "addmm", "addmv", "baddbmm", "addbmm", "asinh", "acosh", "atanh",
    "arcsinh", "arccosh", "arctanh", "gcd", "lcm", "addr", "put", "index_put", "i0", "polygamma", "ldexp",
    "nextafter",
)
for _name in DERIVED_INPLACE:
    if _name + "_" not in InplaceMixin.__dict__:
        setattr(InplaceMixin, _name + "_", _inplace_of(_name))
del _name


def _float_power_(self, exponent):
    if self.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {torch_dtype_name(self.dtype).capitalize()} "
                           "but the operation's result requires dtype Double")
    return self._commit_inplace(self.float_power(exponent))


InplaceMixin.float_power_ = _float_power_
