"""The registry of surrogate families: one module per family, each exporting ``FAMILY``.

The command line (``teach``, ``train``, ``run``), the processor contract test and the
documentation are built from this table (the pattern of pyhf's modifier registry and of
:mod:`hepsurrogates.datasets.samples`); nothing else branches on a family's name.

Example:
    >>> from hepsurrogates.families import family_names, get_family
    >>> family_names()
    ['ditau', 'fastsim', 'likelihood', 'mem', 'ratio']
    >>> [c.name for c in get_family("mem").columns]
    ['memDY', 'memTT', 'memHZA_{point}', 'memD']
"""

from __future__ import annotations

from hepsurrogates.exceptions import InvalidArgumentError

from . import ditau, fastsim, likelihood, mem, ratio
from .spec import COMMANDS, ColumnSpec, DemoSample, FamilySpec, OptionSpec, ParameterSpec, VerbSpec

__all__ = ["REGISTRY", "FamilySpec", "ColumnSpec", "OptionSpec", "ParameterSpec", "DemoSample", "VerbSpec", "COMMANDS",
           "get_family", "family_names", "families_with"]

REGISTRY: dict[str, FamilySpec] = {m.FAMILY.name: m.FAMILY for m in (ditau, fastsim, mem, ratio, likelihood)}


def family_names() -> list[str]:
    """The registered family names, sorted."""
    return sorted(REGISTRY)


def families_with(role: str) -> list[str]:
    """The families that have ``role`` (``attacher``, ``teacher``, ``trainer``), sorted."""
    return sorted(n for n, f in REGISTRY.items() if getattr(f, role) is not None)


def get_family(name: str) -> FamilySpec:
    """The family called ``name``.

    Raises:
        InvalidArgumentError: ``name`` is not registered (the message lists the known ones).
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise InvalidArgumentError(f"unknown family {name!r}; known families: {', '.join(family_names())}") from None
