"""Generation throughput per worker, split into stages, for every sample (JSON out).

Run:
    python benchmarks/bench_generation.py --events 2000 --out benchmarks/results/generation.json

Each sample is generated once in a single process (one worker, one chunk), so the stage times
are per worker: ``pythia`` (Pythia 8 event generation and the copy of its records into
numpy), ``genrecord`` (status flags, pruning, GenVisTau, GenMET, LHEPart), ``clustering``
(fastjet anti-kT 0.4), ``detector`` (the CMS-like simulation) and ``writing`` (uproot).
Absolute rates drift on shared machines; the shares between stages are the stable numbers.
A second run with ``--workers`` > 1 reports the wall-clock scaling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from hepsurrogates.datasets import generate, sample_names
from hepsurrogates.datasets.generate import STAGES
from hepsurrogates.provenance import provenance_record


def bench_sample(sample: str, events: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        single = generate(sample, events, seed=2024, out_dir=tmp, workers=1, chunk_size=events, progress=False)
        size = sum(f.stat().st_size for f in single.files)
    total = sum(single.timings[s] for s in STAGES)
    out = {
        "events": events,
        "seconds": {s: round(single.timings[s], 3) for s in STAGES},
        "events_per_second_per_worker": {s: round(events / single.timings[s], 1) for s in STAGES},
        "total_events_per_second_per_worker": round(events / total, 1),
        "stage_share": {s: round(single.timings[s] / total, 3) for s in STAGES},
        "bytes_per_event": round(size / events, 1),
        "pythia_split": {
            "next_seconds": round(single.timings["pythia_next"], 3),
            "record_copy_seconds": round(single.timings["pythia_record_copy"], 3),
            "record_copy_share_of_pythia": round(single.timings["pythia_record_copy"] / single.timings["pythia"], 3),
        },
    }
    if workers > 1:
        with tempfile.TemporaryDirectory() as tmp:
            par = generate(sample, events, seed=2024, out_dir=tmp, workers=workers,
                           chunk_size=max(1, events // workers), progress=False)
        out["parallel"] = {
            "workers": workers,
            "wall_seconds": round(par.wall_seconds, 2),
            "events_per_second": round(events / par.wall_seconds, 1),
            "speedup_vs_one_worker_wall": round(single.wall_seconds / par.wall_seconds, 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--samples", nargs="*", default=sample_names())
    parser.add_argument("--out", default="benchmarks/results/generation.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = {
        "benchmark": "generation",
        "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
        "provenance": provenance_record(),
        "samples": {s: bench_sample(s, args.events, args.workers) for s in args.samples},
    }
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["samples"], indent=2))


if __name__ == "__main__":
    main()
