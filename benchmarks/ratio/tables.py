"""The ratio family's benchmark tables (rendered by benchmarks/render.py from benchmarks/results/ratio_toy.json)."""

from __future__ import annotations

from typing import Any

COMMAND = "`python benchmarks/ratio/bench_toy.py --events 200000 --epochs 20`"


def _md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


CLOSURE_COMMAND = "`python benchmarks/ratio/bench_contact_closure.py --events 150000`"


def closure_table(results: dict[str, Any]) -> dict[str, str]:
    """The dy_contact gold's reweighting closure against Pythia (ratio_contact_closure.json)."""
    d = results.get("ratio_contact_closure", {}).get("ratio_contact_closure")
    if d is None:
        return {}
    rows = []
    for name, c in d["pairs"].items():
        rows.append([name, f"{c['sigma_ratio_reweighted']:.4f} ± {c['sigma_ratio_reweighted_err']:.4f}",
                     f"{c['sigma_ratio_pythia']:.4f} ± {c['sigma_ratio_pythia_err']:.4f}", f"{c['pull']:+.2f}",
                     f"{c['chi2_mll']:.1f}", f"{c['chi2_cos_theta']:.1f}", f"{c['effective_events']:,.0f}"])
    title = (f"The dy_contact gold against Pythia: each point's hard process ({d['events']:,} events, m_ll > "
             f"{d['mll_min']:g} GeV) reweighted to another point, against Pythia's own sample there; shape χ² for "
             f"{next(iter(d['pairs'].values()))['ndf']} degrees of freedom ({CLOSURE_COMMAND})")
    return {title: _md(["source → target (TeV⁻²)", "σ ratio, reweighted", "σ ratio, Pythia", "pull", "χ² m_ll",
                        "χ² cos θ*", "effective events"], rows)}


def tables(results: dict[str, Any]) -> dict[str, str]:
    d = results.get("ratio_toy")
    if d is None:
        return closure_table(results)
    rows = [["log r̂ = 0 (trivial)", f"{d['trivial']['mse_log_r']:.3g}", f"{d['trivial']['mse_score']:.3g}", "", ""]]
    for name, m in d["methods"].items():
        score = (f"{m['mse_score']:.3g}" if "mse_score" in m
                 else f"{m['mse_score_at_theta1']:.3g} (at θ1; Var t = {m['var_score_at_theta1']:.3g})")
        rows.append([name.upper(), "–" if m.get("mse_log_r") is None else f"{m['mse_log_r']:.3g}",
                     score, f"{m['samples_per_second']:,.0f}", f"{m['train_seconds']:.1f}"])
    toy = d["toy"]
    title = (f"Every estimator on the tractable toy (θ0 ~ U{tuple(toy['theta0_prior'])}, θ1 = {toy['theta1']}, "
             f"{d['events']:,} events, the same network and epochs; MSE against the exact log r and t on "
             f"{d['test_events']:,} held-out events and {len(d['grid'])} values of θ; {COMMAND})")
    return {title: _md(["method", "MSE of log r̂", "MSE of t̂", "training samples / s (one thread)",
                        "training s"], rows), **closure_table(results)}


def headline(results: dict[str, Any]) -> list[list[str]]:
    return []  # the family is not registered yet: no row in the README's table
