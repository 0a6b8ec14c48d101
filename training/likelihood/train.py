r"""Train a likelihood surrogate on S3 and export it as a bundle whose card describes the likelihood.

The recipe of DNNLikelihood (arXiv:1911.03305 §3): inputs and target standardised with the
training split's mean and standard deviation, an MLP with SELU activations, mean-squared error on
the standardised :math:`\ln L`, Adam (lr :math:`10^{-3}`), the learning rate ×0.2 on a plateau of
the validation loss, early stopping on it (best state restored), optionally an ensemble of
independently initialised members whose mean is the output. Sizes are chosen to train in minutes
on two CPU cores (:class:`TrainConfig`); the published trainings took 1–2 GPU hours.

The metrics recorded on the card, all on rows the training never saw or on the exact likelihood:

With ``baseline="quadratic"`` the graph adds the second-order expansion of the exact ln L at its
global maximum and the MLP learns the (standardised) residual (:mod:`.network`); the metrics are
always those of ln L itself.

``profile_weight`` weights the profiled-maximum points of S3 in the MSE (training and validation)
against the S1 points; the reported metrics are unweighted.

* ``test_mse_standardised``: MSE of :math:`(\ln L_{DNN} - \ln L)/s_y` on the test split of S3
  (and on its S1 and profiled-maximum parts); the published figure is :math:`7.2\cdot10^{-4}`;
* ``logpdf_abs_error``: mean and 99th percentile of :math:`|\Delta \ln L|` on the test split;
* ``t_mu``: :math:`t_\mu` from iminuit profile fits on the surrogate (with its gradient output)
  and on the exact likelihood at the same μ values, their mean and maximum absolute difference
  over μ ∈ [0, 1] (published mean: 0.032), and :math:`\hat\mu` of both.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.bundle import CARD_SCHEMA_VERSION
from hepsurrogates.models.likelihood.profile import profile_scan
from hepsurrogates.models.likelihood.surrogate import GRADIENT_OUTPUT, LOGPDF_OUTPUT, LikelihoodSurrogate

from ..domain import input_domain
from ..fit import FitConfig, fit, seed_everything, split_indices
from ..networks import count_parameters, mlp_flops
from .baseline import quadratic_expansion
from .export import export_likelihood_bundle
from .network import LogLikelihoodNet
from .sampling import load_sample, parameter_bounds
from .teachers import teacher_description

__all__ = ["TrainConfig", "train_likelihood", "LIKELIHOOD_CARD_SCHEMA"]

#: likelihood cards need schema 1.2.0 (parameter-only inputs, priors, the likelihood block)
LIKELIHOOD_CARD_SCHEMA = "1.2.0"
assert CARD_SCHEMA_VERSION <= LIKELIHOOD_CARD_SCHEMA


@dataclass
class TrainConfig:
    """Network and optimiser settings (defaults: the shipped toy bundle)."""

    hidden: tuple[int, ...] = (128, 128)
    members: int = 1
    n_points: int = 300_000
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    batch_size: int = 512
    learning_rate: float = 1e-3
    lr_factor: float = 0.2
    lr_patience: int = 10
    patience: int = 30
    max_epochs: int = 300
    min_lr: float = 1e-6
    threads: int = 1
    seed: int = 1
    t_mu_points: int = 11
    gradient_output: bool = True
    baseline: str = "quadratic"
    max_minutes: float | None = None
    profile_weight: float = 3.0
    name: str = "likelihood_toy"
    version: str = "1.0.0"
    extra: dict[str, Any] = field(default_factory=dict)


class _Standardised(torch.nn.Module):
    """Training view of one member: standardised inputs to standardised output."""

    def __init__(self, net: LogLikelihoodNet, member: int) -> None:
        super().__init__()
        self.member = net.members[member]

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.member(u)


def _mse(pred: torch.Tensor, target: torch.Tensor, weights: torch.Tensor, epoch: int) -> torch.Tensor:
    return torch.sum(weights * (pred - target) ** 2) / torch.sum(weights)


def _revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def t_mu_comparison(teacher: Any, surrogate: LikelihoodSurrogate, mu: np.ndarray) -> dict[str, Any]:
    """t_μ of the exact likelihood and of the surrogate at ``mu`` (iminuit fits on both)."""
    bounds = parameter_bounds(teacher)
    poi = teacher.poi_index
    exact = profile_scan(teacher.logpdf, mu, teacher.nominal(), bounds, poi=poi)
    dnn = profile_scan(surrogate.logpdf, mu, teacher.nominal(), bounds, poi=poi, gradient=surrogate.gradient)
    diff = np.abs(dnn.t_mu - exact.t_mu)
    return {"mu": mu.tolist(), "t_mu_exact": exact.t_mu.tolist(), "t_mu_surrogate": dnn.t_mu.tolist(),
            "mean_abs_error": float(diff.mean()), "max_abs_error": float(diff.max()),
            "mu_hat_exact": float(exact.best.x[poi]), "mu_hat_surrogate": float(dnn.best.x[poi]),
            "seconds_exact": exact.seconds, "seconds_surrogate": dnn.seconds}


def train_likelihood(teacher: Any, samples: str | Path, out: str | Path, config: TrainConfig | None = None,
                     progress: bool = True, command: str = "") -> dict[str, Any]:
    """Train on ``samples/s3.npz``, export ``out/<name>.onnx`` (+ card, train.json); returns the metrics.

    Raises:
        InvalidArgumentError: the sample was drawn for other parameters than the teacher's, or
            has fewer rows than three splits need.
    """
    cfg = config or TrainConfig()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    x_all, y_all, names, meta = load_sample(Path(samples) / "s3.npz")
    if names != list(teacher.parameter_names):
        raise InvalidArgumentError(f"{samples}: sampled for {len(names)} parameters {names[:3]}…, the teacher has "
                                   f"{len(teacher.parameter_names)} {teacher.parameter_names[:3]}…")
    finite = np.isfinite(y_all)
    x_all, y_all = x_all[finite], y_all[finite]
    n_s1 = int(meta["parts"]["S1"])
    is_s1 = np.arange(len(finite))[finite] < n_s1
    rng = np.random.default_rng(cfg.seed)
    use = rng.permutation(len(x_all))[:min(cfg.n_points, len(x_all))]
    if len(use) < 30:
        raise InvalidArgumentError(f"{samples}: {len(use)} usable points, too few to split")
    x, y, s1 = x_all[use].astype(np.float32), y_all[use], is_s1[use]
    tr, va, te = split_indices(len(x), cfg.fractions, cfg.seed)
    x_mean = torch.as_tensor(x[tr].mean(axis=0))
    x_std = torch.as_tensor(x[tr].std(axis=0))
    y_std_full = float(y[tr].std())
    if cfg.baseline not in ("none", "quadratic"):
        raise InvalidArgumentError(f"baseline must be 'none' or 'quadratic', got {cfg.baseline!r}")
    target = y
    expansion = None
    if cfg.baseline == "quadratic":
        centre = np.asarray(meta["global_maximum"]["x"], dtype=np.float64)
        expansion = quadratic_expansion(teacher.logpdf, centre)
        c, g, h = expansion
        delta = x.astype(np.float64) - centre
        target = y - (c + delta @ g + 0.5 * np.einsum("ni,ij,nj->n", delta, h, delta))
    y_mean, y_std = float(target[tr].mean()), float(target[tr].std())
    gen = seed_everything(cfg.seed)
    net = LogLikelihoodNet(x.shape[1], cfg.hidden, x_mean, x_std, y_mean, y_std, members=cfg.members)
    if expansion is not None:
        net.set_baseline(torch.as_tensor(centre), expansion[0], torch.as_tensor(expansion[1]),
                         torch.as_tensor(expansion[2]))
    u = ((torch.as_tensor(x) - net.x_mean) / net.x_std).numpy()
    z = ((target - y_mean) / y_std).astype(np.float32)
    ones = np.where(s1, 1.0, cfg.profile_weight).astype(np.float32)
    fit_cfg = FitConfig(batch_size=cfg.batch_size, learning_rate=cfg.learning_rate, max_epochs=cfg.max_epochs,
                        patience=cfg.patience, lr_patience=cfg.lr_patience, lr_factor=cfg.lr_factor,
                        min_lr=cfg.min_lr, clip_grad_norm=None, threads=cfg.threads, progress=progress,
                        max_seconds=None if cfg.max_minutes is None else 60.0 * cfg.max_minutes / cfg.members)
    t0 = time.perf_counter()
    histories = []
    for k in range(cfg.members):
        seed_everything(cfg.seed + 100 * k)
        h = fit(_Standardised(net, k), _mse, (u[tr], z[tr], ones[tr]), (u[va], z[va], ones[va]), fit_cfg, gen,
                description=f"member {k}")
        histories.append({"best_epoch": h.best_epoch, "epochs": len(h.val_loss), "best_val_mse": min(h.val_loss),
                          "stopped_early": h.stopped_early, "stopped_on_time": h.stopped_on_time,
                          "seconds": h.seconds, "val_loss": h.val_loss, "train_loss": h.train_loss})
    train_seconds = time.perf_counter() - t0
    net.eval()
    with torch.no_grad():
        pred = net.logpdf(torch.as_tensor(x[te])).numpy().astype(np.float64)
    err = pred - y[te]
    zerr2 = (err / y_std_full) ** 2
    metrics: dict[str, Any] = {
        "test_mse_standardised": float(zerr2.mean()),
        "test_mse_standardised_s1_part": float(zerr2[s1[te]].mean()) if s1[te].any() else None,
        "test_mse_standardised_profile_part": float(zerr2[~s1[te]].mean()) if (~s1[te]).any() else None,
        "logpdf_abs_error": {"mean": float(np.abs(err).mean()), "p99": float(np.quantile(np.abs(err), 0.99))},
        "n_train": int(len(tr)), "n_validation": int(len(va)), "n_test": int(len(te)),
        "logpdf_std_train": y_std_full, "target_std_train": y_std,
        "training_seconds": train_seconds,
        "published": {"test_mse_standardised": 7.2e-4, "t_mu_mean_abs_error": 0.032, "training_seconds": 7114,
                      "network_parameters": 25_500_000},
    }
    description = teacher_description(teacher)
    n_params = count_parameters(net)
    card = {
        "schema_version": LIKELIHOOD_CARD_SCHEMA, "family": "likelihood", "name": cfg.name, "version": cfg.version,
        "description": "DNN surrogate of the full log-likelihood ln L(mu, theta) (Poisson terms plus the constraint "
                       "terms of the nuisances), with its gradient; inputs are the likelihood's parameters in order",
        "reference": "arXiv:1911.03305 (DNNLikelihood); the toy: arXiv:1809.05548",
        "inputs": {"name": "parameters", "width": int(x.shape[1]), "dtype": "float32"},
        "features": [],
        "outputs": [
            {"name": LOGPDF_OUTPUT, "unit": "1", "description": "ln L: Poisson terms plus the constraint terms of "
                                                              "the parameters with constraint_in_logpdf"},
            {"name": GRADIENT_OUTPUT, "unit": "1", "description": "d ln L / d parameters, in input order"},
        ][:2 if cfg.gradient_output else 1],
        "parameters": teacher.parameters(),
        "network": {"hidden": list(cfg.hidden), "activation": "selu", "members": cfg.members,
                    "baseline": ("quadratic expansion of the exact ln L at its global maximum (in the graph); the "
                                 "MLP learns the residual" if cfg.baseline == "quadratic" else "none"),
                    "preprocessing": "inputs standardised with the training split's mean/std, output de-standardised "
                                     "(both inside the graph); the gradient is back-propagated inside the graph",
                    "n_parameters": n_params, "flops_per_event": cfg.members * mlp_flops(x.shape[1], cfg.hidden, 1)},
        "training": {"sample": f"S3 of {samples} ({meta['parts']})", "seed": cfg.seed, "n_events": int(len(tr)),
                     "code_revision": _revision(), "command": command, "teacher_options": {"sampling": meta["config"]},
                     "config": {k: v for k, v in asdict(cfg).items() if k != "extra"}},
        "likelihood": {"poi": teacher.parameter_names[teacher.poi_index],
                       "workspace_sha256": description["workspace_sha256"], "teacher": description,
                       "output": "ln L: Poisson terms plus the constraint terms of the parameters with "
                                 "constraint_in_logpdf (the quantity pyhf's logpdf returns)",
                       **({"gradient_output": GRADIENT_OUTPUT} if cfg.gradient_output else {})},
        "metrics": metrics,
        "domain": input_domain(x[tr].astype(np.float64), names, source=f"training split of S3, {len(tr)} points",
                               others={"validation": x[va], "test": x[te]}),
    }
    path = out / f"{cfg.name}.onnx"
    # a first export gives the bundle whose fits measure t_mu; the card then records them
    bundle, dev = export_likelihood_bundle(net, dict(card, sha256="0" * 64), path, x[te[:512]])
    surrogate = LikelihoodSurrogate(bundle)
    metrics["t_mu"] = t_mu_comparison(teacher, surrogate, np.linspace(0.0, 1.0, cfg.t_mu_points))
    metrics["parity"] = dev
    card["metrics"] = metrics
    bundle, dev = export_likelihood_bundle(net, dict(card, sha256="0" * 64), path, x[te[:512]])
    (out / f"{cfg.name}.train.json").write_text(json.dumps({"config": asdict(cfg), "histories": histories,
                                                            "metrics": metrics}, indent=1) + "\n")
    torch.save(net.state_dict(), out / f"{cfg.name}.pt")
    return {"bundle": str(path), "metrics": metrics, "n_parameters": n_params}
