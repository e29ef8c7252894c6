"""miniconv: a small, fast, readable deep-learning library for the CPU with a PyTorch-shaped API.

    import miniconv as torch        # most torch.nn code runs with this one change
    import miniconv.nn as nn
"""
__version__ = "0.1.0"

from . import _config, _kernels
from ._config import get_num_threads, set_num_threads
from ._alloc import empty_cache, memory_stats, reset_peak_memory_stats  # miniconv's caching allocator
from ._random import Generator, default_generator, get_rng_state, manual_seed, set_rng_state
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import (  # noqa: A004
    bool, double, float, float32, float64, get_default_dtype, int8, int16, int32, int64, long, promote_types,
    result_type, set_default_dtype, uint8,
)
from ._device import accelerator, device, get_default_device, mps, set_default_device
from .tensor import Size, Tensor
from .creation import (
    arange, as_tensor, asarray, cat, concat, concatenate, empty, empty_like, eye, from_numpy, full, full_like, hstack,
    linspace, logspace, meshgrid, normal, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
    randperm, stack, tensor, vstack, zeros, zeros_like,
)
from . import autograd  # noqa: E402
from .functional import (  # noqa: E402,A004  (the torch.* forms, written out in functional.py)
    abs, absolute, acos, add, all, allclose, amax, amin, any, arccos, arcsin, arctan, arctan2, argmax, argmin,
    argsort, argwhere, asin, atan, atan2, bmm, ceil, chunk, clamp, clip, clone, cos, cosh, count_nonzero, cumprod,
    cumsum, detach, div, divide, dot, einsum, eq, equal, erf, exp, exp2, expm1, fix, flatten, flip, floor, fmod, frac,
    gather, ge, ger, greater, greater_equal, gt, index_select, is_floating_point, is_tensor, isclose,
    isfinite, isinf,
    isnan, le, lerp, less, less_equal, log, log1p, log2, log10, log_softmax, logical_and, logical_not,
    logical_or, logsumexp, lt, masked_fill, masked_select, matmul, max, maximum, mean, min, minimum, mm, moveaxis,
    movedim, msort, mul, multiply, narrow, ne, neg, negative, nonzero, norm, not_equal, numel, outer, permute, pow,
    prod, reciprocal, relu, remainder, reshape, round, rsqrt, scatter, scatter_add, sigmoid, sign, sin, sinh,
    softmax, sort, split, sqrt, square, squeeze, std, std_mean, sub, subtract, sum, swapaxes, swapdims, t, tan, tanh,
    tile, topk, transpose, trunc, true_divide, unbind, unflatten, unsqueeze, var, var_mean, where,
)
from . import linalg  # noqa: E402
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import data  # noqa: E402
from . import utils  # noqa: E402
from . import distributed  # noqa: E402  (miniconv.distributed, like torch.distributed; does not import mpi4py)
from . import backends  # noqa: E402  (torch.backends' flags: cudnn, mps, mkldnn, cuda, openmp, cpu)
from .utils import data as _utils_data  # noqa: E402,F401  (miniconv.utils.data, like torch.utils.data)
from .io import load, save  # noqa: E402
from . import serialization  # noqa: E402  (torch.serialization: add_safe_globals, safe_globals, ...)
from . import __future__  # noqa: E402  (torch.__future__: the module-conversion switches)


def show_config():
    """Print how this miniconv was built and what it runs with."""
    import platform

    import numpy as np

    lines = [
        f"miniconv {__version__}",
        f"python {platform.python_version()} ({platform.machine()})",
        f"numpy {np.__version__}",
        f"OpenMP compiled in: {'yes' if _kernels.openmp_enabled() else 'NO (kernels run on one thread)'}",
        f"threads: {get_num_threads()} (cores visible to OpenMP: {_kernels.omp_num_procs()})",
        f"caching allocator (miniconv's own arrays): {memory_stats()['reserved_bytes.all.current'] >> 20} MB reserved",
        f"conv micro-kernels: {_kernels.conv_isa()} (CPU supports {', '.join(_kernels.conv_isas_supported())})",
    ]
    try:
        from threadpoolctl import threadpool_info

        for info in threadpool_info():
            lines.append(
                f"{info.get('user_api')}: {info.get('internal_api')} {info.get('version')} "
                f"threads={info.get('num_threads')} ({info.get('filepath')})"
            )
    except Exception as err:  # pragma: no cover
        lines.append(f"BLAS info unavailable: {err}")
    print("\n".join(lines))

