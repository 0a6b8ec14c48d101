r"""Ensembles of ratio and score estimators: the per-event mean, its spread, and MadMiner's
ensemble covariance of the Fisher information (madminer's ``ml.ensemble.Ensemble``).

K members of the same method are trained on the same sample with different seeds
(:func:`train_ensemble`: member k uses ``seed + k``, which changes the initial weights, the
validation split and the batch order). For a :class:`RatioEnsemble` of
:class:`~.estimators.ParameterizedRatio` members :math:`f_k(x, \theta) = \log\hat r_k(x|\theta, \theta_1)`,

.. math::

    \log\hat r(x|\theta, \theta_1) = \frac1K \sum_{k=1}^K \log\hat r_k(x|\theta, \theta_1), \qquad
    \sigma_{\log r}(x|\theta) = \Big[\frac{1}{K-1} \sum_k \big(\log\hat r_k - \log\hat r\big)^2\Big]^{1/2},

the mean being of **log r̂**, not of r̂: madminer's ``Ensemble.evaluate_log_likelihood_ratio``
averages the members' log-ratio outputs (equal weights), and so does this module. The score of the
mean is then the mean of the members' scores,
:math:`\hat t(x|\theta) = \nabla_\theta \log\hat r = \frac1K\sum_k \hat t_k(x|\theta)`, with its own
spread :math:`\sigma_t` (per component, ddof = 1, as madminer's ``np.cov``). A
:class:`ScoreEnsemble` of SALLY :class:`~.estimators.LocalScore` members averages
:math:`\hat t_k(x|\theta_{ref})` the same way.

The Fisher information of n events at the score's point (madminer's
``Ensemble.calculate_fisher_information``, arXiv 1805.00020 §4.2),

.. math::

    I_{ij} = n\, \mathbb E_x\big[\hat t_i(x)\,\hat t_j(x)\big],

comes with the covariance :math:`\mathrm{Cov}(I_{ij}, I_{kl})` over the members, in madminer's two modes:

* ``"information"``: :math:`I^{(a)}_{ij} = n\,\mathbb E_x[\hat t^{(a)}_i \hat t^{(a)}_j]` for each member a;
  the result is their mean and their covariance over the members;
* ``"score"`` (madminer's default): I from the mean score :math:`\bar t`; its covariance is that over
  the members of :math:`I^{(a)\prime}` computed from the shifted scores
  :math:`\bar t + \epsilon(\hat t^{(a)} - \bar t)`, divided by :math:`\epsilon^2` (ε = 1e-3): the
  linear propagation of the members' spread around :math:`\bar t`.

The ensemble exports to ONNX as one graph (:func:`export_ensemble_onnx`: input ``features`` =
[x…, θ…] (or ``x`` for a score ensemble), outputs ``log_r`` and ``std_log_r`` (``score`` and
``std_score``)), through the TorchScript exporter (``dynamo=False``, :func:`export_onnx`).

Example:
    >>> from hepsurrogates.models.ratio.toy import QuadraticToy
    >>> from hepsurrogates.training.ratio.estimators import make_training_sample, uniform_prior
    >>> data = make_training_sample(QuadraticToy(), uniform_prior(-1.0, 1.0), 0.0, 1000, np.random.default_rng(1))
    >>> ens, _ = train_ensemble("carl", *data, n_members=2, config=RatioConfig(hidden=(8,), epochs=1))
    >>> ens.log_r(data.x[:3], 0.5).shape, bool((ens.log_r_std(data.x[:3], 0.5) > 0).all())
    ((3,), True)

Reference: J. Brehmer, F. Kling, I. Espejo, K. Cranmer, "MadMiner: Machine learning-based
inference for particle physics", arXiv 1907.10621 (ensembles, §3.4); madminer's
``madminer/ml/ensemble.py`` (read at commit 054485cc, the 0.9.x line).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError

from ..fit import FitHistory
from .estimators import LocalScore, ParameterizedRatio, RatioConfig, _rows, ratio_features, train_estimator

__all__ = ["RatioEnsemble", "ScoreEnsemble", "EnsembleGraph", "train_ensemble", "fisher_information_covariance",
           "export_onnx", "export_ensemble_onnx", "run_onnx"]


def _stack_std(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and sample standard deviation (ddof = 1) over the first axis, with ops that export to ONNX."""
    k = values.shape[0]
    mean = values.mean(dim=0)
    var = ((values - mean) ** 2).sum(dim=0) / (k - 1)
    return mean, torch.sqrt(var)


