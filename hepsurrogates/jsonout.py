"""JSON for people and scripts, in and out.

Out: numpy scalars, tuples and paths converted, NaN and ±inf written as null (JSON has no NaN:
``json.dumps(float("nan"))`` gives ``NaN``, which strict parsers refuse). In: :func:`load_json`,
with errors that name the file and what it was meant to be.

Example:
    >>> import numpy as np
    >>> dumps({"xsec_pb": float("nan"), "n": np.int64(3), "ok": np.bool_(True)})
    '{"xsec_pb": null, "n": 3, "ok": true}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .exceptions import MissingInputFileError, SchemaError

__all__ = ["plain", "dumps", "load_json"]


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays, tuples and paths turned into JSON types, and
    non-finite floats into None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, Path):
        return str(value)
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`plain` (``value``), refusing anything still not JSON."""
    return json.dumps(plain(value), allow_nan=False, **kwargs)


def load_json(path: str | Path, what: str = "JSON file") -> Any:
    """The parsed content of the JSON file ``path``; ``what`` names it in the errors.

    Raises:
        MissingInputFileError: the file does not exist.
        SchemaError: it is not valid JSON (the message gives the parser's line and column).
    """
    p = Path(path)
    if not p.is_file():
        raise MissingInputFileError(f"{what} not found: {p}")
    try:
        return json.loads(p.read_text())
    except json.JSONDecodeError as err:
        raise SchemaError(f"{p} is not valid JSON: {err}") from err
