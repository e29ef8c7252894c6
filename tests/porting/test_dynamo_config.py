"""``torch._dynamo``'s names scripts touch around ``torch.compile`` (the Neural Tangent Kernels tutorial starts
with ``from torch._dynamo import config; config.inline_inbuilt_nn_modules = 1``): the config's defaults,
its AttributeError for unknown names, the once-per-process FutureWarning of the deprecated switch,
``config.patch``, and the functions, compared with PyTorch."""
import subprocess
import sys
import warnings

import pytest

import miniconv

torch = pytest.importorskip("torch")
import torch._dynamo  # noqa: E402

NAMES = ["suppress_errors", "verbose", "cache_size_limit", "recompile_limit", "accumulated_cache_size_limit",
         "capture_scalar_outputs", "capture_dynamic_output_shape_ops", "automatic_dynamic_shapes",
         "assume_static_by_default", "optimize_ddp", "specialize_int", "dynamic_shapes", "guard_nn_modules"]


@pytest.mark.parametrize("name", NAMES)
def test_defaults(name):
    assert getattr(miniconv._dynamo.config, name) == getattr(torch._dynamo.config, name)


@pytest.mark.parametrize("lib", ["miniconv", "torch"])
def test_set_read_back_and_patch(lib):
    cfg = (miniconv if lib == "miniconv" else torch)._dynamo.config
    before = cfg.cache_size_limit
    try:
        cfg.cache_size_limit = 64
        assert cfg.cache_size_limit == 64
        with cfg.patch(suppress_errors=True):
            assert cfg.suppress_errors is True
        assert cfg.suppress_errors is False

        @cfg.patch({"verbose": True})
        def f():
            return cfg.verbose
        assert f() is True and cfg.verbose is False
    finally:
        cfg.cache_size_limit = before


def test_unknown_names_raise_as_pytorch():
    errs = []
    for lib in (miniconv, torch):
        row = []
        for action in ("get", "set"):
            with pytest.raises(AttributeError) as e:
                if action == "get":
                    lib._dynamo.config.no_such_switch
                else:
                    lib._dynamo.config.no_such_switch = 1
            row.append(str(e.value))
        errs.append(row)
    assert errs[0] == errs[1]


_CHILD = """
import warnings, {lib}
from {lib}._dynamo import config
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    config.inline_inbuilt_nn_modules = 1
    v = config.inline_inbuilt_nn_modules
    config.inline_inbuilt_nn_modules = 0
print(len(w), w[0].category.__name__ if w else None, str(w[0].message) if w else None, v)
"""


def test_deprecated_switch_warns_once_per_process():
    outs = [subprocess.run([sys.executable, "-c", _CHILD.format(lib=lib)], capture_output=True, text=True,
                           check=True).stdout for lib in ("miniconv", "torch")]
    assert outs[0] == outs[1] and outs[0].startswith("1 FutureWarning")


def test_functions():
    d = miniconv._dynamo
    assert d.list_backends() == torch._dynamo.list_backends()
    assert d.is_compiling() is False
    d.reset()
    x = miniconv.ones(2, 3)
    d.mark_dynamic(x, 0)
    d.mark_static(x, 1)
    d.maybe_mark_dynamic(x, 0)

    def f(a):
        return a * 2
    assert d.disable(f) is f and d.allow_in_graph(f) is f
    assert miniconv.compile(miniconv.nn.Linear(2, 2)).__class__ is d.OptimizedModule
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import miniconv._dynamo.config as cfg  # the import path ``torch._dynamo.config`` works too
    assert cfg is d.config
