"""Writes miniconv/vision/models/_meta.py and _weights_<family>.py from an installed torchvision: the
ImageNet category list and every ``*_Weights`` enum (url, transforms preset, meta) of the classification
families miniconv builds, copied from torchvision's source text so names and values are torchvision's.

    /work/venv-tv/bin/python tests/vision/make_zoo_weights.py

Not needed by the tests (they compare against the written files' values through make_zoo_reference.py).
"""
import ast
import os
import textwrap

import torchvision
from torchvision.models._meta import _IMAGENET_CATEGORIES

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "miniconv", "vision", "models")
SRC = os.path.join(os.path.dirname(torchvision.__file__), "models")
FAMILIES = {"resnet": "resnet", "vgg": "vgg", "alexnet": "alexnet", "mobilenetv2": "mobilenetv2",
            "squeezenet": "squeezenet", "densenet": "densenet", "mobilenetv3": "mobilenetv3",
            "shufflenetv2": "shufflenetv2", "googlenet": "googlenet", "inception": "inception",
            "efficientnet": "efficientnet"}
HEADER = '''"""torchvision {version}'s ``*_Weights`` enums of {family} (urls, preprocessing presets, meta),
written by tests/vision/make_zoo_weights.py from torchvision's source: do not edit by hand."""
from functools import partial

from ..transforms._presets import ImageClassification
from ..transforms.functional import InterpolationMode
from ._api import Weights, WeightsEnum
from ._meta import _IMAGENET_CATEGORIES

__all__ = [
{names}
]
'''


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def family_tables(module):
    with open(os.path.join(SRC, module + ".py")) as f:
        src = f.read()
    tree = ast.parse(src)
    parts, names = [], []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id.startswith("_COMMON") for t in targets):
            if isinstance(node, ast.AnnAssign):  # drop the annotation (it needs typing names)
                node = ast.Assign(targets=[node.target], value=node.value, lineno=0)
                parts.append(f"{node.targets[0].id} = " + ast.get_source_segment(src, node.value))
            else:
                parts.append(ast.get_source_segment(src, node))
        elif isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "WeightsEnum" for b in node.bases):
            parts.append(ast.get_source_segment(src, node))
            names.append(node.name)
    return parts, names


def main():
    lines, line = [], "   "
    for c in _IMAGENET_CATEGORIES:
        item = f" {c!r},"
        if len(line) + len(item) > 116:
            lines.append(line)
            line = "   "
        line += item
    body = "\n".join(lines + [line])
    write(os.path.join(OUT, "_meta.py"),
          '"""The 1000 ImageNet-1K class names in torchvision\'s order (its ``_IMAGENET_CATEGORIES``),\n'
          'shared by every ``*_Weights.meta["categories"]``; written by tests/vision/make_zoo_weights.py."""\n'
          f"_IMAGENET_CATEGORIES = [\n{body}\n]\n")
    for family, module in FAMILIES.items():
        parts, names = family_tables(module)
        names = textwrap.fill(", ".join(f'"{n}"' for n in names) + ",", width=116, initial_indent="    ",
                              subsequent_indent="    ")  # names have no spaces: safe to wrap
        text = HEADER.format(version=torchvision.__version__.split("+")[0], family=module, names=names)
        text += "\n\n" + "\n\n\n".join(parts) + "\n"
        if "InterpolationMode" not in "".join(parts):
            text = text.replace("from ..transforms.functional import InterpolationMode\n", "")
        write(os.path.join(OUT, f"_weights_{family}.py"), text)
        print(family, names, len(text.splitlines()), "lines")


if __name__ == "__main__":
    main()
