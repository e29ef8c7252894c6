"""float16 (``torch.half``) as a tensor dtype, against PyTorch 2.13: creation, conversion, type promotion, printing,
introspection, serialization, and what a user gets for bfloat16 (which NumPy lacks) instead."""
import numpy as np
import pytest

import miniconv
from oracle import assert_same_outcome

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)


def _same(fn, message=False):
    return assert_same_outcome(fn, message=message, rtol=0)


# -- creation and conversion ---------------------------------------------------------------------------------
CREATION = {
    "ones": lambda L: L.ones(2, 3, dtype=L.float16),
    "zeros_half_alias": lambda L: L.zeros(4, dtype=L.half),
    "full": lambda L: L.full((3,), 1.1, dtype=L.half),
    "tensor_list": lambda L: L.tensor([1.1, 2.2, -0.3, 1e-6], dtype=L.float16),
    "tensor_numpy_half": lambda L: L.tensor(np.array([0.1, 3.0], np.float16)),
    "from_numpy_half": lambda L: L.from_numpy(np.array([[0.5, 7.0]], np.float16)),
    "as_tensor": lambda L: L.as_tensor([1.5, 2.5], dtype=L.half),
    "arange": lambda L: L.arange(0, 1, 0.1, dtype=L.half),
    "arange_int": lambda L: L.arange(5, dtype=L.float16),
    "linspace": lambda L: L.linspace(-1, 1, 5, dtype=L.half),
    "eye": lambda L: L.eye(2, dtype=L.half),
    "zeros_like": lambda L: L.zeros_like(L.ones(2, dtype=L.half)),
    "empty_dtype": lambda L: L.empty(3, dtype=L.half).dtype,
    "randn_dtype": lambda L: L.randn(3, dtype=L.half).dtype,
    "rand_like_dtype": lambda L: L.rand_like(L.ones(2, dtype=L.half)).dtype,
    "new_ones": lambda L: L.ones(2, dtype=L.half).new_ones(3),
    "new_tensor": lambda L: L.ones(2, dtype=L.half).new_tensor([0.1, 0.2]),
    "half": lambda L: L.tensor([0.1, 1.0, 70000.0, -1e-8]).half(),
    "to_half": lambda L: L.tensor([0.1, 1.0, 70000.0]).to(L.float16),
    "to_keywords": lambda L: L.tensor([1, 2]).to(dtype=L.half),
    "type_half": lambda L: L.tensor([0.3]).type(L.float16),
    "type_legacy_name": lambda L: L.tensor([0.3]).type("torch.HalfTensor"),
    "long_half": lambda L: L.arange(4).half(),
    "bool_half": lambda L: L.tensor([True, False]).half(),
    "half_float": lambda L: L.tensor([0.1, 1 / 3]).half().float(),
    "half_double": lambda L: L.tensor([0.1, 1 / 3]).half().double(),
    "half_long": lambda L: L.tensor([2.7, -2.7], dtype=L.half).long(),
    "half_bool": lambda L: L.tensor([0.0, 0.1], dtype=L.half).bool(),
    "type_as": lambda L: L.tensor([0.1]).type_as(L.ones(1, dtype=L.half)),
    "clone": lambda L: L.ones(2, dtype=L.half).clone(),
    "item": lambda L: L.tensor([0.1], dtype=L.half).item(),
    "tolist": lambda L: L.tensor([[0.1, 2.5]], dtype=L.half).tolist(),
    "float_of": lambda L: float(L.tensor(0.1, dtype=L.half)),
    "numpy_dtype": lambda L: str(L.ones(1, dtype=L.half).numpy().dtype),
}


@pytest.mark.parametrize("name", list(CREATION))
def test_creation_and_conversion_match_pytorch(name):
    _same(CREATION[name])


def test_gradient_through_casts_is_float16_for_a_float16_leaf():
    for L in (miniconv, torch):
        x = L.tensor([0.1, 0.2, 3.0], dtype=L.half, requires_grad=True)
        (x.float() * L.tensor([1.0, 1 / 3, 70000.0])).sum().backward()
        y = L.tensor([0.1, 0.2], requires_grad=True)
        (y.half() * 3).sum().backward()
        if L is miniconv:
            mine = (x.grad.numpy(), str(x.grad.dtype), y.grad.numpy(), str(y.grad.dtype))
    assert mine[1] == "miniconv.float16" and mine[3] == "miniconv.float32"
    np.testing.assert_array_equal(mine[0], x.grad.numpy())
    np.testing.assert_array_equal(mine[2], y.grad.numpy())


