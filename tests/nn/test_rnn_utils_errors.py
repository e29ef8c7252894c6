"""nn.utils.rnn (pad/pack sequences) and the recurrent layers' argument errors, against PyTorch:
the same calls on both libraries, values, gradients and exceptions (class and message) compared."""
import warnings

import numpy as np
import pytest

import miniconv
import miniconv.nn.utils.rnn as mrnn_path  # the torch.nn.utils.rnn import path
from miniconv import nn

torch = pytest.importorskip("torch")


def both(array, lib, grad=False):
    return (torch.tensor if lib is torch else miniconv.tensor)(array, requires_grad=grad)


def raises_like(call):
    """Run ``call(lib)`` on both libraries: the same exception class and message."""
    errors = []
    for lib in (torch, miniconv):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                call(lib)
            except Exception as e:  # noqa: BLE001
                errors.append(e)
            else:
                errors.append(None)
    theirs, ours = errors
    assert theirs is not None, "torch accepted the call"
    assert type(ours) is type(theirs), f"{type(ours).__name__}: {ours} vs {type(theirs).__name__}: {theirs}"
    assert str(ours).splitlines()[0] == str(theirs).splitlines()[0]


def test_import_paths():
    assert miniconv.nn.utils.rnn is mrnn_path
    from miniconv.nn.utils.rnn import PackedSequence, pack_padded_sequence  # noqa: F401


def R(lib):
    return lib.nn.utils.rnn


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("padding_value", [0.0, -1.5])
def test_pad_sequence_values_and_grads(batch_first, padding_side, padding_value):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((n, 3)) for n in (2, 5, 1)]
    results = []
    for lib in (torch, miniconv):
        seqs = [both(a, lib, grad=True) for a in arrays]
        out = R(lib).pad_sequence(seqs, batch_first=batch_first, padding_value=padding_value,
                                  padding_side=padding_side)
        weights = np.arange(np.prod(tuple(out.shape)), dtype=np.float64).reshape(tuple(out.shape))
        (out * both(weights, lib)).sum().backward()
        results.append([out.detach().numpy()] + [s.grad.numpy() for s in seqs])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 4]),
                                                     (False, [3, 3, 3, 3])])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_roundtrip_matches_torch(batch_first, enforce_sorted, lengths, as_tensor):
    rng = np.random.default_rng(1)
    shape = (4, 5, 2) if batch_first else (5, 4, 2)
    x = rng.standard_normal(shape)
    results = []
    for lib in (torch, miniconv):
        xt = both(x, lib, grad=True)
        lens = both(np.array(lengths), lib) if as_tensor else lengths
        packed = R(lib).pack_padded_sequence(xt, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        assert isinstance(packed, R(lib).PackedSequence)
        padded, out_lengths = R(lib).pad_packed_sequence(packed, batch_first=batch_first, total_length=6,
                                                         padding_value=0.5)
        (padded * both(np.arange(padded.numel()).reshape(tuple(padded.shape)) * 1.0, lib)).sum().backward()
        extra = [None if packed.sorted_indices is None else packed.sorted_indices.numpy(),
                 None if packed.unsorted_indices is None else packed.unsorted_indices.numpy()]
        results.append([packed.data.detach().numpy(), packed.batch_sizes.numpy(), padded.detach().numpy(),
                        out_lengths.numpy(), xt.grad.numpy()] + extra)
    for a, b in zip(*results):
        if b is None:
            assert a is None
        else:
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_pack_sequence_and_unpack():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n,)) for n in (2, 4, 3)]
    results = []
    for lib in (torch, miniconv):
        packed = R(lib).pack_sequence([both(a, lib) for a in arrays], enforce_sorted=False)
        unpacked = R(lib).unpack_sequence(packed)
        results.append([packed.data.numpy(), packed.batch_sizes.numpy(), packed.sorted_indices.numpy()]
                       + [u.numpy() for u in unpacked])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    ps = mrnn_path.pack_sequence([miniconv.ones(3), miniconv.ones(1)])
    assert ps.sorted_indices is None and ps.unsorted_indices is None
    assert ps.to(miniconv.float64).data.dtype == miniconv.float64 and ps.to(miniconv.float32) is ps
    data, batch_sizes, sorted_indices, unsorted_indices = ps  # a 4-tuple, as PyTorch's
    assert batch_sizes.tolist() == [2, 1, 1]


@pytest.mark.parametrize("call", [
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), [4, 3, 5]),
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), [2, 3, 1]),
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), [2, 0, 1], enforce_sorted=False),
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), [2, 1]),
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), []),
    lambda lib: R(lib).pack_padded_sequence(lib.zeros(4, 3, 2), lib.tensor([[3, 3, 2]])),
    lambda lib: R(lib).pad_packed_sequence(R(lib).pack_sequence([lib.ones(4), lib.ones(2)]), total_length=3),
    lambda lib: R(lib).pad_sequence([]),
    lambda lib: R(lib).pad_sequence(5),
    lambda lib: R(lib).pad_sequence([lib.ones(2, 3), lib.ones(3, 4)]),
    lambda lib: R(lib).pad_sequence([lib.ones(2), lib.ones(3)], padding_side="middle"),
    lambda lib: R(lib).pack_sequence([lib.ones(2), lib.ones(3)]),
])
def test_utils_errors_match_torch(call):
    raises_like(call)


