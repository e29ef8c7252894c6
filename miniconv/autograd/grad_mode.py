"""Grad mode: whether operations are recorded for backward (thread-local, as in PyTorch).

``no_grad``, ``enable_grad``, ``set_grad_enabled(mode)`` and ``inference_mode(mode=True)`` are
context managers and decorators (``@no_grad()``, ``@no_grad``, ``@set_grad_enabled(False)``): a
decorated function switches the mode at each call, not at decoration time.
"""
import functools
import inspect
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]

class _ThreadState(threading.local):
    """Per-thread modes; the class attributes are each new thread's defaults, so reading one is a plain
    attribute lookup (``getattr(local, name, default)`` on a thread that never set it costs ~2 us: it
    raises and catches AttributeError), which ``Function.apply`` does on every op."""

    enabled = True
    inference = False


_state = _ThreadState()


def is_grad_enabled():
    """True if operations are being recorded for backward."""
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = bool(mode)


def is_inference_mode_enabled():
    return _state.inference


class _GradModeContext:
    """A context manager that is also a decorator: each call of the decorated function runs
    inside a fresh copy of the context (``clone``)."""

    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _set_enabled(self.mode)
        return None

    def __exit__(self, *exc):
        _set_enabled(self._prev)
        return False

    def clone(self):
        return self.__class__()

    def __call__(self, fn):
        if inspect.isclass(fn) or not callable(fn):
            raise TypeError(f"{type(self).__name__} can only decorate functions, got {type(fn).__name__}")

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper


class _NoParamContext(_GradModeContext):
    """Also usable as ``@no_grad`` without parentheses (PyTorch 2 allows both)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamContext):
    """Disable graph recording: ``with no_grad(): ...``, ``@no_grad()`` or ``@no_grad``."""

    mode = False


class enable_grad(_NoParamContext):
    """Enable graph recording inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """``set_grad_enabled(False)`` switches grad mode off at once when called as a function, and
    restores the previous mode at the end of a ``with`` block or of each decorated call."""

    def __init__(self, mode):
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled(): argument 'mode' must be bool, not {type(mode).__name__}")
        self.mode = mode
        self._prev = is_grad_enabled()
        _set_enabled(mode)

    def __call__(self, fn):
        _set_enabled(self._prev)  # as a decorator, nothing changes until the function is called
        return super().__call__(fn)

    def __enter__(self):
        _set_enabled(self.mode)
        return None

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_GradModeContext):
    """Like ``no_grad`` (miniconv has no separate inference tensors): ``inference_mode(False)``
    changes nothing."""

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)  # @inference_mode without parentheses

    def __init__(self, mode=True):
        self.inference = mode
        self.mode = not mode if mode else is_grad_enabled()

    def __enter__(self):
        self._prev_inf = is_inference_mode_enabled()
        self._prev = is_grad_enabled()
        if self.inference:
            _state.inference = True
            _set_enabled(False)
        return None

    def __exit__(self, *exc):
        _state.inference = self._prev_inf
        _set_enabled(self._prev)
        return False

    def clone(self):
        return self.__class__(self.inference)
