r"""Train a MEM surrogate (arXiv 2008.10949): −log10 of the MEM weight under one hypothesis.

``hepsurrogates train mem --hypothesis DY --data FILESET --teacher TEACH --out DIR`` runs
:func:`train_mem`:

1. data: the ℓℓbb features of the fileset joined to the teacher targets of ``teach mem``
   (:mod:`.data`); y = −log10 W; events whose teacher did not converge or whose W is not
   finite or ≤ 0 are excluded and counted in the card. H → ZA is parametric: one row per
   (event, mass point) with (M_H, M_A) appended to the 14 features;
2. split train/validation/test *by event* with the config seed (for H → ZA the mass points of
   one event stay together, so the test rows are events the network never saw);
3. network: the published inputs → the ℓℓbb invariants appended in the graph
   (:mod:`.invariants`: m(ℓℓ), m(bb), the m(ℓb) and their pairings, m(ℓℓbb), p_T(ℓℓbb), the
   recoil against the MET; log(1 + x) momenta for DY and H → ZA) → standardisation
   (train-split mean/std) → MLP (published sizes DY 6 × 200, tt̄ 8 × 500, H → ZA 8 × 300,
   ReLU hidden) → output → de-standardisation to −log10 W, all inside one exportable module
   whose input is still the published 14 (+ 2) features; MSE on the standardised target, Adam
   lr 1e-3, plateau decay and early stopping (:mod:`.fit`); every training batch is augmented
   with the exact symmetries of the weight (:mod:`.symmetries`: η and Δφ reflections, and
   ℓ⁺ ↔ ℓ⁻ for tt̄), which the teacher is tested to respect;
4. export of one bundle ``mem_<dy|tt|hza>.onnx`` with its card, checked for torch ↔
   onnxruntime parity (relative 1e-5); metrics on the held-out test split in log10 units next
   to the published ones; the validation report (:mod:`.report`).

Output activation: linear by default. The paper's SELU/ELU outputs act on the raw −log10 W,
which is positive; here the target is standardised inside the graph, so it takes both signs and
a SELU (≥ −1.76) or ELU (≥ −1) output would clip the events with the largest weights (more than
1.76 σ below the mean of −log10 W). ``output_activation = "selu" | "elu"`` reproduces the
published choice when wanted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.bundle import CARD_SCHEMA_VERSION
from hepsurrogates.models.mem.features import FEATURE_NAMES, FEATURE_UNITS, HZA_PARAMETER_UNITS, HZA_PARAMETERS
from hepsurrogates.provenance import code_revision

from ..config import JsonConfig
from ..domain import input_domain
from ..export import export_bundle, torch_onnx_max_deviation
from ..fit import FitConfig, FitHistory, fit, seed_everything, split_indices
from ..networks import ACTIVATIONS, Destandardize, Standardize, Surrogate, count_parameters, mlp, mlp_flops
from .data import MEMDataset, MEMDesign, file_sha256, hza_masses, load_mem_dataset
from .invariants import INVARIANT_NAMES, LLBBInvariants, n_preprocessed
from .report import PUBLISHED, make_report, residual_metrics
from .symmetries import SYMMETRIES, RandomSymmetry, validate_symmetries

__all__ = ["HYPOTHESES", "PUBLISHED_SIZES", "OUTPUT", "MEMTrainConfig", "MEMTrainResult", "build_mem_model",
           "train_mem", "train_mem_arrays", "PARITY_TOLERANCE", "train_from_options"]

HYPOTHESES = ("DY", "TT", "HZA")
#: (hidden layers, width) of arXiv 2008.10949
PUBLISHED_SIZES = {"DY": (6, 200), "TT": (8, 500), "HZA": (8, 300)}
_LABELS = {"DY": "Drell-Yan + jets (Z/gamma* -> ll)", "TT": "dileptonic ttbar", "HZA": "H -> Z(ll) A(bb)"}
#: log(1 + x) momenta in the invariants layer by default (measured: better for DY and H → ZA, not for tt̄)
LOG_MOMENTA = {"DY": True, "TT": False, "HZA": True}
#: the output name of every MEM bundle
OUTPUT = "neg_log10_weight"
PARITY_TOLERANCE = 1e-5
_OUTPUT_ACTIVATIONS = ("linear", "selu", "elu")


@dataclass
class MEMTrainConfig(JsonConfig):
    """Every setting of a MEM training (JSON keys = field names; ``None`` = published default)."""

    hypothesis: str = "DY"
    name: str | None = None
    version: str = "1.0.0"
    hidden_layers: int | None = None
    width: int | None = None
    activation: str = "relu"
    output_activation: str = "linear"
    batch_size: int = 256
    learning_rate: float = 1e-3
    max_epochs: int = 300
    patience: int = 30
    lr_patience: int = 10
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    seed: int = 1
    #: seed of the train/validation/test split by event (None: ``seed``); set it to vary only the
    #: initialisation and batch order (benchmarks/mem/size_scan.py --seed-spread)
    split_seed: int | None = None
    #: H -> ZA mass points to train on, [[M_H, M_A], ...] in GeV (None: every point the teacher computed)
    hza_points: list[list[float]] | None = None
    threads: int | None = None
    #: append the in-graph ℓℓbb invariants of :mod:`.invariants` to the published inputs
    invariants: bool = True
    #: log(1 + x) of the p_T columns and invariants (None: the hypothesis default, :data:`LOG_MOMENTA`)
    log_momenta: bool | None = None
    #: symmetries of the weight to augment with (None: :data:`.mem_symmetries.SYMMETRIES`; [] = none)
    symmetries: list[str] | None = None

    def validate(self, source: str = "<config>") -> None:
        if self.hypothesis not in HYPOTHESES:
            raise InvalidArgumentError(f"{source}: hypothesis must be one of {', '.join(HYPOTHESES)}, "
                                       f"got {self.hypothesis!r}")
        for key in ("hidden_layers", "width", "batch_size", "max_epochs"):
            v = getattr(self, key)
            if v is not None and (not isinstance(v, int) or v < 1):
                raise InvalidArgumentError(f"{source}: {key} must be a positive integer, got {v!r}")
        if self.activation not in ACTIVATIONS:
            raise InvalidArgumentError(
                f"{source}: activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.output_activation not in _OUTPUT_ACTIVATIONS:
            raise InvalidArgumentError(
                f"{source}: output_activation must be one of {_OUTPUT_ACTIVATIONS}, got {self.output_activation!r}"
            )
        v, t = self.validation_fraction, self.test_fraction
        if not (0 < v < 1 and 0 < t < 1 and v + t < 1):
            raise InvalidArgumentError(
                f"{source}: need 0 < validation_fraction, test_fraction and their sum < 1, got {v}, {t}"
            )
        if not self.learning_rate > 0:
            raise InvalidArgumentError(f"{source}: learning_rate must be > 0, got {self.learning_rate}")
        if self.split_seed is not None and (not isinstance(self.split_seed, int) or self.split_seed < 0):
            raise InvalidArgumentError(
                f"{source}: split_seed must be a non-negative integer or null, got {self.split_seed!r}"
            )
        if self.symmetries is not None:
            if not isinstance(self.symmetries, list) or not all(isinstance(n, str) for n in self.symmetries):
                raise InvalidArgumentError(f"{source}: symmetries must be a list of names, got {self.symmetries!r}")
            validate_symmetries(self.symmetries, self.hypothesis)
        if self.log_momenta and not self.invariants:
            raise InvalidArgumentError(
                f"{source}: log_momenta acts in the invariants layer; it needs invariants = true"
            )
        if self.hza_points is not None:
            if self.hypothesis != "HZA":
                raise InvalidArgumentError(f"{source}: hza_points only apply to hypothesis HZA")
            bad = [p for p in self.hza_points if len(p) != 2 or not 0 < p[1] < p[0]]
            if bad or not self.hza_points:
                raise InvalidArgumentError(
                    f"{source}: hza_points must be [[M_H, M_A], ...] with 0 < M_A < M_H, got {self.hza_points}"
                )

    @property
    def hidden(self) -> list[int]:
        layers, width = PUBLISHED_SIZES[self.hypothesis]
        return [self.width or width] * (self.hidden_layers or layers)

    @property
    def used_symmetries(self) -> list[str]:
        return list(SYMMETRIES[self.hypothesis] if self.symmetries is None else self.symmetries)

    @property
    def used_log_momenta(self) -> bool:
        return bool(
            self.invariants and (LOG_MOMENTA[self.hypothesis] if self.log_momenta is None else self.log_momenta)
        )

    @property
    def bundle_name(self) -> str:
        return self.name or f"mem_{self.hypothesis.lower()}"

    @property
    def parametric(self) -> bool:
        return self.hypothesis == "HZA"

    def teacher_columns(self, available: tuple[str, ...] | list[str]) -> list[str]:
        """The teacher columns this hypothesis trains on, checked against those available."""
        if self.hypothesis != "HZA":
            col = f"mem{self.hypothesis}"
            if col not in available:
                raise InvalidArgumentError(f"the teacher output has no {col} column (computed: {', '.join(available)})")
            return [col]
        hza = [c for c in available if c.startswith("memHZA_")]
        if self.hza_points is None:
            if not hza:
                raise InvalidArgumentError(
                    f"the teacher output has no memHZA_* column (computed: {', '.join(available)})"
                )
            return hza
        by_point = {hza_masses(c): c for c in hza}
        want = [(round(float(a), 2), round(float(b), 2)) for a, b in self.hza_points]
        missing = [p for p in want if p not in by_point]
        if missing:
            raise InvalidArgumentError(
                f"hza_points {missing} were not computed by the teacher (computed: {sorted(by_point)})"
            )
        return [by_point[p] for p in want]


@dataclass
class MEMTrainResult:
    bundle_path: Path
    metrics: dict[str, Any]
    history: FitHistory
    plots: list[Path]
    parity: float
    n_events: dict[str, int] = field(default_factory=dict)
    n_rows: dict[str, int] = field(default_factory=dict)


def build_mem_model(cfg: MEMTrainConfig, x_train: np.ndarray, y_train: np.ndarray) -> Surrogate:
    """The untrained surrogate: the in-graph invariants (when ``cfg.invariants``), standardisation
    fitted on the preprocessed ``x_train``, the MLP of ``cfg``, the output activation,
    de-standardisation to the scale of ``y_train``."""
    x_raw = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.float32)
    preprocess: nn.Module = LLBBInvariants(x_raw.shape[1], cfg.used_log_momenta) if cfg.invariants else nn.Identity()
    with torch.no_grad():
        x = preprocess(x_raw)
    net = mlp(x.shape[1], cfg.hidden, 1, cfg.activation)
    if cfg.output_activation != "linear":
        net.append(ACTIVATIONS[cfg.output_activation]())
    y_std = y.std() if len(y) > 1 else torch.tensor(1.0)
    return Surrogate(
        preprocess,
        Standardize(x.mean(0), torch.clamp(x.std(0), min=1e-6)),
        net,
        Destandardize(y.mean().reshape(1), y_std.reshape(1)),
    )


def _predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    if len(x) == 0:
        return np.zeros(0)
    with torch.no_grad():
        return (
            torch.cat(
                [
                    model(torch.as_tensor(x[i : i + 65536], dtype=torch.float32)).squeeze(-1)
                    for i in range(0, len(x), 65536)
                ]
            )
            .numpy()
            .astype(np.float64)
        )


def _split_by_event(design: MEMDesign, cfg: MEMTrainConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    groups = np.unique(design.group)
    fractions = (1.0 - cfg.validation_fraction - cfg.test_fraction, cfg.validation_fraction, cfg.test_fraction)
    parts = split_indices(len(groups), fractions, cfg.seed if cfg.split_seed is None else cfg.split_seed)
    if min(len(p) for p in parts) == 0:
        raise InvalidArgumentError(f"{len(groups)} events are too few to split {fractions} (each split needs an event)")
    return tuple(np.flatnonzero(np.isin(design.group, groups[p])) for p in parts)  # type: ignore[return-value]


def _card(
    cfg: MEMTrainConfig,
    model: nn.Module,
    design: MEMDesign,
    rows: dict[str, np.ndarray],
    metrics: dict[str, Any],
    history: FitHistory,
    provenance: dict[str, Any],
    command: str,
    revision: str,
) -> dict[str, Any]:
    width = len(FEATURE_NAMES) + (len(HZA_PARAMETERS) if cfg.parametric else 0)
    parameters = []
    if cfg.parametric:
        xt = design.x[rows["train"]]
        parameters = [
            {
                "name": n,
                "unit": u,
                "range": [
                    round(float(xt[:, len(FEATURE_NAMES) + i].min()), 3),
                    round(float(xt[:, len(FEATURE_NAMES) + i].max()), 3),
                ],
            }
            for i, (n, u) in enumerate(zip(HZA_PARAMETERS, HZA_PARAMETER_UNITS))
        ]
    n_events = {k: int(len(np.unique(design.group[v]))) for k, v in rows.items()}
    return {
        "schema_version": CARD_SCHEMA_VERSION,
        "family": "mem",
        "name": cfg.bundle_name,
        "version": cfg.version,
        "description": f"-log10 of the MEM weight under the {_LABELS[cfg.hypothesis]} hypothesis, regressed from the "
        "ll+bb visible momenta (pT, eta, phi relative to the leading lepton)"
        + (", parametric in (M_H, M_A)" if cfg.parametric else ""),
        "reference": "arXiv 2008.10949 (DNN regression of MoMEMta weights); teacher: hepsurrogates teach mem",
        "inputs": {"name": "features", "width": width, "dtype": "float32"},
        "features": [{"name": n, "unit": u} for n, u in zip(FEATURE_NAMES, FEATURE_UNITS)],
        "outputs": [
            {
                "name": OUTPUT,
                "unit": "",
                "description": f"-log10 W_{cfg.hypothesis}, W the MEM weight of the "
                               f"{_LABELS[cfg.hypothesis]} hypothesis",
            }
        ],
        "parameters": parameters,
        "network": {
            "hidden": cfg.hidden,
            "activation": cfg.activation,
            "output_activation": cfg.output_activation,
            "preprocessing": (
                (
                    f"ll+bb invariants appended in the graph ({', '.join(INVARIANT_NAMES)}"
                    + ("; pT columns and invariants as log(1 + x/GeV)" if cfg.used_log_momenta else "")
                    + "), then "
                    if cfg.invariants
                    else ""
                )
                + "inputs standardised with the training-split mean and std, output de-standardised to "
                "-log10 W, all inside the graph"
            ),
            "n_parameters": count_parameters(model),
            "flops_per_event": mlp_flops(n_preprocessed(width) if cfg.invariants else width, cfg.hidden, 1),
        },
        "training": {
            "sample": "+".join(sorted(set(design.dataset.tolist()))) or "unknown",
            "seed": cfg.seed,
            "n_events": max(1, n_events["train"]),
            "code_revision": revision,
            "command": command,
            "hypothesis": cfg.hypothesis,
            "teacher_columns": sorted(set(design.column.tolist())),
            "loss": "MSE on the standardised -log10 W",
            "split_by": "event",
            "augmentation": {
                "symmetries": cfg.used_symmetries,
                "description": "each training event replaced by a random element of the group the "
                "weight's symmetries generate (hepsurrogates.training.mem.symmetries)",
            },
            "split": [1.0 - cfg.validation_fraction - cfg.test_fraction, cfg.validation_fraction, cfg.test_fraction],
            "n_events_split": n_events,
            "n_rows_split": {k: int(len(v)) for k, v in rows.items()},
            "epochs": len(history.train_loss),
            "best_epoch": history.best_epoch,
            "seconds": round(history.seconds, 1),
            "config": cfg.to_dict(),
            **provenance,
        },
        "metrics": metrics,
        "domain": input_domain(
            design.x[rows["train"]],
            [*FEATURE_NAMES, *(HZA_PARAMETERS if cfg.parametric else ())],
            source=f"training split, {n_events['train']} events ({len(rows['train'])} rows)",
            others={k: design.x[v] for k, v in rows.items() if k != "train"},
        ),
        "sha256": "0" * 64,
    }


def train_mem_arrays(
    cfg: MEMTrainConfig,
    design: MEMDesign,
    out_dir: str | Path,
    *,
    provenance: dict[str, Any] | None = None,
    progress: bool = False,
    command: str = "",
) -> MEMTrainResult:
    """Fit, evaluate, export and report on prepared rows (what :func:`train_mem` does after
    reading the data; also the entry point for synthetic targets)."""
    cfg.validate()
    width = len(FEATURE_NAMES) + (len(HZA_PARAMETERS) if cfg.parametric else 0)
    if design.x.ndim != 2 or design.x.shape[1] != width:
        raise InvalidArgumentError(
            f"hypothesis {cfg.hypothesis} takes {width} inputs per row, got shape {design.x.shape}"
        )
    if not np.isfinite(design.x).all() or not np.isfinite(design.y).all():
        raise InvalidArgumentError("training rows hold non-finite inputs or targets")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    revision = code_revision()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    generator = seed_everything(cfg.seed)
    i_train, i_val, i_test = _split_by_event(design, cfg)
    rows = {"train": i_train, "validation": i_val, "test": i_test}

    model = build_mem_model(cfg, design.x[i_train], design.y[i_train])
    scale = float(model.destandardize.std[0])

    def loss_fn(pred: torch.Tensor, target: torch.Tensor, w: torch.Tensor, epoch: int) -> torch.Tensor:
        return (w * ((pred - target) / scale) ** 2).sum() / w.sum()

    ones = np.ones(len(design))
    fit_cfg = FitConfig(
        batch_size=cfg.batch_size,
        learning_rate=cfg.learning_rate,
        max_epochs=cfg.max_epochs,
        patience=cfg.patience,
        lr_patience=cfg.lr_patience,
        progress=progress,
    )
    symmetries = cfg.used_symmetries
    history = fit(
        model,
        loss_fn,
        (design.x[i_train], design.y[i_train], ones[i_train]),
        (design.x[i_val], design.y[i_val], ones[i_val]),
        fit_cfg,
        generator,
        description=f"train {cfg.bundle_name} {cfg.hidden}",
        augment=RandomSymmetry(symmetries, width) if symmetries else None,
    )

    pred_test = _predict(model, design.x[i_test])
    y_test = design.y[i_test]
    metrics: dict[str, Any] = {
        "units": "log10; Delta = y_DNN - y_teacher with y = -log10 W; bias = mean, resolution = std",
        "test_split": residual_metrics(pred_test, y_test),
        "validation_split": residual_metrics(_predict(model, design.x[i_val]), design.y[i_val]),
        "published_reference": PUBLISHED[cfg.hypothesis],
    }
    for key, labels in (
        ("test_split_per_dataset", design.dataset[i_test]),
        ("test_split_per_column", design.column[i_test]),
    ):
        if len(np.unique(labels)) > 1:
            metrics[key] = {
                str(v): residual_metrics(pred_test[labels == v], y_test[labels == v]) for v in np.unique(labels)
            }
    card = _card(cfg, model, design, rows, metrics, history, dict(provenance or {}), command, revision)
    check = design.x[np.concatenate([i_test, i_val, i_train[:2048]])][:4096]
    bundle = export_bundle(model, card, out / f"{cfg.bundle_name}.onnx", check_inputs=check, tolerance=PARITY_TOLERANCE)
    parity = torch_onnx_max_deviation(model, bundle, check)
    report_dir = out / "reports" / cfg.bundle_name
    plots = make_report(
        report_dir,
        y_test,
        pred_test,
        history,
        {**metrics, "parity_max_relative_deviation": parity, "bundle": str(bundle.path)},
        label=f"{cfg.bundle_name} ({cfg.hypothesis})",
        groups=design.column[i_test] if cfg.parametric else None,
    )
    return MEMTrainResult(
        Path(str(bundle.path)),
        metrics,
        history,
        plots,
        parity,
        n_events={k: int(len(np.unique(design.group[v]))) for k, v in rows.items()},
        n_rows={k: int(len(v)) for k, v in rows.items()},
    )


def _teacher_provenance(fileset: str | Path, teacher_dir: str | Path, data: MEMDataset) -> dict[str, Any]:
    tdir = Path(teacher_dir)
    manifest = json.loads((tdir / "manifest.json").read_text())
    fs = Path(fileset)
    return {
        "fileset": str(fs.resolve()),
        "fileset_sha256": file_sha256(fs),
        "teacher_dir": str(tdir.resolve()),
        "teacher_manifest_sha256": file_sha256(tdir / "manifest.json"),
        "teacher": {
            "hypotheses": manifest.get("hypotheses"),
            "options": manifest.get("options"),
            "package_version": manifest.get("package_version"),
        },
        "assembly": data.summary,
        "exclusions": data.exclusions(),
    }


def train_mem(
    config: MEMTrainConfig,
    out_dir: str | Path,
    fileset: str | Path | Sequence[str | Path],
    teacher_dir: str | Path | Sequence[str | Path],
    progress: bool = True,
    command: str = "",
) -> MEMTrainResult:
    """Read the data, train, export ``<out>/mem_<h>.onnx`` and report (module docstring).

    ``fileset`` and ``teacher_dir`` may be sequences of equal length: the rows of every
    (fileset, teach output) pair that computed this hypothesis are concatenated (for example a
    cheap Drell–Yan-only teach run on extra samples beside the tt̄ + DY run); pairs without the
    hypothesis' columns are skipped and recorded.
    """
    config.validate()
    filesets = [fileset] if isinstance(fileset, (str, Path)) else list(fileset)
    teachers = [teacher_dir] if isinstance(teacher_dir, (str, Path)) else list(teacher_dir)
    if len(filesets) != len(teachers) or not filesets:
        raise InvalidArgumentError(
            f"give as many teacher directories as filesets, found {len(filesets)} and {len(teachers)}"
        )
    designs, sources, skipped = [], [], []
    offset = 0
    for fs, td in zip(filesets, teachers):
        data = load_mem_dataset(fs, td, progress=progress)
        try:
            columns = config.teacher_columns(data.columns)
        except InvalidArgumentError:
            if len(filesets) == 1:
                raise
            skipped.append({"fileset": str(fs), "teacher_dir": str(td), "computed": list(data.columns)})
            continue
        design = data.design(columns, parametric=config.parametric)
        design.group = design.group + offset
        offset += len(data)
        designs.append(design)
        prov = _teacher_provenance(fs, td, data)
        prov["exclusions"] = {c: prov["exclusions"][c] for c in columns}
        sources.append(prov)
    if not designs:
        raise InvalidArgumentError(f"no teacher output computed the {config.hypothesis} hypothesis")
    design = MEMDesign(
        *(
            np.concatenate([getattr(d, f) for d in designs])
            for f in ("x", "y", "group", "column", "dataset", "rel_error")
        )
    )
    if len(design) == 0:
        raise InvalidArgumentError(f"no usable teacher rows (exclusions: {[p['exclusions'] for p in sources]})")
    provenance = sources[0] if len(sources) == 1 else {"sources": sources}
    if skipped:
        provenance["skipped_sources"] = skipped
    return train_mem_arrays(config, design, out_dir, provenance=provenance, progress=progress, command=command)


def train_from_options(
    config: str | None = None,
    data: Sequence[str] | None = None,
    out: str = "bundles",
    progress: bool = True,
    command: str = "",
    hypothesis: str | None = None,
    teacher: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``hepsurrogates train mem`` (the registry's entry point): train, and a JSON-ready summary.

    Raises:
        InvalidArgumentError: no ``--data`` or ``--teacher``, or a bad hypothesis.
    """
    if not data or not teacher:
        raise InvalidArgumentError("train mem needs --data FILESET and --teacher TEACHDIR (the output of 'teach mem')")
    cfg = MEMTrainConfig.from_json(config) if config else MEMTrainConfig()
    if hypothesis:
        cfg = replace(cfg, hypothesis=hypothesis)
        cfg.validate("--hypothesis")
    result = train_mem(cfg, out, fileset=list(data), teacher_dir=list(teacher), progress=progress, command=command)
    test = result.metrics["test_split"]
    return {
        "bundle": str(result.bundle_path),
        "hypothesis": cfg.hypothesis,
        "test_bias": test["bias"],
        "test_resolution": test["resolution"],
        "published": {k: result.metrics["published_reference"][k] for k in ("bias", "resolution")},
        "n_train": result.n_events["train"],
        "n_test": result.n_events["test"],
        "epochs": len(result.history.train_loss),
        "parity": result.parity,
    }
