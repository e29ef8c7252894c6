"""Habits of real PyTorch scripts: legacy tensor-type names, ``Tensor.type``, the ``is_*`` device
properties, ``format()`` of tensors and the sampling functions. Each case is the same code run on
miniconv and on PyTorch."""
import numpy as np
import pytest

import miniconv
from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

LEGACY = ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor", "ByteTensor",
          "BoolTensor"]

CONSTRUCTORS = {
    "sizes": lambda L, T: T(2, 3).shape,
    "size_obj": lambda L, T: T(L.Size([4])).shape if hasattr(L, "Size") else T(4).shape,
    "empty": lambda L, T: T().shape,
    "list": lambda L, T: T([1, 0, 1]),
    "nested": lambda L, T: T([[1, 2], [3, 4]]),
    "from_tensor": lambda L, T: T(L.tensor([1, 0]).to(T([0]).dtype)),
    "negative": lambda L, T: T(-1),
    "float_arg": lambda L, T: T(2.5),
    "string": lambda L, T: T("a"),
    "dtype_kw": lambda L, T: T([1], dtype=L.float64),
}


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("form", sorted(CONSTRUCTORS))
def test_legacy_type_constructors(name, form):
    fn = CONSTRUCTORS[form]
    out = assert_same_outcome(lambda L: fn(L, getattr(L, name)))
    if form == "sizes":
        assert out[1] == (2, 3)


@pytest.mark.parametrize("name", LEGACY)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_isinstance_and_type_conversions(name, dtype):
    def make(L):
        return L.tensor([1, 0, 3]).to(getattr(L, dtype))
    assert_same_outcome(lambda L: isinstance(make(L), getattr(L, name)))
    assert_same_outcome(lambda L: isinstance(make(L), L.Tensor))
    assert_same_outcome(lambda L: make(L).type(getattr(L, name)))
    assert_same_outcome(lambda L: make(L).type(f"torch.{name}"))
    assert_same_outcome(lambda L: make(L).type())
    assert_same_outcome(lambda L: make(L).type(getattr(L, dtype)))
    assert_same_outcome(lambda L: getattr(L, name).dtype)


def test_type_errors_and_identity():
    assert_same_outcome(lambda L: L.tensor([1]).type("torch.Foo"))
    assert_same_outcome(lambda L: L.tensor([1.0]).type(L.FloatTensor) is not None)
    x = miniconv.tensor([1.0])
    assert x.type(miniconv.FloatTensor) is x  # same dtype: the tensor itself, as PyTorch
    assert x.type(miniconv.DoubleTensor) is not x


def test_type_keeps_autograd():
    for L in (miniconv, torch):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x.type(L.DoubleTensor)
        y.sum().backward()
        assert y.dtype == L.float64 and x.grad.tolist() == [1.0, 1.0]


PROPS = [n for n in dir(torch.Tensor) if n.startswith("is_") and not callable(getattr(torch.ones(1), n))]


@pytest.mark.parametrize("prop", PROPS)
def test_every_is_property(prop):
    assert_same_outcome(lambda L: getattr(L.ones(2), prop))
    assert_same_outcome(lambda L: getattr(L.ones(2, requires_grad=True) * 2, prop))


METHODS = ["is_complex", "is_contiguous", "is_floating_point", "is_inference", "is_nonzero", "is_pinned",
           "is_shared", "is_signed", "is_conj", "is_neg", "is_coalesced", "is_set_to", "is_same_size",
           "is_distributed"]


@pytest.mark.parametrize("method", METHODS)
def test_every_is_method(method):
    def call(L, x):
        m = getattr(x, method)
        if method in ("is_set_to", "is_same_size"):
            return m(x)
        return m()
    for make in (lambda L: L.ones(1), lambda L: L.tensor([1, 2]), lambda L: L.ones(2, 3).t(), lambda L: L.ones(0)):
        assert_same_outcome(lambda L: call(L, make(L)))


FORMATS = [("+.2f", 1.5, "float32"), (".3e", -2.25, "float64"), ("d", 7, "int64"), ("", 2.5, "float32"),
           ("08.3f", 3.14159, "float64"), (">6", 5, "int64"), ("%", 0.25, "float32"), ("x", 255, "int64")]


@pytest.mark.parametrize("spec,value,dtype", FORMATS)
def test_format_of_zero_dim_tensors(spec, value, dtype):
    assert_same_outcome(lambda L: format(L.tensor(value, dtype=getattr(L, dtype)), spec))
    assert_same_outcome(lambda L: f"{L.tensor(value, dtype=getattr(L, dtype)):{spec}}")


def test_format_of_other_tensors_as_pytorch():
    assert_same_outcome(lambda L: format(L.tensor([1.5]), "+.2f"))
    assert_same_outcome(lambda L: format(L.tensor([[1.5, 2.0]]), ".1f"))
    assert_same_outcome(lambda L: "{}".format(L.tensor(True)))
    assert_same_outcome(lambda L: "{:.2f}".format(L.tensor(1.0, requires_grad=True) * 3))


# -- sampling: distributions checked against PyTorch's semantics (values differ: other generators) ----
def _freqs(samples, n):
    return np.bincount(np.asarray(samples).ravel(), minlength=n) / np.asarray(samples).size


