r"""In-graph preprocessing of the 27 published di-τ inputs: the τ1 frame and log scales.

The bundle takes the published inputs as they are (absolute φ and the MET covariance in the
detector frame); the physics does not depend on a global rotation about the beam, so the
first thing the graph does is to express everything in the frame of τ1:

* each other azimuth φ_k becomes (sin(φ_k − φ_τ1), cos(φ_k − φ_τ1)), multiplied by "object
  present" (p_T > 0) so that missing jets give (0, 0); φ_τ1 itself is dropped;
* the MET covariance is rotated by −φ_τ1: V' = R V Rᵀ;
* p_T-like features and the covariance diagonal enter as log(1 + x).

This gives the network the symmetry instead of making it learn it, which matters for the
small networks we ship (resolution per FLOP). Everything is exportable ONNX arithmetic.
"""

from __future__ import annotations

import torch
from torch import nn

from hepsurrogates.models.ditau.features import FEATURE_NAMES

__all__ = ["DiTauFrame", "N_OUT"]

_PHI_OBJECTS = ("tau2", "jet1", "jet2", "remaining_jets", "MET")
_LOG = ("tau1_pt", "tau2_pt", "jet1_pt", "jet2_pt", "remaining_jets_pt", "MET_pt", "mT1", "mT2", "mTtt", "mTtot")
_COV = ("MET_covXX", "MET_covXY", "MET_covYY")
_PASS = tuple(n for n in FEATURE_NAMES if not n.endswith("_phi") and n not in _COV)
#: width of the preprocessed vector
N_OUT = len(_PASS) + 2 * len(_PHI_OBJECTS) + 3


class DiTauFrame(nn.Module):
    """(n, 27) raw inputs → (n, 31) rotation-invariant inputs."""

    def __init__(self, log_transform: bool = True) -> None:
        super().__init__()
        idx = {n: i for i, n in enumerate(FEATURE_NAMES)}
        self.register_buffer("pass_idx", torch.tensor([idx[n] for n in _PASS]))
        log_mask = torch.tensor([1.0 if (log_transform and n in _LOG) else 0.0 for n in _PASS])
        self.register_buffer("log_mask", log_mask)
        self.ref_phi = idx["tau1_phi"]
        self.phi_idx = [idx[f"{o}_phi"] for o in _PHI_OBJECTS]
        self.pt_idx = [idx[f"{o}_pt"] for o in _PHI_OBJECTS]
        self.cov_idx = [idx[c] for c in _COV]
        self.log_transform = log_transform

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        plain = x[:, self.pass_idx]
        plain = self.log_mask * torch.log1p(torch.clamp(plain, min=0.0)) + (1.0 - self.log_mask) * plain
        ref = x[:, self.ref_phi:self.ref_phi + 1]
        phis = x[:, self.phi_idx] - ref
        present = (x[:, self.pt_idx] > 0.0).to(x.dtype)
        c, s = torch.cos(ref), torch.sin(ref)
        vxx, vxy, vyy = (x[:, i:i + 1] for i in self.cov_idx)
        rxx = c * c * vxx + 2.0 * c * s * vxy + s * s * vyy
        ryy = s * s * vxx - 2.0 * c * s * vxy + c * c * vyy
        rxy = (c * c - s * s) * vxy + c * s * (vyy - vxx)
        if self.log_transform:
            rxx = torch.log1p(torch.clamp(rxx, min=0.0))
            ryy = torch.log1p(torch.clamp(ryy, min=0.0))
        return torch.cat([plain, torch.sin(phis) * present, torch.cos(phis) * present, rxx, rxy, ryy], dim=1)
