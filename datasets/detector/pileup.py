"""Pile-up: the number of interactions per crossing and the reconstructed primary vertices.

The true mean number of interactions follows a smooth 2018-like profile (a Gamma
distribution with mean 32 and standard deviation 13, the shape of the CMS 2018 UL mixing
profile); the actual number of pile-up interactions is Poisson around it; each pile-up
vertex is reconstructed with probability 0.75 and passes the "good" selection with 0.95.
The hard-scatter vertex position (``PV_x/y/z``, cm) is drawn from a CMS-like luminous region:
beam spot at (0.010, 0.040) cm with 10 µm transverse and 3.5 cm longitudinal spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PileupProfile", "PILEUP_2018", "draw_pileup"]


@dataclass(frozen=True)
class PileupProfile:
    """Gamma-shaped profile of the true interaction multiplicity."""

    mean: float
    std: float
    vertex_efficiency: float = 0.75
    good_fraction: float = 0.95


PILEUP_2018 = PileupProfile(mean=32.0, std=13.0)


def draw_pileup(rng: np.random.Generator, n_events: int, profile: PileupProfile = PILEUP_2018) -> dict[str, np.ndarray]:
    """NanoAOD ``Pileup_nTrueInt``, ``Pileup_nPU``, ``PV_npvs``, ``PV_npvsGood`` and ``PV_x/y/z``."""
    shape = (profile.mean / profile.std) ** 2
    scale = profile.std**2 / profile.mean
    n_true = rng.gamma(shape, scale, size=n_events)
    n_pu = rng.poisson(n_true)
    npvs = 1 + rng.binomial(n_pu, profile.vertex_efficiency)
    npvs_good = 1 + rng.binomial(npvs - 1, profile.good_fraction)
    vertex = rng.standard_normal((3, n_events)) * np.array([[0.001], [0.001], [3.5]]) + np.array(
        [[0.010], [0.040], [0.0]]
    )
    return {
        "PV_x": vertex[0].astype(np.float32),
        "PV_y": vertex[1].astype(np.float32),
        "PV_z": vertex[2].astype(np.float32),
        "Pileup_nTrueInt": n_true.astype(np.float32),
        "Pileup_nPU": n_pu.astype(np.int32),
        "PV_npvs": npvs.astype(np.int32),
        "PV_npvsGood": npvs_good.astype(np.int32),
    }
