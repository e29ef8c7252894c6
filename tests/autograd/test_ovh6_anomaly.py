"""Anomaly mode's forward traceback (ovh6): while detect_anomaly is on, each recorded node keeps the stack of the
forward call that made it; when its backward raises, a UserWarning names the node and shows that stack, as
PyTorch's "Error detected in SqrtBackward0. Traceback of forward call that caused the error:". Nothing is recorded
while anomaly mode is off."""
import inspect
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")


def _run(fn):
    """fn() under catch_warnings: (the exception raised or None, the warnings' messages)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            fn()
            error = None
        except RuntimeError as e:
            error = e
    return error, [(w.category, str(w.message)) for w in rec if "Anomaly Detection has been enabled" not in str(w.message)]


def _nan_case(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    with L.autograd.detect_anomaly():
        y = (x.sqrt() * 0).sum(); line = inspect.currentframe().f_lineno  # noqa: E702
        y.backward()
    return line


@pytest.mark.parametrize("L", [miniconv, torch], ids=["miniconv", "torch"])
def test_nan_warning_names_node_and_forward_line(L):
    lines = []
    error, warned = _run(lambda: lines.append(_nan_case(L)))
    assert str(error) == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert len(warned) == 1 and warned[0][0] is UserWarning
    text = warned[0][1]
    first, *rest = text.splitlines()
    assert first == "Error detected in SqrtBackward0. Traceback of forward call that caused the error:"
    assert f'File "{__file__}", line {_nan_case.__code__.co_firstlineno + 3}, in _nan_case' in text
    # the last frame shown is the user's line (miniconv's own frames are left out, as PyTorch's C++ ones)
    frames = [r for r in rest if r.strip().startswith("File ")]
    assert frames[-1].strip().startswith(f'File "{__file__}"')
    assert "y = (x.sqrt() * 0).sum()" in text


def _version_case(L):
    with L.autograd.set_detect_anomaly(True):
        a = L.ones(3, requires_grad=True)
        b = a * 2
        c = b.sin()
        b.add_(1)
        c.sum().backward()


def test_version_error_warns_with_the_forward_trace():
    results = {}
    for L in (miniconv, torch):
        error, warned = _run(lambda: _version_case(L))
        results[L.__name__] = (str(error), [(c, m.splitlines()[0]) for c, m in warned])
        assert any("c = b.sin()" in m for _, m in warned)
    assert results["miniconv"] == results["torch"]
    assert results["torch"][1] == [(UserWarning, "Error detected in SinBackward0. Traceback of forward call that "
                                                 "caused the error:")]
    assert not miniconv.is_anomaly_enabled()


def _node_before_anomaly(L):
    x = L.tensor([0.0, 1.0], requires_grad=True)
    y = (x.sqrt() * 0).sum()  # recorded with anomaly mode off
    with L.autograd.detect_anomaly():
        y.backward()


def test_node_recorded_before_anomaly_mode_has_no_trace():
    results = []
    for L in (miniconv, torch):
        error, warned = _run(lambda: _node_before_anomaly(L))
        results.append((str(error), [(c, m.split(" (Triggered internally")[0]) for c, m in warned]))
    assert results[0] == results[1]
    assert results[1][1] == [(UserWarning, "Error detected in SqrtBackward0. No forward pass information available. "
                                           "Enable detect anomaly during forward pass for more information.")]


def _custom_case(L):
    class Broken(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise RuntimeError("broken backward")

    x = L.ones(2, requires_grad=True)
    with L.autograd.detect_anomaly():
        out = Broken.apply(x)
        out.sum().backward()


def test_custom_function_error_warns_with_its_name():
    results = []
    for L in (miniconv, torch):
        error, warned = _run(lambda: _custom_case(L))
        assert any("out = Broken.apply(x)" in m for _, m in warned)
        results.append((str(error), [(c, m.splitlines()[0]) for c, m in warned]))
    assert results[0] == results[1]
    assert results[1] == ("broken backward", [(UserWarning, "Error detected in BrokenBackward. Traceback of forward "
                                                            "call that caused the error:")])


def test_module_forward_line_is_the_last_frame():
    class Net(miniconv.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = miniconv.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x).sqrt() * 0  # the line the trace must end on

    net = Net()
    with miniconv.no_grad():
        net.fc.weight.fill_(0.0)
        net.fc.bias.fill_(0.0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        with miniconv.autograd.detect_anomaly():
            with pytest.raises(RuntimeError, match="returned nan values"):
                net(miniconv.ones(1, 2)).sum().backward()
    text = [str(w.message) for w in rec if "Error detected" in str(w.message)][0]
    assert text.splitlines()[0] == "Error detected in SqrtBackward0. Traceback of forward call that caused the error:"
    assert text.rstrip().splitlines()[-1].strip() == "return self.fc(x).sqrt() * 0  # the line the trace must end on"


def test_no_trace_recorded_while_off_and_no_warning_on_success():
    x = miniconv.ones(2, requires_grad=True)
    y = x * 3
    assert y.grad_fn._anomaly_trace is None
    with miniconv.autograd.set_detect_anomaly(True):
        z = y.exp()
        w, _ = miniconv.ones(2, 2, requires_grad=True).max(dim=0)  # a multi-output node
    assert "z = y.exp()" in z.grad_fn._anomaly_trace[-1]
    assert "w, _ =" in w.grad_fn._anomaly_trace[-1]
    error, warned = _run(lambda: (z.sum() + w.sum()).backward())
    assert error is None and warned == []
    assert x.grad.tolist() == pytest.approx([3 * 2.718281828459045 ** 3] * 2)
