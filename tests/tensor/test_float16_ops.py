"""float16 ops against PyTorch 2.13's CPU: the same code on both libraries, results compared bit for bit.

PyTorch's CPU kernels for Half compute each op in float32 and round the result once (reductions accumulate in
float32); miniconv does the same, so elementwise ops, reductions and the float16 paths through float32 kernels
(matmul, linear, conv2d, pooling, batch/layer norm, losses) give PyTorch's bits. ``ulp`` is the largest distance
(in float16 units in the last place) a case allows: 0 for single-rounding ops; 1 where the float32 inputs of the
final rounding differ in their last bits (a float32 exp or an accumulation order differs from PyTorch's
vectorised one) and so, rarely, round to neighbouring float16 values. A float ``ulp`` is a tolerance relative
to the largest value instead, for gradients that cancel (a value much smaller than the terms summed into it
carries their rounding differences).
"""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
A = (rng.standard_normal((3, 4)) * 2).astype(np.float16)
B = (rng.standard_normal((3, 4)) * 2).astype(np.float16)
P = np.abs(A) + np.float16(0.5)
M = rng.standard_normal((4, 5)).astype(np.float16)
BIG = (rng.standard_normal((64, 33)) * 3).astype(np.float16)
IMG = rng.standard_normal((2, 3, 6, 6)).astype(np.float16)
W = (rng.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float16)
BIAS = rng.standard_normal(4).astype(np.float16)
TARGET = [0, 3, 1]


def T(L, a, requires_grad=False):  # noqa: N802
    return L.tensor(np.array(a), requires_grad=requires_grad)


def F(L):  # noqa: N802
    return L.nn.functional


