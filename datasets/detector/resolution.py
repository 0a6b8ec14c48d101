"""Resolution and efficiency functions of the CMS-like detector (PHYSICS.md §3, Delphes CMS card).

Every function takes numpy arrays and returns the fractional resolution σ/x (or an
efficiency). The smearing code, the MET covariance and the closure tests all call these same
functions, so the model has exactly one definition.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "muon_pt_resolution", "electron_track_resolution", "electron_pt_resolution", "track_pt_resolution",
    "ecal_energy_resolution", "hcal_energy_resolution", "jet_pt_resolution",
    "jet_angular_resolution", "muon_efficiency", "electron_efficiency", "btag_efficiency",
    "BTAG_MEDIUM_WP", "HF_ETA",
]

#: DeepJet medium working point (2018 UL), the threshold the b-tag efficiency refers to.
BTAG_MEDIUM_WP = 0.2770
#: Start of the forward (HF) calorimeter.
HF_ETA = 3.0


def _three_eta_bins(eta: np.ndarray, pt: np.ndarray, const: tuple[float, float, float],
                    slope: tuple[float, float, float]) -> np.ndarray:
    aeta = np.abs(eta)
    c = np.select([aeta <= 0.5, aeta <= 1.5], [const[0], const[1]], const[2])
    s = np.select([aeta <= 0.5, aeta <= 1.5], [slope[0], slope[1]], slope[2])
    return np.sqrt(c * c + (s * pt) ** 2)


def muon_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""σ(p_T)/p_T of muons: √(c² + (s·p_T)²), c = 0.010/0.015/0.025, s = 1.0/1.5/3.5 × 10⁻⁴
    for |η| ≤ 0.5 / ≤ 1.5 / ≤ 2.5."""
    return _three_eta_bins(eta, pt, (0.01, 0.015, 0.025), (1.0e-4, 1.5e-4, 3.5e-4))


def electron_track_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""σ(p_T)/p_T of electron tracks: c = 0.03/0.05/0.15, s = 1.3/1.7/3.1 × 10⁻³ in the
    muon η bins (Delphes CMS ``ElectronMomentumSmearing``)."""
    return _three_eta_bins(eta, pt, (0.03, 0.05, 0.15), (1.3e-3, 1.7e-3, 3.1e-3))


def electron_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""σ(p_T)/p_T of electrons: the track and the ECAL measurements combined with inverse
    variance weights, :math:`\sigma^{-2} = \sigma_{trk}^{-2} + \sigma_{ECAL}^{-2}`, as Delphes
    merges the two (the track alone would give 65 % at 500 GeV; the ECAL takes over at high
    p_T: ≈ 2.5 % at 20 GeV, 1 % at 500 GeV, central)."""
    trk = electron_track_resolution(pt, eta)
    ecal = ecal_energy_resolution(pt * np.cosh(eta), eta)
    return 1.0 / np.sqrt(1.0 / trk**2 + 1.0 / ecal**2)


def track_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """σ(p_T)/p_T of charged-hadron tracks: the muon tracker resolution."""
    return muon_pt_resolution(pt, eta)


def ecal_energy_resolution(e: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""σ_E/E of photons: (1 + 0.64 η²)·√((0.008E)² + 0.11²E + 0.40²) / E."""
    e = np.maximum(e, 1e-6)
    return (1.0 + 0.64 * eta * eta) * np.sqrt((0.008 * e) ** 2 + 0.11**2 * e + 0.40**2) / e


def hcal_energy_resolution(e: np.ndarray, eta: np.ndarray) -> np.ndarray:
    r"""σ_E/E of hadrons: √((0.05E)² + 1.5²E)/E, and √((0.13E)² + 2.7²E)/E in HF (|η| > 3)."""
    e = np.maximum(e, 1e-6)
    hf = np.abs(eta) > HF_ETA
    c = np.where(hf, 0.13, 0.05)
    s = np.where(hf, 2.7, 1.5)
    return np.sqrt((c * e) ** 2 + s * s * e) / e


def jet_pt_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Gaussian-core σ(p_T)/p_T of jets: the HCAL energy resolution at E = p_T cosh η.

    (At fixed direction the fractional p_T and E resolutions are equal.) This is the Delphes
    CMS calorimeter resolution, pessimistic with respect to particle-flow jets; documented
    choice.
    """
    return hcal_energy_resolution(pt * np.cosh(eta), eta)


def jet_angular_resolution(pt: np.ndarray) -> np.ndarray:
    """σ(η) = σ(φ) of jet axes: 0.01 + 0.4/p_T (≈ 0.02 at 30 GeV)."""
    return 0.01 + 0.4 / np.maximum(pt, 1.0)


def muon_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """0.95 for p_T > 10 GeV and |η| < 2.4, else 0 (Delphes CMS)."""
    return np.where((pt > 10.0) & (np.abs(eta) < 2.4), 0.95, 0.0)


def electron_efficiency(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """0.95 for |η| ≤ 1.5 and 0.85 for 1.5 < |η| ≤ 2.5, p_T > 10 GeV (Delphes CMS)."""
    aeta = np.abs(eta)
    return np.where(pt > 10.0, np.select([aeta <= 1.5, aeta <= 2.5], [0.95, 0.85], 0.0), 0.0)


def btag_efficiency(pt: np.ndarray, eta: np.ndarray, flavour: np.ndarray) -> np.ndarray:
    r"""Probability to pass the medium working point, |η| < 2.5 (Delphes CMS card):
    b: 0.85·tanh(0.0025 p_T)·25/(1 + 0.063 p_T); c: 0.25·tanh(0.018 p_T)/(1 + 0.0013 p_T);
    light: 0.01 + 3.8 × 10⁻⁵ p_T."""
    eff_b = 0.85 * np.tanh(0.0025 * pt) * 25.0 / (1.0 + 0.063 * pt)
    eff_c = 0.25 * np.tanh(0.018 * pt) / (1.0 + 0.0013 * pt)
    eff_l = 0.01 + 3.8e-5 * pt
    eff = np.select([flavour == 5, flavour == 4], [eff_b, eff_c], eff_l)
    return np.where(np.abs(eta) < 2.5, np.clip(eff, 0.0, 1.0), 0.0)
