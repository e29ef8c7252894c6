"""autograd.detect_anomaly (NaN gradients name their node) and the deprecated autograd.Variable, against torch."""
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")


def _nan_backward(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() * 0).sum()  # d sqrt(x)/dx at 0 is inf; inf * 0 = NaN in SqrtBackward0's output
    y.backward()
    return x.grad


def test_detect_anomaly_names_the_node_that_returned_nan():
    messages = []
    for L in (miniconv, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with L.autograd.detect_anomaly():
                with pytest.raises(RuntimeError) as info:
                    _nan_backward(L)
        messages.append(str(info.value).splitlines()[0])
        assert not L.is_anomaly_enabled()
    assert messages[0] == messages[1]
    # outside the context: NaN flows through silently, as in PyTorch
    assert miniconv.isnan(_nan_backward(miniconv)).any()


def test_detect_anomaly_warns_and_restores_and_decorates():
    for L in (miniconv, torch):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            ctx = L.autograd.detect_anomaly()
        assert any("Anomaly Detection has been enabled" in str(r.message) for r in rec)
        with ctx:
            assert L.is_anomaly_enabled()
        assert not L.is_anomaly_enabled()
        L.autograd.set_detect_anomaly(True)
        assert L.is_anomaly_enabled()
        L.autograd.set_detect_anomaly(False)
        assert not L.is_anomaly_enabled()


def test_custom_function_nan_is_caught():
    class Bad(miniconv.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    x = miniconv.ones(2, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with miniconv.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="Function 'BadBackward' returned nan values in its 0th output"):
                Bad.apply(x).sum().backward()


def test_variable_is_a_tensor_leaf():
    for L in (miniconv, torch):
        base = L.ones(3)
        v = L.autograd.Variable(base, requires_grad=True)
        assert isinstance(v, L.Tensor) and isinstance(base, L.autograd.Variable)
        assert v.requires_grad and v.is_leaf
        (v * 2).sum().backward()
        assert v.grad.tolist() == [2.0, 2.0, 2.0]
        assert not L.autograd.Variable(base).requires_grad
