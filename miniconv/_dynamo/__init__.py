"""``torch._dynamo``'s names that eager scripts touch: ``config`` (kept, changes nothing), ``reset``,
``disable``, ``is_compiling``, ``mark_dynamic`` / ``mark_static`` (accepted), ``list_backends``,
``allow_in_graph`` and ``OptimizedModule``. miniconv's ``compile`` returns an eager wrapper."""
from .. import compiler as _compiler
from .._compile import _BACKENDS, OptimizedModule
from . import config

__all__ = ["OptimizedModule", "allow_in_graph", "config", "disable", "is_compiling", "list_backends",
           "mark_dynamic", "mark_static", "maybe_mark_dynamic", "reset"]

reset = _compiler.reset
disable = _compiler.disable
is_compiling = _compiler.is_compiling


def list_backends(exclude_tags=("debug", "experimental")):
    """The backend names ``torch._dynamo.list_backends()`` gives (every one runs eagerly here)."""
    return ["cudagraphs", "inductor", "openxla", "tvm"] if exclude_tags else sorted(_BACKENDS)


def mark_dynamic(t, index, *, min=None, max=None, specialize_on=None):  # noqa: A002
    """Accepted: shapes never specialise in an eager library."""


def maybe_mark_dynamic(t, index):
    """Accepted: shapes never specialise in an eager library."""


def mark_static(t, index=None):
    """Accepted: shapes never specialise in an eager library."""


def allow_in_graph(fn):
    """The function itself."""
    return fn
