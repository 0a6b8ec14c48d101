"""Accuracy of the MEM regressions against network size, on the same data and splits.

    python benchmarks/mem/size_scan.py --work mem_work --out benchmarks/results/mem_size_scan.json

For each hypothesis, ``hepsurrogates train mem`` (the Python API) at the published size and at
smaller ones, everything else as in the shipped configuration; per size: parameters, epochs,
test-split bias and resolution (std) and 68 % half-width of Δ = −log10 W_DNN − (−log10 W_teacher)
in log10 units, and whether the published regression targets (|bias| and resolution below
DY 0.124 / 0.138, tt̄ 0.276 / 0.444) are met. H → ZA has no published regression numbers: its
row records the same metrics; its acceptance test is the likelihood scan
(``hepsurrogates.training.mem.validation``). The smallest size that meets the targets is the
shipped one (README, "Matrix Element Method"). Timing per size is in ``benchmarks/mem/bench_mem.py``
(``--architectures``) — the accuracy numbers here are not timed.

``ablation`` (per hypothesis, at the shipped size): the same training without the in-graph ℓℓbb
invariants (:mod:`hepsurrogates.training.mem.invariants`) and/or without the symmetry
augmentation (:mod:`hepsurrogates.training.mem.symmetries`): what each contributes.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

from hepsurrogates.models.mem.features import FEATURE_NAMES, HZA_PARAMETERS  # noqa: E402
from hepsurrogates.training.mem.invariants import n_preprocessed  # noqa: E402
from hepsurrogates.training.mem.train import MEMTrainConfig, train_mem  # noqa: E402

PUBLISHED = {"DY": (0.124, 0.138), "TT": (0.276, 0.444)}
SIZES = {"DY": [(6, 200), (4, 128), (3, 64), (2, 32)],
         "TT": [(8, 500), (4, 256), (3, 128), (3, 64), (2, 32)],
         "HZA": [(8, 300), (4, 128), (3, 64)]}


def data(work: Path, hypothesis: str) -> tuple[list[Path], list[Path]]:
    """The (fileset, teach output) pairs of ``benchmarks/mem/rebuild.sh`` for one hypothesis."""
    if hypothesis == "DY":
        return ([work / "fileset_tt_train.json", work / "fileset_dyj_train.json", work / "fileset_hza_main.json"],
                [work / "teach_tt", work / "teach_dyj", work / "teach_dy_hza"])
    if hypothesis == "TT":
        return ([work / "fileset_tt_train.json", work / "tt_s21/fileset.json", work / "tt_s22/fileset.json",
                 work / "fileset_dyj_train.json"],
                [work / "teach_tt", work / "teach_tt21", work / "teach_tt22", work / "teach_dyj"])
    return ([work / "fileset_hza_train.json", work / "fileset_hza_train32.json"],
            [work / "teach_hza", work / "teach_hza32"])


def seed_spread(work: Path, out_path: Path, result: dict, hypotheses: list[str], sizes: list[str],
                seeds: list[int]) -> int:
    """Test-split resolution of each size for several training seeds (same data and split):
    how much of a difference between sizes is the seed's."""
    for h in hypotheses:
        filesets, teachers = data(work, h)
        rows = []
        for size in sizes:
            layers, width = (int(v) for v in size.split("x"))
            res_by_seed = {}
            for seed in seeds:
                # the split seed stays that of the shipped config: only the initialisation and batches change
                cfg = MEMTrainConfig(
                    hypothesis=h,
                    hidden_layers=layers,
                    width=width,
                    name=f"mem_{h.lower()}_{size}_s{seed}",
                    seed=seed,
                    split_seed=1,
                )
                res = train_mem(
                    cfg,
                    work / "size_scan",
                    filesets,
                    teachers,
                    progress=False,
                    command=f"benchmarks/mem/size_scan.py --seed-spread {size} seed {seed}",
                )
                res_by_seed[seed] = res.metrics["test_split"]["resolution"]
                print(h, size, seed, res_by_seed[seed], flush=True)
            values = list(res_by_seed.values())
            row = {
                "size": size,
                "resolution_by_seed": res_by_seed,
                "mean": sum(values) / len(values),
                "max": max(values),
            }
            if h in PUBLISHED:
                row["all_seeds_meet_published"] = bool(max(values) < PUBLISHED[h][1])
            rows.append(row)
        result[f"{h}_seed_spread"] = rows
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(result, indent=1) + "\n")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", required=True, help="WORKDIR of benchmarks/mem/rebuild.sh")
    ap.add_argument("--hypotheses", nargs="+", default=["DY", "TT", "HZA"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--skip-ablation", action="store_true", help="only the size scan")
    ap.add_argument(
        "--seed-spread",
        nargs="*",
        default=None,
        metavar="LxW",
        help="instead of the scan: train these sizes (e.g. 2x32 3x64) with --seeds and record the spread",
    )
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4])
    args = ap.parse_args()
    work = Path(args.work)
    out_path = Path(args.out)
    result = json.loads(out_path.read_text()) if out_path.is_file() else {}
    result["command"] = "python benchmarks/mem/size_scan.py --work WORKDIR --out " + args.out
    if args.seed_spread is not None:
        return seed_spread(work, out_path, result, args.hypotheses, args.seed_spread, args.seeds)
    for h in args.hypotheses:
        filesets, teachers = data(work, h)
        shipped = MEMTrainConfig.from_json(
            Path(__file__).resolve().parents[2] / "models" / "shipped" / f"mem_{h.lower()}.train.json"
        )
        runs = [(f"{layers}x{width}", {"hidden_layers": layers, "width": width}) for layers, width in SIZES[h]]
        if not args.skip_ablation:
            size = {"hidden_layers": shipped.hidden_layers, "width": shipped.width}
            runs += [
                (f"ablation:{name}", {**size, **opts})
                for name, opts in (
                    ("no invariants, no symmetries", {"invariants": False, "symmetries": []}),
                    ("invariants only", {"symmetries": []}),
                    ("symmetries only", {"invariants": False}),
                )
            ]
        rows, ablation = [], []
        for label, opts in runs:
            cfg = MEMTrainConfig(
                hypothesis=h,
                name=f"mem_{h.lower()}_{label.replace(':', '_').replace(' ', '_').replace(',', '')}",
                **opts,
            )
            res = train_mem(
                cfg,
                work / "size_scan",
                filesets,
                teachers,
                progress=False,
                command=f"benchmarks/mem/size_scan.py {h} {label}",
            )
            test = res.metrics["test_split"]
            n_in = len(FEATURE_NAMES) + (len(HZA_PARAMETERS) if h == "HZA" else 0)
            n_in = n_preprocessed(n_in) if cfg.invariants else n_in
            layers, width = len(cfg.hidden), cfg.hidden[0]
            n_params = sum(a * b + b for a, b in zip([n_in] + [width] * layers, [width] * layers + [1]))
            row = {
                "size": f"{layers}x{width}",
                "invariants": cfg.invariants,
                "log_momenta": cfg.used_log_momenta,
                "symmetries": cfg.used_symmetries,
                "parameters": n_params,
                "epochs": len(res.history.train_loss),
                "bias": test["bias"],
                "resolution": test["resolution"],
                "half_width_68": test["half_width_68"],
                "n_test": test["n"],
                "n_train_events": res.n_events["train"],
            }
            if h in PUBLISHED:
                b, r = PUBLISHED[h]
                row["meets_published"] = bool(abs(test["bias"]) < b and test["resolution"] < r)
            (ablation if label.startswith("ablation:") else rows).append(row)
            print(h, label, json.dumps(row), flush=True)
        result[h] = rows
        if ablation:
            result[f"{h}_ablation"] = ablation
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
