"""Columnar di-τ training data: the model inputs and targets read from NanoAOD-style samples.

Uses the one feature definition (:func:`hepsurrogates.models.ditau.features.ditau_inputs`) on
each file in eager mode and keeps the events with a di-τ pair. The target is the generated
mass, ``Teacher_mTauTau`` (the quantity ``Surrogate_mTauTau`` holds) for the events whose sample
stores it (``htautau``; ``dy_ll`` for its ττ events), otherwise the mass of the hard-process
lepton pair from ``LHEPart`` (the same quantity, for files without the column); the
``lhe_tautau`` flag marks Z/γ* → ττ. A loaded set can be cached as ``.npz`` (keyed by the file list and sizes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import awkward as ak
import numpy as np

from hepsurrogates.exceptions import MissingBranchError, SchemaError
from hepsurrogates.models.ditau.features import FEATURE_NAMES, ditau_inputs
from hepsurrogates.nanoio import open_events

from ..samples import files_from

__all__ = ["DiTauDataset", "load_ditau_dataset", "files_from"]

_LEG_FIELDS = ("pt", "eta", "phi", "mass", "hadronic")


@dataclass
class DiTauDataset:
    """Events with a di-τ pair: features ``x`` (n × 27), ``target`` (GeV), ``channel`` and what
    FastMTT needs (``legs``: leg1_*/leg2_* and MET/covariance arrays)."""

    x: np.ndarray
    target: np.ndarray
    channel: np.ndarray
    lhe_tautau: np.ndarray
    legs: dict[str, np.ndarray]
    n_read: int

    def __len__(self) -> int:
        return len(self.target)

    def subset(self, idx: np.ndarray) -> DiTauDataset:
        return DiTauDataset(
            x=self.x[idx], target=self.target[idx], channel=self.channel[idx], lhe_tautau=self.lhe_tautau[idx],
            legs={k: v[idx] for k, v in self.legs.items()}, n_read=self.n_read,
        )

    def save(self, path: Path) -> None:
        arrays = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("legs", "n_read")}
        arrays.update({f"legs_{k}": v for k, v in self.legs.items()})
        np.savez(path, n_read=np.array(self.n_read), **arrays)

    @classmethod
    def load(cls, path: Path) -> DiTauDataset:
        with np.load(path) as z:
            legs = {k[5:]: z[k] for k in z.files if k.startswith("legs_")}
            return cls(x=z["x"], target=z["target"], channel=z["channel"], lhe_tautau=z["lhe_tautau"],
                       legs=legs, n_read=int(z["n_read"]))


def _target(events: ak.Array) -> tuple[np.ndarray, np.ndarray]:
    lhe = events.LHEPart
    leptons = lhe[(lhe.status == 1) & ((abs(lhe.pdgId) == 11) | (abs(lhe.pdgId) == 13) | (abs(lhe.pdgId) == 15))]
    tautau = ak.to_numpy(ak.sum(abs(leptons.pdgId) == 15, axis=1) == 2)
    pair = ak.pad_none(leptons, 2)
    mass = ak.to_numpy(ak.fill_none((pair[:, 0] + pair[:, 1]).mass, np.nan)).astype(np.float64)
    if "Teacher" in events.fields and "mTauTau" in events.Teacher.fields:
        stored = ak.to_numpy(events.Teacher.mTauTau).astype(np.float64)
        mass = np.where(np.isfinite(stored), stored, mass)
    return mass, tautau


def _cache_key(files: Sequence[str]) -> str:
    sig = [(f, Path(f).stat().st_size) for f in files]
    return hashlib.sha256(json.dumps([sig, list(FEATURE_NAMES)]).encode()).hexdigest()[:16]


def load_ditau_dataset(files: Sequence[str], cache_dir: Path | None = None, progress: bool = True) -> DiTauDataset:
    """Read ``files`` and keep the events with a di-τ pair (a cached copy is reused)."""
    from tqdm.auto import tqdm

    files = list(files)
    if not files:
        raise SchemaError("no input files for the di-tau dataset")
    cache = (Path(cache_dir) / f"ditau_{_cache_key(files)}.npz") if cache_dir else None
    if cache is not None and cache.is_file():
        return DiTauDataset.load(cache)
    parts: list[dict[str, np.ndarray]] = []
    n_read = 0
    for f in tqdm(files, desc="read di-tau inputs", unit="file", disable=not progress, leave=False):
        try:
            events = open_events(f, mode="eager", required=("LHEPart_pdgId", "LHEPart_status"))
        except MissingBranchError as err:
            raise MissingBranchError(err.source + " (training needs the generator record)", err.missing) from None
        n_read += len(events)
        inputs = ditau_inputs(events)
        valid = ak.to_numpy(inputs.valid)
        target, tautau = _target(events)
        part = {
            "x": np.stack([ak.to_numpy(inputs.columns[n]) for n in FEATURE_NAMES], axis=1)[valid],
            "target": target[valid],
            "channel": ak.to_numpy(inputs.channel).astype(np.int8)[valid],
            "lhe_tautau": tautau[valid],
        }
        for leg in ("leg1", "leg2"):
            for fld in _LEG_FIELDS:
                part[f"legs_{leg}_{fld}"] = ak.to_numpy(inputs.legs[leg][fld])[valid]
        met = events.MET
        for name, arr in (("met_x", met.pt * np.cos(met.phi)), ("met_y", met.pt * np.sin(met.phi)),
                          ("cov_xx", met.covXX), ("cov_xy", met.covXY), ("cov_yy", met.covYY)):
            part[f"legs_{name}"] = ak.to_numpy(arr).astype(np.float64)[valid]
        parts.append(part)
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    data = DiTauDataset(
        x=merged["x"].astype(np.float32), target=merged["target"], channel=merged["channel"],
        lhe_tautau=merged["lhe_tautau"],
        legs={k[5:]: v for k, v in merged.items() if k.startswith("legs_")}, n_read=n_read,
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        data.save(cache)
    return data
