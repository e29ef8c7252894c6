"""nn.EmbeddingBag.from_pretrained against torch: weights, frozen flag, outputs, gradients, errors."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("mode", ["mean", "sum", "max"])
@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained_matches_torch(mode, freeze):
    w = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    idx = np.array([1, 2, 4, 5, 4, 3], dtype=np.int64)
    off = np.array([0, 2, 4], dtype=np.int64)
    res = []
    for lib in (miniconv, torch):
        bag = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(w), freeze=freeze, mode=mode)
        assert bag.weight.requires_grad is (not freeze)
        out = bag(lib.tensor(idx), lib.tensor(off))
        g = None
        if not freeze:
            out.pow(2).sum().backward()
            g = bag.weight.grad.numpy()
        res.append((bag.weight.detach().numpy().copy(), out.detach().numpy(), g, repr(bag)))
    (mw, mo, mg, mr), (tw, to, tg, tr) = res
    np.testing.assert_array_equal(mw, tw)
    np.testing.assert_allclose(mo, to, rtol=1e-6)
    if not freeze:
        np.testing.assert_allclose(mg, tg, rtol=1e-6)
    assert mr == tr


def test_from_pretrained_padding_idx_and_error():
    w = np.random.default_rng(1).standard_normal((5, 2)).astype(np.float32)
    idx = np.array([[0, 1], [2, 0]], dtype=np.int64)
    outs = []
    for lib in (miniconv, torch):
        bag = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(w), padding_idx=0, mode="sum")
        outs.append(bag(lib.tensor(idx)).numpy())
        with pytest.raises(AssertionError) as e:
            lib.nn.EmbeddingBag.from_pretrained(lib.tensor(w[0]))
        outs.append(str(e.value))
    np.testing.assert_allclose(outs[0], outs[2], rtol=1e-6)
    assert outs[1] == outs[3]
