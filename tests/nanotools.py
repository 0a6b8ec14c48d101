"""Test helpers: a NanoAOD file rewritten with some branches changed (NaN, shifted, dropped)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot


def read_flat(path: str | Path, entry_stop: int | None = None) -> dict[str, Any]:
    """Every branch of ``Events`` as flat NanoAOD-named arrays (``Muon_pt`` …, ``nMuon`` …)."""
    with uproot.open(path) as f:
        arrays = f["Events"].arrays(library="ak", entry_stop=entry_stop)
    return {k: arrays[k] for k in arrays.fields}


def write_flat(path: str | Path, branches: Mapping[str, Any]) -> Path:
    """Write flat NanoAOD-named arrays as an ``Events`` tree (collections regrouped, as the skims
    are, so that uproot writes their ``nX`` counters)."""
    from hepsurrogates.processors.skim import nested_for_uproot

    with uproot.recreate(path) as f:
        f.mktree("Events", {k: ak.to_packed(v) for k, v in nested_for_uproot(branches).items()})
    return Path(path)


def rewrite(src: str | Path, dst: str | Path, change: Callable[[dict[str, Any]], dict[str, Any]],
            entry_stop: int | None = None) -> Path:
    """``src`` copied to ``dst`` with ``change`` applied to its flat branches."""
    return write_flat(dst, change(read_flat(src, entry_stop)))


def with_nan(name: str, every: int = 7) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A change that sets the branch ``name`` to NaN in every ``every``-th event: the value of a per-event
    branch, every object's value of a collection's branch (``Muon_pt``)."""

    def change(b: dict[str, Any]) -> dict[str, Any]:
        if b[name].ndim > 1:
            counts = ak.num(b[name], axis=1)
            flat = ak.to_numpy(ak.flatten(b[name])).astype(np.float32).copy()
            event = np.repeat(np.arange(len(counts)), ak.to_numpy(counts))
            flat[event % every == 0] = np.nan
            return {**b, name: ak.unflatten(flat, counts)}
        values = ak.to_numpy(b[name]).astype(np.float32).copy()
        values[::every] = np.nan
        return {**b, name: values}

    return change
