"""The recurrent layers' time loop in C (_kernels.rnn_layer_forward / rnn_layer_backward) gives the same bits as the
per-step Python loop it replaces (the same kernels in the same order), for LSTM, GRU and both Elman RNNs, packed
sequences of unequal lengths, both directions, float32 and float64, 1-3 threads; and PyTorch's values."""
import importlib

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")
rnn_functional = importlib.import_module("miniconv.nn.functional.rnn")


def _run(kind, dtype, bidirectional, packed, threads, c_loop, nonlinearity="tanh"):
    old_loop, old_threads = rnn_functional._C_TIME_LOOP, miniconv.get_num_threads()
    rnn_functional._C_TIME_LOOP = c_loop
    miniconv.set_num_threads(threads)
    try:
        miniconv.manual_seed(0)
        kw = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
        m = getattr(miniconv.nn, kind)(5, 7, num_layers=2, bidirectional=bidirectional, **kw).to(
            getattr(miniconv, dtype))
        rng = np.random.default_rng(1)
        x = miniconv.tensor(rng.standard_normal((6, 4, 5)).astype(dtype), requires_grad=True)
        inp = miniconv.nn.utils.rnn.pack_padded_sequence(x, [6, 5, 3, 1]) if packed else x
        out, state = m(inp)
        y = miniconv.nn.utils.rnn.pad_packed_sequence(out)[0] if packed else out
        hs = state if isinstance(state, tuple) else (state,)
        loss = (y * y).sum() + sum((s * s).sum() for s in hs)
        loss.backward()
        return [y.detach().numpy()] + [s.detach().numpy() for s in hs] + [x.grad.numpy()] + \
            [p.grad.numpy() for p in m.parameters()]
    finally:
        rnn_functional._C_TIME_LOOP = old_loop
        miniconv.set_num_threads(old_threads)


CASES = [("LSTM", "tanh"), ("GRU", "tanh"), ("RNN", "tanh"), ("RNN", "relu")]


@pytest.mark.parametrize("kind,nonlinearity", CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("bidirectional,packed", [(False, False), (True, True)])
def test_c_time_loop_same_bits_as_python_loop(kind, nonlinearity, dtype, bidirectional, packed):
    ref = _run(kind, dtype, bidirectional, packed, 1, False, nonlinearity)
    for threads in (1, 2, 3):
        got = _run(kind, dtype, bidirectional, packed, threads, True, nonlinearity)
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a, b)


def test_large_batch_uses_thread_teams_with_same_bits():
    """Steps big enough for a thread team (batch x hidden above the grain) in both loops."""
    def run(c_loop, threads):
        old_loop, old_threads = rnn_functional._C_TIME_LOOP, miniconv.get_num_threads()
        rnn_functional._C_TIME_LOOP = c_loop
        miniconv.set_num_threads(threads)
        try:
            miniconv.manual_seed(0)
            m = miniconv.nn.LSTM(16, 96)
            x = miniconv.tensor(np.random.default_rng(2).standard_normal((3, 128, 16)).astype(np.float32),
                                requires_grad=True)
            y, _ = m(x)
            y.sum().backward()
            return y.detach().numpy(), x.grad.numpy(), m.weight_hh_l0.grad.numpy()
        finally:
            rnn_functional._C_TIME_LOOP = old_loop
            miniconv.set_num_threads(old_threads)
    ref = run(False, 1)
    for threads in (1, 2):
        for a, b in zip(run(True, threads), ref):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_matches_torch(kind):
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(5, 7, num_layers=2, bidirectional=True)
    mm = getattr(miniconv.nn, kind)(5, 7, num_layers=2, bidirectional=True)
    mm.load_state_dict({k: miniconv.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((6, 4, 5)).astype(np.float32)
    res = []
    for lib, m in ((torch, tm), (miniconv, mm)):
        xt = lib.tensor(x, requires_grad=True)
        packed = lib.nn.utils.rnn.pack_padded_sequence(xt, [6, 5, 3, 1])
        out, _ = m(packed)
        y = lib.nn.utils.rnn.pad_packed_sequence(out)[0]
        (y * y).sum().backward()
        res.append((y.detach().numpy(), xt.grad.numpy(), m.weight_hh_l0.grad.numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)


def test_bad_step_ranges_raise():
    k = importlib.import_module("miniconv._kernels")
    f = np.zeros
    with pytest.raises(ValueError, match="out of range"):
        k.rnn_layer_forward(2, f((4, 3), np.float32), f((3, 3), np.float32), f(0, np.float32), f((2, 3), np.float32),
                            f((0, 0), np.float32), f((2, 3), np.float32), f((4, 3), np.float32), f((0, 0), np.float32),
                            f((0, 0), np.float32), f((0, 0), np.float32), f((4, 3), np.float32),
                            np.array([0, 3], np.intp), np.array([2, 2], np.intp), 1, 1 << 15)
    with pytest.raises(ValueError, match="gx has shape"):
        k.rnn_layer_forward(0, f((4, 3), np.float32), f((12, 3), np.float32), f(0, np.float32),
                            f((2, 3), np.float32), f((2, 3), np.float32), f((2, 12), np.float32), f((4, 3), np.float32),
                            f((4, 12), np.float32), f((4, 3), np.float32), f((4, 3), np.float32),
                            f((4, 3), np.float32), np.array([0], np.intp), np.array([2], np.intp), 1, 1 << 15)
