r"""gg → H → ττ with the Higgs mass floating flat, all τ decays (six di-τ channels).

The training sample of the di-τ mass regression (DL_for_HTT_mass; PHYSICS.md §4): the
generated mass must be flat over [m_min, m_max] so that the network sees every mass equally.

How the mass is made flat (exactly, without a calibration table): Pythia generates
gg → H with a forced, very broad Breit–Wigner, and a ``UserHooks.multiplySigmaBy`` factor
divides the differential cross section by its own mass density,

.. math::
    \frac{d\sigma}{dm} = \frac{2m}{s}\,\hat\sigma(m^2)\,\mathcal{L}_{gg}(\tau, \mu_F^2=m^2),
    \qquad
    \mathcal{L}_{gg}(\tau) = \frac{1}{\tau}\int_{\ln\sqrt\tau}^{-\ln\sqrt\tau} dy\;
        x_1 g(x_1)\, x_2 g(x_2),\quad x_{1,2} = \sqrt\tau e^{\pm y},

so accepted events are distributed as dσ/dm × factor(m) = const in m, while the rapidity,
the parton shower, the τ polarisation and the τ decays stay Pythia's. 𝓛_gg is tabulated
once per Pythia instance from the instance's own PDF (48-point Gauss–Legendre in y) and
interpolated in log m. Each event's generated mass, the di-τ system mass m_ML learns, is stored as ``Teacher_mTauTau``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hepsurrogates.constants import SQRT_S_13TEV
from hepsurrogates.exceptions import InvalidArgumentError

from .base import SampleSpec

__all__ = ["SAMPLE", "gluon_luminosity_table"]

_WIDTH_FORCED = 1000.0  # GeV: broad enough that Pythia's phase-space sampler covers the range


def _settings(options: Mapping[str, float]) -> list[str]:
    lo, hi = options["mass_min"], options["mass_max"]
    if not 10.0 <= lo < hi <= 5000.0:
        raise InvalidArgumentError(
            f"htautau needs 10 <= mass_min < mass_max <= 5000 GeV, got [{lo}, {hi}]"
        )
    centre = 0.5 * (lo + hi)
    return [
        "HiggsSM:gg2H = on",
        "25:onMode = off",
        "25:onIfAny = 15",
        f"25:m0 = {centre:.6g}",
        f"25:mWidth = {_WIDTH_FORCED:.6g}",
        "25:doForceWidth = on",
        f"25:mMin = {lo:.6g}",
        f"25:mMax = {hi:.6g}",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def gluon_luminosity_table(pdf: Any, masses: np.ndarray, n_y: int = 48) -> np.ndarray:
    r"""𝓛_gg(τ = m²/s) at μ_F = m for each mass, from a Pythia PDF object (``xf(id, x, Q²)``)."""
    nodes, weights = np.polynomial.legendre.leggauss(n_y)
    out = np.empty(len(masses))
    s = SQRT_S_13TEV**2
    for k, m in enumerate(masses):
        tau = m * m / s
        y_max = -0.5 * np.log(tau)
        total = 0.0
        for yi, wi in zip(nodes * y_max, weights * y_max):
            x1 = np.sqrt(tau) * np.exp(yi)
            x2 = np.sqrt(tau) * np.exp(-yi)
            total += wi * pdf.xf(21, x1, m * m) * pdf.xf(21, x2, m * m)
        out[k] = total / tau
    return out


def _hooks(pythia: Any, options: Mapping[str, float]) -> Any:
    import pythia8mc

    lo, hi = options["mass_min"], options["mass_max"]
    grid = np.geomspace(0.95 * lo, 1.05 * hi, 256)
    log_lumi = np.log(gluon_luminosity_table(pythia.getPDFPtr(2212), grid))
    log_grid = np.log(grid)
    s = SQRT_S_13TEV**2

    class FlatMassHook(pythia8mc.UserHooks):
        """Divides dσ by its mass density so that accepted masses are flat."""

        def __init__(self) -> None:
            pythia8mc.UserHooks.__init__(self)
            self._norm: float | None = None

        def canModifySigma(self) -> bool:  # noqa: N802 (Pythia's name)
            return True

        def multiplySigmaBy(self, sigma_process: Any, phase_space: Any, in_event: bool) -> float:  # noqa: N802
            m = phase_space.mHat
            density = sigma_process.sigmaHat() * 2.0 * m / s * np.exp(
                np.interp(np.log(m), log_grid, log_lumi)
            )
            if not density > 0.0:
                return 0.0
            if self._norm is None:  # keep the factor O(1) for Pythia's maximum search
                self._norm = density
            return self._norm / density

    return FlatMassHook()


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    # For a 2 -> 1 process the generated resonance mass is sqrt(s-hat): the di-tau system mass
    # that m_ML learns (Teacher_mTauTau, as Surrogate_mTauTau).
    return {"mTauTau": info["mHat"].astype(np.float32)}


SAMPLE = SampleSpec(
    name="htautau",
    description="gg -> H -> tautau, m_H flat in [mass_min, mass_max] GeV, all six di-tau channels",
    options={"mass_min": 50.0, "mass_max": 1000.0, "mpi": 1.0},
    settings=_settings,
    hooks=_hooks,
    teacher=_teacher,
    default_chunk_size=2000,
    physical_xsec=False,  # the flattening hook reshapes dsigma/dm
)
