r"""Parameterised likelihood-ratio estimators and the local score (MadMiner's ``ml`` API on plain arrays).

:class:`ParameterizedRatio` is a network :math:`f(x, \theta) = \log\hat r(x|\theta, \theta_1)`
against a fixed reference :math:`\theta_1` (MadMiner's ``ParameterizedRatioEstimator``, its
``DenseSingleParameterizedRatioModel``); one input tensor ``features`` = [x…, θ…], standardised
inside the module, so that the module is the whole numeric path and exports to a model bundle.
Its score :math:`\hat t(x|\theta) = \nabla_\theta \log\hat r(x|\theta, \theta_1)` (the score of
:math:`p(x|\theta)`, the reference being fixed) comes from autograd and enters the score-term losses
of RASCAL, CASCAL and ALICES (:mod:`.losses`). :class:`LocalScore` is SALLY's
:math:`x \mapsto \hat t(x|\theta_{ref})` (MadMiner's ``ScoreEstimator``).

The training sample is MadMiner's ``SampleAugmenter.sample_train_ratio`` (arXiv 1805.00020):
for every event a numerator point :math:`\theta_0 \sim \pi(\theta)`; half of the events are drawn
from :math:`p(x|\theta_0)` with y = 0, half from :math:`p(x|\theta_1)` with y = 1; every event
carries the joint ratio :math:`r(x, z|\theta_0, \theta_1)` and the joint score
:math:`t(x, z|\theta_0)`. MadMiner draws a finite set of θ0 points with many events each; here
each event has its own draw (the limit of many points). Training follows MadMiner's defaults
where they matter: AMSGrad, learning rate decaying exponentially from ``learning_rate`` to
``final_learning_rate``, a validation split of 25 % whose best epoch is kept, tanh activations,
and the score term computed on standardised parameters (MadMiner's ``scale_parameters``: both
scores multiplied by the parameters' standard deviation).

Example:
    >>> from hepsurrogates.models.ratio.toy import QuadraticToy
    >>> rng = np.random.default_rng(1)
    >>> data = make_training_sample(QuadraticToy(), uniform_prior(-1.0, 1.0), 0.0, 2000, rng)
    >>> data.x.shape, data.theta.shape, float(data.y.mean()), data.t_xz.shape
    ((2000, 1), (2000, 1), 0.5, (2000, 1))
    >>> model, history = train_estimator("alices", *data, config=RatioConfig(hidden=(16,), epochs=2))
    >>> model.log_r(data.x[:3], 0.5).shape, len(history.val_loss)
    ((3,), 2)
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np
import torch
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.bundle import CARD_SCHEMA_VERSION
from hepsurrogates.models.ratio.toy import theta_points
from hepsurrogates.provenance import code_revision as _code_revision

from ..domain import input_domain
from ..fit import FitHistory, seed_everything
from ..networks import Standardize, count_parameters, mlp, mlp_flops
from .losses import METHODS, SCORE_METHODS, method_loss, sally_loss

__all__ = ["JointSimulator", "RatioSample", "RatioConfig", "ParameterizedRatio", "LocalScore", "uniform_prior",
           "make_training_sample", "make_local_sample", "ratio_features", "train_estimator", "ratio_card", "score_card"]

#: methods whose loss needs the joint ratio r_xz
_NEEDS_R = frozenset({"rolr", "rascal", "alice", "alices"})


class JointSimulator(Protocol):
    """What a simulator offers for the augmented training data (e.g. the toy's
    :class:`~hepsurrogates.models.ratio.toy.QuadraticToy`)."""

    def simulate(self, theta: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]: ...

    def log_r_xz(self, z: Any, theta0: Any, theta1: Any) -> np.ndarray: ...

    def t_xz(self, z: Any, theta: Any) -> np.ndarray: ...


class RatioSample(NamedTuple):
    """MadMiner's ratio training arrays: x (n, n_x), θ0 (n, p), y (n,), r_xz (n,), t_xz (n, p)."""

    x: np.ndarray
    theta: np.ndarray
    y: np.ndarray
    r_xz: np.ndarray
    t_xz: np.ndarray


