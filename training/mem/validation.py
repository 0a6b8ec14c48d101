r"""MEM surrogate validation beyond the regression: the tt̄/DY discriminant and the (M_H, M_A) scan.

Two checks of arXiv 2008.10949 on events that no network saw in training:

* **ROC of the discriminant** :math:`D = W_{t\bar t}/(W_{t\bar t} + \gamma W_{DY})`, computed once
  from the teacher's weights and once from the DNN outputs on the same tt̄ (signal) and
  Drell–Yan (background) events. D is a monotonic function of :math:`W_{DY}/W_{t\bar t}`, so its
  ROC and AUC do not depend on γ. AUC = P(D_sig > D_bkg), the Mann–Whitney U statistic divided
  by n_sig·n_bkg (``scipy.stats.mannwhitneyu``).
* **Likelihood scan over (M_H, M_A)** on a pseudo-dataset of signal events generated at an
  injected point. With :math:`P(x|\alpha) = W(x|\alpha)/\sigma_{vis}(\alpha)` and
  :math:`\sigma_{vis}(\alpha) \propto \sigma(\alpha)\,\varepsilon(\alpha)`,

  .. math::

      -2\ln L(\alpha) = -2\sum_i \ln W(x_i|\alpha) + 2n\,\ln\bigl(\sigma(\alpha)\,\varepsilon(\alpha)\bigr),

  where σ(α) is the cross section of the teacher's own |M|²
  (:func:`hepsurrogates.datasets.teachers.mem.hza_cross_section`, the constant common to all α dropped)
  and ε(α) the ℓℓbb selection efficiency of the generated sample at α, smoothed by a weighted
  least-squares fit of a quadratic in (M_H, M_A) to the binomial efficiencies of the grid
  samples (each has a few hundred events; the fit's precision is what enters n·ln ε).
  The scan is done with the parametric DNN on every pseudo-data event and with the teacher on a
  subset, and its minimum is compared with the injected point.

Run: ``python -m hepsurrogates.training.mem.validation --help``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["roc_curve", "roc_auc", "fit_acceptance", "scan_nll", "llbb_events"]

LN10 = float(np.log(10.0))


def roc_auc(score_signal: np.ndarray, score_background: np.ndarray) -> float:
    """Area under the ROC curve, P(s_sig > s_bkg) + ½ P(tie) (Mann–Whitney U / (n_s n_b))."""
    from scipy.stats import mannwhitneyu

    u = mannwhitneyu(score_signal, score_background, alternative="two-sided").statistic
    return float(u) / (len(score_signal) * len(score_background))


def roc_curve(score_signal: np.ndarray, score_background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(background efficiency, signal efficiency) for thresholds at every score value."""
    thresholds = np.unique(np.concatenate([score_signal, score_background]))[::-1]
    sig = np.searchsorted(np.sort(score_signal), thresholds, side="left")
    bkg = np.searchsorted(np.sort(score_background), thresholds, side="left")
    return 1.0 - bkg / len(score_background), 1.0 - sig / len(score_signal)