# (PyTorch's float16 normal_ over n >= 16 elements, n not a multiple of 16, recomputes its last 16 values in another
# order than its float32 kernel, which miniconv follows: those sizes differ; 16k and < 16 elements are PyTorch's)
RANDOM = {
    "randn": lambda L: L.randn(32, dtype=L.half), "randn_small": lambda L: L.randn(10, dtype=L.half),
    "rand": lambda L: L.rand(20, dtype=L.half),
    "randint": lambda L: L.randint(0, 10, (5,), dtype=L.half), "normal_": lambda L: L.empty(9, dtype=L.half).normal_(),
    "uniform_": lambda L: L.empty(9, dtype=L.half).uniform_(-1, 1),
    "dropout": lambda L: L.nn.functional.dropout(L.ones(20, dtype=L.half), 0.5),
    "linear_init_half": lambda L: L.nn.Linear(4, 3).half().weight.detach(),
    "embedding_init_half": lambda L: L.nn.Embedding(4, 3).half().weight.detach(),
}


@pytest.mark.parametrize("name", list(RANDOM))
def test_random_float16_tensors_are_pytorchs(name):
    def seeded(L):
        L.manual_seed(0)
        return RANDOM[name](L)

    _same(seeded)


# -- beyond float16's range: inf where PyTorch casts, its RuntimeError where it checks a fill value; never a
#    NumPy warning (assert_same_outcome turns RuntimeWarnings into errors)
OVERFLOW = {
    "tensor": lambda L: L.tensor([1e5, -1e300, 65519.0], dtype=L.half),
    "cast": lambda L: L.tensor([1e5, 65504.0]).half(),
    "add_number": lambda L: L.ones(2, dtype=L.half) + 1e5,
    "mul_number": lambda L: L.ones(2, dtype=L.half) * 1e5,
    "product": lambda L: L.full((2,), 300.0, dtype=L.half) * L.full((2,), 300.0, dtype=L.half),
    "setitem": lambda L: (lambda x: (x.__setitem__(0, 1e5), x)[1])(L.ones(2, dtype=L.half)),
    "where": lambda L: L.where(L.tensor([True, False]), L.ones(2, dtype=L.half), 1e5),
    "sum": lambda L: L.full((4,), 60000.0, dtype=L.half).sum(),
    "mean": lambda L: L.full((4,), 60000.0, dtype=L.half).mean(),
    "full": lambda L: L.full((2,), 1e5, dtype=L.half),
    "full_inf": lambda L: L.full((2,), float("inf"), dtype=L.half),
    "fill_": lambda L: L.ones(2, dtype=L.half).fill_(-7e4),
    "new_full": lambda L: L.ones(2, dtype=L.half).new_full((2,), 1e5),
    "masked_fill": lambda L: L.ones(2, dtype=L.half).masked_fill(L.tensor([True, False]), 1e5),
    "masked_fill_": lambda L: L.ones(2, dtype=L.half).masked_fill_(L.tensor([True, False]), 1e5),
    "clamp": lambda L: L.ones(2, dtype=L.half).clamp(max=1e5),
}


@pytest.mark.parametrize("name", list(OVERFLOW))
def test_values_beyond_float16_range_as_pytorch(name):
    _same(OVERFLOW[name], message=True)


# -- introspection ---------------------------------------------------------------------------------------------
INTROSPECTION = {
    "element_size": lambda L: L.tensor([1.5], dtype=L.half).element_size(),
    "itemsize": lambda L: L.float16.itemsize,
    "nbytes": lambda L: L.ones(3, dtype=L.half).nbytes,
    "is_floating_point": lambda L: L.ones(1, dtype=L.half).is_floating_point(),
    "dtype_is_floating_point": lambda L: L.float16.is_floating_point,
    "dtype_is_signed": lambda L: L.half.is_signed,
    "half_is_float16": lambda L: L.half is L.float16,
    "dtype_eq": lambda L: L.ones(1).half().dtype == L.float16,
    "type_name": lambda L: L.ones(1, dtype=L.half).type(),
    "finfo": lambda L: repr(L.finfo(L.float16)),
    "finfo_fields": lambda L: (L.finfo(L.half).eps, L.finfo(L.half).max, L.finfo(L.half).tiny, L.finfo(L.half).bits),
    "default_dtype_untouched": lambda L: (L.ones(1).half(), L.get_default_dtype())[1],
    "python_float_stays_default": lambda L: L.tensor([0.5]).dtype,
    "is_half_tensor": lambda L: isinstance(L.ones(2, dtype=L.half), L.HalfTensor),
    "half_tensor_class": lambda L: L.HalfTensor([1, 2]),
}