@dataclass
class RatioConfig:
    """Network and optimiser settings (MadMiner's defaults: tanh, AMSGrad, lr 1e-3 → 1e-4, α = 1)."""

    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    #: weight of the score term (RASCAL, CASCAL, ALICES)
    alpha: float = 1.0
    epochs: int = 20
    batch_size: int = 128
    learning_rate: float = 1e-3
    final_learning_rate: float = 1e-4
    validation_fraction: float = 0.25
    #: keep the epoch of least validation loss (MadMiner's ``early_stopping``)
    early_stopping: bool = True
    log_r_clip: float = 10.0
    clip_grad_norm: float | None = None
    seed: int = 1
    #: torch intra-op threads (None: leave as it is)
    threads: int | None = 1
    #: columns of x replaced by their logarithm inside the graph, before the standardisation (positive,
    #: steeply falling observables such as a mass: the tail stays within a few standard deviations,
    #: where tanh units do not saturate)
    log_inputs: tuple[int, ...] = ()


def _rows(values: Any, name: str) -> np.ndarray:
    """A finite (n, k) float64 array from (n,) or (n, k)."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    if v.ndim != 2 or len(v) == 0:
        raise InvalidArgumentError(f"{name}: expected a non-empty array (n,) or (n, k), got shape {v.shape}")
    if not np.isfinite(v).all():
        raise InvalidArgumentError(f"{name}: non-finite values")
    return v


def _theta_rows(theta: Any, n: int, p: int) -> np.ndarray:
    """θ as (n, p): a scalar (p = 1), one point (p,), or one per event ((n, p); (n,) when p = 1)."""
    return np.broadcast_to(theta_points(theta, n, p), (n, p)).copy()


def ratio_features(x: Any, theta: Any, n_params: int | None = None) -> np.ndarray:
    """The network input [x…, θ…] (float32, (n, n_x + p)) from x (n,) / (n, n_x) and θ a point or
    one per event (as in :class:`ParameterizedRatio`). Without ``n_params``, a 1-D θ as long as x is
    read as one parameter per event, any other 1-D θ as one point."""
    xr = _rows(x, "x")
    if n_params is not None:
        p = int(n_params)
    elif np.ndim(theta) == 2:
        p = int(np.shape(theta)[1])
    elif np.ndim(theta) == 1 and len(theta) != len(xr):
        p = len(theta)
    else:
        p = 1
    return np.concatenate([xr, _theta_rows(theta, len(xr), p)], axis=1).astype(np.float32)


class LogColumns(nn.Module):
    """x with the columns ``columns`` replaced by log(max(x, 1e-30)) (an ONNX-exportable mask, no indexing)."""

    def __init__(self, width: int, columns: Sequence[int] = ()) -> None:
        super().__init__()
        mask = torch.zeros(int(width), dtype=torch.bool)
        for c in columns:
            if not 0 <= int(c) < width:
                raise InvalidArgumentError(f"log_inputs: column {c} outside the {width} inputs")
            mask[int(c)] = True
        self.register_buffer("mask", mask)
        self.columns = tuple(int(c) for c in columns)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.columns:
            return x
        return torch.where(self.mask, torch.log(torch.clamp(x, min=1e-30)), x)


class RatioMethods:
    """log r̂ and its θ-gradient, evaluated on numpy arrays, for any module ``features = [x…, θ…] → log r̂``
    with ``n_x`` and ``n_params`` (:class:`ParameterizedRatio` and the calibrated wrappers of it)."""

    n_x: int
    n_params: int

    def log_r_and_score(self, features: torch.Tensor, create_graph: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """(log r̂ (n,), t̂ = ∇_θ log r̂ (n, p)) by autograd; ``create_graph`` to train on t̂."""
        features = features.detach().requires_grad_(True)
        with torch.enable_grad():
            log_r = self(features)
            (grad,) = torch.autograd.grad(log_r.sum(), features, create_graph=create_graph)
        return log_r, grad[:, self.n_x :]

    def log_r(self, x: Any, theta: Any) -> np.ndarray:
        """log r̂(x|θ, θ1) as float64 (n,) for x (n,) / (n, n_x) and θ a point or one per event."""
        feats = torch.as_tensor(ratio_features(x, theta, self.n_params))
        self.eval()
        with torch.no_grad():
            return self(feats).double().numpy()

    def score(self, x: Any, theta: Any) -> np.ndarray:
        """t̂(x|θ) = ∇_θ log r̂(x|θ, θ1) as float64 (n, p)."""
        self.eval()
        _, t = self.log_r_and_score(torch.as_tensor(ratio_features(x, theta, self.n_params)), create_graph=False)
        return t.detach().double().numpy()


class ParameterizedRatio(RatioMethods, nn.Module):
    """log r̂(x|θ, θ1) from one input ``features`` = [x…, θ…] (n, n_x + p); returns (n,).

    Args:
        n_x, n_params: widths of x and θ.
        hidden, activation: the MLP (:func:`~hepsurrogates.training.networks.mlp`).
        mean, std: standardisation of the features (the training sample's), fixed buffers.
    """

    def __init__(self, n_x: int, n_params: int, hidden: Sequence[int], activation: str, mean: torch.Tensor,
                 std: torch.Tensor, log_inputs: Sequence[int] = ()) -> None:
        super().__init__()
        self.n_x, self.n_params = int(n_x), int(n_params)
        self.hidden, self.activation = tuple(int(h) for h in hidden), str(activation)
        self.logs = LogColumns(self.n_x + self.n_params, log_inputs)
        self.standardize = Standardize(mean, std)
        self.network = mlp(self.n_x + self.n_params, self.hidden, 1, self.activation)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.network(self.standardize(self.logs(features))).squeeze(-1)

    @property
    def theta_scale(self) -> torch.Tensor:
        """The standard deviations of θ in the standardisation (MadMiner's parameter scaling)."""
        return self.standardize.std[self.n_x :]

class LocalScore(nn.Module):
    """SALLY's t̂(x|θ_ref) from x (n, n_x); returns (n, p). Arguments as :class:`ParameterizedRatio`."""

    def __init__(self, n_x: int, n_params: int, hidden: Sequence[int], activation: str, mean: torch.Tensor,
                 std: torch.Tensor, log_inputs: Sequence[int] = ()) -> None:
        super().__init__()
        self.n_x, self.n_params = int(n_x), int(n_params)
        self.hidden, self.activation = tuple(int(h) for h in hidden), str(activation)
        self.logs = LogColumns(self.n_x, log_inputs)
        self.standardize = Standardize(mean, std)
        self.network = mlp(self.n_x, self.hidden, self.n_params, self.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(self.standardize(self.logs(x)))

    def score(self, x: Any) -> np.ndarray:
        """t̂(x|θ_ref) as float64 (n, p)."""
        self.eval()
        with torch.no_grad():
            return self(torch.as_tensor(_rows(x, "x"), dtype=torch.float32)).double().numpy()


def uniform_prior(low: float | Sequence[float], high: float | Sequence[float]) -> Callable[[int, np.random.Generator],
                                                                                           np.ndarray]:
    """A prior π(θ) uniform on the box [low, high] (per component): ``prior(n, rng) -> (n, p)``."""
    lo = np.atleast_1d(np.asarray(low, dtype=np.float64))
    hi = np.atleast_1d(np.asarray(high, dtype=np.float64))
    if lo.shape != hi.shape or lo.ndim != 1 or not np.all(hi > lo):
        raise InvalidArgumentError(f"uniform_prior: need low < high per component, got {low!r}, {high!r}")

    def prior(n: int, rng: np.random.Generator) -> np.ndarray:
        return lo + (hi - lo) * rng.random((int(n), len(lo)))

    return prior


def make_training_sample(simulator: JointSimulator, theta0_prior: Callable[[int, np.random.Generator], np.ndarray],
                         theta1: Any, n: int, rng: np.random.Generator) -> RatioSample:
    """MadMiner's ``sample_train_ratio``: θ0 ~ prior for every event, n//2 events x ~ p(x|θ0) (y = 0) and
    the rest x ~ p(x|θ1) (y = 1), each with r_xz = r(x, z|θ0, θ1) and t_xz = t(x, z|θ0); shuffled.

    Raises:
        InvalidArgumentError: n < 2, or a prior draw that is not (n, p) and finite.
    """
    if int(n) != n or n < 2:
        raise InvalidArgumentError(f"make_training_sample: n must be an integer ≥ 2, got {n!r}")
    n = int(n)
    theta0 = np.asarray(theta0_prior(n, rng), dtype=np.float64)
    if theta0.ndim == 1:
        theta0 = theta0[:, None]
    if theta0.shape[0] != n or theta0.ndim != 2 or not np.isfinite(theta0).all():
        raise InvalidArgumentError(f"make_training_sample: the prior returned shape {theta0.shape}, expected ({n}, p)")
    p = theta0.shape[1]
    n0 = n // 2
    theta1_point = _theta_rows(theta1, 1, p)
    x0, z0 = simulator.simulate(theta0[:n0], n0, rng)
    x1, z1 = simulator.simulate(theta1_point, n - n0, rng)
    x = np.concatenate([np.asarray(x0).reshape(n0, -1), np.asarray(x1).reshape(n - n0, -1)])
    z = np.concatenate([z0, z1])
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    r_xz = np.exp(simulator.log_r_xz(z, theta0, np.repeat(theta1_point, n, axis=0)))
    t_xz = np.asarray(simulator.t_xz(z, theta0)).reshape(n, p)
    order = rng.permutation(n)
    return RatioSample(x[order], theta0[order], y[order], r_xz[order], t_xz[order])


def make_local_sample(simulator: JointSimulator, theta_ref: Any, n: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """MadMiner's ``sample_train_local``: x ~ p(x|θ_ref) with the joint score t(x, z|θ_ref).

    Returns:
        x (n, n_x) and t_xz (n, p).
    """
    if int(n) != n or n < 1:
        raise InvalidArgumentError(f"make_local_sample: n must be a positive integer, got {n!r}")
    x, z = simulator.simulate(theta_ref, int(n), rng)
    t = np.asarray(simulator.t_xz(z, theta_ref))
    return np.asarray(x).reshape(int(n), -1), t.reshape(int(n), -1)


def _batch_loss(model: nn.Module, method: str, cfg: RatioConfig, feats: torch.Tensor, y: torch.Tensor | None,
                r: torch.Tensor | None, t: torch.Tensor | None, create_graph: bool) -> torch.Tensor:
    if method == "sally":
        return sally_loss(model(feats), t)
    if method in SCORE_METHODS:
        log_r, t_hat = model.log_r_and_score(feats, create_graph=create_graph)
        scale = model.theta_scale
        return method_loss(method, log_r, t_hat * scale, y, r, t * scale, cfg.alpha, cfg.log_r_clip)
    return method_loss(method, model(feats), None, y, r, None, cfg.alpha, cfg.log_r_clip)


def train_estimator(method: str, x: Any, theta: Any = None, y: Any = None, r_xz: Any = None, t_xz: Any = None,
                    config: RatioConfig | None = None) -> tuple[nn.Module, FitHistory]:
    """Train one of :data:`~.losses.METHODS` on plain arrays: those of MadMiner's
    ``ParameterizedRatioEstimator.train`` / ``ScoreEstimator.train``, in the order of :class:`RatioSample`.

    Args:
        method: ``carl``, ``rolr``, ``rascal``, ``alice``, ``alices``, ``cascal`` (a
            :class:`ParameterizedRatio`) or ``sally`` (a :class:`LocalScore`, from x and t_xz at θ_ref).
        x: observables (n,) or (n, n_x).
        theta: the numerator points θ0 (n, p) (or (n,)); unused by SALLY.
        y: labels, 0 for θ0 events, 1 for θ1 events; unused by SALLY.
        r_xz: joint ratios r(x, z|θ0, θ1) (ROLR, RASCAL, ALICE, ALICES).
        t_xz: joint scores t(x, z|θ0) (RASCAL, CASCAL, ALICES), or t(x, z|θ_ref) for SALLY.
        config: network and optimiser settings.

    Returns:
        The trained model (eval mode, the epoch of least validation loss) and its history.

    Raises:
        InvalidArgumentError: unknown method, missing or inconsistent arrays.
    """
    cfg = config or RatioConfig()
    if method not in METHODS:
        raise InvalidArgumentError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    if not 0.0 < cfg.validation_fraction < 1.0:
        raise InvalidArgumentError(f"validation_fraction must lie in (0, 1), got {cfg.validation_fraction!r}")
    xr = _rows(x, "x")
    n = len(xr)
    arrays: dict[str, np.ndarray | None] = {"y": None, "r_xz": None, "t_xz": None}
    if method == "sally":
        if t_xz is None:
            raise InvalidArgumentError("sally needs t_xz, the joint score at the reference point")
        arrays["t_xz"] = _rows(t_xz, "t_xz")
        inputs, p = xr, arrays["t_xz"].shape[1]
    else:
        if theta is None or y is None:
            raise InvalidArgumentError(f"{method} needs theta and y")
        th = _rows(theta, "theta")
        p = th.shape[1]
        if len(th) != n:
            raise InvalidArgumentError(f"theta: {len(th)} rows for {n} events")
        yr = np.asarray(y, dtype=np.float64).reshape(-1)
        if not np.all((yr == 0.0) | (yr == 1.0)):
            raise InvalidArgumentError("y: labels must be 0 (θ0 events) or 1 (θ1 events)")
        arrays["y"] = yr
        if method in _NEEDS_R:
            if r_xz is None:
                raise InvalidArgumentError(f"{method} needs r_xz, the joint likelihood ratio")
            rr = np.asarray(r_xz, dtype=np.float64).reshape(-1)
            if np.any(np.isnan(rr)) or np.any(rr < 0):
                raise InvalidArgumentError("r_xz: joint ratios must be non-negative numbers")
            arrays["r_xz"] = rr
        if method in SCORE_METHODS:
            if t_xz is None:
                raise InvalidArgumentError(f"{method} needs t_xz, the joint score at θ0")
            arrays["t_xz"] = _rows(t_xz, "t_xz")
        inputs = np.concatenate([xr, th], axis=1)
    for key, arr in arrays.items():
        if arr is not None and len(arr) != n:
            raise InvalidArgumentError(f"{key}: {len(arr)} rows for {n} events")
    if arrays["t_xz"] is not None and arrays["t_xz"].shape[1] != p:
        raise InvalidArgumentError(f"t_xz: {arrays['t_xz'].shape[1]} components for {p} parameters")

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    generator = seed_everything(cfg.seed)
    perm = torch.randperm(n, generator=generator)
    n_val = max(1, int(round(cfg.validation_fraction * n)))
    if n - n_val < 1:
        raise InvalidArgumentError(f"{n} events leave no training events after the validation split")
    val_idx, train_idx = perm[:n_val], perm[n_val:]
    feats = torch.as_tensor(inputs, dtype=torch.float32)
    tensors = {k: None if a is None else torch.as_tensor(a, dtype=torch.float32) for k, a in arrays.items()}
    if any(not 0 <= int(c) < xr.shape[1] for c in cfg.log_inputs):
        raise InvalidArgumentError(f"log_inputs {list(cfg.log_inputs)}: x has {xr.shape[1]} columns")
    if cfg.log_inputs and np.any(xr[:, list(cfg.log_inputs)] <= 0.0):
        raise InvalidArgumentError(f"log_inputs: columns {list(cfg.log_inputs)} of x must be positive")
    logs = LogColumns(feats.shape[1], cfg.log_inputs)
    with torch.no_grad():
        shown = logs(feats[train_idx])
    mean, std = shown.mean(dim=0), shown.std(dim=0)
    cls = LocalScore if method == "sally" else ParameterizedRatio
    model = cls(xr.shape[1], p, cfg.hidden, cfg.activation, mean, std, cfg.log_inputs)

    def take(idx: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (feats[idx], *(None if v is None else v[idx] for v in tensors.values()))

    def loss_of(idx: torch.Tensor, create_graph: bool) -> torch.Tensor:
        if not create_graph and method not in SCORE_METHODS:
            with torch.no_grad():
                return _batch_loss(model, method, cfg, *take(idx), create_graph=False)
        return _batch_loss(model, method, cfg, *take(idx), create_graph=create_graph)

    history = run_epochs(model, loss_of, train_idx, val_idx, generator, name=method, epochs=cfg.epochs,
                         batch_size=cfg.batch_size, learning_rate=cfg.learning_rate,
                         final_learning_rate=cfg.final_learning_rate, early_stopping=cfg.early_stopping,
                         clip_grad_norm=cfg.clip_grad_norm)
    return model, history


def run_epochs(model: nn.Module, loss_of: Callable[[torch.Tensor, bool], torch.Tensor], train_idx: torch.Tensor,
               val_idx: torch.Tensor, generator: torch.Generator, *, name: str, epochs: int, batch_size: int,
               learning_rate: float, final_learning_rate: float, early_stopping: bool = True,
               clip_grad_norm: float | None = None) -> FitHistory:
    """The training loop of the ratio family's estimators (MadMiner's): Adam with AMSGrad, the
    learning rate decayed exponentially from ``learning_rate`` to ``final_learning_rate``, shuffled
    mini-batches, the validation loss after every epoch, and (``early_stopping``) the state of the
    epoch of least validation loss restored at the end (the model is left in eval mode).

    ``loss_of(indices, create_graph)`` is the mean loss of those events (``create_graph``: for
    training, where a score term's gradient must itself be differentiable).

    Raises:
        FloatingPointError: a non-finite validation loss.
    """
    opt = torch.optim.Adam(model.parameters(), lr=learning_rate, amsgrad=True)
    n_val = len(val_idx)

    def validation_loss() -> float:
        model.eval()
        total = 0.0
        for i in range(0, n_val, 8192):
            idx = val_idx[i : i + 8192]
            total += float(loss_of(idx, False).detach()) * len(idx)
        return total / n_val

    history = FitHistory()
    best, best_state = math.inf, copy.deepcopy(model.state_dict())
    t0 = time.perf_counter()
    for epoch in range(epochs):
        lr = learning_rate * (final_learning_rate / learning_rate) ** (epoch / max(epochs - 1, 1))
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        order = train_idx[torch.randperm(len(train_idx), generator=generator)]
        running = 0.0
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_of(idx, True)
            loss.backward()
            if clip_grad_norm:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
            opt.step()
            running += float(loss.detach()) * len(idx)
        val = validation_loss()
        history.train_loss.append(running / len(order))
        history.val_loss.append(val)
        history.learning_rate.append(lr)
        if not math.isfinite(val):
            raise FloatingPointError(f"{name}: non-finite validation loss at epoch {epoch}")
        if val < best or not early_stopping:
            best, best_state, history.best_epoch = val, copy.deepcopy(model.state_dict()), epoch
    model.load_state_dict(best_state)
    model.eval()
    history.seconds = time.perf_counter() - t0
    return history


def _preprocessing(model: ParameterizedRatio | LocalScore, names: Sequence[str]) -> str:
    logs = [str(names[c]) for c in model.logs.columns]
    return ((f"log of {', '.join(logs)}, then " if logs else "") + f"the inputs [{', '.join(names)}] standardised with "
            "the training split's mean/std, inside the graph")


def ratio_card(model: ParameterizedRatio, *, name: str, method: str, theta1: Any, x_names: Sequence[str],
               parameter_names: Sequence[str], parameter_ranges: Sequence[Sequence[float]], train_features: np.ndarray,
               sample: str, seed: int, metrics: dict[str, Any], config: RatioConfig | None = None,
               x_units: Sequence[str] | None = None, validation_features: np.ndarray | None = None,
               description: str | None = None, reference: str | None = None, version: str = "1.0.0",
               command: str | None = None, code_revision: str | None = None,
               parameter_units: Sequence[str] | None = None) -> dict[str, Any]:
    """The card (schema :data:`~hepsurrogates.models.bundle.CARD_SCHEMA_VERSION`) of a
    :class:`ParameterizedRatio` bundle of family ``ratio``: input ``features`` = [x…, θ…], output
    ``log_r``; the θ components are the card's ``parameters``; the domain is the quantile range
    of ``train_features`` (the training rows [x, θ]).

    Raises:
        InvalidArgumentError: names or ranges that do not match the model's widths.
    """
    if len(x_names) != model.n_x or len(parameter_names) != model.n_params or len(parameter_ranges) != model.n_params:
        raise InvalidArgumentError(
            f"ratio_card: the model takes {model.n_x} observables and {model.n_params} parameters; got "
            f"{len(x_names)} x names, {len(parameter_names)} parameter names, {len(parameter_ranges)} ranges")
    units = list(x_units) if x_units is not None else ["1"] * model.n_x
    theta1_list = [float(v) for v in np.atleast_1d(np.asarray(theta1, dtype=np.float64))]
    names = [*x_names, *parameter_names]
    train_features = np.asarray(train_features, dtype=np.float64)
    others = {} if validation_features is None else {"validation": np.asarray(validation_features, dtype=np.float64)}
    return {
        "schema_version": CARD_SCHEMA_VERSION,
        "family": "ratio",
        "name": name,
        "version": version,
        "description": description or f"{method.upper()} estimate of log r(x|theta, theta1) against the fixed "
                                      f"reference theta1 = {theta1_list}",
        "reference": reference or "MadMiner (arXiv 1805.00013, 1805.12244, 1808.00973); losses as madminer 0.9.6",
        "inputs": {"name": "features", "width": model.n_x + model.n_params, "dtype": "float32"},
        "features": [{"name": str(n), "unit": str(u), "description": "observable"} for n, u in zip(x_names, units)],
        "outputs": [{"name": "log_r", "unit": "1", "description": "log r(x|theta, theta1) = log p(x|theta) - "
                                                                  f"log p(x|theta1), theta1 = {theta1_list}"}],
        "parameters": [{"name": str(n), "unit": str(u), "range": [float(lo), float(hi)],
                        "description": "numerator parameter theta (the reference theta1 is fixed)"}
                       for n, u, (lo, hi) in zip(parameter_names, parameter_units or ["1"] * model.n_params,
                                                 parameter_ranges)],
        "network": {
            "hidden": list(model.hidden),
            "activation": model.activation,
            "preprocessing": _preprocessing(model, names),
            "n_parameters": count_parameters(model),
            "flops_per_event": mlp_flops(model.n_x + model.n_params, model.hidden, 1),
        },
        "training": {
            "sample": sample,
            "seed": int(seed),
            "n_events": int(len(train_features)),
            "code_revision": code_revision or _code_revision(),
            **({"command": command} if command else {}),
            "method": method,
            "theta1": theta1_list,
            **({"config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}}
               if config is not None else {}),
        },
        "metrics": metrics,
        "domain": input_domain(train_features, names, source=f"training split, {len(train_features)} events",
                               others=others),
        "sha256": "0" * 64,
    }


def score_card(model: LocalScore, *, name: str, theta_ref: Any, x_names: Sequence[str], parameter_names: Sequence[str],
               train_x: np.ndarray, sample: str, seed: int, metrics: dict[str, Any], config: RatioConfig | None = None,
               x_units: Sequence[str] | None = None, parameter_units: Sequence[str] | None = None,
               version: str = "1.0.0", command: str | None = None) -> dict[str, Any]:
    """The card of a SALLY :class:`LocalScore` bundle of family ``ratio``: input ``features`` = x, one output
    ``score`` (n, p) whose components are the card's parameters in order; unit 1/[θ]; the domain is the
    quantile range of ``train_x``.

    Raises:
        InvalidArgumentError: names that do not match the model's widths.
    """
    if len(x_names) != model.n_x or len(parameter_names) != model.n_params:
        raise InvalidArgumentError(f"score_card: the model takes {model.n_x} observables and scores {model.n_params} "
                                   f"parameters; got {len(x_names)} x names and {len(parameter_names)} parameters")
    units = list(x_units) if x_units is not None else ["1"] * model.n_x
    p_units = list(parameter_units) if parameter_units is not None else ["1"] * model.n_params
    ref = [float(v) for v in np.atleast_1d(np.asarray(theta_ref, dtype=np.float64))]
    inverse = p_units[0] if p_units[0] == "1" else f"1/({p_units[0]})"
    return {
        "schema_version": CARD_SCHEMA_VERSION,
        "family": "ratio",
        "name": name,
        "version": version,
        "description": f"SALLY estimate of the score t(x|theta_ref) = grad_theta log p(x|theta) at theta_ref = {ref}, "
                       f"components {list(parameter_names)}",
        "reference": "MadMiner SALLY (arXiv 1805.00013, 1805.00020); loss as madminer 0.9.6",
        "inputs": {"name": "features", "width": model.n_x, "dtype": "float32"},
        "features": [{"name": str(n), "unit": str(u), "description": "observable"} for n, u in zip(x_names, units)],
        "outputs": [{"name": "score", "unit": inverse, "description": "t(x|theta_ref), one component per parameter, "
                                                                    f"in the order {list(parameter_names)}"}],
        "parameters": [],
        "network": {
            "hidden": list(model.hidden),
            "activation": model.activation,
            "preprocessing": _preprocessing(model, list(x_names)),
            "n_parameters": count_parameters(model),
            "flops_per_event": mlp_flops(model.n_x, model.hidden, model.n_params),
        },
        "training": {
            "sample": sample,
            "seed": int(seed),
            "n_events": int(len(train_x)),
            "code_revision": _code_revision(),
            **({"command": command} if command else {}),
            "method": "sally",
            "theta_ref": ref,
            "score_parameters": [{"name": str(n), "unit": str(u)} for n, u in zip(parameter_names, p_units)],
            **({"config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()}}
               if config is not None else {}),
        },
        "metrics": metrics,
        "domain": input_domain(np.asarray(train_x, dtype=np.float64), list(x_names),
                               source=f"training split, {len(train_x)} events"),
        "sha256": "0" * 64,
    }
