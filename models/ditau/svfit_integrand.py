r"""The ClassicSVfit integrand, vectorised over integration points (numpy).

ClassicSVfit (L. Bianchini et al., Nucl. Instrum. Meth. A 862 (2017) 54, arXiv 1603.05910; the
SVfit repository's ``src/ClassicSVfitIntegrand.cc``) writes the likelihood of a di-τ hypothesis
given the two visible τ decay products and the missing transverse momentum as

.. math::

    L(\mathbf q) = C\,\prod_{i=1,2} \Phi_i(x_i, m_{\nu\nu,i})\;
        \frac{1}{\max(1, m_{\tau\tau})^{\kappa}}\;
        \frac{1}{2\pi\sqrt{\det V}}\exp\!\big(-\tfrac12\,\mathbf r^T V^{-1}\mathbf r\big),
    \qquad \mathbf r = \vec E_T^{miss} - \sum_i \vec p_{T}^{\,\nu,i},

over, per leg, the visible energy fraction :math:`x \in [0, 1]`, the azimuth
:math:`\phi \in [-\pi, \pi]` of the neutrino system around the visible direction and, for a
leptonic decay, the squared ν-pair mass :math:`m_{\nu\nu}^2 \in [0, m_\tau^2]`. Given them, the
neutrino system has energy :math:`E_\nu = E_{vis}(1-x)/x`, momentum
:math:`p_\nu = \sqrt{E_\nu^2 - m_{\nu\nu}^2}` and opening angle to the visible system
:math:`\cos\theta = (E_{vis}E_\nu - \tfrac12(m_\tau^2 - m_{vis}^2 - m_{\nu\nu}^2))/(p_{vis}p_\nu)`
(zero likelihood outside [−1, 1]); it is placed in the frame e_Z = p̂_vis,
e_Y = e_Z × ẑ / |…|, e_X = e_Y × e_Z (``FittedTauLepton.cc``). The phase-space factors
(``svFitAuxFunctions.cc``), with :math:`p_\tau^2 = p_{vis}^2 + p_\nu^2 + 2p_{vis}p_\nu\cos\theta + m_\tau^2`:

* hadronic: :math:`\Phi = \dfrac{E_{vis}+E_\nu}{8\,p_{vis}\,x^2\sqrt{p_\tau^2}}\,\dfrac{1}{m_\tau^2 - m_{vis}^2}`;
* leptonic: :math:`\Phi = \dfrac{(E_{vis}+E_\nu)\,I}{8\,p_{vis}\,x^2\sqrt{p_\tau^2}}`,
  :math:`I = m_{\nu\nu}^2\big(2E^*_\tau E^*_{vis}
  - \tfrac23\sqrt{(E^{*2}_\tau - m_\tau^2)(E^{*2}_{vis} - m_{vis}^2)}\big)`,
  :math:`E^*_\tau = (m_\tau^2 + m_{\nu\nu}^2 - m_{vis}^2)/(2m_{\nu\nu})`, :math:`E^*_{vis} = E^*_\tau - m_{\nu\nu}`
  (zero unless :math:`m_{\nu\nu}^2 < (1-x)m_\tau^2`, :math:`E^*_\tau \ge m_\tau`, :math:`E^*_{vis} \ge m_{vis}`),

both zero unless :math:`x \ge m_{vis}^2/m_\tau^2` and :math:`-1 + 10^{-3} \le \cos\theta \le 1`.
C is ClassicSVfit's constant (``constFactor × matrixElementNorm``); κ = 6 is its default
``addLogM_fixed(true, 6.)`` (also the value of ``bin/testClassicSVfit.cc``); the di-τ mass
constraint is off and no hadronic-τ transfer function is used (ClassicSVfit's defaults).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["SVfitLeg", "SVfitEvent", "make_event", "evaluate", "n_dimensions", "M_TAU_SVFIT"]

#: ClassicSVfit's own τ mass (``svFitAuxFunctions.h``), kept for bit-level agreement with it
M_TAU_SVFIT = 1.77685
_M_TAU2 = M_TAU_SVFIT**2
_ELECTRON = 0.51100e-3
_MUON = 0.10566
_PION = 0.13957
_EPSILON = 1e-3
_HBAR_C = 0.1973
_GAMMA_TAU = _HBAR_C / 87.0e9
#: constFactor × matrixElementNorm of ``svFitAuxFunctions.h`` (an overall normalisation)
NORM = 2.0 * 1e10 * _HBAR_C**2 / (2.0 * np.pi) ** 8 * (np.pi / (M_TAU_SVFIT * _GAMMA_TAU)) ** 2


def round_to_n_digits(x: np.ndarray | float, n: int = 3) -> np.ndarray:
    """ClassicSVfit's ``roundToNdigits``: x rounded to n + 1 significant digits (inputs are
    rounded so before the fit, which makes it reproducible)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore"):
        mag = np.floor(np.log10(np.abs(np.where(x == 0.0, 1.0, x))))
    tmp = 10.0**n / 10.0**mag
    return np.where(x == 0.0, 0.0, np.round(x * tmp) / tmp)


