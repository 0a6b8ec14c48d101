"""Trained bundles shipped with the package, each rebuilt by one documented command.

=============  =========================================================================
bundle         rebuild
=============  =========================================================================
``ditau_mass`` ``hepsurrogates train ditau --config models/shipped/ditau_mass.train.json --out models/shipped``
=============  =========================================================================

Each bundle ``<name>.onnx`` has its card beside it (``<name>.card.json``), the training
configuration (``<name>.train.json``) and the validation report (``reports/<name>/``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hepsurrogates.exceptions import MissingInputFileError

from ..bundle import ModelBundle

__all__ = ["shipped_path", "load_shipped", "SHIPPED"]

SHIPPED = ("ditau_mass",)


def shipped_path(name: str) -> Path:
    """Path of the shipped bundle ``name``."""
    path = Path(str(resources.files(__name__).joinpath(f"{name}.onnx")))
    if not path.is_file():
        raise MissingInputFileError(f"no shipped bundle {name!r} (shipped: {', '.join(SHIPPED)})")
    return path


def load_shipped(name: str, family: str | None = None) -> ModelBundle:
    """Load and check a shipped bundle."""
    return ModelBundle.load(shipped_path(name), family=family)
