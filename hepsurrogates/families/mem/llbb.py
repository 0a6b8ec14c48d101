r"""The ℓℓbb event interpretation: one opposite-charge lepton pair, two b-jet candidates, MET.

The visible final state of the three MEM hypotheses of arXiv 2008.10949 (Drell–Yan + jets,
dileptonic tt̄, H → Z(ℓℓ) A(bb); PHYSICS.md §1). :func:`select_llbb` uses awkward high-level
operations only, so it runs unchanged on eager, virtual and dask-awkward NanoEvents
(coffea ``NanoAODSchema``) and reads only :data:`LLBB_BRANCHES` (``PFMET_*`` instead of
``MET_*`` in NanoAOD v15; ``Jet_jetId`` only where the file has it).

Selection:

* muons: p_T > 20 GeV, |η| < 2.4, ``tightId``, ``pfRelIso04_all`` < 0.15;
* electrons: p_T > 20 GeV, |η| < 2.5, ``cutBased`` ≥ 3 (medium), ``pfRelIso03_all`` < 0.15;
* lepton pair: the selected muons and electrons are merged and ordered by p_T; the leading
  lepton and the leading lepton of opposite charge form the pair (any flavour: ee, μμ, eμ).
  This is the first opposite-charge pair in p_T order: if the leading lepton has no
  opposite-charge partner, all selected leptons share its charge. The leading lepton needs
  p_T > 25 GeV;
* jets: p_T > 20 GeV, |η| < 2.4, ``jetId`` ≥ 2 (tight) where the file stores it (NanoAOD v15
  does not: no jet ID is applied there), ΔR > 0.4 from both leptons of the pair;
* b candidates: the two jets with the highest ``btagDeepFlavB`` (no working point required:
  the MEM hypotheses each need two b partons); ``b1`` is the higher-p_T of the two;
* MET: ``MET_pt``, ``MET_phi`` (``PFMET_*`` in NanoAOD v15).

An event is ``valid`` when it has the pair and two jets. Failing events are kept with
``valid = False`` and every other field zero (``run``, ``luminosityBlock``, ``event`` are
always filled), so the output stays aligned with the input events.

Example:
    >>> from coffea.nanoevents import NanoEventsFactory, NanoAODSchema  # doctest: +SKIP
    >>> events = NanoEventsFactory.from_root({"nano.root": "Events"}, schemaclass=NanoAODSchema,
    ...                                      mode="eager").events()  # doctest: +SKIP
    >>> arrays = llbb_numpy(select_llbb(events))  # doctest: +SKIP
    >>> arrays.lep_minus.shape  # doctest: +SKIP
    (200, 4)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin
from hepsurrogates.exceptions import MissingBranchError

__all__ = [
    "LLBB_BRANCHES", "LLBB_FIELDS", "LLBBSelection", "DEFAULT_SELECTION", "LOOSE_SELECTION", "SELECTIONS", "LLBBArrays",
    "missing_llbb_branches", "select_llbb", "llbb_numpy",
]


@dataclass(frozen=True)
class LLBBSelection:
    """Thresholds of the ℓℓbb selection (GeV; working points as NanoAOD integers)."""

    lepton_pt: float = 20.0
    leading_lepton_pt: float = 25.0
    muon_eta: float = 2.4
    electron_eta: float = 2.5
    muon_iso: float = 0.15
    electron_iso: float = 0.15
    electron_id: int = 3
    jet_pt: float = 20.0
    jet_eta: float = 2.4
    jet_id: int = 2
    jet_lepton_dr: float = 0.4


DEFAULT_SELECTION = LLBBSelection()
#: no isolation, no electron ID, lower lepton thresholds: to look at every ℓℓbb candidate of a
#: file (real NanoAOD studies; coffea's tt̄ NanoAOD sample has no event with two tight isolated
#: leptons); its events lie partly outside the training domain
LOOSE_SELECTION = LLBBSelection(lepton_pt=10.0, leading_lepton_pt=20.0, muon_iso=1e9, electron_iso=1e9, electron_id=0)
#: the named selections of the command line (``--selection``)
SELECTIONS: dict[str, LLBBSelection] = {"analysis": DEFAULT_SELECTION, "loose": LOOSE_SELECTION}

_LEPTON_FIELDS = ("pt", "eta", "phi", "mass", "charge")
_MUON = ("pt", "eta", "phi", "mass", "charge", "tightId", "pfRelIso04_all")
_ELECTRON = ("pt", "eta", "phi", "mass", "charge", "cutBased", "pfRelIso03_all")
_JET = ("pt", "eta", "phi", "mass", "btagDeepFlavB")
_EVENT_ID = ("run", "luminosityBlock", "event")

#: The branches :func:`select_llbb` reads on a file with ``MET_*`` and ``Jet_jetId`` (our
#: samples, NanoAOD ≤ v14): the expected ``dak.necessary_columns`` of its output.
LLBB_BRANCHES: tuple[str, ...] = (
    *_EVENT_ID,
    "nMuon", *(f"Muon_{f}" for f in _MUON),
    "nElectron", *(f"Electron_{f}" for f in _ELECTRON),
    "nJet", *(f"Jet_{f}" for f in _JET), "Jet_jetId",
    "MET_pt", "MET_phi",
)

_OBJECT_FIELDS = {
    "lminus": ("pt", "eta", "phi", "mass", "pdgId"),
    "lplus": ("pt", "eta", "phi", "mass", "pdgId"),
    "b1": ("pt", "eta", "phi", "mass", "btag"),
    "b2": ("pt", "eta", "phi", "mass", "btag"),
}
#: fields of every record of :func:`select_llbb`, in order
LLBB_FIELDS: tuple[str, ...] = (
    "valid", *_EVENT_ID,
    *(f"{obj}_{f}" for obj, fields in _OBJECT_FIELDS.items() for f in fields),
    "met_pt", "met_phi",
)


def _flat_names(events: Any) -> set[str]:
    """Branch-like names (``Muon_pt``, ``MET_pt``, ``run``) of NanoEvents (no data read)."""
    names: set[str] = set()
    for coll in events.fields:
        names.add(coll)
        try:
            sub = events[coll].fields
        except Exception:  # noqa: BLE001 (coffea refuses e.g. a MET without pt: then none is usable)
            continue
        names.update(f"{coll}_{f}" for f in sub)
    return names


def missing_llbb_branches(available: Any) -> list[str]:
    """The branches :func:`select_llbb` needs that ``available`` lacks (empty: it can run).

    Args:
        available: branch names (e.g. ``uproot`` ``tree.keys()``) or NanoEvents.
    """
    names = set(available) if _is_names(available) else _flat_names(available)
    need = [b for b in LLBB_BRANCHES if b not in ("Jet_jetId", "MET_pt", "MET_phi") and not b.startswith("n")]
    missing = [b for b in need if b not in names]
    if not {"MET_pt", "MET_phi"} <= names and not {"PFMET_pt", "PFMET_phi"} <= names:
        missing += [b for b in ("MET_pt", "MET_phi") if b not in names]
    return sorted(missing)


def _is_names(available: Any) -> bool:
    if isinstance(available, (set, frozenset, list, tuple)):
        return True
    return not hasattr(available, "fields") and isinstance(available, Iterable)


def _leading(coll: Any, k: int, field: str) -> Any:
    return ak.fill_none(ak.pad_none(coll[field], k + 1, axis=1)[:, k], 0)


def _leptons(events: Any, sel: LLBBSelection) -> Any:
    mu = events.Muon
    mu = mu[(mu.pt > sel.lepton_pt) & (abs(mu.eta) < sel.muon_eta) & mu.tightId
            & (mu.pfRelIso04_all < sel.muon_iso)]
    el = events.Electron
    el = el[(el.pt > sel.lepton_pt) & (abs(el.eta) < sel.electron_eta) & (el.cutBased >= sel.electron_id)
            & (el.pfRelIso03_all < sel.electron_iso)]
    # plain records (no NanoEvents behaviour) so that muons and electrons concatenate cleanly;
    # pdgId from flavour and charge (our samples store no lepton pdgId): ℓ⁻ → +11/+13
    parts = []
    for coll, pdg in ((mu, 13), (el, 11)):
        fields = {f: ak.values_astype(coll[f], np.float32) for f in ("pt", "eta", "phi", "mass")}
        fields["charge"] = ak.values_astype(coll.charge, np.int32)
        fields["pdgId"] = ak.values_astype(-pdg * coll.charge, np.int32)
        parts.append(ak.zip(fields, with_name=None))
    leptons = ak.concatenate(parts, axis=1)
    return leptons[ak.argsort(leptons.pt, axis=1, ascending=False, stable=True)]


def select_llbb(events: Any, selection: LLBBSelection = DEFAULT_SELECTION) -> Any:
    """The ℓℓbb interpretation of every event (module docstring), one record per event.

    Args:
        events: NanoEvents (eager, virtual or dask) with coffea's ``NanoAODSchema``.
        selection: thresholds (:data:`DEFAULT_SELECTION`).

    Returns:
        An awkward (or dask-awkward) array of records with the fields :data:`LLBB_FIELDS`:
        ``valid`` (bool), ``run``, ``luminosityBlock``, ``event``, ``lminus_*``/``lplus_*``
        (pt, eta, phi, mass as float32, pdgId: 11/13 for ℓ⁻, −11/−13 for ℓ⁺), ``b1_*``/``b2_*``
        (pt, eta, phi, mass, btag; float32), ``met_pt``, ``met_phi``.

    Raises:
        MissingBranchError: a needed branch is absent (all of them are named).
    """
    missing = missing_llbb_branches(events)
    if missing:
        raise MissingBranchError("select_llbb", missing)
    sel = selection
    leptons = _leptons(events, sel)
    l1 = {f: _leading(leptons, 0, f) for f in (*_LEPTON_FIELDS, "pdgId")}
    partners = leptons[leptons.charge != l1["charge"]]
    l2 = {f: _leading(partners, 0, f) for f in (*_LEPTON_FIELDS, "pdgId")}
    has_pair = (ak.num(leptons, axis=1) >= 1) & (ak.num(partners, axis=1) >= 1) & (l1["pt"] > sel.leading_lepton_pt)

    jet = events.Jet
    good = (jet.pt > sel.jet_pt) & (abs(jet.eta) < sel.jet_eta)
    if "jetId" in jet.fields:
        good = good & (jet.jetId >= sel.jet_id)
    good = (good & (kin.delta_r(jet.eta, jet.phi, l1["eta"], l1["phi"]) > sel.jet_lepton_dr)
            & (kin.delta_r(jet.eta, jet.phi, l2["eta"], l2["phi"]) > sel.jet_lepton_dr))
    jet = jet[good]
    jet = jet[ak.argsort(jet.btagDeepFlavB, axis=1, ascending=False, stable=True)]
    valid = has_pair & (ak.num(jet, axis=1) >= 2)
    names = {"pt": "pt", "eta": "eta", "phi": "phi", "mass": "mass", "btag": "btagDeepFlavB"}
    ja = {k: _leading(jet, 0, v) for k, v in names.items()}
    jb = {k: _leading(jet, 1, v) for k, v in names.items()}
    a_first = ja["pt"] >= jb["pt"]

    l1_minus = l1["charge"] < 0
    out: dict[str, Any] = {"valid": valid}
    for f in _EVENT_ID:
        out[f] = events[f]
    for obj, first, other, cond in (("lminus", l1, l2, l1_minus), ("lplus", l2, l1, l1_minus),
                                    ("b1", ja, jb, a_first), ("b2", jb, ja, a_first)):
        for f in _OBJECT_FIELDS[obj]:
            value = ak.where(cond, first[f], other[f])
            dtype = np.int32 if f == "pdgId" else np.float32
            out[f"{obj}_{f}"] = ak.values_astype(ak.where(valid, value, 0), dtype)
    met = events.MET if "MET" in events.fields else events.PFMET
    out["met_pt"] = ak.values_astype(ak.where(valid, met.pt, 0), np.float32)
    out["met_phi"] = ak.values_astype(ak.where(valid, met.phi, 0), np.float32)
    return ak.zip(out, depth_limit=1)


@dataclass(frozen=True)
class LLBBArrays:
    """numpy view of :func:`select_llbb` records (float64; invalid rows are zero).

    Attributes:
        lep_minus, lep_plus: (N, 4) as (pt, eta, phi, mass) of ℓ⁻ and ℓ⁺.
        bjets: (N, 2, 4), b1 (higher p_T) then b2.
        met: (N, 2) as (pt, phi).
        valid: (N,) bool.
        run, luminosityBlock, event: (N,) integers, or None where the record lacks them.
    """

    lep_minus: np.ndarray
    lep_plus: np.ndarray
    bjets: np.ndarray
    met: np.ndarray
    valid: np.ndarray
    run: np.ndarray | None = None
    luminosityBlock: np.ndarray | None = None  # noqa: N815 (NanoAOD name)
    event: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.valid.shape[0])

    def take(self, index: Any) -> LLBBArrays:
        """The rows selected by a boolean mask or an index array."""
        pick = lambda a: None if a is None else a[index]  # noqa: E731
        return LLBBArrays(self.lep_minus[index], self.lep_plus[index], self.bjets[index], self.met[index],
                          self.valid[index], pick(self.run), pick(self.luminosityBlock), pick(self.event))


def llbb_numpy(record: Any) -> LLBBArrays:
    """Convert eager :func:`select_llbb` records to :class:`LLBBArrays` (compute dask first)."""
    def col(name: str) -> np.ndarray:
        return ak.to_numpy(record[name]).astype(np.float64)

    def four(obj: str) -> np.ndarray:
        return np.stack([col(f"{obj}_{f}") for f in ("pt", "eta", "phi", "mass")], axis=-1).reshape(-1, 4)

    fields = set(ak.fields(record))
    ids = {f: (ak.to_numpy(record[f]) if f in fields else None) for f in _EVENT_ID}
    return LLBBArrays(
        lep_minus=four("lminus"), lep_plus=four("lplus"),
        bjets=np.stack([four("b1"), four("b2")], axis=1),
        met=np.stack([col("met_pt"), col("met_phi")], axis=-1).reshape(-1, 2),
        valid=ak.to_numpy(record["valid"]).astype(bool),
        run=ids["run"], luminosityBlock=ids["luminosityBlock"], event=ids["event"],
    )
