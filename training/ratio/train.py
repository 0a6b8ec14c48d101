r"""Train the ``ratio`` family's bundles on ``dy_contact``: a parameterised log r̂(x|θ, θ_SM) and SALLY's t̂(x|θ_SM).

``hepsurrogates train ratio --config C --out DIR`` runs :func:`train_ratio`:

1. samples: every ``train_data`` entry (``dy_contact`` at one θ_s each: by default the SM and the four
   points ±0.04 TeV⁻² on the axes) is read, or generated when absent
   (:mod:`hepsurrogates.training.samples`), and combined into one mixture sample with its gold
   (:class:`~.data.ContactEvents`); a random ``holdout_fraction`` of the selected events is held out;
2. the parameterised estimator (``ratio_method``, default ALICES, MadMiner's losses) on MadMiner's
   ``sample_train_ratio`` set from the training events: ``theta0_points`` numerator points drawn
   uniformly in the square ``theta_range`` × ``theta_range`` (±0.01 TeV⁻²: several expected standard
   deviations at 10 fb⁻¹), half the draws at θ0 and half at θ1 = SM, each with its joint ratio and
   joint score; SALLY on draws at the SM with their joint score;
3. with ``normalise`` (the default) the normalisation c(θ) = log E_SM[r̂(x|θ, SM)] is fitted on half of the
   held-out events and subtracted inside the graph (:mod:`.normalisation`);
4. both exported as bundles (``<name>_<method>``, ``<name>_sally``), torch = onnxruntime checked;
5. evaluation on the (other) held-out events, weighted to each θ (no resampling): the closure
   :math:`E_{\theta_1}[\hat r(x|\theta_0,\theta_1)] = 1` on a grid of θ0 and :math:`E_{SM}[\hat t] = 0`
   for both score estimates, and the Fisher information per pb at the SM,
   :math:`I_{ij} = \sigma_{sel}\,E[t_i t_j]`, of SALLY, of the parameterised estimator's score and of the
   joint score (the information in the full event, an upper bound); written into both cards and
   ``reports/<name>/metrics.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.datasets.teachers.ratio.contact import PARAMETERS
from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.ratio.features import FEATURE_NAMES, UNITS
from hepsurrogates.provenance import code_revision

from ..config import JsonConfig
from ..export import export_bundle
from ..samples import DataSpec, resolve
from .data import ContactEvents, grid_prior, load_contact_events
from .estimators import (
    LocalScore,
    ParameterizedRatio,
    RatioConfig,
    make_local_sample,
    make_training_sample,
    ratio_card,
    ratio_features,
    score_card,
    train_estimator,
)
from .losses import METHODS
from .normalisation import NormalisedRatio, fit_normalisation

__all__ = ["RatioTrainConfig", "train_ratio", "train_from_options", "evaluate", "DEFAULT_POINTS"]

#: the default training points (η_LL, η_LR) at Λ = 5 TeV: the SM and ±0.04 TeV⁻² on each axis
DEFAULT_POINTS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
THETA_UNIT = "TeV^-2"
SM = np.zeros(2)


def _default_data() -> list[DataSpec]:
    return [DataSpec("dy_contact", 30_000, 31 + k, options={"eta_ll": float(a), "eta_lr": float(b), "mpi": 0.0})
            for k, (a, b) in enumerate(DEFAULT_POINTS)]


@dataclass
class RatioTrainConfig(JsonConfig):
    """Every setting of a ratio training (JSON keys = field names)."""

    name: str = "ratio_dycontact"
    version: str = "1.0.0"
    ratio_method: str = "alices"
    theta_range: list[float] = field(default_factory=lambda: [-0.01, 0.01])
    theta0_points: int = 200
    train_draws: int = 300_000
    sally_draws: int = 300_000
    hidden: list[int] = field(default_factory=lambda: [100, 100])
    #: observables fed to the networks as their logarithm (0: m_ll; its tail would saturate tanh units)
    log_inputs: list[int] = field(default_factory=lambda: [0])
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    final_learning_rate: float = 1e-4
    alpha: float = 1.0
    seed: int = 1
    holdout_fraction: float = 0.25
    #: subtract the normalisation c(θ) = log E_SM[r̂(x|θ, SM)], fitted on half of the held-out events
    #: (:mod:`.normalisation`), inside the graph; the other half measures the closure
    normalise: bool = True
    threads: int | None = None
    train_data: list[DataSpec] = field(default_factory=_default_data)

    @classmethod
    def convert(cls, kwargs: dict[str, Any], source: str) -> dict[str, Any]:
        if "train_data" in kwargs:
            try:
                kwargs["train_data"] = [DataSpec(**v) for v in kwargs["train_data"]]
            except TypeError as err:
                raise InvalidArgumentError(f"{source}: {err}") from None
        return kwargs

    def validate(self, source: str = "<config>") -> None:
        if self.ratio_method not in METHODS or self.ratio_method == "sally":
            raise InvalidArgumentError(f"{source}: ratio_method must be a parameterised method "
                                       f"({', '.join(m for m in METHODS if m != 'sally')}), got {self.ratio_method!r}")
        lo, hi = self.theta_range
        if not lo < 0.0 < hi:
            raise InvalidArgumentError(f"{source}: theta_range must contain the SM (low < 0 < high), got "
                                       f"{self.theta_range}")
        if not 0.0 < self.holdout_fraction < 0.9:
            raise InvalidArgumentError(f"{source}: holdout_fraction must be in (0, 0.9), got {self.holdout_fraction}")
        if not self.train_data or any(d.sample != "dy_contact" for d in self.train_data):
            raise InvalidArgumentError(f"{source}: train_data must list dy_contact samples")
        if min(self.train_draws, self.sally_draws, self.theta0_points, self.epochs) < 1:
            raise InvalidArgumentError(f"{source}: draws, theta0_points and epochs must be positive")

    def estimator_config(self) -> RatioConfig:
        return RatioConfig(hidden=tuple(self.hidden), alpha=self.alpha, epochs=self.epochs,
                           batch_size=self.batch_size, learning_rate=self.learning_rate,
                           final_learning_rate=self.final_learning_rate, seed=self.seed, threads=self.threads,
                           log_inputs=tuple(self.log_inputs))


def evaluation_grid(theta_range: Sequence[float]) -> np.ndarray:
    """The θ0 points of the closure check: the axes' ends, halfway, and the diagonal corner."""
    lo, hi = theta_range
    return np.array([[lo, 0.0], [hi, 0.0], [0.0, lo], [0.0, hi], [0.5 * lo, 0.5 * hi], [0.5 * hi, 0.5 * hi]])


