"""The layering of docs/architecture.md, checked: a package imports only from layers below
its own, so nothing reaches back up (an import cycle would start that way)."""

from __future__ import annotations

import ast
from pathlib import Path

import pipeline

# From the bottom up, as docs/architecture.md lists them.
LAYERS = [
    {"gaps", "processes"},
    {"contracts"},
    {"config", "classifier", "embedded"},
    {"warehouse", "terminal"},
    {"sinks", "kafka"},
    {"alerting"},
    {"agents"},
    {"simulate", "panels", "reports"},
    {"demo", "bench"},
    {"errors"},
    {"cli"},
    {"__main__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
ROOT = Path(pipeline.__file__).parent


def _imports(path: Path) -> set[str]:
    """The pipeline packages a module imports, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "pipeline" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_every_package_has_a_layer():
    packages = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()}
    packages -= {"__init__", "__pycache__"}
    assert packages == set(RANK), packages ^ set(RANK)


def test_no_module_imports_from_its_own_layer_or_above():
    upward = []
    for path in sorted(ROOT.rglob("*.py")):
        own = path.relative_to(ROOT).parts[0].removesuffix(".py")
        if own == "__init__":
            continue
        for imported in _imports(path) - {own}:
            if RANK[imported] >= RANK[own]:
                upward.append(f"{path.relative_to(ROOT)} imports pipeline.{imported}")
    assert not upward
