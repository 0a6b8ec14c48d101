r"""Train a fastsim model of the W + jet vector and write its sampler bundle and validation report.

``hepsurrogates train fastsim --config C --out DIR`` runs :func:`train_fastsim`:

1. samples: the training sample (``train_data``) and an independent evaluation sample
   (``eval_data``) with its detector replica (the same gen events through an independent
   smearing: the teacher-vs-teacher floor) are read from the given filesets, or generated when
   absent (:mod:`hepsurrogates.training.samples`);
2. inputs and targets from :mod:`hepsurrogates.models.fastsim.features`; a train/validation
   split with the config seed; the residual frame (:mod:`.models`) from the training rows;
3. ``model = "gaussian"`` (the published μ + σ·ε model, MAE and quantile heads, LeakyReLU 0.05)
   or ``"flow"`` (a conditional rational-quadratic spline flow, zuko), Adam with plateau decay
   and early stopping on the validation loss;
4. export of the sampler ([gen, noise] → reco) as a bundle, checked for torch/onnxruntime
   parity; evaluation through onnxruntime on the evaluation sample with the counter-based
   noise of processing (:mod:`hepsurrogates.models.fastsim.noise`, draw 0), against the teacher
   and beside the floor (:mod:`.validation`): per-feature W1 and KS of the 9 regressed and 12
   derived features, correlation matrices, a classifier two-sample test, response in bins of
   gen p_T and η, the selection efficiency; plots and ``metrics.json`` under ``reports/<name>/``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.bundle import CARD_SCHEMA_VERSION, ModelBundle
from hepsurrogates.models.fastsim.features import (
    DERIVED_NAMES,
    GEN_NAMES,
    NOISE_NAMES,
    RECO_NAMES,
    UNITS,
    derived_features,
    passes_selection,
)
from hepsurrogates.models.fastsim.noise import NOISE_LIMIT, counter_normal
from hepsurrogates.provenance import code_revision

from ..config import JsonConfig
from ..domain import input_domain
from ..export import export_bundle
from ..fit import FitConfig, FitHistory, fit, seed_everything, split_indices
from ..networks import count_parameters
from ..samples import DataSpec, one_fileset, resolve, resolve_all
from .data import FastSimDataset, load_fastsim_dataset
from .models import (
    QUANTILE,
    FlowModel,
    FlowSampler,
    GaussianModel,
    GaussianSampler,
    ResidualFrame,
    gaussian_loss,
    polar_context,
)

__all__ = ["FastSimTrainConfig", "FastSimTrainResult", "train_fastsim", "train_from_options", "sample_bundle",
           "evaluate", "train_sampler"]

MODELS = ("gaussian", "flow")


@dataclass
class FastSimTrainConfig(JsonConfig):
    """Every setting of a fastsim training (JSON keys = field names)."""

    name: str = "fastsim_wjets_flow"
    version: str = "1.0.0"
    model: str = "flow"
    hidden: list[int] = field(default_factory=lambda: [128, 128])
    transforms: int = 5
    bins: int = 8
    #: None: autoregressive spline transforms; 2: coupling (faster sampling)
    passes: int | None = None
    #: a random feature order per transform (zuko's ``randperm``) instead of alternating orders
    randperm: bool = False
    batch_size: int = 512
    learning_rate: float = 1e-3
    max_epochs: int = 300
    patience: int = 15
    lr_patience: int = 5
    max_seconds: float | None = 1200.0
    seed: int = 1
    validation_fraction: float = 0.2
    noise_seed: int = 0
    threads: int | None = None
    c2st_events: int = 20_000
    train_data: list[DataSpec] = field(default_factory=lambda: [DataSpec("wjets_munu", 80_000, 13)])
    eval_data: DataSpec = field(default_factory=lambda: DataSpec("wjets_munu", 40_000, 11))

    @classmethod
    def convert(cls, kwargs: dict[str, Any], source: str) -> dict[str, Any]:
        try:
            if "train_data" in kwargs:
                value = kwargs["train_data"]
                kwargs["train_data"] = [DataSpec(**v) for v in (value if isinstance(value, list) else [value])]
            if "eval_data" in kwargs:
                kwargs["eval_data"] = DataSpec(**kwargs["eval_data"])
        except TypeError as err:
            raise InvalidArgumentError(f"{source}: {err}") from None
        return kwargs

    def validate(self, source: str = "<config>") -> None:
        if self.model not in MODELS:
            raise InvalidArgumentError(f"{source}: model must be one of {MODELS}, got {self.model!r}")
        if not self.hidden or min(self.hidden) < 1:
            raise InvalidArgumentError(f"{source}: hidden must list positive layer widths, got {self.hidden}")
        if not 0.0 < self.validation_fraction < 0.5:
            raise InvalidArgumentError(f"{source}: validation_fraction must be in (0, 0.5), got "
                                       f"{self.validation_fraction}")
        if self.transforms < 1 or self.bins < 2:
            raise InvalidArgumentError(f"{source}: need transforms >= 1 and bins >= 2")
        if self.passes is not None and not 2 <= self.passes <= 9:
            raise InvalidArgumentError(f"{source}: passes must be null (autoregressive) or 2..9, got {self.passes}")


@dataclass
class FastSimTrainResult:
    bundle_path: Path
    metrics: dict[str, Any]
    history: FitHistory
    plots: list[Path]


def _frame(x: np.ndarray, y: np.ndarray) -> ResidualFrame:
    r = (y - x).astype(np.float64)
    t = torch.as_tensor
    with torch.no_grad():
        c = polar_context(t(x, dtype=torch.float32)).double()
    return ResidualFrame(t(x.mean(0)), t(x.std(0)), t(r.mean(0)), t(r.std(0)), c.mean(0), c.std(0))


def train_sampler(cfg: FastSimTrainConfig, train: FastSimDataset, val: FastSimDataset,
                  progress: bool) -> tuple[torch.nn.Module, FitHistory, int]:
    """Fit the model of ``cfg`` on ``train`` (early stopping on ``val``); returns the exportable sampler
    ([gen, noise] → reco), the fit history and the model's parameter count."""
    generator = seed_everything(cfg.seed)
    frame = _frame(train.x, train.y)
    fit_cfg = FitConfig(batch_size=cfg.batch_size, learning_rate=cfg.learning_rate, max_epochs=cfg.max_epochs,
                        patience=cfg.patience, lr_patience=cfg.lr_patience, threads=cfg.threads, progress=progress,
                        max_seconds=cfg.max_seconds)
    ones_t, ones_v = np.ones(len(train), np.float32), np.ones(len(val), np.float32)
    if cfg.model == "gaussian":
        model: torch.nn.Module = GaussianModel(frame, cfg.hidden)
        with torch.no_grad():
            tt = frame.residual(torch.as_tensor(train.x), torch.as_tensor(train.y)).numpy()
            tv = frame.residual(torch.as_tensor(val.x), torch.as_tensor(val.y)).numpy()
        history = fit(model, lambda p, t, w, e: gaussian_loss(p, t, w), (train.x, tt, ones_t), (val.x, tv, ones_v),
                      fit_cfg, generator, description="train fastsim (gaussian)")
        sampler: torch.nn.Module = GaussianSampler(model)
    else:
        model = FlowModel(frame, cfg.transforms, cfg.hidden, cfg.bins, cfg.passes, cfg.randperm)

        def nll(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor, epoch: int) -> torch.Tensor:
            return (pred * w).sum() / w.sum()

        xy_t = np.concatenate([train.x, train.y], axis=1)
        xy_v = np.concatenate([val.x, val.y], axis=1)
        history = fit(model, nll, (xy_t, np.zeros(len(train), np.float32), ones_t),
                      (xy_v, np.zeros(len(val), np.float32), ones_v), fit_cfg, generator,
                      description="train fastsim (flow)")
        sampler = FlowSampler(model)
    return sampler.eval(), history, count_parameters(model)


