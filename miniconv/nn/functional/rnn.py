"""Recurrent layers: the math behind nn.RNN / nn.LSTM / nn.GRU and their cells.

One autograd node (:class:`_RecurrentLayer`) runs one layer in one direction over a whole
sequence; :func:`rnn` stacks layers and directions as PyTorch's ``_VF.lstm`` / ``_VF.gru`` /
``_VF.rnn_tanh`` do, and :func:`rnn_cell` is one step of a cell.

# Notes:
# - Sequences are always handled in the packed layout of ``PackedSequence``: ``data`` holds the
#   rows of step 0, then those of step 1, ..., and ``batch_sizes[t]`` rows are active at step t
#   (non-increasing, the longest sequences first). A padded (T, B, *) input is the special case
#   ``batch_sizes = [B] * T``, read as (T * B, *) without a copy.
# - The state arrays keep one row per sequence. Step t reads and writes only their first
#   ``batch_sizes[t]`` rows, so a sequence that ended keeps its last state (its h_n), and in the
#   reverse direction a sequence starts from h0 at its own last step, with no masks.
# - The input projection of all steps is one GEMM before the loop; each step is one GEMM with
#   W_hh (rnn_matmul into a preallocated block) and one fused gate kernel (_rnn.pxi). Backward
#   keeps the gate gradients of every step, so the weight gradients are one GEMM each after the
#   loop; the loop itself does one GEMM per step.
"""
import numpy as np

from ... import _kernels
from ..._config import GRAIN_SIZE, blas_single_thread, get_num_threads, threads_for
from ...autograd import ArrayFunction
from ...autograd.composite import recomputed_backward
from ...creation import cat, stack
from ...dtypes import computes_half_in_float32
from .dropout import dropout as _dropout

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_MODES = {"LSTM": 0, "GRU": 1, "RNN_TANH": 2, "RNN_RELU": 3}

# The time loop runs in C (_kernels.rnn_layer_forward / rnn_layer_backward, _rnn_layer.pxi): the same
# kernels in the same order as the per-step Python loop below, so the same bits, without ~10 us of
# Python per step. LSTM with projections (proj_size) keeps the Python loop. Tests set this False to
# compare the two.
_C_TIME_LOOP = True


