"""Resolution of m_ML against network size: the same training at several widths (JSON out).

Run:
    python benchmarks/ditau/size_scan.py --config models/shipped/ditau_mass.train.json \\
        --sizes 1000x3 256x3 128x3 64x3 32x3 --samples-dir samples --out build/ditau_scan \\
        --json benchmarks/results/ditau_size_scan.json

Every size uses the shipped configuration (data, seed, loss, schedule) with only ``hidden``
changed, and is evaluated on the same independent samples, next to FastMTT. Sizes already in
``--json`` and not named in ``--sizes`` are kept (``--fresh`` starts over); every row records the
code revision and packages it was trained with. The timing of the
resulting bundles is measured by ``benchmarks/ditau/bench_ditau.py`` in one run with FastMTT.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

from hepsurrogates.provenance import provenance_record
from hepsurrogates.training.ditau.train import DiTauTrainConfig, train_ditau


def _hidden(size: str) -> list[int]:
    width, _, depth = size.partition("x")
    return [int(width)] * int(depth or 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--sizes", nargs="+", default=["1000x3", "256x3", "128x3", "64x3", "32x3"])
    parser.add_argument("--samples-dir", default="samples")
    parser.add_argument("--out", default="build/ditau_scan")
    parser.add_argument("--json", default="benchmarks/results/ditau_size_scan.json")
    parser.add_argument("--max-epochs", type=int, default=None, help="cap (for the largest sizes on a CPU)")
    parser.add_argument("--fresh", action="store_true",
                        help="start a new JSON instead of replacing only the sizes given in the existing one")
    args = parser.parse_args()
    base = DiTauTrainConfig.from_json(args.config)
    json_path = Path(args.json)
    previous = json.loads(json_path.read_text()) if json_path.exists() and not args.fresh else {}
    rows = dict(previous.get("sizes", {}))
    for row in rows.values():  # older files kept one provenance for the whole scan
        row.setdefault("provenance", previous.get("provenance"))
    for size in args.sizes:
        cfg = replace(base, name=f"{base.name}_{size}", hidden=_hidden(size),
                      max_epochs=args.max_epochs or base.max_epochs)
        t0 = time.perf_counter()
        result = train_ditau(cfg, Path(args.out) / size, samples_dir=args.samples_dir,
                             command=f"benchmarks/ditau/size_scan.py --config {args.config} --sizes {size}")
        card = json.loads(
            result.bundle_path.with_name(result.bundle_path.name.removesuffix(".onnx") + ".card.json").read_text()
        )
        ind = result.metrics.get("independent_sample", result.metrics["test_split"])
        rows[size] = {
            "bundle": str(result.bundle_path),
            "hidden": cfg.hidden,
            "n_parameters": card["network"]["n_parameters"],
            "flops_per_event": card["network"]["flops_per_event"],
            "epochs": len(result.history.train_loss),
            "best_epoch": result.history.best_epoch,
            "training_seconds": round(result.history.seconds, 1),
            "wall_seconds": round(time.perf_counter() - t0, 1),
            "m_ML": {
                k: ind["m_ML"][k]
                for k in (
                    "resolution_mean_100_800_percent",
                    "max_abs_median_response_deviation_70_800",
                    "worst_response_bin_gev",
                    "worst_response_bin_stat_error",
                    "per_channel_resolution_100_800_percent",
                )
            },
            "FastMTT_resolution_mean_100_800_percent": ind["FastMTT"]["resolution_mean_100_800_percent"],
            "z_tautau_peak": result.metrics.get("z_tautau_peak"),
            "provenance": provenance_record(),
        }
        print(json.dumps({size: rows[size]["m_ML"]["resolution_mean_100_800_percent"]}), flush=True)
        # written after every size (each row carries its own provenance), so a long scan can be
        # resumed or extended size by size
        out = {"benchmark": "ditau_size_scan", "config": args.config, "sizes": rows}
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
