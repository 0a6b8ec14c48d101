r"""Real intersections of two plane conics, vectorised over events (the core of Block D).

A conic is the coefficient vector ``(cxx, cxy, cyy, cx, cy, c0)`` of
:math:`c_{xx}x^2 + c_{xy}xy + c_{yy}y^2 + c_x x + c_y y + c_0 = 0`. Writing both conics as
quadratics in y, :math:`A y^2 + B(x) y + C(x)` and :math:`A' y^2 + B'(x) y + C'(x)`, their
resultant in y is the quartic

.. math:: R(x) = (AC' - A'C)^2 - (AB' - A'B)(BC' - B'C),

whose real roots are the x of the intersections. The roots are the eigenvalues of the
companion matrix (one batched ``numpy.linalg.eigvals`` over an (N, 4, 4) stack); for each one,
y is taken from the candidates of conic 1 (its two roots in y and the elimination formula
:math:`y = -(AC' - A'C)/(AB' - A'B)`) that best satisfies both conics, and (x, y) is polished
by a few Newton steps on the pair of conics. Candidates whose residual stays above
``tolerance`` or that duplicate another are dropped.
"""

from __future__ import annotations

import numpy as np

__all__ = ["intersect_conics", "conic_value"]

_NEWTON_STEPS = 6