def sample_bundle(bundle: ModelBundle, data: FastSimDataset, draw: int = 0, seed: int = 0,
                  threads: int = 1) -> np.ndarray:
    """Reco-level rows drawn by ``bundle`` for the gen rows of ``data``, with the counter-based
    noise of processing (draw ``draw``): what ``hepsurrogates run --surrogates fastsim`` attaches."""
    eps = counter_normal(data.run, data.lumi, data.event, draw=draw, width=len(RECO_NAMES), seed=seed)
    return bundle.predict(np.concatenate([data.x, eps], axis=1).astype(np.float32), threads=threads)


def _with_derived(rows: np.ndarray) -> np.ndarray:
    d = derived_features(rows)
    return np.concatenate([rows.astype(np.float64), np.stack([d[n] for n in DERIVED_NAMES], axis=1)], axis=1)


def evaluate(teacher: np.ndarray, surrogate: np.ndarray, floor: np.ndarray, gen: np.ndarray,
             c2st_events: int, seed: int, floor_gen: np.ndarray | None = None) -> dict[str, Any]:
    """The validation metrics (module docstring, step 4) of a surrogate sample against the teacher,
    each beside the floor (a second teacher smearing). The classifier test runs twice: on the reco
    features alone (the marginal distribution) and on (gen, reco − gen) pairs (the conditional
    p(reco | gen), which a marginal match can hide)."""
    from .validation import binned_response, c2st_auc, correlation_matrices, per_feature_metrics

    names = [*RECO_NAMES, *DERIVED_NAMES]
    t_all, s_all, f_all = _with_derived(teacher), _with_derived(surrogate), _with_derived(floor)
    n = min(c2st_events, len(teacher), len(floor))
    c2st = c2st_auc(teacher[:n], surrogate[:n], seed=seed)
    c2st_floor = c2st_auc(teacher[:n], floor[:n], seed=seed)
    pairs = {}
    if floor_gen is not None:
        t_pair, s_pair = np.c_[gen, teacher - gen][:n], np.c_[gen, surrogate - gen][:n]
        pairs = {"conditional": c2st_auc(t_pair, s_pair, seed=seed),
                 "conditional_floor": c2st_auc(t_pair, np.c_[floor_gen, floor - floor_gen][:n], seed=seed)}
    gen_d = derived_features(gen)
    pt_edges, eta_edges = [20.0, 30.0, 45.0, 70.0, 120.0, 1000.0], [0.0, 1.2, 2.4]
    resp = {}
    for obj, col in (("muon", "muon_pt"), ("jet", "jet_pt")):
        i = names.index(col)
        resp[obj] = binned_response(gen_d[col], t_all[:, i], s_all[:, i], gen_d[col], np.abs(gen_d[col.replace(
            "_pt", "_eta")]), pt_edges, eta_edges)
    sel = {k: float(passes_selection(derived_features(v)).mean()) for k, v in
           (("teacher", teacher), ("surrogate", surrogate), ("floor", floor))}
    return {
        "features": per_feature_metrics(t_all, s_all, names, floor=f_all),
        "correlation_9": correlation_matrices(teacher, surrogate, list(RECO_NAMES)),
        "correlation_21": correlation_matrices(t_all, s_all, names),
        "c2st": {"surrogate": c2st, "floor": c2st_floor, **pairs, "events_per_sample": n},
        "response": resp,
        "selection_efficiency": sel,
    }


