"""Hadronic τ reconstruction from the visible τ decay products, plus jets faking τ_h.

Genuine τ_h: every visible stable decay product of a hadronic τ is smeared with the
resolution of the sub-detector that measures it (charged hadrons: tracker p_T; photons and
electrons: ECAL energy; neutral hadrons: HCAL energy) and the smeared constituents are summed,
so the τ_h energy scale and resolution follow from its composition. A τ_h is found with the
decay-mode-finding efficiency 0.9 for p_T > 18 GeV and |η| < 2.3 (NanoAOD's preselection);
the reconstructed decay mode migrates from the generated one with a CMS-like matrix
(π⁰ counting is the weak point of HPS); decay mode 0 gets the π± mass as in CMS.

Fakes: a reconstructed jet with p_T > 20 GeV, |η| < 2.3, away (ΔR > 0.4) from genuine τ_h and
from prompt or τ-decay electrons/muons becomes a τ_h candidate with probability 0.05 and
p_T = p_T^jet × U(0.5, 0.9).

DeepTau-like working points (NanoAOD v12+ integers, 0 = fails all, 1 = VVVLoose ...
8 = VVTight) are drawn from per-class survival probabilities chosen so that, for genuine
τ_h, 0.9 × P(VSjet ≥ Medium) = 0.6 (the Delphes τ-tag efficiency) and, for jets,
0.05 × P(≥ Medium) = 0.01 (the Delphes mistag rate).
"""

from __future__ import annotations

import numpy as np

from hepsurrogates import kinematics as kin
from hepsurrogates.constants import M_PI_CHARGED

from . import resolution as res
from .columnar import FlatCollection, event_pairs, group_sum

__all__ = [
    "reconstruct_taus", "DM_FINDING_EFFICIENCY", "TAU_MIN_PT", "TAU_MAX_ETA", "FAKE_RATE",
    "DM_MIGRATION", "VSJET_SURVIVAL_GENUINE", "VSJET_SURVIVAL_FAKE", "MEDIUM",
]

DM_FINDING_EFFICIENCY = 0.9
TAU_MIN_PT = 18.0
TAU_MAX_ETA = 2.3
FAKE_RATE = 0.05
MEDIUM = 5
#: generated decay mode -> (reconstructed modes, probabilities)
DM_MIGRATION: dict[int, tuple[tuple[int, ...], tuple[float, ...]]] = {
    0: ((0, 1), (0.92, 0.08)),
    1: ((0, 1, 11), (0.12, 0.86, 0.02)),
    2: ((0, 1, 2), (0.05, 0.90, 0.05)),
    10: ((1, 10, 11), (0.04, 0.88, 0.08)),
    11: ((1, 10, 11), (0.05, 0.25, 0.70)),
    15: ((1, 10, 11), (0.20, 0.30, 0.50)),
}
FAKE_DM = ((0, 1, 10, 11), (0.30, 0.35, 0.25, 0.10))
#: P(WP >= k) for k = 1..8
VSJET_SURVIVAL_GENUINE = (0.995, 0.98, 0.95, 0.85, 0.6 / DM_FINDING_EFFICIENCY, 0.55, 0.42, 0.30)
VSJET_SURVIVAL_FAKE = (0.90, 0.70, 0.50, 0.32, 0.01 / FAKE_RATE, 0.12, 0.07, 0.04)
VSE_SURVIVAL = (0.999, 0.99, 0.98, 0.96, 0.92, 0.85, 0.75, 0.60)
VSMU_SURVIVAL = (0.999, 0.995, 0.99, 0.98)


def _working_point(rng: np.random.Generator, survival: tuple[float, ...], n: int) -> np.ndarray:
    u = rng.random(n)
    return (u[:, None] < np.asarray(survival)[None, :]).sum(axis=1).astype(np.uint8)


def _migrate(rng: np.random.Generator, gen_dm: np.ndarray) -> np.ndarray:
    out = np.empty(len(gen_dm), dtype=np.int32)
    u = rng.random(len(gen_dm))
    for dm, (modes, probs) in DM_MIGRATION.items():
        m = gen_dm == dm
        cdf = np.cumsum(probs)
        out[m] = np.asarray(modes)[np.searchsorted(cdf, u[m] * cdf[-1], side="right").clip(max=len(modes) - 1)]
    return out


def _constituent_sigma(st: FlatCollection, idx: np.ndarray) -> np.ndarray:
    pdg = np.abs(st["pdgId"][idx])
    eta = st["eta"][idx]
    charged = st["charge"][idx] != 0
    em = (pdg == 22) | (pdg == 11)
    return np.where(
        charged & ~em, res.track_pt_resolution(st["pt"][idx], eta),
        np.where(em, res.ecal_energy_resolution(st["e"][idx], eta), res.hcal_energy_resolution(st["e"][idx], eta)),
    )


