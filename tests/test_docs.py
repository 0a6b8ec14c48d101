"""The docs build warning-free, and the README's headline numbers are the rendered benchmark JSON."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                           "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    html = tmp_path / "html"
    for page in ("index.html", "_generated/cli.html", "_generated/families.html", "families/mem.html",
                 "_generated/benchmarks_mem.html", "_generated/api/hepsurrogates.processors.html"):
        assert (html / page).stat().st_size > 2000, page
    cli = (html / "_generated" / "cli.html").read_text()
    assert "--hza-point" in cli and "--with-fastmtt" in cli  # the reference is generated from the parser
    assert "AUC of D" in (html / "_generated" / "benchmarks_mem.html").read_text()  # rendered from the JSON


def test_readme_headline_is_rendered_from_the_results():
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "render.py"), "--check"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_stays_short():
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) <= 8192
    assert "hepsurrogates demo" in text and "python -m pytest -q" in text
    for diary in ("scratch measurement", "at commit", "tried, not kept"):
        assert diary not in text