def _summary(ev: dict[str, Any]) -> dict[str, Any]:
    feats = ev["features"]
    ratios = {k: v["w1_ratio"] for k, v in feats.items()}
    return {
        "c2st_auc": ev["c2st"]["surrogate"]["auc"], "c2st_auc_floor": ev["c2st"]["floor"]["auc"],
        "c2st_auc_conditional": ev["c2st"].get("conditional", {}).get("auc"),
        "c2st_auc_conditional_floor": ev["c2st"].get("conditional_floor", {}).get("auc"),
        "max_w1_ratio": max(ratios.values()), "worst_feature": max(ratios, key=ratios.get),
        "features_within_2x_floor": int(sum(r <= 2.0 for r in ratios.values())), "features": len(ratios),
        "max_correlation_diff_9": ev["correlation_9"]["max_abs_diff"],
        "selection_efficiency": ev["selection_efficiency"],
    }


def train_fastsim(cfg: FastSimTrainConfig, out: str | Path, samples_dir: str | Path = "samples",
                  train_fileset: str | None = None, progress: bool = True, command: str = "") -> FastSimTrainResult:
    """Train, export and validate one fastsim model (module docstring)."""
    from .report import make_plots

    out, samples = Path(out), Path(samples_dir)
    specs = cfg.train_data if train_fileset is None else [DataSpec(cfg.train_data[0].sample, 0, cfg.seed,
                                                                   fileset=train_fileset)]
    data = load_fastsim_dataset(resolve_all(specs, samples, progress), progress=progress)
    i_train, i_val, _ = split_indices(len(data), (1.0 - cfg.validation_fraction - 1e-9, cfg.validation_fraction,
                                                  1e-9), cfg.seed)
    train, val = data.subset(i_train), data.subset(i_val)
    sampler, history, n_params = train_sampler(cfg, train, val, progress)

    ev_data = load_fastsim_dataset(resolve(cfg.eval_data, samples, progress), progress=progress)
    floor_data = load_fastsim_dataset(resolve(cfg.eval_data, samples, progress, detector_replica=1),
                                      progress=progress)
    eps_check = counter_normal(ev_data.run[:2048], ev_data.lumi[:2048], ev_data.event[:2048], 0, 9, cfg.noise_seed)
    check = np.concatenate([ev_data.x[:2048], eps_check], axis=1)
    names = [*GEN_NAMES, *NOISE_NAMES]
    domain = input_domain(np.concatenate([train.x, np.zeros((len(train), 9), np.float32)], axis=1), names,
                          source=f"training split, {len(train)} events",
                          others={"validation": np.concatenate([val.x, np.zeros((len(val), 9), np.float32)], 1)})
    for n in NOISE_NAMES:  # every value the counter-based generator can return
        domain["ranges"][n] = [-NOISE_LIMIT, NOISE_LIMIT]
    card = {
        "schema_version": CARD_SCHEMA_VERSION,
        "family": "fastsim",
        "name": cfg.name,
        "version": cfg.version,
        "description": "reco-level muon, jet and MET of W(->mu nu) + jet events from gen level: a sampler "
                       "[gen features, standard normal noise] -> reco features",
        "reference": "arXiv 2010.01835 (Gaussian mu + sigma eps, MAE and quantile heads); CMS FlashSim "
                     "arXiv 2402.13684 (conditional rational-quadratic spline flows)",
        "inputs": {"name": "features", "width": len(names), "dtype": "float32"},
        "features": [{"name": n, "unit": u, "description": f"gen-level {n[4:]}"} for n, u in zip(GEN_NAMES, UNITS)]
        + [{"name": n, "unit": "", "description": f"standard normal noise of output {i}"}
           for i, n in enumerate(NOISE_NAMES)],
        "outputs": [{"name": "reco", "unit": "GeV", "description": "reco-level " + ", ".join(RECO_NAMES)
                     + " (n x 9; jet_logm is log(M_jet/GeV))"}],
        "parameters": [],
        "network": {
            "model": cfg.model,
            "hidden": list(cfg.hidden),
            **({"transforms": cfg.transforms, "bins": cfg.bins, "activation": "relu (zuko's conditioner MLPs)",
                "passes": cfg.passes, "randperm": cfg.randperm,
                "flow": "zuko NSF (rational-quadratic splines, " + ("autoregressive" if cfg.passes is None else
                                                                    f"{cfg.passes}-pass coupling")
                        + "), sampled by inversion"}
               if cfg.model == "flow"
               else {"activation": "leaky_relu(0.05)", "quantile": QUANTILE}),
            "preprocessing": "condition: the standardised gen features and their log pT, eta (muon, jet) and "
                             "log(1 + MET); target the standardised residual (reco - gen - m)/s",
            "outputs_order": list(RECO_NAMES),
            "n_parameters": n_params,
        },
        "training": {
            "sample": "+".join(sorted({s.sample for s in specs})),
            "seed": cfg.seed,
            "n_events": int(len(train)),
            "samples": [asdict(s) for s in specs],
            "code_revision": code_revision(),
            "command": command,
            "epochs": len(history.train_loss),
            "best_epoch": history.best_epoch,
            "seconds": round(history.seconds, 1),
            "reconstruction_efficiency": data.efficiency,
            "config": json.loads(json.dumps(cfg.to_dict(), default=str)),
        },
        "metrics": {},
        "domain": domain,
        "sha256": "0" * 64,
    }
    # export once to evaluate through onnxruntime, then again with the metrics in the card; the flow's
    # inverse solves each spline bin's quadratic in float32, which amplifies rounding near the bin
    # edges: its parity tolerance is 1e-3 (relative, or absolute below 1; 1 MeV, far below any
    # resolution), the Gaussian sampler's the default 1e-4
    path = out / f"{cfg.name}.onnx"
    tolerance = 1e-3 if cfg.model == "flow" else 1e-4
    card["network"]["parity_tolerance"] = tolerance
    bundle = export_bundle(sampler, card, path, check_inputs=check, tolerance=tolerance)
    surrogate = sample_bundle(bundle, ev_data, seed=cfg.noise_seed)
    evaluation = evaluate(ev_data.y, surrogate, floor_data.y, ev_data.x, cfg.c2st_events, cfg.seed,
                          floor_gen=floor_data.x)
    metrics = {"summary": _summary(evaluation), "evaluation_events": len(ev_data), "floor_events": len(floor_data),
               "best_val_loss": min(history.val_loss) if history.val_loss else None}
    card["metrics"] = metrics
    bundle = export_bundle(sampler, card, path, check_inputs=check, tolerance=tolerance)
    report_dir = out / "reports" / cfg.name
    names_all = [*RECO_NAMES, *DERIVED_NAMES]
    plots = make_plots(_with_derived(ev_data.y), _with_derived(surrogate), names_all, report_dir,
                       floor=_with_derived(floor_data.y), labels=("teacher", f"FastSim ({cfg.model})"))
    report = {"bundle": str(bundle.path), "metrics": metrics, "evaluation": evaluation,
              "plots": [str(p) for p in plots],
              "history": {"train_loss": history.train_loss, "val_loss": history.val_loss,
                          "best_epoch": history.best_epoch, "seconds": history.seconds}}
    (report_dir / "metrics.json").write_text(json.dumps(report, indent=2, default=_json_default) + "\n")
    return FastSimTrainResult(Path(bundle.path), metrics, history, plots)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)


def train_from_options(
    config: str | None = None,
    data: Sequence[str] | None = None,
    out: str = "models/shipped",
    progress: bool = True,
    command: str = "",
    samples_dir: str = "samples",
) -> dict[str, Any]:
    """``hepsurrogates train fastsim`` (the registry's entry point): train, and a JSON-ready summary.

    Raises:
        InvalidArgumentError: more than one ``--data`` fileset.
    """
    result = train_fastsim(FastSimTrainConfig.from_option(config), out, samples_dir=samples_dir,
                           train_fileset=one_fileset(data, "fastsim"), progress=progress, command=command)
    return {"bundle": str(result.bundle_path), **result.metrics["summary"],
            "epochs": len(result.history.train_loss)}
