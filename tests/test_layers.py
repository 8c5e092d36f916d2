"""The package's imports follow its layers: no module imports a higher layer, a peer, or back into a loop.

The layer order is written here, once, bottom first. A module may import its own package and
any lower layer; packages on one layer are peers and import nothing of each other (transform,
validate and publish share what they need through rentan.wap). Every import counts, those
inside functions too: a lazy import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "plugins" / "rentan"

LAYERS = (
    ("paths",),
    ("text", "identifiers", "stopping", "parameters"),
    ("warehouse",),
    ("ingest",),
    ("wap",),
    ("transform", "validate", "publish", "reports"),
    ("pipeline",),
    ("cli",),
)
LAYER_OF = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def module_name(path: Path) -> str:
    parts = ("rentan", *path.relative_to(PACKAGE_DIR).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE_DIR.rglob("*.py"))}


def imported(module: str) -> set[str]:
    """The rentan modules `module` imports anywhere in its text (a name of a package resolves to its module)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def layer_package(module: str) -> str:
    """rentan.validate.gx -> validate: the part of the package a layer is made of."""
    return module.split(".")[1]


GRAPH = {module: imported(module) for module in MODULES}


def test_every_module_has_a_layer():
    missing = sorted({layer_package(m) for m in MODULES if m != "rentan"} - set(LAYER_OF))
    assert not missing, f"add each to LAYERS in tests/test_layers.py: {missing}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m != "rentan"))
def test_imports_only_its_own_package_or_a_lower_layer(module):
    own = layer_package(module)
    wrong = []
    for target in sorted(GRAPH[module]):
        if target == "rentan" or layer_package(target) == own:
            continue
        theirs = layer_package(target)
        if LAYER_OF[theirs] > LAYER_OF[own]:
            wrong.append(f"{target} (layer {theirs} is above {own})")
        elif LAYER_OF[theirs] == LAYER_OF[own]:
            wrong.append(f"{target} ({theirs} is a peer of {own}: share through a lower layer)")
    assert not wrong, f"{module} imports {', '.join(wrong)}"


def test_no_import_cycle():
    """Depth-first over the graph; a back edge is a loop, named module by module."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[module] = "done"
        return None

    for module in sorted(GRAPH):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_the_checker_sees_imports_inside_functions():
    """The CLI imports most of the package inside its commands' functions; those imports count."""
    assert "rentan.warehouse.migrate" in GRAPH["rentan.cli"]