def test_multinomial_shapes_dtypes_and_distribution():
    probs = [0.1, 0.0, 0.6, 0.3]
    for L in (miniconv, torch):
        L.manual_seed(0)
        s = L.multinomial(L.tensor(probs), 20000, replacement=True)
        assert s.dtype == L.int64 and tuple(s.shape) == (20000,)
        f = _freqs(s.numpy(), 4)
        np.testing.assert_allclose(f, probs, atol=0.015)
        w = L.multinomial(L.tensor([[1.0, 2.0, 0.0, 4.0]] * 500), 3)
        assert tuple(w.shape) == (500, 3)
        rows = w.numpy()
        assert all(len(set(r)) == 3 and 2 not in r for r in rows)
        assert L.tensor([0.0, 1.0]).multinomial(3, replacement=True).tolist() == [1, 1, 1]
    assert_same_outcome(lambda L: L.multinomial(L.tensor([1.0, 0.0, 0.0]), 1))
    assert_same_outcome(lambda L: L.multinomial(L.tensor([1.0, 1.0]), 3).shape)


MULTINOMIAL_ERRORS = {
    "negative": lambda L: L.multinomial(L.tensor([1.0, -1.0]), 1),
    "nan": lambda L: L.multinomial(L.tensor([1.0, float("nan")]), 1),
    "inf": lambda L: L.multinomial(L.tensor([1.0, float("inf")]), 1),
    "zero_sum": lambda L: L.multinomial(L.tensor([0.0, 0.0]), 1),
    "too_many": lambda L: L.multinomial(L.tensor([1.0, 1.0]), 3),
    "zero_samples": lambda L: L.multinomial(L.tensor([1.0, 1.0]), 0),
    "3d": lambda L: L.multinomial(L.ones(2, 2, 2), 1),
    "int": lambda L: L.multinomial(L.tensor([1, 2]), 1),
    "empty": lambda L: L.multinomial(L.ones(0), 1),
}


@pytest.mark.parametrize("case", sorted(MULTINOMIAL_ERRORS))
def test_multinomial_errors(case):
    assert_same_outcome(lambda L: (L.manual_seed(0), MULTINOMIAL_ERRORS[case](L))[1].shape)


def test_bernoulli_forms():
    for L in (miniconv, torch):
        L.manual_seed(0)
        p = L.tensor([0.0, 1.0, 0.25] * 4000)
        b = L.bernoulli(p)
        assert b.dtype == L.float32 and b.numpy()[0::3].sum() == 0 and b.numpy()[1::3].all()
        assert abs(b.numpy()[2::3].mean() - 0.25) < 0.02
        x = L.empty(10000).bernoulli_(0.7)
        assert abs(x.numpy().mean() - 0.7) < 0.02
        y = L.zeros(3000).bernoulli(0.5)
        assert abs(y.numpy().mean() - 0.5) < 0.04
        z = L.bernoulli(L.full((3000,), 0.5), p=0.1)
        assert abs(z.numpy().mean() - 0.1) < 0.03
    assert_same_outcome(lambda L: L.bernoulli(L.tensor([0.5, 1.5])))
    assert_same_outcome(lambda L: L.bernoulli(L.tensor([1, 0])))
    assert_same_outcome(lambda L: L.bernoulli(L.tensor([0.0, 1.0], dtype=L.float64)))
    assert_same_outcome(lambda L: L.zeros(2).bernoulli_(-0.5))


def test_poisson_and_normal_variants():
    for L in (miniconv, torch):
        L.manual_seed(0)
        rates = L.tensor([0.0, 3.0, 50.0]).repeat(4000)
        s = L.poisson(rates)
        assert s.dtype == L.float32
        a = s.numpy().reshape(-1, 3)
        assert (a[:, 0] == 0).all() and abs(a[:, 1].mean() - 3) < 0.1 and abs(a[:, 2].mean() - 50) < 0.5
        n1 = L.normal(L.full((20000,), 2.0), L.full((20000,), 3.0))
        n2 = L.normal(2.0, L.full((20000,), 3.0))
        n3 = L.normal(L.full((20000,), 2.0), 3.0)
        n4 = L.normal(2.0, 3.0, size=(20000,))
        for n in (n1, n2, n3, n4):
            assert tuple(n.shape) == (20000,) and abs(n.numpy().mean() - 2) < 0.1 and abs(n.numpy().std() - 3) < 0.1
        x = L.empty(20000).log_normal_(0.0, 0.5)
        assert abs(np.log(x.numpy()).std() - 0.5) < 0.02
        e = L.empty(20000).exponential_(2.0)
        assert abs(e.numpy().mean() - 0.5) < 0.02
        g = L.empty(20000).geometric_(0.25)
        assert abs(g.numpy().mean() - 4) < 0.15 and g.numpy().min() >= 1
        r = L.empty(5000).random_(3, 7)
        assert set(np.unique(r.numpy())) == {3, 4, 5, 6}
        c = L.empty(5000).cauchy_()
        assert abs(np.median(c.numpy())) < 0.1
    assert_same_outcome(lambda L: L.poisson(L.tensor([-1.0])))
    assert_same_outcome(lambda L: L.poisson(L.tensor([1.0], dtype=L.float64)).dtype)
    assert_same_outcome(lambda L: L.normal(L.zeros(3), L.ones(2)))
    assert_same_outcome(lambda L: L.normal(0.0, -1.0, size=(2,)))


def test_sampling_reproduces_under_the_same_seed():
    def draw():
        miniconv.manual_seed(7)
        return (miniconv.multinomial(miniconv.ones(5), 3).tolist(), miniconv.bernoulli(miniconv.full((5,), 0.5)).tolist(),
                miniconv.poisson(miniconv.full((5,), 4.0)).tolist())
    assert draw() == draw()
