r"""Validation of a di-τ mass estimator: binned response and resolution, plots, metrics JSON.

Per 10 GeV bin of the true mass y: the median response R = ŷ/y with its 68 % (q16–q84) and
95 % (q2.5–q97.5) bands, and the relative resolution 100·½(q84 − q16)/median, the published
definitions (PHYSICS.md §4). The same numbers are computed for FastMTT on the same events.
Summary metrics: the mean resolution over the bins inside [100, 800] GeV, the largest
|median − 1| over [70, 800] GeV, per-channel resolutions, and on Drell–Yan Z/γ* → ττ events
the median and width of the reconstructed Z peak.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.models.ditau.features import CHANNELS

__all__ = ["binned_response", "summary_metrics", "z_peak_metrics", "make_plots"]


def binned_response(true: np.ndarray, pred: np.ndarray, lo: float = 50.0, hi: float = 1000.0,
                    width: float = 10.0, min_events: int = 20) -> dict[str, np.ndarray]:
    """Response quantiles and resolution per bin of true mass (NaN where < min_events)."""
    edges = np.arange(lo, hi + 0.5 * width, width)
    idx = np.digitize(true, edges) - 1
    n_bins = len(edges) - 1
    out = {k: np.full(n_bins, np.nan) for k in ("median", "q16", "q84", "q025", "q975", "resolution", "median_error")}
    out["n"] = np.zeros(n_bins, dtype=np.int64)
    resp = pred / true
    for b in range(n_bins):
        r = resp[idx == b]
        out["n"][b] = len(r)
        if len(r) < min_events:
            continue
        q025, q16, q50, q84, q975 = np.quantile(r, [0.025, 0.16, 0.5, 0.84, 0.975])
        out["median"][b], out["q16"][b], out["q84"][b], out["q025"][b], out["q975"][b] = q50, q16, q84, q025, q975
        out["resolution"][b] = 100.0 * 0.5 * (q84 - q16) / q50
        # asymptotic error of a median: 1.2533 sigma / sqrt(n), sigma from the 68 % band
        out["median_error"][b] = 1.2533 * 0.5 * (q84 - q16) / np.sqrt(len(r))
    out["edges"] = edges
    out["centers"] = 0.5 * (edges[1:] + edges[:-1])
    return out


def _in_range(b: Mapping[str, np.ndarray], lo: float, hi: float) -> np.ndarray:
    return (b["edges"][:-1] >= lo) & (b["edges"][1:] <= hi) & np.isfinite(b["median"])


def _overall_resolution(pred: np.ndarray, true: np.ndarray) -> float | None:
    """100·½(q84 − q16)/median of ŷ/y over all events with 100 ≤ y ≤ 800 GeV (unbinned)."""
    sel = (true >= 100.0) & (true <= 800.0) & np.isfinite(pred)
    if sel.sum() < 10:
        return None
    q16, q50, q84 = np.quantile(pred[sel] / true[sel], [0.16, 0.5, 0.84])
    return float(100.0 * 0.5 * (q84 - q16) / q50)


def _mean(values: np.ndarray) -> float | None:
    """Mean, or None (JSON null) when there is nothing to average."""
    return float(np.mean(values)) if len(values) else None


def summary_metrics(true: np.ndarray, estimates: Mapping[str, np.ndarray], channel: np.ndarray) -> dict[str, Any]:
    """Target metrics of each estimator (``estimates``: name → prediction) on the same events."""
    out: dict[str, Any] = {"n_events": int(len(true))}
    for name, pred in estimates.items():
        b = binned_response(true, pred)
        res_bins = _in_range(b, 100.0, 800.0)
        resp_bins = _in_range(b, 70.0, 800.0)
        entry: dict[str, Any] = {
            "resolution_mean_100_800_percent": _mean(b["resolution"][res_bins]),
            "max_abs_median_response_deviation_70_800": None,
            "worst_response_bin_gev": None,
            "worst_response_bin_stat_error": None,
            "median_response_overall": float(np.median(pred / true)),
            "resolution_overall_100_800_percent": _overall_resolution(pred, true),
            "per_channel_resolution_100_800_percent": {},
        }
        if resp_bins.any():
            worst = int(np.argmax(np.where(resp_bins, np.abs(b["median"] - 1.0), -1.0)))
            entry["max_abs_median_response_deviation_70_800"] = float(np.abs(b["median"][worst] - 1.0))
            entry["worst_response_bin_gev"] = [float(b["edges"][worst]), float(b["edges"][worst + 1])]
            entry["worst_response_bin_stat_error"] = float(b["median_error"][worst])
        for code, ch in enumerate(CHANNELS):
            m = channel == code
            if m.sum() >= 200:
                bc = binned_response(true[m], pred[m], width=50.0)
                entry["per_channel_resolution_100_800_percent"][ch] = _mean(
                    bc["resolution"][_in_range(bc, 100.0, 800.0)]
                )
        out[name] = entry
    return out


def z_peak_metrics(estimates: Mapping[str, np.ndarray], true_mass: np.ndarray) -> dict[str, Any]:
    """Z → ττ peak (events with 80 < m_true < 100 GeV): median and relative resolution."""
    sel = (true_mass > 80.0) & (true_mass < 100.0)
    out: dict[str, Any] = {"n_events": int(sel.sum())}
    for name, pred in estimates.items():
        p = pred[sel]
        p = p[np.isfinite(p)]
        if len(p) < 20:
            continue
        q16, q50, q84 = np.quantile(p, [0.16, 0.5, 0.84])
        out[name] = {"median_gev": float(q50), "resolution_percent": float(100.0 * 0.5 * (q84 - q16) / q50)}
    return out


def make_plots(
    out_dir: Path,
    true: np.ndarray,
    estimates: Mapping[str, np.ndarray],
    z_estimates: Mapping[str, np.ndarray] | None = None,
    z_true: np.ndarray | None = None,
    history: Any = None,
) -> list[Path]:
    """PNG plots (hist + mplhep, CMS style applied locally); returns their paths."""
    import hist
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    colours = {"m_ML": "tab:blue", "FastMTT": "tab:orange", "m_vis": "tab:gray", "collinear": "tab:green"}
    with plt.style.context(hep.style.CMS):
        fig, ax = plt.subplots(figsize=(10, 7))
        for name, pred in estimates.items():
            b = binned_response(true, pred)
            c = colours.get(name, None)
            ax.fill_between(b["centers"], b["q025"], b["q975"], color=c, alpha=0.12, step="mid")
            ax.fill_between(
                b["centers"], b["q16"], b["q84"], color=c, alpha=0.3, step="mid", label=f"{name} 68 % / 95 %"
            )
            ax.plot(b["centers"], b["median"], color=c, drawstyle="steps-mid", label=f"{name} median")
        ax.axhline(1.0, color="k", lw=1)
        ax.axhspan(0.97, 1.03, color="k", alpha=0.08)
        ax.set_xlabel("generated mass [GeV]")
        ax.set_ylabel("response $m_{reco}/m_{gen}$")
        ax.set_ylim(0.3, 1.8)
        ax.legend(fontsize=14, ncol=2)
        paths.append(out_dir / "response_vs_mass.png")
        fig.savefig(paths[-1], dpi=80)
        plt.close(fig)

        fig, ax = plt.subplots(figsize=(10, 7))
        for name, pred in estimates.items():
            b = binned_response(true, pred)
            ax.plot(b["centers"], b["resolution"], drawstyle="steps-mid", color=colours.get(name), label=name)
        ax.set_xlabel("generated mass [GeV]")
        ax.set_ylabel("relative resolution [%]")
        ax.set_ylim(0, 60)
        ax.legend()
        paths.append(out_dir / "resolution_vs_mass.png")
        fig.savefig(paths[-1], dpi=80)
        plt.close(fig)

        for name, pred in estimates.items():
            h2 = hist.Hist(
                hist.axis.Regular(95, 50, 1000, name="true", label="generated mass [GeV]"),
                hist.axis.Regular(100, 0, 1300, name="pred", label=f"{name} [GeV]"),
            )
            h2.fill(true=true, pred=np.nan_to_num(pred, nan=-1.0))
            fig, ax = plt.subplots(figsize=(9, 8))
            hep.hist2dplot(h2, ax=ax)
            ax.plot([50, 1000], [50, 1000], color="w", lw=1)
            safe = name.replace(" ", "_")
            paths.append(out_dir / f"mass_2d_{safe}.png")
            fig.savefig(paths[-1], dpi=80)
            plt.close(fig)

        if z_estimates and z_true is not None:
            fig, ax = plt.subplots(figsize=(10, 7))
            sel = (z_true > 80) & (z_true < 100)
            for name, pred in z_estimates.items():
                h = hist.Hist(hist.axis.Regular(60, 0, 240, name="m", label="mass [GeV]"))
                h.fill(m=pred[sel][np.isfinite(pred[sel])])
                if h.sum() > 0:  # an empty histogram has no density
                    hep.histplot(h, ax=ax, label=name, color=colours.get(name), density=True)
            ax.axvline(91.19, color="k", ls=":", lw=1)
            ax.set_ylabel("normalised events")
            ax.legend()
            ax.set_title("Z/$\\gamma^*$ $\\to\\tau\\tau$ (dy_ll, 80 < $m_{gen}$ < 100 GeV)", fontsize=16)
            paths.append(out_dir / "z_peak.png")
            fig.savefig(paths[-1], dpi=80)
            plt.close(fig)

        if history is not None and history.train_loss:
            fig, ax = plt.subplots(figsize=(10, 7))
            ax.plot(history.train_loss, label="training")
            ax.plot(history.val_loss, label="validation")
            ax.axvline(history.best_epoch, color="k", ls=":", lw=1)
            ax.set_xlabel("epoch")
            ax.set_ylabel("loss")
            ax.legend()
            paths.append(out_dir / "loss.png")
            fig.savefig(paths[-1], dpi=80)
            plt.close(fig)
    return paths
