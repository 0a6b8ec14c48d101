r"""Generator-level di-τ events for SVfit closure tests: the visible τ decay products and the
neutrinos straight from the generator record, the MET smeared with the event's own covariance.

For each final τ (``|pdgId| = 15`` without a τ daughter) of a ``GenPart`` record, the visible
system is :math:`p_\tau - \sum p_\nu` over its neutrino daughters (``|pdgId| ∈ {12, 14, 16}``);
the leg is leptonic when an electron or muon is among the daughters. The MET is
:math:`\sum \vec p_T^{\,\nu} + \boldsymbol\delta`, :math:`\boldsymbol\delta \sim N(0, V)` with the
event's reconstructed covariance V: the MET transfer function of the likelihood is then exact,
so the true mass should lie inside the central 68 % interval of the SVfit mass likelihood in
about 68 % of the events (up to the other model terms: the log-M power, the decay matrix
elements without τ polarisation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepsurrogates.constants import NEUTRINO_IDS
from hepsurrogates.exceptions import MissingBranchError

__all__ = ["GenDiTau", "gen_ditau_events"]

_BRANCHES = ("GenPart_pt", "GenPart_eta", "GenPart_phi", "GenPart_mass", "GenPart_pdgId", "GenPart_genPartIdxMother",
             "MET_covXX", "MET_covXY", "MET_covYY", "Teacher_mTauTau")


@dataclass(frozen=True)
class GenDiTau:
    """Arrays per event: legs (pt, eta, phi, mass, hadronic, lepton mass), MET, covariance, true
    di-τ mass (the generated τ pair's invariant mass)."""

    legs: list[tuple[np.ndarray, ...]]
    met_x: np.ndarray
    met_y: np.ndarray
    cov: tuple[np.ndarray, np.ndarray, np.ndarray]
    true_mass: np.ndarray

    def __len__(self) -> int:
        return len(self.true_mass)


def _p4(pt, eta, phi, m):
    with np.errstate(over="ignore", invalid="ignore"):  # incoming partons: p_T = 0, |η| huge
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        return np.array([px, py, pz, np.sqrt(px * px + py * py + pz * pz + m * m)])


def gen_ditau_events(path: str, n_max: int, seed: int = 0) -> GenDiTau:
    """The first ``n_max`` events of ``path`` with two generator τ leptons (see module doc)."""
    import uproot

    with uproot.open(path) as f:
        tree = f["Events"]
        missing = [b for b in _BRANCHES if b not in tree.keys()]
        if missing:
            raise MissingBranchError(f"{path} (SVfit closure needs the generator record)", missing)
        a = tree.arrays(list(_BRANCHES), library="np")
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []
    for i in range(len(a["GenPart_pt"])):
        pdg, mother = a["GenPart_pdgId"][i], a["GenPart_genPartIdxMother"][i]
        p4 = _p4(a["GenPart_pt"][i], a["GenPart_eta"][i], a["GenPart_phi"][i], a["GenPart_mass"][i])
        taus = [j for j in np.nonzero(np.abs(pdg) == 15)[0] if not np.any((mother == j) & (np.abs(pdg) == 15))]
        if len(taus) != 2:
            continue
        legs, nu_sum, tau_sum = [], np.zeros(4), np.zeros(4)
        for j in taus:
            daughters = np.nonzero(mother == j)[0]
            nus = [d for d in daughters if abs(pdg[d]) in NEUTRINO_IDS]
            leptons = [d for d in daughters if abs(pdg[d]) in (11, 13)]
            nu = p4[:, nus].sum(axis=1) if nus else np.zeros(4)
            vis = p4[:, j] - nu
            pt = float(np.hypot(vis[0], vis[1]))
            if pt < 1.0:
                break
            eta = float(np.arcsinh(vis[2] / pt))
            mass = float(np.sqrt(max(vis[3] ** 2 - vis[0] ** 2 - vis[1] ** 2 - vis[2] ** 2, 0.0)))
            lepton_mass = 0.51100e-3 if leptons and abs(pdg[leptons[0]]) == 11 else 0.10566
            legs.append((pt, eta, float(np.arctan2(vis[1], vis[0])), mass, not leptons, lepton_mass))
            nu_sum += nu
            tau_sum += p4[:, j]
        if len(legs) != 2:
            continue
        cov = np.array([[a["MET_covXX"][i], a["MET_covXY"][i]], [a["MET_covXY"][i], a["MET_covYY"][i]]], dtype=float)
        delta = rng.multivariate_normal(np.zeros(2), cov)
        true = float(np.sqrt(max(tau_sum[3] ** 2 - tau_sum[0] ** 2 - tau_sum[1] ** 2 - tau_sum[2] ** 2, 0.0)))
        rows.append((*legs[0], *legs[1], nu_sum[0] + delta[0], nu_sum[1] + delta[1], *cov[[0, 0, 1], [0, 1, 1]], true))
        if len(rows) >= n_max:
            break
    cols = [np.array(c) for c in zip(*rows)]
    return GenDiTau(legs=[tuple(cols[0:6]), tuple(cols[6:12])], met_x=cols[12], met_y=cols[13],
                    cov=(cols[14], cols[15], cols[16]), true_mass=cols[17])
