r"""Breit–Wigner mapping of a squared mass onto the unit interval (MoMEMta ``BreitWignerGenerator``).

A propagator :math:`1/((s-m^2)^2 + m^2\Gamma^2)` makes the MEM integrand peak sharply in the
invariant mass s of a resonance; MoMEMta flattens it by integrating over u ∈ [0, 1] with

.. math::

    y = -\arctan\frac{m}{\Gamma} + \Bigl(\frac{\pi}{2} + \arctan\frac{m}{\Gamma}\Bigr)\,u,
    \qquad s = m\Gamma\tan y + m^2,
    \qquad J(u) = \frac{ds}{du} = \Bigl(\frac{\pi}{2} + \arctan\frac{m}{\Gamma}\Bigr)
                   \frac{m\Gamma}{\cos^2 y},

which maps [0, 1) onto s ∈ [0, ∞) (u = 0 ↦ s = 0). Since
:math:`(s-m^2)^2 + m^2\Gamma^2 = m^2\Gamma^2/\cos^2 y`, the product
:math:`J(u)\,\mathrm{BW}(s(u))` is the constant :math:`(\pi/2 + \arctan(m/\Gamma))/(m\Gamma)
= \int_0^\infty \mathrm{BW}(s)\,ds`: a flat integrand for VEGAS.

Reference: MoMEMta (arXiv 1805.08555) ``modules/BreitWignerGenerator.cc``; PHYSICS.md §1.

Example:
    >>> import numpy as np
    >>> s, jac = breit_wigner_map(np.array([0.0, 0.5]), 80.419, 2.0476)
    >>> round(float(s[0]), 9), round(float(np.sqrt(s[1])), 2)
    (0.0, 80.43)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array

__all__ = ["breit_wigner_map", "breit_wigner_density", "breit_wigner_integral"]


def _check_mass_width(mass: float, width: float) -> None:
    if not (np.isfinite(mass) and np.isfinite(width) and mass > 0.0 and width > 0.0):
        raise InvalidArgumentError(
            f"Breit-Wigner: expected mass > 0 and width > 0, found mass={mass!r}, width={width!r}"
        )


def breit_wigner_map(u: Any, mass: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Map u ∈ [0, 1] to s ∈ [0, ∞) and return ``(s, J)`` with :math:`J = ds/du`.

    Args:
        u: points in [0, 1], any shape (u = 1 gives s = ∞).
        mass: resonance mass m (GeV).
        width: resonance width Γ (GeV).

    Returns:
        ``s`` (GeV²) and the Jacobian ``J`` (GeV²), both of the shape of ``u``.

    Raises:
        InvalidArgumentError: u outside [0, 1] or NaN, or a non-positive mass or width.
    """
    _check_mass_width(mass, width)
    u = as_float_array("u", u)
    if np.any((u < 0.0) | (u > 1.0)):
        raise InvalidArgumentError("u: expected values in [0, 1]")
    atan = np.arctan(mass / width)
    span = 0.5 * np.pi + atan
    y = -atan + span * u
    with np.errstate(over="ignore", divide="ignore"):
        cos_y = np.cos(y)
        s = mass * width * np.tan(y) + mass * mass
        jac = span * mass * width / (cos_y * cos_y)
    # exact endpoints: tan(-atan(m/Γ)) = -m/Γ gives s = 0 up to rounding; u = 1 is s = ∞.
    s = np.where(u == 0.0, 0.0, s)
    s = np.where(u == 1.0, np.inf, s)
    jac = np.where(u == 1.0, np.inf, jac)
    return s, jac


def breit_wigner_density(s: Any, mass: float, width: float, normalised: bool = False) -> np.ndarray:
    r"""Relativistic Breit–Wigner :math:`\mathrm{BW}(s) = 1/((s - m^2)^2 + m^2\Gamma^2)`.

    With ``normalised=True`` it is divided by :func:`breit_wigner_integral`, a probability
    density on s ∈ [0, ∞) — the density that :func:`breit_wigner_map` turns into a uniform u.
    """
    _check_mass_width(mass, width)
    s = as_float_array("s", s)
    d = s - mass * mass
    bw = 1.0 / (d * d + (mass * width) ** 2)
    return bw / breit_wigner_integral(mass, width) if normalised else bw


def breit_wigner_integral(mass: float, width: float) -> float:
    r""":math:`\int_0^\infty \mathrm{BW}(s)\,ds = (\pi/2 + \arctan(m/\Gamma))/(m\Gamma)`."""
    _check_mass_width(mass, width)
    return float((0.5 * np.pi + np.arctan(mass / width)) / (mass * width))
