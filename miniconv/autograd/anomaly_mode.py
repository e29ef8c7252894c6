"""Anomaly detection (PyTorch's ``torch.autograd.detect_anomaly``): while it is on, every node recorded in the
forward pass keeps the stack of the call that made it, and every backward node's gradients are checked for NaN
(a NaN raises PyTorch's error naming the node that produced it). When a node's backward raises (NaN, a saved
tensor modified in place, an error in a custom backward), a UserWarning shows the forward call that made the node:
"Error detected in MulBackward0. Traceback of forward call that caused the error: ...". While it is off, the
forward pass pays one global read per op, nothing else.

The switch is process-wide, as PyTorch's. Turning it on warns, as PyTorch does, that it slows backward.
"""
import functools
import os
import traceback
import warnings

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]

_enabled = False
_check_nan = True


def is_anomaly_enabled():
    return _enabled


def is_anomaly_check_nan_enabled():
    return _check_nan


def _set(mode, check_nan):
    global _enabled, _check_nan
    previous = (_enabled, _check_nan)
    _enabled, _check_nan = bool(mode), bool(check_nan)
    return previous


class set_detect_anomaly:
    """Turn anomaly detection on or off (a function call, a context manager or a decorator)."""

    def __init__(self, mode, check_nan=True):
        self._previous = _set(mode, check_nan)

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        _set(*self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(*_current()):
                return fn(*args, **kwargs)
        return wrapper


def _current():
    return _enabled, _check_nan


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it."""

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self._previous = _set(True, self.check_nan)
        return None

    def __exit__(self, *exc):
        _set(*self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


def check_gradients(node_name, grads):
    """Raise PyTorch's error if one of a node's returned gradients (arrays or None) holds a NaN."""
    for i, g in enumerate(grads):
        if g is not None and getattr(g, "dtype", None) is not None and g.dtype.kind == "f" and (g != g).any():
            raise RuntimeError(f"Function '{node_name}' returned nan values in its {i}th output.")


def set_anomaly_enabled(enabled, check_nan=True):
    """``torch.set_anomaly_enabled``: switch anomaly detection on or off for the rest of the program."""
    _set(bool(enabled), bool(check_nan))


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def forward_stack():
    """The stack of the current call as ``traceback.format_stack()`` lines, less miniconv's own frames at its end:
    PyTorch's stack ends at the last Python frame before its C++ op, the user's line (or their module's forward)."""
    frames = traceback.extract_stack()
    while frames and os.path.abspath(frames[-1].filename).startswith(_PACKAGE_DIR):
        frames.pop()
    return traceback.format_list(frames)


def warn_backward_error(node):
    """PyTorch's warning when ``node``'s backward raised while anomaly mode is on: the forward call's stack."""
    name = node.name()
    stack = getattr(node, "_anomaly_trace", None)
    if stack is None:
        warnings.warn(f"Error detected in {name}. No forward pass information available. Enable detect anomaly "
                      "during forward pass for more information.", UserWarning, stacklevel=2)
    else:
        warnings.warn(f"Error detected in {name}. Traceback of forward call that caused the error:\n" + "".join(stack),
                      UserWarning, stacklevel=2)
