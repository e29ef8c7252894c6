"""nn.RNN / nn.LSTM / nn.GRU and their cells against PyTorch: the same weights (PyTorch's
state_dict loaded into miniconv), the same inputs and upstream gradients; outputs, final states
and the gradients of the input, the initial states and every parameter compared."""
import numpy as np
import pytest

import miniconv
from miniconv import nn
from miniconv.nn.utils import rnn as mrnn

torch = pytest.importorskip("torch")

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def make_pair(cls_name, *args, dtype=np.float32, **kwargs):
    """A torch module and a miniconv one holding the same weights (through the state_dict)."""
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls_name)(*args, **kwargs).to(TORCH_DTYPE[dtype])
    ours = getattr(nn, cls_name)(*args, **kwargs, dtype=dtype)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k1, a), (k2, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert k1 == k2 and tuple(a.shape) == tuple(b.shape)
    return ours, theirs


def both(array, lib, grad=True):
    if lib is torch:
        return torch.tensor(array, requires_grad=grad)
    return miniconv.tensor(array, requires_grad=grad)


def flat_outputs(result):
    """The Tensors of an RNN result: output (a Tensor or a PackedSequence's data) and states."""
    out, states = result
    out = out.data if hasattr(out, "batch_sizes") else out
    states = list(states) if isinstance(states, tuple) else [states]
    return [out] + states


def run(module, lib, x, states, packed_lengths=None, batch_first=False):
    """Forward, then backward of sum(output_i * r_i) with fixed r_i; returns arrays to compare."""
    xt = both(x, lib)
    st = None
    if states is not None:
        st = tuple(both(s, lib) for s in states)
        st = st if len(st) == 2 else st[0]
    inp = xt
    if packed_lengths is not None:
        utils = torch.nn.utils.rnn if lib is torch else mrnn
        inp = utils.pack_padded_sequence(xt, packed_lengths, batch_first=batch_first, enforce_sorted=False)
    result = module(inp) if st is None else module(inp, st)
    outs = flat_outputs(result)
    rng = np.random.default_rng(1)
    loss = 0
    for o in outs:
        r = rng.standard_normal(tuple(o.shape)).astype(x.dtype)
        loss = loss + (o * (torch.from_numpy(r) if lib is torch else miniconv.from_numpy(r))).sum()
    loss.backward()
    arrays = [o.detach().numpy() for o in outs]
    if packed_lengths is not None:
        utils = torch.nn.utils.rnn if lib is torch else mrnn
        padded, lengths = utils.pad_packed_sequence(result[0], batch_first=batch_first)
        arrays += [padded.detach().numpy(), lengths.numpy()]
    grads = [xt.grad.numpy()]
    if st is not None:
        grads += [s.grad.numpy() for s in (st if isinstance(st, tuple) else (st,))]
    grads += [p.grad.numpy() for p in module.parameters()]
    return arrays, grads


def compare(ours, theirs, x, states=None, dtype=np.float32, **kw):
    a_ours, g_ours = run(ours, miniconv, x, states, **kw)
    a_theirs, g_theirs = run(theirs, torch, x, states, **kw)
    assert len(a_ours) == len(a_theirs) and len(g_ours) == len(g_theirs)
    for i, (a, b) in enumerate(zip(a_ours, a_theirs)):
        assert a.shape == b.shape, f"output {i}"
        np.testing.assert_allclose(a, b, err_msg=f"output {i}", **TOL[dtype])
    for i, (a, b) in enumerate(zip(g_ours, g_theirs)):
        assert a.shape == b.shape, f"grad {i}"
        np.testing.assert_allclose(a, b, err_msg=f"grad {i}", **TOL[dtype])


CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2),
    dict(num_layers=1, bidirectional=True),
    dict(num_layers=2, bidirectional=True, batch_first=True),
    dict(num_layers=2, bias=False),
    dict(num_layers=2, dropout=0.3),  # compared in eval mode (no dropout), as PyTorch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN", "RNN_relu"])
