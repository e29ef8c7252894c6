"""The import directions of docs/architecture.md ("Import directions"), checked on the source by AST.

Every ``import`` / ``from ... import`` of every module under miniconv/ is resolved to the miniconv module it
names (including imports inside functions), then checked against the rules below. The one cycle the
design allows is named in ``ALLOWED_CYCLE_EDGE``: ``Function.apply`` (autograd/function.py) wraps its outputs as
Tensors, and Tensor calls Functions. Without that one import, the core's import graph has no cycle.
"""
import ast
import pathlib

import pytest

import miniconv

ROOT = pathlib.Path(miniconv.__file__).parent
PKG = "miniconv"

# Modules that import only other leaves: the kernels, the allocator, the random engine, configuration, random state,
# dtypes, devices, and _args (argument parsing shared by tensor, creation and nn.functional; only NumPy and dtypes).
LEAVES = {"_kernels", "_alloc", "_mt19937", "_config", "_random", "dtypes", "_device", "_args"}

# The one import allowed to close a cycle: Function.apply (autograd/function.py) wraps its outputs as
# Tensors, while Tensor's methods call Functions (tensor -> ops -> autograd.function).
ALLOWED_CYCLE_EDGE = ("autograd.function", "tensor")

# Known violations, each with the reason it stays; every entry must still violate (a stale exemption fails
# the test). None today: SyncBatchNorm's Function lives in nn/functional and the data loader's circle is gone.
KNOWN_VIOLATIONS = []


def module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)  # "" for miniconv/__init__.py


def all_modules():
    mods = {}
    for path in sorted(ROOT.rglob("*.py")):
        mods[module_name(path)] = path
    for path in sorted(ROOT.glob("*.pyx")):
        mods[module_name(path)] = path
    return mods


MODULES = all_modules()


def _exists(name):
    return name in MODULES


