"""``nn.utils``: gradient clipping and flattening parameters into one vector (PyTorch's names)."""
import numpy as np

from ...autograd import no_grad
from ...tensor import Tensor


def _params(parameters):
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d Tensor). Gradients are scaled in place by
    ``min(1, max_norm / (total_norm + 1e-6))``, as PyTorch does.
    """
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    if norm_type == np.inf:
        norms = [np.abs(g._data).max() for g in grads]
        total = np.max(norms)
    else:
        norms = [np.sum(np.abs(g._data.astype(np.float64)) ** norm_type) ** (1.0 / norm_type) for g in grads]
        total = np.sum(np.power(norms, norm_type)) ** (1.0 / norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g._data *= np.asarray(coef, dtype=g.dtype)
            g._bump_version()
    return Tensor(np.asarray(total, dtype=grads[0].dtype))


clip_grad_norm = clip_grad_norm_


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _params(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
            p.grad._bump_version()


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    from ...creation import cat

    return cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into the parameters (in place)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    i = 0
    with no_grad():
        for p in _params(parameters):
            n = p.numel()
            p._data[...] = vec._data[i:i + n].reshape(p.shape)
            i += n


from . import rnn  # noqa: E402  (nn.utils.rnn: PackedSequence, pack/pad sequences)

# Weight reparametrizations: the older hook-based weight_norm / spectral_norm and the parametrize API.
from . import parametrizations, parametrize, prune  # noqa: E402
from .spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402
from .weight_norm import remove_weight_norm, weight_norm  # noqa: E402
from . import stateless  # noqa: E402  (functional_call)
from . import fusion  # noqa: E402  (fuse_conv_bn_eval and friends)
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights  # noqa: E402
from ._more import (  # noqa: E402
    clip_grads_with_norm_, convert_conv2d_weight_memory_format, convert_conv3d_weight_memory_format, get_total_norm,
    skip_init,
)
