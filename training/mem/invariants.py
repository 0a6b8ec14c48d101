r"""In-graph ℓℓbb invariants: the MEM surrogates' first layer, computed from the published inputs.

The bundles keep the published interface of arXiv 2008.10949: the 14 inputs of
:data:`~hepsurrogates.models.mem.features.FEATURE_NAMES` (p_T, η, Δφ to the leading lepton,
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

Measured effect (held-out test splits, same data, shipped sizes; ``ablation`` in
``benchmarks/results/mem_size_scan.json`` from ``python benchmarks/mem/size_scan.py``): −log10 W
resolution 0.208 → 0.028 (DY), 0.636 → 0.424 (tt̄), 1.254 → 0.145 (H → ZA) with the invariants
and the symmetry augmentation of :mod:`.symmetries` together; the invariants alone give
0.035, 0.472, 0.253.
"""

from __future__ import annotations

import torch
from torch import nn

from hepsurrogates.models.mem.features import FEATURE_NAMES

__all__ = ["INVARIANT_NAMES", "LLBBInvariants", "n_preprocessed"]

#: the appended columns, in order
INVARIANT_NAMES: tuple[str, ...] = (
    "m_l1l2", "m_b1b2", "m_l1b1", "m_l1b2", "m_l2b1", "m_l2b2", "mlb_pairing_min", "mlb_pairing_max",
    "m_llbb", "pt_llbb", "recoil_pt",
)
_PT = tuple(FEATURE_NAMES.index(n) for n in ("lep1_pt", "lep2_pt", "b1_pt", "b2_pt", "met_pt"))
_MASS2_FLOOR = 1e-6
#: the five transverse objects (MET last, η = 0) and where their (p_T, η, Δφ) sit in the features
_OBJECTS = ("lep1", "lep2", "b1", "b2", "met")
#: rows of the momentum sums: ℓ₁ℓ₂, b₁b₂, ℓ₁b₁, ℓ₁b₂, ℓ₂b₁, ℓ₂b₂, ℓℓbb, ℓℓbb + MET
_SUMS = ((1, 1, 0, 0, 0), (0, 0, 1, 1, 0), (1, 0, 1, 0, 0), (1, 0, 0, 1, 0), (0, 1, 1, 0, 0), (0, 1, 0, 1, 0),
         (1, 1, 1, 1, 0), (1, 1, 1, 1, 1))


def n_preprocessed(n_inputs: int) -> int:
    """Width after :class:`LLBBInvariants` of an input of ``n_inputs`` columns."""
    return n_inputs + len(INVARIANT_NAMES)


def _selection(n_inputs: int) -> torch.Tensor:
    """(n_inputs, 15) 0/1 matrix: x @ it = the (p_T, η, Δφ) of the five objects, zeros where a
    feature does not exist (the leading lepton's Δφ, the MET's η)."""
    sel = torch.zeros(n_inputs, 3 * len(_OBJECTS))
    for k, obj in enumerate(_OBJECTS):
        for j, var in enumerate(("pt", "eta", "dphi")):
            name = f"{obj}_{var}"
            if name in FEATURE_NAMES:
                sel[FEATURE_NAMES.index(name), j * len(_OBJECTS) + k] = 1.0
    return sel


class LLBBInvariants(nn.Module):
    """(N, 14 [+ parameters]) published inputs → the same columns followed by :data:`INVARIANT_NAMES`
    (module docstring); any columns after the 14 features (M_H, M_A) pass through unchanged.

    Written as a handful of 2-D tensor operations (a selection matmul, the four-vectors of the
    five objects, one matmul for the eight momentum sums, the metric contraction) so that the
    exported graph stays small: onnxruntime's per-node overhead dominates a one-event call, and
    batched 3-D matmuls of tiny matrices are slow in it."""

    def __init__(self, n_inputs: int = len(FEATURE_NAMES), log_momenta: bool = False) -> None:
        super().__init__()
        if n_inputs < len(FEATURE_NAMES):
            raise ValueError(
                f"LLBBInvariants needs the {len(FEATURE_NAMES)} MEM features first, got {n_inputs} columns"
            )
        self.log_momenta = bool(log_momenta)
        mask = torch.zeros(n_inputs, dtype=torch.bool)
        mask[list(_PT)] = True
        self.register_buffer("pt_mask", mask)
        self.register_buffer("selection", _selection(n_inputs))
        # (4 components x 5 objects) -> (4 components x 8 sums) as one 2-D matmul on the flattened momenta
        sums = torch.tensor(_SUMS, dtype=torch.float32).T  # (5, 8)
        self.register_buffer("sums", torch.block_diag(*([sums] * 4)))  # (20, 32)
        self.register_buffer("metric", torch.tensor([1.0, -1.0, -1.0, -1.0]).reshape(1, 4, 1))
        self.register_buffer("transverse", torch.tensor([0.0, 1.0, 1.0, 0.0]).reshape(1, 4, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = len(_OBJECTS)
        a = x @ self.selection.to(x.dtype)
        pt, eta, phi = a[:, :n], a[:, n : 2 * n], a[:, 2 * n :]
        p = torch.cat([pt * torch.cosh(eta), pt * torch.cos(phi), pt * torch.sin(phi), pt * torch.sinh(eta)], dim=-1)
        total = (p @ self.sums.to(x.dtype)).reshape(-1, 4, len(_SUMS))  # (N, E/px/py/pz, 8 sums)
        squares = total * total
        mass = torch.sqrt(torch.clamp((squares[:, :, :7] * self.metric.to(x.dtype)).sum(1), min=_MASS2_FLOOR))
        pt_sum = torch.sqrt((squares[:, :, 6:] * self.transverse.to(x.dtype)).sum(1))  # ℓℓbb, ℓℓbb + MET
        pairings = torch.maximum(mass[:, 2:4], mass[:, 4:6].flip(-1))  # max(m₁₁, m₂₂), max(m₁₂, m₂₁)
        extra = torch.cat(
            [mass[:, :6], pairings.amin(-1, keepdim=True), pairings.amax(-1, keepdim=True), mass[:, 6:7], pt_sum],
            dim=-1,
        )
        base = x
        if self.log_momenta:
            base = torch.where(self.pt_mask, torch.log1p(torch.clamp(x, min=0.0)), x)
            extra = torch.log1p(extra)
        return torch.cat([base, extra], dim=-1)
