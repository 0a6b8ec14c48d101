"""Refuse non-finite inputs at the object level, before any selection reads them.

A NaN in ``Tau_pt`` of one τ candidate changes which pair an event selects, and can reach a skim
without a word. The policy of every family (documented in ``docs/bad_input.md``): a NaN or ±inf in
any floating-point branch that the family reads (its features module's ``REQUIRED_BRANCHES`` or
``FEATURE_BRANCHES``) stops the run with :class:`~hepsurrogates.exceptions.NonFiniteInputError`,
naming the branches, the number of values and the dataset and file; nothing is silently dropped.

:class:`FiniteGuard` is a coffea ``numpy_call_wrapper``: on eager or dask-awkward events it reads
exactly those branches (no other column), checks them chunk by chunk, and returns a per-event True
that the attacher ANDs into its selection, so that the check is part of the computation graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import awkward as ak
import numpy as np
from coffea.ml_tools.helper import numpy_call_wrapper

from hepsurrogates.exceptions import NonFiniteInputError

__all__ = ["FiniteGuard", "finite_guard", "float_branches"]


def float_branches(events: Any, branches: Sequence[str]) -> list[tuple[str, str | None]]:
    """(collection or branch, field) of the floating-point ``branches`` that ``events`` has, e.g.
    ``("Tau", "pt")`` for ``Tau_pt`` and ``("MET_pt", None)`` when ``MET`` is a flat branch."""
    out: list[tuple[str, str | None]] = []
    fields = set(events.fields)
    for name in branches:
        if name.startswith("n") and name[1:] in fields:
            continue  # a counter
        coll, _, field = name.partition("_")
        if coll in fields and field and field in events[coll].fields:
            out.append((coll, field))
        elif name in fields:
            out.append((name, None))
    return out


class FiniteGuard(numpy_call_wrapper):
    """A per-event True that raises when one of ``names`` holds NaN or ±inf (module docstring).

    Args:
        family: the family whose branches these are; source: ``dataset: file`` of the chunk.
        names: the branch names of the arrays the call receives, in order.
    """

    def __init__(self, family: str, source: str, names: Sequence[str]) -> None:
        super().__init__()
        self.family = family
        self.source = source
        self.names = tuple(names)

    def prepare_awkward(self, n: Any, *arrays: Any) -> tuple[list[Any], dict[str, Any]]:
        return [n, *arrays], {}

    def validate_numpy_input(self, n: np.ndarray, *arrays: np.ndarray) -> None:
        bad = [(name, int((~np.isfinite(np.asarray(a))).sum())) for name, a in zip(self.names, arrays)
               if np.issubdtype(np.asarray(a).dtype, np.floating)]
        bad = [(name, k) for name, k in bad if k]
        if bad:
            raise NonFiniteInputError(self.family, self.source, bad)

    def numpy_call(self, n: np.ndarray, *arrays: np.ndarray) -> np.ndarray:
        return np.ones(len(n), dtype=bool)

    def postprocess_awkward(self, result: Any, *args: Any) -> Any:
        return result


def finite_guard(events: Any, branches: Sequence[str], family: str, source: str) -> Any:
    """Per-event True (eager or dask-awkward) after checking the float ``branches`` of ``events``.

    Raises:
        NonFiniteInputError: (at evaluation) a branch holds NaN or ±inf.
    """
    found = float_branches(events, branches)
    arrays = [ak.flatten(events[c][f], axis=None) if f is not None else events[c] for c, f in found]
    names = [f"{c}_{f}" if f is not None else c for c, f in found]
    return FiniteGuard(family, source, names)(ak.local_index(events.event, axis=0), *arrays)
