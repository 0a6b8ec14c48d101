"""Skims: selected events with their new columns, written so that they read back with NanoAODSchema.

A skim keeps ``run``, ``luminosityBlock``, ``event``, the collections the surrogates read
(only their stored fields, not coffea's derived global indices), the teacher and weight
columns when present, and the new ``Surrogate_*`` columns. Formats:

* ``root``: an ``Events`` TTree in NanoAOD naming; with dask-awkward input through
  ``uproot.dask_write`` (one file per partition), with eager input one file per chunk;
* ``parquet``: flat NanoAOD columns (``nMuon``, ``Muon_pt`` …), the layout of coffea's own
  NanoAOD parquet samples; ``dask_awkward.to_parquet`` or ``awkward.to_parquet``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import awkward as ak
import numpy as np

__all__ = ["SkimFormat", "skim_columns", "write_skim", "is_dask", "nested_for_uproot"]

SkimFormat = Literal["root", "parquet"]
_EVENT_IDS = ("run", "luminosityBlock", "event")


def is_dask(array: Any) -> bool:
    return type(array).__module__.startswith("dask_awkward")


def _derived_by_schema() -> set[str]:
    """Fields NanoAODSchema derives when reading (``Jet_charge`` = 0, aliases): not to be written."""
    from coffea.nanoevents import NanoAODSchema

    return set(NanoAODSchema.full_like_items) | set(getattr(NanoAODSchema, "alias_items", {}))


def _stored_fields(name: str, collection: Any, derived: set[str]) -> list[str]:
    """Fields that are stored branches: drops coffea's global indices (``genPartIdxG``) and the
    fields its schema derives."""
    return [f for f in collection.fields
            if not (f.endswith("G") and "Idx" in f) and f"{name}_{f}" not in derived]


def skim_columns(events: Any, collections: Sequence[str], new_columns: Mapping[str, Any]) -> dict[str, Any]:
    """Flat NanoAOD-named columns of the skim (``nX`` counters included)."""
    out: dict[str, Any] = {name: events[name] for name in _EVENT_IDS}
    derived = _derived_by_schema()
    for name in collections:
        if name not in events.fields:
            continue
        coll = events[name]
        fields = _stored_fields(name, coll, derived)
        if coll.ndim > 1:  # a collection (Muon, Jet); MET and PV are one record per event
            out[f"n{name}"] = ak.values_astype(ak.num(coll, axis=1), np.uint32)
        for f in fields:
            out[f"{name}_{f}"] = coll[f]
    for opt in ("Teacher", "genWeight"):
        if opt in events.fields:
            node = events[opt]
            if opt == "genWeight":
                out["genWeight"] = node
            else:
                for f in node.fields:
                    out[f"{opt}_{f}"] = node[f]
    out.update(new_columns)
    return out


def nested_for_uproot(columns: Mapping[str, Any]) -> dict[str, Any]:
    """Group ``X_f`` jagged columns into records ``X`` so uproot writes ``nX`` and ``X_f``."""
    groups: dict[str, dict[str, Any]] = {}
    flat: dict[str, Any] = {}
    counted = {k[1:] for k in columns if k.startswith("n") and k[1:] and k[1].isupper()}
    for key, value in columns.items():
        coll, _, field = key.partition("_")
        if key.startswith("n") and key[1:] in counted:
            continue
        if field and coll in counted:
            groups.setdefault(coll, {})[field] = value
        else:
            flat[key] = value
    for coll, fields in groups.items():
        flat[coll] = ak.zip(fields)
    return flat


def write_skim(columns: Mapping[str, Any], out_dir: str | Path, prefix: str, fmt: SkimFormat = "root",
               metadata: Mapping[str, Any] | None = None) -> Any:
    """Write a skim. With dask-awkward columns returns the un-computed write (for ``dask.compute``);
    with eager columns writes now and returns the file path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first = next(iter(columns.values()))
    if fmt not in ("root", "parquet"):
        raise ValueError(f"skim format must be 'root' or 'parquet', got {fmt!r}")
    if is_dask(first):
        import dask_awkward as dak
        import uproot

        if fmt == "root":
            skim = ak.zip(nested_for_uproot(columns), depth_limit=1)
            return uproot.dask_write(skim, destination=str(out), prefix=prefix, tree_name="Events", compute=False)
        skim = ak.zip(dict(columns), depth_limit=1)
        return dak.to_parquet(skim, str(out / prefix), compute=False, prefix=prefix)
    meta = metadata or {}
    tag = hashlib.sha1(f"{meta.get('filename', '')}:{meta.get('entrystart', 0)}".encode()).hexdigest()[:10]
    start = meta.get("entrystart", 0)
    if fmt == "root":
        import uproot

        path = out / f"{prefix}-{start}-{tag}.root"
        part = path.with_name(path.name + ".part")
        with uproot.recreate(part) as f:
            f.mktree("Events", {k: ak.to_packed(v) for k, v in nested_for_uproot(columns).items()})
        part.replace(path)
        return path
    path = out / f"{prefix}-{start}-{tag}.parquet"
    ak.to_parquet(ak.zip({k: ak.to_packed(v) for k, v in columns.items()}, depth_limit=1), path)
    return path