@dataclass(frozen=True)
class SVfitLeg:
    """One visible τ decay product with what the integrand needs precomputed."""

    hadronic: bool
    mass: float
    p4: np.ndarray  # (px, py, pz, E)
    p: float
    axes: np.ndarray  # rows e_X, e_Y, e_Z

    @property
    def n_dim(self) -> int:
        return 2 if self.hadronic else 3


@dataclass(frozen=True)
class SVfitEvent:
    """The two legs (ClassicSVfit's order: leptonic first, else higher p_T), the MET, its
    inverse covariance and the log-M power κ."""

    leg1: SVfitLeg
    leg2: SVfitLeg
    met: np.ndarray
    cov: np.ndarray
    kappa: float

    @property
    def n_dim(self) -> int:
        return self.leg1.n_dim + self.leg2.n_dim

    @property
    def m_vis(self) -> float:
        s = self.leg1.p4 + self.leg2.p4
        return float(np.sqrt(max(s[3] ** 2 - s[0] ** 2 - s[1] ** 2 - s[2] ** 2, 0.0)))


def n_dimensions(had1: bool, had2: bool) -> int:
    """Integration dimensions: 2 per hadronic leg (x, φ), 3 per leptonic leg (x, φ, m_νν²)."""
    return (2 if had1 else 3) + (2 if had2 else 3)


def _vis_mass(mass: float, hadronic: bool, lepton_mass: float, decay_mode: int) -> float:
    """MeasuredTauLepton's clamp of the visible mass to its decay type's range."""
    if not hadronic:
        return lepton_mass
    lo, hi = (_PION, 1.5) if decay_mode == -1 else ((_PION, _PION) if decay_mode == 0 else (0.3, 1.5))
    return float(min(max(mass, lo), hi))


def _leg(pt: float, eta: float, phi: float, mass: float, hadronic: bool, lepton_mass: float,
         decay_mode: int, rounding: bool) -> SVfitLeg:
    if rounding:
        pt, eta, phi = (float(round_to_n_digits(v)) for v in (pt, eta, phi))
    m = _vis_mass(mass, hadronic, lepton_mass, decay_mode)
    p3 = np.array([pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)])
    p = float(np.linalg.norm(p3))
    ez = p3 / p
    ey = np.cross(ez, [0.0, 0.0, 1.0])
    ey /= np.linalg.norm(ey)
    ex = np.cross(ey, ez)
    ex /= np.linalg.norm(ex)
    return SVfitLeg(hadronic=bool(hadronic), mass=m, p4=np.append(p3, np.sqrt(p * p + m * m)), p=p,
                    axes=np.stack([ex, ey, ez]))


def make_event(leg1: tuple[float, float, float, float, bool], leg2: tuple[float, float, float, float, bool],
               met_x: float, met_y: float, cov_xx: float, cov_xy: float, cov_yy: float, *,
               lepton_masses: tuple[float, float] = (_ELECTRON, _ELECTRON),
               decay_modes: tuple[int, int] = (-1, -1), kappa: float = 6.0, rounding: bool = True) -> SVfitEvent:
    """Precompute one event. Legs are (p_T, η, φ, m, hadronic); ``lepton_masses`` is the visible
    mass used for a leptonic leg (electron or muon), ``decay_modes`` the hadronic decay modes
    (−1: unknown, 0: one prong without π⁰, else with π⁰ / three prongs). ``rounding`` applies
    ClassicSVfit's rounding of the inputs to four significant digits."""
    if not all(np.isfinite(v) for v in (*leg1[:4], *leg2[:4], met_x, met_y, cov_xx, cov_xy, cov_yy)):
        raise InvalidArgumentError("SVfit inputs must be finite")
    if leg1[0] <= 0.0 or leg2[0] <= 0.0:
        raise InvalidArgumentError(f"SVfit legs need p_T > 0, got {leg1[0]} and {leg2[0]}")
    legs = [(leg1, lepton_masses[0], decay_modes[0]), (leg2, lepton_masses[1], decay_modes[1])]
    # sortMeasuredTauLeptons: leptonic before hadronic, then higher p_T first
    legs.sort(key=lambda item: (bool(item[0][4]), -item[0][0]))
    built = [_leg(*lg, lm, dm, rounding) for lg, lm, dm in legs]
    met = np.array([met_x, met_y], dtype=np.float64)
    cov = np.array([[cov_xx, cov_xy], [cov_xy, cov_yy]], dtype=np.float64)
    if rounding:
        met = round_to_n_digits(met)
        cov = round_to_n_digits(cov)
    if abs(np.linalg.det(cov)) < 1e-10:
        raise InvalidArgumentError("SVfit: the MET covariance is singular (det < 1e-10)")
    return SVfitEvent(leg1=built[0], leg2=built[1], met=met, cov=cov, kappa=float(kappa))