@pytest.mark.parametrize("with_states", [False, True])
def test_layers_match_torch(cls_name, config, dtype, with_states):
    kwargs = dict(config)
    if cls_name == "RNN_relu":
        cls_name, kwargs["nonlinearity"] = "RNN", "relu"
    input_size, hidden, seq, batch = 5, 7, 6, 4
    ours, theirs = make_pair(cls_name, input_size, hidden, dtype=dtype, **kwargs)
    ours.eval()
    theirs.eval()
    rng = np.random.default_rng(0)
    shape = (batch, seq, input_size) if kwargs.get("batch_first") else (seq, batch, input_size)
    x = rng.standard_normal(shape).astype(dtype)
    states = None
    if with_states:
        rows = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        states = [rng.standard_normal((rows, batch, hidden)).astype(dtype)]
        if cls_name == "LSTM":
            states.append(rng.standard_normal((rows, batch, hidden)).astype(dtype))
    compare(ours, theirs, x, states, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_projection_matches_torch(dtype, bidirectional, num_layers):
    ours, theirs = make_pair("LSTM", 6, 8, num_layers=num_layers, proj_size=3, bidirectional=bidirectional,
                             dtype=dtype)
    rng = np.random.default_rng(2)
    rows = num_layers * (2 if bidirectional else 1)
    x = rng.standard_normal((5, 3, 6)).astype(dtype)
    compare(ours, theirs, x, dtype=dtype)
    states = [rng.standard_normal((rows, 3, 3)).astype(dtype), rng.standard_normal((rows, 3, 8)).astype(dtype)]
    compare(ours, theirs, x, states, dtype=dtype)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("cls_name,kwargs", [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(num_layers=1, proj_size=3, bidirectional=True)),
    ("GRU", dict(num_layers=2, bidirectional=True)),
    ("RNN", dict(num_layers=1, bidirectional=True)),
    ("GRU", dict(num_layers=1)),
])
def test_packed_unsorted_lengths_match_torch(cls_name, kwargs, batch_first):
    dtype = np.float64
    ours, theirs = make_pair(cls_name, 4, 6, dtype=dtype, batch_first=batch_first, **kwargs)
    rng = np.random.default_rng(3)
    lengths = [3, 7, 1, 5, 7]
    shape = (5, 7, 4) if batch_first else (7, 5, 4)
    x = rng.standard_normal(shape).astype(dtype)
    compare(ours, theirs, x, dtype=dtype, packed_lengths=lengths, batch_first=batch_first)
    rows = kwargs["num_layers"] * 2 if kwargs.get("bidirectional") else kwargs["num_layers"]
    h_size = kwargs.get("proj_size", 6)
    states = [rng.standard_normal((rows, 5, h_size))]
    if cls_name == "LSTM":
        states.append(rng.standard_normal((rows, 5, 6)))
    compare(ours, theirs, x, states, dtype=dtype, packed_lengths=lengths, batch_first=batch_first)


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_unbatched_input_matches_torch(cls_name, batch_first):
    ours, theirs = make_pair(cls_name, 3, 5, num_layers=2, bidirectional=True, batch_first=batch_first,
                             dtype=np.float64)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 3))
    compare(ours, theirs, x, dtype=np.float64)
    states = [rng.standard_normal((4, 5))] + ([rng.standard_normal((4, 5))] if cls_name == "LSTM" else [])
    compare(ours, theirs, x, states, dtype=np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls_name,kwargs", [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}),
                                             ("RNNCell", dict(nonlinearity="relu")), ("LSTMCell", dict(bias=False)),
                                             ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_states", [False, True])
def test_cells_match_torch(cls_name, kwargs, dtype, batched, with_states):
    ours, theirs = make_pair(cls_name, 5, 6, dtype=dtype, **kwargs)
    rng = np.random.default_rng(5)
    lead = (3,) if batched else ()
    x = rng.standard_normal(lead + (5,)).astype(dtype)
    states = None
    if with_states:
        states = [rng.standard_normal(lead + (6,)).astype(dtype) for _ in range(2 if cls_name == "LSTMCell" else 1)]

    def go(module, lib):
        xt = both(x, lib)
        st = None if states is None else [both(s, lib) for s in states]
        out = module(xt) if st is None else module(xt, tuple(st) if len(st) == 2 else st[0])
        outs = list(out) if isinstance(out, tuple) else [out]
        loss = 0
        for i, o in enumerate(outs):
            r = np.random.default_rng(10 + i).standard_normal(tuple(o.shape)).astype(dtype)
            loss = loss + (o * (torch.from_numpy(r) if lib is torch else miniconv.from_numpy(r))).sum()
        loss.backward()
        grads = [xt.grad] + ([] if st is None else [s.grad for s in st]) + [p.grad for p in module.parameters()]
        return [o.detach().numpy() for o in outs], [g.numpy() for g in grads]

    (o1, g1), (o2, g2) = go(ours, miniconv), go(theirs, torch)
    for a, b in zip(o1 + g1, o2 + g2):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, **TOL[dtype])