def imports_of(name):
    """(imported miniconv module, line) for every import in module ``name``; third-party imports as
    ``("<ext>:" + top-level name, line)``."""
    path = MODULES[name]
    if path.suffix == ".pyx":
        return []
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if name else []
    package = here if is_pkg else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == PKG or a.name.startswith(PKG + "."):
                    out.append((a.name[len(PKG) + 1:], node.lineno))
                else:
                    out.append(("<ext>:" + a.name.split(".")[0], node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module == PKG or node.module.startswith(PKG + ".")):
                    out.append(("<ext>:" + node.module.split(".")[0], node.lineno))
                    continue
                base = node.module.split(".")[1:]
            else:
                base = package[: len(package) - (node.level - 1)] + (node.module.split(".") if node.module else [])
            for a in node.names:
                sub = ".".join(base + [a.name])
                out.append((sub if _exists(sub) else ".".join(base), node.lineno))
    return out


def violations():
    found = []

    def bad(mod, line, target, rule):
        found.append(f"miniconv/{MODULES[mod].relative_to(ROOT)}:{line} imports {target or 'miniconv'}: {rule}")

    for mod in MODULES:
        top = mod.split(".")[0]
        for target, line in imports_of(mod):
            if target.startswith("<ext>:"):
                ext = target[6:]
                if mod.startswith("nn.modules.") and ext == "mpi4py":
                    bad(mod, line, ext, "nn/modules never imports mpi4py")
                continue
            ttop = target.split(".")[0]
            if top in LEAVES and ttop not in LEAVES:
                bad(mod, line, target, "a leaf imports only leaves")
            if mod in ("autograd.engine", "autograd.grad_mode") and ttop in ("tensor", "ops", "nn"):
                bad(mod, line, target, "engine/grad_mode never import tensor, ops or nn")
            if top == "ops" and ttop in ("tensor", "creation", "functional", "nn"):
                bad(mod, line, target, "ops never imports tensor, creation, functional or nn")
            if top == "tensor" and ttop in ("creation", "nn", "optim", "data", "io", "distributed", "vision"):
                bad(mod, line, target, "tensor never imports creation, nn, optim, data, io, distributed, vision")
            if mod.startswith("nn.modules.") and ttop == "_kernels":
                bad(mod, line, target, "nn/modules never imports the kernels")
            if mod == "data.dataset" and target.startswith("data.dataloader"):
                bad(mod, line, target, "data/dataset.py never imports the loader")
        if mod.startswith("nn.modules."):
            tree = ast.parse(MODULES[mod].read_text())
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    bases = [ast.unparse(b).split(".")[-1] for b in node.bases]
                    if any(b.endswith("Function") for b in bases):
                        found.append(f"miniconv/{MODULES[mod].relative_to(ROOT)}:{node.lineno} defines "
                                     f"{node.name}({', '.join(bases)}): nn/modules never defines a Function")
    return found


def test_import_directions():
    found = violations()
    unexpected = [v for v in found if not any(v.startswith(k) and rule in v for k, rule in KNOWN_VIOLATIONS)]
    assert not unexpected, "forbidden imports:\n" + "\n".join(unexpected)
    for k, rule in KNOWN_VIOLATIONS:
        assert any(v.startswith(k) and rule in v for v in found), f"{k} no longer violates ({rule}): remove it"


def _core_graph():
    """Module-level import edges among the core (everything below nn/optim/data/...)."""
    core_tops = {"tensor", "ops", "autograd", "creation", "functional", "linalg", "dtypes", "_device", "_args",
                 "_config", "_random", "_matmul", "_kernels", "_alloc"}
    graph = {}
    for mod in MODULES:
        if mod.split(".")[0] not in core_tops:
            continue
        edges = set()
        for target, _ in imports_of(mod):
            t = target
            if t.startswith("<ext>:") or t.split(".")[0] not in core_tops or t == mod:
                continue
            if mod.startswith(t + ".") or (t and mod == t):  # a module's own package: not a dependency
                continue
            edges.add(t)
        graph[mod] = edges
    return graph


def _collapse(name):
    """A module of a package counts as its package (tensor._arith -> tensor, ops.reduce -> ops)."""
    parts = name.split(".")
    return parts[0] if parts[0] in ("tensor", "ops") else name


def _cycles(graph):
    """Pairs (a, b) with an edge a -> b and a path b ->* a."""
    cycles = set()
    for a, edges in graph.items():
        for b in edges:
            seen, stack = set(), [b]
            while stack:
                n = stack.pop()
                if n == a:
                    cycles.add((a, b))
                    break
                if n not in seen:
                    seen.add(n)
                    stack.extend(graph.get(n, ()))
    return cycles


def test_the_only_import_cycle_in_the_core_is_function_apply_wrapping_tensors():
    graph = {}
    for mod, edges in _core_graph().items():
        graph.setdefault(_collapse(mod), set()).update(_collapse(e) for e in edges if _collapse(e) != _collapse(mod))
    a, b = ALLOWED_CYCLE_EDGE
    assert b in graph[a], "the allowed edge is gone: update ALLOWED_CYCLE_EDGE"
    assert _cycles(graph), "with the allowed edge the graph has its one cycle (the checker works)"
    graph[a] = graph[a] - {b}
    assert not _cycles(graph), f"import cycles: {sorted(_cycles(graph))}"


def test_the_checker_sees_a_forbidden_import(tmp_path, monkeypatch):
    """The walk resolves relative imports: a planted ``from ..creation import zeros`` in ops/ is caught."""
    fake = ROOT / "ops" / "arith.py"
    text = fake.read_text() + "\nfrom ..creation import zeros\n"
    monkeypatch.setattr(pathlib.Path, "read_text",
                        lambda self, *a, **k: text if self == fake else pathlib.Path.read_bytes(self).decode())
    assert any("ops/arith.py" in v and "ops never imports" in v for v in violations())


def test_old_import_paths_still_work():
    """``miniconv.tensor`` and ``miniconv.ops`` were modules and are packages now: the same names import."""
    import importlib

    assert importlib.import_module("miniconv.tensor").Tensor is miniconv.Tensor
    assert importlib.import_module("miniconv.tensor").Size is miniconv.Size
    ops = importlib.import_module("miniconv.ops")
    assert ops.Add.apply(miniconv.ones(2), miniconv.ones(2)).tolist() == [2.0, 2.0]
    assert isinstance(miniconv.linalg, type(importlib))  # a real module, not a namespace object
    assert miniconv.inference_mode is miniconv.autograd.inference_mode
    with miniconv.inference_mode():
        assert miniconv.autograd.is_inference_mode_enabled()