def fit_acceptance(points: np.ndarray, n_pass: np.ndarray, n_total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quadratic fit ε(M_H, M_A) = c·(1, h, a, h², ha, a²) (h, a centred and scaled) to binomial
    efficiencies; returns the coefficient vector and a function's design for ``points``.

    Returns:
        (fitted ε at ``points``, coefficients).
    """
    pts = np.asarray(points, float)
    eff = n_pass / n_total
    err = np.sqrt(np.maximum(eff * (1 - eff), 1.0 / n_total) / n_total)
    design = _design(pts, pts)
    coef, *_ = np.linalg.lstsq(design / err[:, None], eff / err, rcond=None)
    return design @ coef, coef


def _design(pts: np.ndarray, ref: np.ndarray) -> np.ndarray:
    mu, sd = ref.mean(axis=0), np.maximum(ref.std(axis=0), 1e-9)
    h, a = ((pts - mu) / sd).T
    return np.column_stack([np.ones_like(h), h, a, h * h, h * a, a * a])


def scan_nll(neg_log10_w: np.ndarray, log_norm: np.ndarray) -> np.ndarray:
    r""":math:`-2\ln L(\alpha)` up to a constant, minimum subtracted: ``neg_log10_w`` (n_events,
    n_points) and ``log_norm`` = ln(σ(α)ε(α)) (n_points,)."""
    nll = 2.0 * LN10 * np.sum(neg_log10_w, axis=0) + 2.0 * neg_log10_w.shape[0] * np.asarray(log_norm)
    return nll - np.min(nll)


# --------------------------------------------------------------------------- driver

def llbb_events(fileset: str | Path) -> tuple[Any, np.ndarray, list[tuple[str, int]]]:
    """Selected records of every file, the per-event (file, entry) keys, and per dataset the
    (events, valid) counts."""
    import warnings

    import awkward as ak
    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.families.mem.llbb import select_llbb
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    records, keys, counts = [], [], {}
    for dataset, spec in load_fileset(fileset).items():
        n_all = n_valid = 0
        for path, tree in spec["files"].items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ev = NanoEventsFactory.from_root({path: tree}, schemaclass=PresentCollectionsNanoAODSchema,
                                                 mode="eager").events()
            rec = select_llbb(ev)
            valid = np.asarray(rec.valid)
            records.append(rec[valid])
            keys += [(dataset, Path(path).name, int(e)) for e in np.nonzero(valid)[0]]
            n_all += len(valid)
            n_valid += int(valid.sum())
        counts[dataset] = (n_all, n_valid)
    return ak.concatenate(records), keys, counts


def _teacher_table(teacher_dir: str | Path) -> dict[tuple[str, str, int], dict[str, float]]:
    from hepsurrogates.datasets.teachers.mem.teach import load_teacher_targets

    t = load_teacher_targets(teacher_dir)
    fields = [f for f in t.fields if f.startswith("Teacher_")]
    cols = {f: np.asarray(t[f]) for f in fields}
    out = {}
    for i, (ds, f, e) in enumerate(zip(np.asarray(t["dataset"]).tolist(), np.asarray(t["file"]).tolist(),
                                       np.asarray(t["entry"]).tolist())):
        out[(ds, Path(f).name, int(e))] = {k: v[i] for k, v in cols.items()}
    return out


def validate_discriminant(fileset: str, teacher_dir: str, bundle_dir: str, signal: str, background: str,
                          gamma: float = 1.0) -> dict[str, Any]:
    """ROC/AUC of D from teacher and DNN on the same events (both converged, weights > 0)."""
    from hepsurrogates.models.bundle import ModelBundle
    from hepsurrogates.models.mem.features import discriminant, mem_feature_matrix

    rec, keys, counts = llbb_events(fileset)
    table = _teacher_table(teacher_dir)
    rows = [i for i, k in enumerate(keys) if k in table]
    t = [table[keys[i]] for i in rows]
    # Teacher_memTT, Teacher_memDY hold -log10 W (finite: W > 0)
    ok = np.array([np.isfinite(r["Teacher_memTT"]) and np.isfinite(r["Teacher_memDY"]) and r["Teacher_memTT_converged"]
                   and r["Teacher_memDY_converged"] for r in t], bool)
    rows = np.asarray(rows)[ok]
    t = [r for r, k in zip(t, ok) if k]
    y_tt = np.array([r["Teacher_memTT"] for r in t], np.float64)
    y_dy = np.array([r["Teacher_memDY"] for r in t], np.float64)
    x = mem_feature_matrix(rec[rows])
    p_tt = ModelBundle.load(Path(bundle_dir) / "mem_tt.onnx", family="mem").predict(x)
    p_dy = ModelBundle.load(Path(bundle_dir) / "mem_dy.onnx", family="mem").predict(x)
    labels = np.array([keys[i][0] for i in rows])
    is_sig, is_bkg = labels == signal, labels == background
    out: dict[str, Any] = {"signal": signal, "background": background, "gamma": gamma,
                           "events": {"signal": int(is_sig.sum()), "background": int(is_bkg.sum())},
                           "selection": {k: {"events": a, "llbb": b} for k, (a, b) in counts.items()},
                           "excluded_not_converged_or_zero": int((~ok).sum())}
    curves = {}
    for name, (a, b) in (("teacher", (y_tt, y_dy)), ("dnn", (p_tt, p_dy))):
        d = discriminant(b, a, gamma)  # (s_DY, s_tt)
        out[f"auc_{name}"] = roc_auc(d[is_sig], d[is_bkg])
        curves[name] = roc_curve(d[is_sig], d[is_bkg])
    out["auc_difference"] = out["auc_dnn"] - out["auc_teacher"]
    out["_curves"] = curves
    return out


def validate_scan(pseudo_fileset: str, teacher_dir: str, bundle: str, grid_filesets: Sequence[str],
                  injected: tuple[float, float], n_sigma_points: int = 400_000) -> dict[str, Any]:
    """The (M_H, M_A) likelihood scan of the module docstring, DNN and teacher."""
    from hepsurrogates.datasets.teachers.mem import hza_cross_section
    from hepsurrogates.datasets.teachers.mem.teach import hza_column
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.models.bundle import ModelBundle
    from hepsurrogates.models.mem.features import mem_feature_matrix

    # acceptance per grid sample, from its fileset metadata (mH, mA options) and selection counts
    pts, n_pass, n_tot = [], [], []
    for fs in grid_filesets:
        meta = next(iter(load_fileset(fs).values())).get("metadata", {})
        opts = meta.get("options", meta)
        _, _, counts = llbb_events(fs)
        (a, b), = counts.values()
        pts.append((float(opts["mH"]), float(opts["mA"])))
        n_tot.append(a)
        n_pass.append(b)
    pts_arr = np.array(pts)
    eff_fit, coef = fit_acceptance(pts_arr, np.array(n_pass, float), np.array(n_tot, float))
    sigma = np.array([hza_cross_section(h, a, n_points=n_sigma_points, seed=11)[0] for h, a in pts])
    log_norm = np.log(sigma * eff_fit)

    rec, keys, counts = llbb_events(pseudo_fileset)
    x = mem_feature_matrix(rec)
    model = ModelBundle.load(bundle, family="mem")
    y_dnn = np.column_stack([model.predict(np.column_stack([x, np.tile(np.float32(p), (len(x), 1))]).astype(np.float32))
                             for p in pts])
    nll_dnn = scan_nll(y_dnn, log_norm)
    table = _teacher_table(teacher_dir)
    cols = ["Teacher_" + hza_column(h, a) for h, a in pts]
    have = [i for i, k in enumerate(keys) if k in table and all(c in table[k] for c in cols)]
    y_teacher = np.array([[min(table[keys[i]][c], 300.0) for c in cols] for i in have])  # -log10 W, W = 0 as 1e-300
    out: dict[str, Any] = {"injected": list(injected), "points": pts, "n_events_dnn": int(len(x)),
                           "acceptance": {"n_pass": n_pass, "n_total": n_tot, "fit": eff_fit.tolist()},
                           "sigma_model": sigma.tolist(), "nll_dnn": nll_dnn.tolist()}
    steps = (np.min(np.diff(np.unique(pts_arr[:, 0]))), np.min(np.diff(np.unique(pts_arr[:, 1]))))
    out["grid_step"] = [float(s) for s in steps]
    for name, nll in (("dnn", nll_dnn),) + ((("teacher", scan_nll(y_teacher, log_norm)),) if len(have) else ()):
        best = pts_arr[int(np.argmin(nll))]
        out[f"minimum_{name}"] = best.tolist()
        out[f"minimum_{name}_within_one_step"] = bool(abs(best[0] - injected[0]) <= steps[0] + 1e-6
                                                      and abs(best[1] - injected[1]) <= steps[1] + 1e-6)
        out[f"nll_{name}"] = nll.tolist()
    # the DNN on the teacher's subset, for a like-for-like comparison
    if len(have):
        sub = scan_nll(y_dnn[have], log_norm)
        out["n_events_teacher"] = len(have)
        out["nll_dnn_on_teacher_subset"] = sub.tolist()
        out["minimum_dnn_on_teacher_subset"] = pts_arr[int(np.argmin(sub))].tolist()
    return out


def _plots(out_dir: Path, roc: dict[str, Any] | None, scan: dict[str, Any] | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if roc is not None:
        fig, ax = plt.subplots(figsize=(5, 5))
        for name, (fpr, tpr) in roc["_curves"].items():
            ax.plot(fpr, tpr, label=f"{name} (AUC {roc[f'auc_{name}']:.3f})")
        ax.plot([0, 1], [0, 1], ":", color="grey")
        ax.set_xlabel("Drell-Yan efficiency")
        ax.set_ylabel("tt efficiency")
        ax.set_title("D = W_tt / (W_tt + gamma W_DY)")
        ax.legend()
        fig.savefig(out_dir / "roc_discriminant.png", dpi=110, bbox_inches="tight")
        plt.close(fig)
    if scan is not None:
        pts = np.array(scan["points"])
        keys = [k for k in ("nll_dnn", "nll_teacher") if k in scan]
        fig, axes = plt.subplots(1, len(keys), figsize=(5 * len(keys), 4))
        for ax, key in zip(np.atleast_1d(axes), keys):
            sc = ax.scatter(pts[:, 0], pts[:, 1], c=np.array(scan[key]), s=250, marker="s", cmap="viridis_r")
            ax.plot(*scan["injected"], "r*", ms=14, label="injected")
            ax.plot(*scan[key.replace("nll", "minimum")], "wx", ms=10, mew=2, label="minimum")
            ax.set_xlabel("M_H [GeV]")
            ax.set_ylabel("M_A [GeV]")
            ax.set_title(f"-2 ln L, {key[4:]}")
            fig.colorbar(sc, ax=ax)
            ax.legend(fontsize=8)
        fig.savefig(out_dir / "likelihood_scan.png", dpi=110, bbox_inches="tight")
        plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hepsurrogates.training.mem.validation", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle-dir", required=True, help="directory with mem_dy.onnx, mem_tt.onnx, mem_hza.onnx")
    ap.add_argument("--roc-fileset", help="held-out tt and DY events (fileset JSON)")
    ap.add_argument("--roc-teacher", help="teach output of --roc-fileset (memDY, memTT)")
    ap.add_argument("--signal", default="ttbar_dilepton")
    ap.add_argument("--background", default="dy_ll")
    ap.add_argument("--gamma", type=float, default=1.0)
    ap.add_argument("--pseudo-fileset", help="H -> ZA pseudo-data at the injected point")
    ap.add_argument("--pseudo-teacher", help="teach output with the grid hypotheses on (part of) the pseudo-data")
    ap.add_argument("--grid-filesets", nargs="*", default=[], help="one H -> ZA sample per grid point")
    ap.add_argument("--injected", default="261.40,150.50")
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"command": "python -m hepsurrogates.training.mem.validation " + " ".join(argv or [])}
    roc = scan = None
    if args.roc_fileset:
        roc = validate_discriminant(args.roc_fileset, args.roc_teacher, args.bundle_dir, args.signal,
                                    args.background, args.gamma)
        result["discriminant"] = {k: v for k, v in roc.items() if not k.startswith("_")}
    if args.pseudo_fileset:
        injected = tuple(float(v) for v in args.injected.split(","))
        scan = validate_scan(args.pseudo_fileset, args.pseudo_teacher, str(Path(args.bundle_dir) / "mem_hza.onnx"),
                             args.grid_filesets, injected)
        result["scan"] = scan
    _plots(out_dir, roc, scan)
    (out_dir / "validation.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "scan"} | (
        {"scan_minimum": {k: v for k, v in scan.items() if k.startswith("minimum")}} if scan else {}), default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
