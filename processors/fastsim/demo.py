"""What ``hepsurrogates demo`` reports for ``fastsim``: FastSim against the full simulation on the same events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin
from hepsurrogates.models.fastsim.features import (
    RECO_NAMES,
    derived_features,
    gen_inputs,
    missing_branches,
    passes_selection,
    reco_targets,
)

__all__ = ["report"]


def _full_simulation(events: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event: both gen objects' partners were reconstructed, the full simulation's objects pass
    the selection, and their M_T (NaN where not reconstructed)."""
    reco, found = reco_targets(events, gen_inputs(events))
    rows = np.stack([ak.to_numpy(reco[n]) for n in RECO_NAMES], axis=1)
    d = derived_features(rows)
    found = ak.to_numpy(found)
    return found, found & passes_selection(d), np.where(found, d["mt"], np.nan)


def _fastsim_selected_mt(events: Any) -> np.ndarray:
    """M_T of every FastSim draw that passes the published selection (the skim's collections)."""
    flat = {f"{p}_{f}": ak.to_numpy(ak.flatten(events[c][f])).astype(np.float64)
            for p, c in (("muon", "FastSimMuon"), ("jet", "FastSimJet"), ("met", "FastSimMET"))
            for f in (("pt", "eta", "phi") if p != "met" else ("pt", "phi"))}
    flat["dr_muon_jet"] = kin.delta_r(flat["muon_eta"], flat["muon_phi"], flat["jet_eta"], flat["jet_phi"])
    mt = kin.transverse_mass(flat["muon_pt"], flat["muon_phi"], flat["met_pt"], flat["met_phi"])
    return mt[passes_selection(flat)]


def report(skims: Mapping[str, Sequence[Any]]) -> tuple[dict[str, Any], list[str]]:
    """On the skim of the ``wjets_munu`` demo sample: the selection efficiency (on the events whose muon
    and jet the full simulation reconstructed: what the models learn) and the median M_T of the
    selected events, FastSim (every draw) and full simulation, with the in-domain fraction."""
    out: dict[str, Any] = {}
    lines = []
    for dataset, events in skims.items():
        if not events:
            continue
        frac = np.concatenate([ak.to_numpy(ak.fill_none(e.Surrogate.fastsimPass, np.nan)) for e in events])
        inside = np.concatenate([ak.to_numpy(ak.fill_none(e.Surrogate.fastsimPass_inDomain, False)) for e in events])
        has = np.isfinite(frac)
        entry: dict[str, Any] = {"events": int(has.sum()), "in_domain_fraction": float(inside[has].mean()),
                                 "selection_efficiency": {"FastSim": float(frac[has].mean())}}
        mt_fast = np.concatenate([_fastsim_selected_mt(e) for e in events])
        entry["median_mt_gev"] = {"FastSim": float(np.median(mt_fast))}
        if not missing_branches(events[0], reco=True):
            # the models learn p(reco | gen, reconstructed): compare on the events whose muon and jet
            # the full simulation reconstructed, and state that efficiency beside it
            found, passed, mt_full = (np.concatenate(a) for a in zip(*(_full_simulation(e) for e in events)))
            both = has & found
            entry["reconstruction_efficiency"] = float(found[has].mean())
            entry["selection_efficiency"] = {"FastSim": float(frac[both].mean()),
                                             "full simulation": float(passed[both].mean())}
            entry["median_mt_gev"]["full simulation"] = float(np.median(mt_full[passed]))
        eff, mt = entry["selection_efficiency"], entry["median_mt_gev"]
        text = ", ".join(f"{k} {100 * v:.1f} %" for k, v in eff.items())
        text_mt = ", ".join(f"{k} {v:.1f} GeV" for k, v in mt.items())
        reco = entry.get("reconstruction_efficiency")
        where = f" on the {100 * reco:.1f} % with both reconstructed" if reco is not None else ""
        lines.append(f"{dataset}: {entry['events']} events with a gen muon and jet; W + jet selection efficiency"
                     f"{where}: {text}; median M_T {text_mt} ({100 * entry['in_domain_fraction']:.1f} % in the "
                     "training domain)")
        out[dataset] = entry
    return out, lines
