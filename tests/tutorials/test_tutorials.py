"""The tutorial scripts in this folder are written for PyTorch. Each runs twice: with miniconv
substituted for the torch imports (the reverse of examples/swap_to_torch.py) and under PyTorch;
the ``result`` dicts they build must agree (numbers to a float32 training tolerance)."""
import contextlib
import io
import os
import re
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = sorted(f for f in os.listdir(HERE) if re.match(r"t\d{2,}_.*\.py$", f))  # t01..t99, t100..

_IMPORT_RULES = [
    (re.compile(r"^(\s*)import torch\s*$", re.M), r"\1import miniconv as torch"),
    (re.compile(r"^(\s*)import torch\.([\w.]+) as (\w+)", re.M), r"\1import miniconv.\2 as \3"),
    # ``import torch.utils.data`` (no alias) loads the submodule; ``torch`` itself comes from ``import torch``
    (re.compile(r"^(\s*)import torch\.([\w.]+)[ \t]*$", re.M), r"\1import miniconv.\2"),
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import ", re.M), r"\1from miniconv\2 import "),
]


def to_miniconv(source):
    """``source`` with every torch import line pointed at miniconv (nothing else changes)."""
    out = source
    for pattern, repl in _IMPORT_RULES:
        out = pattern.sub(repl, out)
    rest = [ln for ln in out.splitlines() if re.match(r"\s*(import|from)\s+torch\b", ln)]
    if rest:
        raise ValueError(f"unhandled torch import lines: {rest}")
    return out


def run_script(name, swap):
    with open(os.path.join(HERE, name)) as f:
        source = f.read()
    if swap:
        source = to_miniconv(source)
    namespace = {"__name__": "__main__", "__file__": os.path.join(HERE, name)}
    sys.path.insert(0, HERE)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile(source, name, "exec"), namespace)
    finally:
        sys.path.remove(HERE)
    return namespace["result"], out.getvalue()


def assert_close(a, b, path="result"):
    if isinstance(b, dict):
        assert isinstance(a, dict) and sorted(a) == sorted(b), path
        for k in b:
            assert_close(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(b, (list, tuple)) and not all(isinstance(v, (int, float)) for v in b):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), f"{path}: {a} vs {b}"
        for i, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(b, (bool, str)):
        assert a == b, f"{path}: {a!r} != {b!r}"
    elif "accuracy" in path:  # a prediction on the decision boundary may flip: allow one sample in 64
        assert np.max(np.abs(np.subtract(a, b))) <= 1 / 64, f"{path}: {a} vs {b}"  # a number or a list
    else:
        np.testing.assert_allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64),
                                   rtol=2e-3, atol=2e-4, err_msg=path)


def test_import_swap():
    src = "import torch\nimport torch.nn as nn\nfrom torch import nn\nfrom torch.utils.data import DataLoader\nx = 1\n"
    assert to_miniconv(src) == ("import miniconv as torch\nimport miniconv.nn as nn\nfrom miniconv import nn\n"
                                "from miniconv.utils.data import DataLoader\nx = 1\n")
    assert to_miniconv("import torch\nimport torch.utils.data\n") == "import miniconv as torch\nimport miniconv.utils.data\n"


@pytest.fixture
def one_thread_each():
    """Both libraries on one thread: results do not depend on it, and on a busy CI machine
    OpenMP teams waiting for cores cost far more than they save on these small models."""
    root = os.environ.get("MINICONV_DATA", "/work/shared/mnist")
    if not os.path.isfile(os.path.join(root, "t10k-images-idx3-ubyte.gz")):
        pytest.skip(f"real MNIST not found in {root} (set MINICONV_DATA)")
    torch = pytest.importorskip("torch")
    import miniconv

    before = miniconv.get_num_threads(), torch.get_num_threads()
    miniconv.set_num_threads(1)
    torch.set_num_threads(1)
    yield
    miniconv.set_num_threads(before[0])
    torch.set_num_threads(before[1])


@pytest.mark.parametrize("name", SCRIPTS)
def test_tutorial_runs_on_both_and_agrees(name, one_thread_each):
    ours, out_ours = run_script(name, swap=True)
    theirs, out_theirs = run_script(name, swap=False)
    assert_close(ours, theirs)
    assert out_ours.count("\n") == out_theirs.count("\n")


def test_there_are_at_least_eight_tutorials():
    assert len(SCRIPTS) >= 8
