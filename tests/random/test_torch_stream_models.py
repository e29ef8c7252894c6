"""Seeded user code gets PyTorch's numbers: module initialisation, nn.init, dropout masks, data loading order,
and a small training script printing the same losses under both libraries."""
import numpy as np
import pytest

import miniconv
from test_torch_stream_core import assert_normal, assert_ulp, intel_mkl, run

torch = pytest.importorskip("torch")


def _params(module):
    return np.concatenate([p.detach().numpy().reshape(-1) for p in module.parameters()] or [np.zeros(0)])


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.Linear(30, 20),
    lambda lib: lib.nn.Linear(5, 3, bias=False),
    lambda lib: lib.nn.Conv2d(3, 8, 3),
    lambda lib: lib.nn.Conv2d(4, 6, (3, 5), groups=2, stride=2),
    lambda lib: lib.nn.Conv1d(2, 4, 5),
    lambda lib: lib.nn.ConvTranspose2d(4, 3, 3),
    lambda lib: lib.nn.BatchNorm2d(7),
    lambda lib: lib.nn.LayerNorm(9),
    lambda lib: lib.nn.Embedding(10, 4),
    lambda lib: lib.nn.LSTM(5, 7, num_layers=2),
    lambda lib: lib.nn.GRU(3, 4, bidirectional=True),
    lambda lib: lib.nn.RNN(3, 4),
    lambda lib: lib.nn.MultiheadAttention(8, 2),
    lambda lib: lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(4 * 26 * 26, 10)),
], ids=["linear", "linear_nobias", "conv2d", "conv2d_groups", "conv1d", "convT2d", "batchnorm", "layernorm",
        "embedding", "lstm", "gru", "rnn", "mha", "cnn"])
def test_default_init_after_the_same_seed(build):
    for seed in (0, 1, 123):
        a, b = run(lambda lib: _params(build(lib)), seed)
        assert_normal(a, b)


@pytest.mark.parametrize("init", [
    lambda lib, w: lib.nn.init.uniform_(w, -0.3, 0.8),
    lambda lib, w: lib.nn.init.normal_(w, 0.1, 0.02),
    lambda lib, w: lib.nn.init.xavier_uniform_(w),
    lambda lib, w: lib.nn.init.xavier_normal_(w, gain=2.0),
    lambda lib, w: lib.nn.init.kaiming_uniform_(w, a=0.1),
    lambda lib, w: lib.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"),
    lambda lib, w: lib.nn.init.trunc_normal_(w, std=0.02),
    lambda lib, w: lib.nn.init.trunc_normal_(w, mean=0.0, std=1.0, a=1.0, b=3.0),
], ids=["uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "trunc_normal",
        "trunc_normal_tail"])
@pytest.mark.parametrize("shape", [(3, 4), (16, 8), (7, 5, 3, 3)])
def test_init_functions(init, shape):
    for seed in (0, 5):
        a, b = run(lambda lib: init(lib, lib.empty(shape)), seed)
        # trunc_normal_'s tail branch compares log(uniform) against the density: a float32 log that PyTorch
        # vectorises could round differently in rare cases and flip one acceptance
        assert_normal(a, b)


def test_init_with_generator_objects_and_orthogonal():
    g, t = miniconv.Generator().manual_seed(8), torch.Generator().manual_seed(8)
    a = miniconv.nn.init.kaiming_uniform_(miniconv.empty(6, 9), generator=g).numpy()
    b = torch.nn.init.kaiming_uniform_(torch.empty(6, 9), generator=t).numpy()
    assert_ulp(a, b)
    # orthogonal_: the same normal draws, then a QR whose float32 LAPACK rounding may differ slightly
    a, b = run(lambda lib: lib.nn.init.orthogonal_(lib.empty(5, 8)), 2)
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(miniconv.rand(3).numpy(), torch.rand(3).numpy())


@intel_mkl
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_masks(p):
    x = np.random.RandomState(0).randn(4, 3, 5, 5).astype(np.float32)
    for seed in (0, 9):
        assert_ulp(*run(lambda lib: lib.nn.functional.dropout(lib.tensor(x), p), seed))
        assert_ulp(*run(lambda lib: lib.nn.functional.dropout2d(lib.tensor(x), p), seed))
        assert_ulp(*run(lambda lib: lib.nn.functional.dropout1d(lib.tensor(x[:, :, 0]), p), seed))
        assert_ulp(*run(lambda lib: lib.nn.functional.alpha_dropout(lib.tensor(x), p, True), seed), 1)
        assert_ulp(*run(lambda lib: lib.nn.Dropout(p)(lib.tensor(x).permute(0, 2, 3, 1)), seed))
        assert_ulp(*run(lambda lib: lib.nn.functional.dropout(lib.tensor(x, dtype=lib.float64), p), seed))


