"""Building blocks of the MoMEMta-style Matrix Element Method teacher (arXiv 2008.10949).

One concept per module, each vectorised over points and events with numpy:

* :mod:`.breit_wigner` — Breit–Wigner flattening of a propagator mass, u ∈ [0, 1] → s;
* :mod:`.dy_matrix_element` — LO q q̄ → Z/γ* → ℓ⁺ℓ⁻ |M|², σ̂ and A_FB;
* :mod:`.transfer` — Gaussian transfer function on energy and its integration window;
* :mod:`.block_d` — MoMEMta Block D, both neutrinos of dileptonic tt̄ from four masses;
* :mod:`.block_b` — MoMEMta Block B, one neutrino from one mass;
* :mod:`.pdf` — LHAPDF6 grid reader (Pythia's shipped grids), log-bicubic or Pythia's Lagrange;
* :mod:`.dy_weight` — Drell–Yan MEM weight per event with VEGAS;
* :mod:`.hza_matrix_element` — LO gg → H → Z A → ℓℓ b b̄ |M|² (one overall constant);
* :mod:`.hza_cross_section` — σ(M_H, M_A) of the H → ZA |M|² (the mass dependence of σ_vis);
* :mod:`.hza_weight` — H → ZA MEM weight per event, parametric in (M_H, M_A), with VEGAS;
* :mod:`.teach` — the teacher over a fileset on Dask, per-chunk files, progress, resumption;
* :mod:`.tt_matrix_element` — LO gg, q q̄ → tt̄ production and t → bℓν decay |M|², α_s;
* :mod:`.tt_weight` — dileptonic tt̄ MEM weight per event with VEGAS (Block D, b permutations);
* :mod:`.vegas_driver` — the per-event VEGAS protocol and the :class:`MEMWeights` result;
* :mod:`.constants` — the electroweak inputs, with sources.
"""

from __future__ import annotations

from .block_b import BlockBSolutions, solve_block_b
from .block_d import BlockDSolutions, block_d_jacobian, solve_block_d
from .breit_wigner import breit_wigner_density, breit_wigner_integral, breit_wigner_map
from .dy_matrix_element import (
    angular_coefficients,
    differential_cross_section,
    forward_backward_asymmetry,
    matrix_element_squared,
    partonic_cross_section,
)
from .dy_weight import DYWeights, dy_delta_weight, dy_weights
from .hza_cross_section import hza_cross_section, hza_cross_section_nwa
from .hza_weight import HZAWeights, hza_delta_weight, hza_weights
from .pdf import DEFAULT_PDF, LHAGrid, load_grid, pdf_data_dir, xfxQ
from .transfer import (
    SIGMA_BJET,
    SIGMA_LEPTON,
    gaussian_energy_tf,
    integration_range,
    map_generated_energy,
    transfer_weight,
)
from .tt_weight import tt_weights
from .vegas_driver import DEFAULT_MAX_CHI2_DOF, MEMWeights, integrate_events

__all__ = [
    "DEFAULT_MAX_CHI2_DOF",
    "DEFAULT_PDF",
    "DYWeights",
    "MEMWeights",
    "integrate_events",
    "tt_weights",
    "HZAWeights",
    "hza_weights",
    "hza_delta_weight",
    "hza_cross_section",
    "hza_cross_section_nwa",
    "LHAGrid",
    "dy_delta_weight",
    "dy_weights",
    "load_grid",
    "pdf_data_dir",
    "xfxQ",
    "BlockBSolutions",
    "BlockDSolutions",
    "SIGMA_BJET",
    "SIGMA_LEPTON",
    "angular_coefficients",
    "block_d_jacobian",
    "breit_wigner_density",
    "breit_wigner_integral",
    "breit_wigner_map",
    "differential_cross_section",
    "forward_backward_asymmetry",
    "gaussian_energy_tf",
    "integration_range",
    "map_generated_energy",
    "matrix_element_squared",
    "partonic_cross_section",
    "solve_block_b",
    "solve_block_d",
    "transfer_weight",
]
