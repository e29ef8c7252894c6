"""Dataset, TensorDataset, DataLoader (batching, shuffling determinism, collation), transforms."""
from collections import namedtuple

import numpy as np
import pytest

import miniconv
from miniconv.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split
from miniconv.data import transforms


class Squares(Dataset):
    """A dataset without get_batch: samples go through default_collate."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.full((2, 2), i, dtype=np.float32), i

    def __len__(self):
        return self.n


def make_xy(n=10):
    x = miniconv.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = miniconv.tensor(np.arange(n, dtype=np.int64))
    return x, y


def test_tensor_dataset_indexing_and_checks():
    x, y = make_xy()
    ds = TensorDataset(x, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(xi.detach().numpy(), [9, 10, 11])
    assert int(yi.item()) == 3
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        TensorDataset(x, miniconv.zeros(9))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


@pytest.mark.parametrize("dataset_kind", ["tensor", "generic"])
@pytest.mark.parametrize("n, batch_size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, False), (10, 20, False),
                                                      (10, 20, True)])
def test_batches_cover_the_dataset(dataset_kind, n, batch_size, drop_last):
    ds = TensorDataset(*make_xy(n)) if dataset_kind == "tensor" else Squares(n)
    loader = DataLoader(ds, batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(batches) == len(loader) == (n // batch_size if drop_last else -(-n // batch_size))
    labels = np.concatenate([b[1].detach().numpy() for b in batches]) if batches else np.array([])
    expected = np.arange((n // batch_size) * batch_size if drop_last else n)
    np.testing.assert_array_equal(labels, expected)
    for xb, yb in batches:
        assert isinstance(xb, miniconv.Tensor) and isinstance(yb, miniconv.Tensor)
        assert yb.dtype == np.int64 and xb.dtype == np.float32 and xb.shape[0] == yb.shape[0]


def test_shuffle_is_a_permutation_and_reproducible_with_manual_seed():
    ds = TensorDataset(*make_xy(50))

    def epoch_orders(loader, epochs=3):
        return [np.concatenate([yb.detach().numpy() for _, yb in loader]) for _ in range(epochs)]

    miniconv.manual_seed(123)
    a = epoch_orders(DataLoader(ds, batch_size=8, shuffle=True))
    miniconv.manual_seed(123)
    b = epoch_orders(DataLoader(ds, batch_size=8, shuffle=True))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
        assert sorted(x.tolist()) == list(range(50))
    assert not np.array_equal(a[0], a[1])  # a new order every epoch
    assert not np.array_equal(a[0], np.arange(50))
    miniconv.manual_seed(124)
    assert not np.array_equal(epoch_orders(DataLoader(ds, batch_size=8, shuffle=True), 1)[0], a[0])


def test_explicit_generator_and_resume_from_generator_state():
    ds = TensorDataset(*make_xy(30))
    g = miniconv.Generator().manual_seed(7)
    loader = DataLoader(ds, batch_size=4, shuffle=True, generator=g)
    first = np.concatenate([yb.detach().numpy() for _, yb in loader])
    state = loader.generator_state()  # saved after epoch 1 (e.g. in a checkpoint)
    second = np.concatenate([yb.detach().numpy() for _, yb in loader])
    # a fresh loader restored from that state replays epoch 2 exactly
    g2 = miniconv.Generator().manual_seed(999)
    g2.set_state(state)
    again = np.concatenate([yb.detach().numpy() for _, yb in DataLoader(ds, batch_size=4, shuffle=True, generator=g2)])
    np.testing.assert_array_equal(second, again)
    assert not np.array_equal(first, second)
    # the global generator is untouched by a loader with its own generator
    miniconv.manual_seed(0)
    before = miniconv.get_rng_state()
    list(DataLoader(ds, batch_size=4, shuffle=True, generator=g))
    assert miniconv.equal(miniconv.get_rng_state(), before)


def test_generator_state_survives_a_checkpoint_file(tmp_path):
    ds = TensorDataset(*make_xy(20))
    miniconv.manual_seed(5)
    loader = DataLoader(ds, batch_size=5, shuffle=True)
    list(loader)
    miniconv.save({"rng": miniconv.get_rng_state(), "epoch": 1}, tmp_path / "c.pt")
    expected = np.concatenate([yb.detach().numpy() for _, yb in loader])
    miniconv.manual_seed(77)
    miniconv.set_rng_state(miniconv.load(tmp_path / "c.pt")["rng"])
    np.testing.assert_array_equal(np.concatenate([yb.detach().numpy() for _, yb in loader]), expected)


def test_fast_path_equals_item_by_item_collation():
    x, y = make_xy(12)
    ds = TensorDataset(x, y)
    fast = list(DataLoader(ds, batch_size=5))
    slow = list(DataLoader(ds, batch_size=5, collate_fn=default_collate))
    for (a, b), (c, d) in zip(fast, slow):
        np.testing.assert_array_equal(a.detach().numpy(), c.detach().numpy())
        np.testing.assert_array_equal(b.detach().numpy(), d.detach().numpy())
        assert a.dtype == c.dtype and b.dtype == d.dtype


def test_default_collate_types():
    out = default_collate([(np.zeros((2, 2), np.uint8), 1, 0.5, "a", True)] * 3)
    assert out[0].shape == (3, 2, 2) and out[0].dtype == np.uint8
    assert out[1].dtype == np.int64 and out[1].detach().numpy().tolist() == [1, 1, 1]
    assert out[2].dtype == np.float64
    assert out[3] == ["a", "a", "a"]
    assert out[4].dtype == np.bool_
    d = default_collate([{"x": miniconv.ones(2), "y": np.int64(3)}, {"x": miniconv.zeros(2), "y": np.int64(4)}])
    assert d["x"].shape == (2, 2) and d["y"].detach().numpy().tolist() == [3, 4]
    P = namedtuple("P", "a b")
    p = default_collate([P(1, 2.0), P(3, 4.0)])
    assert isinstance(p, P) and p.a.detach().numpy().tolist() == [1, 3]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])


def test_custom_collate_fn():
    loader = DataLoader(Squares(5), batch_size=2, collate_fn=lambda batch: [i for _, i in batch])
    assert list(loader) == [[0, 1], [2, 3], [4]]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(batch_size=0), ValueError, "batch_size should be a positive integer value, but got batch_size=0"),
        (dict(batch_size=2.5), ValueError, "batch_size should be a positive integer"),
        (dict(shuffle=1), TypeError, "shuffle should be a boolean value"),
        (dict(drop_last="yes"), TypeError, "drop_last should be a boolean value"),
        (dict(generator=np.random.default_rng()), TypeError, "generator must be a miniconv.Generator"),
        (dict(collate_fn=3), TypeError, "collate_fn must be callable"),
        (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
    ],
)
def test_dataloader_argument_checks(kwargs, error, message):
    with pytest.raises(error, match=message):
        DataLoader(Squares(3), **kwargs)


def test_dataloader_needs_a_map_style_dataset():
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(iter([1, 2]))
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_subset_and_random_split():
    ds = TensorDataset(*make_xy(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and int(sub[0][1].item()) == 7
    (xb, yb), = list(DataLoader(sub, batch_size=3))
    assert yb.detach().numpy().tolist() == [7, 2, 5]
    with pytest.raises(IndexError, match="index 10 is out of bounds for dimension 0 with size 10"):
        Subset(ds, [10])[0]  # checked on access, as PyTorch does
    miniconv.manual_seed(0)
    a, b = random_split(ds, [7, 3])
    assert len(a) == 7 and len(b) == 3
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(10))
    c, d = random_split(ds, [0.5, 0.5], generator=miniconv.Generator().manual_seed(1))
    assert len(c) == len(d) == 5
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 3])


def test_transforms_match_torchvision_semantics():
    img = np.arange(12, dtype=np.uint8).reshape(3, 4)
    t = transforms.ToTensor()(img)
    assert t.shape == (1, 3, 4) and t.dtype == np.float32
    np.testing.assert_allclose(t.detach().numpy()[0], img / 255, rtol=1e-6)
    n = transforms.Normalize((0.1307,), (0.3081,))(t)
    np.testing.assert_allclose(n.detach().numpy(), (img[None] / 255 - 0.1307) / 0.3081, rtol=1e-5)
    composed = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,)),
                                   transforms.Lambda(lambda x: x * 2)])
    np.testing.assert_allclose(composed(img).detach().numpy(), ((img[None] / 255) - 0.5) / 0.5 * 2, rtol=1e-5)
    rgb = transforms.ToTensor()(np.zeros((5, 6, 3), np.uint8))
    assert rgb.shape == (3, 5, 6)
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        transforms.ToTensor()(np.zeros(3))
    with pytest.raises(TypeError, match="should be a float tensor"):
        transforms.Normalize((0.5,), (0.5,))(miniconv.tensor(np.zeros((1, 2, 2), np.uint8)))
    with pytest.raises(ValueError, match="division by zero"):
        transforms.Normalize((0.5,), (0.0,))
