"""``torch.xpu`` on a machine without an Intel GPU, as scripts that pick their device use it:
the queries and counters answer as PyTorch built without XPU, the no-ops return None, what
needs the device raises (miniconv: RuntimeError, as its torch.cuda; PyTorch: AssertionError
or AttributeError)."""
import pytest

import miniconv
import miniconv.nn as mnn

torch = pytest.importorskip("torch")

QUERIES = ["is_available()", "device_count()", "is_initialized()", "is_bf16_supported()",
           "memory_allocated()", "memory_reserved()", "max_memory_allocated()",
           "max_memory_reserved()", "memory_stats()", "manual_seed(0)", "manual_seed_all(1)",
           "seed()", "seed_all()", "empty_cache()"]
NEEDS_DEVICE = ["current_device()", "synchronize()", "get_device_name(0)", "set_device(0)",
                "get_device_properties(0)", "get_device_capability()", "mem_get_info()",
                "reset_peak_memory_stats()", "reset_accumulated_memory_stats()"]


@pytest.mark.parametrize("call", QUERIES)
def test_queries_answer_as_pytorch_without_xpu(call):
    ours = eval("miniconv.xpu." + call)
    theirs = eval("torch.xpu." + call)
    assert ours == theirs and type(ours) is type(theirs), (ours, theirs)


@pytest.mark.parametrize("call", NEEDS_DEVICE)
def test_calls_that_need_the_device_raise(call):
    with pytest.raises((AssertionError, AttributeError, RuntimeError)):
        eval("torch.xpu." + call)
    with pytest.raises(RuntimeError, match="XPU is not available"):
        eval("miniconv.xpu." + call)


def _pick_device(lib):
    if lib.cuda.is_available():
        return lib.device("cuda")
    if lib.xpu.is_available():
        return lib.device("xpu")
    if lib.backends.mps.is_available():
        return lib.device("mps")
    return lib.device("cpu")


def test_device_selection_idiom_runs_on_the_cpu():
    results = {}
    for lib, nn in ((miniconv, mnn), (torch, torch.nn)):
        lib.manual_seed(0)
        device = _pick_device(lib)
        model = nn.Linear(3, 2).to(device)
        x = lib.ones(4, 3, device=device)
        results[lib.__name__] = (str(device), model(x).sum().item())
    assert results["miniconv"][0] == results["torch"][0] == "cpu"
    assert results["miniconv"][1] == pytest.approx(results["torch"][1], rel=1e-6)
    assert str(miniconv.device("xpu")) == str(torch.device("xpu")) == "xpu"
