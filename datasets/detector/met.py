r"""Missing transverse momentum and its per-event covariance.

The measured MET is minus the vector sum of everything measured. Writing each measured
object as truth plus its mismeasurement δ, and using that the true visible sum balances the
invisible one (GenMET),

.. math::
    \vec{E}_T^{miss} = \vec{E}_T^{miss,gen} - \sum_{objects} \delta\vec p_T - \vec u,
    \qquad \vec u \sim \mathcal N(0, \sigma_u^2 \mathbb 1),

where the objects are the reconstructed muons, electrons, genuine τ_h and the jets above
15 GeV that do not overlap them (ΔR < 0.4), muons that are not reconstructed and not inside
such a jet are lost (δ = −p_T^μ: they leave only a minimum-ionising trace), and everything
else (soft jets, unclustered particles) is the unclustered term with

.. math::
    \sigma_u^2 = \sigma_0^2 + k_{PU}^2\,N_{PV} + s^2 \sum E_T^{uncl},

σ₀ = 4 GeV, k_PU = 2.3 GeV, s = 0.5 √GeV (≈ 13–20 GeV per component in typical events).
The covariance is the sum over objects of (σ_∥² n̂n̂ᵀ + σ_⊥² n̂_⊥n̂_⊥ᵀ) plus σ_u²𝟙, with the
same resolution functions that smeared the objects (jets: the DSCB's full variance), so that
(MET − GenMET)ᵀ V⁻¹ (MET − GenMET) has mean 2 when no muon is lost (tested).
``MET_significance`` is METᵀ V⁻¹ MET.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from hepsurrogates import kinematics as kin

from .columnar import group_sum

__all__ = ["build_met", "SIGMA_0", "K_PILEUP", "S_UNCLUSTERED"]

SIGMA_0 = 4.0
K_PILEUP = 2.3
S_UNCLUSTERED = 0.5


def build_met(
    n_events: int,
    genmet_pt: np.ndarray,
    genmet_phi: np.ndarray,
    objects: Iterable[dict[str, np.ndarray]],
    lost_event: np.ndarray,
    lost_px: np.ndarray,
    lost_py: np.ndarray,
    sum_et_unclustered: np.ndarray,
    npv: np.ndarray,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """MET columns of NanoAOD (pt, phi, covXX, covXY, covYY, significance, sumEt).

    Each object dict holds flat ``_event``, reconstructed ``pt`` and ``phi``, ``_gen_px``,
    ``_gen_py``, ``_sigma_par`` and optionally ``_sigma_perp``.
    """
    mx = genmet_pt * np.cos(genmet_phi)
    my = genmet_pt * np.sin(genmet_phi)
    cxx = np.zeros(n_events)
    cxy = np.zeros(n_events)
    cyy = np.zeros(n_events)
    sum_et = np.array(sum_et_unclustered, dtype=np.float64)
    for obj in objects:
        ev = obj["_event"]
        pt = obj["pt"].astype(np.float64)
        phi = obj["phi"].astype(np.float64)
        c, s = np.cos(phi), np.sin(phi)
        mx -= group_sum(ev, pt * c - obj["_gen_px"], n_events)
        my -= group_sum(ev, pt * s - obj["_gen_py"], n_events)
        par2 = obj["_sigma_par"] ** 2
        perp2 = obj.get("_sigma_perp", np.zeros_like(pt)) ** 2
        cxx += group_sum(ev, par2 * c * c + perp2 * s * s, n_events)
        cxy += group_sum(ev, (par2 - perp2) * c * s, n_events)
        cyy += group_sum(ev, par2 * s * s + perp2 * c * c, n_events)
        sum_et += group_sum(ev, pt, n_events)
    mx += group_sum(lost_event, lost_px, n_events)
    my += group_sum(lost_event, lost_py, n_events)
    sigma_u2 = SIGMA_0**2 + K_PILEUP**2 * npv + S_UNCLUSTERED**2 * sum_et_unclustered
    u = rng.standard_normal((2, n_events)) * np.sqrt(sigma_u2)
    mx -= u[0]
    my -= u[1]
    cxx += sigma_u2
    cyy += sigma_u2
    det = cxx * cyy - cxy * cxy
    significance = (mx * mx * cyy - 2.0 * mx * my * cxy + my * my * cxx) / det
    return {
        "MET_pt": kin.pt(mx, my).astype(np.float32),
        "MET_phi": kin.phi(mx, my).astype(np.float32),
        "MET_covXX": cxx.astype(np.float32),
        "MET_covXY": cxy.astype(np.float32),
        "MET_covYY": cyy.astype(np.float32),
        "MET_significance": significance.astype(np.float32),
        "MET_sumEt": sum_et.astype(np.float32),
    }