@pytest.mark.parametrize("name", list(INTROSPECTION))
def test_introspection_matches_pytorch(name):
    _same(INTROSPECTION[name])


# -- type promotion --------------------------------------------------------------------------------------------
PROMOTION = {
    "promote_types_float": lambda L: L.promote_types(L.half, L.float32),
    "promote_types_double": lambda L: L.promote_types(L.float64, L.half),
    "promote_types_int": lambda L: L.promote_types(L.half, L.int64),
    "promote_types_uint8": lambda L: L.promote_types(L.uint8, L.half),
    "promote_types_bool": lambda L: L.promote_types(L.bool, L.half),
    "result_type_number": lambda L: L.result_type(L.ones(2, dtype=L.half), 1.0),
    "result_type_int_tensor": lambda L: L.result_type(L.ones(2, dtype=L.half), L.arange(2)),
    "result_type_0d_float32": lambda L: L.result_type(L.ones(2, dtype=L.half), L.tensor(1.0)),
    "result_type_0d_half_int": lambda L: L.result_type(L.tensor(1.0, dtype=L.half), L.arange(2)),
    "can_cast_down": lambda L: L.can_cast(L.float32, L.half),
    "can_cast_int": lambda L: L.can_cast(L.int64, L.half),
    "half_plus_float": lambda L: L.ones(2, dtype=L.half) + L.ones(2),
    "half_plus_python_float": lambda L: L.ones(2, dtype=L.half) + 0.1,
    "half_plus_int_tensor": lambda L: L.ones(2, dtype=L.half) + L.arange(2),
    "int_tensor_times_0d_half": lambda L: L.arange(3) * L.tensor(0.1, dtype=L.half),
    "half_plus_double_0d": lambda L: L.ones(2, dtype=L.half) + L.tensor(0.1, dtype=L.float64),
    "half_where_float": lambda L: L.where(L.tensor([True, False]), L.ones(2, dtype=L.half), L.zeros(2)),
    "cat_half_float": lambda L: L.cat([L.ones(1, dtype=L.half), L.zeros(1)]),
    "inplace_add_float_into_half": lambda L: L.ones(2, dtype=L.half).add_(L.full((2,), 0.1)),
    "inplace_half_into_int_raises": lambda L: L.arange(2).add_(L.ones(2, dtype=L.half)),
}


@pytest.mark.parametrize("name", list(PROMOTION))
def test_type_promotion_matches_pytorch(name):
    _same(PROMOTION[name], message=True)


def test_float16_as_the_default_dtype_as_pytorch():
    def run(L):
        L.set_default_dtype(L.float16)
        try:
            return (repr(L.tensor([1.5])).replace("miniconv.", "torch."),
                    repr(L.tensor([1.5], dtype=L.float32)).replace("miniconv.", "torch."),
                    str(L.arange(0.0, 2.0).dtype), str((L.arange(3) * 0.5).dtype), str(L.ones(2).dtype),
                    str(L.get_default_dtype()))
        finally:
            L.set_default_dtype(L.float32)

    mine, theirs = run(miniconv), run(torch)
    assert [m.replace("miniconv.", "torch.") for m in mine] == list(theirs)
    assert miniconv.get_default_dtype() == miniconv.float32


# -- printing --------------------------------------------------------------------------------------------------
PRINT_VALUES = [[1.5, 2.25, -3.0], [1e-5, 1e4, 3.0], [float("inf"), float("-inf"), float("nan"), 1.0],
                [70000.0, 1e-8, 0.1], 0.3, [65504.0, -0.0], [[0.1, 0.2], [123.4, -5.0]], [], [2.0, 4.0]]


@pytest.mark.parametrize("values", PRINT_VALUES, ids=range(len(PRINT_VALUES)))
def test_repr_matches_pytorch(values):
    mine = repr(miniconv.tensor(values, dtype=miniconv.half))
    assert mine.replace("miniconv.", "torch.") == repr(torch.tensor(values, dtype=torch.half))


def test_repr_of_large_and_graph_tensors_matches_pytorch():
    big = rng.standard_normal((40, 50)).astype(np.float16) * 100
    assert repr(miniconv.tensor(big)).replace("miniconv.", "torch.") == repr(torch.tensor(big))
    for L in (miniconv, torch):
        x = L.tensor([1.5, 2.0], dtype=L.half, requires_grad=True)
        out = [repr(x), repr(x * 2), str(x.sum())]
        if L is miniconv:
            mine = [s.replace("miniconv.", "torch.") for s in out]
    assert mine == out


