"""torch.frexp / Tensor.frexp and torch.real / Tensor.real against PyTorch: values, dtypes, the mantissa's
gradient, and the errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402

VALUES = [0.0, 1.0, -3.5, 1e-40, 3e38, -0.0, 0.75, 1024.0, float("inf"), float("-inf"), float("nan")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spelling", ["function", "method"])
def test_frexp_matches_torch(dtype, spelling):
    out = []
    for L in (torch, miniconv):
        x = L.tensor(np.array(VALUES, dtype=dtype))
        r = L.frexp(x) if spelling == "function" else x.frexp()
        m, e = r
        assert r.mantissa is m and r.exponent is e
        out.append((m.numpy(), e.numpy(), str(e.dtype).split(".")[-1], str(m.dtype).split(".")[-1]))
    (mt, et, edt, mdt), (mm, em, edm, mdm) = out
    np.testing.assert_array_equal(mm, mt)
    np.testing.assert_array_equal(em, et)
    assert (edm, mdm) == (edt, mdt)


def test_frexp_gradient_matches_torch():
    grads = []
    for L in (torch, miniconv):
        x = L.tensor([0.3, -5.0, 1e3, 2.0], dtype=L.float64, requires_grad=True)
        m, e = L.frexp(x * 1)
        assert not e.requires_grad
        (m * L.tensor([1.0, 2.0, 3.0, 4.0], dtype=L.float64)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_frexp_of_integers_raises_as_torch():
    msgs = []
    for L in (torch, miniconv):
        with pytest.raises(RuntimeError) as info:
            L.frexp(L.tensor([1, 2]))
        msgs.append(str(info.value))
    assert msgs[0] == msgs[1]


def test_real_of_a_real_tensor_is_the_tensor():
    for L in (torch, miniconv):
        x = L.tensor([1.0, -2.0], requires_grad=True)
        assert L.real(x) is x and x.real is x
        assert L.real(L.tensor([3, 4])).tolist() == [3, 4]
