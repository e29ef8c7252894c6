"""Products: matmul (miniconv's GEMM kernels, ``_matmul.py``) and einsum.

Array level: each Function takes and returns NumPy arrays; argument checks and dtype promotion happen
in the Tensor methods (``miniconv/tensor/``) before ``apply``.
"""
import math
import re

import numpy as np

from .. import _matmul
from ..autograd.function import ArrayFunction
from ..dtypes import computes_half_in_float32


# PyTorch's node for a @ b by the operands' ranks (3-D and more: UnsafeViewBackward0)
_MATMUL_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4", (2, 2): "MmBackward0"}


def _matmul_structure(a, b, needs=(True, True)):
    """PyTorch's nodes below its matmul node (autograd/node.py: _structure) for the operand ranks and layouts
    where they are known: (1, 2) unsqueezes ``a``; (>= 3, 1 or 2) folds ``a`` to 2-D (a view, or a clone of a
    strided one); (1 or 2, >= 3) folds a contiguous ``b``'s transpose (a clone) and transposes ``a`` and the
    result; batched expands both and views them as 3-D (an operand whose batch is broadcast: expanded, cloned,
    then viewed)."""
    if a.ndim == 1 and b.ndim == 2:
        return (("MmBackward0", (("UnsqueezeBackward0", (0,)), 1)),)
    if a.ndim >= 3 and b.ndim in (1, 2):
        fold = ("ViewBackward0", (0,)) if a.flags.c_contiguous else ("UnsafeViewBackward0", (("CloneBackward0", (0,)),))
        return (("MmBackward0" if b.ndim == 2 else "MvBackward0", (fold, 1)),)
    if a.ndim <= 2 and b.ndim >= 3:
        return _fold_right(a, b, 0, needs)
    if a.ndim >= 3 and b.ndim >= 3:
        sa, sb = a.shape[:-2], b.shape[:-2]
        n = max(len(sa), len(sb))
        batch = math.prod(max(x, y) for x, y in zip((1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb))
        sizes = [math.prod(sa), math.prod(sb)]
        if batch > 1 and 1 in sizes:  # PyTorch squeezes the 3-D operand with a batch of one, then folds
            if sizes[1] == 1 and b.ndim == 3 and needs[1]:
                fold = ("ViewBackward0", (0,)) if a.flags.c_contiguous else (
                    "UnsafeViewBackward0", (("CloneBackward0", (0,)),))
                return (("MmBackward0", (fold, ("SqueezeBackward1", (1,)))),)
            if sizes[0] == 1 and a.ndim == 3:
                return _fold_right(a[0], b, ("SqueezeBackward1", (0,)), needs)
            return None
        views = []
        for i, x in enumerate((a, b)):
            if sizes[i] != batch:  # a broadcast batch: expanded, then copied to be viewed as 3-D
                views.append(("UnsafeViewBackward0", (("CloneBackward0", (("ExpandBackward0", (i,)),)),)))
                continue
            view = "ViewBackward0" if x.flags.c_contiguous else "ReshapeAliasBackward0" if x.ndim == 3 else None
            if view is None:
                return None
            views.append((view, (("ExpandBackward0", (i,)),)))
        return (("BmmBackward0", tuple(views)),)
    return None


def _fold_right(a, b, a_entry, needs):
    """PyTorch's graph for a 1-D or 2-D ``a`` (listed as ``a_entry``) times a batched ``b``: with ``a`` requiring
    grad, b's batch folded into the rows of b^T, viewed if b^T is laid out for it, else cloned: (b^T a^T)^T, or
    b^T a for a vector; otherwise (2-D ``a``) a batched product of ``a`` expanded."""
    if needs[0]:
        bt = np.swapaxes(b, -1, -2)
        fold_b = (("ViewBackward0", (("TransposeBackward0", (1,)),)) if bt.flags.c_contiguous else
                  ("UnsafeViewBackward0", (("CloneBackward0", (("TransposeBackward0", (1,)),)),)))
        if a.ndim == 1:
            return (("MvBackward0", (fold_b, a_entry)),)
        return (("TransposeBackward0", (("UnsafeViewBackward0", (("MmBackward0", (fold_b, ("TBackward0", (a_entry,)))),)),)),)
    if a.ndim == 2 and b.flags.c_contiguous:
        return (("BmmBackward0", (a_entry, ("ViewBackward0", (("ExpandBackward0", (1,)),)))),)
    return None


class MatMul(ArrayFunction):
    """a @ b with PyTorch's matmul semantics through miniconv's GEMM kernels (``_matmul.py``): the
    same bits for any thread count."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx._torch_name = _MATMUL_NAMES.get((a.ndim, b.ndim), "UnsafeViewBackward0")
        structure = _matmul_structure(a, b, ctx.needs_input_grad)
        if structure is not None:
            ctx._structure = structure
            if structure[0][0] == "TransposeBackward0":
                ctx._torch_name = "CloneBackward0"  # (b^T a^T)^T made contiguous
        return _matmul.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _matmul.matmul_backward(a, b, g, ctx.needs_input_grad[0], ctx.needs_input_grad[1])

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same math with Tensor matmuls (see ArrayFunction)
        a, b = ctx.saved_input(0), ctx.saved_input(1)
        n = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (g * b if n[0] else None), (g * a if n[1] else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = g.unsqueeze(-2) if a.ndim == 1 else g
        g2 = g2.unsqueeze(-1) if b.ndim == 1 else g2
        ga = gb = None
        if n[0]:
            ga = g2.matmul(b2.transpose(-1, -2))
            ga = ga.squeeze(-2) if a.ndim == 1 else ga  # broadcast batch dims: summed by the engine
        if n[1]:
            gb = a2.transpose(-1, -2).matmul(g2)
            gb = gb.squeeze(-1) if b.ndim == 1 else gb
        return ga, gb


@computes_half_in_float32(probe=1)
class Einsum(ArrayFunction):
    """``einsum(equation, *operands)`` (explicit ``->`` form); gradient of each operand is an einsum."""

    @staticmethod
    def forward(ctx, equation, *arrays):
        ctx.equation = equation
        ctx.save_for_backward(*arrays)
        return np.asarray(np.einsum(equation, *arrays, optimize=len(arrays) > 2))

    @staticmethod
    def backward(ctx, g):
        arrays = ctx.saved_tensors
        ins, out = ctx.equation.split("->")
        subs = ins.split(",")
        grads = [None]
        for k, (s, a) in enumerate(zip(subs, arrays)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(subs[j], arrays[j]) for j in range(len(arrays)) if j != k]
            avail = set(out).union(*[set(o) for o, _ in others]) if others else set(out)
            kept = "".join(c for c in dict.fromkeys(s) if c in avail)
            eq = ",".join([out] + [o for o, _ in others]) + "->" + kept
            gk = np.einsum(eq, g, *[x for _, x in others])
            # letters summed only inside operand k: broadcast back; repeated letters (diagonals) via einsum
            full = np.einsum(kept + "->" + kept, gk)
            shape = {c: a.shape[i] for i, c in enumerate(s)}
            expand = "".join(dict.fromkeys(s))
            fullarr = np.broadcast_to(np.expand_dims(full, tuple(i for i, c in enumerate(expand) if c not in kept)),
                                      [shape[c] for c in expand]) if len(expand) != len(kept) else full
            if len(set(s)) != len(s):  # a repeated letter (a diagonal): place values on it
                res = np.zeros(a.shape, dtype=g.dtype)
                np.einsum(f"{s}->{expand}", res)[...] = fullarr
                grads.append(res)
            else:
                perm = [expand.index(c) for c in s]
                grads.append(np.ascontiguousarray(np.transpose(fullarr, perm)).astype(g.dtype, copy=False))
        return tuple(grads)

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: each operand's gradient is an einsum of g and the other operands (on the graph)."""
        ins, out = ctx.equation.split("->")
        subs = ins.split(",")
        grads = [None]
        for k, s in enumerate(subs):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            others = [(subs[j], ctx.saved_input(j + 1)) for j in range(len(subs)) if j != k]
            avail = set(out).union(*[set(o) for o, _ in others]) if others else set(out)
            shape = ctx.saved_tensors[k].shape
            size = dict(zip(s, shape))
            uniq = "".join(dict.fromkeys(s))  # a repeated letter (a diagonal) once
            kept = "".join(c for c in uniq if c in avail)
            gk = Einsum.apply(",".join([out] + [o for o, _ in others]) + "->" + kept, g, *[x for _, x in others])
            if len(kept) != len(uniq):  # letters summed only inside operand k: broadcast back (kept in uniq's order)
                gk = gk.reshape([size[c] if c in kept else 1 for c in uniq]).expand([size[c] for c in uniq])
            if uniq != s:
                gk = EinsumDiagonal.apply(gk, s, uniq, shape)
            grads.append(gk)
        return tuple(grads)


class EinsumDiagonal(ArrayFunction):
    """Zeros of ``shape`` (subscripts ``s``, a letter repeated) with ``a`` (subscripts ``uniq``: each letter
    once) on the diagonal the repeated letters name: Einsum's gradient for such an operand, as an op (its own
    gradient is the diagonal again, ``einsum(s->uniq)``)."""

    @staticmethod
    def forward(ctx, a, s, uniq, shape):
        ctx.eq = f"{s}->{uniq}"
        out = np.zeros(shape, a.dtype)
        np.einsum(ctx.eq, out)[...] = a
        return out

    @staticmethod
    def backward(ctx, g):
        return np.array(np.einsum(ctx.eq, g), copy=True), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        return Einsum.apply(ctx.eq, g), None, None, None


def einsum_equation(equation, n_operands, ndims=None):
    """Parse an einsum equation for ``n_operands`` operands -> (explicit equation ``'ij,jk->ik'``, input
    subscripts). The implicit form's output is its letters that appear once, sorted; errors as PyTorch's.
    ``...`` (ellipsis) stands for the dims an operand has beyond its letters (``ndims``: each operand's
    number of dims); the operands' ellipsis dims broadcast right-aligned and become unused letters, which
    the implicit output puts first, as PyTorch does."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if "." in eq:
        eq = _expand_ellipsis(eq, equation, n_operands, ndims)
    if "->" not in eq:
        letters = eq.replace(",", "")
        eq += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = eq.split("->")[0].split(",")
    if len(ins) != n_operands:
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if n_operands > len(ins) else
                           "einsum(): fewer operands were provided than specified in the equation")
    if not re.fullmatch(r"[a-zA-Z,]*->[a-zA-Z]*", eq):
        raise ValueError(f"einsum(): invalid subscript given at index 0 in the equation string {equation!r}")
    for c in eq.split("->")[1]:
        if c not in eq.split("->")[0]:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any input operand")
    return eq, ins



def _expand_ellipsis(eq, equation, n_operands, ndims):
    lhs, arrow, rhs = eq.partition("->")
    ins = lhs.split(",")
    for part in ins + ([rhs] if arrow else []):
        if part.count(".") not in (0, 3) or (part.count(".") == 3 and "..." not in part):
            raise RuntimeError(f"einsum(): found '.' for operand that is not part of any ellipsis in the equation "
                             f"{equation!r}" if part.count(".") != 3 else
                             f"einsum(): found more than one ellipsis ('...') for an operand in the equation "
                             f"{equation!r}")
    if ndims is None or len(ins) != n_operands:
        return eq.replace("...", "")   # the operand count check that follows raises
    counts = []
    for i, (sub, nd) in enumerate(zip(ins, ndims)):
        letters = len(sub.replace("...", ""))
        if "..." in sub:
            if nd < letters:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({letters}) is more than the "
                                   f"number of dimensions ({nd}) for operand {i}")
            counts.append(nd - letters)
    m = max(counts, default=0)
    free = [c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in eq][:m]
    if len(free) < m:
        raise RuntimeError("einsum(): too many dimensions for the subscript letters left after the ellipsis")
    ell = "".join(reversed(free))
    new_ins = []
    for sub, nd in zip(ins, ndims):
        if "..." in sub:
            k = nd - len(sub.replace("...", ""))
            sub = sub.replace("...", ell[m - k:] if k else "")
        new_ins.append(sub)
    if arrow:
        if "..." not in rhs and m and any("..." in sub for sub in ins):
            out = rhs   # the ellipsis dims are summed
        else:
            out = rhs.replace("...", ell)
    else:
        letters = "".join(new_ins)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return ",".join(new_ins) + "->" + out


def _diag_index(shape, offset, dim1, dim2):
    """Index arrays (rows, cols) of the diagonal ``offset`` of dims ``dim1``, ``dim2`` of an array of ``shape``."""
    n = max(0, min(shape[dim1] + min(offset, 0), shape[dim2] - max(offset, 0)))
    k = np.arange(n)
    return k + max(-offset, 0), k + max(offset, 0)


def _write_diag(out, values, offset, dim1, dim2):
    rows, cols = _diag_index(out.shape, offset, dim1, dim2)
    np.moveaxis(out, (dim1, dim2), (-2, -1))[..., rows, cols] = values


def diagonal_view(a, offset, dim1, dim2):
    """NumPy's diagonal view, writeable where ``a`` is (NumPy hands it out read-only)."""
    d = np.diagonal(a, offset, dim1, dim2)
    if a.flags.writeable:
        d.flags.writeable = True
    return d


class Diagonal(ArrayFunction):
    """``a.diagonal(offset, dim1, dim2)``: the diagonal as the last dim, a view of ``a`` (as PyTorch's)."""

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        ctx.args = (a.shape, offset, dim1, dim2)
        return diagonal_view(a, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, g):
        shape, offset, dim1, dim2 = ctx.args
        out = np.zeros(shape, g.dtype)
        _write_diag(out, g, offset, dim1, dim2)
        return out, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        return DiagonalGrad.apply(g, ctx.args), None, None, None


class DiagonalGrad(ArrayFunction):
    """The gradient of ``diagonal`` as an op (create_graph=True): zeros with ``g`` on the diagonal; its
    own gradient is the diagonal again."""

    @staticmethod
    def forward(ctx, g, args):
        ctx.args = args
        return Diagonal.backward(ctx, g)[0]

    @staticmethod
    def backward(ctx, gg):
        _, offset, dim1, dim2 = ctx.args
        return np.ascontiguousarray(np.diagonal(gg, offset, dim1, dim2)), None

    @staticmethod
    def backward_graph(ctx, gg):
        _, offset, dim1, dim2 = ctx.args
        return Diagonal.apply(gg, offset, dim1, dim2), None


class DiagEmbed(ArrayFunction):
    """``diag_embed(a, offset, dim1, dim2)``: ``a``'s last dim placed on a diagonal of new dims ``dim1``, ``dim2``
    (both already non-negative dims of the result)."""

    @staticmethod
    def forward(ctx, a, offset, dim1, dim2):
        n = a.shape[-1] + abs(offset)
        shape = list(a.shape[:-1])
        lo, hi = sorted((dim1, dim2))
        shape.insert(lo, n)
        shape.insert(hi, n)
        out = np.zeros(shape, a.dtype)
        ctx.args = (offset, dim1, dim2)
        _write_diag(out, a, offset, dim1, dim2)
        return out

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.args
        return np.ascontiguousarray(np.diagonal(g, offset, dim1, dim2)), None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        offset, dim1, dim2 = ctx.args
        return Diagonal.apply(g, offset, dim1, dim2), None, None, None


class _LinAlgError(RuntimeError):
    """A matrix the operation can't handle (singular...): PyTorch's ``torch.linalg.LinAlgError``."""


def _mT(a):  # noqa: N802
    return np.swapaxes(a, -1, -2)


class Inverse(ArrayFunction):
    """``inv(A)`` of (batches of) square matrices; the gradient is ``-inv(A)^T g inv(A)^T``."""

    @staticmethod
    def forward(ctx, a):
        out = np.linalg.inv(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (inv,) = ctx.saved_tensors
        return -_mT(inv) @ g @ _mT(inv)

    @staticmethod
    def backward_graph(ctx, g):
        inv_t = ctx.saved_output().transpose(-1, -2)
        return -(inv_t.matmul(g).matmul(inv_t))


class SLogDet(ArrayFunction):
    """``(sign, log|det A|)``; the gradient of the log-abs-determinant is ``inv(A)^T``."""

    @staticmethod
    def forward(ctx, a):
        sign, logabs = np.linalg.slogdet(a)
        ctx.save_for_backward(a)
        sign = np.asarray(sign, a.dtype)
        ctx.mark_non_differentiable(sign)
        return sign, np.asarray(logabs, a.dtype)

    @staticmethod
    def backward(ctx, g_sign, g_log):
        (a,) = ctx.saved_tensors
        if g_log is None:
            return None
        return np.asarray(g_log)[..., None, None] * _mT(np.linalg.inv(a))

    @staticmethod
    def backward_graph(ctx, g_sign, g_log):
        if g_log is None:
            return None
        return g_log.unsqueeze(-1).unsqueeze(-1) * Inverse.apply(ctx.saved_input(0)).transpose(-1, -2)


class Solve(ArrayFunction):
    """``X = solve(A, B)`` with ``A X = B``: ``gB = solve(A^T, g)``, ``gA = -gB X^T``."""

    @staticmethod
    def forward(ctx, a, b, vector):
        x = np.linalg.solve(a, b[..., None])[..., 0] if vector else np.linalg.solve(a, b)
        ctx.save_for_backward(a, x)
        ctx.vector = vector
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        if ctx.vector:
            gb = np.linalg.solve(_mT(a), g[..., None])[..., 0]
            ga = -gb[..., :, None] * x[..., None, :]
        else:
            gb = np.linalg.solve(_mT(a), g)
            ga = -gb @ _mT(x)
        return ga, gb, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the same with Tensor ops (a solve on the graph)
        a, x = ctx.saved_input(0), ctx.saved_output(0)
        gb = Solve.apply(a.mT, g, ctx.vector)
        ga = -gb.unsqueeze(-1) * x.unsqueeze(-2) if ctx.vector else -(gb @ x.mT)
        return ga, gb, None

