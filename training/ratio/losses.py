r"""The published losses of the likelihood-ratio estimators, as MadMiner 0.9.6 defines them.

Conventions (MadMiner's ``madminer/utils/ml/losses.py`` and ``utils.get_loss``): events from the
numerator θ0 carry the label y = 0, events from the reference θ1 the label y = 1; the network
outputs :math:`\log\hat r(x|\theta_0, \theta_1)` with :math:`r = p(x|\theta_0)/p(x|\theta_1)`;
the classifier is its Bayes-optimal decision function :math:`\hat s = 1/(1 + \hat r)`; the
augmented data are the joint ratio :math:`r_{xz} = r(x, z|\theta_0, \theta_1)` and the joint
score :math:`t_{xz} = t(x, z|\theta_0)`. Every mean runs over all events and score components of
the batch (torch's ``MSELoss`` / ``BCELoss``: the masked terms count as zeros in the mean).

* CARL (arXiv 1506.02169): :math:`\mathrm{XE}(\hat s, y)`;
* ROLR (arXiv 1805.00013):
  :math:`\langle (1-y)(1/\hat r - 1/r_{xz})^2\rangle + \langle y(\hat r - r_{xz})^2\rangle`;
* RASCAL (arXiv 1805.00013): ROLR :math:`+\ \alpha\, S`;
* CASCAL (arXiv 1805.12244): CARL :math:`+\ \alpha\, S`;
* ALICE (arXiv 1808.00973): :math:`\mathrm{XE}(\hat s, s_{xz})` with :math:`s_{xz} = 1/(1 + r_{xz})`;
* ALICES (arXiv 1808.00973): ALICE :math:`+\ \alpha\, S`;
* SALLY (arXiv 1805.00013): :math:`\langle \lVert\hat t(x) - t_{xz}(\theta_{ref})\rVert^2 \rangle`,
  the local score at a reference point;

with :math:`\mathrm{XE}(s, y) = -\langle y \log s + (1-y)\log(1-s)\rangle` and the score term
:math:`S = \langle (1-y) \lVert\hat t(x|\theta_0) - t_{xz}\rVert^2\rangle` over the θ0 events; ROLR and RASCAL clip
:math:`\log\hat r` and :math:`\log r_{xz}` to ±``log_r_clip`` (10) as MadMiner does. The cross
entropies are evaluated from the logit :math:`\log \hat s - \log(1-\hat s) = -\log\hat r`
(``binary_cross_entropy_with_logits``), equal in value to MadMiner's ``BCELoss`` on
:math:`\hat s` wherever that does not underflow.

Example:
    >>> import torch
    >>> log_r = torch.zeros(4)
    >>> y = torch.tensor([0.0, 0.0, 1.0, 1.0])
    >>> round(float(carl_loss(log_r, y)), 4)  # log 2: a classifier that cannot tell
    0.6931
    >>> float(rolr_loss(log_r, y, torch.ones(4)))
    0.0
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["METHODS", "SCORE_METHODS", "ratio_xe", "ratio_augmented_xe", "ratio_mse", "ratio_score_mse_num",
           "carl_loss", "rolr_loss", "rascal_loss", "cascal_loss", "alice_loss", "alices_loss", "sally_loss",
           "method_loss"]

#: the parameterised ratio methods and SALLY, in MadMiner's names
METHODS: tuple[str, ...] = ("carl", "rolr", "rascal", "alice", "alices", "cascal", "sally")
#: the ratio methods with a score term (they need t_xz and the network's score by autograd)
SCORE_METHODS: frozenset[str] = frozenset({"rascal", "alices", "cascal"})


def ratio_xe(log_r_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""CARL's cross-entropy of :math:`\hat s = 1/(1+\hat r)` against y (MadMiner ``ratio_xe``)."""
    return F.binary_cross_entropy_with_logits(-log_r_hat, y)


def ratio_augmented_xe(log_r_hat: torch.Tensor, r_xz: torch.Tensor) -> torch.Tensor:
    r"""ALICE's improved cross-entropy: the target is :math:`s_{xz} = 1/(1 + r_{xz})` instead of y
    (MadMiner ``ratio_augmented_xe``; arXiv 1808.00973 eq. 9)."""
    return F.binary_cross_entropy_with_logits(-log_r_hat, 1.0 / (1.0 + r_xz))


def ratio_mse(log_r_hat: torch.Tensor, y: torch.Tensor, r_xz: torch.Tensor, log_r_clip: float = 10.0) -> torch.Tensor:
    r"""ROLR's squared errors: :math:`\langle (1-y)(1/\hat r - 1/r)^2\rangle + \langle y(\hat r - r)^2\rangle`,
    with :math:`\log\hat r` and r clipped to :math:`e^{\pm\text{log\_r\_clip}}` (MadMiner ``ratio_mse``)."""
    bound = math.exp(log_r_clip)
    r_true = torch.clamp(r_xz, 1.0 / bound, bound)
    log_r_hat = torch.clamp(log_r_hat, -log_r_clip, log_r_clip)
    num = F.mse_loss((1.0 - y) * torch.exp(-log_r_hat), (1.0 - y) / r_true)
    den = F.mse_loss(y * torch.exp(log_r_hat), y * r_true)
    return num + den