# Sampling, nansum/floor_divide and PyTorch's legacy tensor-type names.
from .creation import bernoulli, multinomial, poisson  # noqa: E402
from .functional import floor_divide, nansum  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402
from .legacy import (  # noqa: E402
    BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor, ShortTensor,
)

# Breadth: special functions, order statistics, matrix/structural/index ops and torch's constants.
from .functional_math import (  # noqa: E402,A004
    are_deterministic_algorithms_enabled, bincount, bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or,
    bitwise_right_shift, bitwise_xor, can_cast, clamp_max, clamp_min, copysign, corrcoef, cov, cummax, cummin,
    deg2rad, digamma, e, erfc, erfinv, finfo, float_power, fmax, fmin, heaviside, histc, hypot, iinfo, inf,
    initial_seed, is_deterministic_algorithms_warn_only_enabled, kthvalue, lgamma, logaddexp, logaddexp2,
    logcumsumexp, logical_xor, logit, median, mode, nan, nan_to_num, nanmedian, nanquantile, newaxis, pi,
    positive, quantile, rad2deg, seed, sgn, signbit, sinc, unique, unique_consecutive,
    use_deterministic_algorithms, xlogy,
)
from .functional_linalg import (  # noqa: E402,A004
    repeat_interleave, addbmm, addcdiv, addcmul, addmm, addmv, atleast_1d, atleast_2d, atleast_3d, baddbmm, block_diag,
    broadcast_shapes, broadcast_tensors, broadcast_to, bucketize, cartesian_prod, cdist, column_stack,
    combinations, cross, diag, diag_embed, diagonal, diff, dist, dsplit, dstack, empty_strided, fliplr, flipud,
    hsplit, index_add, index_copy, index_fill, inner, kron, masked_scatter, mv, ravel, renorm, roll, rot90,
    row_stack, scalar_tensor, scatter_reduce, searchsorted, split_with_sizes, take, take_along_dim, tensor_split,
    tensordot, trace, tril, triu, vdot, vsplit,
)
from .functional_math import (  # noqa: E402,A004
    acosh, aminmax, arccosh, arcsinh, arctanh, asinh, atanh, cumulative_trapezoid, gcd, gradient, isin, isneginf,
    isposinf, isreal, lcm, nanmean, trapezoid, trapz,
)
from .functional_math import frexp, real  # noqa: E402
from .functional_linalg import (  # noqa: E402,A004
    addr, det, diagflat, index_put, inverse, logdet, matrix_power, put, rsub, select, slogdet, tril_indices,
    triu_indices,
)
from .nn.functional import (  # noqa: E402  (torch.conv2d & co.: the same functions as F.*)
    conv1d, conv2d, conv_transpose2d, cosine_similarity, group_norm, max_pool2d,
)
from .functional_math import i0, ldexp, nextafter, polygamma  # noqa: E402
from .functional_math import histogram  # noqa: E402
from .functional_linalg import (  # noqa: E402,A004
    chain_matmul, diagonal_scatter, range, select_scatter, slice_scatter, unravel_index, vander,
)
# torch.linalg's factorizations in their torch.* forms (old signatures: svd(some=), qr(some=), lu, lu_unpack, ...)
from .functional_decomp import (  # noqa: E402
    cholesky, cholesky_inverse, cholesky_solve, frobenius_norm, geqrf, lu, lu_solve, lu_unpack, matrix_exp,
    nuclear_norm, orgqr, ormqr, pca_lowrank, pinverse, qr, svd, svd_lowrank, triangular_solve,
)
from .functional_inplace import (  # noqa: E402
    abs_, acos_, acosh_, addmv_, arccos_, arccosh_, arcsin_, arcsinh_, arctan_, arctanh_, asin_, asinh_, atan_,
    atanh_, ceil_, clamp_, clamp_max_, clamp_min_, clip_, cos_, cosh_, deg2rad_, detach_, erf_, erfc_, exp2_,
    exp_, expm1_, fill_, fix_, floor_, frac_, gcd_, i0_, index_put_, lcm_, ldexp_, log10_, log1p_, log2_, log_,
    logit_, nan_to_num_, neg_, negative_, rad2deg_, reciprocal_, relu_, resize_as_, round_, rsqrt_, sigmoid_,
    sin_, sinc_, sinh_, sqrt_, square_, tan_, tanh_, trunc_, xlogy_, zero_,
)

