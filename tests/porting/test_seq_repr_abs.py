"""Small things tutorial scripts print or call: ``repr`` of ParameterList / ParameterDict (inside a model's
printout), and Python's ``abs(t)``. Compared with torch."""
import numpy as np
import pytest

import miniconv

torch = pytest.importorskip("torch")


def _model(lib):
    nn = lib.nn

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.plist = nn.ParameterList([nn.Parameter(lib.ones(2, 3)), nn.Parameter(lib.ones(4))])
            self.one = nn.ParameterList([nn.Parameter(lib.ones(2))])
            self.empty = nn.ParameterList()
            self.pdict = nn.ParameterDict({"a": nn.Parameter(lib.ones(2, 3)),
                                           "b": nn.Parameter(lib.ones(1, dtype=lib.float64))})
            self.lin = nn.Linear(2, 2)

    return M()


def test_parameter_containers_print_as_torch():
    assert repr(_model(miniconv)).replace("miniconv.", "torch.") == repr(_model(torch))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_python_abs_matches_torch(dtype):
    data = np.array([-1.5, 0.0, 2.0, -3.0])
    res = []
    for lib in (torch, miniconv):
        x = lib.tensor(data, dtype=getattr(lib, dtype))
        y = abs(x)
        res.append((y.numpy().copy(), str(y.dtype).split(".")[-1]))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    assert res[1][1] == res[0][1]


def test_python_abs_gradient():
    grads = []
    for lib in (torch, miniconv):
        x = lib.tensor([-1.5, 2.0, -3.0], requires_grad=True)
        abs(x).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_python_abs_of_bool_refused_as_torch():
    classes = []
    for lib in (torch, miniconv):
        with pytest.raises(Exception) as e:
            abs(lib.tensor([True, False]))
        classes.append(type(e.value))
    assert classes[0] is classes[1]
