r"""Validation of a MEM surrogate: residuals in log10 units, plots and a metrics JSON.

With y = −log10 W and Δ = y_DNN − y_teacher (log10 units, arXiv 2008.10949):
bias = mean(Δ), resolution = std(Δ), plus the robust median(Δ) and 68 % half-width
½(q84 − q16). The published values (nominal; DY −0.124 / 0.138, tt̄ −0.276 / 0.444) are
recorded beside ours in :data:`PUBLISHED`. Plots (matplotlib, Agg): DNN vs teacher scatter,
residual histogram, bias and resolution in quantile bins of the teacher value, loss curves.

:func:`predict_bundle` runs a bundle file on a feature matrix (onnxruntime only), for reports
built later (the discriminant ROC, the (M_H, M_A) likelihood scan).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.models.bundle import ModelBundle

__all__ = ["PUBLISHED", "residual_metrics", "binned_residuals", "predict_bundle", "make_report"]

#: Published regression bias / resolution of −log10 W in log10 units (arXiv 2008.10949, nominal).
PUBLISHED: dict[str, dict[str, Any]] = {
    "DY": {"bias": -0.124, "resolution": 0.138, "source": "arXiv 2008.10949 (Drell-Yan, nominal)"},
    "TT": {"bias": -0.276, "resolution": 0.444, "source": "arXiv 2008.10949 (dileptonic ttbar, nominal)"},
    "HZA": {"bias": None, "resolution": None, "source": "arXiv 2008.10949 gives no single number for H->ZA"},
}


def residual_metrics(pred: np.ndarray, true: np.ndarray) -> dict[str, Any]:
    """Bias, resolution, median, 68 % half-width, RMSE of Δ = pred − true, and n."""
    d = np.asarray(pred, np.float64) - np.asarray(true, np.float64)
    if len(d) == 0:
        return {"n": 0, "bias": None, "resolution": None, "median": None, "half_width_68": None, "rmse": None}
    q16, q50, q84 = np.quantile(d, [0.16, 0.5, 0.84])
    return {"n": int(len(d)), "bias": float(d.mean()), "resolution": float(d.std()), "median": float(q50),
            "half_width_68": float(0.5 * (q84 - q16)), "rmse": float(np.sqrt(np.mean(d * d))),
            "teacher_std": float(np.std(true))}


def binned_residuals(pred: np.ndarray, true: np.ndarray, n_bins: int = 8, min_events: int = 5) -> dict[str, np.ndarray]:
    """Bias and resolution of Δ in quantile bins of the teacher value (NaN below ``min_events``)."""
    true = np.asarray(true, np.float64)
    d = np.asarray(pred, np.float64) - true
    n_bins = max(1, min(n_bins, len(true) // max(min_events, 1)))
    edges = np.unique(np.quantile(true, np.linspace(0, 1, n_bins + 1))) if len(true) else np.array([0.0, 1.0])
    idx = np.clip(np.digitize(true, edges) - 1, 0, max(len(edges) - 2, 0))
    nb = max(len(edges) - 1, 1)
    out = {k: np.full(nb, np.nan) for k in ("bias", "resolution", "center")}
    out["n"] = np.zeros(nb, np.int64)
    for b in range(nb):
        sel = idx == b
        out["n"][b] = sel.sum()
        if sel.sum() >= min_events:
            out["bias"][b], out["resolution"][b] = d[sel].mean(), d[sel].std()
            out["center"][b] = np.median(true[sel])
    out["edges"] = edges
    return out


def predict_bundle(bundle: str | Path | ModelBundle, x: np.ndarray, threads: int = 1, batch: int = 65536) -> np.ndarray:
    """−log10 W predicted by a ``mem`` bundle (a path or a loaded bundle) for features ``x``
    (n × width, float64 out)."""
    b = bundle if isinstance(bundle, ModelBundle) else ModelBundle.load(bundle, family="mem")
    x = np.asarray(x, np.float32)
    if len(x) == 0:
        return np.zeros(0)
    return np.concatenate([b.predict(x[i : i + batch], threads=threads) for i in range(0, len(x), batch)]).astype(
        np.float64
    )


def make_report(
    out_dir: str | Path,
    true: np.ndarray,
    pred: np.ndarray,
    history: Any | None,
    metrics: Mapping[str, Any],
    label: str,
    groups: np.ndarray | None = None,
) -> list[Path]:
    """Write the plots and ``metrics.json`` into ``out_dir``; returns the plot paths.

    Args:
        true, pred: teacher and DNN −log10 W on the held-out test rows.
        groups: optional per-row label (e.g. the H → ZA mass-point column) to colour the scatter.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    true = np.asarray(true, np.float64)
    pred = np.asarray(pred, np.float64)
    m = residual_metrics(pred, true)

    fig, ax = plt.subplots(figsize=(6, 6))
    if groups is not None and len(np.unique(groups)) > 1:
        for g in np.unique(groups):
            sel = groups == g
            ax.scatter(true[sel], pred[sel], s=6, alpha=0.6, label=str(g))
        ax.legend(fontsize=7)
    else:
        ax.scatter(true, pred, s=6, alpha=0.6)
    if len(true):
        lo, hi = float(min(true.min(), pred.min())), float(max(true.max(), pred.max()))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1)
    ax.set_xlabel(r"teacher $-\log_{10} W$")
    ax.set_ylabel(r"DNN $-\log_{10} W$")
    ax.set_title(f"{label}: test split (n = {len(true)})")
    paths.append(_save(fig, out / "scatter.png"))

    fig, ax = plt.subplots(figsize=(7, 5))
    d = pred - true
    if len(d):
        ax.hist(
            d,
            bins=min(60, max(10, len(d) // 5)),
            histtype="step",
            lw=1.5,
            label=f"bias {m['bias']:.3f}, resolution {m['resolution']:.3f}",
        )
        ax.legend()
    ax.set_xlabel(r"$\Delta = y_{DNN} - y_{teacher}$ [log10]")
    ax.set_ylabel("events")
    ax.set_title(f"{label}: residuals")
    paths.append(_save(fig, out / "residuals.png"))

    b = binned_residuals(pred, true)
    fig, ax = plt.subplots(figsize=(7, 5))
    ax.plot(b["center"], b["bias"], "o-", label="bias (mean $\\Delta$)")
    ax.plot(b["center"], b["resolution"], "s-", label="resolution (std $\\Delta$)")
    ax.axhline(0.0, color="k", lw=0.5)
    ax.set_xlabel(r"teacher $-\log_{10} W$ (quantile bins)")
    ax.set_ylabel("log10 units")
    ax.legend()
    ax.set_title(f"{label}: bias and resolution vs teacher value")
    paths.append(_save(fig, out / "bias_resolution_vs_teacher.png"))

    if history is not None and history.train_loss:
        fig, ax = plt.subplots(figsize=(7, 5))
        ax.plot(history.train_loss, label="train")
        ax.plot(history.val_loss, label="validation")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE (standardised)")
        ax.legend()
        paths.append(_save(fig, out / "loss.png"))

    report = {
        "label": label,
        "metrics": dict(metrics),
        "binned": {k: v.tolist() for k, v in b.items()},
        "plots": [str(p) for p in paths],
    }
    if history is not None:
        report["history"] = {
            "train_loss": history.train_loss,
            "val_loss": history.val_loss,
            "best_epoch": history.best_epoch,
            "seconds": history.seconds,
        }
    (out / "metrics.json").write_text(json.dumps(_finite(report), indent=2) + "\n")
    return paths


def _save(fig: Any, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _finite(obj: Any) -> Any:
    """NaN/inf -> None, so the JSON is standard."""
    if isinstance(obj, Mapping):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.generic):
        return _finite(obj.item())
    return obj
