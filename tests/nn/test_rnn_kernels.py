"""The fused gate kernels of the recurrent layers (_rnn.pxi, _rnn_gates.h) against plain NumPy
twins, in float32 and float64, with 1 and 2 threads giving the same bits, and their shape checks."""
import numpy as np
import pytest

from miniconv import _kernels

TOL = {np.float32: dict(rtol=3e-6, atol=3e-7), np.float64: dict(rtol=1e-13, atol=1e-15)}


def sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


def tanh(x):
    return np.tanh(x.astype(np.float64))


# -- NumPy twins (float64 math, the obviously correct formulas) ------------------------------
def lstm_forward_twin(gx, gh, c):
    a = gx.astype(np.float64) + gh
    i, f, g, o = np.split(a, 4, axis=1)
    i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
    c_new = f * c + i * g
    return np.concatenate([i, f, g, o], axis=1), c_new, np.tanh(c_new), o * np.tanh(c_new)


def lstm_backward_twin(gates, c_prev, tanh_c, dh, dc):
    i, f, g, o = np.split(gates.astype(np.float64), 4, axis=1)
    dct = dc + dh * o * (1 - tanh_c ** 2)
    dgates = np.concatenate([dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dct * i * (1 - g * g),
                             dh * tanh_c * o * (1 - o)], axis=1)
    return dgates, dct * f


def gru_forward_twin(gx, gh, h_prev):
    H = h_prev.shape[1]
    r = sigmoid(gx[:, :H] + gh[:, :H])
    z = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return np.concatenate([r, z, n, gh[:, 2 * H:]], axis=1), (1 - z) * n + z * h_prev


def gru_backward_twin(gates, h_prev, dh):
    r, z, n, ghn = np.split(gates.astype(np.float64), 4, axis=1)
    dn = dh * (1 - z) * (1 - n * n)
    dz = dh * (h_prev - n) * z * (1 - z)
    dr = dn * ghn * r * (1 - r)
    return np.concatenate([dr, dz, dn], 1), np.concatenate([dr, dz, dn * r], 1), dh * z