# torch.* forms of nn functions, with ATen's signatures (functional_nn.py)
from .functional_nn import (  # noqa: E402
    adaptive_avg_pool1d, adaptive_max_pool1d, alpha_dropout, alpha_dropout_, avg_pool1d, batch_norm, bilinear,
    binary_cross_entropy_with_logits, celu, celu_, channel_shuffle, cosine_embedding_loss, dropout, dropout_, embedding,
    feature_alpha_dropout, hardshrink, hinge_embedding_loss, instance_norm, kl_div, layer_norm, margin_ranking_loss,
    max_pool1d, max_pool1d_with_indices, pairwise_distance, pdist, pixel_shuffle, pixel_unshuffle, poisson_nll_loss,
    prelu, rms_norm, rrelu, rrelu_, selu, selu_, threshold, threshold_, triplet_margin_loss,
)

# mixed precision and torch.cuda (CPU only: GradScaler exact, autocast never lowers precision)
from . import amp, cuda  # noqa: E402
from . import xpu  # noqa: E402  (torch.xpu: Intel GPUs, never available)
from .amp import GradScaler, autocast  # noqa: E402
from .amp.autocast_mode import (  # noqa: E402
    get_autocast_cpu_dtype, get_autocast_dtype, get_autocast_gpu_dtype, is_autocast_cache_enabled,
    is_autocast_cpu_enabled, is_autocast_enabled, set_autocast_cache_enabled, set_autocast_cpu_dtype,
    set_autocast_cpu_enabled, set_autocast_dtype, set_autocast_enabled, set_autocast_gpu_dtype,
)
from .autograd.grad_mode import is_inference_mode_enabled  # noqa: E402
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled  # noqa: E402
from .cuda import OutOfMemoryError  # noqa: E402
from .dtypes import bfloat16, float16, half  # noqa: E402

# process-level switches scripts set (none changes how miniconv computes) and layouts
from ._settings import (  # noqa: E402
    get_deterministic_debug_mode, get_device, get_float32_matmul_precision, get_num_interop_threads,
    get_printoptions, is_inference, is_neg, is_nonzero, is_same_size, is_signed, is_warn_always_enabled,
    set_default_tensor_type, set_deterministic_debug_mode, set_float32_matmul_precision, set_flush_denormal,
    set_num_interop_threads, set_printoptions, set_warn_always,
)
from .dtypes import (  # noqa: E402
    channels_last, channels_last_3d, contiguous_format, dtype, layout, memory_format, preserve_format, strided,
)

# torch.distributions and torch.autograd.functional
from . import distributions  # noqa: E402
from .autograd import functional as _autograd_functional  # noqa: E402,F401  (miniconv.autograd.functional)
# Porting helpers: torch.testing, torch.compile (eager), torch.compiler, torch.jit (no TorchScript), torch.special.
from . import testing  # noqa: E402
from ._compile import compile, cond  # noqa: E402,A004
from ._functorch import vmap  # noqa: E402  (torch.vmap)
from . import compiler, cpu, func, jit, random, special  # noqa: E402
# torch._dynamo.config / reset / disable, as scripts set them before torch.compile (eager here)
from . import _dynamo  # noqa: E402
from .nn.functional import conv3d, conv_transpose1d, conv_transpose3d, max_pool3d  # noqa: E402
# torch.profiler (CPU op profiler) and torch.utils.benchmark-style tools
from . import profiler  # noqa: E402
from . import hub, multiprocessing, types  # noqa: E402  (torch.hub, torch.multiprocessing, torch.types)

# sparse COO tensors as scripts build them (stored dense): torch.sparse_coo_tensor, torch.spmm, torch.sparse
from . import sparse  # noqa: E402
from .sparse import sparse_coo_tensor, spmm  # noqa: E402

# the out= keyword of the torch.* functions (torch.add(x, y, out=result)): miniconv/_out.py
from . import _out  # noqa: E402

_out.install(globals())

# NumPy's axis=/keepdims= names for dim=/keepdim= on the torch.* functions: miniconv/_numpy_args.py
from . import _numpy_args  # noqa: E402

_numpy_args.install(globals())

# torch.int and torch.short (last, so that nothing above calls the builtin int under this name)
int = int32  # noqa: A001
short = int16

# Storages: tensor.storage() / untyped_storage() (torch.TypedStorage, torch.UntypedStorage, torch.storage).
from . import storage  # noqa: E402
from .storage import TypedStorage, UntypedStorage  # noqa: E402
