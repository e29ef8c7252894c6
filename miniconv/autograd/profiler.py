"""The operator profiler, as ``torch.autograd.profiler`` (and the base of ``miniconv.profiler``).

While a profile records, every miniconv op is timed as one event: forwards named ``aten::<op>``
(``aten::conv2d``, ``aten::max_pool2d``), backwards ``autograd::engine::evaluate_function:
<Op>Backward0``, plus the ranges of ``record_function``. Events nest per thread (an op inside a
``record_function`` range is its child), so each has a total and a self CPU time, and
``key_averages().table()`` prints PyTorch's table. CPU only: there is no device to profile; the
memory columns are not recorded (``profile_memory`` is accepted and records nothing)."""
import functools
import json
import os
import threading
import time

from .. import _profiling

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]

_US_IN_SECOND, _US_IN_MS = 1e6, 1e3


def _format_time(time_us):
    if time_us >= _US_IN_SECOND:
        return f"{time_us / _US_IN_SECOND:.3f}s"
    if time_us >= _US_IN_MS:
        return f"{time_us / _US_IN_MS:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    if total_time_us == 0:
        return "NaN"
    return f"{time_us * 100.0 / total_time_us:.2f}%"


class FunctionEvent:
    """One recorded event: ``name`` (= ``key``), ``thread``, ``input_shapes``, start/end times in
    microseconds (``time_range.start``/``.end``), ``cpu_time_total``, ``self_cpu_time_total``
    (microseconds), ``cpu_parent`` and ``cpu_children``."""

    def __init__(self, raw, origin_ns):
        self.id = raw.id
        self.name = raw.name
        self.thread = raw.thread
        self.input_shapes = raw.input_shapes
        self.start_us = (raw.start_ns - origin_ns) / 1e3
        self.end_us = (raw.end_ns - origin_ns) / 1e3
        self.cpu_time_total = (raw.end_ns - raw.start_ns) / 1e3
        self.self_cpu_time_total = max(0.0, (raw.end_ns - raw.start_ns - raw.children_ns) / 1e3)
        self.is_user_annotation = not (raw.name.startswith("aten::") or raw.name.startswith("autograd::"))
        self.cpu_parent = None
        self.cpu_children = []
        self.count = 1
        self.device_type = "CPU"
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_time_total = self.self_device_time_total = 0
        self.flops = 0
        self.stack = []

    @property
    def key(self):
        return self.name

    @property
    def cpu_time(self):
        return self.cpu_time_total

    class _Interval:
        def __init__(self, start, end):
            self.start, self.end = start, end

        def elapsed_us(self):
            return self.end - self.start

    @property
    def time_range(self):
        return FunctionEvent._Interval(self.start_us, self.end_us)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"self_cpu_time={_format_time(self.self_cpu_time_total)} thread={self.thread} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """The events of one key (and input shapes, when grouped by them) added up."""

    def __init__(self):
        self.key = None
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.input_shapes = None
        self.is_user_annotation = False
        self.cpu_parent = None
        self.cpu_children = None
        self.device_type = "CPU"
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.device_time_total = self.self_device_time_total = 0
        self.flops = 0
        self.stack = []

    def add(self, other):
        if self.key is None:
            self.key = other.key
            self.input_shapes = other.input_shapes
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        return self

    def __iadd__(self, other):
        return self.add(other)

    @property
    def cpu_time(self):
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time_total)} input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events (FunctionEvent or FunctionEventAvg) with PyTorch's summaries."""

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0):
        groups = {}
        for e in self:
            key = (e.key, str(e.input_shapes)) if group_by_input_shape else e.key
            groups.setdefault(key, FunctionEventAvg()).add(e)
        return EventList(groups.values())

    def total_average(self):
        total = FunctionEventAvg()
        for e in self:
            total.add(e)
        total.key = "Total"
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return _build_table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width,
                            header, top_level_events_only)

    def export_chrome_trace(self, path):
        """A Chrome trace (chrome://tracing, Perfetto) of the events, written atomically."""
        pid = os.getpid()
        trace = {"traceEvents": [
            {"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op", "name": e.name,
             "pid": pid, "tid": e.thread, "ts": e.start_us, "dur": e.cpu_time_total,
             "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}}
            for e in self if isinstance(e, FunctionEvent)], "displayTimeUnit": "ms"}
        path = os.fspath(path)
        tmp = f"{path}.tmp{pid}.{threading.get_ident()}"
        try:
            with open(tmp, "w") as f:
                json.dump(trace, f)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)

    def __str__(self):
        return self.table()


