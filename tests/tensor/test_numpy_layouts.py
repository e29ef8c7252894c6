"""tensor / as_tensor / from_numpy / new_tensor on NumPy arrays of every layout, against PyTorch: values,
is_contiguous(), stride(), memory sharing (seen through in-place writes on either side), PyTorch's error for a
negative stride or a non-native byte order; flip() copies; gradcheck on Fortran-ordered and sliced inputs."""
import warnings

import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _layouts():
    return {
        "c": np.arange(6.0).reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "fortran_3d": np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)),
        "transposed_3d": np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1),
        "column_slice": np.arange(12.0).reshape(3, 4)[:, ::2],
        "row_slice": np.arange(12.0).reshape(3, 4)[::2, 1:],
        "fortran_slice": np.asfortranarray(np.arange(12.0).reshape(3, 4))[:, ::2],
        "size_one_dim": np.zeros((2, 1, 4), order="F") + np.arange(8.0).reshape(2, 1, 4),
        "float32_fortran": np.asfortranarray(np.arange(6.0, dtype=np.float32).reshape(2, 3)),
        "int_fortran": np.asfortranarray(np.arange(6).reshape(2, 3)),
        "broadcast": np.broadcast_to(np.arange(3.0), (2, 3)),
        "broadcast_column": np.broadcast_to(np.arange(3.0)[:, None], (3, 4)),
        "broadcast_fortran": np.broadcast_to(np.asfortranarray(np.arange(6.0).reshape(2, 3))[:, None, :], (2, 4, 3)),
    }


CONSTRUCTORS = {
    "tensor": lambda lib, a: lib.tensor(a),
    "tensor_float32": lambda lib, a: lib.tensor(a, dtype=lib.float32),
    "as_tensor": lambda lib, a: lib.as_tensor(a),
    "as_tensor_float64": lambda lib, a: lib.as_tensor(a, dtype=lib.float64),
    "as_tensor_float32": lambda lib, a: lib.as_tensor(a, dtype=lib.float32),
    "from_numpy": lambda lib, a: lib.from_numpy(a),
    "new_tensor": lambda lib, a: lib.zeros(1, dtype=lib.float64).new_tensor(a),
}


def _observe(lib, layout, ctor):
    """What user code can see: values, layout, and whether the tensor and the array share memory."""
    a = _layouts()[layout]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about read-only (broadcast) arrays
        t = CONSTRUCTORS[ctor](lib, a)
    seen = {"values": t.tolist(), "dtype": str(t.dtype).split(".")[-1], "contiguous": t.is_contiguous(),
            "stride": t.stride(), "shape": tuple(t.shape)}
    if a.flags.writeable:
        first = (0,) * a.ndim
        a[first] += 100  # array -> tensor
        seen["array_write_seen"] = t[first].item() == a[first]
        t[(-1,) * a.ndim] = -7  # tensor -> array
        seen["tensor_write_seen"] = a[(-1,) * a.ndim] == -7
    return seen


# from_numpy of a read-only (broadcast) array: PyTorch warns that writes are undefined behaviour; not compared
CASES = [(layout, ctor) for layout in sorted(_layouts()) for ctor in sorted(CONSTRUCTORS)
         if not (ctor == "from_numpy" and layout.startswith("broadcast"))]


@pytest.mark.parametrize(("layout", "ctor"), CASES)
def test_layout_and_sharing_match_pytorch(layout, ctor):
    assert _observe(miniconv, layout, ctor) == _observe(torch, layout, ctor)


def test_copies_are_c_contiguous_where_pytorch_makes_them_so():
    """The cases where a copy is C-contiguous in PyTorch (slices, broadcasts) are C-contiguous here too,
    and a Fortran-ordered source keeps its order in both (PyTorch's tensor() preserves a dense layout)."""
    layouts = _layouts()
    for name in ("column_slice", "row_slice", "broadcast", "broadcast_column"):
        assert miniconv.tensor(layouts[name]).is_contiguous()
        assert miniconv.tensor(layouts[name])._data.flags.c_contiguous
    assert not miniconv.tensor(layouts["fortran"]).is_contiguous()
    assert not torch.tensor(layouts["fortran"]).is_contiguous()


NEGATIVE = {
    "reversed": lambda: np.arange(6.0)[::-1],
    "reversed_columns": lambda: np.arange(12.0).reshape(3, 4)[:, ::-1],
    "flipud": lambda: np.flipud(np.arange(12.0).reshape(3, 4)),
    "reversed_empty": lambda: np.ones((2, 3))[::-1][:, :0],
    "big_endian": lambda: np.arange(6.0).astype(">f8"),
    "big_endian_int": lambda: np.arange(6).astype(">i4"),
    "big_endian_reversed": lambda: np.arange(6.0).astype(">f8")[::-1],
}


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - compared
        return type(e).__name__, str(e)
    return None


@pytest.mark.parametrize("ctor", sorted(CONSTRUCTORS))
@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_negative_strides_and_foreign_byte_order_are_refused_as_in_pytorch(case, ctor):
    m = _error(lambda: CONSTRUCTORS[ctor](miniconv, NEGATIVE[case]()))
    t = _error(lambda: CONSTRUCTORS[ctor](torch, NEGATIVE[case]()))
    assert t is not None and m == t


def test_a_copy_of_a_negative_stride_array_works():
    a = np.arange(6.0)[::-1].copy()
    assert miniconv.from_numpy(a).tolist() == torch.from_numpy(a).tolist()


def test_flip_is_a_copy():
    def run(lib):
        x = lib.arange(6.0).reshape(2, 3)
        outs = []
        for y in (x.flip(1), x.flip(0, 1), x.fliplr(), x.flipud(), x.rot90(), lib.flip(x, [0])):
            outs.append((y.tolist(), y.stride(), y.is_contiguous()))
            y[(0,) * y.ndim] = 100
        outs.append(x.tolist())  # none of the writes reached x
        return outs
    assert run(miniconv) == run(torch)


def test_flip_gradient():
    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        (x.flip(1) * lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64)).sum().backward()
        return x.grad.tolist()
    assert run(miniconv) == run(torch)


@pytest.mark.parametrize("layout", ["fortran", "fortran_3d", "transposed_3d", "column_slice"])
def test_gradcheck_on_a_non_c_contiguous_input(layout):
    def run(lib):
        a = _layouts()[layout] / 10
        x = lib.from_numpy(a).requires_grad_(True)
        fn = lambda t: (t.exp() * t.sum()).tanh()  # noqa: E731 - the same lambda on both libraries
        return lib.autograd.gradcheck(fn, (x,)), np.array_equal(a, _layouts()[layout] / 10)
    assert run(miniconv) == run(torch) == (True, True)


def test_gradcheck_finds_a_wrong_gradient_on_a_fortran_input():
    class Wrong(miniconv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return g  # should be 2 x g

    x = miniconv.from_numpy(np.asfortranarray(np.arange(1.0, 7.0).reshape(2, 3))).requires_grad_(True)
    assert miniconv.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_gradcheck_refuses_a_stride_zero_input_as_pytorch():
    def run(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64).expand(3, 2).requires_grad_(True)
        return _error(lambda: lib.autograd.gradcheck(lambda t: t * 2, (x,)))
    m, t = run(miniconv), run(torch)
    assert t is not None and m == t