# -- data ---------------------------------------------------------------------------------------------
def _loader_order(lib, epochs=2, **kw):
    from importlib import import_module
    data = import_module("torch.utils.data" if lib is torch else "miniconv.data")
    ds = data.TensorDataset(lib.arange(37))
    loader = data.DataLoader(ds, batch_size=5, **kw)
    out = [b.tolist() for _ in range(epochs) for (b,) in loader]
    return out, lib.rand(2).tolist()  # the default generator moved on as PyTorch's did


def test_dataloader_shuffle_order_over_two_epochs():
    for seed in (0, 4, 99):
        miniconv.manual_seed(seed)
        torch.manual_seed(seed)
        assert _loader_order(miniconv, shuffle=True) == _loader_order(torch, shuffle=True)
        assert _loader_order(miniconv, shuffle=True, drop_last=True) == _loader_order(torch, shuffle=True,
                                                                                        drop_last=True)
    g, t = miniconv.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert _loader_order(miniconv, shuffle=True, generator=g) == _loader_order(torch, shuffle=True, generator=t)


def test_dataloader_with_workers_same_order():
    miniconv.manual_seed(6)
    torch.manual_seed(6)
    assert _loader_order(miniconv, shuffle=True, num_workers=2) == _loader_order(torch, shuffle=True,
                                                                                 num_workers=2)


def test_samplers_and_random_split():
    from miniconv import data as M
    from torch.utils import data as T
    w = [0.1, 0.5, 0.2, 0.2, 0.0]
    cases = [
        lambda D: list(D.RandomSampler(range(10), replacement=True, num_samples=70)),
        lambda D: list(D.RandomSampler(range(10), num_samples=25)),
        lambda D: list(D.RandomSampler(range(10), num_samples=20)),
        lambda D: list(D.SubsetRandomSampler([3, 5, 7, 11, 13])),
        lambda D: list(D.WeightedRandomSampler(w, 30)),
        lambda D: list(D.WeightedRandomSampler(w, 3, replacement=False)),
        lambda D: [list(s.indices) for s in D.random_split(range(23), [5, 8, 10])],
        lambda D: [list(s.indices) for s in D.random_split(range(23), [0.3, 0.7])],
        lambda D: list(D.BatchSampler(D.RandomSampler(range(11)), 4, False)),
    ]
    for seed in (0, 2, 31):
        for case in cases:
            miniconv.manual_seed(seed)
            torch.manual_seed(seed)
            assert case(M) == case(T)
            assert miniconv.rand(1).item() == torch.rand(1).item()
    g, t = miniconv.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    a = [list(s.indices) for s in M.random_split(range(12), [4, 8], generator=g)]
    assert a == [list(s.indices) for s in T.random_split(range(12), [4, 8], generator=t)]


# -- a user script ------------------------------------------------------------------------------------
def _train(lib, steps=20):
    """A small seeded CNN trained on synthetic data: initialisation, dropout, shuffling and data all come from
    the generator."""
    from importlib import import_module
    data = import_module("torch.utils.data" if lib is torch else "miniconv.data")
    nn = lib.nn
    lib.manual_seed(1234)
    x = lib.randn(64, 1, 8, 8)
    y = lib.randint(0, 3, (64,))
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
                          nn.Flatten(), nn.Linear(4 * 4 * 4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=8, shuffle=True)
    opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    while len(losses) < steps:
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    return np.array(losses)


@intel_mkl
def test_seeded_training_script_prints_the_same_losses():
    ours, theirs = _train(miniconv), _train(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_rrelu_training_slopes():
    x = np.random.RandomState(0).randn(6, 70)
    for dt in ("float32", "float64"):
        for seed in (0, 3):
            assert_ulp(*run(lambda lib: lib.nn.functional.rrelu(lib.tensor(x, dtype=getattr(lib, dt)), 0.1, 0.37,
                                                                training=True), seed))
            assert_ulp(*run(lambda lib: lib.nn.RReLU()(lib.tensor(x, dtype=getattr(lib, dt))), seed))
