"""DataLoader arguments, samplers, ConcatDataset, random_split (issue 9), compared with PyTorch where
the result does not depend on the random stream (orders, lengths, batches, errors)."""
import warnings

import numpy as np
import pytest

import miniconv as mc

torch = pytest.importorskip("torch")
tdata = torch.utils.data
mdata = mc.utils.data


class Squares:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.float32(i * i), i


def _lists(loader):
    out = []
    for batch in loader:
        out.append([b.tolist() if hasattr(b, "tolist") else b for b in batch] if isinstance(batch, (list, tuple))
                   else batch.tolist() if hasattr(batch, "tolist") else batch)
    return out


@pytest.mark.parametrize("kw", [
    dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=4),
    dict(batch_size=2, collate_fn=lambda b: [x for x, _ in b]),
    dict(batch_sampler=[[0, 1], [4, 2, 3], [9]]), dict(batch_size=None),
    dict(batch_size=3, sampler=[9, 8, 7, 1]), dict(batch_size=2, sampler="seq"),
    dict(batch_size=2, batch_sampler="batch"),
])
def test_loader_batches_match_torch(kw):
    res = []
    for data in (mdata, tdata):
        k = dict(kw)
        ds = Squares(10)
        if k.get("sampler") == "seq":
            k["sampler"] = data.SequentialSampler(ds)
        if k.get("batch_sampler") == "batch":
            k.pop("batch_size")
            k["batch_sampler"] = data.BatchSampler(data.SequentialSampler(ds), 4, drop_last=False)
        loader = data.DataLoader(ds, **k)
        res.append((len(loader), _lists(loader)))
    assert res[0] == res[1]


def test_samplers_match_torch():
    for data in (mdata, tdata):
        assert list(data.SequentialSampler(range(5))) == [0, 1, 2, 3, 4]
        assert list(data.BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
        assert list(data.BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
        assert len(data.BatchSampler(range(7), 3, False)) == 3
        r = data.RandomSampler(range(10))
        assert sorted(r) == list(range(10)) and len(r) == 10
        r = data.RandomSampler(range(3), replacement=True, num_samples=20)
        assert len(list(r)) == 20 and set(r) <= {0, 1, 2}
        r = data.RandomSampler(range(3), num_samples=7)
        assert len(list(r)) == 7
        s = data.SubsetRandomSampler([5, 7, 9])
        assert sorted(s) == [5, 7, 9]
        w = data.WeightedRandomSampler([0.0, 1.0, 0.0], 5)
        assert list(w) == [1] * 5


def test_random_order_is_seeded():
    def epoch(seed):
        mc.manual_seed(seed)
        return [b[1].tolist() for b in mdata.DataLoader(Squares(10), batch_size=4, shuffle=True)]

    assert epoch(1) == epoch(1) != epoch(2)
    g = mc.Generator().manual_seed(5)
    a = list(mdata.RandomSampler(range(8), generator=g))
    g.manual_seed(5)
    assert a == list(mdata.RandomSampler(range(8), generator=g))


def test_concat_and_random_split():
    for data in (mdata, tdata):
        a = data.TensorDataset(mc.arange(3) if data is mdata else torch.arange(3))
        b = data.TensorDataset(mc.arange(10, 15) if data is mdata else torch.arange(10, 15))
        c = data.ConcatDataset([a, b])
        assert len(c) == 8 and int(c[3][0]) == 10 and int(c[-1][0]) == 14 and int(c[2][0]) == 2
        assert c.cumulative_sizes == [3, 8]
        assert len(a + b) == 8
        with pytest.raises(IndexError):
            c[8]
        parts = data.random_split(range(10), [0.5, 0.3, 0.2])
        assert [len(p) for p in parts] == [5, 3, 2]
        assert sorted(sum((list(p) for p in parts), [])) == list(range(10))
        with pytest.raises(ValueError):
            data.random_split(range(10), [3, 3])


def test_num_workers_loads_in_workers_silently_and_gives_the_same_batches():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # two workers on a machine with at least two CPUs: no warning, as PyTorch
        loader = mdata.DataLoader(Squares(5), batch_size=2, num_workers=2)
        assert _lists(loader) == _lists(mdata.DataLoader(Squares(5), batch_size=2)) == \
            _lists(tdata.DataLoader(Squares(5), batch_size=2, num_workers=2))


BAD = [dict(shuffle=True, sampler=[0, 1]), dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
       dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True), dict(batch_size=0),
       dict(num_workers=-1)]


@pytest.mark.parametrize("kw", BAD)
def test_bad_loader_arguments_match_torch(kw):
    with pytest.raises(Exception) as et:
        tdata.DataLoader(Squares(4), **kw)
    with pytest.raises(type(et.value)):
        mdata.DataLoader(Squares(4), **kw)


def test_bad_sampler_arguments_match_torch():
    for bad in (lambda d: d.BatchSampler(range(3), 0, False), lambda d: d.RandomSampler(range(3), num_samples=0),
                lambda d: d.BatchSampler(range(3), 2, drop_last=1)):
        with pytest.raises(Exception) as et:
            bad(tdata)
        with pytest.raises(type(et.value)):
            bad(mdata)
