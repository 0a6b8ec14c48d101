"""The console script, run as a user would (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hepsurrogates", *args], capture_output=True, text=True, timeout=600)


def test_generate_writes_files_and_fileset(tmp_path):
    proc = _run("generate", "dy_ll", "--events", "60", "--seed", "4", "--out", str(tmp_path),
                "--chunk-size", "30", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["events"] == 60 and summary["files"] == 2
    assert sorted(p.name for p in tmp_path.glob("*.root")) == ["dy_ll_4_0000.root", "dy_ll_4_0001.root"]
    fileset = json.loads((tmp_path / "fileset.json").read_text())
    assert len(fileset["dy_ll"]["files"]) == 2
    assert "generate dy_ll" in proc.stderr  # the progress bar
    assert "FastJet" not in proc.stdout  # fastjet's banner is kept out of the output


def test_list_version_and_usage():
    listing = _run("generate", "--list")
    assert listing.returncode == 0 and "htautau" in listing.stdout and "dy_ll" in listing.stdout
    version = _run("--version")
    assert version.returncode == 0 and version.stdout.startswith("hepsurrogates ")
    assert _run().returncode == 2
    bad = _run("generate", "dy_ll", "--events", "ten")
    assert bad.returncode == 2 and "invalid int value" in bad.stderr


@pytest.mark.parametrize("args,code,message", [
    (["generate", "zz4l", "--events", "5"], 2, "unknown sample"),
    (["generate", "dy_ll", "--events", "0"], 2, "positive integer"),
])
def test_errors_are_one_line_with_exit_codes(args, code, message):
    proc = _run(*args)
    assert proc.returncode == code
    assert message in proc.stderr and "Traceback" not in proc.stderr
