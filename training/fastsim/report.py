"""Plots of a fastsim surrogate's validation: per-feature histograms and the correlation matrices.

Teacher, a second teacher smearing (the floor, when given) and surrogate are drawn as step
histograms in mplhep's CMS style (applied locally), 50 bins between the teacher's 0.5 % and
99.5 % quantiles, log y, the events outside that range counted in the legend. The correlation
figure shows the teacher's and the surrogate's Pearson matrices and their difference
(:func:`hepsurrogates.training.fastsim.validation.correlation_matrices`). Every figure says that
the "full simulation" is this project's detector model, not CMS's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .validation import _check_2d, _check_names, correlation_matrices

__all__ = ["make_plots"]

#: Written on every figure: the teacher is this project's detector model.
DISCLAIMER = "this project's detector model, not CMS"
N_BINS = 50
QUANTILES = (0.005, 0.995)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "feature"


def _stamp(fig: Any) -> None:
    fig.text(0.99, 0.005, DISCLAIMER, ha="right", va="bottom", fontsize=12, color="0.35")


def _range(x: np.ndarray) -> tuple[float, float]:
    lo, hi = (float(q) for q in np.quantile(x, QUANTILES))
    if not hi > lo:  # a (nearly) constant feature
        half = max(abs(lo) * 1e-3, 1e-6)
        lo, hi = lo - half, hi + half
    return lo, hi


def make_plots(
    teacher: np.ndarray,
    surrogate: np.ndarray,
    names: Sequence[str],
    out_dir: str | Path,
    floor: np.ndarray | None = None,
    labels: tuple[str, str] = ("teacher", "surrogate"),
) -> list[Path]:
    """One PNG per feature and one of the correlation matrices; returns their paths.

    Parameters
    ----------
    teacher : array_like, shape (n, d)
        The teacher ("full simulation") sample.
    surrogate : array_like, shape (m, d)
        The surrogate sample.
    names : sequence of str, length d
        Feature names, used as axis labels (LaTeX math allowed) and, sanitised, in file names.
    out_dir : str or Path
        Created if missing.
    floor : array_like, shape (n2, d), optional
        A second, independent teacher smearing of the same gen events.
    labels : tuple of str
        Legend labels of teacher and surrogate.

    Returns
    -------
    list of Path
        ``feature_<jj>_<name>.png`` for every feature, then ``correlations.png``.
    """
    import hist
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep


    def draw(ax: Any, h: Any, label: str, **style: Any) -> None:
        values = h.values()
        hep.histplot(values, h.axes[0].edges, yerr=np.where(values > 0, np.sqrt(values), 0.0), ax=ax, label=label,
                     **style)

    def save(fig: Any, path: Path) -> Path:
        fig.tight_layout()
        fig.savefig(path, dpi=70)
        plt.close(fig)
        return path

    t = _check_2d(teacher, "teacher", names=list(names))
    names = _check_names(names, t.shape[1])
    s = _check_2d(surrogate, "surrogate", width=t.shape[1], names=names)
    f = None if floor is None else _check_2d(floor, "floor", width=t.shape[1], names=names)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    samples: list[tuple[str, np.ndarray, dict[str, Any]]] = [(labels[0], t, {"color": "k"})]
    if f is not None:
        samples.append((f"{labels[0]} (2nd smearing)", f, {"color": "tab:gray", "linestyle": "--"}))
    samples.append((labels[1], s, {"color": "tab:blue"}))
    paths: list[Path] = []
    with plt.style.context(hep.style.CMS):
        for j, name in enumerate(names):
            lo, hi = _range(t[:, j])
            fig, ax = plt.subplots(figsize=(10, 7.5))
            for label, x, style in samples:
                h = hist.Hist(hist.axis.Regular(N_BINS, lo, hi, name="x", label=name))
                h.fill(x=x[:, j])
                under, over = int(np.sum(x[:, j] < lo)), int(np.sum(x[:, j] >= hi))
                draw(ax, h, f"{label} (under {under}, over {over})", **style)
            ax.set_yscale("log")
            ax.set_xlabel(name)
            ax.set_ylabel(f"objects / {(hi - lo) / N_BINS:.3g}")
            ax.set_xlim(lo, hi)
            ax.legend(fontsize=15)
            _stamp(fig)
            paths.append(save(fig, out / f"feature_{j:02d}_{_safe(name)}.png"))

        corr = correlation_matrices(t, s, names)
        fig, axes = plt.subplots(1, 3, figsize=(27, 8.5))
        panels = [
            (corr["teacher"], f"{labels[0]}", "coolwarm", (-1.0, 1.0)),
            (corr["surrogate"], f"{labels[1]}", "coolwarm", (-1.0, 1.0)),
        ]
        diff = np.array(corr["difference"], dtype=np.float64)
        lim = max(float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 0.0, 1e-3)
        panels.append((corr["difference"], f"{labels[1]} $-$ {labels[0]}", "PiYG", (-lim, lim)))
        ticks = np.arange(len(names))
        for ax, (matrix, title, cmap, (vmin, vmax)) in zip(axes, panels):
            m = np.array(matrix, dtype=np.float64)
            im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, origin="upper")
            bar_label = "Pearson $\\rho$" if vmin == -1.0 else "$\\Delta\\rho$"
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=bar_label)
            ax.set_xticks(ticks, names, rotation=60, ha="right", fontsize=13)
            ax.set_yticks(ticks, names, fontsize=13)
            ax.set_xlabel("feature")
            ax.set_ylabel("feature")
            ax.set_title(title, fontsize=18)
            ax.minorticks_off()
        _stamp(fig)
        paths.append(save(fig, out / "correlations.png"))
    return paths
