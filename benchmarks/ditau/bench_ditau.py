"""m_ML against FastMTT: time per event, resolution against network size, processor throughput.

Run (single-threaded numpy and onnxruntime, as on one analysis-facility core):

    python benchmarks/ditau/bench_ditau.py --data samples/htautau_seed3_n120000/fileset.json \\
        --bundles models/shipped/ditau_mass.onnx \\
        --architectures 1000x3 256x3 128x3 64x3 32x3 32x2 16x2 \\
        --scan benchmarks/results/ditau_size_scan.json --out benchmarks/results/ditau.json

In one run, on the same held-out events: FastMTT (both variants) and every bundle's µs per
event (onnxruntime, batches of ``--batch`` events, best of several repeats), the speed-up ratio,
each bundle's resolution (mean over 10 GeV bins in 100–800 GeV) and worst median response
(70–800 GeV) next to its FLOPs and parameters; and the ``DiTauMassProcessor`` throughput against
a plain NanoEvents read of the same columns (the ratio is the cost of attaching m_ML).

``--architectures`` times the same graph (τ1-frame preprocessing, standardisation, MLP of that
size, calibration layer) for other network sizes in the same run, without training them: the
cost of an ONNX graph does not depend on its weight values. Their accuracy comes from the trained
networks of ``benchmarks/ditau/size_scan.py`` (``--scan``), copied next to the timing and marked
as such.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import awkward as ak  # noqa: E402
import numpy as np  # noqa: E402

from hepsurrogates.models.bundle import ModelBundle  # noqa: E402
from hepsurrogates.models.ditau.fastmtt import fastmtt_mass  # noqa: E402
from hepsurrogates.models.ditau.features import FEATURE_BRANCHES  # noqa: E402
from hepsurrogates.nanoio import open_events  # noqa: E402
from hepsurrogates.processors.ditau import DiTauMassProcessor  # noqa: E402
from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.ditau.data import files_from, load_ditau_dataset  # noqa: E402
from hepsurrogates.training.ditau.report import summary_metrics  # noqa: E402


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _fastmtt(data, sl, variant):
    lg = {k: v[sl] for k, v in data.legs.items()}
    return fastmtt_mass(lg["leg1_pt"], lg["leg1_eta"], lg["leg1_phi"], lg["leg1_mass"], lg["leg1_hadronic"],
                        lg["leg2_pt"], lg["leg2_eta"], lg["leg2_phi"], lg["leg2_mass"], lg["leg2_hadronic"],
                        lg["met_x"], lg["met_y"], lg["cov_xx"], lg["cov_xy"], lg["cov_yy"], variant=variant)


def bench(args: argparse.Namespace) -> dict:
    files = files_from(args.data)
    data = load_ditau_dataset(files, cache_dir=Path(args.cache), progress=False)
    inside = (data.target >= 50) & (data.target <= 1000)
    data = data.subset(np.nonzero(inside)[0])
    n_time = min(args.fastmtt_events, len(data))
    timing = {}
    for variant in ("2019", "2018"):
        n_v = n_time if variant == "2019" else max(200, n_time // 4)
        sl = slice(0, n_v)
        t = _best(lambda sl=sl, variant=variant: _fastmtt(data, sl, variant), repeats=2)
        timing[f"fastmtt_{variant}_us_per_event"] = 1e6 * t / n_v
    fmtt = _fastmtt(data, slice(None), "2019")
    result = {"events": len(data), "timing": timing, "bundles": {}}
    x = data.x
    for path in args.bundles:
        bundle = ModelBundle.load(path, family="ditau")
        bundle.session(threads=1)

        def run(bundle=bundle):
            for i in range(0, len(x), args.batch):
                bundle.predict(x[i:i + args.batch], threads=1)

        t = _best(run, repeats=3)
        us = 1e6 * t / len(x)
        pred = bundle.predict(x)
        m = summary_metrics(data.target, {"m_ML": pred, "FastMTT": fmtt}, data.channel)
        result["bundles"][bundle.name] = {
            "path": str(path),
            "hidden": bundle.card["network"]["hidden"],
            "flops_per_event": bundle.card["network"].get("flops_per_event"),
            "n_parameters": bundle.card["network"].get("n_parameters"),
            "us_per_event": us,
            "speedup_vs_fastmtt_2019": timing["fastmtt_2019_us_per_event"] / us,
            "speedup_vs_fastmtt_2018": timing["fastmtt_2018_us_per_event"] / us,
            "resolution_mean_100_800_percent": m["m_ML"]["resolution_mean_100_800_percent"],
            "max_abs_median_response_deviation_70_800": m["m_ML"]["max_abs_median_response_deviation_70_800"],
        }
    if args.architectures:
        scan = json.loads(Path(args.scan).read_text())["sizes"] if args.scan else {}
        result["architectures"] = {}
        for size in args.architectures:
            us, n_par, flops = _time_architecture(size, x, args.batch)
            row = {"us_per_event": us, "n_parameters": n_par, "flops_per_event": flops,
                   "speedup_vs_fastmtt_2019": timing["fastmtt_2019_us_per_event"] / us,
                   "weights": "untrained (timing only)"}
            if size in scan:
                row["accuracy_from_size_scan"] = {
                    k: scan[size]["m_ML"][k] for k in ("resolution_mean_100_800_percent",
                                                       "max_abs_median_response_deviation_70_800")}
            result["architectures"][size] = row
    result["fastmtt_2019_resolution_mean_100_800_percent"] = summary_metrics(
        data.target, {"FastMTT": fmtt}, data.channel)["FastMTT"]["resolution_mean_100_800_percent"]
    if args.throughput_files:
        result["throughput"] = throughput(files[: args.throughput_files], args.bundles[0])
    return result


def _time_architecture(size: str, x: np.ndarray, batch: int) -> tuple[float, int, int]:
    """µs per event of the shipped graph with an MLP of ``size`` (e.g. "1000x3"), untrained."""
    import io

    import onnxruntime as ort
    import torch

    from hepsurrogates.training.ditau.calibration import PiecewiseLinear
    from hepsurrogates.training.ditau.train import DiTauTrainConfig, build_ditau_model
    from hepsurrogates.training.export import _quiet_exporter
    from hepsurrogates.training.networks import count_parameters, mlp_flops

    width, _, depth = size.partition("x")
    hidden = [int(width)] * int(depth or 1)
    torch.manual_seed(0)
    base = build_ditau_model(DiTauTrainConfig(hidden=hidden), x[:20000], np.linspace(50, 1000, min(20000, len(x))))
    knots = np.geomspace(50.0, 1000.0, 200)
    model = torch.nn.Sequential(base, PiecewiseLinear(knots * 1.01, knots)).eval()
    with _quiet_exporter():
        program = torch.onnx.export(model, (torch.zeros(4, x.shape[1]),), input_names=["features"],
                                    output_names=["m_ml"], dynamic_shapes=({0: torch.export.Dim("n")},),
                                    opset_version=18, verbose=False)
    buf = io.BytesIO(program.model_proto.SerializeToString())
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    sess = ort.InferenceSession(buf.getvalue(), sess_options=opts, providers=["CPUExecutionProvider"])
    xf = x.astype(np.float32)

    def run():
        for i in range(0, len(xf), batch):
            sess.run(None, {"features": xf[i:i + batch]})

    t = _best(run, repeats=3)
    n_in = base.preprocess(torch.zeros(1, x.shape[1])).shape[1]
    return 1e6 * t / len(x), count_parameters(model), mlp_flops(n_in, hidden, 1)


def throughput(files: list[str], bundle_path: str) -> dict:
    """Events/s of the processor (read + features + m_ML + histograms) vs a plain read of the same
    columns with NanoEvents; best of two passes each (warm file cache)."""
    bundle = ModelBundle.load(bundle_path, family="ditau")
    proc = DiTauMassProcessor(bundle)

    def plain():
        for f in files:
            ev = open_events(f, mode="eager")
            for name in FEATURE_BRANCHES:
                coll, _, field = name.partition("_")
                if name.startswith("n") and not field:
                    ak.num(ev[name[1:]], axis=1)
                else:
                    ak.to_numpy(ak.flatten(ev[coll][field], axis=None))

    def processed():
        for f in files:
            proc.process(open_events(f, mode="eager", metadata={"dataset": "bench"}))

    n = sum(len(open_events(f)) for f in files)
    t_read = _best(plain, 2)
    t_proc = _best(processed, 2)
    return {"files": len(files), "events": n, "plain_read_events_per_second": n / t_read,
            "processor_events_per_second": n / t_proc, "processor_over_plain_read_time_ratio": t_proc / t_read}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="fileset JSON (or directory) of held-out htautau events")
    parser.add_argument("--bundles", nargs="+", required=True)
    parser.add_argument("--architectures", nargs="*", default=[], help="network sizes to time untrained, e.g. 1000x3")
    parser.add_argument("--scan", default=None, help="ditau_size_scan.json whose accuracies go next to those timings")
    parser.add_argument("--batch", type=int, default=4096)
    parser.add_argument("--fastmtt-events", type=int, default=4000)
    parser.add_argument("--throughput-files", type=int, default=5)
    parser.add_argument("--cache", default="samples/cache")
    parser.add_argument("--out", default="benchmarks/results/ditau.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    result = {"benchmark": "ditau", "machine": {"cpus": os.cpu_count(), "processor": platform.machine()},
              "threads": 1, "provenance": provenance_record(), **bench(args)}
    result["wall_seconds"] = round(time.perf_counter() - t0, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("provenance",)}, indent=2))


if __name__ == "__main__":
    main()
