"""``tensor.storage()``, ``untyped_storage()`` and ``storage_offset()`` as a textbook uses them (Deep Learning with
PyTorch, chapter 3: a tensor's storage, offsets and strides, writing through the storage; PyTorch's "Tensor Views"
page: views share ``storage().data_ptr()``): the same code on both libraries, compared."""
import importlib
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _chapter3(lib):
    out = {}
    points = lib.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    storage = _quiet(points.storage)
    out["repr"] = repr(storage)
    out["len"] = (len(storage), storage.size(), storage.element_size(), storage.nbytes())
    out["items"] = (storage[0], storage[1], storage[-1], type(storage[0]).__name__, storage.tolist(), list(storage))
    storage[0] = 2.0
    out["written"] = points.tolist()
    second = points[1]
    out["offsets"] = (second.storage_offset(), points.t().storage_offset(), points[1:].storage_offset(),
                      points[:, 1].storage_offset(), points.storage_offset())
    out["shared"] = (_quiet(points.t().storage).data_ptr() == _quiet(points.storage).data_ptr(),
                     _quiet(points.storage).data_ptr() == points.data_ptr(),
                     points.untyped_storage().data_ptr() == points[2].untyped_storage().data_ptr())
    second_clone = points[1].clone()
    out["clone_own"] = (_quiet(second_clone.storage).data_ptr() != _quiet(points.storage).data_ptr(),
                        len(_quiet(second_clone.storage)))
    t = lib.arange(6.0)
    v = t.view(2, 3)[:, 1:]
    out["view"] = (v.storage_offset(), len(_quiet(v.storage)), v.stride())
    u = points.untyped_storage()
    out["untyped"] = (u.nbytes(), u.size(), u.element_size(), u[0:4].tolist(), type(u[0]).__name__)
    out["untyped_repr"] = repr(lib.tensor([1, 2], dtype=lib.uint8).untyped_storage())
    out["dtypes"] = [repr(_quiet(lib.tensor(x).storage)) for x in ([1, 2], [True], [1.5])]
    out["empty"] = repr(_quiet(lib.zeros(0).storage))
    clone = _quiet(points.storage).clone()
    clone[0] = 9.0
    out["clone"] = (points[0, 0].item(), clone[0])
    _quiet(points.storage).fill_(0)
    out["fill"] = points.tolist()
    return out


def test_storage_like_pytorch():
    ours, theirs = _chapter3(miniconv), _chapter3(torch)
    for key in theirs:
        assert ours[key] == theirs[key], key


def test_storage_errors_and_warning_like_pytorch():
    for lib in (torch, miniconv):
        s = _quiet(lib.tensor([1.0, 2.0]).storage)
        with pytest.raises(IndexError, match="index 10 out of range for storage of size 2"):
            s[10]
        with pytest.raises(IndexError, match="index 10 is out of bounds for dimension 0 with size 2"):
            s[10] = 1.0
        with pytest.raises(RuntimeError, match="slices are only supported in UntypedStorage.__getitem__"):
            s[0:1]
    importlib.import_module("miniconv.tensor._storage")._warned["typed"] = False
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        miniconv.ones(2).storage()


def test_storage_classes_and_writes_through_untyped():
    x = miniconv.zeros(2, 2)
    assert isinstance(_quiet(x.storage), miniconv.TypedStorage)
    assert isinstance(x.untyped_storage(), miniconv.storage.UntypedStorage)
    x.untyped_storage()[0:4] = np.frombuffer(np.float32(1.5).tobytes(), np.uint8)
    assert x[0, 0].item() == 1.5
    assert miniconv.UntypedStorage(3).tolist() == [0, 0, 0]  # PyTorch's bytes are uninitialized
    assert len(miniconv.UntypedStorage(3)) == len(torch.UntypedStorage(3)) == 3
    typed = miniconv.TypedStorage([1.0, 2.0], dtype=miniconv.float64)
    assert typed.tolist() == torch.TypedStorage([1.0, 2.0], dtype=torch.float64).tolist()
    assert typed.element_size() == 8 and typed.untyped().nbytes() == 16
