"""The domain vocabulary in pipeline/gaps.py: complete, and importable from every layer."""

from __future__ import annotations

import ast
import inspect

from pipeline import gaps


def test_every_gap_has_its_names_and_every_complaint_gap_an_action():
    assert list(gaps.NAMES) == list(gaps.GAPS)
    assert list(gaps.ACTIONS) == list(gaps.COMPLAINT_GAPS)
    assert gaps.NOT_COMPLAINT not in gaps.COMPLAINT_GAPS
    shorts = [n.short for n in gaps.NAMES.values()]
    assert len(set(shorts)) == len(shorts)


def test_the_vocabulary_imports_nothing_from_the_package():
    # Contracts, classifier, panels and bench all import it: it must not import them back.
    modules = set()
    for node in ast.walk(ast.parse(inspect.getsource(gaps))):
        if isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    assert not {m for m in modules if m.split(".")[0] == "pipeline"}