def reconstruct_taus(
    stable: FlatCollection,
    genvistau: FlatCollection,
    jets: dict[str, np.ndarray],
    prompt_leptons: FlatCollection,
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Reconstructed τ_h candidates (genuine and fake), flat.

    Args:
        stable: stable visible particles (with ``vistau``, the GenVisTau index, or −1).
        genvistau: the written GenVisTau collection.
        jets: reconstructed jet columns (for fakes).
        prompt_leptons: generator electrons/muons that veto fakes.

    Returns:
        (columns, constituent_mask): NanoAOD columns plus internal ``_event``, ``_genuine``,
        ``_gen_px``, ``_gen_py``, ``_sigma_par``; and a mask over ``stable`` marking the
        constituents of reconstructed genuine τ_h.
    """
    # --- genuine: sum smeared constituents per GenVisTau -----------------------------------
    member = np.nonzero(stable["vistau"] >= 0)[0]
    key = genvistau.offsets[stable.event[member]] + stable["vistau"][member]
    n_vt = len(genvistau)
    sigma = _constituent_sigma(stable, member)
    factor = np.maximum(1.0 + sigma * rng.standard_normal(len(member)), 0.0)
    sums = {c: group_sum(key, stable[c][member] * factor, n_vt) for c in ("px", "py", "pz", "e")}
    gen_px = group_sum(key, stable["px"][member], n_vt)
    gen_py = group_sum(key, stable["py"][member], n_vt)
    sigma_pt = np.sqrt(group_sum(key, (sigma * stable["pt"][member]) ** 2, n_vt))
    pt = kin.pt(sums["px"], sums["py"])
    eta = kin.eta(sums["px"], sums["py"], sums["pz"])
    found = (rng.random(n_vt) < DM_FINDING_EFFICIENCY) & (pt > TAU_MIN_PT) & (np.abs(eta) < TAU_MAX_ETA)
    dm = _migrate(rng, genvistau["status"])
    mass = np.where(
        dm == 0, M_PI_CHARGED, np.maximum(kin.mass(sums["e"], sums["px"], sums["py"], sums["pz"]), M_PI_CHARGED)
    )
    vsjet = _working_point(rng, VSJET_SURVIVAL_GENUINE, n_vt)
    vse = _working_point(rng, VSE_SURVIVAL, n_vt)
    vsmu = _working_point(rng, VSMU_SURVIVAL, n_vt)
    vt_local = np.arange(n_vt) - genvistau.offsets[genvistau.event]
    genuine = {
        "pt": pt[found],
        "eta": eta[found],
        "phi": kin.phi(sums["px"], sums["py"])[found],
        "mass": mass[found],
        "charge": genvistau["charge"][found],
        "decayMode": dm[found],
        "idDeepTau2018v2p5VSjet": vsjet[found],
        "idDeepTau2018v2p5VSe": vse[found],
        "idDeepTau2018v2p5VSmu": vsmu[found],
        "genPartFlav": np.full(found.sum(), 5, dtype=np.uint8),
        "genPartIdx": vt_local[found],
        "_event": genvistau.event[found],
        "_genuine": np.ones(found.sum(), dtype=bool),
        "_gen_px": gen_px[found],
        "_gen_py": gen_py[found],
        "_sigma_par": sigma_pt[found],
    }
    constituent_mask = np.zeros(len(stable), dtype=bool)
    constituent_mask[member[found[key]]] = True

    # --- fakes from jets ----------------------------------------------------------------------
    jpt, jeta, jphi, jev = jets["pt"], jets["eta"], jets["phi"], jets["_event"]
    eligible = (jpt > 20.0) & (np.abs(jeta) < TAU_MAX_ETA)
    for veto in (genvistau, prompt_leptons):
        ia, ib = event_pairs(jev, veto.offsets, veto.counts)
        near = kin.delta_r(jeta[ia], jphi[ia], veto["eta"][ib], veto["phi"][ib]) < 0.4
        eligible[np.unique(ia[near])] = False
    n_j = len(jpt)
    fake = eligible & (rng.random(n_j) < FAKE_RATE)
    frac = rng.uniform(0.5, 0.9, size=n_j)
    fdm = np.asarray(FAKE_DM[0])[
        np.searchsorted(np.cumsum(FAKE_DM[1]), rng.random(n_j) * sum(FAKE_DM[1]), side="right").clip(max=3)
    ]
    fmass = np.where(fdm == 0, M_PI_CHARGED, rng.uniform(0.3, 1.4, size=n_j))
    fcharge = np.where(rng.random(n_j) < 0.5, -1, 1).astype(np.int32)
    fvsjet = _working_point(rng, VSJET_SURVIVAL_FAKE, n_j)
    fvse = _working_point(rng, VSE_SURVIVAL, n_j)
    fvsmu = _working_point(rng, VSMU_SURVIVAL, n_j)
    fpt = jpt * frac
    fake &= fpt > TAU_MIN_PT
    fakes = {
        "pt": fpt[fake],
        "eta": jeta[fake],
        "phi": jphi[fake],
        "mass": fmass[fake],
        "charge": fcharge[fake],
        "decayMode": fdm[fake].astype(np.int32),
        "idDeepTau2018v2p5VSjet": fvsjet[fake],
        "idDeepTau2018v2p5VSe": fvse[fake],
        "idDeepTau2018v2p5VSmu": fvsmu[fake],
        "genPartFlav": np.zeros(fake.sum(), dtype=np.uint8),
        "genPartIdx": np.full(fake.sum(), -1),
        "_event": jev[fake],
        "_genuine": np.zeros(fake.sum(), dtype=bool),
        "_gen_px": np.zeros(fake.sum()),
        "_gen_py": np.zeros(fake.sum()),
        "_sigma_par": np.zeros(fake.sum()),
    }
    columns = {k: np.concatenate([genuine[k], fakes[k]]) for k in genuine}
    for k, dt in (
        ("pt", np.float32),
        ("eta", np.float32),
        ("phi", np.float32),
        ("mass", np.float32),
        ("charge", np.int32),
        ("decayMode", np.int32),
        ("genPartIdx", np.int32),
    ):
        columns[k] = columns[k].astype(dt)
    return columns, constituent_mask