# name -> (fn(lib), ulp)
CASES = {
    # arithmetic: float32 then one rounding (exact)
    "add": (lambda L: T(L, A) + T(L, B), 0), "sub": (lambda L: T(L, A) - T(L, B), 0),
    "mul": (lambda L: T(L, A) * T(L, B), 0), "div": (lambda L: T(L, A) / T(L, B), 0),
    "add_number": (lambda L: T(L, A) + 0.1, 0), "sub_number": (lambda L: T(L, A) - 0.3, 0),
    "rsub_number": (lambda L: 0.3 - T(L, A), 0), "mul_number": (lambda L: T(L, A) * 0.3, 0),
    "div_number": (lambda L: T(L, A) / 7.7, 0), "rdiv_number": (lambda L: 0.3 / T(L, A), 0),
    "mul_int": (lambda L: T(L, A) * 3, 0), "mul_method": (lambda L: T(L, A).mul(0.1), 0),
    "div_torch_fn": (lambda L: L.div(T(L, A), 0.7), 0), "pow_int": (lambda L: T(L, A) ** 2, 0),
    "pow_float": (lambda L: T(L, P) ** 1.7, 0), "pow_tensor": (lambda L: T(L, P) ** T(L, B), 0),
    "neg": (lambda L: -T(L, A), 0), "abs": (lambda L: T(L, A).abs(), 0),
    "clamp": (lambda L: T(L, A).clamp(-1.1, 0.7), 0), "floor": (lambda L: T(L, A).floor(), 0),
    "round": (lambda L: T(L, A).round(), 0), "sign": (lambda L: T(L, A).sign(), 0),
    "where": (lambda L: L.where(T(L, A) > 0, T(L, A), 0.0), 0), "maximum": (lambda L: L.maximum(T(L, A), T(L, B)), 0),
    "inplace_mul": (lambda L: T(L, A).mul_(0.3).add_(T(L, B)).div_(3.0), 0),
    # type promotion
    "promote_f32": (lambda L: T(L, A) + T(L, B).float(), 0), "promote_f64_0d": (lambda L: T(L, A) + L.tensor(0.1, dtype=L.float64), 0),
    "promote_int": (lambda L: T(L, A) + L.arange(4), 0), "promote_int_0d": (lambda L: L.tensor(3) * T(L, A), 0),
    "promote_bool": (lambda L: T(L, A) * (T(L, B) > 0), 0), "compare_number": (lambda L: T(L, A) > 0.5, 0),
    "eq": (lambda L: T(L, A) == T(L, B), 0),
    # unary math: float32 function, one rounding
    "exp": (lambda L: T(L, A).exp(), 0), "log": (lambda L: T(L, P).log(), 0), "sqrt": (lambda L: T(L, P).sqrt(), 0),
    "rsqrt": (lambda L: T(L, P).rsqrt(), 0), "sin": (lambda L: T(L, A).sin(), 0), "cos": (lambda L: T(L, A).cos(), 0),
    "tanh": (lambda L: T(L, A).tanh(), 0), "sigmoid": (lambda L: T(L, A).sigmoid(), 0),
    "reciprocal": (lambda L: T(L, A).reciprocal(), 0), "log1p": (lambda L: T(L, P).log1p(), 0),
    "expm1": (lambda L: T(L, A).expm1(), 0), "erf": (lambda L: L.erf(T(L, A)), 0),
    # activations
    "relu": (lambda L: F(L).relu(T(L, A)), 0), "relu_inplace": (lambda L: F(L).relu(T(L, A), inplace=True), 0),
    "gelu": (lambda L: F(L).gelu(T(L, A)), 0), "gelu_tanh": (lambda L: F(L).gelu(T(L, A), approximate="tanh"), 1),
    "silu": (lambda L: F(L).silu(T(L, A)), 0), "softplus": (lambda L: F(L).softplus(T(L, A)), 0),
    "leaky_relu": (lambda L: F(L).leaky_relu(T(L, A), 0.1), 0), "elu": (lambda L: F(L).elu(T(L, A)), 0),
    "hardtanh": (lambda L: F(L).hardtanh(T(L, A)), 0), "logsigmoid": (lambda L: F(L).logsigmoid(T(L, A)), 0),
    # PyTorch's float16 softmax over another dim than the last rounds exp to float16 before dividing, its last-dim
    # log_softmax rounds the sum of exps to float16 (miniconv does both); its vectorised exp differs in the last
    # float32 bits from NumPy's: 1 ulp
    "softmax": (lambda L: T(L, A).softmax(1), 0), "softmax_dim0": (lambda L: T(L, BIG).softmax(0), 1),
    "softmax_4d": (lambda L: T(L, IMG).softmax(1), 1), "log_softmax_dim0": (lambda L: T(L, BIG).log_softmax(0), 0),
    "log_softmax": (lambda L: T(L, BIG).log_softmax(1), 1),
    # reductions: accumulated in float32, rounded once
    "sum": (lambda L: T(L, BIG).sum(), 0), "sum_dim0": (lambda L: T(L, BIG).sum(0), 0), "sum_dim1": (lambda L: T(L, BIG).sum(1), 0),
    "mean": (lambda L: T(L, BIG).mean(), 0), "mean_dim": (lambda L: T(L, BIG).mean(0), 0),
    "var": (lambda L: T(L, BIG).var(), 0), "std_dim": (lambda L: T(L, BIG).std(1), 0),
    "norm": (lambda L: T(L, BIG).norm(), 0), "cumsum": (lambda L: T(L, BIG).cumsum(0), 0),
    "max": (lambda L: T(L, A).max(), 0), "max_dim": (lambda L: T(L, A).max(1), 0), "argmax": (lambda L: T(L, A).argmax(), 0),
    "amax": (lambda L: T(L, A).amax(1), 0), "sort": (lambda L: T(L, A).sort(1), 0), "topk": (lambda L: T(L, A).topk(2), 0),
    "logsumexp": (lambda L: T(L, A).logsumexp(1), 0), "median": (lambda L: T(L, A).median(), 0),
    # matrix products: float32 products and sums, one rounding
    "matmul": (lambda L: T(L, A) @ T(L, M), 0), "mm": (lambda L: L.mm(T(L, A), T(L, M)), 0),
    "bmm": (lambda L: L.bmm(T(L, A)[None], T(L, M)[None]), 0), "mv": (lambda L: L.mv(T(L, A), T(L, B)[0]), 0),
    "dot": (lambda L: L.dot(T(L, A)[0], T(L, B)[0]), 0), "matrix_power": (lambda L: L.linalg.matrix_power(T(L, A[:, :3]), 3), 1), "einsum": (lambda L: L.einsum("ij,jk->ik", T(L, A), T(L, M)), 0),
    "linear": (lambda L: F(L).linear(T(L, A), T(L, M.T), T(L, M[0])), 0),
    "linear_big": (lambda L: F(L).linear(T(L, BIG), T(L, BIG[:7])), 1),
    # kernels through float32
    "conv2d": (lambda L: F(L).conv2d(T(L, IMG), T(L, W), T(L, BIAS), padding=1), 1),
    "conv1d": (lambda L: F(L).conv1d(T(L, IMG[:, :, 0]), T(L, W[:, :, 0]), stride=2), 1),
    "max_pool2d": (lambda L: F(L).max_pool2d(T(L, IMG), 2), 0), "avg_pool2d": (lambda L: F(L).avg_pool2d(T(L, IMG), 2), 0),
    "adaptive_avg_pool2d": (lambda L: F(L).adaptive_avg_pool2d(T(L, IMG), 1), 0),
    "batch_norm_train": (lambda L: F(L).batch_norm(T(L, IMG), None, None, training=True), 0),
    "batch_norm_eval": (lambda L: F(L).batch_norm(T(L, IMG), T(L, BIAS[:3]), T(L, P[0, :3]), training=False), 0),
    "layer_norm": (lambda L: F(L).layer_norm(T(L, A), (4,), T(L, B[0]), T(L, B[1])), 0),
    "group_norm": (lambda L: F(L).group_norm(T(L, IMG), 3), 0),
    "instance_norm": (lambda L: F(L).instance_norm(T(L, IMG)), 0),
    # losses
    "mse": (lambda L: F(L).mse_loss(T(L, A), T(L, B)), 0), "l1": (lambda L: F(L).l1_loss(T(L, A), T(L, B)), 0),
    "cross_entropy": (lambda L: F(L).cross_entropy(T(L, A), L.tensor(TARGET)), 1),
    "nll": (lambda L: F(L).nll_loss(T(L, A), L.tensor(TARGET)), 0),
    "bce": (lambda L: F(L).binary_cross_entropy(T(L, A).sigmoid(), T(L, B).sigmoid()), 0),
    "bce_logits": (lambda L: F(L).binary_cross_entropy_with_logits(T(L, A), T(L, B).sigmoid()), 0),
    # fused kernels in PyTorch, compositions in miniconv: computed in float32, rounded once
    "addcmul": (lambda L: L.addcmul(T(L, A), T(L, B), T(L, B), value=0.5), 0),
    "addcdiv": (lambda L: L.addcdiv(T(L, A), T(L, B), T(L, P), value=0.3), 0),
    "lerp": (lambda L: L.lerp(T(L, A), T(L, B), 0.3), 0),
    # PyTorch's vectorised add with alpha rounds alpha to float16 (so does miniconv); its scalar loop over the last
    # len % 32 elements rounds differently: 1 ulp there
    "add_alpha": (lambda L: L.add(T(L, BIG), T(L, BIG[::-1]), alpha=0.3), 1),
    "sub_alpha": (lambda L: L.sub(T(L, A), T(L, B), alpha=0.7), 2),  # (a cancellation: 0.042 from terms near 3)
    "inplace_alpha": (lambda L: T(L, A).add_(T(L, B), alpha=0.3).sub_(T(L, P), alpha=1.7), 1),
    "add_alpha_vector_body": (lambda L: L.add(T(L, BIG[:32]), T(L, BIG[32:]), alpha=0.3), 0),
    "addmm": (lambda L: L.addmm(T(L, B[:, :1]), T(L, A), T(L, A.T), beta=0.5, alpha=0.7), 0),
    "baddbmm": (lambda L: L.baddbmm(T(L, B[None, :, :3]), T(L, A)[None], T(L, A.T)[None]), 0),
    "mul_0d_float32": (lambda L: T(L, A) * L.tensor(0.3), 0),
    "div_0d_float64": (lambda L: T(L, A) / L.tensor(0.3, dtype=L.float64), 0),
    "0d_float32_times": (lambda L: L.tensor(0.3) * T(L, A), 0),
    # shape and indexing ops keep the values
    "cat": (lambda L: L.cat([T(L, A), T(L, B)]), 0), "cat_mixed": (lambda L: L.cat([T(L, A), T(L, B).float()]), 0),
    "stack": (lambda L: L.stack([T(L, A), T(L, B)]), 0), "index": (lambda L: T(L, A)[[0, 2]], 0),
    "pad": (lambda L: F(L).pad(T(L, A), (1, 1)), 0), "embedding": (lambda L: F(L).embedding(L.tensor([0, 2]), T(L, A)), 0),
    "interpolate": (lambda L: F(L).interpolate(T(L, IMG), scale_factor=2), 0),
    "dropout_eval": (lambda L: F(L).dropout(T(L, A), training=False), 0),
    "bincount_half_weights": (lambda L: L.bincount(L.tensor([0, 1, 1]), T(L, A[0, :3])), 0),  # float64, as PyTorch
}