def _build_table(events, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                 top_level_events_only):
    if len(events) == 0:
        return ""
    rows = list(events)
    if sort_by is not None:
        rows = sorted(rows, key=lambda e: getattr(e, sort_by), reverse=True)
    if top_level_events_only:
        rows = [e for e in rows if getattr(e, "cpu_parent", None) is None]
    has_shapes = any(e.input_shapes for e in rows if isinstance(e, FunctionEventAvg))
    name_width = min(max(len(e.key) for e in rows) + 4, max_name_column_width)
    shapes_width = min(max(len(str(e.input_shapes)) for e in rows) + 4, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_width] + [12] * 6
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    fmt = "".join(f"{{:>{w}}}  " for w in widths)
    line = "".join("-" * w + "  " for w in widths)
    total = sum(e.self_cpu_time_total for e in events)
    out = []
    if header is not None:
        out += ["=" * len(line), header]
    out += [line, fmt.format(*headers), line]
    for e in rows[:row_limit] if row_limit and row_limit > 0 else rows:
        name = e.key if len(e.key) <= name_width else e.key[:name_width - 3] + "..."
        cells = [name, _format_time_share(e.self_cpu_time_total, total), _format_time(e.self_cpu_time_total),
                 _format_time_share(e.cpu_time_total, total), _format_time(e.cpu_time_total),
                 _format_time(e.cpu_time), e.count]
        if has_shapes:
            shapes = str(e.input_shapes)
            cells.append(shapes if len(shapes) <= shapes_width else shapes[:shapes_width - 3] + "...")
        out.append(fmt.format(*cells))
    out.append(line)
    out.append(f"Self CPU time total: {_format_time(total)}")
    return "\n".join(out) + "\n"


class _Recording:
    """One recording session: the raw events of _profiling plus the options."""

    def __init__(self, record_shapes):
        self.events = []
        self.record_shapes = record_shapes
        self.origin_ns = None


_session_lock = threading.Lock()


def _start(record_shapes):
    rec = _Recording(record_shapes)
    with _session_lock:
        if _profiling._session is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        rec.origin_ns = time.perf_counter_ns()
        _profiling._session = rec
        _profiling.active = True
    return rec


def _stop(rec):
    with _session_lock:
        if _profiling._session is rec:
            _profiling._session = None
            _profiling.active = False


def _function_events(rec):
    if rec is None:
        return EventList()
    raws = sorted(rec.events, key=lambda r: r.start_ns)
    made = {id(r): FunctionEvent(r, rec.origin_ns) for r in raws}
    for r in raws:
        if r.parent is not None and id(r.parent) in made:
            child, parent = made[id(r)], made[id(r.parent)]
            child.cpu_parent = parent
            parent.cpu_children.append(child)
    return EventList(made[id(r)] for r in raws)


class profile:
    """``torch.autograd.profiler.profile``: records the ops run inside ``with profile() as prof:``;
    ``prof.key_averages().table(sort_by="self_cpu_time_total")`` summarises them."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        if use_cuda or use_device not in (None, "cpu"):
            raise RuntimeError(f"{'cuda' if use_cuda else use_device} profiling is not available: miniconv runs "
                               "on the CPU only")
        if not use_cpu:
            raise RuntimeError("miniconv profiles the CPU only: use_cpu=False leaves nothing to record")
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self._rec = None
        self._events = None
        self.entered = False

    def __enter__(self):
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._rec = _start(self.record_shapes)
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if not self.enabled:
            return False
        _stop(self._rec)
        self._events = _function_events(self._rec)
        return False

    def _check_finished(self):
        if self._events is None:
            raise RuntimeError("Profiler didn't finish running")

    @property
    def function_events(self):
        """The recorded events (an EventList; empty until the profile has finished): an attribute, as
        PyTorch's ``profile.function_events``."""
        return EventList() if self._events is None else self._events

    def events(self):
        self._check_finished()
        return self._events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        self._check_finished()
        return self._events.key_averages(group_by_input_shape, group_by_stack_n)

    def total_average(self):
        self._check_finished()
        return self._events.total_average()

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False):
        self._check_finished()
        return self._events.table(sort_by, row_limit, max_src_column_width, max_name_column_width,
                                  max_shapes_column_width, header, top_level_events_only)

    def export_chrome_trace(self, path):
        self._check_finished()
        return self._events.export_chrome_trace(path)

    @property
    def self_cpu_time_total(self):
        self._check_finished()
        return self._events.self_cpu_time_total

    def __str__(self):
        self._check_finished()
        return str(self._events)


class record_function:
    """A named range in the profile (``with record_function("forward"):`` or as a decorator);
    recorded only while a profiler runs."""

    def __init__(self, name, args=None):
        self.name = name
        self.args = args
        self._ev = None

    def __enter__(self):
        self._ev = _profiling.open_range(self.name) if _profiling.active else None
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        _profiling.close_range(self._ev)
        self._ev = None
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)
        return wrapper
