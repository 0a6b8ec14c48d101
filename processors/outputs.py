"""Save what a run produced: histograms (pickle), a JSON summary and PNG plots per channel."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from hepsurrogates.models.ditau.features import CHANNELS

__all__ = ["save_results", "summarise", "plot_histograms"]


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def summarise(results: Mapping[str, Any]) -> dict[str, Any]:
    """Counts per dataset and channel (JSON-ready)."""
    out = {}
    for name, res in results.items():
        out[name] = {
            "entries": int(res["entries"]),
            "with_pair": int(res["with_pair"]),
            "channels": {k: int(v) for k, v in res["channels"].items()},
            "histograms": sorted(res["hists"]),
        }
        if isinstance(res.get("skim"), list):
            out[name]["skim_files"] = [str(p) for p in res["skim"]]
    return out


def plot_histograms(results: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """One PNG per dataset: each histogram summed over channels, and m_ML per channel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep as hep

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with plt.style.context(hep.style.CMS):
        for name, res in results.items():
            fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(18, 7))
            for key, h in sorted(res["hists"].items()):
                hep.histplot(h[{"channel": sum}], ax=ax1, label=key.replace("m_", "").replace("ml", "m_ML"))
            ax1.set_xlabel("mass [GeV]")
            ax1.set_ylabel("events")
            ax1.legend()
            ax1.set_title(f"{name}: all channels", fontsize=18)
            h = res["hists"]["m_ml"]
            for i, ch in enumerate(CHANNELS):
                hep.histplot(h[{"channel": i}], ax=ax2, label=ch)
            ax2.set_xlabel("$m_{ML}$ [GeV]")
            ax2.legend()
            ax2.set_title(f"{name}: $m_{{ML}}$ per channel", fontsize=18)
            path = out_dir / f"{name}_mass.png"
            fig.savefig(path, dpi=70)
            plt.close(fig)
            paths.append(path)
    return paths


def save_results(results: Mapping[str, Any], out_dir: str | Path, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``hists.pkl`` (coffea.util.save), ``summary.json`` and ``plots/*.png``; returns the summary."""
    from coffea.util import save

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save({name: res["hists"] for name, res in results.items()}, out / "hists.pkl")
    summary = {"datasets": summarise(results), **_plain(dict(extra or {}))}
    summary["plots"] = [str(p) for p in plot_histograms(results, out / "plots")]
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
