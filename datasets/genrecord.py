"""Generator-level collections in NanoAOD form from Pythia records, columnar.

Produces, for a chunk of events:

* ``GenPart``: a pruned record with CMS ``statusFlags`` and re-linked ``genPartIdxMother``;
* ``GenVisTau``: visible parts of hadronic τ decays with the generator decay mode;
* ``GenMET``: the vector sum of the invisible (neutrino) transverse momenta;
* ``LHEPart``: the hard-process record (incoming partons, intermediate resonances, outgoing);
* ``Generator_*``: x1, x2, flavours and PDF scale;
* internal arrays the jet clustering and the detector need (stable visible particles with
  their origin, b/c hadrons).

CMS ``statusFlags`` bits (DataFormats/HepMCCandidate/interface/GenStatusFlags.h):
0 isPrompt, 1 isDecayedLeptonHadron, 2 isTauDecayProduct, 3 isPromptTauDecayProduct,
4 isDirectTauDecayProduct, 5 isDirectPromptTauDecayProduct, 6 isDirectHadronDecayProduct,
7 isHardProcess, 8 fromHardProcess, 9 isHardProcessTauDecayProduct,
10 isDirectHardProcessTauDecayProduct, 11 fromHardProcessBeforeFSR, 12 isFirstCopy,
13 isLastCopy, 14 isLastCopyBeforeFSR. They are derived from Pythia's status codes:
21–29 hard process, 51–59 final-state shower, 91–99 decay products.

Pruning keeps (documented choice, close to NanoAOD's): hard-process particles; first and last
copies of τ, W, Z, H, t (and b quarks from the hard process); stable e and μ with p_T > 3 GeV;
every stable neutrino (so GenMET can be checked against GenPart); direct τ decay products;
prompt stable photons with p_T > 10 GeV. A pruned particle's mother is its nearest kept
ancestor.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin
from hepsurrogates.constants import NEUTRINO_IDS

from .ancestry import first_along, or_along
from .pythia_run import ParticleRecord, RawEvents

__all__ = ["GenLevel", "build_genlevel", "STATUS_FLAG_BITS", "INVISIBLE_IDS", "GENVISTAU_MIN_PT"]

STATUS_FLAG_BITS = {
    "isPrompt": 0, "isDecayedLeptonHadron": 1, "isTauDecayProduct": 2,
    "isPromptTauDecayProduct": 3, "isDirectTauDecayProduct": 4,
    "isDirectPromptTauDecayProduct": 5, "isDirectHadronDecayProduct": 6,
    "isHardProcess": 7, "fromHardProcess": 8, "isHardProcessTauDecayProduct": 9,
    "isDirectHardProcessTauDecayProduct": 10, "fromHardProcessBeforeFSR": 11,
    "isFirstCopy": 12, "isLastCopy": 13, "isLastCopyBeforeFSR": 14,
}

#: Stable particles that leave no trace in a detector (SM neutrinos, lightest neutralino,
#: gravitino, dark-matter candidates).
INVISIBLE_IDS = (*NEUTRINO_IDS, 1000012, 1000014, 1000016, 1000022, 1000039, 51, 52, 53)
#: NanoAOD stores GenVisTau above this visible p_T (GeV); the detector sees all of them.
GENVISTAU_MIN_PT = 10.0
_COPY_TRACKED = (6, 15, 23, 24, 25, 35, 36, 37)


def _is_hadron(aid: np.ndarray) -> np.ndarray:
    return (aid > 100) & (aid < 1_000_000) & ((aid // 10) % 10 != 0)


def _has_quark(aid: np.ndarray, q: int) -> np.ndarray:
    """Hadron containing quark flavour q: PDG digits n_q1 (thousands, baryons only), n_q2
    (hundreds) or n_q3 (tens)."""
    return _is_hadron(aid) & (
        ((aid // 1000) % 10 == q) | ((aid // 100) % 10 == q) | ((aid // 10) % 10 == q)
    )


@dataclass
class GenLevel:
    """Gen-level collections of a chunk (awkward arrays, one entry per event)."""

    n_events: int
    genpart: ak.Array
    genvistau: ak.Array
    lhepart: ak.Array
    genmet_pt: np.ndarray
    genmet_phi: np.ndarray
    generator: dict[str, np.ndarray]
    stable: ak.Array
    heavy_hadrons: ak.Array


def _global_parent(rec: ParticleRecord) -> tuple[np.ndarray, np.ndarray]:
    offsets = rec.offsets
    event_of = np.repeat(np.arange(rec.n_events), rec.counts)
    start = offsets[:-1][event_of]
    parent = np.where(rec.mother1 > 0, start + rec.mother1, -1)
    return parent, start


def _status_flags(rec: ParticleRecord, parent: np.ndarray) -> dict[str, np.ndarray]:
    aid = np.abs(rec.id)
    ast = np.abs(rec.status)
    n = len(aid)
    has_parent = parent >= 0
    par = np.where(has_parent, parent, 0)
    decay_product = (ast >= 91) & (ast <= 99) & has_parent
    parent_aid = np.where(has_parent, aid[par], 0)
    hadron = _is_hadron(aid)

    # copies: a single mother with the same identity
    is_copy = has_parent & (rec.id[par] == rec.id) & ((rec.mother2 == 0) | (rec.mother2 == rec.mother1))
    has_copy_child = np.zeros(n, dtype=bool)
    has_copy_child[parent[is_copy]] = True
    copy_child_status = np.zeros(n, dtype=np.int64)
    copy_child_status[parent[is_copy]] = ast[is_copy]
    first_copy = ~is_copy
    last_copy = ~has_copy_child

    # decays that make a particle non-prompt: hadron, muon and tau decays
    seed_nonprompt = decay_product & (hadron[par] | (parent_aid == 13) | (parent_aid == 15))
    nonprompt = or_along(parent, seed_nonprompt)
    prompt = ~nonprompt

    tau_edge = decay_product & (parent_aid == 15)
    tau_anc = first_along(parent, np.where(tau_edge, parent, -1))
    tau_product = tau_anc >= 0
    ta = np.where(tau_product, tau_anc, 0)
    direct_tau = tau_edge

    hard = (ast >= 21) & (ast <= 29)
    copy_parent = np.where(is_copy, parent, -1)
    from_hard = or_along(copy_parent, hard)

    fsr = (ast >= 51) & (ast <= 59)
    fsr_seen = or_along(copy_parent, fsr & is_copy)
    last_before_fsr = ~fsr_seen & (~has_copy_child | ((copy_child_status >= 51) & (copy_child_status <= 59)))

    has_decay_child = np.zeros(n, dtype=bool)
    has_decay_child[parent[decay_product]] = True

    prompt_tau = tau_product & prompt[ta]
    return {
        "isPrompt": prompt,
        "isDecayedLeptonHadron": (hadron | (aid == 13) | (aid == 15)) & has_decay_child,
        "isTauDecayProduct": tau_product,
        "isPromptTauDecayProduct": prompt_tau,
        "isDirectTauDecayProduct": direct_tau,
        "isDirectPromptTauDecayProduct": direct_tau & prompt[ta],
        "isDirectHadronDecayProduct": decay_product & hadron[par],
        "isHardProcess": hard,
        "fromHardProcess": from_hard,
        "isHardProcessTauDecayProduct": tau_product & from_hard[ta],
        "isDirectHardProcessTauDecayProduct": direct_tau & from_hard[ta],
        "fromHardProcessBeforeFSR": from_hard & last_before_fsr,
        "isFirstCopy": first_copy,
        "isLastCopy": last_copy,
        "isLastCopyBeforeFSR": last_before_fsr,
        # not CMS flags, used below
        "_tau_anc": tau_anc,
        "_has_decay_child": has_decay_child,
    }


def _pack_flags(flags: dict[str, np.ndarray]) -> np.ndarray:
    out = np.zeros(len(flags["isPrompt"]), dtype=np.int32)
    for name, bit in STATUS_FLAG_BITS.items():
        out |= flags[name].astype(np.int32) << bit
    return out


def _local_index(mask: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of each selected element within its event's selection (−1 where unselected).

    ``start[i]`` is the flat index of the first element of element i's event.
    """
    selected_before = np.concatenate([[0], np.cumsum(mask)])
    return np.where(mask, selected_before[:-1] - selected_before[start], -1)


