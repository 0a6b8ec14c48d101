"""Faster flows for FastSim: sampling speed against the quality of the fit, for variants of the spline flow.

Sampling a normalising flow inverts it. An autoregressive spline transform (zuko's ``NSF`` with
``passes=None``, the shipped ``fastsim_wjets_flow``) inverts in one pass per feature, 9 here; a
coupling transform (``passes=2``) in two, so it samples several times faster. This benchmark
measures, in one run and on the same training sample, what that costs in the fit: every variant
is trained for the same ``--epochs`` (no early stop, one thread) and reports its validation
negative log-likelihood per event (nats, reco units; lower is better) after each epoch, and its
exported sampler's objects per second through onnxruntime on one core (batches of ``--batch``
rows, best of ``--repeats``).

    python benchmarks/fastsim/bench_flow_variants.py \\
        --data samples/wjets_munu_seed13_n80000/fileset.json --epochs 25

A variant is ``<transforms>:<kind>``: ``ar`` autoregressive, ``c`` coupling with zuko's alternating
feature orders, ``cr`` coupling with a random feature order per transform (``randperm``).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

from hepsurrogates.provenance import provenance_record  # noqa: E402
from hepsurrogates.training.export import _quiet_exporter  # noqa: E402
from hepsurrogates.training.fastsim.data import load_fastsim_dataset  # noqa: E402
from hepsurrogates.training.fastsim.train import FastSimTrainConfig, train_sampler  # noqa: E402
from hepsurrogates.training.fit import split_indices  # noqa: E402
from hepsurrogates.training.samples import files_from  # noqa: E402

KINDS = {"ar": (None, False), "c": (2, False), "cr": (2, True)}


def _variant(spec: str) -> tuple[int, str]:
    transforms, kind = spec.split(":")
    if kind not in KINDS or int(transforms) < 1:
        raise SystemExit(f"bad variant {spec!r}: <transforms>:<{'|'.join(KINDS)}>")
    return int(transforms), kind


def _objects_per_second(sampler: torch.nn.Module, rows: np.ndarray, repeats: int) -> tuple[float, float]:
    """(objects / s of the exported sampler on one onnxruntime thread, max |onnx − torch| relative)."""
    with _quiet_exporter():
        program = torch.onnx.export(sampler, (torch.zeros(4, rows.shape[1]),), input_names=["features"],
                                    output_names=["reco"], dynamic_shapes=({0: torch.export.Dim("n")},),
                                    opset_version=18, verbose=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(program.model_proto.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    session.run(None, {"features": rows[:16]})
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = session.run(None, {"features": rows})[0]
        best = min(best, time.perf_counter() - t0)
    with torch.no_grad():
        ref = sampler(torch.as_tensor(rows)).numpy()
    return len(rows) / best, float(np.max(np.abs(out - ref) / np.maximum(1.0, np.abs(ref))))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="fileset JSON (or directory) of a wjets_munu training sample")
    p.add_argument("--variants", nargs="+", default=["5:ar", "3:c", "3:cr", "6:cr"])
    p.add_argument("--epochs", type=int, default=25)
    p.add_argument("--hidden", default="128,128")
    p.add_argument("--bins", type=int, default=8)
    p.add_argument("--batch", type=int, default=10_000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default="benchmarks/results/fastsim_flow_variants.json")
    a = p.parse_args()
    variants = [_variant(v) for v in a.variants]
    data = load_fastsim_dataset(files_from(a.data, "wjets_munu"), progress=False)
    i_tr, i_va, _ = split_indices(len(data), (0.8 - 1e-9, 0.2, 1e-9), 1)
    train, val = data.subset(i_tr), data.subset(i_va)
    rng = np.random.default_rng(0)
    n = min(a.batch, len(val))
    rows = np.ascontiguousarray(np.concatenate([val.x[:n], rng.normal(size=(n, 9))], axis=1), dtype=np.float32)
    hidden = [int(h) for h in a.hidden.split(",")]
    results: dict = {"benchmark": "fastsim_flow_variants", "provenance": provenance_record(), "data": a.data,
                     "events": {"train": len(train), "validation": len(val)}, "epochs": a.epochs,
                     "hidden": hidden, "bins": a.bins, "command": "python benchmarks/fastsim/bench_flow_variants.py "
                     f"--data {a.data} --epochs {a.epochs}", "variants": {}}
    for transforms, kind in variants:
        passes, randperm = KINDS[kind]
        cfg = FastSimTrainConfig(model="flow", transforms=transforms, passes=passes, randperm=randperm,
                                 hidden=hidden, bins=a.bins, max_epochs=a.epochs, patience=a.epochs + 1,
                                 lr_patience=a.epochs + 1, max_seconds=None, threads=1)
        t0 = time.perf_counter()
        sampler, history, n_params = train_sampler(cfg, train, val, progress=False)
        seconds = time.perf_counter() - t0
        speed, parity = _objects_per_second(sampler, rows, a.repeats)
        name = f"{transforms}:{kind}"
        results["variants"][name] = {
            "transforms": transforms, "passes": passes, "randperm": randperm, "n_parameters": n_params,
            "val_nll": [float(v) for v in history.val_loss], "best_val_nll": float(min(history.val_loss)),
            "training_seconds": seconds, "objects_per_second": speed, "onnx_parity": parity}
        print(name, f"best val NLL {min(history.val_loss):.3f}", f"{speed:,.0f} objects/s", f"{seconds:.0f} s",
              flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
