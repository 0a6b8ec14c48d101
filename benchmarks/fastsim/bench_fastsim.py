"""FastSim throughput: objects per second through onnxruntime, the processor against a plain read, the
detector model it replaces, and bytes per event.

Run (single-threaded numpy and onnxruntime, as on one analysis-facility core):

    python benchmarks/fastsim/bench_fastsim.py --data samples/wjets_munu_seed11_n40000/fileset.json \\
        --bundles models/shipped/fastsim_wjets_flow.onnx models/shipped/fastsim_wjets_gauss.onnx \\
        --out benchmarks/results/fastsim.json

In one run: every bundle's reco-level objects per second (batches of ``--batch`` gen rows with
their counter-based noise, best of ``--repeats``; one object = one W + jet 9-vector, i.e. the muon,
the jet and the MET of one draw); the :class:`~hepsurrogates.processors.fastsim.FastSimProcessor`
(``--oversample`` draws) events per second against a plain NanoEvents read of the same gen
columns; the teacher it replaces, this project's parametric detector model, per event (measured
by generating ``--teacher-events`` events; its cost is not GEANT4's: the real saving is against a
full simulation, quoted beside it from the literature); bytes per event of the gen-level input
branches, of the whole input file and of the FastSim collections in a skim.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import awkward as ak  # noqa: E402
import numpy as np  # noqa: E402
import uproot  # noqa: E402

from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.models.fastsim.features import FEATURE_BRANCHES, RECO_NAMES  # noqa: E402
from hepsurrogates.models.fastsim.noise import counter_normal  # noqa: E402
from hepsurrogates.nanoio import open_events  # noqa: E402
from hepsurrogates.processors.fastsim import FastSimProcessor  # noqa: E402
from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.fastsim.data import load_fastsim_dataset  # noqa: E402
from hepsurrogates.training.samples import files_from  # noqa: E402

#: CMS full simulation (GEANT4) + reconstruction of a tt-bar event: O(1 min) on one core (CMS
#: Offline and Computing Public Results; FlashSim arXiv 2402.13684 quotes ~1 event/minute)
GEANT4_SECONDS_PER_EVENT = 60.0


def _architecture(network: dict) -> str:
    """A bundle's network in a few words (the card's ``network`` block)."""
    hidden = "×".join(str(h) for h in network["hidden"])
    if network["model"] != "flow":
        return f"Gaussian μ + σ·ε, MLP {hidden}"
    kind = "autoregressive" if network.get("passes") is None else f"{network['passes']}-pass coupling"
    return f"flow, {network['transforms']} {kind} spline transforms, {network['bins']} bins, MLP {hidden}"


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _objects_per_second(bundle: ModelBundle, data, batch: int, repeats: int) -> dict[str, float]:
    n = min(batch, len(data))
    x, ids = data.x[:n], (data.run[:n], data.lumi[:n], data.event[:n])
    eps = counter_normal(*ids, draw=0, width=len(RECO_NAMES))
    rows = np.ascontiguousarray(np.concatenate([x, eps], axis=1), dtype=np.float32)
    bundle.predict(rows[:16])  # session created outside the timing
    t_net = _best(lambda: bundle.predict(rows, threads=1), repeats)
    t_noise = _best(lambda: counter_normal(*ids, draw=0, width=len(RECO_NAMES)), repeats)
    return {"batch": n, "network_seconds": t_net, "noise_seconds": t_noise,
            "objects_per_second": n / (t_net + t_noise), "network_objects_per_second": n / t_net,
            "microseconds_per_object": 1e6 * (t_net + t_noise) / n}


def _processor(bundle: ModelBundle, files: list[str], oversample: int, skim_dir: Path) -> dict[str, float]:
    proc = FastSimProcessor(bundle, oversample=oversample, skim_dir=str(skim_dir))
    t_read = t_proc = 0.0
    entries = 0
    for f in files:
        t0 = time.perf_counter()
        ev = open_events(f, mode="eager")
        for b in FEATURE_BRANCHES:  # a plain read materialises the same gen columns
            if b.startswith("n"):
                continue  # counters come with their collection
            coll, _, field = b.partition("_")
            ak.materialize(ev[coll][field] if field and coll in ev.fields else ev[b])
        t_read += time.perf_counter() - t0
        entries += len(ev)
        t0 = time.perf_counter()
        proc.process(open_events(f, mode="eager", metadata={"dataset": "wjets_munu", "filename": f}))
        t_proc += time.perf_counter() - t0
    return {"events": entries, "oversample": oversample, "read_seconds": t_read, "processor_seconds": t_proc,
            "read_events_per_second": entries / t_read, "processor_events_per_second": entries / t_proc,
            "processor_over_read": t_proc / t_read}


def _bytes(files: list[str], skim_dir: Path) -> dict[str, float]:
    gen = total = entries = 0
    for f in files:
        tree = uproot.open(f)["Events"]
        entries += tree.num_entries
        total += Path(f).stat().st_size
        gen += sum(tree[b].compressed_bytes for b in FEATURE_BRANCHES if b in tree)
    skim_entries = skim_fast = skim_total = 0
    for f in sorted(skim_dir.glob("*.root")):
        tree = uproot.open(f)["Events"]
        skim_entries += tree.num_entries
        skim_total += f.stat().st_size
        skim_fast += sum(tree[b].compressed_bytes for b in tree.keys() if b.startswith(("FastSim", "nFastSim")))
    return {"input_file_bytes_per_event": total / entries, "gen_input_bytes_per_event": gen / entries,
            "skim_bytes_per_selected_event": skim_total / max(skim_entries, 1),
            "fastsim_collections_bytes_per_selected_event": skim_fast / max(skim_entries, 1),
            "selected_fraction": skim_entries / entries}


def _teacher(n_events: int) -> dict[str, float]:
    from hepsurrogates.datasets import generate

    with tempfile.TemporaryDirectory() as tmp:
        r = generate("wjets_munu", n_events, seed=991, out_dir=tmp, workers=1, chunk_size=n_events, progress=False)
    per = {k: v / n_events for k, v in r.timings.items()}
    return {"events": n_events, "detector_seconds_per_event": per["detector"],
            "generation_seconds_per_event": sum(per[k] for k in ("pythia", "genrecord", "clustering", "detector",
                                                                   "writing")),
            "stage_seconds_per_event": per}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="fileset JSON (or directory) of a held-out wjets_munu sample")
    p.add_argument("--bundles", nargs="+", required=True)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--files", type=int, default=4, help="files of --data the processor runs over")
    p.add_argument("--oversample", type=int, default=1)
    p.add_argument("--teacher-events", type=int, default=1000)
    p.add_argument("--out", default="benchmarks/results/fastsim.json")
    a = p.parse_args()
    files = files_from(a.data, "wjets_munu")[: a.files]
    data = load_fastsim_dataset(files, progress=False)
    results: dict = {"benchmark": "fastsim", "machine": {"cpus": os.cpu_count(), "processor": platform.machine()},
                     "provenance": provenance_record(), "data": a.data, "bundles": {}}
    for path in a.bundles:
        bundle = ModelBundle.load(path, family="fastsim")
        entry = {"objects": _objects_per_second(bundle, data, a.batch, a.repeats),
                 "card_metrics": bundle.card["metrics"].get("summary", {}), "model": bundle.card["network"]["model"],
                 "architecture": _architecture(bundle.card["network"])}
        with tempfile.TemporaryDirectory() as tmp:
            entry["processor"] = _processor(bundle, files, a.oversample, Path(tmp))
            entry["bytes"] = _bytes(files, Path(tmp))
        results["bundles"][bundle.name] = entry
        print(bundle.name, json.dumps(entry["objects"]), json.dumps(entry["processor"]))
    results["teacher"] = _teacher(a.teacher_events)
    results["teacher"]["geant4_seconds_per_event_quoted"] = GEANT4_SECONDS_PER_EVENT
    for entry in results["bundles"].values():
        per_event = 1.0 / entry["processor"]["processor_events_per_second"]
        entry["speedup_vs_detector_model"] = results["teacher"]["detector_seconds_per_event"] / (
            1.0 / entry["objects"]["objects_per_second"])
        entry["processor_seconds_per_event"] = per_event
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(json.dumps(results["teacher"]))


if __name__ == "__main__":
    main()