def _information(events: ContactEvents, t: np.ndarray) -> list[list[float]]:
    outer = t[:, :, None] * t[:, None, :]
    mean, _ = events.expectation(outer.reshape(len(t), -1), SM)
    return (events.cross_section(SM)[0] * mean.reshape(2, 2)).tolist()


def evaluate(events: ContactEvents, ratio: ParameterizedRatio | NormalisedRatio, sally: LocalScore,
             theta_range: Sequence[float]) -> dict[str, Any]:
    """Closure and Fisher information on held-out events (module docstring), JSON-ready."""
    closure = []
    for theta0 in evaluation_grid(theta_range):
        r_hat = np.exp(ratio.log_r(events.x, theta0))
        mean, err = events.expectation(r_hat, SM)
        closure.append({"theta0": theta0.tolist(), "mean_r": float(mean), "error": float(err)})
    t_sally = sally.score(events.x)
    t_ratio = ratio.score(events.x, SM)
    t_joint = events.t_xz(np.arange(len(events.x)), SM)
    out: dict[str, Any] = {"holdout_events": len(events.x), "closure_r": closure,
                           "max_abs_closure_deviation": max(abs(c["mean_r"] - 1.0) for c in closure)}
    for name, t in (("sally", t_sally), ("ratio", t_ratio), ("joint", t_joint)):
        mean, err = events.expectation(t, SM)
        out[f"mean_score_{name}"] = {"value": mean.tolist(), "error": err.tolist()}
        out[f"fisher_per_pb_{name}"] = _information(events, t)
    out["sigma_sel_sm_pb"] = float(events.cross_section(SM)[0])
    out["sigma_sel_basis_pb"] = events.sigma_basis.tolist()
    out["basis"] = events.morphing.basis.tolist()
    return out


def _filesets(cfg: RatioTrainConfig, samples_dir: Path, progress: bool) -> list[str]:
    out = []
    for spec in cfg.train_data:
        resolve(spec, samples_dir, progress)
        out.append(spec.fileset or str(spec.directory(samples_dir) / "fileset.json"))
    return out