def _leg_terms(leg: SVfitLeg, x: np.ndarray, phi: np.ndarray, mnn2: np.ndarray | None):
    """Neutrino four-momentum, τ four-momentum and the phase-space factor at each point."""
    px, py, pz, e_vis = leg.p4
    m2 = leg.mass * leg.mass
    nn2 = np.zeros_like(x) if mnn2 is None else mnn2
    with np.errstate(divide="ignore", invalid="ignore"):
        e_nu = e_vis * (1.0 - x) / x
        p_nu = np.sqrt(np.maximum(0.0, e_nu * e_nu - nn2))
        cos_t = (e_vis * e_nu - 0.5 * (_M_TAU2 - (m2 + nn2))) / (leg.p * p_nu)
        sin_t = np.sqrt(np.maximum(0.0, 1.0 - cos_t * cos_t))
        lx = p_nu * np.cos(phi) * sin_t
        ly = p_nu * np.sin(phi) * sin_t
        lz = p_nu * cos_t
        ax = leg.axes
        nu = [lx * ax[0, k] + ly * ax[1, k] + lz * ax[2, k] for k in range(3)]
        tau = (px + nu[0], py + nu[1], pz + nu[2], e_vis + e_nu)
        denom = 8.0 * leg.p * x * x * np.sqrt(leg.p**2 + p_nu**2 + 2.0 * leg.p * p_nu * cos_t + _M_TAU2)
        ok = (x >= m2 / _M_TAU2) & (x <= 1.0) & (x >= 1e-5) & (cos_t >= -1.0 + _EPSILON) & (cos_t <= 1.0)
        if leg.hadronic:
            ps = (e_vis + e_nu) / denom / (_M_TAU2 - m2)
        else:
            mnn = np.sqrt(nn2)
            e_tau_rf = (_M_TAU2 + nn2 - m2) / (2.0 * mnn)
            e_vis_rf = e_tau_rf - mnn
            big_i = nn2 * (2.0 * e_tau_rf * e_vis_rf
                           - (2.0 / 3.0) * np.sqrt(np.maximum(0.0, (e_tau_rf**2 - _M_TAU2) * (e_vis_rf**2 - m2))))
            ps = (e_vis + e_nu) * big_i / denom
            ok &= (nn2 < (1.0 - x) * _M_TAU2) & (e_tau_rf >= M_TAU_SVFIT) & (e_vis_rf >= leg.mass)
    return nu, tau, np.where(ok, ps, 0.0)


def _split(event: SVfitEvent, u: np.ndarray):
    """Unit-cube points → (x, φ, m_νν²) per leg, in ClassicSVfit's dimension order."""
    out = []
    col = 0
    for leg in (event.leg1, event.leg2):
        x = u[:, col]
        phi = -np.pi + 2.0 * np.pi * u[:, col + 1]
        mnn2 = None if leg.hadronic else _M_TAU2 * u[:, col + 2]
        col += leg.n_dim
        out.append((x, phi, mnn2))
    return out


def evaluate(event: SVfitEvent, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Likelihood and di-τ mass at the unit-cube points ``u`` (n × ``event.n_dim``).

    Returns (L, m_ττ); L is zero (and m_ττ NaN) where the point is unphysical.
    """
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != event.n_dim:
        raise InvalidArgumentError(f"SVfit points must be (n, {event.n_dim}), got {u.shape}")
    (x1, phi1, n1), (x2, phi2, n2) = _split(event, u)
    nu1, tau1, ps1 = _leg_terms(event.leg1, x1, phi1, n1)
    nu2, tau2, ps2 = _leg_terms(event.leg2, x2, phi2, n2)
    with np.errstate(invalid="ignore", over="ignore"):
        s = [a + b for a, b in zip(tau1, tau2)]
        m = np.sqrt(np.maximum(s[3] ** 2 - s[0] ** 2 - s[1] ** 2 - s[2] ** 2, 0.0))
        cov = event.cov
        det = cov[0, 0] * cov[1, 1] - cov[0, 1] * cov[1, 0]
        rx = event.met[0] - (nu1[0] + nu2[0])
        ry = event.met[1] - (nu1[1] + nu2[1])
        pull2 = (rx * (cov[1, 1] * rx - cov[0, 1] * ry) + ry * (-cov[1, 0] * rx + cov[0, 0] * ry)) / det
        met_tf = np.exp(-0.5 * pull2) / (2.0 * np.pi * np.sqrt(det))
        log_m = np.maximum(1.0, m) ** -event.kappa
        value = NORM * ps1 * ps2 * log_m * met_tf
    good = np.isfinite(value) & (value > 0.0)
    return np.where(good, value, 0.0), np.where(good, m, np.nan)