def data(rng, shape, dtype, scale=2.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("B,H", [(1, 1), (3, 5), (8, 37), (17, 64)])
def test_lstm_kernels_match_twin(dtype, B, H):
    rng = np.random.default_rng(B * 100 + H)
    gx, gh = data(rng, (B, 4 * H), dtype), data(rng, (B, 4 * H), dtype)
    c0 = data(rng, (B, H), dtype)
    results = []
    for n_threads in (1, 2):
        c = c0.copy()
        gates, c_prev, tanh_c, h = (np.empty((B, k * H), dtype) for k in (4, 1, 1, 1))
        _kernels.lstm_cell_forward(gx, gh, c, gates, c_prev, tanh_c, h, n_threads)
        results.append((gates, c, c_prev, tanh_c, h))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)  # the same bits for any thread count
    gates, c, c_prev, tanh_c, h = results[0]
    want = lstm_forward_twin(gx, gh, c0)
    for got, ref in zip((gates, c, tanh_c, h), want):
        np.testing.assert_allclose(got, ref, **TOL[dtype])
    np.testing.assert_array_equal(c_prev, c0)
    dh, dc0 = data(rng, (B, H), dtype), data(rng, (B, H), dtype)
    outs = []
    for n_threads in (1, 2):
        dc = dc0.copy()
        dgates = np.empty((B, 4 * H), dtype)
        _kernels.lstm_cell_backward(gates, c_prev, tanh_c, dh, dc, dgates, n_threads)
        outs.append((dgates, dc))
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    ref_dgates, ref_dc = lstm_backward_twin(gates, c_prev.astype(np.float64), tanh_c.astype(np.float64), dh, dc0)
    np.testing.assert_allclose(outs[0][0], ref_dgates, **TOL[dtype])
    np.testing.assert_allclose(outs[0][1], ref_dc, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("B,H", [(1, 1), (4, 9), (16, 70)])
def test_gru_kernels_match_twin(dtype, B, H):
    rng = np.random.default_rng(B + H)
    gx, gh, h_prev = data(rng, (B, 3 * H), dtype), data(rng, (B, 3 * H), dtype), data(rng, (B, H), dtype)
    gates, h = np.empty((B, 4 * H), dtype), np.empty((B, H), dtype)
    _kernels.gru_cell_forward(gx, gh, h_prev, gates, h, 2)
    ref_gates, ref_h = gru_forward_twin(gx, gh, h_prev)
    np.testing.assert_allclose(gates, ref_gates, **TOL[dtype])
    np.testing.assert_allclose(h, ref_h, **TOL[dtype])
    dh = data(rng, (B, H), dtype)
    dgx, dgh, dhp = np.empty((B, 3 * H), dtype), np.empty((B, 3 * H), dtype), np.empty((B, H), dtype)
    _kernels.gru_cell_backward(gates, h_prev, dh, dgx, dgh, dhp, 2)
    for got, ref in zip((dgx, dgh, dhp), gru_backward_twin(gates, h_prev, dh)):
        np.testing.assert_allclose(got, ref, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("relu", [False, True])
def test_rnn_kernels_match_twin(dtype, relu):
    rng = np.random.default_rng(7)
    B, H = 6, 33
    gx, gh = data(rng, (B, H), dtype), data(rng, (B, H), dtype)
    h = np.empty((B, H), dtype)
    _kernels.rnn_cell_forward(gx, gh, h, relu, 2)
    pre = gx.astype(np.float64) + gh
    ref = np.maximum(pre, 0) if relu else np.tanh(pre)
    np.testing.assert_allclose(h, ref, **TOL[dtype])
    dh = data(rng, (B, H), dtype)
    dg = np.empty((B, H), dtype)
    _kernels.rnn_cell_backward(h, dh, dg, relu, 2)
    ref = np.where(h > 0, dh, 0) if relu else dh * (1 - h.astype(np.float64) ** 2)
    np.testing.assert_allclose(dg, ref, **TOL[dtype])


def test_float32_gate_math_over_the_whole_range():
    """The inlined float32 exp/tanh: every pre-activation from -200 to 200 (saturating both ends),
    and NaN and inf as libm's."""
    x = np.concatenate([np.linspace(-200, 200, 400001), [0.0, -0.0, 1e-30, -1e-30, np.inf, -np.inf, np.nan]])
    x = x.astype(np.float32)
    n = x.size
    B, H = 1, n
    zeros = np.zeros((B, 4 * H), np.float32)
    gx = np.tile(x, 4)[None]
    c = np.zeros((B, H), np.float32)
    gates, c_prev, tanh_c, h = (np.empty((B, k * H), np.float32) for k in (4, 1, 1, 1))
    _kernels.lstm_cell_forward(gx, zeros, c, gates, c_prev, tanh_c, h, 1)
    with np.errstate(over="ignore"):
        ref_sig = 1 / (1 + np.exp(-x.astype(np.float64)))
    ref_tanh = np.tanh(x.astype(np.float64))
    np.testing.assert_allclose(gates[0, :H], ref_sig, rtol=3e-7, atol=1e-37)
    np.testing.assert_allclose(gates[0, 2 * H:3 * H], ref_tanh, rtol=3e-7, atol=0)
    assert np.isnan(gates[0, H - 1]) and np.isnan(gates[0, 3 * H - 1])
    np.testing.assert_allclose(tanh_c[0, :-1], np.tanh(c[0, :-1].astype(np.float64)), rtol=3e-7, atol=0)


@pytest.mark.parametrize("call", [
    lambda f: _kernels.lstm_cell_forward(f((2, 8)), f((2, 8)), f((2, 2)), f((2, 8)), f((2, 2)), f((2, 2)), f((3, 2)), 1),
    lambda f: _kernels.lstm_cell_forward(f((2, 7)), f((2, 8)), f((2, 2)), f((2, 8)), f((2, 2)), f((2, 2)), f((2, 2)), 1),
    lambda f: _kernels.lstm_cell_backward(f((2, 8)), f((2, 2)), f((2, 2)), f((1, 2)), f((2, 2)), f((2, 8)), 1),
    lambda f: _kernels.gru_cell_forward(f((2, 6)), f((2, 6)), f((2, 2)), f((2, 6)), f((2, 2)), 1),
    lambda f: _kernels.gru_cell_backward(f((2, 8)), f((2, 2)), f((2, 2)), f((2, 6)), f((2, 6)), f((2, 3)), 1),
    lambda f: _kernels.rnn_cell_forward(f((2, 3)), f((2, 2)), f((2, 3)), False, 1),
    lambda f: _kernels.rnn_cell_backward(f((2, 3)), f((2, 3)), f((3, 3)), True, 1),
])
def test_kernels_check_shapes_before_reading(call):
    with pytest.raises(ValueError, match="has shape"):
        call(lambda shape: np.zeros(shape, np.float32))


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
def test_layer_results_do_not_depend_on_thread_count(cls_name):
    import miniconv

    kwargs = dict(proj_size=16) if cls_name == "LSTM" else {}
    module = getattr(miniconv.nn, cls_name)(40, 300, num_layers=2, bidirectional=True, **kwargs)
    x0 = np.random.default_rng(0).standard_normal((5, 70, 40)).astype(np.float32)
    before = miniconv.get_num_threads()
    results = []
    try:
        for n in (1, 2):
            miniconv.set_num_threads(n)
            module.zero_grad()
            x = miniconv.tensor(x0, requires_grad=True)
            out, _ = module(x)
            (out * out).sum().backward()
            results.append([out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy() for p in module.parameters()])
    finally:
        miniconv.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_in_place_change_of_a_saved_input_raises_at_backward():
    import miniconv

    lstm = miniconv.nn.LSTM(3, 4)
    x = miniconv.randn(5, 2, 3, requires_grad=True)
    y = x * 2
    out, _ = lstm(y)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