def conic_value(c: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Value of conics ``c`` (..., 6) at points (x, y); ``c`` broadcasts against x, y."""
    return (c[..., 0] * x * x + c[..., 1] * x * y + c[..., 2] * y * y
            + c[..., 3] * x + c[..., 4] * y + c[..., 5])


def _gradient(c: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = 2.0 * c[..., 0] * x + c[..., 1] * y + c[..., 3]
    gy = c[..., 1] * x + 2.0 * c[..., 2] * y + c[..., 4]
    return gx, gy


def _pmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Product of polynomials stored lowest order first along the last axis, batched."""
    out = np.zeros(a.shape[:-1] + (a.shape[-1] + b.shape[-1] - 1,))
    for i in range(a.shape[-1]):
        out[..., i:i + b.shape[-1]] += a[..., i:i + 1] * b
    return out


def _padd(*terms: np.ndarray) -> np.ndarray:
    n = max(t.shape[-1] for t in terms)
    out = np.zeros(terms[0].shape[:-1] + (n,))
    for t in terms:
        out[..., : t.shape[-1]] += t
    return out


def _quartic(c1: np.ndarray, c2: np.ndarray) -> np.ndarray:
    """Resultant R(x) of two conics (N, 6), coefficients lowest order first, shape (N, 5)."""
    a1, b1, cc1 = c1[:, 2:3], np.stack([c1[:, 4], c1[:, 1]], -1), np.stack([c1[:, 5], c1[:, 3], c1[:, 0]], -1)
    a2, b2, cc2 = c2[:, 2:3], np.stack([c2[:, 4], c2[:, 1]], -1), np.stack([c2[:, 5], c2[:, 3], c2[:, 0]], -1)
    p = _padd(_pmul(a1, cc2), -_pmul(a2, cc1))
    q = _padd(_pmul(a1, b2), -_pmul(a2, b1))
    s = _padd(_pmul(b1, cc2), -_pmul(b2, cc1))
    return _padd(_pmul(p, p), -_pmul(q, s))


def _quartic_roots(r: np.ndarray) -> np.ndarray:
    """Complex roots (N, 4) of quartics (N, 5) (lowest order first) via companion matrices."""
    scale = np.max(np.abs(r), axis=1)
    lead = r[:, 4].copy()
    tiny = np.abs(lead) <= 1e-14 * scale
    # a vanishing leading coefficient sends one root to infinity: keep it finite but far away
    lead[tiny] = np.where(lead[tiny] < 0.0, -1.0, 1.0) * 1e-14 * np.where(scale[tiny] > 0, scale[tiny], 1.0)
    monic = r[:, :4] / lead[:, None]
    comp = np.zeros((r.shape[0], 4, 4))
    comp[:, 0, :] = -monic[:, ::-1]
    comp[:, 1, 0] = comp[:, 2, 1] = comp[:, 3, 2] = 1.0
    ok = np.all(np.isfinite(comp), axis=(1, 2))
    roots = np.full((r.shape[0], 4), np.nan + 0j)
    if np.any(ok):
        roots[ok] = np.linalg.eigvals(comp[ok])
    return roots


def intersect_conics(
    c1: np.ndarray, c2: np.ndarray, tolerance: float = 1e-9, imag_tolerance: float = 1e-3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to four real intersections of conics ``c1``, ``c2`` (N, 6), coefficients O(1).

    Returns:
        ``x``, ``y`` of shape (N, 4) and ``valid`` (N, 4); invalid slots hold NaN.
    """
    with np.errstate(all="ignore"):
        roots = _quartic_roots(_quartic(c1, c2))
        x = roots.real
        keep = np.isfinite(x) & (np.abs(roots.imag) <= imag_tolerance * (1.0 + np.abs(x)))
        x = np.where(keep, x, 0.0)

        a1 = c1[:, None, 2]
        b1 = c1[:, None, 1] * x + c1[:, None, 4]
        q1 = c1[:, None, 0] * x * x + c1[:, None, 3] * x + c1[:, None, 5]
        a2 = c2[:, None, 2]
        b2 = c2[:, None, 1] * x + c2[:, None, 4]
        q2 = c2[:, None, 0] * x * x + c2[:, None, 3] * x + c2[:, None, 5]
        disc = np.sqrt(np.maximum(b1 * b1 - 4.0 * a1 * q1, 0.0))
        candidates = np.stack([
            (-b1 + disc) / (2.0 * a1),
            (-b1 - disc) / (2.0 * a1),
            -(a1 * q2 - a2 * q1) / (a1 * b2 - a2 * b1),
        ], axis=-1)
        ck1, ck2 = c1[:, None, None, :], c2[:, None, None, :]
        xs = x[..., None]
        res = np.abs(conic_value(ck1, xs, candidates)) + np.abs(conic_value(ck2, xs, candidates))
        res = np.where(np.isfinite(res), res, np.inf)
        best = np.argmin(res, axis=-1)
        y = np.take_along_axis(candidates, best[..., None], axis=-1)[..., 0]
        y = np.where(np.isfinite(y), y, 0.0)

        ck1, ck2 = c1[:, None, :], c2[:, None, :]
        for _ in range(_NEWTON_STEPS):
            f1, f2 = conic_value(ck1, x, y), conic_value(ck2, x, y)
            g1x, g1y = _gradient(ck1, x, y)
            g2x, g2y = _gradient(ck2, x, y)
            det = g1x * g2y - g1y * g2x
            good = np.isfinite(det) & (det != 0.0)
            dx = np.where(good, (f1 * g2y - f2 * g1y) / np.where(good, det, 1.0), 0.0)
            dy = np.where(good, (g1x * f2 - g2x * f1) / np.where(good, det, 1.0), 0.0)
            x, y = x - dx, y - dy

        resid = np.maximum(np.abs(conic_value(ck1, x, y)), np.abs(conic_value(ck2, x, y)))
        valid = keep & np.isfinite(resid) & (resid <= tolerance)
        # the same intersection reached from two eigenvalues (a double root) counts once
        for i in range(4):
            for j in range(i + 1, 4):
                same = (np.abs(x[:, i] - x[:, j]) + np.abs(y[:, i] - y[:, j])
                        <= 1e-7 * (1.0 + np.abs(x[:, i]) + np.abs(y[:, i])))
                valid[:, j] &= ~(valid[:, i] & same)
    return np.where(valid, x, np.nan), np.where(valid, y, np.nan), valid