def _check_members(members: Sequence[nn.Module], cls: type) -> list[nn.Module]:
    members = list(members)
    if len(members) < 2:
        raise InvalidArgumentError(f"an ensemble needs at least 2 members, got {len(members)}")
    if not all(isinstance(m, cls) for m in members):
        raise InvalidArgumentError(f"every member must be a {cls.__name__}, got "
                                   f"{sorted({type(m).__name__ for m in members})}")
    widths = {(m.n_x, m.n_params) for m in members}
    if len(widths) != 1:
        raise InvalidArgumentError(f"members with different (n_x, n_params): {sorted(widths)}")
    return members


class RatioEnsemble(nn.Module):
    r"""K :class:`~.estimators.ParameterizedRatio` members; ``forward(features)`` is the per-event mean
    :math:`\frac1K\sum_k \log\hat r_k(x|\theta, \theta_1)` (n,), a drop-in for one member.

    Raises:
        InvalidArgumentError: fewer than 2 members, or members of another type or other widths.
    """

    def __init__(self, members: Sequence[ParameterizedRatio]) -> None:
        super().__init__()
        self.members = nn.ModuleList(_check_members(members, ParameterizedRatio))
        self.n_x, self.n_params = self.members[0].n_x, self.members[0].n_params

    def __len__(self) -> int:
        return len(self.members)

    def member_outputs(self, features: torch.Tensor) -> torch.Tensor:
        """log r̂_k for every member, (K, n)."""
        return torch.stack([m(features) for m in self.members])

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.member_outputs(features).mean(dim=0)

    def mean_and_std(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean log r̂ (n,), its spread σ_log r (n,), ddof = 1)."""
        return _stack_std(self.member_outputs(features))

    def _features(self, x: Any, theta: Any) -> torch.Tensor:
        self.eval()
        return torch.as_tensor(ratio_features(x, theta, self.n_params))

    def log_r_members(self, x: Any, theta: Any) -> np.ndarray:
        """log r̂_k(x|θ, θ1) as float64 (K, n)."""
        with torch.no_grad():
            return self.member_outputs(self._features(x, theta)).double().numpy()

    def log_r(self, x: Any, theta: Any) -> np.ndarray:
        """The ensemble mean log r̂(x|θ, θ1), float64 (n,)."""
        return self.log_r_members(x, theta).mean(axis=0)

    def log_r_std(self, x: Any, theta: Any) -> np.ndarray:
        """The per-event spread σ_log r(x|θ) over the members (ddof = 1), float64 (n,)."""
        return self.log_r_members(x, theta).std(axis=0, ddof=1)

    def score_members(self, x: Any, theta: Any) -> np.ndarray:
        """t̂_k(x|θ) = ∇_θ log r̂_k by autograd, float64 (K, n, p)."""
        feats = self._features(x, theta)
        return np.stack([m.log_r_and_score(feats, create_graph=False)[1].detach().double().numpy()
                         for m in self.members])

    def score(self, x: Any, theta: Any) -> np.ndarray:
        """The score of the mean log r̂, t̂ = (1/K) Σ_k t̂_k, float64 (n, p)."""
        return self.score_members(x, theta).mean(axis=0)

    def score_std(self, x: Any, theta: Any) -> np.ndarray:
        """The per-event spread of t̂ over the members (ddof = 1), float64 (n, p)."""
        return self.score_members(x, theta).std(axis=0, ddof=1)

    def fisher_information(self, x: Any, theta: Any, n_events: float = 1.0, mode: Literal["score", "information"]
                           = "score", epsilon_shift: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
        """I_ij(θ) of ``n_events`` events from the scores t̂(x|θ) on x ~ p(x|θ), and its ensemble
        covariance (p, p, p, p): :func:`fisher_information_covariance`."""
        return fisher_information_covariance(self.score_members(x, theta), n_events, mode, epsilon_shift)


class ScoreEnsemble(nn.Module):
    r"""K SALLY :class:`~.estimators.LocalScore` members; ``forward(x)`` is the per-event mean
    :math:`\frac1K\sum_k \hat t_k(x|\theta_{ref})` (n, p).

    Raises:
        InvalidArgumentError: fewer than 2 members, or members of another type or other widths.
    """

    def __init__(self, members: Sequence[LocalScore]) -> None:
        super().__init__()
        self.members = nn.ModuleList(_check_members(members, LocalScore))
        self.n_x, self.n_params = self.members[0].n_x, self.members[0].n_params

    def __len__(self) -> int:
        return len(self.members)

    def member_outputs(self, x: torch.Tensor) -> torch.Tensor:
        """t̂_k for every member, (K, n, p)."""
        return torch.stack([m(x) for m in self.members])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.member_outputs(x).mean(dim=0)

    def mean_and_std(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean t̂ (n, p), its spread (n, p), ddof = 1)."""
        return _stack_std(self.member_outputs(x))

    def score_members(self, x: Any) -> np.ndarray:
        """t̂_k(x|θ_ref) as float64 (K, n, p)."""
        self.eval()
        with torch.no_grad():
            return self.member_outputs(torch.as_tensor(_rows(x, "x"), dtype=torch.float32)).double().numpy()

    def score(self, x: Any) -> np.ndarray:
        """The ensemble mean t̂(x|θ_ref), float64 (n, p)."""
        return self.score_members(x).mean(axis=0)

    def score_std(self, x: Any) -> np.ndarray:
        """The per-event spread of t̂ over the members (ddof = 1), float64 (n, p)."""
        return self.score_members(x).std(axis=0, ddof=1)

    def fisher_information(self, x: Any, n_events: float = 1.0, mode: Literal["score", "information"] = "score",
                           epsilon_shift: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
        """I_ij(θ_ref) of ``n_events`` events from x ~ p(x|θ_ref), and its ensemble covariance
        (p, p, p, p): :func:`fisher_information_covariance`."""
        return fisher_information_covariance(self.score_members(x), n_events, mode, epsilon_shift)


def fisher_information_covariance(scores: np.ndarray, n_events: float = 1.0,
                                  mode: Literal["score", "information"] = "score",
                                  epsilon_shift: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    r"""MadMiner's ensemble Fisher information from the members' scores ``scores`` (K, n, p) on events
    of the point where the score is evaluated (madminer ``Ensemble.calculate_fisher_information``).

    * ``"information"``: :math:`I^{(a)} = n_{ev}\,\langle t^{(a)} t^{(a)\top}\rangle_x`; returns
      :math:`\frac1K\sum_a I^{(a)}` and :math:`\mathrm{Cov}_a(I^{(a)}_{ij}, I^{(a)}_{kl})`;
    * ``"score"``: :math:`I = n_{ev}\,\langle \bar t \bar t^\top\rangle_x` with :math:`\bar t` the
      members' mean; the covariance is :math:`\mathrm{Cov}_a(I'^{(a)})/\epsilon^2` with
      :math:`I'^{(a)}` from :math:`\bar t + \epsilon\,(t^{(a)} - \bar t)`.

    Covariances over members have ddof = 1 (``np.cov``).

    Returns:
        I (p, p) and its covariance (p, p, p, p), indices ordered i j k l.

    Raises:
        InvalidArgumentError: not (K ≥ 2, n ≥ 1, p) finite scores, an unknown mode, ε ≤ 0.
    """
    t = np.asarray(scores, dtype=np.float64)
    if t.ndim != 3 or t.shape[0] < 2 or t.shape[1] < 1 or not np.isfinite(t).all():
        raise InvalidArgumentError(f"scores: expected finite (K >= 2, n >= 1, p) member scores, got shape {t.shape}")
    if mode not in ("score", "information"):
        raise InvalidArgumentError(f"unknown Fisher information mode {mode!r}; choose 'score' or 'information'")
    if not epsilon_shift > 0:
        raise InvalidArgumentError(f"epsilon_shift must be positive, got {epsilon_shift!r}")
    k, _, p = t.shape

    def info(s: np.ndarray) -> np.ndarray:
        return float(n_events) * np.einsum("ani,anj->aij", s, s) / s.shape[1]

    if mode == "information":
        members = info(t)
        return members.mean(axis=0), np.cov(members.reshape(k, p * p).T, ddof=1).reshape(p, p, p, p)
    mean = t.mean(axis=0)
    information = info(mean[None])[0]
    shifted = info(mean[None] + epsilon_shift * (t - mean[None]))
    cov = np.cov(shifted.reshape(k, p * p).T, ddof=1).reshape(p, p, p, p) / epsilon_shift**2
    return information, cov


def train_ensemble(method: str, *arrays: Any, n_members: int = 5, config: RatioConfig | None = None,
                   seed: int | None = None, **named_arrays: Any) -> tuple[RatioEnsemble | ScoreEnsemble,
                                                                          list[FitHistory]]:
    """Train ``n_members`` estimators of ``method`` on the same arrays (those of
    :func:`~.estimators.train_estimator`, positional or by name), member k with seed ``seed + k``
    (``seed`` defaults to ``config.seed``).

    Returns:
        A :class:`ScoreEnsemble` for ``sally``, else a :class:`RatioEnsemble`, and the members' histories.

    Raises:
        InvalidArgumentError: n_members < 2, or what :func:`~.estimators.train_estimator` raises.
    """
    if int(n_members) != n_members or n_members < 2:
        raise InvalidArgumentError(f"n_members must be an integer >= 2, got {n_members!r}")
    cfg = config or RatioConfig()
    base = cfg.seed if seed is None else int(seed)
    members, histories = [], []
    for k in range(int(n_members)):
        model, history = train_estimator(method, *arrays, config=replace(cfg, seed=base + k), **named_arrays)
        members.append(model)
        histories.append(history)
    ensemble = ScoreEnsemble(members) if method == "sally" else RatioEnsemble(members)
    return ensemble.eval(), histories


class EnsembleGraph(nn.Module):
    """The exported graph of an ensemble: ``forward`` returns (mean, spread), two outputs."""

    def __init__(self, ensemble: RatioEnsemble | ScoreEnsemble) -> None:
        super().__init__()
        self.ensemble = ensemble

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.ensemble.mean_and_std(inputs)


@contextlib.contextmanager
def _legacy_exporter() -> Iterator[None]:
    """torch ≥ 2.9 deprecates the TorchScript exporter and warns (DeprecationWarning) on every call,
    from ``torch.onnx`` and from its own internal helpers; those warnings are about the exporter, not
    the model, and are the only ones silenced."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*legacy TorchScript-based ONNX export.*",
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.onnx(\..*)?$")
        yield


def export_onnx(module: nn.Module, example: torch.Tensor, input_name: str, output_names: Sequence[str],
                path: str | Path | None = None, opset: int = 17) -> bytes:
    """Export ``module`` (one input, batch axis dynamic) to ONNX with ``torch.onnx.export(...,
    dynamo=False)``; returns the serialised model and writes it to ``path`` if given."""
    module.eval()
    buffer = io.BytesIO()
    dynamic = {input_name: {0: "n"}, **{name: {0: "n"} for name in output_names}}
    with _legacy_exporter(), torch.no_grad():
        torch.onnx.export(module, (example,), buffer, input_names=[input_name], output_names=list(output_names),
                          dynamic_axes=dynamic, opset_version=opset, dynamo=False)
    data = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def export_ensemble_onnx(ensemble: RatioEnsemble | ScoreEnsemble, path: str | Path | None = None) -> bytes:
    """One ONNX graph of the ensemble: input ``features`` [x…, θ…] → outputs ``log_r``, ``std_log_r``
    (n,) for a :class:`RatioEnsemble`; input ``x`` → ``score``, ``std_score`` (n, p) for a
    :class:`ScoreEnsemble`."""
    if isinstance(ensemble, RatioEnsemble):
        width, name, outputs = ensemble.n_x + ensemble.n_params, "features", ("log_r", "std_log_r")
    else:
        width, name, outputs = ensemble.n_x, "x", ("score", "std_score")
    return export_onnx(EnsembleGraph(ensemble), torch.zeros(4, width), name, outputs, path)


def run_onnx(model: bytes, inputs: np.ndarray) -> list[np.ndarray]:
    """All outputs of a one-input ONNX model on ``inputs`` (cast to float32), with onnxruntime on CPU."""
    import onnxruntime as ort

    session = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: np.ascontiguousarray(inputs, dtype=np.float32)})
