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


LIMITS_COMMAND = "`python benchmarks/ratio/bench_contact_limits.py --events 10000 --lumi 10`"
_METHODS = {"ratio": "ALICES bundle, unbinned", "sally_histogram": "SALLY score, 8×8 histogram",
            "mll_cos_histogram": "m_ll × cos θ*, 8×8 histogram"}


def limits_tables(results: dict[str, Any]) -> dict[str, str]:
    """The shipped ratio bundles on independent dy_contact samples (ratio_contact_limits.json)."""
    d = results.get("ratio_contact_limits", {}).get("ratio_contact_limits")
    if d is None:
        return {}
    lim = d["limits"]
    rows = [[f"E_SM[r̂(x|θ, SM)], θ = {tuple(c['theta'])}", f"{c['mean_r']:.4f} ± {c['error']:.4f}"]
            for c in d["closure_r"]]
    t, e = d["mean_score_sally"]["value"], d["mean_score_sally"]["error"]
    rows.append(["E_SM[t̂_SALLY] (TeV²)", f"({t[0]:.2f} ± {e[0]:.2f}, {t[1]:.2f} ± {e[1]:.2f})"])
    rows.append(["ratio bundle cost per (x, θ) point, batched", f"{d['ratio_eval_us_per_point']:.2f} µs"])
    closure = (f"Closure of the shipped ratio bundles on {d['selected_events']:,} selected events of independent "
               f"dy_contact samples ({d['events_per_point']:,} per point; {LIMITS_COMMAND})")
    info = lim["fisher_information"]
    names = {"joint_score": "joint score (full information)", "sally": "SALLY t̂", "ratio_slope": "ratio bundle's slope",
             "sally_histogram": "SALLY histogram", "mll_cos_histogram": "m_ll × cos θ* histogram"}
    info_rows = [[names.get(k, k), f"{v[0][0]:,.0f}", f"{v[1][1]:,.0f}", f"{v[0][1]:,.0f}",
                  f"{lim['expected_halfwidth_68'][k][0]:.2e}", f"{lim['expected_halfwidth_68'][k][1]:.2e}"]
                 for k, v in info.items()]
    lim_rows = [[_METHODS.get(k, k), f"{m['area_68']:.2e}", f"{m['area_95']:.2e}",
                 "[{:.4f}, {:.4f}]".format(*m["interval_cLL_68"]), "[{:.4f}, {:.4f}]".format(*m["interval_cLR_68"])]
                for k, m in lim["methods"].items()]
    head = f"at {lim['lumi_fb']:g} fb⁻¹, Asimov data at the SM ({lim['expected_events']:.0f} expected events)"
    return {
        closure: _md(["check", "value"], rows),
        f"Fisher information {head} (TeV⁴; {LIMITS_COMMAND})": _md(
            ["from", "I_LL", "I_LR", "I_LL,LR", "68 % half-width c_LL", "68 % half-width c_LR"], info_rows),
        f"Expected limits {head}: areas in TeV⁻⁴, profiled 68 % intervals in TeV⁻² ({LIMITS_COMMAND})": _md(
            ["likelihood", "68 % area", "95 % area", "c_LL 68 %", "c_LR 68 %"], lim_rows),
    }


MADMINER_COMMAND = ("`python benchmarks/ratio/madminer_compare.py --madminer-python mm/bin/python --events 50000 "
                    "--epochs 10`")


def madminer_table(results: dict[str, Any]) -> dict[str, str]:
    """Ours against MadMiner 0.9.6 on the same toy arrays (ratio_madminer.json)."""
    d = results.get("ratio_madminer", {}).get("ratio_madminer")
    if d is None:
        return {}
    rows = []
    for name, r in d["methods"].items():
        a, b = r["ours"], r["madminer"]
        key = "mse_log_r" if "mse_log_r" in a else "mse_score_at_theta1"
        cost = (f"{a['eval_us_per_point']:.2f} / {b['eval_us_per_point']:.2f}" if "eval_us_per_point" in a
                and "eval_us_per_point" in b else "–")
        rows.append([name.upper() + (" (MSE of t̂ at θ1)" if key != "mse_log_r" else ""), f"{a[key]:.3g}",
                     f"{b[key]:.3g}", f"{r['mse_ratio_ours_over_madminer']:.2f}", f"{a['samples_per_second']:,.0f}",
                     f"{b['samples_per_second']:,.0f}", f"{r['throughput_ratio']:.1f}×", cost])
    title = (f"Ours against MadMiner {d['madminer_version']} (torch {d['madminer_torch']}, its own environment) on the "
             f"same toy arrays: {d['events']:,} events, {d['epochs']} epochs, network {d['hidden']}, batch "
             f"{d['batch_size']}, one thread each; MSE of log r̂ against the exact log r on {d['test_events']:,} "
             f"held-out events × {len(d['grid'])} θ ({MADMINER_COMMAND})")
    return {title: _md(["method", "MSE ours", "MSE MadMiner", "ours / MadMiner", "training samples / s ours",
                        "MadMiner", "throughput ratio", "µs per (x, θ) ours / MadMiner"], rows)}


def tables(results: dict[str, Any]) -> dict[str, str]:
    d = results.get("ratio_toy")
    if d is None:
        return {**madminer_table(results), **closure_table(results), **limits_tables(results)}
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
                        "training s"], rows), **madminer_table(results), **closure_table(results),
            **limits_tables(results)}


def headline(results: dict[str, Any]) -> list[list[str]]:
    """The README's row: the shipped ALICES bundle on independent dy_contact samples."""
    d = results.get("ratio_contact_limits", {}).get("ratio_contact_limits")
    if d is None:
        return []
    worst = max(abs(c["mean_r"] - 1.0) for c in d["closure_r"])
    m = d["limits"]["methods"]
    gain = m["mll_cos_histogram"]["area_68"] / m["ratio"]["area_68"]
    mm = results.get("ratio_madminer", {}).get("ratio_madminer")
    speed = (f"; training {min(r['throughput_ratio'] for r in mm['methods'].values()):.1f}–"
             f"{max(r['throughput_ratio'] for r in mm['methods'].values()):.1f}× MadMiner's samples / s (toy)"
             if mm else "")
    return [["`ratio` (Drell–Yan contact terms, ALICES)", f"{d['ratio_eval_us_per_point']:.2f} µs per (x, θ) point"
             + speed, f"E_SM[r̂] = 1 within {100 * worst:.1f} %; expected 68 % region {gain:.1f}× smaller than the "
             "m_ll × cos θ* histogram's", "`benchmarks/ratio/bench_contact_limits.py`"]]
