"""The public API, the docstring examples and the import directions of ARCHITECTURE.md."""

from __future__ import annotations

import ast
import doctest
import importlib
import importlib.util
import pkgutil
import re
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.processing

ROOT = Path(__file__).resolve().parents[1]
#: the import roots of the one distribution (pyproject's package-dir)
PACKAGES = ("hepsurrogates", "hepsurrogates.datasets", "hepsurrogates.models", "hepsurrogates.training",
            "hepsurrogates.processors")


def _optional_imports() -> frozenset[str]:
    """The import names of every extra in pyproject.toml: a module that needs one of them is skipped
    where it is absent (a processing-only installation), so a new extra cannot be forgotten here."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = set()
    for requirements in extras.values():
        for requirement in requirements:
            name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
            if not name.startswith("hepsurrogates"):
                names.add(name.lower().replace("-", "_"))
    return frozenset(names)


#: a module whose optional dependency is absent is skipped (a processing-only installation)
OPTIONAL = _optional_imports()


def _modules() -> list[str]:
    names = []
    for root in PACKAGES:
        names.append(root)
        for info in pkgutil.walk_packages(importlib.import_module(root).__path__, root + "."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(set(names))


@pytest.mark.processing
@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name):
    """Every docstring example of every module runs (the ones marked ``+SKIP`` need a file that is
    not shipped)."""
    if name.startswith("hepsurrogates.datasets.") and importlib.util.find_spec("pythia8mc") is None:
        pytest.skip("the generators and teachers need the generation extra (pythia8mc, its PDF grids)")
    try:
        module = importlib.import_module(name)
    except ImportError as err:
        if err.name and err.name.split(".")[0] in OPTIONAL:
            pytest.skip(f"{name} needs {err.name}")
        raise
    # a module whose examples run an optional package it imports lazily names it (pytest-doctestplus's
    # convention), e.g. ClassicSVfit's example integrates with vegas
    missing = [m for m in getattr(module, "__doctest_requires__", ()) if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"the examples of {name} need {missing}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, name


def test_enough_modules_have_examples():
    pytest.importorskip("torch")  # counted on the full installation, where every module imports
    with_examples = [n for n in _modules() if any(t.examples for t in doctest.DocTestFinder().find(
        importlib.import_module(n)))]
    assert len(with_examples) >= 25, with_examples


def test_public_api_is_pinned():
    import hepsurrogates
    import hepsurrogates.datasets
    import hepsurrogates.exceptions

    assert sorted(hepsurrogates.__all__) == ["__version__", "exceptions", "kinematics"]
    import hepsurrogates.families

    assert sorted(hepsurrogates.families.__all__) == sorted([
        "REGISTRY", "FamilySpec", "ColumnSpec", "OptionSpec", "ParameterSpec", "DemoSample", "VerbSpec", "COMMANDS",
        "get_family", "family_names", "families_with"])
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
