"""The likelihood family's benchmark tables (rendered by benchmarks/render.py from its results JSON)."""

from __future__ import annotations

from typing import Any


def _md(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in r) + " |" for r in rows])


def _interval(x: dict[str, Any]) -> str:
    lo, hi = x["hpdi"]
    return f"[{lo:.3f}, {hi:.3f}] ({x['upper_mu_positive']:.3f})"


TOY = ("`python benchmarks/likelihood/bench_toy.py --bundle B/likelihood_toy.onnx --samples S "
       "--surrogate-mcmc-steps 8000 --out benchmarks/results/likelihood_toy.json`")
COMBINATION = "`python benchmarks/likelihood/bench_combination.py --work C --s1 S`"
DITAU = ("`python benchmarks/likelihood/bench_pipeline.py --workspace D/ditau_workspace.json --work W --name "
         "likelihood_ditau --walkers 48 --steps 6000 --max-minutes 6`")


def tables(results: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    d = results.get("likelihood_toy")
    if d is not None:
        s, t, p = d["speed"], d["t_mu"], d["published"]
        net = d["network"]
        rows = [
            ["test MSE of the standardised ln L", f"{d['card_metrics']['test_mse_standardised']:.2e}",
             f"{p['test_mse']:.1e}", "< 7.2e-4"],
            ["mean / max \\|Δt_μ\\| over μ ∈ [0, 1], 21 points",
             f"{t['mean_abs_error_surrogate']:.3f} / {t['max_abs_error_surrogate']:.3f}",
             f"{p['t_mu_mean_abs_error']}", "≤ 0.02"],
            ["network weights", f"{net['n_parameters']:,}".replace(",", " "), f"{p['parameters']:,}".replace(",", " "),
             "≤ 1 M"],
            ["µs per point, batched, one core: the bundle's `logpdf` / `evaluate` (ln L and its gradient)",
             f"{s['surrogate_logpdf']['cpu_us']:.2f} / {s['surrogate_logpdf_and_gradient']['cpu_us']:.2f}",
             f"{p['us_per_point_here']:.0f} (published network, here)", "≤ 2"],
            ["× pyhf `logpdf` per point (one-point calls; batched)",
             f"{s['ratio_pyhf_one_point_over_surrogate']:.0f}×; {s['ratio_pyhf_batched_over_surrogate']:.0f}×", "",
             "≥ 100×"],
            ["21-point t_μ scan, seconds: surrogate / exact numpy / pyhf",
             " / ".join(f"{t['seconds'][k]:.0f}" for k in ("surrogate_iminuit", "exact_iminuit", "pyhf_scipy")), "",
             "timed"],
            ["95 % CLs upper limit on μ (exact / surrogate)",
             f"{d['cls_upper_limit_95']['exact_observed_width']:.3f} / "
             f"{d['cls_upper_limit_95']['surrogate_observed_width']:.3f}", "", ""],
        ]
        out[f"The 1809.05548 toy against its exact likelihood ({TOY})"] = _md(
            ["quantity", "shipped `likelihood_toy`", "published (DNNLikelihood)", "target"], rows)
        b = d["bayesian"]
        rows = []
        for k, ex in enumerate(b["exact"]):
            cred = f"{ex['credibility']:.4f}"
            pub = p["hpdi"].get(str(ex["credibility"]))
            rows.append(
                [
                    f"{100 * ex['credibility']:.2f} %",
                    _interval(ex),
                    _interval(b["surrogate_same_draws"][k]),
                    _interval(b["surrogate_own_mcmc"][k]),
                    f"[{pub[0]}, {pub[1]}] ({p['upper_mu_positive_exact'][str(ex['credibility'])]})" if pub else cred,
                ]
            )
        out["Bayesian HPDI intervals on μ (upper bound for μ > 0 in brackets)"] = _md(
            ["credibility", "exact", "surrogate, on the exact draws", "surrogate, its own emcee", "published exact"],
            rows,
        ) + (
            f"\n\nLargest bound difference: {b['max_abs_bound_difference_same_draws']:.4f} on the same draws, "
            f"{b['max_abs_bound_difference_own_mcmc']:.4f} with the surrogate's own chains."
        )
    d = results.get("likelihood_toy_importance")
    if d is not None:
        rows = []
        for k, ex in enumerate(d["exact"][0]["intervals"]):
            cred = str(ex["credibility"])
            pub = d["published"][cred]
            spread = max(d["exact_seed_spread"][k])
            mc = d.get("emcee_de")
            rows.append([
                f"{100 * ex['credibility']:.2f} %", _interval(ex) + f" ± {spread / 2:.3f}",
                _interval(d["surrogate_same_draws"]["intervals"][k]),
                _interval(mc["rao_blackwell"][k]) if mc else "not run",
                f"[{pub['hpdi'][0]}, {pub['hpdi'][1]}] ({pub['upper_exact']}); DNN ({pub['upper_dnn']})",
            ])
        n_seeds = len(d["exact"])
        out[f"Bayesian intervals from independent importance samples (`{d['command']}`)"] = _md(
            ["credibility", f"exact, importance sample (± half the spread of {n_seeds} seeds)",
             "surrogate, same draws", "exact, emcee (DEMove)", "published exact; DNN upper"], rows,
        ) + (
            f"\n\n{d['draws']:_} draws per seed, effective sample size ".replace("_", " ")
            + f"{d['exact'][0]['ess']:_.0f}".replace("_", " ") + "; largest |exact − published| (seed mean) "
            f"{d['max_abs_exact_minus_published']:.3f}; largest |surrogate − exact| on the same draws "
            f"{d['max_abs_surrogate_minus_exact']:.3f}"
            + (f"; largest |emcee − importance| {d['max_abs_emcee_minus_importance']:.3f}" if "emcee_de" in d else "")
            + "."
        )
    w = results.get("likelihood_ditau")
    if w is not None:
        t, c = w["t_mu"], w["cls_upper_limit_95"]
        out[f"The workspace built from this project's m_ML histograms ({DITAU})"] = _md(
            ["quantity", "exact (pyhf ln L, iminuit)", "surrogate", "pyhf's own"],
            [
                ["parameters", w["parameters"], "", ""],
                ["test MSE (standardised ln L)", "", f"{w['training']['test_mse_standardised']:.2e}", ""],
                [
                    "mean / max \\|Δt_μ\\| over μ ∈ [0, 1]",
                    "",
                    f"{t['mean_abs_error_surrogate']:.3f} / {t['max_abs_error_surrogate']:.3f}",
                    "",
                ],
                ["μ̂", f"{t['mu_hat']['exact']:.3f}", f"{t['mu_hat']['surrogate']:.3f}", f"{t['mu_hat']['pyhf']:.3f}"],
                [
                    "95 % CLs upper limit on μ",
                    f"{c['exact_observed_width']:.3f}",
                    f"{c['surrogate_observed_width']:.3f}",
                    f"{c['pyhf_asimov']:.3f} (Asimov)",
                ],
                [
                    "× pyhf `logpdf` per point (one-point calls)",
                    "",
                    f"{w['speed']['ratio_pyhf_one_point_over_surrogate']:.0f}×",
                    "",
                ],
            ],
        )
    c = results.get("likelihood_combination")
    if c is not None:
        rows = [[f"part {tag}: categories {', '.join(str(k) for k in p['categories'])}", p["parameters"],
                 f"{p['test_mse']:.2e}", f"{p['t_mu_mean_abs_error_part']:.3f}", f"{p['seconds']:.0f}"]
                for tag, p in c["parts"].items()]
        t, h = c["t_mu"], c["hpdi"]
        out[f"Two surrogates combined against the full exact toy ({COMBINATION})"] = (
            _md(["likelihood learned", "parameters", "test MSE", "mean \\|Δt_μ\\| of the part", "seconds"], rows)
            + "\n\n" + _md(
                ["credibility", "exact full toy", "combined surrogates, same draws"],
                [[f"{e['credibility']:.2%}", _interval(e), _interval(x)]
                 for e, x in zip(h["exact_full_toy"], h["combined_surrogates_same_draws"])])
            + f"\n\nThe combination (shared μ, ISR, JES, LV, CR; their constraints counted once) against the "
            f"full toy: mean / max \\|Δt_μ\\| {t['mean_abs_error']:.3f} / {t['max_abs_error']:.3f} over 21 points of "
            f"μ ∈ [0, 1]; μ̂ {t['mu_hat']['combined']:.3f} against {t['mu_hat']['exact']:.3f}; largest HPDI bound "
            f"difference {h['max_abs_bound_difference']:.4f}."
        )
    return out


def headline(results: dict[str, Any]) -> list[list[str]]:
    d = results.get("likelihood_toy")
    if d is None:
        return []
    return [
        [
            "`likelihood` (toy, 95 parameters)",
            f"{d['speed']['ratio_pyhf_one_point_over_surrogate']:.0f}× pyhf's `logpdf` per point",
            f"test MSE {d['card_metrics']['test_mse_standardised']:.1e} (published 7.2e-4); mean \\|Δt_μ\\| "
            f"{d['t_mu']['mean_abs_error_surrogate']:.3f} (target 0.02)",
            "`benchmarks/likelihood/bench_toy.py`",
        ]
    ]
