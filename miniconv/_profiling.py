"""The profiler's recording state, at the bottom of the import graph: the autograd core asks
``active`` on every op (one global read when no profiler runs) and hands the call to ``timed``
when one does. ``miniconv.profiler`` builds the user-facing API on top."""
import re
import threading
import time

active = False        # True while a profiler records (set by miniconv.profiler only)
_session = None       # the recording session: .events (list), .record_shapes (bool)
_lock = threading.Lock()
_local = threading.local()
_names = {}


def _op_name(fn):
    """'aten::max_pool2d' for MaxPool2d.forward, 'autograd::engine::evaluate_function:
    MaxPool2dBackward0' for its backward (PyTorch's names for the same events)."""
    name = _names.get(fn)
    if name is None:
        qual = getattr(fn, "__qualname__", getattr(fn, "__name__", "op"))
        cls, _, meth = qual.rpartition(".")
        cls = (cls.rsplit(".", 1)[-1] or qual).lstrip("_")
        if meth == "backward":
            name = f"autograd::engine::evaluate_function: {cls}Backward0"
        else:
            words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", cls.replace("ReLU", "Relu"))
            name = "aten::" + ("_".join(w.lower() for w in words) or cls.lower())
        _names[fn] = name
    return name


class Event:
    """One recorded range: name, thread, start/end (ns since the epoch of perf_counter), the
    input shapes (when recorded), the parent range on the same thread and the children's total."""
    __slots__ = ("name", "thread", "start_ns", "end_ns", "input_shapes", "parent", "children_ns", "id")

    def __init__(self, name, input_shapes):
        self.name = name
        self.thread = threading.get_ident()
        self.input_shapes = input_shapes
        self.children_ns = 0
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        self.parent = stack[-1] if stack else None
        stack.append(self)
        self.start_ns = time.perf_counter_ns()
        self.end_ns = None


def open_range(name, args=()):
    """Start a range in the current session (None when none records)."""
    session = _session
    if session is None:
        return None
    shapes = []
    if session.record_shapes:
        for a in args:
            shape = getattr(a, "shape", None)
            shapes.append(list(shape) if shape is not None else [])
    ev = Event(name, shapes)
    return ev


def close_range(ev):
    if ev is None:
        return
    ev.end_ns = time.perf_counter_ns()
    stack = _local.stack
    while stack and stack[-1] is not ev:   # ranges closed out of order (an exception unwound them)
        stack.pop()
    if stack:
        stack.pop()
    if ev.parent is not None:
        ev.parent.children_ns += ev.end_ns - ev.start_ns
    session = _session
    if session is not None:
        with _lock:
            ev.id = len(session.events)
            session.events.append(ev)


def timed(fn, args):
    """``fn(*args)`` recorded as one range named after the op."""
    ev = open_range(_op_name(fn), args[1:])   # args[0] is the op's ctx
    try:
        return fn(*args)
    finally:
        close_range(ev)
