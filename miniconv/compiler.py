"""``torch.compiler``'s questions and decorators for an eager library: nothing is ever being compiled."""
import functools

__all__ = ["disable", "is_compiling", "is_dynamo_compiling", "is_exporting", "reset"]


def is_compiling():
    """False: miniconv runs every function eagerly (``torch.compile`` returns an eager wrapper)."""
    return False


is_dynamo_compiling = is_compiling
is_exporting = is_compiling


def reset():
    """No compile caches to clear."""


def disable(fn=None, recursive=True, *, reason=None):
    """``@torch.compiler.disable``: the function itself (it already runs eagerly)."""
    if fn is None:
        return functools.partial(disable, recursive=recursive, reason=reason)
    return fn