def _cms_status(rec: ParticleRecord) -> np.ndarray:
    """CMS-style status: 1 final state, 21–29 hard process (Pythia's codes), 2 otherwise."""
    ast = np.abs(rec.status)
    hard = (ast >= 21) & (ast <= 29)
    return np.where(rec.status > 0, 1, np.where(hard, ast, 2)).astype(np.int32)


def _lhe(process: ParticleRecord) -> ak.Array:
    ast = np.abs(process.status)
    sel = (ast >= 21) & (ast <= 29)
    px, py, pz = process.px[sel], process.py[sel], process.pz[sel]
    st = process.status[sel]
    lhe_status = np.where(st > 0, 1, np.where(np.abs(st) == 21, -1, 2)).astype(np.int32)
    event_of = np.repeat(np.arange(process.n_events), process.counts)[sel]
    counts = np.bincount(event_of, minlength=process.n_events)
    flat = ak.zip(
        {
            "pt": kin.pt(px, py).astype(np.float32),
            "eta": kin.eta(px, py, pz).astype(np.float32),
            "phi": kin.phi(px, py).astype(np.float32),
            "mass": process.m[sel].astype(np.float32),
            "pdgId": process.id[sel].astype(np.int32),
            "status": lhe_status,
            "incomingpz": np.where(lhe_status == -1, pz, 0.0).astype(np.float32),
            "spin": process.pol[sel].astype(np.int32),
        }
    )
    return ak.unflatten(flat, counts)


