"""Histogram drawing shared by the families' run plots: mplhep's CMS style, labelled axes, binning
that suits the statistics, and no error bar where a bin has no entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["rebin_factor", "draw", "figure", "save"]


def rebin_factor(h: Any) -> int:
    """The factor that merges ``h``'s bins (1-D) into about 2·√N bins (at least 10), N its entries:
    a few hundred entries do not fill 100 bins. It divides the number of bins, so the merged edges
    are edges of ``h``; use the same factor for every histogram drawn on one axis."""
    n_bins = h.axes[0].size
    entries = float(np.sum(h.values()))
    target = int(np.clip(round(2.0 * np.sqrt(max(entries, 1.0))), 10, n_bins))
    factor = max(1, n_bins // target)
    while n_bins % factor:
        factor -= 1
    return factor


def draw(ax: Any, h: Any, label: str, factor: int = 1, **kwargs: Any) -> None:
    """Draw a 1-D histogram, its bins merged by ``factor``, as a step line with √(Σw²) errors only
    where the bin has entries."""
    import hist
    import mplhep as hep

    h = h[::hist.rebin(factor)] if factor > 1 else h
    values = h.values()
    variances = h.variances()
    err = np.sqrt(variances) if variances is not None else np.sqrt(np.abs(values))
    err = np.where(values > 0, err, 0.0)
    hep.histplot(values, h.axes[0].edges, yerr=err, ax=ax, label=label, **kwargs)


def figure(ncols: int = 2) -> tuple[Any, Any]:
    """A figure in mplhep's CMS style with ``ncols`` panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep

    plt.style.use(hep.style.CMS)
    fig, axes = plt.subplots(1, ncols, figsize=(9 * ncols, 7.5))
    return fig, np.atleast_1d(axes)


def save(fig: Any, path: Path) -> Path:
    """Write ``fig`` to ``path`` (PNG) and close it."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)
    return path
