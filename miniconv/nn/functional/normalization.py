"""Normalization: batch_norm."""

import numpy as np

from ... import _kernels
from ...dtypes import computes_half_in_float32
from ..._config import threads_for
from ...autograd import ArrayFunction
from ...autograd.composite import composite, recomputed_backward
from ...functional import where
from ...ops.layer_norm_fused import NativeLayerNorm as _NativeLayerNorm
from ...tensor import Tensor
from ..._args import check_broadcast as _check_broadcast
from ..._args import normalize_dims as _normalize_dims
from ._args import _float_arg, _tensor_arg



# -- batch norm --------------------------------------------------------------------------------
def _as_ncl(x):
    """View a (N, C, *) array as C-contiguous (N, C, L)."""
    x = np.ascontiguousarray(x)
    return x.reshape(x.shape[0], x.shape[1], int(np.prod(x.shape[2:])))


@computes_half_in_float32(writeback=(3, 4))
class _BatchNorm(ArrayFunction):
    """Batch norm over dims (0, 2, 3, ...) of (N, C, *) with the ``_kernels.batch_norm_*`` kernels.

    Training: normalise with the batch statistics (biased variance) and, if given, update the
    running buffers in place with the unbiased variance. Eval: normalise with the buffers.
    Backward writes dL/dx into the output gradient's array when only the engine holds it.
    """

    _overwrites_grads = True
    _listed_inputs = (0, 1, 2)  # PyTorch's NativeBatchNormBackward0 lists input, weight and bias (None or not)

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        x3 = _as_ncl(x)
        nt = threads_for(x3.size)
        N, C, L = x3.shape
        count = N * L
        ctx.eps, ctx.has_affine = eps, (weight is not None, bias is not None)
        if count == 0:  # empty batch: empty output, buffers untouched (as PyTorch)
            ctx.training, ctx.shape = training, x.shape
            ctx.save_for_backward(x3, np.zeros(C), np.zeros(C), np.zeros(C))
            return np.empty_like(x)
        if training:
            mean = np.empty(C)
            sq = np.empty(C)
            _kernels.batch_norm_stats(x3, mean, sq, nt)
            invstd = 1.0 / np.sqrt(sq / count + eps)
            half = ctx.__dict__.get("_half_inputs")
            if half and (weight is None or half[1]):  # PyTorch keeps a float16 input's statistics in float16
                mean, invstd = (v.astype(np.float16).astype(np.float64) for v in (mean, invstd))
            if running_mean is not None:
                running_mean[...] = (1 - momentum) * running_mean + momentum * mean
            if running_var is not None:
                unbiased = sq / (count - 1) if count > 1 else np.full(C, np.nan)
                running_var[...] = (1 - momentum) * running_var + momentum * unbiased
        else:
            mean = running_mean.astype(np.float64)
            invstd = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
        w = np.ones(C) if weight is None else weight.astype(np.float64)
        b = np.zeros(C) if bias is None else bias.astype(np.float64)
        scale = invstd * w
        out = np.empty_like(x3)
        _kernels.batch_norm_transform(x3, scale, b - mean * scale, out, nt)
        ctx.save_for_backward(x3, mean, invstd, w)
        ctx.training, ctx.shape = training, x.shape
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        x3, mean, invstd, w = ctx.saved_tensors
        nt = threads_for(x3.size)
        g3 = _as_ncl(g.astype(x3.dtype, copy=False))
        N, C, L = x3.shape
        if x3.size == 0:
            return np.zeros(ctx.shape, g.dtype), np.zeros(C), np.zeros(C), None, None, None, None, None
        sum_dy, sum_dy_xmu = np.empty(C), np.empty(C)
        _kernels.batch_norm_backward_reduce(g3, x3, mean, sum_dy, sum_dy_xmu, nt)
        gx = None
        if ctx.needs_input_grad[0]:
            if ctx._grads_owned and ctx._grads_owned[0] and g3.ctypes.data == g.ctypes.data:
                gx = g3  # g is an array only the engine holds (engine.sole_owner): dL/dx overwrites it
            else:  # (the kernels are elementwise: each element of g is read before it is written)
                gx = np.empty_like(x3)
            if ctx.training:
                count = N * L
                _kernels.batch_norm_backward_input(
                    g3, x3, mean, sum_dy / count, sum_dy_xmu * invstd * invstd / count, invstd * w, gx, nt
                )
            else:
                _kernels.batch_norm_transform(g3, invstd * w, np.zeros(C), gx, nt)
            gx = gx.reshape(ctx.shape)
        gw = sum_dy_xmu * invstd if ctx.needs_input_grad[1] else None
        gb = sum_dy if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: batch norm again with Tensor ops (batch statistics in training, the saved
        running statistics as constants in eval), differentiated on the graph."""
        x3, mean, invstd, w = ctx.saved_tensors
        C, dt = x3.shape[1], x3.dtype
        view = (1, C) + (1,) * (len(ctx.shape) - 2)
        dims = (0,) + tuple(range(2, len(ctx.shape)))
        eps = ctx.eps

        def fn(x, weight, bias):
            if ctx.training:
                mu = x.mean(dims, keepdim=True)
                y = (x - mu) / ((x - mu).pow(2).mean(dims, keepdim=True) + eps).sqrt()
            else:
                y = (x - ctx.constant(mean.astype(dt).reshape(view))) * ctx.constant(invstd.astype(dt).reshape(view))
            if weight is not None:
                y = y * weight.reshape(view)
            return y if bias is None else y + bias.reshape(view)

        values = (x3.reshape(ctx.shape), w.astype(dt) if ctx.has_affine[0] else None,
                  np.zeros(C, dt) if ctx.has_affine[1] else None)
        return recomputed_backward(ctx, fn, values, (g,))[:3] + (None,) * 5


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,  # noqa: A002
               momentum=0.1, eps=1e-5):
    """Normalise each channel of ``input`` (N, C, *) and apply ``weight * x_hat + bias``.

    training=True: use the batch's statistics and, when ``running_mean``/``running_var`` are
    given, update them in place: ``running = (1 - momentum) * running + momentum * batch_stat``
    (the variance update uses the unbiased batch variance). training=False: use the buffers.
    """
    _float_arg(input, "batch_norm")
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected at least 2D input (got {input.ndim}D input)")
    C = input.shape[1]
    if training:
        size = int(np.prod([s for i, s in enumerate(input.shape) if i != 1]))
        if size == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {input.shape}"
            )
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if not training and (running_mean is None or running_var is None):
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    if (running_mean is None) != (running_var is None):  # PyTorch refuses this, also in training
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is None:
            continue
        _tensor_arg(t, "batch_norm", name)
        if t.numel() != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t.numel()}")
        if name.startswith("running") and not t._data.flags.c_contiguous:
            raise RuntimeError(f"batch_norm(): {name} must be contiguous (it is updated in place)")
    rm = None if running_mean is None else running_mean._data.reshape(C)
    rv = None if running_var is None else running_var._data.reshape(C)
    w = None if weight is None or weight.shape == (C,) else weight.reshape(C)
    b = None if bias is None or bias.shape == (C,) else bias.reshape(C)
    w = weight if w is None else w
    b = bias if b is None else b
    return _BatchNorm.apply(input, w, b, rm, rv, bool(training), float(momentum or 0.0), float(eps))


# -- layer_norm, group_norm, instance_norm ---------------------------------
# Composed from differentiable Tensor ops (mean, var, arithmetic); biased variance, as PyTorch.
def _normalize(x, dims, eps):
    # the moments in the input's dtype, as PyTorch's layer/group norm kernels (Tensor.var reduces float32 in
    # float64): a float32 group whose variance overflows then gives 0 as PyTorch's kernel mostly does
    mean = x.mean(dim=dims, keepdim=True)
    d = x - mean
    var = (d * d).mean(dim=dims, keepdim=True)
    return d / (var + eps).sqrt()


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalize over the last ``len(normalized_shape)`` dimensions, then ``* weight + bias``."""
    _float_arg(input, "layer_norm")
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != shape or input.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, {', '.join(map(str, shape))}], "
            f"but got input of size{list(input.shape)}"
        )
    if _layer_norm_fused(input, weight, bias, shape):
        return _NativeLayerNorm.apply(input, weight, bias, k, float(eps))
    dims = tuple(range(input.ndim - k, input.ndim))
    return composite("NativeLayerNormBackward0", lambda x, w, b: _affine(_normalize(x, dims, eps), w, b, None),
                     (input, weight, bias), listed=(0, 1, 2))


