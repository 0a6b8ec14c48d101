"""The mem family's benchmark tables (rendered by benchmarks/render.py from benchmarks/results/mem*.json)."""

from __future__ import annotations

from typing import Any

_NAMES = {"DY": "Drell–Yan", "TT": "tt̄", "HZA": "H → ZA (261.40, 150.50)"}


def _md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def _speed(d: dict[str, Any]) -> str:
    rows = []
    for h, r in d["hypotheses"].items():
        t, n = r["teacher"], r["dnn"]
        conv = f"{round(t['converged_fraction'] * t['events'])} of {t['events']}"
        rows.append([_NAMES[h], f"{t['seconds_per_event']:.4g} ({t['median_evaluations'] / 1000:.0f}k; {conv})",
                     f"{r['teacher_speedup_vs_momemta']:.0f}×", f"{n['us_per_event_batched']:.2f}; "
                     f"{n['us_per_call_single_event']:.0f}", f"{r['dnn_speedup_vs_published_dnn']:.0f}×",
                     f"{r['dnn_speedup_vs_teacher']:.3g}×"])
    return _md(["hypothesis", "teacher s / event (median evaluations; converged at 1 %)",
                "× MoMEMta (3.6 / 12 / 600 s)", "DNN µs / event (batch 10⁴; one event per call)",
                "× published DNN (110 / 150 / 120 µs)", "DNN × teacher"], rows)


def _shipped() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "models" / "shipped"


def card_tables() -> dict[str, str]:
    """The shipped bundles' held-out accuracy (their cards) and the validation on events no training used."""
    import json

    rows = []
    for name in ("mem_dy", "mem_tt", "mem_hza"):
        c = json.loads((_shipped() / f"{name}.card.json").read_text())
        t, p = c["metrics"]["test_split"], c["metrics"]["published_reference"]
        n = c["training"]["n_events_split"]
        pub = f"{p['bias']} / {p['resolution']}" if p.get("bias") is not None else "—"
        rows.append([f"`{name}` ({len(c['network']['hidden'])} × {c['network']['hidden'][0]})",
                     f"{n['train']} / {n['test']}", f"{t['bias']:+.3f}", f"**{t['resolution']:.3f}**",
                     f"{t['half_width_68']:.3f}", pub])
    out = {"The shipped bundles on their held-out test splits, log10 units (their cards; rebuilt by "
           "`bash benchmarks/mem/rebuild.sh WORKDIR`)": _md(
               ["bundle", "events train / test", "bias", "resolution (std)", "68 % half-width",
                "published bias / resolution"], rows)}
    v = json.loads((_shipped() / "reports" / "mem_validation" / "validation.json").read_text())
    d, s = v["discriminant"], v["scan"]
    out["Validation on events no training used (`models/shipped/reports/mem_validation/validation.json`, "
        "`python -m hepsurrogates.training.mem.validation`)"] = _md(
        ["check", "DNN", "teacher"],
        [[f"AUC of D, {d['events']['signal']} tt̄ against {d['events']['background']} Drell–Yan events",
          f"{d['auc_dnn']:.4f}", f"{d['auc_teacher']:.4f}"],
         [f"(M_H, M_A) likelihood scan minimum, injected {tuple(s['injected'])}", str(tuple(s["minimum_dnn"])),
          str(tuple(s["minimum_teacher"])) if "minimum_teacher" in s else "—"]])
    return out


def tables(results: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = card_tables()
    if "mem" in results:
        out[f"Teacher and surrogates, one core (`{results['mem']['command']}`)"] = _speed(results["mem"])
    if "mem_budget_1600k" in results:
        out[f"The same with a 1.6M evaluation budget (`{results['mem_budget_1600k']['command']}`)"] = _speed(
            results["mem_budget_1600k"])
    if "mem_vegas_bias" in results:
        b = results["mem_vegas_bias"]
        rows = []
        for r in b["teacher"].values():
            rows.append([f"{100 * r['rel_accuracy']:.0f} %", r["weighting"].replace("_", " "),
                         "Block D alone" if r["channels"] == "block_d" else "all channels",
                         f"{100 * r['mean_relative_deviation']:+.2f} %",
                         f"{r['mean_pull']:+.2f} ± {r['standard_error_of_mean_pull']:.2f}", f"{r['pull_std']:.2f}",
                         f"{r['converged']} of {b['events']}"])
        out[
            f"tt̄ teacher against reference weights at {100 * b['reference']['rel_accuracy']:.1f} % (`{b['command']}`)"
        ] = _md(
            [
                "target",
                "iterations combined by",
                "phase space",
                "mean w/w_ref − 1",
                "mean pull",
                "pull width",
                "converged",
            ],
            rows,
        )
    if "mem_size_scan" in results:
        s = results["mem_size_scan"]
        for h in ("DY", "TT", "HZA"):
            if h in s:
                rows = [
                    [
                        r["size"],
                        f"{r['parameters']:,}".replace(",", " "),
                        f"{r['bias']:+.3f}",
                        f"{r['resolution']:.3f}",
                        f"{r['half_width_68']:.3f}",
                    ]
                    for r in s[h]
                ]
                out[f"{_NAMES[h]}: network size against accuracy, log10 units (`{s['command']}`)"] = _md(
                    ["size", "parameters", "bias", "resolution (std)", "68 % half-width"], rows
                )
            if f"{h}_ablation" in s:
                rows = [
                    [
                        ("invariants" if r["invariants"] else "published inputs")
                        + (" + symmetries" if r["symmetries"] else ""),
                        f"{r['resolution']:.3f}",
                    ]
                    for r in s[f"{h}_ablation"]
                ]
                out[f"{_NAMES[h]}: what the invariants and the symmetry augmentation contribute"] = _md(
                    ["inputs", "resolution (std)"], rows
                )
    return out


def headline(results: dict[str, Any]) -> list[list[str]]:
    d = results.get("mem")
    if d is None:
        return []
    import json

    rows = []
    for h, name in (("DY", "mem_dy"), ("TT", "mem_tt"), ("HZA", "mem_hza")):
        r = d["hypotheses"][h]
        card = json.loads((_shipped() / f"{name}.card.json").read_text())
        test, pub = card["metrics"]["test_split"], card["metrics"]["published_reference"]
        accuracy = f"resolution {test['resolution']:.3f} in log10 W" + (
            f" (published {pub['resolution']})" if pub.get("resolution") is not None else ""
        )
        rows.append(
            [
                f"`mem` {_NAMES[h]}",
                f"teacher {r['teacher_speedup_vs_momemta']:.0f}× faster than MoMEMta; "
                f"DNN {r['dnn']['us_per_event_batched']:.2f} µs / event ({r['dnn_speedup_vs_teacher']:.2g}× the "
                "teacher)",
                accuracy,
                "`benchmarks/mem/bench_mem.py`",
            ]
        )
    return rows