# -- serialization ---------------------------------------------------------------------------------------------
def _state():
    return {"w": rng.standard_normal((3, 2)).astype(np.float16), "b": np.array([0.1, 65504.0], np.float16)}


def test_state_dict_of_a_half_model_round_trips_with_pytorch(tmp_path):
    """miniconv.save of a half model's state_dict loads in miniconv; torch.save'd half state loads in miniconv as
    float16; miniconv's PyTorch-format writer is read by torch.load as float16."""
    lin = miniconv.nn.Linear(2, 3).half()
    miniconv.save(lin.state_dict(), tmp_path / "m.pt")
    back = miniconv.load(tmp_path / "m.pt")
    assert back["weight"].dtype == miniconv.float16
    np.testing.assert_array_equal(back["weight"].numpy(), lin.weight.detach().numpy())

    tl = torch.nn.Linear(2, 3).half()
    torch.save(tl.state_dict(), tmp_path / "t.pt")
    loaded = miniconv.load(tmp_path / "t.pt")
    assert loaded["weight"].dtype == miniconv.float16
    np.testing.assert_array_equal(loaded["weight"].numpy(), tl.weight.detach().numpy())
    lin.load_state_dict(loaded)
    np.testing.assert_array_equal(lin.bias.detach().numpy(), tl.bias.detach().numpy())

    miniconv.utils.save_torch_state_dict(lin.state_dict(), tmp_path / "w.pt")
    theirs = torch.load(tmp_path / "w.pt", weights_only=True)
    assert theirs["weight"].dtype == torch.float16
    np.testing.assert_array_equal(theirs["weight"].numpy(), lin.weight.detach().numpy())


def test_safetensors_round_trip_keeps_float16(tmp_path):
    from safetensors.torch import load_file, save_file

    state = _state()
    miniconv.io.save_safetensors({k: miniconv.tensor(v) for k, v in state.items()}, tmp_path / "m.safetensors")
    theirs = load_file(str(tmp_path / "m.safetensors"))
    assert all(theirs[k].dtype == torch.float16 for k in state)
    save_file({k: torch.tensor(v) for k, v in state.items()}, str(tmp_path / "t.safetensors"))
    mine = miniconv.io.load_safetensors(tmp_path / "t.safetensors")
    for k, v in state.items():
        assert mine[k].dtype == miniconv.float16
        np.testing.assert_array_equal(mine[k].numpy(), v)
        np.testing.assert_array_equal(theirs[k].numpy(), v)


def test_model_half_then_float_as_pytorch():
    def run(L):
        L.manual_seed(0)
        m = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.BatchNorm1d(4))
        m.load_state_dict({"0.weight": L.tensor(rng_w), "0.bias": L.tensor(rng_w[:, 0].copy()),
                           "1.weight": L.ones(4), "1.bias": L.zeros(4), "1.running_mean": L.zeros(4),
                           "1.running_var": L.ones(4), "1.num_batches_tracked": L.tensor(0)})
        m.half()
        kinds = [str(t.dtype).split(".")[1] for t in list(m.parameters()) + list(m.buffers())]
        m.float()
        return kinds, [str(t.dtype).split(".")[1] for t in m.parameters()], m[0].weight.detach().numpy()

    rng_w = (np.random.default_rng(3).standard_normal((4, 3)) / 3).astype(np.float32)
    a, b = run(miniconv), run(torch)
    assert a[:2] == b[:2]
    np.testing.assert_array_equal(a[2], b[2])


# -- bfloat16: NumPy has no such dtype, miniconv names it and refuses it clearly ------------------------------
@pytest.mark.parametrize("make", [lambda L: L.ones(2).bfloat16(), lambda L: L.ones(2, dtype=L.bfloat16),
                                  lambda L: L.ones(2).to(L.bfloat16)], ids=["method", "factory", "to"])
def test_bfloat16_is_refused_with_a_clear_error(make):
    assert make(torch).dtype == torch.bfloat16  # PyTorch has it
    with pytest.raises(TypeError, match=r"unsupported dtype bfloat16 \(NumPy has none\); miniconv supports "
                                        r"float32, float64, float16"):
        make(miniconv)


def test_loading_a_torch_bfloat16_tensor_widens_it_to_float32(tmp_path):
    t = torch.tensor([1.5, -2.25, 3.0e4]).bfloat16()
    torch.save({"x": t}, tmp_path / "b.pt")
    x = miniconv.load(tmp_path / "b.pt")["x"]
    assert x.dtype == miniconv.float32
    np.testing.assert_array_equal(x.numpy(), t.float().numpy())
