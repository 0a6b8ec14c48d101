r"""Gaussian transfer function on energy (MoMEMta ``GaussianTransferFunctionOnEnergy``).

The detector response of a lepton or a b-jet is a Gaussian in energy whose width scales
with the generated energy, direction and mass being held fixed:

.. math::

    W(E_{rec}\mid E_{gen}) = \frac{1}{\sqrt{2\pi}\,\sigma}
        \exp\Bigl(-\frac{(E_{rec}-E_{gen})^2}{2\sigma^2}\Bigr),\qquad \sigma = s\,E_{gen},

with s = 0.10 for leptons and 0.30 for b-jets (the tt̄ configuration of arXiv 2008.10949).
For a fixed E_rec the teacher integrates E_gen over a window set by the width *at E_rec*,

.. math::

    E_{gen} \in [\max(E_{min}, E_{rec} - n\,s\,E_{rec}),\; E_{rec} + n\,s\,E_{rec}],\qquad
    E_{gen}(u) = E_{lo} + (E_{hi} - E_{lo})\,u,\qquad \frac{dE_{gen}}{du} = E_{hi} - E_{lo},

and the weight of one point u is :math:`W(E_{rec}\mid E_{gen}(u))\,(E_{hi}-E_{lo})\,dP/dE`,
where :math:`dP/dE = E/|\vec p|` converts the phase-space measure :math:`|\vec p|^2 d|\vec p|`
to the energy variable.

Decisions (MoMEMta semantics, read from its module documentation):

* the window is built with the width at E_rec, the density with the width at E_gen;
* n defaults to 3 (the value used for tt̄ in arXiv 2008.10949; MoMEMta's own default is 5);
* the lower edge is clipped at ``E_min = max(0, m)``: MoMEMta clips at 0, and for a massive
  object we also keep E_gen ≥ m so that the generated momentum stays real (identical to
  MoMEMta for massless objects and whenever E_rec(1 − n s) > m).

Because σ grows with E_gen, :math:`\int W\,dE_{gen} = E[1/(1+sT)]_{T\sim N(0,1)} = 1 + s^2 + O(s^4)`
is not exactly one: the δ-limit :math:`\int g(E_{gen}) W\,dE_{gen} \to g(E_{rec})` is reached with
an error :math:`s^2\,[g + 2E g' + \tfrac12 E^2 g''](E_{rec})` (checked in the tests).

Example:
    >>> import numpy as np
    >>> e_gen, jac = map_generated_energy(np.array([0.0, 0.5, 1.0]), np.array(50.0), SIGMA_LEPTON)
    >>> e_gen.tolist(), jac.tolist()
    ([35.0, 50.0, 65.0], [30.0, 30.0, 30.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from ._checks import as_float_array

__all__ = [
    "SIGMA_LEPTON",
    "SIGMA_BJET",
    "BJET_RESPONSE",
    "DEFAULT_N_SIGMA",
    "gaussian_energy_tf",
    "integration_range",
    "map_generated_energy",
    "dp_over_de",
    "transfer_weight",
]

#: Relative energy resolution s of leptons (σ = s E_gen).
SIGMA_LEPTON = 0.10
#: Relative energy resolution s of b-jets.
SIGMA_BJET = 0.30
#: Median reconstructed-jet / b-parton energy ratio of this project's detector model, measured on
#: the ``hza_llbb`` sample at (261.40, 150.50) GeV (1340 b partons with p_T > 30 GeV matched to a
#: jet within ΔR < 0.2: median 0.871, mean 0.890; GenJet / parton 0.885;
#: ``benchmarks/mem/bjet_response.py``). MoMEMta's Gaussian is
#: centred (r = 1); a mass-measuring weight (H → ZA) needs the calibrated r, or its likelihood
#: prefers masses ≈ 13 % low.
BJET_RESPONSE = 0.871
#: Half-width of the E_gen integration window in units of σ(E_rec).
DEFAULT_N_SIGMA = 3.0


def _check_response(response: float) -> None:
    if not (np.isfinite(response) and 0.2 <= response <= 2.0):
        raise InvalidArgumentError(f"response: expected a mean energy response in [0.2, 2], found {response!r}")


def _check_resolution(sigma_frac: float, n_sigma: float | None = None) -> None:
    if not (np.isfinite(sigma_frac) and sigma_frac > 0.0):
        raise InvalidArgumentError(f"sigma_frac: expected a relative resolution > 0, found {sigma_frac!r}")
    if n_sigma is not None and not (np.isfinite(n_sigma) and n_sigma > 0.0):
        raise InvalidArgumentError(f"n_sigma: expected a window half-width > 0, found {n_sigma!r}")


def gaussian_energy_tf(e_rec: Any, e_gen: Any, sigma_frac: float, response: float = 1.0) -> np.ndarray:
    r"""Density :math:`W(E_{rec}|E_{gen})` = normal pdf of E_rec, mean r·E_gen, σ = s·E_gen (GeV⁻¹).

    Arrays broadcast; E_gen must be > 0. ``response`` r is the mean reconstructed energy per unit
    parton energy (1: MoMEMta's centred Gaussian; below 1 for b-jets, which lose the neutrinos
    of semileptonic b decays and out-of-cone radiation, see :data:`BJET_RESPONSE`).
    """
    _check_resolution(sigma_frac)
    _check_response(response)
    e_rec = as_float_array("e_rec", e_rec)
    e_gen = as_float_array("e_gen", e_gen)
    if np.any(e_gen <= 0.0):
        raise InvalidArgumentError("e_gen: expected generated energies > 0")
    sigma = sigma_frac * e_gen
    z = (e_rec - response * e_gen) / sigma
    return np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * sigma)


def integration_range(
    e_rec: Any, sigma_frac: float, n_sigma: float = DEFAULT_N_SIGMA, mass: Any = 0.0, response: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""E_gen window ``(lo, hi)`` = :math:`(E_{rec}/r)(1 \mp n s)`, ``lo`` clipped at max(0, m)."""
    _check_resolution(sigma_frac, n_sigma)
    _check_response(response)
    e_rec = as_float_array("e_rec", e_rec)
    mass = as_float_array("mass", mass)
    if np.any(e_rec <= 0.0):
        raise InvalidArgumentError("e_rec: expected reconstructed energies > 0")
    if np.any(mass < 0.0) or np.any(mass >= e_rec):
        raise InvalidArgumentError("mass: expected 0 <= m < E_rec")
    centre = e_rec / response
    half = n_sigma * sigma_frac * centre
    return np.maximum(centre - half, mass), centre + half


