r"""Exact morphing of a squared amplitude that is quadratic in two EFT coefficients, and the joint
likelihood ratio and joint score that follow from it (MadMiner's ``PhysicsMorpher`` and
``SampleAugmenter``; arXiv 1805.00020 §II, 1808.00973).

An amplitude linear in θ = (θ₁, θ₂), :math:`M = M_0 + \theta_1 M_1 + \theta_2 M_2`, has

.. math::

    |M(z|\theta)|^2 = \sum_{k=0}^{5} c_k(z)\, f_k(\theta), \qquad
    f(\theta) = (1, \theta_1, \theta_2, \theta_1^2, \theta_1\theta_2, \theta_2^2),

so its values :math:`w_b(z) = |M(z|\theta_b)|^2` at six basis points with an invertible
:math:`F_{bk} = f_k(\theta_b)` give it everywhere: :math:`|M(z|\theta)|^2 = W(\theta)\cdot w(z)` with
the morphing weights :math:`W(\theta) = f(\theta)\,F^{-1}` (no approximation). The cross section morphs
with the same weights, :math:`\sigma(\theta) = W(\theta)\cdot\sigma_b`, :math:`\sigma_b` the cross section
at basis point b. Then (PHYSICS.md §2)

.. math::

    r(x,z|\theta_0,\theta_1) = \frac{W(\theta_0)\cdot w\,/\,W(\theta_0)\cdot\sigma}
                                    {W(\theta_1)\cdot w\,/\,W(\theta_1)\cdot\sigma},\qquad
    t(x,z|\theta) = \frac{\nabla W(\theta)\cdot w}{W(\theta)\cdot w}
                  - \frac{\nabla W(\theta)\cdot\sigma}{W(\theta)\cdot\sigma}.

Example:
    >>> import numpy as np
    >>> m = Morphing(DEFAULT_BASIS)
    >>> c = np.array([2.0, 0.3, -0.1, 0.5, 0.0, 0.2])       # |M|^2 = c . f(theta)
    >>> w = quadratic_basis(m.basis) @ c                      # its values at the basis points
    >>> theta = np.array([[0.013, -0.027]])
    >>> bool(np.allclose(m.weights(theta) @ w, quadratic_basis(theta) @ c, rtol=1e-12))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["N_COMPONENTS", "DEFAULT_BASIS_SCALE", "DEFAULT_BASIS", "quadratic_basis", "quadratic_basis_gradient",
           "Morphing", "theta_label"]

#: the number of quadratic components for two parameters: n(n+1)/2 + n + 1 = 6
N_COMPONENTS = 6
#: the default basis scale (TeV⁻²): η/Λ² with Λ = 5 TeV and |η| = 1, Pythia's own contact points
DEFAULT_BASIS_SCALE = 0.04
#: the default basis: the SM, ±s on each axis, and (s, s); every point is one Pythia can generate
#: (``ContactInteractions:Lambda`` = 5 TeV, η_LL, η_LR ∈ {−1, 0, 1})
DEFAULT_BASIS = DEFAULT_BASIS_SCALE * np.array(
    [[0.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [1.0, 1.0]])


def _theta2(theta: Any) -> np.ndarray:
    t = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    if t.ndim != 2 or t.shape[1] != 2:
        raise InvalidArgumentError(f"theta: expected points of two parameters, shape (n, 2); got shape {t.shape}")
    if not np.all(np.isfinite(t)):
        raise InvalidArgumentError("theta: expected finite values")
    return t


def quadratic_basis(theta: Any) -> np.ndarray:
    """f(θ) = (1, θ₁, θ₂, θ₁², θ₁θ₂, θ₂²) for each point, shape (n, 6)."""
    t = _theta2(theta)
    a, b = t[:, 0], t[:, 1]
    return np.stack([np.ones_like(a), a, b, a * a, a * b, b * b], axis=1)


def quadratic_basis_gradient(theta: Any) -> np.ndarray:
    """∂f_k/∂θ_i for each point, shape (n, 2, 6)."""
    t = _theta2(theta)
    a, b = t[:, 0], t[:, 1]
    zero, one = np.zeros_like(a), np.ones_like(a)
    d_a = np.stack([zero, one, zero, 2.0 * a, b, zero], axis=1)
    d_b = np.stack([zero, zero, one, zero, a, 2.0 * b], axis=1)
    return np.stack([d_a, d_b], axis=1)


def theta_label(theta: Any, names: tuple[str, str] = ("cLL", "cLR")) -> str:
    """A column-name label of one point: ``cLLm0p04_cLR0`` for (−0.04, 0) ('m' minus, 'p' point)."""
    t = _theta2(theta)
    if len(t) != 1:
        raise InvalidArgumentError(f"theta_label: expected one point, got {len(t)}")

    def fmt(v: float) -> str:
        return f"{v:.6g}".replace("-", "m").replace(".", "p").replace("+", "")

    return "_".join(f"{n}{fmt(float(v))}" for n, v in zip(names, t[0]))


class Morphing:
    """Morphing weights W(θ) = f(θ) F⁻¹ of a basis of six points (module docstring).

    Raises:
        InvalidArgumentError: the basis is not six points of two parameters, or F is singular (the
            points do not determine a quadratic: e.g. three on one line through a fourth).
    """

    def __init__(self, basis: Any = DEFAULT_BASIS) -> None:
        basis = _theta2(basis)
        if len(basis) != N_COMPONENTS:
            raise InvalidArgumentError(f"morphing basis: expected {N_COMPONENTS} points, got {len(basis)}")
        f = quadratic_basis(basis)
        cond = np.linalg.cond(f)
        if not np.isfinite(cond) or cond > 1e12:
            raise InvalidArgumentError(
                f"morphing basis: the six points do not determine a quadratic in theta (condition number {cond:.3g})")
        self.basis = basis
        self.inverse = np.linalg.inv(f)

    @property
    def labels(self) -> list[str]:
        """:func:`theta_label` of every basis point, in basis order."""
        return [theta_label(p) for p in self.basis]

    def weights(self, theta: Any) -> np.ndarray:
        """W(θ), shape (n_theta, 6): |M(θ)|² = W(θ) · w for the basis values w."""
        return quadratic_basis(theta) @ self.inverse

    def weight_gradients(self, theta: Any) -> np.ndarray:
        """∇_θ W(θ), shape (n_theta, 2, 6)."""
        return quadratic_basis_gradient(theta) @ self.inverse

    def _per_event(self, w_basis: Any, theta: Any) -> tuple[np.ndarray, np.ndarray]:
        w = np.asarray(w_basis, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != N_COMPONENTS:
            raise InvalidArgumentError(f"basis values: expected shape (n_events, {N_COMPONENTS}), got {w.shape}")
        t = _theta2(theta)
        if len(t) not in (1, len(w)):
            raise InvalidArgumentError(f"theta: expected one point or one per event ({len(w)}), got {len(t)}")
        return w, np.broadcast_to(t, (len(w), 2))

    def values(self, w_basis: Any, theta: Any) -> np.ndarray:
        """|M(z|θ)|² per event from its basis values (n_events, 6); θ one point or one per event."""
        w, t = self._per_event(w_basis, theta)
        return np.einsum("nk,nk->n", self.weights(t), w)

    def cross_section(self, sigma_basis: Any, theta: Any) -> np.ndarray:
        """σ(θ) = W(θ)·σ_b for each point θ (shape (n_theta,))."""
        s = np.asarray(sigma_basis, dtype=np.float64).reshape(N_COMPONENTS)
        return self.weights(theta) @ s

    def joint_log_ratio(self, w_basis: Any, sigma_basis: Any, theta0: Any, theta1: Any) -> np.ndarray:
        """log r(x,z|θ0,θ1) per event (module docstring); θ0, θ1 one point or one per event."""
        w, t0 = self._per_event(w_basis, theta0)
        _, t1 = self._per_event(w_basis, theta1)
        s = np.asarray(sigma_basis, dtype=np.float64).reshape(N_COMPONENTS)
        m0, m1 = np.einsum("nk,nk->n", self.weights(t0), w), np.einsum("nk,nk->n", self.weights(t1), w)
        if np.any(m0 <= 0.0) or np.any(m1 <= 0.0):
            raise InvalidArgumentError("joint ratio: |M|^2 is not positive at theta0 or theta1 for some event")
        return np.log(m0) - np.log(m1) - np.log(self.weights(t0) @ s) + np.log(self.weights(t1) @ s)

    def joint_score(self, w_basis: Any, sigma_basis: Any, theta: Any) -> np.ndarray:
        """t(x,z|θ) per event, shape (n_events, 2) (module docstring)."""
        w, t = self._per_event(w_basis, theta)
        s = np.asarray(sigma_basis, dtype=np.float64).reshape(N_COMPONENTS)
        weights, grads = self.weights(t), self.weight_gradients(t)
        m = np.einsum("nk,nk->n", weights, w)
        if np.any(m <= 0.0):
            raise InvalidArgumentError("joint score: |M|^2 is not positive at theta for some event")
        return np.einsum("nik,nk->ni", grads, w) / m[:, None] - (grads @ s) / (weights @ s)[:, None]