def test_lstm_sequence_of_cells_equals_layer():
    """An LSTMCell unrolled by hand gives the LSTM layer's outputs (same weights)."""
    layer = nn.LSTM(4, 5)
    cell = nn.LSTMCell(4, 5)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = miniconv.randn(6, 2, 4)
    out, (h_n, c_n) = layer(x)
    h = c = miniconv.zeros(2, 5)
    for t in range(6):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(out[t].detach().numpy(), h.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h_n[0].detach().numpy(), h.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(c_n[0].detach().numpy(), c.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls_name", ["LSTM", "GRU", "RNN"])
def test_training_dropout_between_layers(cls_name):
    """Dropout is random (its numbers differ from PyTorch's); check what can be checked: it acts in
    training mode only, only between layers, and the first layer's states are untouched."""
    miniconv.manual_seed(0)
    module = getattr(nn, cls_name)(4, 6, num_layers=2, dropout=0.5)
    x = miniconv.randn(5, 3, 4)
    module.eval()
    out_eval, h_eval = module(x)
    module.train()
    out_train, h_train = module(x)
    h_eval = h_eval[0] if cls_name == "LSTM" else h_eval
    h_train = h_train[0] if cls_name == "LSTM" else h_train
    np.testing.assert_array_equal(h_eval[0].detach().numpy(), h_train[0].detach().numpy())
    assert not np.allclose(out_eval.detach().numpy(), out_train.detach().numpy())
    out_train.sum().backward()
    assert all(p.grad is not None for p in module.parameters())


def test_default_init_range_and_reset():
    lstm = nn.LSTM(3, 16, num_layers=2, proj_size=4, bidirectional=True)
    bound = 1 / np.sqrt(16)
    for p in lstm.parameters():
        a = p.detach().numpy()
        assert a.min() >= -bound and a.max() <= bound and a.std() > bound / 4
    assert [len(w) for w in lstm.all_weights] == [5, 5, 5, 5]
    assert lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse
    lstm.flatten_parameters()  # a no-op, accepted as in PyTorch
    theirs = torch.nn.LSTM(3, 16, num_layers=2, proj_size=4, bidirectional=True)
    assert [list(p.shape) for p in lstm.parameters()] == [list(p.shape) for p in theirs.parameters()]
    assert [n for n, _ in lstm.named_parameters()] == [n for n, _ in theirs.named_parameters()]


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.LSTM(10, 20, proj_size=5, num_layers=2, dropout=0.5, bidirectional=True, batch_first=True,
                            bias=False),
    lambda lib: lib.nn.RNN(10, 20, 2, "relu"),
    lambda lib: lib.nn.GRU(3, 4),
    lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="relu", bias=False),
    lambda lib: lib.nn.LSTMCell(3, 4),
    lambda lib: lib.nn.GRUCell(3, 4, bias=False),
])
def test_repr_matches_torch(make):
    assert repr(make(miniconv)) == repr(make(torch))


def test_float64_module_and_double():
    lstm = nn.LSTM(3, 4).double()
    out, (h, c) = lstm(miniconv.randn(2, 1, 3, dtype=miniconv.float64))
    assert out.dtype == miniconv.float64 and h.dtype == miniconv.float64


def test_empty_batch_like_torch():
    ours, theirs = make_pair("LSTM", 3, 4, dtype=np.float32)
    out, (h, c) = ours(miniconv.randn(5, 0, 3))
    t_out, (t_h, _) = theirs(torch.randn(5, 0, 3))
    assert tuple(out.shape) == tuple(t_out.shape) and tuple(h.shape) == tuple(t_h.shape)