def _mm(a, b, out, trans_b):
    """out = a @ op(b) for C-contiguous 2-D arrays, in miniconv's GEMM (the caller holds blas_single_thread).
    No more threads than rnn_matmul has blocks (blocks of >= 256 along out's longer side, at most 8):
    an idle thread in a team still costs a join per step, and a lot more on a busy machine."""
    m, n = out.shape
    blocks = min((max(m, n) + 255) // 256, 8)
    _kernels.rnn_matmul(a, b, out, trans_b, min(threads_for(m * n * a.shape[1]), blocks))


def _gate_threads(rows, hidden):
    """Threads for one step's gate kernel: a team only from 8192 elements (~50 us of gate math on
    one thread) up, as the kernel runs once per time step."""
    return threads_for(rows * hidden * 4)


def _steps(batch_sizes, reverse):
    """(row offset, active rows) of every step, in the order the direction visits them."""
    if len(batch_sizes) == 1:  # a cell's step (rnn_cell): without the cumsum
        return [(0, int(batch_sizes[0]))]
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    steps = list(zip(offsets.tolist(), batch_sizes.tolist()))
    return steps[::-1] if reverse else steps


def _step_arrays(steps):
    """The steps as the C time loop takes them: (offsets, sizes), np.intp."""
    if len(steps) == 1:  # a cell's step
        return np.array([steps[0][0]], dtype=np.intp), np.array([steps[0][1]], dtype=np.intp)
    arr = np.array(steps, dtype=np.intp).reshape(-1, 2)
    return np.ascontiguousarray(arr[:, 0]), np.ascontiguousarray(arr[:, 1])


def _empty2(dtype):
    return np.empty((0, 0), dtype=dtype)


@computes_half_in_float32
class _RecurrentLayer(ArrayFunction):
    """One layer, one direction over a packed sequence.

    x (N, I) packed rows, h0 (B, P), c0 (B, H) for LSTM (else None), w_ih (G*H, I), w_hh (G*H, P),
    b_ih, b_hh (G*H,) or None, w_hr (P, H) or None (LSTM projections; else P = H).
    Returns y (N, P), h_n (B, P) and, for LSTM, c_n (B, H).
    """

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, batch_sizes, reverse):
        asc = np.ascontiguousarray
        x, h0, w_ih, w_hh = asc(x), asc(h0), asc(w_ih), asc(w_hh)
        w_hr = None if w_hr is None else np.ascontiguousarray(w_hr)
        n_rows, dtype = x.shape[0], x.dtype
        batch, out_size = h0.shape
        hidden = w_hh.shape[0] // _GATES[mode]
        steps = _steps(batch_sizes, reverse)
        gx = np.empty((n_rows, w_ih.shape[0]), dtype=dtype)
        with blas_single_thread():
            _mm(x, w_ih, gx, True)  # the input projection of every step: one GEMM
        if b_ih is not None:
            gx += b_ih if mode == "GRU" else b_ih + b_hh  # GRU's b_hh stays with h @ W_hh^T (inside r * (...))
        y = np.empty((n_rows, out_size), dtype=dtype)
        h = h0.copy()
        h_prev_all = np.empty((n_rows, out_size), dtype=dtype)
        gh = np.empty((batch, w_hh.shape[0]), dtype=dtype)
        n_gates = 4 if mode in ("LSTM", "GRU") else 0
        gates = np.empty((n_rows, n_gates * hidden), dtype=dtype)
        if mode == "LSTM":
            c = np.ascontiguousarray(c0).copy()
            c_prev_all = np.empty((n_rows, hidden), dtype=dtype)
            tanh_c_all = np.empty((n_rows, hidden), dtype=dtype)
            h_pre_all = np.empty((n_rows, hidden), dtype=dtype) if w_hr is not None else None
        relu = mode == "RNN_RELU"
        if _C_TIME_LOOP and w_hr is None:
            offsets, sizes = _step_arrays(steps)
            empty = _empty2(dtype)
            lstm = mode == "LSTM"
            b_hh_arr = (np.ascontiguousarray(b_hh) if mode == "GRU" and b_hh is not None
                        else np.empty(0, dtype=dtype))
            with blas_single_thread():
                _kernels.rnn_layer_forward(_MODES[mode], gx, w_hh, b_hh_arr, h, c if lstm else empty, gh, h_prev_all,
                                           gates if n_gates else empty, c_prev_all if lstm else empty,
                                           tanh_c_all if lstm else empty, y, offsets, sizes, get_num_threads(),
                                           GRAIN_SIZE)
        with blas_single_thread():
            for s, b in (() if _C_TIME_LOOP and w_hr is None else steps):  # the C loop did them
                if b == 0:
                    continue
                rows = slice(s, s + b)
                hp = h_prev_all[rows]
                hp[...] = h[:b]
                ghb = gh[:b]
                _mm(hp, w_hh, ghb, True)
                n_threads = _gate_threads(b, hidden)
                if mode == "LSTM":
                    h_out = y[rows] if w_hr is None else h_pre_all[rows]
                    _kernels.lstm_cell_forward(gx[rows], ghb, c[:b], gates[rows], c_prev_all[rows], tanh_c_all[rows],
                                               h_out, n_threads)
                    if w_hr is not None:
                        _mm(h_out, w_hr, y[rows], True)
                elif mode == "GRU":
                    if b_hh is not None:
                        ghb += b_hh
                    _kernels.gru_cell_forward(gx[rows], ghb, hp, gates[rows], y[rows], n_threads)
                else:
                    _kernels.rnn_cell_forward(gx[rows], ghb, y[rows], relu, n_threads)
                h[:b] = y[rows]
        ctx.save_for_backward(x, w_ih, w_hh, w_hr, y if mode in ("RNN_TANH", "RNN_RELU") else None)
        ctx.mode, ctx.steps, ctx.has_bias, ctx.batch = mode, steps, b_ih is not None, batch
        # for create_graph=True (backward_graph): the small inputs backward does not keep, as they were
        # (not when nothing is recorded: the node goes with this call)
        if True in ctx.needs_input_grad:
            ctx.small_inputs = tuple(None if a is None else np.array(a) for a in (h0, c0, b_ih, b_hh))
        ctx.plan = (batch_sizes, reverse)
        ctx.h_prev_all, ctx.gates = h_prev_all, gates
        if mode == "LSTM":
            ctx.c_prev_all, ctx.tanh_c_all, ctx.h_pre_all = c_prev_all, tanh_c_all, h_pre_all
            return y, h, c
        return y, h

    @staticmethod
    def backward(ctx, dy, dh_n, dc_n=None):
        x, w_ih, w_hh, w_hr, y = ctx.saved_tensors
        mode, dtype = ctx.mode, x.dtype
        n_rows, gate_cols = x.shape[0], w_hh.shape[0]
        dy = np.ascontiguousarray(dy, dtype=dtype)
        dh = np.array(dh_n, dtype=dtype, order="C")  # becomes dh0 step by step
        dg = np.empty((n_rows, gate_cols), dtype=dtype)  # dL/d(gate pre-activations), input side
        dgh = np.empty((n_rows, gate_cols), dtype=dtype) if mode == "GRU" else dg  # recurrent side
        hidden = gate_cols // _GATES[mode]
        if mode == "LSTM":
            dc = np.array(dc_n, dtype=dtype, order="C")
            if w_hr is not None:
                dh_proj_all = np.empty_like(dy)
                dh_pre = np.empty((ctx.batch, hidden), dtype=dtype)
        if mode == "GRU":
            dh_direct = np.empty((ctx.batch, hidden), dtype=dtype)
        relu = mode == "RNN_RELU"
        back_steps = ctx.steps[::-1]
        if _C_TIME_LOOP and w_hr is None:
            offsets, sizes = _step_arrays(back_steps)
            empty = _empty2(dtype)
            lstm, gru = mode == "LSTM", mode == "GRU"
            with blas_single_thread():
                _kernels.rnn_layer_backward(_MODES[mode], ctx.gates, ctx.c_prev_all if lstm else empty,
                                            ctx.tanh_c_all if lstm else empty, ctx.h_prev_all,
                                            y if y is not None else empty, w_hh, dy, dh, dc if lstm else empty, dg,
                                            dgh if gru else empty, dh_direct if gru else empty, offsets, sizes,
                                            get_num_threads(), GRAIN_SIZE)
            back_steps = ()  # done: the Python loop below is skipped
        with blas_single_thread():
            for s, b in back_steps:
                if b == 0:
                    continue
                rows = slice(s, s + b)
                dhb = dh[:b]
                dhb += dy[rows]
                n_threads = _gate_threads(b, hidden)
                if mode == "LSTM":
                    if w_hr is not None:
                        dh_proj_all[rows] = dhb
                        _mm(dhb, w_hr, dh_pre[:b], False)
                        dh_cell = dh_pre[:b]
                    else:
                        dh_cell = dhb
                    _kernels.lstm_cell_backward(ctx.gates[rows], ctx.c_prev_all[rows], ctx.tanh_c_all[rows], dh_cell,
                                                dc[:b], dg[rows], n_threads)
                    _mm(dg[rows], w_hh, dhb, False)
                elif mode == "GRU":
                    _kernels.gru_cell_backward(ctx.gates[rows], ctx.h_prev_all[rows], dhb, dg[rows], dgh[rows],
                                               dh_direct[:b], n_threads)
                    _mm(dgh[rows], w_hh, dhb, False)
                    dhb += dh_direct[:b]
                else:
                    _kernels.rnn_cell_backward(y[rows], dhb, dg[rows], relu, n_threads)
                    _mm(dg[rows], w_hh, dhb, False)
        need = ctx.needs_input_grad
        dx = dw_ih = dw_hh = db_ih = db_hh = dw_hr = None
        with blas_single_thread():
            if need[0]:
                dx = np.empty_like(x)
                _mm(dg, w_ih, dx, False)
            if need[3]:
                dw_ih = np.empty_like(w_ih)
                _kernels.matmul_rows(dg, x, dw_ih, True, False, threads_for(dw_ih.size * n_rows))
            if need[4]:
                dw_hh = np.empty_like(w_hh)
                _kernels.matmul_rows(dgh, ctx.h_prev_all, dw_hh, True, False, threads_for(dw_hh.size * n_rows))
            if w_hr is not None and need[7]:
                dw_hr = np.empty_like(w_hr)
                _kernels.matmul_rows(dh_proj_all, ctx.h_pre_all, dw_hr, True, False, threads_for(dw_hr.size * n_rows))
        if ctx.has_bias and (need[5] or need[6]):
            db_ih = dg.sum(axis=0)
            db_hh = dgh.sum(axis=0) if mode == "GRU" else db_ih.copy()
        dc0 = dc if mode == "LSTM" else None
        return dx, dh, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr, None, None, None


