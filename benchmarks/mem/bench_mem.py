"""MEM teacher seconds per event and DNN microseconds per event, measured in the same run.

Run (single-threaded numpy, numba and onnxruntime, as on one analysis-facility core):

    python benchmarks/mem/bench_mem.py --tt samples/tt_s11/fileset.json \\
        --hza samples/hza_261.40_150.50/fileset.json --out benchmarks/results/mem.json

On the ℓℓbb events (:func:`hepsurrogates.families.mem.llbb.select_llbb`) of the given samples: the VEGAS
teacher at MoMEMta's 1 % target for each hypothesis (Drell–Yan and tt̄ on tt̄ events, H → ZA at
(261.40, 150.50) GeV on signal events), wall seconds per event, evaluations per event and the
converged fraction; then each bundle (``--bundle-dir``, default the shipped ``mem_dy``,
``mem_tt``, ``mem_hza``) on the same events: µs per event in batches of ``--batch`` (best of
``--repeats``) and for one event per call. The ratios to the published MoMEMta (3.6 s, 12 s,
600 s) and DNN (110, 150, 120 µs) figures of arXiv 2008.10949 are computed from these numbers.
The first teacher call (numba compilation, PDF grid parsing) is excluded from the timing. The tt̄
teacher is also timed with Block D as its only phase-space channel (``teacher_block_d_only``; the
teacher before :mod:`hepsurrogates.datasets.teachers.mem.tt_channels`), on the same events in the same run.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from hepsurrogates.datasets.teachers.mem import dy_weights, hza_weights, tt_weights  # noqa: E402
from hepsurrogates.datasets.teachers.mem.transfer import BJET_RESPONSE  # noqa: E402
from hepsurrogates.families.mem.llbb import llbb_numpy  # noqa: E402
from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.models.mem.features import mem_feature_matrix  # noqa: E402
from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.mem.validation import llbb_events  # noqa: E402

#: arXiv 2008.10949: MoMEMta seconds per event and DNN µs per event.
PUBLISHED = {"DY": (3.6, 110.0), "TT": (12.0, 150.0), "HZA": (600.0, 120.0)}
HZA_POINT = (261.40, 150.50)


def _events(fileset: str, n: int):
    """The first ``n`` events with an ℓℓbb interpretation: records and numpy arrays."""
    rec, _, _ = llbb_events(fileset)
    rec = rec[:n]
    return rec, llbb_numpy(rec)


#: Block D as the tt̄ integrand's only phase-space channel (the teacher before ``tt_channels``)
BLOCK_D_ONLY = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _teacher(name: str, arr, n: int, seed: int, max_neval: int, channel_weights=None) -> dict:
    def call(sl):
        if name == "DY":
            lm = np.column_stack([arr.lep_minus[sl], -np.ones(len(arr.lep_minus[sl]))])
            lp = np.column_stack([arr.lep_plus[sl], np.ones(len(arr.lep_plus[sl]))])
            return dy_weights(lm, lp, seed=seed, rel_accuracy=0.01)
        if name == "TT":
            extra = {} if channel_weights is None else {"channel_weights": channel_weights}
            return tt_weights(arr.lep_minus[sl], arr.lep_plus[sl], arr.bjets[sl], arr.met[sl], seed=seed,
                              rel_accuracy=0.01, max_neval=max_neval, **extra)
        return hza_weights(arr.lep_minus[sl], arr.lep_plus[sl], arr.bjets[sl], *HZA_POINT, seed=seed,
                           rel_accuracy=0.01, bjet_response=BJET_RESPONSE)

    call(slice(0, 1))  # warm-up: numba compilation, PDF grid
    t0 = time.perf_counter()
    res = call(slice(0, n))
    wall = time.perf_counter() - t0
    return {"events": n, "seconds_per_event": wall / n, "median_evaluations": float(np.median(res.n_eval)),
            "mean_evaluations": float(np.mean(res.n_eval)),
            "converged_fraction": float(np.mean(res.converged)),
            "median_relative_error": float(np.median(res.relative_error))}


def _dnn(bundle: ModelBundle, x: np.ndarray, batch: int, repeats: int) -> dict:
    sess = bundle.session(threads=1)
    name = sess.get_inputs()[0].name
    xb = np.ascontiguousarray(np.resize(x, (batch, x.shape[1])).astype(np.float32))
    sess.run(None, {name: xb})
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        sess.run(None, {name: xb})
        best = min(best, time.perf_counter() - t0)
    one = x[:1].astype(np.float32)
    t0 = time.perf_counter()
    for _ in range(200):
        sess.run(None, {name: one})
    single = (time.perf_counter() - t0) / 200
    return {"batch": batch, "us_per_event_batched": best / batch * 1e6, "us_per_call_single_event": single * 1e6}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tt", required=True, help="fileset JSON of tt̄ events (DY and tt̄ hypotheses)")
    ap.add_argument("--hza", required=True, help="fileset JSON of H -> ZA events at (261.40, 150.50)")
    ap.add_argument("--bundle-dir", default=None, help="directory with mem_dy/mem_tt/mem_hza.onnx (default shipped)")
    ap.add_argument("--events", nargs=3, type=int, default=[40, 30, 20], metavar=("DY", "TT", "HZA"),
                    help="teacher events per hypothesis (default 40 30 20)")
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-neval", type=int, default=400_000,
                    help="tt̄ teacher evaluation budget per event (default 400000, tt_weights' default)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    if args.bundle_dir is None:
        from hepsurrogates.models.shipped import shipped_path

        paths = {h: shipped_path(f"mem_{h.lower()}") for h in PUBLISHED}
    else:
        paths = {h: Path(args.bundle_dir) / f"mem_{h.lower()}.onnx" for h in PUBLISHED}
    n_dy, n_tt, n_hza = args.events
    rec_tt, arr_tt = _events(args.tt, max(n_dy, n_tt, 200))
    rec_hza, arr_hza = _events(args.hza, max(n_hza, 200))
    out: dict = {"command": "python benchmarks/mem/bench_mem.py " + " ".join(
        f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in vars(args).items() if v is not None), "platform": platform.processor() or platform.machine(),
        "threads": 1, "hypotheses": {}}
    runs = (("DY", arr_tt, rec_tt, n_dy), ("TT", arr_tt, rec_tt, n_tt), ("HZA", arr_hza, rec_hza, n_hza))
    for h, arr, rec, n in runs:
        teacher = _teacher(h, arr, n, args.seed, args.max_neval)
        bundle = ModelBundle.load(paths[h], family="mem")
        x = mem_feature_matrix(rec)
        if h == "HZA":
            x = np.column_stack([x, np.tile(np.float32(HZA_POINT), (len(x), 1))]).astype(np.float32)
        dnn = _dnn(bundle, x, args.batch, args.repeats)
        momemta_s, published_us = PUBLISHED[h]
        out["hypotheses"][h] = {
            "teacher_rel_accuracy": 0.01,
            "teacher": teacher,
            "dnn": dnn,
            "bundle": str(paths[h]),
            "teacher_speedup_vs_momemta": momemta_s / teacher["seconds_per_event"],
            "dnn_speedup_vs_published_dnn": published_us / dnn["us_per_event_batched"],
            "dnn_speedup_vs_teacher": teacher["seconds_per_event"] * 1e6 / dnn["us_per_event_batched"],
            "published": {"momemta_seconds_per_event": momemta_s, "dnn_us_per_event": published_us},
        }
        if h == "TT":  # the same events with Block D alone, in the same run: the channels' gain
            block_d = _teacher(h, arr, n, args.seed, args.max_neval, BLOCK_D_ONLY)
            out["hypotheses"][h]["teacher_block_d_only"] = block_d
            out["hypotheses"][h]["teacher_speedup_vs_block_d_only"] = (
                block_d["seconds_per_event"] / teacher["seconds_per_event"]
            )
        print(h, json.dumps(out["hypotheses"][h]), flush=True)
    out["provenance"] = provenance_record()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
