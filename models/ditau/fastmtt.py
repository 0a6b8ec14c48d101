r"""FastMTT, the CMS di-τ mass estimator, vectorised over events (numpy).

The baseline m_ML must beat (SVfit/ClassicSVfit ``src/FastMTT.cc``; arXiv 2509.26069).
Each visible τ decay product is assumed collinear with its τ, τ_i = vis_i / x_i, and the
likelihood of (x1, x2) is scanned on the 99 × 99 grid x_i ∈ {0.01, …, 0.99}:

* MET term: a 2-D Gaussian of the event's MET covariance V,
  :math:`(2\pi\sqrt{\det V})^{-1}\exp(-\tfrac12 r^T V^{-1} r)`,
  :math:`r = \vec E_T^{miss} - \sum_i \vec p_{T,i}^{vis}(1/x_i - 1)`;
* mass term, with :math:`m' = m/1.15`, :math:`a = (m_{vis}/m')^2`,
  :math:`x_{1,min} = \min(1, m_{vis,1}^2/m_\tau^2)`, x2 ∈ [max(m_vis2²/m_τ², a), min(1, a/x1min)]:
  :math:`L = 2 m_{vis}^2 m'^{-6}[\ln(x_2^{max}/x_2^{min}) + \ell_1 a(1/x_2^{max} - 1/x_2^{min})
  + \ell_2(a\ln(x_2^{max}/x_2^{min}) - (x_2^{max} - x_2^{min}))]` (ℓ_i = 1 for a leptonic leg);
* optionally (``variant="2018"``, the June 2018 code in which the reference value was set)
  one likelihood per transverse component of the di-τ momentum, a closed-form integral over x2
  (``ptLikelihood``).

Hadronic legs with a visible mass above 1.5 GeV use 0.3 GeV in the likelihood; grid points with
x_i below min(1, m_vis,i²/m_τ²) are skipped; the leptonic leg comes first. The mass of the
best grid point is the exact invariant mass of vis1/x1 + vis2/x2, scaled by 1.03 if a leg is
leptonic and by 0.98 for τ_hτ_h ("the final scale factors"; ``scale=False`` drops them).

Reference event (``bin/testClassicSVfit.cc``) → 108.991 GeV (``variant="2018"``) and 108.750 GeV
(``variant="2019"``, MET × mass), both tested to 0.01 GeV.

Example:
    >>> import numpy as np
    >>> m = fastmtt_mass(
    ...     np.array([33.7393]), np.array([0.9409]), np.array([-0.541458]), np.array([0.000511]), np.array([False]),
    ...     np.array([25.7322]), np.array([0.618228]), np.array([2.79362]), np.array([0.13957]), np.array([True]),
    ...     np.array([11.7491]), np.array([-51.9172]),
    ...     np.array([787.352]), np.array([-178.63]), np.array([179.545]), variant="2019")
    >>> round(float(m[0]), 2)
    108.75
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hepsurrogates.constants import M_TAU
from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["fastmtt_mass", "fastmtt_scan", "collinear_mass", "visible_mass", "GRID", "Variant"]

Variant = Literal["2018", "2019"]
#: x1, x2 grid of the published scan
GRID = np.arange(1, 100) / 100.0
_BATCH = 256


def _cartesian(pt, eta, phi, m):
    px, py = pt * np.cos(phi), pt * np.sin(phi)
    pz = pt * np.sinh(eta)
    return px, py, pz, np.sqrt(px * px + py * py + pz * pz + m * m)


def _mass_likelihood(m, m_vis, r1, r2, lep1, lep2):
    """Mass term on the grid; arrays broadcast as (B, 1, 1) parameters against (B, G, G) m."""
    ms = m / 1.15
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (m_vis / ms) ** 2
        x1min = np.minimum(1.0, r1)
        x2min = np.maximum(r2, a)
        x2max = np.minimum(1.0, a / x1min)
        log_term = np.log(x2max / x2min)
        value = log_term.copy()
        value += np.where(lep1, a * (1.0 / x2max - 1.0 / x2min), 0.0)
        value += np.where(lep2, a * log_term - (x2max - x2min), 0.0)
        value *= 1e9 * 2.0 * m_vis**2 * ms**-6.0
    ok = (ms >= m_vis) & (x2max >= x2min)
    return np.where(ok, value, 0.0)


def _pt_primitive(x2, p1, p1sq, p2, p2sq, p2cu, p2qu, ptt, ptt2, ptt3, ptt4, ptt5, lep1, lep2):
    """Closed-form primitive in x2 of the transverse-component likelihood (FastMTT ptLikelihood);
    powers are passed in precomputed (they are shared by both ends of the integral)."""
    t = p2 - ptt * x2
    inv_t = 1.0 / t
    lt = np.log(np.abs(t))
    val = p1 * (ptt * x2 + p2sq * inv_t + 2.0 * p2 * lt) / ptt3
    if np.any(lep1):
        nn1 = (
            -p1sq * (2.0 * ptt * x2 + p2sq * (5.0 * p2 - 6.0 * ptt * x2) * inv_t * inv_t + 6.0 * p2 * lt) / (2.0 * ptt4)
        )
        val = val + np.where(lep1, nn1, 0.0)
    if np.any(lep2):
        nn2 = (
            -p1
            / (2.0 * ptt5)
            * (
                2.0 * p2 * ptt * (2.0 * ptt - 3.0 * p1) * x2
                + ptt2 * (ptt - p1) * x2 * x2
                + p2qu * p1 * inv_t * inv_t
                + 2.0 * p2cu * (ptt - 4.0 * p1) * inv_t
                + 6.0 * p2sq * (ptt - 2.0 * p1) * lt
            )
        )
        val = val + np.where(lep2, nn2, 0.0)
    return val


def _pt_likelihood(ptt, p1, p2, r1, r2, lep1, lep2):
    """Likelihood of one transverse component ptt of the di-τ momentum (legs' components p1, p2)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x1min = np.minimum(1.0, r1)
        a_x2 = x1min * p2 / (x1min * ptt - p1)
        b_x2 = p2 / (ptt - p1)
        falling = (-p2 * p1) < 0.0
        sing = p1 / ptt
        has_sing = (sing > 0.0) & (sing < 1.0)
        x2min = np.minimum(1.0, r2)
        lo = np.maximum(x2min, np.where(falling, b_x2, a_x2))
        hi = np.minimum(1.0, np.where(falling, a_x2, b_x2))
        hi = np.where(has_sing & (hi < 0.0), 1.0, hi)
        lo = np.maximum(lo, 0.0)
        ptt2 = ptt * ptt
        ptt3 = ptt2 * ptt
        powers = (p1, p1 * p1, p2, p2 * p2, p2 * p2 * p2, p2 * p2 * p2 * p2, ptt, ptt2, ptt3, ptt3 * ptt, ptt3 * ptt2)
        value = 1e4 * np.abs(
            _pt_primitive(np.minimum(1.0, hi), *powers, lep1, lep2) - _pt_primitive(lo, *powers, lep1, lep2)
        )
    ok = ~(has_sing & (sing < x1min)) & (lo <= hi) & np.isfinite(value)
    return np.where(ok, value, 0.0)


def _order_legs(leg1, leg2, had1, had2):
    """Leptonic leg first; same type: higher p_T first (FastMTT's compareLeptons)."""
    swap = (had1 & ~had2) | ((had1 == had2) & (leg2[0] > leg1[0]))
    first = tuple(np.where(swap, b, a) for a, b in zip(leg1, leg2))
    second = tuple(np.where(swap, a, b) for a, b in zip(leg1, leg2))
    return first, second, np.where(swap, had2, had1), np.where(swap, had1, had2)


def fastmtt_scan(
    pt1,
    eta1,
    phi1,
    m1,
    had1,
    pt2,
    eta2,
    phi2,
    m2,
    had2,
    met_x,
    met_y,
    cov_xx,
    cov_xy,
    cov_yy,
    variant: Variant = "2019",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best grid point (x1, x2) and the unscaled mass; legs in the caller's order.

    The caller must already have put the leptonic leg first (:func:`fastmtt_mass` does).
    Events where no grid point has a positive likelihood get FastMTT's starting point
    (0.75, 0.75), as the C++ scan does.
    """
    if variant not in ("2018", "2019"):
        raise InvalidArgumentError(f"FastMTT variant must be '2018' or '2019', got {variant!r}")
    args = [
        np.asarray(a, dtype=np.float64)
        for a in (pt1, eta1, phi1, m1, pt2, eta2, phi2, m2, met_x, met_y, cov_xx, cov_xy, cov_yy)
    ]
    pt1, eta1, phi1, m1, pt2, eta2, phi2, m2, met_x, met_y, cxx, cxy, cyy = args
    had1 = np.asarray(had1, dtype=bool)
    had2 = np.asarray(had2, dtype=bool)
    n = len(pt1)
    best_x1 = np.full(n, 0.75)
    best_x2 = np.full(n, 0.75)
    g1 = GRID[None, None, :]  # x1 varies fastest (inner loop of the C++ scan)
    g2 = GRID[None, :, None]
    for start in range(0, n, _BATCH):
        sl = slice(start, min(start + _BATCH, n))

        def col(a, sl=sl):
            return a[sl][:, None, None]

        a1 = _cartesian(pt1[sl], eta1[sl], phi1[sl], m1[sl])
        a2 = _cartesian(pt2[sl], eta2[sl], phi2[sl], m2[sl])
        px1, py1, pz1, e1 = (c[:, None, None] for c in a1)
        px2, py2, pz2, e2 = (c[:, None, None] for c in a2)
        tx = px1 / g1 + px2 / g2
        ty = py1 / g1 + py2 / g2
        tz = pz1 / g1 + pz2 / g2
        te = e1 / g1 + e2 / g2
        mass = np.sqrt(np.maximum(te * te - tx * tx - ty * ty - tz * tz, 0.0))
        m_vis = np.sqrt(np.maximum((e1 + e2) ** 2 - (px1 + px2) ** 2 - (py1 + py2) ** 2 - (pz1 + pz2) ** 2, 0.0))
        mv1 = np.where(had1[sl] & (m1[sl] > 1.5), 0.3, m1[sl])[:, None, None]
        mv2 = np.where(had2[sl] & (m2[sl] > 1.5), 0.3, m2[sl])[:, None, None]
        r1 = (mv1 / M_TAU) ** 2
        r2 = (mv2 / M_TAU) ** 2
        lep1 = ~col(had1)
        lep2 = ~col(had2)
        # MET term (log), with the covariance inverse written out
        rx = col(met_x) - (tx - px1 - px2)
        ry = col(met_y) - (ty - py1 - py2)
        det = col(cxx) * col(cyy) - col(cxy) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            pull2 = (rx * rx * col(cyy) - 2.0 * rx * ry * col(cxy) + ry * ry * col(cxx)) / det
            log_l = -0.5 * pull2 - np.log(2.0 * np.pi * np.sqrt(det))
            log_l = log_l + np.log(_mass_likelihood(mass, m_vis, r1, r2, lep1, lep2))
            if variant == "2018":
                log_l = log_l + np.log(_pt_likelihood(tx, px1, px2, r1, r2, lep1, lep2))
                log_l = log_l + np.log(_pt_likelihood(ty, py1, py2, r1, r2, lep1, lep2))
        valid = (g1 >= np.minimum(1.0, r1)) & (g2 >= np.minimum(1.0, r2)) & (det > 1e-10)
        log_l = np.where(valid & np.isfinite(log_l), log_l, -np.inf)
        flat = log_l.reshape(len(log_l), -1)
        idx = np.argmax(flat, axis=1)  # first maximum in (x2 outer, x1 inner) order, as the C++ loop
        found = np.isfinite(flat[np.arange(len(flat)), idx])
        i2, i1 = np.divmod(idx, len(GRID))
        best_x1[sl] = np.where(found, GRID[i1], 0.75)
        best_x2[sl] = np.where(found, GRID[i2], 0.75)
    a1 = _cartesian(pt1, eta1, phi1, m1)
    a2 = _cartesian(pt2, eta2, phi2, m2)
    tau = [u / best_x1 + v / best_x2 for u, v in zip(a1, a2)]
    mass = np.sqrt(np.maximum(tau[3] ** 2 - tau[0] ** 2 - tau[1] ** 2 - tau[2] ** 2, 0.0))
    return best_x1, best_x2, mass


def fastmtt_mass(
    pt1,
    eta1,
    phi1,
    m1,
    had1,
    pt2,
    eta2,
    phi2,
    m2,
    had2,
    met_x,
    met_y,
    cov_xx,
    cov_xy,
    cov_yy,
    variant: Variant = "2019",
    scale: bool = True,
) -> np.ndarray:
    """FastMTT di-τ mass per event (GeV).

    Args:
        pt1 … had2: the two visible legs in (p_T, η, φ, m) and whether each is hadronic, in any
            order (the leptonic leg is put first here).
        met_x, met_y, cov_xx, cov_xy, cov_yy: MET and its covariance (GeV, GeV²).
        variant: "2018" (MET × mass × p_X × p_Y likelihood) or "2019" (MET × mass).
        scale: apply the final ×1.03 / ×0.98 factors.
    """
    had1 = np.asarray(had1, dtype=bool)
    had2 = np.asarray(had2, dtype=bool)
    leg1 = tuple(np.asarray(a, dtype=np.float64) for a in (pt1, eta1, phi1, m1))
    leg2 = tuple(np.asarray(a, dtype=np.float64) for a in (pt2, eta2, phi2, m2))
    first, second, h1, h2 = _order_legs(leg1, leg2, had1, had2)
    _, _, mass = fastmtt_scan(*first, h1, *second, h2, met_x, met_y, cov_xx, cov_xy, cov_yy, variant=variant)
    if scale:
        mass = mass * np.where(h1 & h2, 0.98, 1.03)
    return mass


def visible_mass(pt1, eta1, phi1, m1, pt2, eta2, phi2, m2) -> np.ndarray:
    """Invariant mass of the two visible legs."""
    a1 = _cartesian(*(np.asarray(a, dtype=np.float64) for a in (pt1, eta1, phi1, m1)))
    a2 = _cartesian(*(np.asarray(a, dtype=np.float64) for a in (pt2, eta2, phi2, m2)))
    s = [u + v for u, v in zip(a1, a2)]
    return np.sqrt(np.maximum(s[3] ** 2 - s[0] ** 2 - s[1] ** 2 - s[2] ** 2, 0.0))


def collinear_mass(pt1, eta1, phi1, m1, pt2, eta2, phi2, m2, met_x, met_y) -> np.ndarray:
    r"""Collinear-approximation mass :math:`m_{vis}/\sqrt{x_1 x_2}`.

    The MET is split along the two visible directions, E_T^miss = (1/x1 − 1) p_T1 + (1/x2 − 1) p_T2
    (a 2 × 2 linear system). NaN where there is no physical solution (x_i ∉ (0, 1], e.g.
    back-to-back legs): the approximation is undefined there.
    """
    pt1, phi1, pt2, phi2, met_x, met_y = (np.asarray(a, dtype=np.float64) for a in (pt1, phi1, pt2, phi2, met_x, met_y))
    p1x, p1y = pt1 * np.cos(phi1), pt1 * np.sin(phi1)
    p2x, p2y = pt2 * np.cos(phi2), pt2 * np.sin(phi2)
    det = p1x * p2y - p1y * p2x
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (met_x * p2y - met_y * p2x) / det  # 1/x1 - 1
        b = (p1x * met_y - p1y * met_x) / det  # 1/x2 - 1
        x1 = 1.0 / (1.0 + a)
        x2 = 1.0 / (1.0 + b)
        m = visible_mass(pt1, eta1, phi1, m1, pt2, eta2, phi2, m2) / np.sqrt(x1 * x2)
    ok = (x1 > 0.0) & (x1 <= 1.0) & (x2 > 0.0) & (x2 <= 1.0) & np.isfinite(m)
    return np.where(ok, m, np.nan)