def map_generated_energy(
    u: Any, e_rec: Any, sigma_frac: float, n_sigma: float = DEFAULT_N_SIGMA, mass: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""u ∈ [0, 1] ↦ :math:`E_{gen} = E_{lo} + (E_{hi}-E_{lo})u`; returns ``(E_gen, dE_gen/du)``.

    ``u`` broadcasts against ``e_rec`` (for example u of shape (P, N) against N events).
    """
    u = as_float_array("u", u)
    if np.any((u < 0.0) | (u > 1.0)):
        raise InvalidArgumentError("u: expected values in [0, 1]")
    lo, hi = integration_range(e_rec, sigma_frac, n_sigma, mass)
    width = hi - lo
    return lo + width * u, np.broadcast_to(width, np.broadcast_shapes(u.shape, width.shape)).copy()


def dp_over_de(energy: Any, mass: Any) -> np.ndarray:
    r""":math:`d|\vec p|/dE = E/\sqrt{E^2 - m^2}` at fixed mass (requires E > m)."""
    energy = as_float_array("energy", energy)
    mass = as_float_array("mass", mass)
    if np.any(energy <= mass):
        raise InvalidArgumentError("energy: expected E > m for dP/dE")
    return energy / np.sqrt((energy - mass) * (energy + mass))


def transfer_weight(
    u: Any, e_rec: Any, sigma_frac: float, n_sigma: float = DEFAULT_N_SIGMA, mass: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    r"""``(E_gen, weight)``: the MoMEMta ``TF_times_jacobian`` of one integration point,
    :math:`W(E_{rec}|E_{gen}(u))\,(E_{hi}-E_{lo})\,E_{gen}/|\vec p_{gen}|`.

    Where E_gen equals the mass exactly (u = 0 on a window clipped at max(0, m)), dP/dE or the
    density is singular on a set of zero measure; the weight is returned as 0 there.
    """
    e_gen, jac = map_generated_energy(u, e_rec, sigma_frac, n_sigma, mass)
    e_rec_b = np.broadcast_to(as_float_array("e_rec", e_rec), e_gen.shape)
    mass_b = np.broadcast_to(as_float_array("mass", mass), e_gen.shape)
    above = e_gen > mass_b
    weight = np.zeros_like(e_gen)
    weight[above] = (
        gaussian_energy_tf(e_rec_b[above], e_gen[above], sigma_frac)
        * jac[above]
        * dp_over_de(e_gen[above], mass_b[above])
    )
    return e_gen, weight
