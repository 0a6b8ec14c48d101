"""The public API, the docstring examples and the import directions of ARCHITECTURE.md."""

from __future__ import annotations

import ast
import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

DOCTEST_MODULES = ["hepsurrogates.kinematics", "hepsurrogates.datasets.ancestry"]


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_public_api_is_pinned():
    import hepsurrogates.datasets

    import hepsurrogates
    import hepsurrogates.exceptions

    assert sorted(hepsurrogates.__all__) == ["__version__", "exceptions", "kinematics"]
    assert sorted(hepsurrogates.datasets.__all__) == sorted([
        "FILESET_NAME", "GenerationResult", "check_file", "generate", "get_sample", "load_fileset",
        "open_events", "sample_names", "update_fileset",
    ])
    for name in hepsurrogates.exceptions.__all__:
        cls = getattr(hepsurrogates.exceptions, name)
        assert issubclass(cls, hepsurrogates.exceptions.HepSurrogatesError)
        assert cls.__doc__ and ("Raised when" in cls.__doc__ or "Base class" in cls.__doc__), name


#: folder -> packages its modules must never import (ARCHITECTURE.md, "Direction of imports")
FORBIDDEN = {
    "hepsurrogates": ("hepsurrogates.datasets", "hepsurrogates.models", "hepsurrogates.training",
                      "hepsurrogates.processors", "torch"),
    "datasets": ("hepsurrogates.models", "hepsurrogates.training", "hepsurrogates.processors", "torch"),
    "models": ("hepsurrogates.datasets", "hepsurrogates.training", "hepsurrogates.processors", "torch"),
    "processors": ("hepsurrogates.datasets", "hepsurrogates.training", "torch"),
    "training": ("hepsurrogates.processors",),
}


#: The command line is the composition root: it may import any package, but only inside the
#: function of the sub-command that needs it (so ``hepsurrogates --help`` stays light).
COMPOSITION_ROOT = ROOT / "hepsurrogates" / "cli.py"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    nodes = tree.body if path == COMPOSITION_ROOT else ast.walk(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


@pytest.mark.parametrize("folder", sorted(FORBIDDEN))
def test_import_directions(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, folder
    for path in files:
        for name in _imports(path):
            for bad in FORBIDDEN[folder]:
                assert not (name == bad or name.startswith(bad + ".")), f"{path.relative_to(ROOT)} imports {name}"
