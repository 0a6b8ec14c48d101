"""The fastsim family's benchmark tables (rendered by benchmarks/render.py from benchmarks/results/fastsim.json
and the shipped bundles' validation reports, models/shipped/reports/fastsim_*/metrics.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = ("fastsim_wjets_flow", "fastsim_wjets_gauss")
BENCH = ("`python benchmarks/fastsim/bench_fastsim.py --data samples/wjets_munu_seed11_n40000/fileset.json "
         "--bundles models/shipped/fastsim_wjets_flow.onnx models/shipped/fastsim_wjets_gauss.onnx "
         "--out benchmarks/results/fastsim.json`")


def _md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def _report(name: str) -> dict[str, Any] | None:
    path = ROOT / "models" / "shipped" / "reports" / name / "metrics.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _f(v: float | None, digits: int = 3) -> str:
    return "–" if v is None else f"{v:.{digits}g}"


def validation_tables() -> dict[str, str]:
    reports = {n: _report(n) for n in BUNDLES}
    reports = {n: r for n, r in reports.items() if r is not None}
    if not reports:
        return {}
    rows = []
    for name, r in reports.items():
        s, ev = r["metrics"]["summary"], r["evaluation"]
        eff = s["selection_efficiency"]
        c = ev["c2st"]
        resp = ev["response"]
        cond = (f"{c['conditional']['auc']:.3f} (floor {c['conditional_floor']['auc']:.3f})"
                if "conditional" in c else "–")
        rows.append([f"`{name}`", f"{c['surrogate']['auc']:.3f} ± {c['surrogate']['auc_error']:.3f}",
                     f"{c['floor']['auc']:.3f} ± {c['floor']['auc_error']:.3f}", cond,
                     f"{s['features_within_2x_floor']} / {s['features']}",
                     f"{s['max_w1_ratio']:.2f} ({s['worst_feature']})",
                     f"{s['max_correlation_diff_9']:.3f}",
                     f"{resp['muon']['fraction_within_2sigma']:.2f} / {resp['jet']['fraction_within_2sigma']:.2f}",
                     f"{100 * eff['surrogate']:.1f} % vs {100 * eff['teacher']:.1f} %"])
    summary = _md(["bundle", "C2ST AUC (teacher vs FastSim)", "C2ST AUC floor (teacher vs teacher)",
                   "conditional C2ST AUC on (gen, reco − gen)", "features with W1 ≤ 2× floor",
                   "largest W1 / floor", "largest correlation difference (9×9)",
                   "response bins within 2σ (muon / jet)", "selection efficiency (FastSim vs teacher)"], rows)
    names = list(next(iter(reports.values()))["evaluation"]["features"])
    per = []
    for feat in names:
        row = [f"`{feat}`"]
        for r in reports.values():
            m = r["evaluation"]["features"][feat]
            row += [_f(m["w1"]), _f(m["w1_floor"]), _f(m["w1_ratio"], 2)]
        per.append(row)
    header = ["feature"] + [h for n in reports for h in (f"W1/σ {n.split('_')[-1]}", "floor", "ratio")]
    title = ("held-out events (seed 11) against the teacher, beside the teacher's second smearing "
             "(`hepsurrogates train fastsim --config models/shipped/<bundle>.train.json --out models/shipped`)")
    return {f"Validation on {title}": summary, "Per-feature W1 (in units of the teacher's σ)": _md(header, per)}


def variant_table(d: dict[str, Any]) -> str:
    """Flow variants: objects per second against the validation NLL (bench_flow_variants.py)."""
    kinds = {(None, False): "autoregressive", (2, False): "2-pass coupling, alternating orders",
             (2, True): "2-pass coupling, random orders"}
    base = next(iter(d["variants"].values()))
    rows = []
    for v in d["variants"].values():
        nll = v["val_nll"]
        rows.append([v["transforms"], kinds.get((v["passes"], v["randperm"]), f"{v['passes']} passes"),
                     f"{v['n_parameters']:,}", f"{nll[min(9, len(nll) - 1)]:.2f}", f"{v['best_val_nll']:.2f}",
                     f"{v['objects_per_second']:,.0f}", f"{v['objects_per_second'] / base['objects_per_second']:.1f}×",
                     f"{v['training_seconds']:.0f}"])
    return _md(["transforms", "kind", "weights", "val NLL after 10 epochs", f"best val NLL ({d['epochs']} epochs)",
                "objects / s (onnxruntime, one core)", "× the first row", "training s"], rows)


def tables(results: dict[str, Any]) -> dict[str, str]:
    out = validation_tables()
    v = results.get("fastsim_flow_variants")
    if v is not None:
        out[f"Faster flows: sampling speed against the fit (`{v['command']}`)"] = variant_table(v)
    d = results.get("fastsim")
    if d is None:
        return out
    t = d["teacher"]
    rows = []
    for name, b in d["bundles"].items():
        o, p, by = b["objects"], b["processor"], b["bytes"]
        rows.append([f"`{name}`", b.get("architecture", b["model"]), f"{o['objects_per_second']:,.0f}",
                     f"{o['microseconds_per_object']:.1f}",
                     f"{1e6 * t['detector_seconds_per_event']:.0f}", f"{b['speedup_vs_detector_model']:.2f}",
                     f"{p['processor_events_per_second']:,.0f}", f"{p['processor_over_read']:.2f}",
                     f"{by['input_file_bytes_per_event']:.0f}", f"{by['gen_input_bytes_per_event']:.0f}",
                     f"{by['fastsim_collections_bytes_per_selected_event']:.0f}"])
    out[f"Throughput on one core ({BENCH})"] = _md(
        ["bundle", "model", "objects / s (onnxruntime + noise)", "µs / object", "detector model µs / event",
         "detector model / FastSim", "FastSimProcessor events / s", "processor / plain read",
         "input file bytes / event (gen + reco)", "gen input bytes / event",
         "FastSim collections bytes / selected event"], rows)
    out["The teacher it replaces"] = (
        f"This project's parametric detector costs {1e6 * t['detector_seconds_per_event']:.0f} µs per event "
        f"(generating the event with Pythia 8 costs {1e3 * t['generation_seconds_per_event']:.1f} ms): it is "
        "itself a fast simulation, so FastSim does not beat it by much here. The saving the method is for is "
        f"against a GEANT4 full simulation, about {t['geant4_seconds_per_event_quoted']:.0f} s per event.")
    return out


def headline(results: dict[str, Any]) -> list[list[str]]:
    d = results.get("fastsim")
    r = _report("fastsim_wjets_flow")
    if d is None or r is None or "fastsim_wjets_flow" not in d["bundles"]:
        return []
    b = d["bundles"]["fastsim_wjets_flow"]
    c = r["evaluation"]["c2st"]
    w = r["metrics"]["summary"]
    return [["`fastsim` (W + jet, flow)", f"{b['objects']['objects_per_second']:,.0f} objects / s on one core",
             f"C2ST AUC {c['surrogate']['auc']:.3f} (teacher vs teacher {c['floor']['auc']:.3f}); "
             f"{w['features_within_2x_floor']}/{w['features']} features with W1 ≤ 2× the floor",
             "`benchmarks/fastsim/bench_fastsim.py`"]]