def _layer_backward_graph(ctx, *grads):
    """create_graph=True: the layer again with Tensor ops (``_layer_graph``), differentiated on the graph."""
    x, w_ih, w_hh, w_hr, _ = ctx.saved_tensors
    h0, c0, b_ih, b_hh = ctx.small_inputs
    values = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, ctx.mode) + ctx.plan
    return recomputed_backward(ctx, _layer_graph, values, grads)


_RecurrentLayer.backward_graph = staticmethod(_layer_backward_graph)


def _layer_graph(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, batch_sizes, reverse):
    """``_RecurrentLayer``'s forward with Tensor ops, step by step (PyTorch's gate order: LSTM i, f, g, o;
    GRU r, z, n with b_hh inside r * (...)); the state keeps one row per sequence, step t updates the first
    ``batch_sizes[t]`` rows."""
    h, c = h0, c0
    ys = {}
    for s, b in _steps(batch_sizes, reverse):
        if b == 0:
            continue
        hp = h[:b]
        gi = x[s:s + b].matmul(w_ih.t())
        gh = hp.matmul(w_hh.t())
        if b_ih is not None:
            gi, gh = gi + b_ih, gh + b_hh
        if mode == "LSTM":
            i, f, g, o = (gi + gh).chunk(4, 1)
            c_new = f.sigmoid() * c[:b] + i.sigmoid() * g.tanh()
            h_new = o.sigmoid() * c_new.tanh()
            if w_hr is not None:
                h_new = h_new.matmul(w_hr.t())
            c = c_new if b == c.shape[0] else cat([c_new, c[b:]])
        elif mode == "GRU":
            ir, iz, i_n = gi.chunk(3, 1)
            hr, hz, hn = gh.chunk(3, 1)
            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
            h_new = (1 - z) * (i_n + r * hn).tanh() + z * hp
        else:
            pre = gi + gh
            h_new = pre.tanh() if mode == "RNN_TANH" else pre.relu()
        ys[s] = h_new
        h = h_new if b == h.shape[0] else cat([h_new, h[b:]])
    y = cat([ys[s] for s in sorted(ys)]) if ys else x.matmul(w_ih.t())[:, :h0.shape[1]]  # no rows: (0, P)
    return (y, h, c) if mode == "LSTM" else (y, h)


