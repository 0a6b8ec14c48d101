r"""In-graph ℓℓbb invariants: the MEM surrogates' first layer, computed from the published inputs.

The bundles keep the published interface of arXiv 2008.10949: the 14 inputs of
:data:`~hepsurrogates.models.mem_features.FEATURE_NAMES` (p_T, η, Δφ to the leading lepton,
MET, the leading lepton's charge), plus (M_H, M_A) for the parametric H → ZA model. Inside the
graph, before the standardisation, :class:`LLBBInvariants` appends the Lorentz invariants that
the weights are sharp functions of, so the network does not have to learn them from a few
thousand events. Each visible object is taken massless,

.. math::

    p = p_T\,(\cosh\eta,\ \cos\Delta\phi,\ \sin\Delta\phi,\ \sinh\eta),\qquad
    m(a, b, \dots) = \sqrt{\max\big((p_a + p_b + \dots)^2,\ 10^{-6}\big)}\ \text{GeV},

and the appended columns (:data:`INVARIANT_NAMES`) are

* m(ℓ₁ℓ₂) (the Z peak of the Drell–Yan weight), m(b₁b₂) (M_A for H → ZA),
* the four m(ℓ_i b_j) and the two pairing variables
  min / max over the two ℓb pairings of max(m(ℓb), m(ℓ'b')): the tt̄ weight falls steeply above
  the m(ℓb) endpoint √(m_t² − m_W²) ≈ 153 GeV of the right pairing,
* m(ℓℓbb) (M_H for H → ZA), p_T(ℓℓbb) and |p_T(ℓℓbb) + MET| (the transverse recoil the
  neutrinos and the initial-state radiation must absorb; the tt̄ weight's Block D balances the
  neutrinos against the MET).

With ``log_momenta`` the five p_T columns (ℓ₁, ℓ₂, b₁, b₂, MET) and every appended invariant are
replaced by log(1 + value/GeV): the weights vary with the logarithms of the energies over the
tails of the p_T spectra (measured on the held-out splits: a better resolution for Drell–Yan
and H → ZA, none for tt̄; ``benchmarks/results/mem_size_scan.json``).

Measured effect (held-out test splits, same data, same 3-layer networks;
``python benchmarks/mem_size_scan.py``): −log10 W resolution 0.172 → 0.037 (DY),
0.629 → 0.42 (tt̄), 1.56 → 0.31 (H → ZA) with the invariants and the symmetry augmentation of
:mod:`.mem_symmetries` together.
"""

from __future__ import annotations

import torch
from torch import nn

from hepsurrogates.models.mem_features import FEATURE_NAMES

__all__ = ["INVARIANT_NAMES", "LLBBInvariants", "n_preprocessed"]

#: the appended columns, in order
INVARIANT_NAMES: tuple[str, ...] = (
    "m_l1l2", "m_b1b2", "m_l1b1", "m_l1b2", "m_l2b1", "m_l2b2", "mlb_pairing_min", "mlb_pairing_max",
    "m_llbb", "pt_llbb", "recoil_pt",
)
_PT = tuple(FEATURE_NAMES.index(n) for n in ("lep1_pt", "lep2_pt", "b1_pt", "b2_pt", "met_pt"))
_I = {n: i for i, n in enumerate(FEATURE_NAMES)}
_MASS2_FLOOR = 1e-6


def n_preprocessed(n_inputs: int) -> int:
    """Width after :class:`LLBBInvariants` of an input of ``n_inputs`` columns."""
    return n_inputs + len(INVARIANT_NAMES)


def _p4(pt: torch.Tensor, eta: torch.Tensor, dphi: torch.Tensor) -> torch.Tensor:
    return torch.stack([pt * torch.cosh(eta), pt * torch.cos(dphi), pt * torch.sin(dphi), pt * torch.sinh(eta)], dim=-1)


def _mass(total: torch.Tensor) -> torch.Tensor:
    m2 = total[:, 0] ** 2 - total[:, 1] ** 2 - total[:, 2] ** 2 - total[:, 3] ** 2
    return torch.sqrt(torch.clamp(m2, min=_MASS2_FLOOR))


class LLBBInvariants(nn.Module):
    """(N, 14 [+ parameters]) published inputs → the same columns followed by :data:`INVARIANT_NAMES`
    (module docstring); any columns after the 14 features (M_H, M_A) pass through unchanged."""

    def __init__(self, n_inputs: int = len(FEATURE_NAMES), log_momenta: bool = False) -> None:
        super().__init__()
        if n_inputs < len(FEATURE_NAMES):
            raise ValueError(f"LLBBInvariants needs the {len(FEATURE_NAMES)} MEM features first, got {n_inputs} columns")
        self.log_momenta = bool(log_momenta)
        mask = torch.zeros(n_inputs, dtype=torch.bool)
        mask[list(_PT)] = True
        self.register_buffer("pt_mask", mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        i = _I
        zero = torch.zeros_like(x[:, 0])
        l1 = _p4(x[:, i["lep1_pt"]], x[:, i["lep1_eta"]], zero)
        l2 = _p4(x[:, i["lep2_pt"]], x[:, i["lep2_eta"]], x[:, i["lep2_dphi"]])
        b1 = _p4(x[:, i["b1_pt"]], x[:, i["b1_eta"]], x[:, i["b1_dphi"]])
        b2 = _p4(x[:, i["b2_pt"]], x[:, i["b2_eta"]], x[:, i["b2_dphi"]])
        m11, m12, m21, m22 = _mass(l1 + b1), _mass(l1 + b2), _mass(l2 + b1), _mass(l2 + b2)
        pairing_a, pairing_b = torch.maximum(m11, m22), torch.maximum(m12, m21)
        vis = l1 + l2 + b1 + b2
        met_pt, met_dphi = x[:, i["met_pt"]], x[:, i["met_dphi"]]
        recoil = torch.sqrt((vis[:, 1] + met_pt * torch.cos(met_dphi)) ** 2 + (vis[:, 2] + met_pt * torch.sin(met_dphi)) ** 2)
        extra = torch.stack([
            _mass(l1 + l2), _mass(b1 + b2), m11, m12, m21, m22,
            torch.minimum(pairing_a, pairing_b), torch.maximum(pairing_a, pairing_b),
            _mass(vis), torch.sqrt(vis[:, 1] ** 2 + vis[:, 2] ** 2), recoil,
        ], dim=-1)
        base = x
        if self.log_momenta:
            base = torch.where(self.pt_mask, torch.log1p(torch.clamp(x, min=0.0)), x)
            extra = torch.log1p(extra)
        return torch.cat([base, extra], dim=-1)
