"""Helpers shared by the distributions (PyTorch's ``torch/distributions/utils.py``): broadcasting of
parameters, probabilities <-> logits, ``lazy_property``, the standard normal draw every ``rsample`` starts
from, and the lower-triangular vector packing."""
import math
import numbers
from functools import update_wrapper

import miniconv
from miniconv import Tensor, ops

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant

# the type names PyTorch's signatures use (torch.types): plain Python types here
_size = tuple
_Number = (int, float, bool)
Number = numbers.Number
_dtype = object
Device = object

__all__ = ["broadcast_all", "logits_to_probs", "clamp_probs", "probs_to_logits", "lazy_property",
           "tril_matrix_to_vec", "vec_to_tril_matrix"]


def broadcast_all(*values):
    """Broadcast tensors and numbers together; numbers become tensors of the first tensor's dtype
    (the default dtype when every value is a number)."""
    if not all(isinstance(v, Tensor) or isinstance(v, _Number) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, Tensor) for v in values):
        dtype = miniconv.get_default_dtype()
        for value in values:
            if isinstance(value, Tensor):
                dtype = value.dtype
                break
        values = [v if isinstance(v, Tensor) else miniconv.tensor(float(v), dtype=dtype) for v in values]
    shape = miniconv.broadcast_shapes(*(v.shape for v in values))
    if all(tuple(v.shape) == tuple(shape) for v in values):
        return tuple(values)  # already one shape: the tensors themselves, as PyTorch returns
    return miniconv.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    """Standard normal noise of ``shape`` from miniconv's default generator."""
    return miniconv.empty(shape, dtype=dtype).normal_()


def _sum_rightmost(value, dim):
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    required_shape = tuple(value.shape[:-dim]) + (-1,)
    return value.reshape(required_shape).sum(-1)


def logits_to_probs(logits, is_binary=False):
    """Logits to probabilities: sigmoid for the binary case, softmax over the last dim otherwise."""
    if is_binary:
        return miniconv.sigmoid(logits)
    return miniconv.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities into ``[eps, 1 - eps]`` with ``eps`` the dtype's machine epsilon."""
    eps = miniconv.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Probabilities to logits: log-odds for the binary case, log-probabilities otherwise."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return miniconv.log(ps_clamped) - miniconv.log1p(-ps_clamped)
    return miniconv.log(ps_clamped)


class lazy_property:
    """A method computed on first access (with grad mode on, as PyTorch does) and then stored on the
    instance, replacing the descriptor."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with miniconv.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """Looks like a property to documentation tools and like a lazy_property to argument validation."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def _tril_mask(n, diag):
    arange = miniconv.arange(n)
    return arange < arange.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat, diag=0):
    """The lower-triangular elements of a (batch of) ``D x D`` matrices, row by row."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag)]


def vec_to_tril_matrix(vec, diag=0):
    """The inverse of ``tril_matrix_to_vec``: a (batch of) lower-triangular ``D x D`` matrices."""
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = miniconv.finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
                         + "the lower triangular part of a square D x D matrix.")
    n = round(n)
    mask = _tril_mask(n, diag)
    index = mask.flatten().nonzero().flatten()
    flat = vec.new_zeros(tuple(vec.shape[:-1]) + (n * n,))
    flat = flat.index_add(-1, index, vec)
    return flat.reshape(tuple(vec.shape[:-1]) + (n, n))


def _numpy_generator():
    """The NumPy generator behind miniconv's default generator (``miniconv.manual_seed`` seeds it)."""
    return miniconv.default_generator.numpy_generator


def _standard_gamma(concentration):
    """Gamma(concentration, 1) draws, differentiable in ``concentration`` (``torch._standard_gamma``)."""
    return ops.StandardGamma.apply(concentration, _numpy_generator())


def _sample_dirichlet(concentration):
    """Dirichlet draws over the last dim, differentiable in ``concentration``."""
    return ops.SampleDirichlet.apply(concentration, _numpy_generator())


def _mvlgamma(x, p):
    """The multivariate log-gamma function (``torch.mvlgamma``):
    ``p (p - 1) / 4 log(pi) + sum_{i < p} lgamma(x - i / 2)``."""
    out = x.lgamma()
    for i in range(1, p):
        out = out + (x - i / 2).lgamma()
    return out + p * (p - 1) / 4 * math.log(math.pi)


def _cholesky_solve(b, scale_tril):
    """``(L L^T)^-1 b`` from the lower Cholesky factor ``L`` (``torch.cholesky_solve``)."""
    y = miniconv.linalg.solve_triangular(scale_tril, b, upper=False)
    return miniconv.linalg.solve_triangular(scale_tril.mT, y, upper=True)
