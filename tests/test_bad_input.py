"""Bad input gets a specific exception, a clear message, a non-zero exit and no partial files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import uproot

from hepsurrogates import cli
from hepsurrogates.datasets import check_file, generate, load_fileset, open_events
from hepsurrogates.exceptions import (
    CorruptInputFileError,
    GenerationError,
    InvalidArgumentError,
    MissingBranchError,
    MissingInputFileError,
    OutputNotWritableError,
    SchemaError,
    UnknownSampleError,
)


def test_unknown_sample(tmp_path, capsys):
    with pytest.raises(UnknownSampleError, match="known samples: dy_contact, dy_ll, htautau"):
        generate("ttbar_hadronic", 10, seed=1, out_dir=tmp_path)
    assert cli.main(["generate", "nosuch", "--events", "10", "--out", str(tmp_path)]) == 2
    assert "unknown sample 'nosuch'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("n", [0, -5])
def test_non_positive_event_count(tmp_path, capsys, n):
    with pytest.raises(InvalidArgumentError, match="positive integer"):
        generate("dy_ll", n, seed=1, out_dir=tmp_path)
    assert cli.main(["generate", "dy_ll", "--events", str(n), "--out", str(tmp_path)]) == 2
    assert "positive integer" in capsys.readouterr().err


def test_bad_sample_option(tmp_path, capsys):
    with pytest.raises(InvalidArgumentError, match="no option 'mass'"):
        generate("htautau", 10, seed=1, out_dir=tmp_path, options={"mass": 5})
    assert cli.main(["generate", "htautau", "--option", "mass_min=2000", "--out", str(tmp_path)]) == 2
    assert "mass_min < mass_max" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["under_a_file", "read_only_fs"])
def test_unwritable_output_directory(tmp_path, capsys, kind):
    if kind == "under_a_file":
        blocker = tmp_path / "not_a_dir"
        blocker.write_text("x")
        out = blocker / "samples"
    else:
        out = Path("/proc/hepsurrogates-samples")
    with pytest.raises(OutputNotWritableError, match="not writable"):
        generate("dy_ll", 10, seed=1, out_dir=out)
    assert cli.main(["generate", "dy_ll", "--events", "10", "--out", str(out)]) == 3
    assert "not writable" in capsys.readouterr().err


def test_bad_pythia_setting_fails_cleanly(tmp_path, capsys):
    code = cli.main(["generate", "dy_ll", "--events", "10", "--out", str(tmp_path), "-q",
                     "--pythia", "NoSuchSetting:foo = on"])
    assert code == 5
    assert "NoSuchSetting:foo" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.root*")) and not (tmp_path / "fileset.json").exists()


def test_failure_while_writing_leaves_no_partial_file(tmp_path, monkeypatch):
    """A crash in the middle of writing removes the half-written file; no fileset is written."""
    import hepsurrogates.datasets.nanoaod as nanoaod

    real = nanoaod.uproot.recreate

    class Exploding:
        def __init__(self, path):
            self._file = real(path)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._file.close()

        def mktree(self, name, branches):
            self._file.mktree(name, {"run": branches["run"]})
            raise OSError("disk full (simulated)")

    monkeypatch.setattr(nanoaod.uproot, "recreate", Exploding)
    with pytest.raises(GenerationError, match="disk full"):
        generate("dy_ll", 20, seed=1, out_dir=tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _sample_file(tmp_path: Path) -> Path:
    r = generate("dy_ll", 30, seed=3, out_dir=tmp_path / "good", progress=False)
    return r.files[0]


def test_missing_corrupt_and_truncated_files(tmp_path):
    good = _sample_file(tmp_path)
    assert check_file(good) == 30
    with pytest.raises(MissingInputFileError, match="not found"):
        open_events(tmp_path / "nope.root")
    garbage = tmp_path / "garbage.root"
    garbage.write_bytes(np.random.default_rng(0).bytes(20000))
    with pytest.raises(CorruptInputFileError, match="not a readable ROOT file"):
        open_events(garbage)
    data = good.read_bytes()
    for frac in (0.5, 0.9):
        truncated = tmp_path / f"truncated_{frac}.root"
        truncated.write_bytes(data[: int(len(data) * frac)])
        with pytest.raises(CorruptInputFileError):
            open_events(truncated)
    empty = tmp_path / "empty.root"
    empty.write_bytes(b"")
    with pytest.raises(CorruptInputFileError):
        check_file(empty)


def test_wrong_schema_and_missing_branch(tmp_path):
    other = tmp_path / "other.root"
    with uproot.recreate(other) as f:
        f.mktree("Runs", {"run": np.arange(3, dtype=np.uint32)})
    with pytest.raises(SchemaError, match="no 'Events' tree"):
        open_events(other)
    good = _sample_file(tmp_path)
    with pytest.raises(MissingBranchError, match="Tau_fancyScore"):
        open_events(good, required=["MET_pt", "Tau_fancyScore"])
    with pytest.raises(InvalidArgumentError, match="mode"):
        open_events(good, mode="lazy")


def test_malformed_fileset(tmp_path):
    bad = tmp_path / "fileset.json"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="not valid JSON"):
        load_fileset(bad)
    bad.write_text(json.dumps({"ds": {"files": []}}))
    with pytest.raises(SchemaError, match="non-empty 'files' object"):
        load_fileset(bad)
    with pytest.raises(MissingInputFileError):
        load_fileset(tmp_path / "missing.json")


def test_fileset_merges_samples(tmp_path):
    generate("dy_ll", 20, seed=1, out_dir=tmp_path, progress=False)
    generate("htautau", 20, seed=1, out_dir=tmp_path, progress=False)
    assert set(load_fileset(tmp_path / "fileset.json")) == {"dy_ll", "htautau"}
    shutil.rmtree(tmp_path)
