"""Drell–Yan ℓℓ (ℓ = e, μ) with four-fermion contact interactions: the ``ratio`` family's EFT sample.

Pythia 8's own contact-interaction processes (``ContactInteractions:QCffbar2eebar`` and
``QCffbar2mumubar``: q q̄ → γ*/Z → ℓ⁻ℓ⁺ plus the contact term 4π η_XY/Λ²) above ``mll_min``,
generated at one point θ = (c_LL, c_LR) = (η_LL, η_LR)/Λ² (TeV⁻²), with the electroweak inputs
that make the teacher's |M|² the generator's
(:data:`hepsurrogates.datasets.teachers.ratio.contact.PYTHIA_SETTINGS`).

The gold, from every event's hard-process record: ``Teacher_msq_<label>``, the spin- and
colour-averaged ⟨|M(z_p|θ_b)|²⟩ (dimensionless) at the six points θ_b of the default morphing basis
(:data:`hepsurrogates.morphing.DEFAULT_BASIS`, labels by
:func:`~hepsurrogates.morphing.theta_label`, e.g. ``Teacher_msq_cLL0p04_cLR0``).
The exact morphing of these six numbers gives |M|² at any θ, hence the joint likelihood ratio
and joint score (:class:`~hepsurrogates.morphing.Morphing`); the point the sample was
generated at is in the file's provenance (options ``lambda_tev``, ``eta_ll``, ``eta_lr``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from hepsurrogates.exceptions import GenerationError, InvalidArgumentError
from hepsurrogates.morphing import DEFAULT_BASIS, Morphing, quadratic_basis

from ..teachers.ratio.contact import PYTHIA_SETTINGS, mandelstam, msq_coefficients
from .base import SampleSpec

__all__ = ["SAMPLE", "generated_theta", "hard_process_msq"]

_LEPTONS = {"electrons": "ContactInteractions:QCffbar2eebar", "muons": "ContactInteractions:QCffbar2mumubar"}


def generated_theta(options: Mapping[str, float]) -> np.ndarray:
    """θ = (η_LL, η_LR)/Λ² in TeV⁻² of a sample's options, shape (2,)."""
    lam = float(options["lambda_tev"])
    return np.array([options["eta_ll"], options["eta_lr"]], dtype=np.float64) / lam**2


def _settings(options: Mapping[str, float]) -> list[str]:
    cut, lam = options["mll_min"], options["lambda_tev"]
    if not 60.0 <= cut < 6000.0:
        raise InvalidArgumentError(f"dy_contact needs 60 <= mll_min < 6000 GeV, got {cut}")
    if not 0.1 <= lam <= 1000.0:
        raise InvalidArgumentError(f"dy_contact needs 0.1 <= lambda_tev <= 1000 (TeV), got {lam}")
    for key in ("eta_ll", "eta_lr"):
        if options[key] not in (-1.0, 0.0, 1.0):
            raise InvalidArgumentError(f"dy_contact: {key} must be -1, 0 or 1 (Pythia's helicity signs), "
                                       f"got {options[key]}")
    processes = [f"{flag} = on" for key, flag in _LEPTONS.items() if options[key]]
    if not processes:
        raise InvalidArgumentError("dy_contact: electrons=0 and muons=0 leave no process")
    return [
        *processes,
        f"ContactInteractions:Lambda = {1000.0 * lam:.6g}",
        f"ContactInteractions:etaLL = {int(options['eta_ll'])}",
        f"ContactInteractions:etaLR = {int(options['eta_lr'])}",
        *PYTHIA_SETTINGS,
        f"PhaseSpace:mHatMin = {cut:.6g}",
        f"PartonLevel:MPI = {'on' if options['mpi'] else 'off'}",
    ]


def _one(info: Mapping[str, np.ndarray], mask: np.ndarray, what: str) -> np.ndarray:
    n = mask.sum(axis=1)
    if np.any(n != 1):
        bad = int(np.flatnonzero(n != 1)[0])
        raise GenerationError(f"dy_contact: expected one {what} in every hard process; event {bad} has {int(n[bad])}")
    return mask.argmax(axis=1)


def hard_process_msq(info: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per event from the hard-process rows: the coefficients of ⟨|M|²⟩ in f(θ), shape (n, 6), and the
    |PDG id| of the lepton.

    Raises:
        GenerationError: a hard process that is not q q̄ → ℓ⁻ℓ⁺.
    """
    ids, status = info["process_id"], info["process_status"]
    incoming = np.abs(status) == 21
    quark = _one(info, incoming & (ids >= 1) & (ids <= 5), "incoming quark")
    _one(info, incoming & (ids <= -1) & (ids >= -5), "incoming antiquark")
    outgoing = status == 23
    minus = _one(info, outgoing & np.isin(ids, (11, 13)), "outgoing lepton")
    plus = _one(info, outgoing & np.isin(ids, (-11, -13)), "outgoing antilepton")

    def take(field: str, idx: np.ndarray) -> np.ndarray:
        return np.take_along_axis(info[f"process_{field}"], idx[:, None], axis=1)[:, 0].astype(np.float64)

    p4 = {name: {c: take(c, idx) for c in ("px", "py", "pz", "e")} for name, idx in (("m", minus), ("p", plus))}
    lepton = np.abs(take("id", minus)).astype(np.int64)
    shat, that, uhat = mandelstam(take("pz", quark), p4["m"], p4["p"])
    coeff = np.empty((len(shat), 6))
    quark_id = take("id", quark).astype(np.int64)
    for flavour in np.unique(lepton):
        sel = lepton == flavour
        coeff[sel] = msq_coefficients(shat[sel], that[sel], uhat[sel], quark_id[sel], int(flavour))
    return coeff, lepton


def _teacher(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    coeff, _ = hard_process_msq(info)
    basis = Morphing(DEFAULT_BASIS)
    values = coeff @ quadratic_basis(basis.basis).T
    return {f"msq_{label}": values[:, b].astype(np.float64) for b, label in enumerate(basis.labels)}


SAMPLE = SampleSpec(
    name="dy_contact",
    description="Drell-Yan ee/mumu with Pythia's four-fermion contact interactions at theta = (eta_LL, eta_LR)/"
                "Lambda^2, m_ll > mll_min GeV; Teacher_msq_* at the morphing basis",
    options={"mll_min": 350.0, "lambda_tev": 5.0, "eta_ll": 0.0, "eta_lr": 0.0, "electrons": 1.0, "muons": 1.0,
             "mpi": 1.0},
    settings=_settings,
    teacher=_teacher,
    default_chunk_size=2000,
)
