"""Every nn module with parameters, built after the same manual_seed, holds PyTorch's parameters and buffers
bit for bit and leaves the generator where PyTorch leaves it (a following rand draws the same numbers): the
recurrent cells and bases, convolutions, norms, attention, transformers, lazy modules after their first call,
float64 modules and the float64 default dtype."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _state(lib, module):
    named = list(module.named_parameters()) + [(n, b) for n, b in module.named_buffers() if b is not None]
    return [(n, np.array(t.detach().numpy(), copy=True)) for n, t in named]


def _assert_same_stream(build, seeds=(0, 7)):
    for seed in seeds:
        got = []
        for lib in (miniconv, torch):
            lib.manual_seed(seed)
            module = build(lib)
            got.append((_state(lib, module), lib.rand(5).numpy().copy()))
        (mine, mine_next), (theirs, theirs_next) = got
        assert [n for n, _ in mine] == [n for n, _ in theirs]
        for (name, a), (_, b) in zip(mine, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape, name
            np.testing.assert_array_equal(a, b, err_msg=name)
        np.testing.assert_array_equal(mine_next, theirs_next)


BUILDS = {
    "lstmcell": lambda lib: lib.nn.LSTMCell(10, 20),
    "lstmcell_nobias": lambda lib: lib.nn.LSTMCell(3, 5, bias=False),
    "grucell": lambda lib: lib.nn.GRUCell(32, 17),
    "rnncell_relu": lambda lib: lib.nn.RNNCell(4, 9, nonlinearity="relu"),
    "lstmcell_f64": lambda lib: lib.nn.LSTMCell(6, 8, dtype=lib.float64),
    "rnnbase_lstm": lambda lib: lib.nn.RNNBase("LSTM", 4, 6, num_layers=2, bidirectional=True, proj_size=3),
    "rnnbase_gru": lambda lib: lib.nn.RNNBase("GRU", 4, 6),
    "rnn_relu_2layer": lambda lib: lib.nn.RNN(4, 6, 2, nonlinearity="relu", bias=False),
    "lstm_proj": lambda lib: lib.nn.LSTM(5, 8, proj_size=2, batch_first=True),
    "gru_f64": lambda lib: lib.nn.GRU(3, 4, num_layers=2, dtype=lib.float64),
    "bilinear": lambda lib: lib.nn.Bilinear(3, 4, 5),
    "conv3d": lambda lib: lib.nn.Conv3d(2, 3, 2),
    "conv1d_reflect": lambda lib: lib.nn.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"),
    "convT1d": lambda lib: lib.nn.ConvTranspose1d(4, 6, 3, groups=2),
    "convT3d": lambda lib: lib.nn.ConvTranspose3d(2, 3, 2, bias=False),
    "embedding_pad": lambda lib: lib.nn.Embedding(12, 4, padding_idx=3),
    "embedding_bag": lambda lib: lib.nn.EmbeddingBag(10, 4, mode="sum"),
    "batchnorm1d": lambda lib: lib.nn.BatchNorm1d(5),
    "batchnorm3d": lambda lib: lib.nn.BatchNorm3d(3, affine=False),
    "groupnorm": lambda lib: lib.nn.GroupNorm(2, 6),
    "instancenorm_affine": lambda lib: lib.nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
    "rmsnorm": lambda lib: lib.nn.RMSNorm([3, 4]),
    "prelu": lambda lib: lib.nn.PReLU(3, init=0.1),
    "mha_kdim_vdim": lambda lib: lib.nn.MultiheadAttention(8, 2, kdim=4, vdim=3),
    "mha_bias_kv": lambda lib: lib.nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, batch_first=True),
    "encoder_layer": lambda lib: lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
    "decoder_layer_norm_first": lambda lib: lib.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, norm_first=True),
    "encoder_stack": lambda lib: lib.nn.TransformerEncoder(
        lib.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2, enable_nested_tensor=False),
    "transformer": lambda lib: lib.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2,
                                                  dim_feedforward=16),
    "mixed_sequential": lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.LSTMCell(4, 5), lib.nn.GRUCell(5, 2),
                                                      lib.nn.Conv2d(1, 2, 3), lib.nn.LayerNorm(2)),
}


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
@pytest.mark.parametrize("name", list(BUILDS))
def test_module_init_follows_torch_stream(name):
    _assert_same_stream(BUILDS[name])


def test_cells_then_rnn_then_dropout_in_one_script():
    """A user's script: cells built, then a layer, then a dropout mask: every number as PyTorch's."""
    def script(lib):
        cell = lib.nn.LSTMCell(4, 6)
        gru = lib.nn.GRU(6, 3)
        mask = lib.nn.functional.dropout(lib.ones(16), 0.5)
        return cell, gru, mask
    got = []
    for lib in (miniconv, torch):
        lib.manual_seed(5)
        cell, gru, mask = script(lib)
        got.append(_state(lib, cell) + _state(lib, gru) + [("mask", mask.numpy().copy())])
    for (n1, a), (n2, b) in zip(*got):
        assert n1 == n2
        np.testing.assert_array_equal(a, b, err_msg=n1)


@pytest.mark.parametrize("name,build,shape", [
    ("lazy_linear", lambda lib: lib.nn.LazyLinear(5), (2, 7)),
    ("lazy_conv2d", lambda lib: lib.nn.LazyConv2d(4, 3), (1, 2, 6, 6)),
    ("lazy_convT1d", lambda lib: lib.nn.LazyConvTranspose1d(3, 2), (1, 2, 5)),
    ("lazy_batchnorm1d", lambda lib: lib.nn.LazyBatchNorm1d(), (4, 3)),
])
def test_lazy_module_init_after_first_call(name, build, shape):
    x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)

    def run(lib):
        module = build(lib)
        module(lib.tensor(x))
        return module
    _assert_same_stream(run)


def test_reset_parameters_draws_as_torch():
    def build(lib):
        modules = [lib.nn.LSTMCell(3, 4), lib.nn.GRU(2, 3), lib.nn.Conv1d(2, 2, 3)]
        for m in reversed(modules):
            m.reset_parameters()
        return lib.nn.Sequential(*modules)
    _assert_same_stream(build)


def test_default_dtype_float64_modules():
    for lib in (miniconv, torch):
        lib.set_default_dtype(lib.float64)
    try:
        _assert_same_stream(lambda lib: lib.nn.Sequential(lib.nn.LSTMCell(3, 4), lib.nn.Linear(4, 2),
                                                          lib.nn.RNN(2, 3)))
    finally:
        for lib in (miniconv, torch):
            lib.set_default_dtype(lib.float32)
