"""The ``flags()`` / ``set_flags()`` pair shared by ``backends.cudnn`` and ``backends.mkldnn``."""
import contextlib


def set_flags(module, names, values):
    """Set ``module.<name>`` for every value that is not None; return the previous values (in ``names`` order)."""
    old = tuple(getattr(module, name) for name in names)
    for name, value in zip(names, values):
        if value is not None:
            setattr(module, name, value)
    return old


@contextlib.contextmanager
def flags(module, names, values):
    """Set the flags for the duration of a ``with`` block, then restore the previous values."""
    old = set_flags(module, names, values)
    try:
        yield
    finally:
        set_flags(module, names, old)