def _ulps(x, y):
    """Largest distance of two float16 arrays in units in the last place (same-signed ordering of the bits)."""
    def key(a):
        i = a.view(np.int16).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFF), i)
    both_nan = np.isnan(x) & np.isnan(y)
    d = np.abs(key(x) - key(y))
    return int(np.max(np.where(both_nan, 0, d), initial=0))


def _flat(v):
    if isinstance(v, (list, tuple)):
        return [y for x in v for y in _flat(x)]
    return [v]


def assert_same_half(m, t, ulp):
    ms, ts = _flat(m), _flat(t)
    assert len(ms) == len(ts)
    for a, b in zip(ms, ts):
        if not isinstance(b, torch.Tensor):
            assert a == b
            continue
        assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1], (a.dtype, b.dtype)
        assert tuple(a.shape) == tuple(b.shape)
        x, y = a.detach().numpy(), b.detach().numpy()
        if x.dtype == np.float16 and isinstance(ulp, float):  # a tolerance relative to the largest value
            np.testing.assert_allclose(x.astype(np.float32), y.astype(np.float32), rtol=0,
                                       atol=ulp * float(np.abs(y.astype(np.float32)).max(initial=0)))
        elif x.dtype == np.float16:
            assert _ulps(x, y) <= ulp, (x, y)
        else:
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_pytorch(name):
    fn, ulp = CASES[name]
    assert_same_half(fn(miniconv), fn(torch), ulp)