def _layer_weights(weights, index, has_bias, has_proj):
    """(w_ih, w_hh, b_ih, b_hh, w_hr) of layer-direction ``index`` in PyTorch's flat weight order."""
    per = 2 + 2 * has_bias + has_proj
    w = list(weights[index * per:(index + 1) * per])
    b_ih, b_hh = (w[2], w[3]) if has_bias else (None, None)
    return w[0], w[1], b_ih, b_hh, (w[-1] if has_proj else None)


def rnn(mode, data, batch_sizes, hx, cx, weights, has_bias, num_layers, dropout, training, bidirectional,
        has_proj=False):
    """Stacked, optionally bidirectional recurrent layers over a packed sequence (the work of
    PyTorch's ``_VF.lstm`` / ``_VF.gru`` / ``_VF.rnn_tanh`` / ``_VF.rnn_relu``).

    ``data`` (N, input_size) packed rows; ``batch_sizes`` a 1-D int64 NumPy array; ``hx``
    (num_layers * D, B, P), ``cx`` (num_layers * D, B, H) for LSTM (else None); ``weights`` the
    module's flat parameter list. Arguments are validated by the Module. Dropout (training only)
    follows every layer but the last. Returns (output (N, D * P), h_n, c_n or None).
    """
    directions = 2 if bidirectional else 1
    layer_input = data
    h_n, c_n = [], []
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            w_ih, w_hh, b_ih, b_hh, w_hr = _layer_weights(weights, index, has_bias, has_proj)
            result = _RecurrentLayer.apply(layer_input, hx[index], None if cx is None else cx[index], w_ih, w_hh,
                                           b_ih, b_hh, w_hr, mode, batch_sizes, direction == 1)
            outputs.append(result[0])
            h_n.append(result[1])
            if mode == "LSTM":
                c_n.append(result[2])
        layer_input = outputs[0] if directions == 1 else cat(outputs, dim=1)
        if dropout > 0 and training and layer < num_layers - 1:
            layer_input = _dropout(layer_input, dropout, True)
    return layer_input, stack(h_n), (stack(c_n) if mode == "LSTM" else None)


def rnn_cell(mode, input, hx, cx, w_ih, w_hh, b_ih, b_hh):  # noqa: A002
    """One step of an RNN / LSTM / GRU cell for a batch: input (B, I), hx (B, H), cx (B, H) for LSTM.
    Returns h' (and c' for LSTM). Arguments are validated by the Module."""
    batch_sizes = np.array([input.shape[0]], dtype=np.int64)
    result = _RecurrentLayer.apply(input, hx, cx, w_ih, w_hh, b_ih, b_hh, None, mode, batch_sizes, False)
    return (result[1], result[2]) if mode == "LSTM" else result[1]
