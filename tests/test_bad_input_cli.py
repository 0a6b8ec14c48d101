"""Every command-line mistake of docs/bad_input_cases.json, as a user makes it: the exit code, the
one-line message, no traceback, and nothing that looks like output left behind; processing cases
on every execution path of ``run`` (the same specific error and exit code on each)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

from hepsurrogates.processors.demo import demo_fileset
from hepsurrogates.processors.runner import EXECUTORS

pytestmark = pytest.mark.processing

ROOT = Path(__file__).resolve().parents[1]
CASES = json.loads((ROOT / "docs" / "bad_input_cases.json").read_text())["cases"]
COFFEA = ROOT / "tests" / "data" / "coffea"


def _fileset(path: Path, files: list[str], name: str = "d") -> str:
    path.write_text(json.dumps({name: {"files": {f: "Events" for f in files}}}))
    return str(path)


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from nanotools import rewrite, with_nan

    d = tmp_path_factory.mktemp("bad_input")
    demo = next(iter(demo_fileset()["htautau"]["files"]))
    small = rewrite(demo, d / "small.root", lambda b: b, entry_stop=300)
    truncated = d / "truncated.root"
    truncated.write_bytes(Path(small).read_bytes()[: Path(small).stat().st_size // 2])
    garbage = d / "garbage.root"
    garbage.write_bytes(np.random.default_rng(0).bytes(20000))
    empty = d / "empty.root"
    empty.write_bytes(b"")
    no_events = d / "no_events.root"
    with uproot.recreate(no_events) as f:
        f.mktree("Runs", {"run": np.arange(3, dtype=np.uint32)})

    def nan_tau(b):
        pt = b["Tau_pt"]
        flat = ak.to_numpy(ak.flatten(pt)).astype(np.float32).copy()
        flat[::7] = np.nan
        return {**b, "Tau_pt": ak.unflatten(flat, ak.num(pt))}

    a_file = d / "a_file.txt"
    a_file.write_text("not a directory, not a bundle")
    (d / "not_json.json").write_text("{not json")
    from hepsurrogates.models.shipped import shipped_path

    return {
        "fileset": _fileset(d / "good.json", [str(small)]),
        "missing": str(d / "nope.json"), "not_json": str(d / "not_json.json"),
        "no_files": _fileset(d / "no_files.json", []),
        "fs_gone": _fileset(d / "gone.json", [str(d / "gone.root")]),
        "fs_truncated": _fileset(d / "truncated.json", [str(truncated)]),
        "fs_garbage": _fileset(d / "garbage.json", [str(garbage)]),
        "fs_empty": _fileset(d / "empty.json", [str(empty)]),
        "fs_no_events": _fileset(d / "no_events.json", [str(no_events)]),
        "fs_v12": _fileset(d / "v12.json", [str(COFFEA / "nano_tt_v12.root")]),
        "fs_nan_tau": _fileset(d / "nan_tau.json", [str(rewrite(small, d / "nan_tau.root", nan_tau))]),
        "fs_nan_met": _fileset(d / "nan_met.json", [str(rewrite(small, d / "nan_met.root", with_nan("MET_pt")))]),
        "a_file": str(a_file), "mem_bundle": str(shipped_path("mem_dy")),
    }


def _run(argv: list[str], places: dict[str, str], out: Path) -> subprocess.CompletedProcess[str]:
    args = [a.format(**places, out=str(out)) for a in argv]
    return subprocess.run([sys.executable, "-m", "hepsurrogates", *args], capture_output=True, text=True,
                          timeout=600, cwd=tempfile.gettempdir())


def _check(case: dict, proc: subprocess.CompletedProcess[str], out: Path) -> None:
    assert proc.returncode == case["exit"], (case["mistake"], proc.returncode, proc.stderr[-2000:])
    assert case["message"] in proc.stderr, (case["mistake"], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, case["mistake"]
    assert len(proc.stderr.strip().splitlines()[-1]) > 20  # a one-line message, last
    assert not out.exists(), f"{case['mistake']}: left {sorted(p.name for p in out.rglob('*'))}"


@pytest.mark.parametrize("case", CASES, ids=[c["mistake"] for c in CASES])
def test_each_mistake_gives_its_exit_code_and_message(case, places, tmp_path):
    if "needs" in case:
        pytest.importorskip(case["needs"])
    out = tmp_path / "out"
    _check(case, _run(case["argv"], places, out), out)


@pytest.mark.parametrize("executor", [e for e in EXECUTORS if e != "dask"])
@pytest.mark.parametrize("case", [c for c in CASES if c.get("executors")],
                         ids=[c["mistake"] for c in CASES if c.get("executors")])
def test_every_executor_gives_the_same_error(case, executor, places, tmp_path):
    out = tmp_path / "out"
    _check(case, _run([*case["argv"], "--executor", executor, "--workers", "1"], places, out), out)


def test_an_existing_output_directory_keeps_what_it_had(places, tmp_path):
    """A failed run into a directory that already held results removes only what it created."""
    out = tmp_path / "results"
    out.mkdir()
    (out / "earlier.txt").write_text("keep me")
    proc = _run(["run", "--fileset", "{fs_nan_tau}", "--surrogates", "ditau", "--out", "{out}"], places, out)
    assert proc.returncode == 6
    assert sorted(p.name for p in out.iterdir()) == ["earlier.txt"]
