"""``torch.jit`` without TorchScript.

miniconv has no TorchScript compiler or serialized-program format, so nothing here pretends to make one:
``trace``, ``script`` of a Module, ``save`` and ``load`` raise NotImplementedError naming what to use instead.
What is honest in an eager library is kept: ``@torch.jit.script`` on a plain function returns that function
running eagerly (same results; its ``save``/``code``/``graph`` raise), the markers ``ignore``, ``unused``,
``export`` leave their function unchanged (as in eager PyTorch), ``is_scripting()``/``is_tracing()`` are False,
``annotate(type, value)`` returns the value and ``Final`` is ``typing.Final``.
"""
import functools
import typing

__all__ = ["script", "trace", "save", "load", "ignore", "unused", "export", "is_scripting", "is_tracing",
           "annotate", "Final"]

Final = typing.Final

_INSTEAD = ("save weights with torch.save(model.state_dict(), path) (or miniconv.save_safetensors) and rebuild the "
            "model in Python; torch.compile(model) runs eagerly with the same results")


def _no_torchscript(what):
    return NotImplementedError(f"miniconv has no TorchScript: {what} is not supported; {_INSTEAD}")


class ScriptFunction:
    """What ``@torch.jit.script`` makes of a plain function here: the function, run eagerly."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self._fn = fn

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def save(self, *args, **kwargs):
        raise _no_torchscript("saving a scripted function")

    @property
    def code(self):
        raise _no_torchscript("the TorchScript code of a function")

    @property
    def graph(self):
        raise _no_torchscript("the TorchScript graph of a function")


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """``@torch.jit.script`` on a function: the function, run eagerly. A Module or class raises."""
    from .nn.modules.module import Module

    if isinstance(obj, Module) or isinstance(obj, type):
        raise _no_torchscript(f"torch.jit.script of {type(obj).__name__ if not isinstance(obj, type) else obj.__name__}")
    if not callable(obj):
        raise _no_torchscript(f"torch.jit.script of a {type(obj).__name__}")
    return ScriptFunction(obj)


def trace(func, example_inputs=None, *args, **kwargs):
    raise _no_torchscript("torch.jit.trace")


def trace_module(mod, inputs, *args, **kwargs):
    raise _no_torchscript("torch.jit.trace_module")


def save(m, f, _extra_files=None):
    raise _no_torchscript("torch.jit.save")


def load(f, map_location=None, _extra_files=None, _restore_shapes=False):
    raise _no_torchscript("torch.jit.load")


def ignore(drop=False, **kwargs):
    """Marks a method TorchScript should not compile; eagerly, the method itself."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn):
    return fn


def export(fn):
    return fn


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value
