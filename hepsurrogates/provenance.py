"""Provenance records: what produced a file (code revision, package versions, settings)."""

from __future__ import annotations

import functools
import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["package_versions", "code_revision", "provenance_record"]

_TRACKED = (
    "hepsurrogates", "numpy", "awkward", "uproot", "coffea", "dask", "dask-awkward",
    "pythia8mc", "fastjet", "onnxruntime", "torch", "vegas",
)


def package_versions(names: tuple[str, ...] = _TRACKED) -> dict[str, str]:
    """Installed versions of the packages that shape the output ("absent" when missing)."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


@functools.lru_cache(maxsize=1)
def code_revision() -> str:
    """The git revision of the source tree this package runs from, or "unknown".

    A "+dirty" suffix marks uncommitted changes, so a provenance record never claims a
    revision whose code differs from what ran.
    """
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5,
        )
        if rev.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        )
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance_record(**fields: Any) -> dict[str, Any]:
    """A provenance dictionary: the caller's fields plus code revision and versions.

    It deliberately holds no timestamp or host name, so that the same inputs give the
    same record (deterministic outputs).
    """
    return {
        **fields,
        "code_revision": code_revision(),
        "python": platform.python_version(),
        "packages": package_versions(),
    }
