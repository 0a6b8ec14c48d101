"""``hepsurrogates demo``: the main job on the embedded default.

Runs :class:`~hepsurrogates.processors.ditau.DiTauMassProcessor` with the shipped ``ditau_mass``
bundle (and FastMTT) over the two small samples shipped with the package (2000 ``htautau``
events and 4000 ``dy_ll`` Z/γ* → ττ events, seeds no training used), in dask mode on a local
Dask cluster; writes a ROOT skim,
histograms and plots; reads the skim back with NanoAODSchema and prints a short summary: the
di-τ pairs per channel, the m_ML and FastMTT resolutions on the Higgs sample (the generated
mass is in the skim) and the Z → ττ peak on Drell–Yan.
"""

from __future__ import annotations

import time
from importlib import resources
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates.nanoio import open_events

from .ditau import DiTauMassProcessor
from .outputs import save_results
from .runner import dask_client, run_processor

__all__ = ["DEMO_FILES", "demo_fileset", "run_demo", "format_summary"]

DEMO_FILES = {"htautau": "htautau_demo.root", "dy_ll": "dy_ll_demo.root"}


def demo_fileset() -> dict[str, Any]:
    """The fileset of the shipped demo samples."""
    base = resources.files("hepsurrogates").joinpath("data", "demo")
    return {name: {"files": {str(base.joinpath(f)): "Events"}, "metadata": {"sample": name}} for name, f in DEMO_FILES.items()}


def _resolution(pred: np.ndarray, true: np.ndarray, lo: float = 100.0, hi: float = 800.0) -> float:
    m = (true >= lo) & (true <= hi) & np.isfinite(pred)
    q16, q50, q84 = np.quantile(pred[m] / true[m], [0.16, 0.5, 0.84])
    return float(100.0 * 0.5 * (q84 - q16) / q50)


def _skim_checks(skim_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in DEMO_FILES:
        files = sorted(skim_dir.glob(f"{name}-*.root"))
        events = [open_events(f, mode="eager") for f in files]
        n = sum(len(e) for e in events)
        entry: dict[str, Any] = {"files": [str(f) for f in files], "events": n}
        mml = np.concatenate([ak.to_numpy(e.Surrogate.mTauTau) for e in events]) if events else np.zeros(0)
        fmtt = np.concatenate([ak.to_numpy(e.Surrogate.mTauTauFastMTT) for e in events]) if events else np.zeros(0)
        if name == "htautau" and n:
            true = np.concatenate([ak.to_numpy(e.Teacher.higgsMass) for e in events])
            entry["resolution_100_800_percent"] = {"m_ML": _resolution(mml, true), "FastMTT": _resolution(fmtt, true)}
        if name == "dy_ll" and n:
            tautau = np.concatenate([
                ak.to_numpy(ak.sum((abs(e.LHEPart.pdgId) == 15) & (e.LHEPart.status == 1), axis=1) == 2) for e in events])
            entry["z_tautau_median_gev"] = {"m_ML": float(np.median(mml[tautau])), "FastMTT": float(np.median(fmtt[tautau]))}
            entry["z_tautau_events"] = int(tautau.sum())
        out[name] = entry
    return out


def run_demo(out_dir: str | Path = "demo_output", workers: int = 2, fileset: dict[str, Any] | None = None,
             progress: bool = True) -> dict[str, Any]:
    """Run the demo and return its summary (also written to ``out_dir/summary.json``)."""
    from hepsurrogates.models.shipped import load_shipped

    out = Path(out_dir)
    skim_dir = out / "skim"
    for old in skim_dir.glob("*.root"):
        old.unlink()
    fileset = fileset or demo_fileset()
    bundle = load_shipped("ditau_mass", family="ditau")
    proc = DiTauMassProcessor(bundle, with_fastmtt=True, skim_dir=str(skim_dir), skim_format="root")
    t0 = time.perf_counter()
    with dask_client(workers=workers) as client:
        t_cluster = time.perf_counter()
        results = run_processor(fileset, proc, executor="dask", client=client, progress=progress)
    t1 = time.perf_counter()
    checks = _skim_checks(skim_dir)
    summary = save_results(results, out, extra={
        "bundle": bundle.path, "bundle_sha256": bundle.card["sha256"], "workers": workers,
        "seconds": {"cluster_start": round(t_cluster - t0, 2), "processing": round(t1 - t_cluster, 2)},
        "skim": checks,
    })
    summary["out_dir"] = str(out)
    return summary


def format_summary(summary: dict[str, Any]) -> str:
    """A few human lines."""
    lines = [f"hepsurrogates demo: shipped bundle {Path(summary['bundle']).name} on a LocalCluster of "
             f"{summary['workers']} workers, processing {summary['seconds']['processing']} s"]
    for name, ds in summary["datasets"].items():
        ch = ", ".join(f"{k} {v}" for k, v in ds["channels"].items())
        lines.append(f"  {name}: {ds['entries']} events, {ds['with_pair']} di-tau pairs ({ch})")
        sk = summary["skim"].get(name, {})
        if "resolution_100_800_percent" in sk:
            r = sk["resolution_100_800_percent"]
            lines.append(f"    relative resolution 100-800 GeV: m_ML {r['m_ML']:.1f} %, FastMTT {r['FastMTT']:.1f} %")
        if "z_tautau_median_gev" in sk:
            z = sk["z_tautau_median_gev"]
            lines.append(f"    Z->tautau ({sk['z_tautau_events']} events): median m_ML {z['m_ML']:.1f} GeV, FastMTT {z['FastMTT']:.1f} GeV")
    lines.append(f"  skim (reads back with NanoAODSchema): {summary['out_dir']}/skim/")
    lines.append(f"  histograms: {summary['out_dir']}/hists.pkl, plots: {summary['out_dir']}/plots/, summary: {summary['out_dir']}/summary.json")
    return "\n".join(lines)
