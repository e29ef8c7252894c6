"""miniconv.profiler / miniconv.autograd.profiler against torch's: the same profiling code under
both libraries records the same user ranges and the same counts of the ops both name alike, follows
the same schedule, calls on_trace_ready at the same steps and prints the same table layout."""
import json
import os
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import miniconv  # noqa: E402
import miniconv.profiler  # noqa: E402,F401
import torch.profiler  # noqa: E402,F401


def _net(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Conv2d(1, 2, 3), lib.nn.ReLU(), lib.nn.MaxPool2d(2), lib.nn.Flatten(),
                             lib.nn.Linear(8, 3), lib.nn.BatchNorm1d(3))


def _train_steps(lib, prof, steps):
    net = _net(lib)
    x = lib.from_numpy(np.random.default_rng(0).standard_normal((4, 1, 6, 6)).astype(np.float32))
    for _ in range(steps):
        with lib.profiler.record_function("forward_pass"):
            y = net(x).sum()
        with lib.profiler.record_function("backward_pass"):
            y.backward()
        if prof is not None:
            prof.step()


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_counts_of_shared_ops(lib):
    with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        _train_steps(lib, None, 2)
    counts = {e.key: e.count for e in prof.key_averages()}
    for key in ("forward_pass", "backward_pass", "aten::conv2d", "aten::relu", "aten::max_pool2d", "aten::linear",
                "aten::batch_norm"):
        assert counts.get(key) == 2, (key, counts.get(key))
    ranges = [e for e in prof.events() if e.name == "forward_pass"]
    assert all(e.cpu_time_total >= e.self_cpu_time_total >= 0 for e in ranges)
    # an op inside a range is its child: the range's total covers it
    conv = [e for e in prof.events() if e.name == "aten::conv2d"]
    assert all(c.time_range.start >= r.time_range.start and c.time_range.end <= r.time_range.end
               for c, r in zip(conv, ranges))
    by_shape = prof.key_averages(group_by_input_shape=True)
    assert any(e.key == "aten::conv2d" and [4, 1, 6, 6] in e.input_shapes for e in by_shape)


def test_table_layout_matches_torch():
    tables = {}
    for lib in (miniconv, torch):
        with lib.profiler.profile() as prof:
            with lib.profiler.record_function("model_inference"):
                _net(lib)(lib.ones(2, 1, 6, 6))
        tables[lib.__name__] = prof.key_averages().table(sort_by="cpu_time_total", row_limit=3)
    m, t = tables["miniconv"].splitlines(), tables["torch"].splitlines()
    assert m[1].split() == t[1].split()          # the header cells
    assert len(m) == len(t) == 8                 # 3 rules, header, 3 rows, the total
    assert m[-1].startswith("Self CPU time total: ") and t[-1].startswith("Self CPU time total: ")
    assert "model_inference" in tables["miniconv"]


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=1, active=1, repeat=2),
                                dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3),
                                dict(wait=5, warmup=1, active=2, skip_first=2, skip_first_wait=1)])
def test_schedule_actions(kw):
    ms, ts = miniconv.profiler.schedule(**kw), torch.profiler.schedule(**kw)
    assert [ms(i).name for i in range(25)] == [ts(i).name for i in range(25)]


def test_schedule_errors_and_warning():
    for lib in (miniconv, torch):
        with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
            lib.profiler.schedule(wait=0, warmup=0, active=0)
        with pytest.warns(UserWarning, match="won't be using warmup"):
            lib.profiler.schedule(wait=0, warmup=0, active=1)
        with pytest.raises(AssertionError, match="Step must be non-negative"):
            lib.profiler.schedule(wait=0, warmup=1, active=1)(-1)


def test_on_trace_ready_steps_match_torch():
    seen = {}
    for lib in (miniconv, torch):
        calls = []

        def ready(prof, calls=calls):
            names = [e.name for e in prof.events()]
            calls.append((prof.step_num, names.count("forward_pass"), "ProfilerStep*" in names))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with lib.profiler.profile(schedule=lib.profiler.schedule(wait=1, warmup=1, active=2, repeat=2),
                                      on_trace_ready=ready) as prof:
                _train_steps(lib, prof, 10)
        seen[lib.__name__] = calls
    assert seen["miniconv"] == seen["torch"]
    assert len(seen["miniconv"]) == 2


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    with miniconv.profiler.profile(schedule=miniconv.profiler.schedule(wait=0, warmup=1, active=1, repeat=2),
                                   on_trace_ready=miniconv.profiler.tensorboard_trace_handler(
                                       str(tmp_path / "tb"), worker_name="w0")) as prof:
        _train_steps(miniconv, prof, 5)
    files = sorted(os.listdir(tmp_path / "tb"))
    assert len(files) == 2 and all(f.startswith("w0.") and f.endswith(".pt.trace.json") for f in files)
    with open(tmp_path / "tb" / files[0]) as f:
        trace = json.load(f)
    names = {e["name"] for e in trace["traceEvents"]}
    assert {"forward_pass", "backward_pass", "aten::conv2d"} <= names
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in trace["traceEvents"])
    prof.export_chrome_trace(str(tmp_path / "last.json"))
    assert [p for p in os.listdir(tmp_path) if p.startswith("last")] == ["last.json"]


def test_autograd_profiler_legacy_api():
    for lib in (miniconv, torch):
        x = lib.ones(3, 3, requires_grad=True)
        with lib.autograd.profiler.profile() as prof:
            with lib.autograd.profiler.record_function("label"):
                (x * 2).sum().backward()
        keys = {e.key for e in prof.key_averages()}
        assert "label" in keys and "aten::sum" in keys
        assert prof.self_cpu_time_total > 0
        assert "Self CPU time total" in prof.key_averages().table(sort_by="self_cpu_time_total")


def test_errors_like_torch():
    for lib in (miniconv, torch):
        with pytest.raises(AssertionError, match="Profiler must be initialized"):
            lib.profiler.profile().key_averages()


def test_record_function_is_free_without_profiler():
    @miniconv.profiler.record_function("decorated")
    def f(a):
        return a + 1
    assert f(miniconv.ones(2)).tolist() == [2.0, 2.0]
    with miniconv.profiler.profile() as prof:
        f(miniconv.ones(2))
    assert [e.count for e in prof.key_averages() if e.key == "decorated"] == [1]