# -- gradients: float16 leaves get float16 gradients, PyTorch's values -----------------------------------
GRAD_CASES = {
    "mul": (lambda L, a, b: a * b, [A, B], 0), "div_number": (lambda L, a: a / 7.7, [A], 0),
    "rdiv_number": (lambda L, a: 3.0 / a, [A], 0), "exp": (lambda L, a: a.exp(), [A], 0),
    "tanh": (lambda L, a: a.tanh(), [A], 0), "sigmoid": (lambda L, a: a.sigmoid(), [A], 1),
    "relu": (lambda L, a: a.relu(), [A], 0), "pow": (lambda L, a: a.abs() ** 1.5, [A], 1),
    "sum": (lambda L, a: a.sum(), [BIG], 0), "mean": (lambda L, a: a.mean(1), [BIG], 0),
    "cumsum": (lambda L, a: a.cumsum(0), [BIG], 0), "softmax": (lambda L, a: a.softmax(1), [A], 1),
    "matmul": (lambda L, a, b: a @ b, [A, M], 0), "linear": (lambda L, x, w, b: F(L).linear(x, w, b), [A, M.T, M[0]], 0),
    "conv2d": (lambda L, x, w, b: F(L).conv2d(x, w, b, padding=1), [IMG, W, BIAS], 2e-3),
    "max_pool2d": (lambda L, a: F(L).max_pool2d(a, 2), [IMG], 0), "avg_pool2d": (lambda L, a: F(L).avg_pool2d(a, 2), [IMG], 0),
    "batch_norm": (lambda L, a: F(L).batch_norm(a, None, None, training=True), [IMG], 2),
    "layer_norm": (lambda L, a, w, b: F(L).layer_norm(a, (4,), w, b), [A, B[0], B[1]], 2e-3),
    "cross_entropy": (lambda L, a: F(L).cross_entropy(a, L.tensor(TARGET)), [A], 2e-3),
    "mse": (lambda L, a, b: F(L).mse_loss(a, b), [A, B], 0), "gelu": (lambda L, a: F(L).gelu(a), [A], 1),
    "elu": (lambda L, a: F(L).elu(a), [A], 1), "mixed_f32": (lambda L, a: a * L.ones(4), [A], 0),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradient_matches_pytorch(name):
    fn, args, ulp = GRAD_CASES[name]

    def run(L):
        leaves = [T(L, a, requires_grad=True) for a in args]
        out = fn(L, *leaves)
        g = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(out.detach().numpy().dtype)
        out.backward(L.tensor(g))
        return [out] + [t.grad for t in leaves]

    m, t = run(miniconv), run(torch)
    for leaf in m[1:]:
        assert leaf.dtype == miniconv.float16
    assert_same_half(m, t, ulp)


def test_grad_fn_names_match_pytorch():
    for L in (miniconv, torch):
        x = T(L, A, requires_grad=True)
        names = [y.grad_fn.name() for y in (x * 0.5, x / 3.0, 2.0 / x, F(L).relu(x), x @ T(L, M), x.sum(),
                                             F(L).conv2d(T(L, IMG, True), T(L, W)))]
        if L is miniconv:
            mine = names
    assert mine == names


def test_model_half_trains_as_pytorch():
    """``model.half()``, a forward, a loss and an SGD step: the same parameters (float16) as PyTorch's."""
    def run(L):
        L.manual_seed(0)
        model = L.nn.Sequential(L.nn.Conv2d(3, 4, 3), L.nn.BatchNorm2d(4), L.nn.ReLU(), L.nn.Flatten(),
                                L.nn.Linear(64, 3))
        state = {k: L.tensor(v.copy()) for k, v in _STATE.items()}
        model.load_state_dict(state)
        model.half()
        opt = L.optim.SGD(model.parameters(), lr=0.1)
        loss = F(L).cross_entropy(model(T(L, IMG)), L.tensor([0, 2]))
        loss.backward()
        opt.step()
        return [loss, model[1].running_mean, model[1].running_var] + list(model.parameters())

    m, t = run(miniconv), run(torch)
    assert all(p.dtype == miniconv.float16 for p in m)
    assert_same_half(m, t, 2e-3)


_r = np.random.default_rng(2)
_STATE = {"0.weight": (_r.standard_normal((4, 3, 3, 3)) * 0.3).astype(np.float32), "0.bias": np.full(4, 0.5, np.float32),
          "1.weight": np.ones(4, np.float32), "1.bias": np.zeros(4, np.float32),
          "1.running_mean": np.zeros(4, np.float32), "1.running_var": np.ones(4, np.float32),
          "1.num_batches_tracked": np.array(0), "4.weight": (_r.standard_normal((3, 64)) * 0.1).astype(np.float32),
          "4.bias": np.zeros(3, np.float32)}


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers_run_in_half(mode):
    """PyTorch rounds every time step's gates and state to float16; miniconv's time loop runs in float32 and
    rounds its outputs: the values agree to float16's precision, dtypes exactly."""
    def run(L):
        m = getattr(L.nn, mode)(4, 3, num_layers=2)
        m.load_state_dict({k: L.tensor(np.random.default_rng(i).standard_normal(tuple(v.shape)).astype(np.float32) / 2)
                           for i, (k, v) in enumerate(m.state_dict().items())})
        m.half()
        x = T(L, np.concatenate([A, A[::-1]])[:, None].repeat(2, 1), requires_grad=True)
        y, h = m(x)
        y.backward(L.ones_like(y))
        return [y, h[0] if mode == "LSTM" else h, x.grad, m.weight_hh_l0.grad]

    assert_same_half(run(miniconv), run(torch), 3e-3)


@pytest.mark.parametrize("name, ulp", [("SGD", 0), ("Adam", 1), ("AdamW", 1)])
def test_optimizers_update_half_parameters_as_pytorch(name, ulp):
    """PyTorch's Adam rounds each of its steps' tensor ops to float16 (lerp, addcmul, sqrt, addcdiv); miniconv's
    update order differs slightly: within 1 ulp after three steps."""
    def run(L):
        p = L.nn.Parameter(T(L, A))
        opt = getattr(L.optim, name)([p], lr=0.01, weight_decay=0.01)
        for _ in range(3):
            opt.zero_grad()
            (p * T(L, B)).sum().backward()
            opt.step()
        return [p]

    assert_same_half(run(miniconv), run(torch), ulp)


# -- what PyTorch refuses for Half on the CPU --------------------------------------------------------------
REFUSED = {
    "inv": lambda L: L.linalg.inv(T(L, A[:, :3])),
    "det": lambda L: L.det(T(L, A[:, :3])),
    "slogdet": lambda L: L.linalg.slogdet(T(L, A[:, :3])),
    "solve": lambda L: L.linalg.solve(T(L, A[:, :3]), T(L, A[:, :3])),
    "cholesky": lambda L: L.linalg.cholesky(T(L, A[:, :3])),
    "svd": lambda L: L.linalg.svd(T(L, A[:, :3])),
    "qr": lambda L: L.linalg.qr(T(L, A[:, :3])),
    "eigh": lambda L: L.linalg.eigh(T(L, A[:, :3])),
    "quantile": lambda L: L.quantile(T(L, A), 0.5),
    "inv_ex": lambda L: L.linalg.inv_ex(T(L, A[:, :3])),
    "logdet": lambda L: T(L, A[:, :3]).logdet(),
    "lu_factor": lambda L: L.linalg.lu_factor(T(L, A[:, :3])),
    "solve_triangular": lambda L: L.linalg.solve_triangular(T(L, A[:, :3]), T(L, A[:, :3]), upper=True),
    "eigvalsh": lambda L: L.linalg.eigvalsh(T(L, A[:, :3])),
    "svdvals": lambda L: L.linalg.svdvals(T(L, A[:, :3])),
    "cond": lambda L: L.linalg.cond(T(L, A[:, :3])),
    "lstsq": lambda L: L.linalg.lstsq(T(L, A[:, :3]), T(L, A[:, :3])),
    "matrix_rank": lambda L: L.linalg.matrix_rank(T(L, A[:, :3])),
    "tensorinv": lambda L: L.linalg.tensorinv(T(L, A[:, :3]), 1),
    "avg_pool3d": lambda L: F(L).avg_pool3d(T(L, IMG)[None], 2),
    "ctc_loss": lambda L: F(L).ctc_loss(T(L, IMG[0, :, :, :4]).reshape(6, 3, 4).log_softmax(2), L.tensor([[1], [2], [1]]),
                                        L.tensor([6, 6, 6]), L.tensor([1, 1, 1])),
    "multi_margin_loss": lambda L: F(L).multi_margin_loss(T(L, A), L.tensor(TARGET)),
    "cdist": lambda L: L.cdist(T(L, A), T(L, B)),
    "pdist": lambda L: F(L).pdist(T(L, A)),
    "ndtri": lambda L: L.special.ndtri(T(L, A).sigmoid()),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_pytorch_refuses_for_half_is_refused_alike(name):
    fn = REFUSED[name]
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as mine:
        fn(miniconv)
    assert str(mine.value) == str(theirs.value)