def test_lengths_longer_than_the_input_raise():
    # PyTorch reads past the input here; miniconv refuses with a clear error
    with pytest.raises(RuntimeError, match="longest length is 5"):
        mrnn_path.pack_padded_sequence(miniconv.zeros(4, 3, 2), [5, 3, 2])


# -- the layers' errors ------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 5)),
    lambda lib: lib.nn.GRU(10, 20, batch_first=True)(lib.randn(5, 3, 11)),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 10, dtype=lib.float64)),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 10), (lib.randn(1, 3, 20), lib.randn(1, 4, 20))),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 10), (lib.randn(2, 3, 20), lib.randn(1, 3, 20))),
    lambda lib: lib.nn.LSTM(10, 20, proj_size=5)(lib.randn(5, 3, 10), (lib.randn(1, 3, 20), lib.randn(1, 3, 20))),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 3, 10), (lib.randn(3, 20), lib.randn(1, 3, 20))),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(5, 10), (lib.randn(1, 1, 20), lib.randn(1, 20))),
    lambda lib: lib.nn.GRU(10, 20)(lib.randn(5, 3, 10), lib.randn(1, 4, 20)),
    lambda lib: lib.nn.GRU(10, 20, 2)(lib.randn(5, 3, 10), lib.randn(1, 3, 20)),
    lambda lib: lib.nn.RNN(10, 20)(lib.randn(5, 10), lib.randn(1, 1, 20)),
    lambda lib: lib.nn.RNN(10, 20)(lib.randn(5, 3, 10), lib.randn(1, 20)),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(0, 3, 10)),
    lambda lib: lib.nn.LSTM(10, 20)(lib.randn(4, 5, 3, 10)),
    lambda lib: lib.nn.GRU(10, 20)(lib.randn(10)),
    lambda lib: lib.nn.RNN(10, 20)(lib.randn(4, 5, 3, 10)),
    lambda lib: lib.nn.GRU(10, 20, proj_size=2),
    lambda lib: lib.nn.RNN(10, 20, proj_size=2),
    lambda lib: lib.nn.RNN(10, 20, 2, "sigmoid"),
    lambda lib: lib.nn.RNN(10, 20, nonlinearity="gelu"),
    lambda lib: lib.nn.LSTM(10, 20, dropout=2),
    lambda lib: lib.nn.LSTM(10, 20, dropout=True),
    lambda lib: lib.nn.LSTM(10, 0),
    lambda lib: lib.nn.LSTM(0, 10),
    lambda lib: lib.nn.LSTM(10, 20.0),
    lambda lib: lib.nn.LSTM(10.0, 20),
    lambda lib: lib.nn.LSTM(10, 20, 0),
    lambda lib: lib.nn.LSTM(10, 20, proj_size=20),
    lambda lib: lib.nn.LSTM(10, 20, proj_size=-1),
    lambda lib: lib.nn.LSTM(10, 20, bias=1),
    lambda lib: lib.nn.LSTM(10, 20, batch_first=None),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 5)),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(4, 20), lib.randn(3, 20))),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(3, 21), lib.randn(3, 20))),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(3, 20), lib.randn(3, 21))),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10, dtype=lib.float64)),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(2, 3, 10)),
    lambda lib: lib.nn.LSTMCell(10, 20)(lib.randn(3, 10), (lib.randn(1, 3, 20), lib.randn(3, 20))),
    lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 5)),
    lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(4, 20)),
    lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(3, 21)),
    lambda lib: lib.nn.GRUCell(10, 20)(lib.randn(3, 10), lib.randn(1, 3, 20)),
    lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(3, 10), lib.randn(3, 21)),
    lambda lib: lib.nn.RNNCell(10, 20)(lib.randn(2, 3, 10)),
    lambda lib: lib.nn.RNNCell(10, 20, nonlinearity="x")(lib.randn(3, 10)),
])
def test_layer_errors_match_torch(call):
    raises_like(call)


def test_dropout_with_one_layer_warns_as_torch():
    for lib in (torch, miniconv):
        with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1, but got "
                                             "dropout=0.5 and num_layers=1"):
            lib.nn.LSTM(3, 4, dropout=0.5)


def test_pytorch_state_dict_loads_and_wrong_shapes_are_refused():
    theirs = torch.nn.GRU(3, 5, num_layers=2, bidirectional=True)
    ours = nn.GRU(3, 5, num_layers=2, bidirectional=True)
    sd = {k: v.numpy() for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd)
    np.testing.assert_array_equal(ours.weight_hh_l1_reverse.detach().numpy(), sd["weight_hh_l1_reverse"])
    with pytest.raises(RuntimeError, match="size mismatch for weight_ih_l0"):
        nn.GRU(4, 5, num_layers=2, bidirectional=True).load_state_dict(sd)
    with pytest.raises(RuntimeError, match="Missing key"):
        nn.GRU(3, 5, num_layers=3, bidirectional=True).load_state_dict(sd)
