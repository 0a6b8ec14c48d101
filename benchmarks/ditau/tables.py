"""The ditau family's benchmark tables (rendered by benchmarks/render.py from benchmarks/results/ditau*.json)."""

from __future__ import annotations

from typing import Any


def _md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


BENCH = ("`python benchmarks/ditau/bench_ditau.py --data samples/htautau_seed3_n120000/fileset.json --bundles "
         "models/shipped/ditau_mass.onnx --architectures 1000x3 256x3 128x3 64x3 32x3 32x2 16x2 --scan "
         "benchmarks/results/ditau_size_scan.json --out benchmarks/results/ditau.json`")


def _card() -> dict[str, Any]:
    import json
    from pathlib import Path

    return json.loads((Path(__file__).resolve().parents[2] / "models" / "shipped" / "ditau_mass.card.json").read_text())


def card_table() -> str:
    """The shipped bundle's accuracy on the independent sample, from its card."""
    m = _card()["metrics"]
    ind = m["independent_sample"]
    mml, fmtt = ind["m_ML"], ind["FastMTT"]
    ch = ("tt", "mt", "et", "em", "mm", "ee")
    z = m["z_tautau_peak"]
    rows = [
        [
            "relative resolution, mean over 10 GeV bins in 100-800 GeV",
            f"**{mml['resolution_mean_100_800_percent']:.2f} %**",
            f"{fmtt['resolution_mean_100_800_percent']:.2f} %",
        ],
        [
            "worst median response in a 10 GeV bin, 70-800 GeV",
            f"{100 * mml['max_abs_median_response_deviation_70_800']:.2f} % off",
            f"{100 * fmtt['max_abs_median_response_deviation_70_800']:.1f} % off",
        ],
        ["median response overall", f"{mml['median_response_overall']:.3f}", f"{fmtt['median_response_overall']:.3f}"],
        [
            "resolution per channel " + " / ".join(ch),
            " / ".join(f"{mml['per_channel_resolution_100_800_percent'][c]:.1f}" for c in ch) + " %",
            " / ".join(f"{fmtt['per_channel_resolution_100_800_percent'][c]:.1f}" for c in ch) + " %",
        ],
        [
            f"Z → ττ peak (`dy_ll`, {z['n_events']} events): median",
            f"{z['m_ML']['median_gev']:.1f} GeV",
            f"{z['FastMTT']['median_gev']:.1f} GeV",
        ],
    ]
    return _md([f"independent sample ({ind['n_events']} events)", "m_ML (shipped)", "FastMTT (2019)"], rows)


def tables(results: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {
        "The shipped bundle `ditau_mass` on an independent sample (its card's metrics; "
        "`hepsurrogates train ditau --config models/shipped/ditau_mass.train.json --out "
        "models/shipped`)": card_table()
    }
    d = results.get("ditau")
    if d is None:
        return out
    fm = d["timing"]
    rows = []
    for size, a in d["architectures"].items():
        acc = a.get("accuracy_from_size_scan") or {}
        rows.append(
            [
                size,
                f"{a['n_parameters']:,}".replace(",", " "),
                f"{acc.get('resolution_mean_100_800_percent', float('nan')):.2f} %",
                f"{100 * acc.get('max_abs_median_response_deviation_70_800', float('nan')):.2f} %",
                f"{a['us_per_event']:.2f}",
                f"{a['speedup_vs_fastmtt_2019']:.0f}",
            ]
        )
    out[f"m_ML against FastMTT, network size against accuracy and speed ({BENCH})"] = _md(
        [
            "hidden layers",
            "parameters",
            "resolution 100-800 GeV",
            "worst median response 70-800 GeV",
            "µs / event",
            "× FastMTT (2019)",
        ],
        rows,
    )
    b = d["bundles"]["ditau_mass"]
    out["The shipped bundle against FastMTT, same events"] = _md(
        ["", "µs / event (one thread)", "resolution 100-800 GeV"],
        [
            [
                "m_ML (`ditau_mass`, " + "×".join(str(h) for h in b["hidden"]) + ")",
                f"{b['us_per_event']:.2f}",
                f"{b['resolution_mean_100_800_percent']:.2f} %",
            ],
            [
                "FastMTT, 2019 (MET × mass)",
                f"{fm['fastmtt_2019_us_per_event']:.0f}",
                f"{d['fastmtt_2019_resolution_mean_100_800_percent']:.2f} %",
            ],
            ["FastMTT, 2018 (with pX/pY)", f"{fm['fastmtt_2018_us_per_event']:.0f}", ""],
        ],
    )
    t = d.get("throughput")
    if t:
        out["The processor against a plain read of the same columns"] = _md(
            ["events", "plain NanoEvents read, events/s", "DiTauMassProcessor, events/s", "time ratio"],
            [
                [
                    t["events"],
                    f"{t['plain_read_events_per_second']:.0f}",
                    f"{t['processor_events_per_second']:.0f}",
                    f"{t['processor_over_plain_read_time_ratio']:.2f}",
                ]
            ],
        )
    return out


def headline(results: dict[str, Any]) -> list[list[str]]:
    d = results.get("ditau")
    if d is None:
        return []
    b = d["bundles"]["ditau_mass"]
    return [
        [
            "`ditau`",
            f"m_ML {b['speedup_vs_fastmtt_2019']:.0f}× faster than FastMTT per event",
            f"resolution {b['resolution_mean_100_800_percent']:.1f} % vs FastMTT "
            f"{d['fastmtt_2019_resolution_mean_100_800_percent']:.1f} %",
            "`benchmarks/ditau/bench_ditau.py`",
        ]
    ]