def train_ratio(cfg: RatioTrainConfig, out_dir: str | Path, *, samples_dir: str | Path = "samples",
                progress: bool = True, command: str = "") -> dict[str, Any]:
    """Train, export and evaluate both bundles (module docstring); returns the summary."""
    cfg.validate()
    out = Path(out_dir)
    filesets = _filesets(cfg, Path(samples_dir), progress)
    events = load_contact_events(filesets)
    rng = np.random.default_rng(cfg.seed)
    split = rng.random(len(events.x))
    holdout = split < cfg.holdout_fraction
    train, test = events.subset(~holdout), events.subset(holdout)
    calibration = split < 0.5 * cfg.holdout_fraction  # half of the held-out events
    if cfg.normalise:
        cal, test = events.subset(calibration), events.subset(holdout & ~calibration)
    lo, hi = cfg.theta_range
    est = cfg.estimator_config()
    sample = make_training_sample(train, grid_prior(lo, hi, cfg.theta0_points, cfg.seed), SM, cfg.train_draws, rng)
    ratio, ratio_history = train_estimator(cfg.ratio_method, *sample, config=est)
    normalisation: dict[str, Any] = {}
    if cfg.normalise:
        grid = np.stack(np.meshgrid(*[np.linspace(lo, hi, 7)] * 2, indexing="ij"), axis=-1).reshape(-1, 2)
        coefficients, measured = fit_normalisation(lambda th: ratio.log_r(cal.x, th), cal.probabilities(SM), grid)
        ratio = NormalisedRatio(ratio, coefficients)
        normalisation = {"calibration_events": len(cal.x), "coefficients": coefficients.tolist(),
                         "max_abs_c": float(np.abs(measured).max()), "grid_points": len(grid)}
    x_ref, t_ref = make_local_sample(train, SM, cfg.sally_draws, rng)
    sally, sally_history = train_estimator("sally", x_ref, t_xz=t_ref, config=est)
    metrics = evaluate(test, ratio, sally, cfg.theta_range)
    metrics["normalisation"] = normalisation
    metrics["datasets"] = train.datasets
    source = (f"dy_contact at {len(cfg.train_data)} points ({sum(d.events for d in cfg.train_data)} events), "
              f"{len(train.x)} selected training events")
    names = {"ratio": f"{cfg.name}_{cfg.ratio_method}", "sally": f"{cfg.name}_sally"}
    train_features = ratio_features(sample.x, sample.theta, 2)
    card = ratio_card(ratio, name=names["ratio"], method=cfg.ratio_method, theta1=SM, x_names=FEATURE_NAMES,
                      parameter_names=PARAMETERS, parameter_ranges=[cfg.theta_range] * 2,
                      train_features=train_features, sample=source, seed=cfg.seed, metrics=metrics, config=est,
                      x_units=UNITS, version=cfg.version, command=command, parameter_units=[THETA_UNIT] * 2,
                      description=f"{cfg.ratio_method.upper()} estimate of log r(x|theta, SM) for Drell-Yan ll with "
                                  "four-fermion contact interactions, theta = (cLL, cLR) in TeV^-2"
                                  + ("; normalised in the graph: E_SM[r] = 1 at every theta" if cfg.normalise else ""))
    export_bundle(ratio, card, out / f"{names['ratio']}.onnx", train_features[:2000])
    scard = score_card(sally, name=names["sally"], theta_ref=SM, x_names=FEATURE_NAMES, parameter_names=PARAMETERS,
                       train_x=x_ref, sample=source, seed=cfg.seed, metrics=metrics, config=est, x_units=UNITS,
                       parameter_units=[THETA_UNIT] * 2, version=cfg.version, command=command)
    export_bundle(sally, scard, out / f"{names['sally']}.onnx", x_ref[:2000].astype(np.float32))
    (out / f"{cfg.name}.train.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")  # one config, two bundles
    report = out / "reports" / cfg.name
    report.mkdir(parents=True, exist_ok=True)
    summary = {"bundles": {k: str(out / f"{v}.onnx") for k, v in names.items()}, "metrics": metrics,
               "epochs": {"ratio": len(ratio_history.train_loss), "sally": len(sally_history.train_loss)},
               "config": asdict(cfg), "code_revision": code_revision()}
    (report / "metrics.json").write_text(json.dumps(summary, indent=2, default=str) + "\n")
    return summary


def train_from_options(config: str | None = None, data: Sequence[str] | None = None, out: str = "models/shipped",
                       progress: bool = True, command: str = "", samples_dir: str = "samples") -> dict[str, Any]:
    """``hepsurrogates train ratio`` (the registry's entry point): train, and a JSON-ready summary.

    Raises:
        InvalidArgumentError: ``--data`` given (the config names its samples, one per θ point).
    """
    if data:
        raise InvalidArgumentError("train ratio reads its samples from the config's train_data (one dy_contact "
                                   "sample per theta point, each with an optional 'fileset'); --data is not used")
    result = train_ratio(RatioTrainConfig.from_option(config), out, samples_dir=samples_dir, progress=progress,
                         command=command)
    m = result["metrics"]
    return {"bundles": result["bundles"], "max_abs_closure_deviation": m["max_abs_closure_deviation"],
            "fisher_per_pb_sally": m["fisher_per_pb_sally"], "fisher_per_pb_joint": m["fisher_per_pb_joint"],
            "epochs": result["epochs"]}
