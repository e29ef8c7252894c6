"""The core Tensor operations as autograd Functions, one file per family (mirroring ``miniconv/tensor/``).

Each Function keeps its derivative right next to its forward and works on NumPy arrays
(``autograd.function.ArrayFunction``); the Tensor methods check arguments and promote dtypes first.

* ``arith.py``: + - * / ** neg, atan2, maximum/minimum, fmod/remainder, where, cast
* ``elementwise.py``: exp, log, trig, rounding, relu, clamp, abs, softmax/log_softmax
* ``reduce.py``: sum, mean, var/std, max/min, amax/amin, prod, logsumexp, cumsum/cumprod, vector norm
* ``shape_index.py``: reshape, permute, expand, indexing, clone, cat/stack, gather/scatter, tile
* ``inplace.py``: the results in-place ops write into their tensor (fill, copy_, indexed assignment)
* ``linalg.py``: matmul, einsum, diagonal, inverse, slogdet, solve
* ``decomp.py``: Cholesky, eigh, SVD, QR, LU, triangular solve (factorizations; PyTorch's backward formulas)
* ``solvers.py``: cholesky_solve / cholesky_inverse, matrix_exp, pinv, lstsq, geqrf, LDL
* ``sampling.py``: Gamma and Dirichlet draws with reparameterised gradients
* ``special.py``: erfc, erfinv, lgamma, digamma, sinc
"""
from .arith import (  # noqa: F401
    Add, Atan2, Cast, Div, DivRounded, Fmod, HalfScale, Maximum, Minimum, Mul, Neg, Pow, PowScalar, Remainder, Sub, Where,
    RPow, RSub,
)
from .elementwise import (  # noqa: F401
    Abs, Acos, Asin, Atan, Ceil, Clamp, Cos, Cosh, Erf, Exp, Exp2, Expm1, Floor, Frac, Log, Log1p, Log2, Log10,
    Logit, LogSoftmax, NanToNum, ReLU, Reciprocal, Round, RoundDecimals, Rsqrt, Sgn, Sigmoid, Sign, Sin, Sinh,
    Softmax, Sqrt, Square, Tan, Tanh, Trunc,
)
from .reduce import AMax, CumProd, CumSum, LogSumExp, MaxAll, MaxDim, Mean, Prod, Sum, Var, VectorNorm  # noqa: F401
from .shape_index import (  # noqa: F401
    Cat, Clone, Expand, Index, IndexSelect, MaskedFill, MaskedFillTensor, Permute, Reshape, Scatter, Split, Stack,
    TakeAlong, Tile,
)
from .inplace import CopyFrom, Fill, FillScalar, IndexPut, Zero  # noqa: F401
from .linalg import DiagEmbed, Diagonal, Einsum, Inverse, MatMul, SLogDet, Solve  # noqa: F401
from .sampling import SampleDirichlet, StandardGamma  # noqa: F401
from .special import Acosh, Asinh, Atanh, Digamma, Erfc, Erfinv, GammaInc, I0, Lgamma, Polygamma, Sinc  # noqa: F401
from .special import Entr, Erfcx, I0e, I1, I1e, LogNdtr, Ndtr, Ndtri  # noqa: F401,E402  (torch.special)
from .special import Frexp  # noqa: F401,E402
from ..autograd.function import ArrayFunction  # noqa: F401  (ops.ArrayFunction, for subclasses elsewhere)