def build_genlevel(raw: RawEvents) -> GenLevel:
    """All gen-level collections of a chunk from its Pythia records."""
    rec = raw.event
    n_ev = rec.n_events
    parent, start = _global_parent(rec)
    event_of = np.repeat(np.arange(n_ev), rec.counts)
    flags = _status_flags(rec, parent)
    aid = np.abs(rec.id)
    final = rec.status > 0
    pt = kin.pt(rec.px, rec.py)

    # --- hadronic tau decays -> GenVisTau ------------------------------------------------
    tau_anc = flags["_tau_anc"]
    is_decayed_tau = (aid == 15) & flags["_has_decay_child"]
    leptonic = np.zeros(len(aid), dtype=bool)
    direct = flags["isDirectTauDecayProduct"]
    lep_child = direct & ((aid == 11) | (aid == 13))
    leptonic[parent[lep_child]] = True
    had_tau = is_decayed_tau & ~leptonic
    invisible = np.isin(aid, INVISIBLE_IDS)
    visible_final = final & ~invisible
    in_had_tau = (tau_anc >= 0) & had_tau[np.where(tau_anc >= 0, tau_anc, 0)]
    vis_member = visible_final & in_had_tau
    tau_idx_global = np.nonzero(had_tau)[0]
    # per hadronic tau: visible four-momentum and decay mode
    pos = np.full(len(aid), -1, dtype=np.int64)
    pos[tau_idx_global] = np.arange(len(tau_idx_global))
    member_tau = pos[tau_anc[vis_member]]
    n_tau = len(tau_idx_global)
    vsum = {
        c: np.bincount(member_tau, weights=getattr(rec, c)[vis_member], minlength=n_tau)
        for c in ("px", "py", "pz", "e")
    }
    charged_hadron = np.isin(aid, (211, 321))
    n_prong = np.bincount(member_tau[charged_hadron[vis_member]], minlength=n_tau)
    pi0_member = (aid == 111) & (tau_anc >= 0)
    pi0_member &= had_tau[np.where(tau_anc >= 0, tau_anc, 0)]
    n_pi0 = np.bincount(pos[tau_anc[pi0_member]], minlength=n_tau)
    dm = np.where(
        n_prong == 1,
        np.where(n_pi0 <= 2, n_pi0, 15),
        np.where(n_prong == 3, np.where(n_pi0 <= 1, 10 + n_pi0, 15), 15),
    ).astype(np.int32)
    vis_pt = kin.pt(vsum["px"], vsum["py"])

    # --- pruning --------------------------------------------------------------------------
    hard = flags["isHardProcess"]
    copy_end = flags["isFirstCopy"] | flags["isLastCopy"]
    keep = hard.copy()
    keep |= copy_end & np.isin(aid, _COPY_TRACKED)
    keep |= copy_end & (aid == 5) & flags["fromHardProcess"]
    keep |= final & ((aid == 11) | (aid == 13)) & (pt > 3.0)
    keep |= final & np.isin(aid, NEUTRINO_IDS)
    keep |= direct
    keep |= final & (aid == 22) & flags["isPrompt"] & (pt > 10.0)
    keep &= rec.id != 90  # never the "system" entry
    # nearest kept ancestor, re-indexed within the event's pruned list
    kept_self = np.where(keep, np.arange(len(keep)), -1)
    nearest = first_along(parent, kept_self)
    mother_kept = np.where(parent >= 0, nearest[np.where(parent >= 0, parent, 0)], -1)
    local = _local_index(keep, start)
    mother_local = np.where(mother_kept >= 0, local[np.where(mother_kept >= 0, mother_kept, 0)], -1)
    packed = _pack_flags(flags)
    status = _cms_status(rec)
    eta = kin.eta(rec.px, rec.py, rec.pz)
    phi = kin.phi(rec.px, rec.py)
    kept_counts = np.bincount(event_of[keep], minlength=n_ev)
    genpart = ak.unflatten(
        ak.zip(
            {
                "pt": pt[keep].astype(np.float32),
                "eta": eta[keep].astype(np.float32),
                "phi": phi[keep].astype(np.float32),
                "mass": rec.m[keep].astype(np.float32),
                "pdgId": rec.id[keep].astype(np.int32),
                "status": status[keep],
                "statusFlags": packed[keep],
                "genPartIdxMother": mother_local[keep].astype(np.int32),
            }
        ),
        kept_counts,
    )

    # --- GenVisTau (visible p_T > GENVISTAU_MIN_PT is what NanoAOD writes) ------------------
    tau_event = event_of[tau_idx_global]
    written_tau = vis_pt > GENVISTAU_MIN_PT
    vt_counts = np.bincount(tau_event[written_tau], minlength=n_ev)
    genvistau = ak.unflatten(
        ak.zip(
            {
                "pt": vis_pt[written_tau].astype(np.float32),
                "eta": kin.eta(vsum["px"], vsum["py"], vsum["pz"])[written_tau].astype(np.float32),
                "phi": kin.phi(vsum["px"], vsum["py"])[written_tau].astype(np.float32),
                "mass": kin.mass(vsum["e"], vsum["px"], vsum["py"], vsum["pz"])[written_tau].astype(np.float32),
                "charge": np.sign(-rec.id[tau_idx_global][written_tau]).astype(np.int32),
                "status": dm[written_tau],
                "genPartIdxMother": local[tau_idx_global][written_tau].astype(np.int32),
            }
        ),
        vt_counts,
    )
    # local GenVisTau index of each hadronic tau (-1 if below the writing threshold)
    vt_local = _local_index(written_tau, np.searchsorted(tau_event, np.arange(n_ev))[tau_event])
    tau_vt = np.full(len(aid), -1, dtype=np.int64)
    tau_vt[tau_idx_global] = vt_local

    # --- GenMET ------------------------------------------------------------------------------
    inv = final & invisible
    met_x = np.bincount(event_of[inv], weights=rec.px[inv], minlength=n_ev)
    met_y = np.bincount(event_of[inv], weights=rec.py[inv], minlength=n_ev)

    # --- stable visible particles for jets and the detector ----------------------------------
    bhad = _is_hadron(aid) & _has_quark(aid, 5)
    chad = _is_hadron(aid) & _has_quark(aid, 4) & ~bhad
    from_b = or_along(parent, np.where(parent >= 0, bhad[np.where(parent >= 0, parent, 0)], False))
    from_c = or_along(parent, np.where(parent >= 0, chad[np.where(parent >= 0, parent, 0)], False))
    origin = np.select(
        [flags["isPrompt"], flags["isPromptTauDecayProduct"], from_b, from_c],
        [1, 15, 5, 4],
        default=3,
    ).astype(np.int32)
    vis = visible_final
    tau_dm = np.full(len(aid), -1, dtype=np.int32)
    tau_dm[vis_member] = dm[member_tau]
    vis_tau = np.where(vis_member, tau_vt[np.where(tau_anc >= 0, tau_anc, 0)], -1)
    stable = ak.unflatten(
        ak.zip(
            {
                "px": rec.px[vis], "py": rec.py[vis], "pz": rec.pz[vis], "e": rec.e[vis],
                "pt": pt[vis], "eta": eta[vis], "phi": phi[vis], "mass": rec.m[vis],
                "pdgId": rec.id[vis],
                "charge": rec.charge[vis],
                "genpart": local[vis],
                "vistau": vis_tau[vis],
                "tau_dm": tau_dm[vis],
                "origin": origin[vis],
            }
        ),
        np.bincount(event_of[vis], minlength=n_ev),
    )
    # weakly decaying heavy-flavour hadrons (last in their chain) for jet flavour labels
    child_heavy_b = np.zeros(len(aid), dtype=bool)
    child_heavy_b[parent[bhad & (parent >= 0)]] = True
    child_heavy_c = np.zeros(len(aid), dtype=bool)
    child_heavy_c[parent[chad & (parent >= 0)]] = True
    last_b = bhad & ~child_heavy_b
    last_c = chad & ~child_heavy_c & ~from_b
    hf = (last_b | last_c) & (pt > 5.0)
    heavy = ak.unflatten(
        ak.zip({"eta": eta[hf], "phi": phi[hf], "flavour": np.where(last_b[hf], 5, 4).astype(np.int32)}),
        np.bincount(event_of[hf], minlength=n_ev),
    )

    info = raw.info
    generator = {
        "x1": info["x1"].astype(np.float32),
        "x2": info["x2"].astype(np.float32),
        "id1": info["id1"].astype(np.int32),
        "id2": info["id2"].astype(np.int32),
        "scalePDF": info["QFac"].astype(np.float32),
        "weight": info["weight"].astype(np.float32),
    }
    return GenLevel(
        n_events=n_ev,
        genpart=genpart,
        genvistau=genvistau,
        lhepart=_lhe(raw.process),
        genmet_pt=kin.pt(met_x, met_y),
        genmet_phi=kin.phi(met_x, met_y),
        generator=generator,
        stable=stable,
        heavy_hadrons=heavy,
    )
