"""The recurrent gate rows (_rnn_gates.h) in every instruction set this CPU runs ('default',
the baseline build, and 'avx2'), forced one at a time: the same user code on miniconv and
PyTorch (LSTM, GRU, tanh RNN, forward and backward) agrees in each, and the two variants give
the same bits (neither uses FMA), for 1, 2 and 3 threads."""
import numpy as np
import pytest

import miniconv
from miniconv import _kernels as K

torch = pytest.importorskip("torch")

ISAS = K.rnn_gates_isas_supported()


@pytest.fixture
def gate_isa():
    previous = K.rnn_gates_isa()
    yield K.rnn_gates_set_isa
    K.rnn_gates_set_isa(previous)


def test_default_variant_always_runs_and_avx2_where_the_cpu_has_it():
    assert "default" in ISAS
    assert K.rnn_gates_isa() in ISAS
    assert K.rnn_gates_isa() == ISAS[-1]     # the widest at import


def test_unknown_isa_raises_and_changes_nothing(gate_isa):
    before = K.rnn_gates_isa()
    with pytest.raises(ValueError, match="unknown instruction set"):
        gate_isa("avx9000")
    assert K.rnn_gates_isa() == before
    assert gate_isa("best") == before and K.rnn_gates_isa() == ISAS[-1]


def _run(lib, kind, params, x, h0):
    mod = getattr(lib.nn, kind)(8, 16, num_layers=2, batch_first=True)
    with lib.no_grad():
        for name, p in mod.named_parameters():
            p.copy_(lib.tensor(params[name]))
    xt = lib.tensor(x, requires_grad=True)
    out, _ = mod(xt, lib.tensor(h0) if kind != "LSTM" else (lib.tensor(h0), lib.tensor(h0)))
    (out * out).sum().backward()
    grads = [np.asarray(p.grad.detach().numpy()) for _, p in mod.named_parameters()]
    return [np.asarray(out.detach().numpy()), np.asarray(xt.grad.detach().numpy())] + grads


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_each_variant_matches_pytorch_and_the_variants_agree_bit_for_bit(kind, gate_isa):
    rng = np.random.default_rng(0)
    ref = getattr(torch.nn, kind)(8, 16, num_layers=2, batch_first=True)
    params = {n: p.detach().numpy().copy() for n, p in ref.named_parameters()}
    x = rng.standard_normal((3, 5, 8)).astype(np.float32)
    h0 = rng.standard_normal((2, 3, 16)).astype(np.float32)
    theirs = _run(torch, kind, params, x, h0)
    results = {}
    for name in ISAS:
        gate_isa(name)
        assert K.rnn_gates_isa() == name
        results[name] = ours = _run(miniconv, kind, params, x, h0)
        for a, t in zip(ours, theirs):
            np.testing.assert_allclose(a, t, rtol=1e-4, atol=1e-5, err_msg=f"{kind} {name}")
    for name in ISAS:
        for a, b in zip(results[name], results["default"]):
            assert np.array_equal(a, b), f"{kind}: {name} and default differ"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gate_kernels_same_bits_for_every_variant_and_thread_count(dtype, gate_isa):
    rng = np.random.default_rng(1)
    B, H = 37, 21   # H not a multiple of 8: vector body and scalar tail
    gx, gh = (rng.standard_normal((B, 4 * H)).astype(dtype) * 3 for _ in range(2))
    c0 = rng.standard_normal((B, H)).astype(dtype)
    dh = rng.standard_normal((B, H)).astype(dtype)

    def steps(n_threads):
        c, gates = c0.copy(), np.empty((B, 4 * H), dtype)
        c_prev, tanh_c, h = (np.empty((B, H), dtype) for _ in range(3))
        K.lstm_cell_forward(gx, gh, c, gates, c_prev, tanh_c, h, n_threads)
        dc, dgates = c0.copy(), np.empty((B, 4 * H), dtype)
        K.lstm_cell_backward(gates, c_prev, tanh_c, dh, dc, dgates, n_threads)
        g3, gh3 = np.ascontiguousarray(gx[:, :3 * H]), np.ascontiguousarray(gh[:, :3 * H])
        ggates, hg = np.empty((B, 4 * H), dtype), np.empty((B, H), dtype)
        K.gru_cell_forward(g3, gh3, c0, ggates, hg, n_threads)
        dgx, dgh, dhp = np.empty((B, 3 * H), dtype), np.empty((B, 3 * H), dtype), np.empty((B, H), dtype)
        K.gru_cell_backward(ggates, c0, dh, dgx, dgh, dhp, n_threads)
        hr = np.empty((B, H), dtype)
        K.rnn_cell_forward(np.ascontiguousarray(gx[:, :H]), np.ascontiguousarray(gh[:, :H]), hr,
                           False, n_threads)
        return [c, gates, c_prev, tanh_c, h, dc, dgates, ggates, hg, dgx, dgh, dhp, hr]

    first = None
    for name in ISAS:
        gate_isa(name)
        for n_threads in (1, 2, 3):
            got = steps(n_threads)
            if first is None:
                first = got
            for a, b in zip(got, first):
                assert np.array_equal(a, b), f"{name}, {n_threads} threads"