def ratio_score_mse_num(t_hat: torch.Tensor, y: torch.Tensor, t_xz: torch.Tensor) -> torch.Tensor:
    r"""The score term :math:`\langle (1-y)|\hat t(x|\theta_0) - t_{xz}(\theta_0)|^2\rangle` over the
    θ0 events (MadMiner ``ratio_score_mse_num``; t̂ and t_xz of shape (n, p))."""
    mask = (1.0 - y).unsqueeze(-1)
    return F.mse_loss(mask * t_hat, mask * t_xz)


def carl_loss(log_r_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """CARL (Cranmer, Pavez, Louppe, arXiv 1506.02169): the classifier's cross-entropy."""
    return ratio_xe(log_r_hat, y)


def rolr_loss(log_r_hat: torch.Tensor, y: torch.Tensor, r_xz: torch.Tensor, log_r_clip: float = 10.0) -> torch.Tensor:
    """ROLR (Brehmer, Cranmer, Louppe, Pavez, arXiv 1805.00013): regression on the joint ratio."""
    return ratio_mse(log_r_hat, y, r_xz, log_r_clip)


def rascal_loss(log_r_hat: torch.Tensor, t_hat: torch.Tensor, y: torch.Tensor, r_xz: torch.Tensor,
                t_xz: torch.Tensor, alpha: float = 1.0, log_r_clip: float = 10.0) -> torch.Tensor:
    """RASCAL (arXiv 1805.00013): ROLR plus α times the score term."""
    return ratio_mse(log_r_hat, y, r_xz, log_r_clip) + alpha * ratio_score_mse_num(t_hat, y, t_xz)


def cascal_loss(log_r_hat: torch.Tensor, t_hat: torch.Tensor, y: torch.Tensor, t_xz: torch.Tensor,
                alpha: float = 1.0) -> torch.Tensor:
    """CASCAL (arXiv 1805.12244): CARL plus α times the score term."""
    return ratio_xe(log_r_hat, y) + alpha * ratio_score_mse_num(t_hat, y, t_xz)


def alice_loss(log_r_hat: torch.Tensor, r_xz: torch.Tensor) -> torch.Tensor:
    """ALICE (Stoye, Brehmer, Louppe, Pavez, Cranmer, arXiv 1808.00973): the improved cross-entropy."""
    return ratio_augmented_xe(log_r_hat, r_xz)


def alices_loss(log_r_hat: torch.Tensor, t_hat: torch.Tensor, y: torch.Tensor, r_xz: torch.Tensor,
                t_xz: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """ALICES (arXiv 1808.00973): ALICE plus α times the score term."""
    return ratio_augmented_xe(log_r_hat, r_xz) + alpha * ratio_score_mse_num(t_hat, y, t_xz)


def sally_loss(t_hat: torch.Tensor, t_xz: torch.Tensor) -> torch.Tensor:
    """SALLY (arXiv 1805.00013): regression of the local score t̂(x|θ_ref) on the joint score at θ_ref."""
    return F.mse_loss(t_hat, t_xz)


def method_loss(method: str, log_r_hat: torch.Tensor, t_hat: torch.Tensor | None, y: torch.Tensor,
                r_xz: torch.Tensor | None, t_xz: torch.Tensor | None, alpha: float = 1.0,
                log_r_clip: float = 10.0) -> torch.Tensor:
    """The loss of a parameterised ratio ``method`` (one of :data:`METHODS` but SALLY) from one call.

    Raises:
        InvalidArgumentError: unknown method, or the augmented data it needs is None.
    """
    needs = {"carl": (), "rolr": ("r_xz",), "alice": ("r_xz",), "cascal": ("t_hat", "t_xz"),
             "rascal": ("r_xz", "t_hat", "t_xz"), "alices": ("r_xz", "t_hat", "t_xz")}
    if method not in needs:
        raise InvalidArgumentError(f"unknown ratio method {method!r}; choose from {sorted(needs)}")
    given = {"r_xz": r_xz, "t_hat": t_hat, "t_xz": t_xz}
    missing = [k for k in needs[method] if given[k] is None]
    if missing:
        raise InvalidArgumentError(f"method {method!r} needs {', '.join(missing)}")
    if method == "carl":
        return carl_loss(log_r_hat, y)
    if method == "rolr":
        return rolr_loss(log_r_hat, y, r_xz, log_r_clip)
    if method == "alice":
        return alice_loss(log_r_hat, r_xz)
    if method == "cascal":
        return cascal_loss(log_r_hat, t_hat, y, t_xz, alpha)
    if method == "rascal":
        return rascal_loss(log_r_hat, t_hat, y, r_xz, t_xz, alpha, log_r_clip)
    return alices_loss(log_r_hat, t_hat, y, r_xz, t_xz, alpha)
