"""``autograd.profiler.profile.function_events`` is an attribute, as PyTorch's: empty while recording, the
events afterwards (code written for torch iterates over it without calling it)."""
import pytest

import miniconv

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("lib", [miniconv, torch], ids=["miniconv", "torch"])
def test_function_events_is_an_attribute(lib):
    with lib.autograd.profiler.profile() as prof:
        assert len(prof.function_events) == 0
        x = lib.ones(4, requires_grad=True)
        (x * 2).sum().backward()
    events = prof.function_events
    assert not callable(events)
    names = [ev.name for ev in events]
    assert any("mul" in n for n in names)
    assert all(ev.cpu_time_total >= 0 for ev in events)
