"""IterableDataset and ChainDataset in the main process, compared with torch.utils.data."""
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _count(lib, start, stop):
    class Count(lib.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(start, stop))

        def __len__(self):
            return stop - start

    return Count()


def _plain(batch):
    return batch.tolist() if hasattr(batch, "tolist") else batch


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=4), dict(batch_size=4, drop_last=True),
                                    dict(batch_size=None), dict(batch_size=3, collate_fn=list)], ids=str)
def test_chained_streams_load_as_torch(kwargs):
    out = {}
    for lib in (torch, miniconv):
        ds = _count(lib, 0, 5) + _count(lib, 10, 13)
        assert isinstance(ds, lib.utils.data.ChainDataset) and len(ds) == 8
        loader = lib.utils.data.DataLoader(ds, **kwargs)
        out[lib.__name__] = ([_plain(b) for b in loader], len(loader))
    assert out["miniconv"] == out["torch"]


def test_stream_errors_match_torch():
    class NoLen(miniconv.utils.data.IterableDataset):
        def __iter__(self):
            return iter(())

    class TorchNoLen(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(())

    with pytest.raises(TypeError) as t_err:
        len(TorchNoLen())
    with pytest.raises(TypeError) as m_err:
        len(NoLen())
    assert str(m_err.value) == str(t_err.value).replace("TorchNoLen", "NoLen")
    for kw in (dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError) as t_err:
            torch.utils.data.DataLoader(TorchNoLen(), **kw)
        with pytest.raises(ValueError) as m_err:
            miniconv.utils.data.DataLoader(NoLen(), **kw)
        assert str(m_err.value) == str(t_err.value)
