"""EmbeddingBag / F.embedding_bag against PyTorch: every mode, 2-D input and 1-D input with offsets
(empty bags, include_last_offset), padding_idx, per_sample_weights, max_norm; gradients; errors."""
import numpy as np
import pytest

from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

CASES = [
    dict(input=[[1, 2, 4], [4, 3, 9]]),
    dict(input=[[7]]),
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 4]),
    dict(input=[1, 2, 4, 5, 4, 3, 2, 9], offsets=[0, 3, 3, 7]),  # an empty bag
    dict(input=[1, 2, 4, 5, 4, 3], offsets=[0, 2, 6], include_last_offset=True),
    dict(input=[[1, 2, 2], [2, 2, 2], [0, 5, 2]], padding_idx=2),  # a bag of padding only
    dict(input=[1, 2, 4, 5, 4], offsets=[0, 1], psw=True),
    dict(input=[[1, 2, 4], [4, 3, 9]], psw=True),
    dict(input=[1, 6, 4, 6, 0], offsets=[0, 2], max_norm=1.0),
]


# per_sample_weights exists for mode='sum' only (the error for the other modes is tested below)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case,mode", [(i, m) for i, c in enumerate(CASES) for m in ("sum", "mean", "max")
                                       if m == "sum" or not c.get("psw")])
def test_embedding_bag(case, mode, dtype):
    c = CASES[case]

    def fn(L):
        dt = getattr(L, dtype)
        weight = L.tensor(np.random.default_rng(0).standard_normal((10, 4)), dtype=dt, requires_grad=True)
        inp = L.tensor(c["input"])
        kw = dict(mode=mode, padding_idx=c.get("padding_idx"), include_last_offset=c.get("include_last_offset", False),
                  max_norm=c.get("max_norm"))
        offsets = L.tensor(c["offsets"]) if "offsets" in c else None
        psw = None
        if c.get("psw"):
            psw = L.tensor(np.random.default_rng(1).standard_normal(np.shape(c["input"])), dtype=dt,
                           requires_grad=True)
        if c.get("max_norm"):
            w = weight.detach().clone()
            y = L.nn.functional.embedding_bag(inp, w, offsets, per_sample_weights=psw, **kw)
            return y, w
        y = L.nn.functional.embedding_bag(inp, weight, offsets, per_sample_weights=psw, **kw)
        (y * L.tensor(np.random.default_rng(2).standard_normal(tuple(y.shape)), dtype=dt)).sum().backward()
        return y.detach(), weight.grad, (psw.grad if psw is not None else None)
    assert_same_outcome(fn, rtol=1e-5 if dtype == "float32" else 1e-12)


def test_module_state_dict_repr_and_init():
    def fn(L):
        m = L.nn.EmbeddingBag(10, 3, mode="max", padding_idx=-1)
        return list(m.state_dict()), repr(m), m.padding_idx, m.weight[9].detach()
    assert_same_outcome(fn)

    def fn2(L):
        m = L.nn.EmbeddingBag(6, 2, mode="sum")
        with L.no_grad():
            m.weight.copy_(L.arange(12.0).reshape(6, 2))
        return m(L.tensor([0, 5, 3, 1]), L.tensor([0, 1])).detach()
    assert_same_outcome(fn2)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2), L.tensor([[0]])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]), mode="median"),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]), mode="mean",
                                            per_sample_weights=L.ones(2)),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([[[1, 2]]]), L.ones(5, 2)),
    lambda L: L.nn.EmbeddingBag(4, 2, padding_idx=4),
])
def test_errors(fn):
    assert_same_outcome(fn, message=True)


def test_index_out_of_range():
    assert_same_outcome(lambda L: L.nn.functional.embedding_bag(L.tensor([[1, 7]]), L.ones(5, 2)), message=True)
    # PyTorch numbers the position differently for 1-D input with offsets: class only
    assert_same_outcome(lambda L: L.nn.functional.embedding_bag(L.tensor([3, 1, -2]), L.ones(5, 2), L.tensor([0, 1])))


# messages that name the library's own classes (torch.Size, torch.Tensor, torch.LongTensor): class only
@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.embedding_bag(L.tensor([[1, 2]]), L.ones(5, 2), L.tensor([0])),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2), L.tensor([0]),
                                            per_sample_weights=L.ones(3), mode="sum"),
    lambda L: L.nn.functional.embedding_bag(L.tensor([1, 2]), L.ones(5, 2), L.tensor([1])),
])
def test_error_classes(fn):
    assert_same_outcome(fn)
