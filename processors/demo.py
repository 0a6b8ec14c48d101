"""``hepsurrogates demo``: the main job on the embedded default, every family in one pass.

The fileset is the small samples each registered family ships for its demo
(``hepsurrogates/data/demo/``; seeds no training used, so the events are held out). One
:class:`~hepsurrogates.processors.base.SurrogateProcessor` with every family's attacher (the
shipped bundles, the families' run defaults and their ``demo_options``) runs over all of them in
dask mode on a local Dask cluster; it writes a ROOT skim, histograms, plots and ``summary.json``;
the skim is read back with NanoAODSchema and each family's ``demo_report`` turns it into the
numbers the demo prints (``ditau``: the m_ML and FastMTT resolutions against the generated mass,
the Z → ττ peak; ``mem``: the tt̄ / Drell–Yan separation of the discriminant D).
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

from hepsurrogates.cluster import dask_client
from hepsurrogates.families import REGISTRY, FamilySpec
from hepsurrogates.nanoio import open_events

from .base import SurrogateProcessor
from .outputs import save_results
from .runner import run_processor

__all__ = ["demo_families", "demo_fileset", "run_demo", "format_summary"]


def demo_families() -> list[FamilySpec]:
    """The registered families with an attacher and demo samples, in registry order."""
    return [f for f in REGISTRY.values() if f.attacher and f.demo]


def demo_fileset() -> dict[str, Any]:
    """The fileset of every family's shipped demo samples."""
    base = resources.files("hepsurrogates").joinpath("data", "demo")
    out: dict[str, Any] = {}
    for fam in demo_families():
        for s in fam.demo:
            out[s.dataset] = {"files": {str(base.joinpath(s.file)): "Events"},
                              "metadata": {"sample": s.sample, "seed": s.seed, "family": fam.name}}
    return out


def _skims(skim_dir: Path, datasets: list[str]) -> dict[str, list[Any]]:
    """The skim files of each dataset read back with NanoAODSchema (one NanoEvents per file)."""
    return {ds: [open_events(f, mode="eager") for f in sorted(skim_dir.glob(f"{ds}-*.root"))] for ds in datasets}


def run_demo(out_dir: str | Path = "demo_output", workers: int = 2, progress: bool = True) -> dict[str, Any]:
    """Run the demo and return its summary (also written to ``out_dir/summary.json``)."""
    out = Path(out_dir)
    skim_dir = out / "skim"
    for old in skim_dir.glob("*.root"):
        old.unlink()
    fileset = demo_fileset()
    families = demo_families()
    attachers = [f.load("attacher")(bundles=(), **{**f.defaults_for("run"), **f.demo_options}) for f in families]
    proc = SurrogateProcessor(attachers, skim_dir=str(skim_dir), skim_format="root")
    t0 = time.perf_counter()
    with dask_client(workers=workers) as client:
        t_cluster = time.perf_counter()
        results = run_processor(fileset, proc, executor="dask", client=client, progress=progress)
    t1 = time.perf_counter()
    skims = _skims(skim_dir, list(fileset))
    reports: dict[str, Any] = {}
    lines: dict[str, list[str]] = {}
    for f in families:
        mine = {s.dataset: skims[s.dataset] for s in f.demo}
        reports[f.name], lines[f.name] = f.load("demo_report")(mine)
    summary = save_results(
        results,
        out,
        proc,
        extra={
            "workers": workers,
            "seconds": {"cluster_start": round(t_cluster - t0, 2), "processing": round(t1 - t_cluster, 2)},
            "report": reports,
            "report_lines": lines,
        },
    )
    summary["out_dir"] = str(out)
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """A few human lines: events and selections per dataset, then each family's numbers."""
    fams = summary["families"]
    lines = [
        f"hepsurrogates demo: {', '.join(fams)} in one pass with the shipped bundles on a LocalCluster of "
        f"{summary['workers']} workers, processing {summary['seconds']['processing']} s"
    ]
    for name, ds in summary["datasets"].items():
        sel = ", ".join(f"{f} {r['selected']}" for f, r in ds["families"].items())
        lines.append(f"  {name}: {ds['entries']} events; selected by {sel}")
    for fam in fams:
        for line in summary["report_lines"].get(fam, []):
            lines.append(f"  {fam}: {line}")
    lines.append(f"  skim (reads back with NanoAODSchema): {summary['out_dir']}/skim/")
    lines.append(
        f"  histograms: {summary['out_dir']}/hists.pkl, plots: {summary['out_dir']}/plots/, "
        f"summary: {summary['out_dir']}/summary.json"
    )
    return "\n".join(lines)
