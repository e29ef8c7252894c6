"""``torch.profiler`` for miniconv: ``profile`` with ``schedule``/``on_trace_ready``/``step()``,
``record_function``, ``tensorboard_trace_handler`` (Chrome traces), ``ProfilerActivity`` and
``ProfilerAction``. The events are those of ``miniconv.autograd.profiler`` (CPU only)."""
import enum
import os
import warnings

from ..autograd.profiler import EventList, _function_events, _start, _stop, record_function

__all__ = ["ProfilerAction", "ProfilerActivity", "profile", "record_function", "schedule",
           "supported_activities", "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    """The activities this build can profile: the CPU."""
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """The action at each step: skip ``skip_first`` steps, then cycles of ``wait`` idle,
    ``warmup`` and ``active`` recorded steps (the last one saves), ``repeat`` times (0: forever)."""

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE

    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)
    return schedule_fn


def _default_schedule_fn(_step):
    return ProfilerAction.RECORD


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """An ``on_trace_ready`` that writes each trace to ``dir_name`` as
    ``<worker_name>.<time_ns>.pt.trace.json`` (``.gz`` with use_gzip)."""
    import socket
    import time

    def handler_fn(prof):
        nonlocal worker_name
        if not os.path.isdir(dir_name):
            try:
                os.makedirs(dir_name, exist_ok=True)
            except Exception as e:
                raise RuntimeError("Can't create directory: " + dir_name) from e
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json"
        path = os.path.join(dir_name, file_name)
        if use_gzip:
            import gzip
            import tempfile
            fd, tmp = tempfile.mkstemp(dir=dir_name, suffix=".json")
            os.close(fd)
            try:
                prof.export_chrome_trace(tmp)
                with open(tmp, "rb") as src, gzip.open(path + ".gz.tmp", "wb") as dst:
                    dst.write(src.read())
                os.replace(path + ".gz.tmp", path + ".gz")
            finally:
                for p in (tmp, path + ".gz.tmp"):
                    if os.path.exists(p):
                        os.remove(p)
        else:
            prof.export_chrome_trace(path)

    return handler_fn


class profile:
    """``torch.profiler.profile``: records CPU ops between ``start()`` and ``stop()`` (or in a
    ``with`` block); with ``schedule``, ``step()`` moves through its actions and ``on_trace_ready``
    is called at the end of each active cycle (and at ``stop()`` inside one), as PyTorch does."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False,
                 use_cuda=None, custom_trace_id_callback=None):
        activities = set(activities) if activities else supported_activities()
        if use_cuda:
            activities.add(ProfilerActivity.CUDA)
        unsupported = activities - supported_activities()
        if unsupported:
            warnings.warn(f"Profiling {sorted(a.name for a in unsupported)} is not available on miniconv "
                          "(CPU only); only the CPU activity is recorded", stacklevel=2)
        self.activities = activities
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.with_modules = with_modules
        self.schedule = schedule if schedule is not None else _default_schedule_fn
        self.record_steps = schedule is not None
        self.on_trace_ready = on_trace_ready
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self._rec = None
        self._events = None
        self._step_range = None

    # -- recording ------------------------------------------------------------
    def _recording(self, action):
        return action in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def _begin(self):
        if self._rec is None:
            self._rec = _start(self.record_shapes)
            self._open_step()

    def _end(self, save):
        if self._rec is not None:
            self._close_step()
            _stop(self._rec)
            events = _function_events(self._rec)
            self._rec = None
            if save:
                self._events = events
                if self.on_trace_ready is not None:
                    self.on_trace_ready(self)

    def _open_step(self):
        if self.record_steps and self._rec is not None:
            self._step_range = record_function("ProfilerStep*")   # PyTorch names its step events so
            self._step_range.__enter__()

    def _close_step(self):
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def _transit(self, prev, cur):
        was, now = self._recording(prev), cur is not None and self._recording(cur)
        if was and prev == ProfilerAction.RECORD and cur in (ProfilerAction.NONE, ProfilerAction.WARMUP):
            warnings.warn("Incorrect schedule: RECORD followed by NONE or WARMUP", stacklevel=3)
            self._end(save=False)
        elif was and (prev == ProfilerAction.RECORD_AND_SAVE or cur is None):
            self._end(save=True)
        if now:
            self._begin()

    def start(self):
        self._transit(ProfilerAction.NONE, self.current_action)

    def stop(self):
        self._transit(self.current_action, None)

    def step(self):
        """Mark the end of a training step: move to the schedule's next action."""
        prev = self.current_action
        self._close_step()
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if self._rec is not None and self._recording(self.current_action) \
                and prev == ProfilerAction.RECORD:
            self._open_step()
            return
        self._transit(prev, self.current_action)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.stop()
        return False

    # -- results --------------------------------------------------------------
    def _check(self):
        if self._events is None:
            raise AssertionError("Profiler must be initialized before getting key averages")
        return self._events

    def events(self):
        return self._check()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._check().key_averages(group_by_input_shape, group_by_stack_n)

    def export_chrome_trace(self, path):
        return self._check().export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        raise RuntimeError("export_stacks needs with_stack=True traces, which miniconv does not record")


EventList = EventList
