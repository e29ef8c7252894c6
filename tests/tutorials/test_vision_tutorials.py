"""The tv*.py tutorials are written for torch + torchvision. Here each runs with its import lines pointed
at miniconv and miniconv.vision (nothing else changes); its ``result`` dict and printed line count must
equal what the unchanged script gave under torch + torchvision (recorded by tests/vision/make_reference.py,
since torchvision does not import beside the torch 2.13 of the test environment)."""
import json
import os
import re

import pytest

import test_tutorials as tt

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = sorted(f for f in os.listdir(HERE) if re.match(r"tv\d\d_.*\.py$", f))
REFERENCE = os.path.join(HERE, "..", "vision", "reference", "reference.json")

_VISION_RULES = [
    (re.compile(r"^(\s*)from torchvision(\.[\w.]+)? import ", re.M), r"\1from miniconv.vision\2 import "),
    (re.compile(r"^(\s*)import torchvision\.([\w.]+) as (\w+)", re.M), r"\1import miniconv.vision.\2 as \3"),
    # ``import torchvision`` binds the name torchvision; ``import torchvision.x`` binds it too and loads x
    (re.compile(r"^(\s*)import torchvision[ \t]*$", re.M), r"\1import miniconv.vision as torchvision"),
    (re.compile(r"^(\s*)import torchvision\.([\w.]+)[ \t]*$", re.M),
     r"\1import miniconv.vision.\2; import miniconv.vision as torchvision"),
]


def to_miniconv_vision(source):
    for pattern, repl in _VISION_RULES:
        source = pattern.sub(repl, source)
    rest = [ln for ln in source.splitlines() if re.match(r"\s*(import|from)\s+torchvision\b", ln)]
    if rest:
        raise ValueError(f"unhandled torchvision import lines: {rest}")
    return tt.to_miniconv(source)


def test_vision_import_swap():
    src = ("import torch\nfrom torchvision import datasets, transforms\n"
           "from torchvision.transforms import functional as F\nimport torchvision.models as models\n")
    assert to_miniconv_vision(src) == (
        "import miniconv as torch\nfrom miniconv.vision import datasets, transforms\n"
        "from miniconv.vision.transforms import functional as F\nimport miniconv.vision.models as models\n")
    assert to_miniconv_vision("import torchvision\nimport torchvision.transforms\n") == (
        "import miniconv.vision as torchvision\n"
        "import miniconv.vision.transforms; import miniconv.vision as torchvision\n")


@pytest.mark.parametrize("name", SCRIPTS)
def test_vision_tutorial_prints_torchvisions_numbers(name):
    pytest.importorskip("PIL")
    import miniconv

    with open(REFERENCE) as f:
        want = json.load(f)[f"tutorial.{name}"]
    with open(os.path.join(HERE, name)) as f:
        source = to_miniconv_vision(f.read())
    namespace = {"__name__": "__main__", "__file__": os.path.join(HERE, name)}
    threads = miniconv.get_num_threads()
    miniconv.set_num_threads(1)
    try:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile(source, name, "exec"), namespace)
    finally:
        miniconv.set_num_threads(threads)
    tt.assert_close(namespace["result"], want["result"])
    assert out.getvalue().count("\n") == want["stdout"].count("\n")


def test_there_are_vision_tutorials():
    assert len(SCRIPTS) >= 3
