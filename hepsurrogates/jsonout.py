"""JSON for people and scripts: numpy scalars, tuples and paths converted, NaN and ±inf written as
null (JSON has no NaN: ``json.dumps(float("nan"))`` gives ``NaN``, which strict parsers refuse).

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

__all__ = ["plain", "dumps"]


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
