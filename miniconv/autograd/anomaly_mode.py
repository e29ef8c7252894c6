"""Anomaly detection (PyTorch's ``torch.autograd.detect_anomaly``): while it is on, every backward node's
gradients are checked for NaN, and a NaN raises PyTorch's error naming the node that produced it.

The switch is process-wide, as PyTorch's. Turning it on warns, as PyTorch does, that it slows backward.
"""
import functools
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