def _affine(out, weight, bias, shape):
    if weight is not None:
        out = out * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        out = out + (bias if shape is None else bias.reshape(shape))
    return out


def _layer_norm_fused(input, weight, bias, shape):  # noqa: A002
    """float32 (or float16, computed in float32) input, weight and bias (or None) of the input's dtype and the
    normalized shape: the row kernels."""
    return (input.dtype == np.float32 or input.dtype == np.float16) and all(
        t is None or (isinstance(t, Tensor) and t.dtype == input.dtype and tuple(t.shape) == shape)
        for t in (weight, bias))


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Split the C channels of (N, C, *) into ``num_groups`` groups and normalize each group per sample."""
    _float_arg(input, "group_norm")
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if c % num_groups != 0:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])
    if size[0] * int(np.prod(size[2:])) == 1:  # PyTorch's _verify_batch_size
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    return _GroupNorm.apply(input, weight, bias, int(num_groups), float(eps))


@computes_half_in_float32
class _GroupNorm(ArrayFunction):
    """group_norm on arrays: x (N, C, *) normalized over each sample's groups of C / G channels, then
    ``* weight + bias`` per channel. The forward is ``_normalize`` and ``_affine``'s arithmetic on arrays (the
    same bits); the backward is the closed form (PyTorch's native_group_norm_backward)."""

    _listed_inputs = (0, 1, 2)  # PyTorch's NativeGroupNormBackward0 lists input, weight and bias (None or not)

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        n, c = x.shape[:2]
        x3 = x.reshape(n, groups, c // groups * int(np.prod(x.shape[2:])))  # explicit: -1 is ambiguous for n = 0
        if x3.shape[2] == 0:  # NaN statistics, without NumPy's "Mean of empty slice" warning (PyTorch is silent)
            mean = np.sum(x3, axis=2, keepdims=True) / np.asarray(0, x.dtype)
        else:
            mean = np.mean(x3, axis=2, keepdims=True)
        d = x3 - mean
        var = np.mean(d * d, axis=2, keepdims=True) if x3.shape[2] else mean
        std = np.sqrt(var + np.asarray(eps, x.dtype))
        out = (d / std).reshape(x.shape)
        view = (1, c) + (1,) * (x.ndim - 2)
        if weight is not None:
            out = out * weight.reshape(view)
        if bias is not None:
            out = out + bias.reshape(view)
        ctx.save_for_backward(x, weight)
        ctx.stats, ctx.groups, ctx.eps = (mean, std), groups, eps
        return out

    @staticmethod
    def backward(ctx, g):
        x, weight = ctx.saved_tensors
        mean, std = ctx.stats
        n, c = x.shape[:2]
        view = (1, c) + (1,) * (x.ndim - 2)
        dims = (0,) + tuple(range(2, x.ndim))
        grouped = (n, ctx.groups, c // ctx.groups * int(np.prod(x.shape[2:])))  # -1 is ambiguous for n = 0
        xhat = ((x.reshape(grouped) - mean) / std).reshape(x.shape)
        gx = gw = gb = None
        if ctx.needs_input_grad[0] and grouped[2] == 0:  # empty groups: an empty gradient
            gx = np.zeros(x.shape, x.dtype)
        elif ctx.needs_input_grad[0]:
            gxhat = (g if weight is None else g * weight.reshape(view)).reshape(grouped)
            xh3 = xhat.reshape(gxhat.shape)
            gx = ((gxhat - gxhat.mean(axis=2, keepdims=True) - xh3 * (gxhat * xh3).mean(axis=2, keepdims=True))
                  / std).reshape(x.shape).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            gw = (g * xhat).sum(axis=dims).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[2]:
            gb = g.sum(axis=dims).astype(x.dtype, copy=False)
        return gx, gw, gb, None, None

    @staticmethod
    def backward_graph(ctx, g):
        """create_graph=True: group_norm again with Tensor ops, differentiated on the graph."""
        x, weight = ctx.saved_tensors
        n, c = x.shape[:2]
        per_group = c // ctx.groups * int(np.prod(x.shape[2:]))
        view = (1, c) + (1,) * (x.ndim - 2)

        def fn(x, w, b, groups, eps):
            return _affine(_normalize(x.reshape(n, groups, per_group), (2,), eps).reshape(x.shape), w, b, view)

        b = None if ctx.next_edges[2] is None else np.zeros(c, x.dtype)
        return recomputed_backward(ctx, fn, (x, weight, b, ctx.groups, ctx.eps), (g,))


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,  # noqa: A002
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each (sample, channel) plane of (N, C, *) over its spatial dimensions."""
    _float_arg(input, "instance_norm")
    if use_input_stats and input.ndim >= 2 and int(np.prod(input.shape[2:])) == 1:  # as PyTorch
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"torch.Size({list(input.shape)})")
    c = input.shape[1]
    affine_shape = (1, c) + (1,) * (input.ndim - 2)
    dims = tuple(range(2, input.ndim))
    if use_input_stats:
        if running_mean is not None:
            m = input._data.mean(axis=(0,) + dims)
            n = int(np.prod([input.shape[d] for d in dims]))
            v = input._data.var(axis=dims, ddof=1 if n > 1 else 0).mean(axis=0)
            running_mean._data[...] = (1 - momentum) * running_mean._data + momentum * m
            running_var._data[...] = (1 - momentum) * running_var._data + momentum * v
        # PyTorch: batch norm of the (1, N * C, *) view with the affine parameters repeated N times
        n = input.shape[0]
        flat = input.reshape((1, n * c) + tuple(input.shape[2:]))
        w = None if weight is None else weight.repeat(n)
        b = None if bias is None else bias.repeat(n)
        flat_shape = (1, n * c) + (1,) * (input.ndim - 2)
        if input._data.dtype == np.float16:  # PyTorch's batch norm kernel, with its float16 statistics
            return batch_norm(flat, None, None, w, b, True, 0.0, eps).reshape(input.shape)
        out = composite("NativeBatchNormBackward0", lambda x, w, b: _affine(_normalize(x, dims, eps), w, b, flat_shape),
                        (flat, w, b), listed=(0, 1, 2), saved=(0, 1))
        return out.reshape(input.shape)
    else:
        out = (input - running_mean.reshape(affine_shape)) / (running_var.reshape(affine_shape) + eps).sqrt()
    if weight is not None:
        out = out * weight.reshape(affine_shape)
    if bias is not None:
        out = out + bias.reshape(affine_shape)
    return out


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """``input / max(||input||_p along dim, eps)`` (differentiable)."""
    _float_arg(input, "normalize")
    norm = input.norm(p, dim, keepdim=True).clamp_min(eps)
    result = input / norm.expand_as(input)
    if out is None:
        return result
    out.copy_(result)  # PyTorch's out=: the result written into ``out`` (spectral norm's power iteration uses it)
    return out


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 * x2) / max(||x1|| * ||x2||, eps) along ``dim`` (broadcasting), as PyTorch."""
    _float_arg(x1, "cosine_similarity", "x1")
    _float_arg(x2, "cosine_similarity", "x2")
    _check_broadcast(x1.shape, x2.shape)
    shape = tuple(np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape)))  # dim refers to the common shape
    x1 = x1 if tuple(x1.shape) == shape else x1.expand(shape)
    x2 = x2 if tuple(x2.shape) == shape else x2.expand(shape)
    # PyTorch's order (after scipy): normalise each input by its clamped norm, then take the dot product
    d = _normalize_dims(dim, len(shape), "cosine_similarity")[0] if shape else 0
    n1 = _ClampedNorm.apply(x1, d, float(eps))
    n2 = _ClampedNorm.apply(x2, d, float(eps))
    return ((x1 / n1) * (x2 / n2)).sum(dim)


class _ClampedNorm(ArrayFunction):
    """``max(||x||_2 along dim, eps)`` (kept dim) with PyTorch's gradient for cosine_similarity: it clamps a
    clone of the norm in place under no_grad, so the value is clamped but the gradient is the plain norm's,
    ``x / ||x||`` (0 where the norm is 0)."""

    @staticmethod
    def forward(ctx, x, dim, eps):
        if x.ndim == 0 or x.shape[dim] == 1:
            n = np.abs(x)  # one element: its absolute value, as PyTorch's norm (no squaring)
        else:
            n = np.sqrt(np.sum(x * x, axis=dim, keepdims=True))
        ctx.save_for_backward(x, n)
        ctx.dim = dim
        return np.maximum(n, np.asarray(eps, dtype=x.dtype))

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n == 0, np.zeros((), x.dtype), g * x / n), None, None

    @staticmethod
    def backward_graph(ctx, g):  # create_graph=True: the plain norm's gradient on Tensors
        x, n = ctx.saved_input(0), ctx.saved_tensors[1]
        norm = x.abs() if x.ndim == 0 or x.shape[ctx.dim] == 1 else (x * x).sum(ctx.dim, keepdim=True).sqrt()
        return where(ctx.constant(n == 0), 0.0, g * x / norm), None, None
