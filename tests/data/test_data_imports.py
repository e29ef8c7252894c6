"""The data package's import directions: datasets never import the loader (no dataset <-> dataloader circle)."""
import ast
import pathlib

import miniconv.data

DATA = pathlib.Path(miniconv.data.__file__).parent
LOADER_MODULES = {"dataloader", "_multiprocessing", "_worker", "_fetch"}


def _imported_modules(path):
    """The last component of every module ``path`` imports, at any depth (function bodies included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.rsplit(".", 1)[-1] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module:
                names.add(node.module.rsplit(".", 1)[-1])
            if node.level and not node.module:  # from . import x
                names.update(alias.name for alias in node.names)
    return names


def test_dataset_sampler_and_collate_never_import_the_loader():
    for name in ("dataset.py", "sampler.py", "collate.py"):
        assert not _imported_modules(DATA / name) & LOADER_MODULES, name


def test_the_checker_sees_a_loader_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from .dataloader import default_collate\n")
    assert "dataloader" in _imported_modules(bad)
