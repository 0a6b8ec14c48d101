"""The family registry pinned against the card schemas, the shipped bundles, the command line and
the installed packages: one table, and everything else agrees with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import pytest

from hepsurrogates.families import REGISTRY, families_with, family_names, get_family
from hepsurrogates.families.spec import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.processing


def test_registry_families_are_the_card_schemas_families():
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        schema = json.loads(resources.files("hepsurrogates").joinpath("schemas", "model_card", f"{version}.json")
                            .read_text())
        allowed = set(schema["properties"]["family"]["enum"])
        assert set(family_names()) <= allowed, version
    # the architecture's five families: those not yet registered are the ones still to come
    assert allowed == {"mem", "fastsim", "ditau", "ratio", "likelihood"}


def test_every_shipped_bundle_belongs_to_its_registered_family():
    from hepsurrogates.models.shipped import SHIPPED, load_shipped

    declared = {b: name for name, f in REGISTRY.items() for b in f.bundles}
    assert set(declared) == set(SHIPPED)
    for bundle_name in SHIPPED:
        bundle = load_shipped(bundle_name)
        family = get_family(bundle.family)
        assert bundle_name in family.bundles and declared[bundle_name] == family.name
        assert bundle.card["schema_version"] in ("1.1.0", "1.2.0") and bundle.domain["ranges"], bundle_name
        assert set(bundle.domain["ranges"]) == set(bundle.feature_names)  # every input has its range


def test_learned_columns_name_their_teacher_and_bundle():
    from hepsurrogates.models.shipped import load_shipped

    for family in REGISTRY.values():
        for column in family.columns:
            if not column.learned:
                assert column.teacher_column is None, column.name
                continue
            assert column.teacher_column == column.name, column.name  # one name, one quantity
            bundle = load_shipped(column.bundle)
            assert bundle.card["outputs"][0]["unit"] == column.unit, column.name


def test_the_mem_default_grid_is_the_one_the_shipped_bundle_learned():
    from hepsurrogates.families.mem import HZA_TRAINING_POINTS
    from hepsurrogates.models.shipped import load_shipped
    from hepsurrogates.processors.mem import hza_field

    card = load_shipped("mem_hza").card
    assert [hza_field(*p) for p in HZA_TRAINING_POINTS] == card["training"]["teacher_columns"]


def test_every_role_imports_and_is_callable():
    optional = ("torch", "vegas", "numba", "scipy", "pythia8mc", "fastjet", "zuko")
    for family in REGISTRY.values():
        for role in ("attacher", "teacher", "trainer", "demo_report"):
            if getattr(family, role) is None:
                continue
            try:
                target = family.load(role)
            except ImportError as err:  # a processing-only installation has no training stack
                assert role in ("teacher", "trainer") and (err.name or "").split(".")[0] in optional, err
                continue
            assert callable(target), (family.name, role)
        if family.features is not None:
            module = family.load("features")
            assert module.FEATURE_BRANCHES and module.FEATURE_NAMES


def test_the_command_line_is_built_from_the_registry():
    from hepsurrogates.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    for command, role in (("teach", "teacher"), ("train", "trainer")):
        fams = next(a for a in sub[command]._actions if a.dest == "family").choices
        assert sorted(fams) == families_with(role), command
        for name, p in fams.items():
            flags = {s for a in p._actions for s in a.option_strings}
            for opt in get_family(name).options_for(command):
                assert set(opt.flags) <= flags, (command, name, opt.flags)
            # an option of another family is not accepted on this family's sub-command
            others = {s for f in REGISTRY.values() if f.name != name for o in f.options_for(command) for s in o.flags}
            assert not ((others - {s for o in get_family(name).options_for(command) for s in o.flags}) & flags)
    for name in (f.name for f in REGISTRY.values() if f.verbs):
        verbs = next(a for a in sub[name]._actions if a.dest == "verb").choices
        assert list(verbs) == [v.name for v in get_family(name).verbs]
    run_flags = {s for a in sub["run"]._actions for s in a.option_strings}
    for family in REGISTRY.values():
        for opt in family.options_for("run"):
            assert set(opt.flags) <= run_flags
    assert all(set(o.commands) <= set(COMMANDS) for f in REGISTRY.values() for o in f.options)


def test_family_help_shows_its_options_and_defaults():
    proc = subprocess.run([sys.executable, "-m", "hepsurrogates", "teach", "mem", "--help"], capture_output=True,
                          text=True, timeout=120, cwd=tempfile.gettempdir())
    assert proc.returncode == 0
    assert "--hypotheses" in proc.stdout and "--bjet-response" in proc.stdout and "0.871" in proc.stdout
    assert "--with-fastmtt" not in proc.stdout


def test_every_subpackage_is_installed():
    """pyproject's package list names every folder with an __init__.py under the mapped roots."""
    text = (ROOT / "pyproject.toml").read_text()
    listed = set(re.findall(r'^\s*"(hepsurrogates[a-z_.]*)",?$', text.split("packages = [", 1)[1].split("]", 1)[0],
                            re.M))
    roots = {"hepsurrogates": "hepsurrogates", "datasets": "hepsurrogates.datasets", "models": "hepsurrogates.models",
             "training": "hepsurrogates.training", "processors": "hepsurrogates.processors"}
    found = set()
    for folder, package in roots.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *rel.parts]))
    assert found == listed


@pytest.mark.parametrize("name", family_names())
def test_every_family_has_its_folders(name):
    family = get_family(name)
    for layer in ("models", "tests", "benchmarks"):
        assert (ROOT / layer / name).is_dir(), (name, layer)
    if family.attacher:
        assert (ROOT / "processors" / name).is_dir()
    for verb in family.verbs:
        try:
            target = verb.load()
        except ImportError as err:  # a processing-only installation has no training or statistics stack
            assert (err.name or "").split(".")[0] in ("torch", "pyhf", "emcee", "iminuit", "zuko", "scipy"), err
            continue
        assert callable(target), (name, verb.name)
    if family.trainer:
        assert (ROOT / "training" / name).is_dir()
    if family.teacher:
        assert (ROOT / "datasets" / "teachers" / name).is_dir()
    if family.docs:
        assert (ROOT / "docs" / family.docs).is_file()
