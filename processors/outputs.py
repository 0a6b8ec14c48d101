"""Save what a run produced: histograms (one pickle), one JSON summary, PNG plots per dataset and family.

Layout of ``OUT``:

* ``hists.pkl`` (``coffea.util.save``): ``{dataset: {family: {name: hist.Hist}}}``;
* ``summary.json``: per dataset the entries, the events any family selected, and per family the
  events it selected, its counters (e.g. channels) and its histogram names; the skim files; the
  bundles (path and sha256) behind every column; whatever the caller adds (``extra``);
* ``plots/<dataset>_<family>.png``, drawn by each family's attacher.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hepsurrogates.jsonout import plain

__all__ = ["save_results", "summarise", "histogram_payload"]


def summarise(results: Mapping[str, Any]) -> dict[str, Any]:
    """Counts per dataset and family (JSON-ready)."""
    out: dict[str, Any] = {}
    for name, res in results.items():
        families = {}
        for fam, r in res["families"].items():
            families[fam] = {"selected": int(r["selected"]), **plain(r.get("counts") or {}),
                             "histograms": sorted(r["hists"])}
        out[name] = {"entries": int(res["entries"]), "selected": int(res["selected"]), "families": families}
        if isinstance(res.get("skim"), list):
            out[name]["skim_files"] = [str(p) for p in res["skim"]]
    return out


def histogram_payload(results: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """What ``hists.pkl`` holds: ``{dataset: {family: {name: hist.Hist}}}`` of a run's results."""
    return {name: {fam: r["hists"] for fam, r in res["families"].items()} for name, res in results.items()}


def save_results(results: Mapping[str, Any], out_dir: str | Path, processor_instance: Any,
                 extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``hists.pkl``, ``summary.json`` and ``plots/`` (module docstring); returns the summary.

    Args:
        results: ``{dataset: output}`` of :class:`~hepsurrogates.processors.base.SurrogateProcessor`.
        processor_instance: the processor that produced them (its attachers draw the plots and
            name the bundles).
        extra: more JSON-ready entries for the summary (executor, scheduler, options, ...).
    """
    from coffea.util import save

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save(histogram_payload(results), out / "hists.pkl")
    bundles = {a.family: {col: {"bundle": b.path or b.name, "sha256": b.card["sha256"]} for col, b in a.bundles.items()}
               for a in processor_instance.attachers}
    summary: dict[str, Any] = {
        "datasets": summarise(results),
        "families": processor_instance.families,
        "columns": processor_instance.output_fields,
        "bundles": bundles,
        **plain(dict(extra or {})),
    }
    plots = []
    attachers = {a.family: a for a in processor_instance.attachers}
    for name, res in results.items():
        for fam, r in res["families"].items():
            plots.append(str(attachers[fam].plot(r["hists"], out / "plots" / f"{name}_{fam}.png", name)))
    summary["plots"] = plots
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False) + "\n")
    return summary
