"""dtype objects as PyTorch's: attributes, identity, equality, hashing, pickling, and use as NumPy dtypes."""
import copy
import pickle

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")

NAMES = ["float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool", "float16"]
ALIASES = [("float", "float32"), ("double", "float64"), ("long", "int64"), ("int", "int32"), ("short", "int16"),
           ("half", "float16")]


@pytest.mark.parametrize("name", NAMES)
def test_attributes_as_torch(name):
    m, t = getattr(miniconv, name), getattr(torch, name)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(m, attr) == getattr(t, attr), attr
    assert m.to_real() is m and t.to_real() is t
    assert isinstance(m, miniconv.dtype) and isinstance(t, torch.dtype)
    assert str(m).replace("miniconv.", "") == str(t).replace("torch.", "")
    assert repr(m) == f"miniconv.{name}"


@pytest.mark.parametrize("alias,name", ALIASES)
def test_aliases_are_the_same_object(alias, name):
    assert getattr(miniconv, alias) is getattr(miniconv, name)
    assert getattr(torch, alias) is getattr(torch, name)


def _user_code(lib):
    # the dtype idioms of user code: identity, attributes, dicts keyed by dtype, sets, casts
    x = lib.zeros(2, 3)
    i = lib.arange(4)
    b = x > 0
    out = [x.dtype is lib.float32, i.dtype is lib.int64, b.dtype is lib.bool, x.dtype == lib.float, i.dtype != lib.float,
           x.dtype.is_floating_point, i.dtype.is_floating_point, b.dtype.is_signed, i.dtype.is_signed,
           x.dtype.itemsize * x.numel(), {lib.float32: "f", lib.int64: "i"}[i.dtype], len({x.dtype, lib.float32}),
           x.double().dtype is lib.float64, x.to(i.dtype).dtype is lib.int64, lib.get_default_dtype() is lib.float32,
           lib.promote_types(lib.int32, lib.float32) is lib.float32, lib.result_type(i, 1.0) is lib.float32,
           lib.tensor([1, 2], dtype=lib.uint8).dtype is lib.uint8, lib.finfo(x.dtype).eps, lib.iinfo(i.dtype).max,
           lib.empty(0, dtype=x.dtype).dtype is lib.float32, type(x.dtype) is lib.dtype]
    return out


def test_user_code_idioms():
    assert _user_code(miniconv) == _user_code(torch)


def test_numpy_interop():
    t = miniconv.ones(3, dtype=miniconv.float64)
    for dt in (miniconv.float32, miniconv.int32, miniconv.uint8, miniconv.bool):
        assert np.zeros(2, dt).dtype == np.dtype(dt.name)
        assert t.numpy().astype(dt).dtype == np.dtype(dt.name)
        assert dt == np.dtype(dt.name) and np.dtype(dt.name) == dt
        assert hash(dt) == hash(np.dtype(dt.name))
        assert dt.kind == np.dtype(dt.name).kind
    assert miniconv.float32 == np.float32 and miniconv.float32 != np.float64
    assert miniconv.float32 != "float32" and torch.float32 != "float32"   # as PyTorch: no string equality
    assert miniconv.float32 != None and torch.float32 != None  # noqa: E711
    assert miniconv.from_numpy(np.ones(2, np.int16)).dtype is miniconv.int16


def test_pickle_and_copy_keep_identity():
    for dt in (miniconv.float32, miniconv.int64, miniconv.bool):
        assert pickle.loads(pickle.dumps(dt)) is dt
        assert copy.deepcopy(dt) is dt and copy.copy(dt) is dt
    sd = {"w": miniconv.ones(2), "dtype": miniconv.float64}
    back = pickle.loads(pickle.dumps(sd))
    assert back["dtype"] is miniconv.float64 and back["w"].dtype is miniconv.float32


def test_set_default_dtype_returns_objects():
    old = miniconv.get_default_dtype()
    try:
        miniconv.set_default_dtype(miniconv.float64)
        assert miniconv.get_default_dtype() is miniconv.float64
        assert miniconv.tensor([1.5]).dtype is miniconv.float64
    finally:
        miniconv.set_default_dtype(old)
    assert miniconv.get_default_dtype() is miniconv.float32
