"""The SVfit method note quotes benchmarks/results/ditau_svfit.json: each number is that of the JSON."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_method_note_numbers_are_the_benchmark_results():
    r = json.loads((ROOT / "benchmarks" / "results" / "ditau_svfit.json").read_text())
    note = (ROOT / "docs" / "methods" / "svfit.md").read_text()
    h, ref, gen = r["htautau"], r["reference_event"], r["generator_closure"]
    quoted = [
        f"{ref['mass_mean']:.2f} ± {ref['mass_std_over_seeds']:.2f} GeV",
        f"115.746 in {ref['mass_values']['115.746']} of {ref['seeds']} runs",
        f"(estimated {ref['mass_mc_error_mean']:.2f} GeV per run)",
        f"{ref['uncertainty_mean']:.2f} ± {ref['uncertainty_std_over_seeds']:.2f} GeV",
        f"{100 * (ref['uncertainty_mean'] / ref['published_uncertainty'] - 1):.1f} % above",
        f"On {gen['events']} `htautau`",
        f"in {100 * gen['by_kappa']['6']['svfit_68_coverage']:.1f} % of the events (binomial error "
        f"{100 * gen['coverage_binomial_error']:.1f} %)",
        f"above q84 in\n{100 * gen['by_kappa']['6']['true_above_q84']:.1f} %",
        f"below q16 in {100 * gen['by_kappa']['6']['true_below_q16']:.1f} %",
        f"With κ = 3 the rate is {100 * gen['by_kappa']['3']['svfit_68_coverage']:.1f} %",
        f"κ = 0 {100 * gen['by_kappa']['0']['svfit_68_coverage']:.1f} %",
        f"below q16 in {100 * gen['by_kappa']['0']['true_below_q16']:.1f} %",
        f"median response {gen['by_kappa']['6']['median_response']:.3f} at κ = 6, "
        f"{gen['by_kappa']['3']['median_response']:.3f} at κ = 3, {gen['by_kappa']['0']['median_response']:.3f}",
        f"({h['events']} events",
        f"contains m_true in {100 * h['svfit_68_coverage']:.1f} %",
        f"SVfit {h['timing']['svfit_ms_per_event']:.1f} ms at 100 000 calls, "
        f"FastMTT {h['timing']['fastmtt_ms_per_event']:.2f} ms, m_ML {h['timing']['m_ml_ms_per_event']:.4f} ms",
        f"SVfit / m_ML = {h['timing']['svfit_over_m_ml']:.0f}",
    ]
    for name, label in (("SVfit", "SVfit (κ = 6)"), ("FastMTT", "FastMTT (2019)"), ("m_ML", "m_ML (shipped)")):
        a = h["all"][name]
        quoted.append(f"| {label} | {a['median_response']:.3f} | {a['resolution_percent']:.1f} |")
    for ch in ("tt", "mt", "et"):
        for name in ("SVfit", "FastMTT", "m_ML"):
            c = h["per_channel"][ch][name]
            quoted.append(f"{c['median_response']:.3f} / {c['resolution_percent']:.1f}")
    z = r["dy_ll_tautau"]["z_peak"]
    quoted.append(f"({z['n_events']} with 80 < m_true < 100 GeV)")
    for name in ("SVfit", "FastMTT", "m_ML"):
        quoted.append(f"{z[name]['median_gev']:.1f} GeV")
    missing = [q for q in quoted if q not in note]
    assert not missing, missing
