"""coffea filesets: the ``dataset_tools`` JSON that lists a sample's files.

Format (coffea ``dataset_tools``)::

    {"htautau": {"files": {"/abs/path/htautau_1_0000.root": "Events", ...},
                 "metadata": {"sample": "htautau", "seed": 1, ...}}}

Writing merges into an existing fileset in the same directory (a new dataset is added, one
with the same name is replaced), so several ``generate`` runs into one directory give one
fileset. The JSON is written atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hepsurrogates.exceptions import SchemaError
from hepsurrogates.jsonout import load_json

__all__ = ["FILESET_NAME", "load_fileset", "update_fileset"]

FILESET_NAME = "fileset.json"


def load_fileset(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Read and validate a fileset JSON.

    Raises:
        MissingInputFileError: the JSON does not exist.
        SchemaError: it is not a mapping of dataset → {"files": {path: tree}, ...}.
    """
    p = Path(path)
    data = load_json(p, "fileset")
    if not isinstance(data, dict) or not data:
        raise SchemaError(f"{p}: expected a non-empty object of datasets, found {type(data).__name__}")
    for name, ds in data.items():
        files = ds.get("files") if isinstance(ds, dict) else None
        if not isinstance(files, dict) or not files:
            raise SchemaError(f"{p}: dataset {name!r} needs a non-empty 'files' object mapping path -> tree name")
        for fpath, tree in files.items():
            if not isinstance(tree, str):
                raise SchemaError(f"{p}: dataset {name!r}, file {fpath!r}: tree name must be a string, found {tree!r}")
    return data


def update_fileset(directory: str | os.PathLike[str], dataset: str, files: list[Path],
                   metadata: Mapping[str, Any]) -> Path:
    """Add (or replace) ``dataset`` in ``directory/fileset.json``; returns the JSON's path."""
    d = Path(directory)
    target = d / FILESET_NAME
    current: dict[str, Any] = load_fileset(target) if target.is_file() else {}
    current[dataset] = {
        "files": {str(Path(f).resolve()): "Events" for f in files},
        "metadata": dict(metadata),
    }
    part = target.with_name(target.name + ".part")
    part.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    os.replace(part, target)
    return target
