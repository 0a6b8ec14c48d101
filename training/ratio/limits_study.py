r"""Expected limits on θ = (c_LL, c_LR) from ``dy_contact`` events: the ratio bundle, the SALLY score
histogram and the m_ℓℓ × cos θ*_CS histogram, side by side, with the Fisher informations.

``hepsurrogates ratio limits --fileset F1,F2,… --lumi 10`` (:func:`limits`) runs
:func:`expected_limits` on events that no training used (one ``dy_contact`` fileset per generated
point, combined as in :mod:`.data`):

* the Asimov data at θ_true: every selected event weighted by ν(θ_true) p(z_i|θ_true)/Σ, with
  ν(θ) = L σ_sel(θ) (exact morphing of the gold) and the events' |M|² at each θ from their
  ``Teacher_msq_*`` — the "simulation" of the expectation;
* (a) unbinned: ℓ(θ) = −[ν(θ) − ν_SM] + n log ν(θ)/ν_SM + Σ_i w_i log r̂(x_i|θ, SM), the bundle
  evaluated by onnxruntime on the grid (:func:`hepsurrogates.models.ratio.limits.unbinned_limits`);
* (b) the 2-D histogram of SALLY's (t̂_LL, t̂_LR) and (c) the 2-D histogram of (m_ℓℓ, cos θ*_CS), bins
  at quantiles of the events, ν_b(θ) from the morphed per-event cross sections
  (:func:`~hepsurrogates.models.ratio.limits.binned_limits`);
* the Fisher information at θ_true (per the luminosity, rate term included) of the joint score (the
  full information, an upper bound), of SALLY's t̂, of the ratio bundle's slope (central differences)
  and of both histograms; the expected 68 % half-widths from each.

Returns the area of the 68 % and 95 % regions, the profiled 1-D intervals on each parameter, and
writes ``limits.json`` and ``limits.png`` (the contours).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.ratio.limits import (
    LimitResult,
    bin_index,
    binned_expectation,
    binned_limits,
    fisher_information,
    histogram_fisher_information,
    quantile_edges,
    theta_grid,
    threshold,
    unbinned_limits,
)

from .data import ContactEvents, load_contact_events

__all__ = ["expected_limits", "limits", "profile_interval"]

LEVELS = (0.6827, 0.9545)
_STEP = 1e-3  # TeV⁻²: central differences of the ratio bundle at θ_true


def _log_r_grid(bundle: ModelBundle, x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    out = np.empty((len(x), len(grid)))
    for j, theta in enumerate(grid):
        feats = np.hstack([x, np.broadcast_to(theta, (len(x), 2))]).astype(np.float32)
        out[:, j] = bundle.predict(feats)
    return out


def profile_interval(result: LimitResult, axis: int, cl: float) -> list[float]:
    """The profiled 1-D interval [low, high] on parameter ``axis`` at ``cl`` (χ²₁ threshold on the grid's
    minimum of t over the other parameter); the grid's end where the set reaches it."""
    values = np.unique(result.theta[:, axis])
    prof = np.array([result.t[result.theta[:, axis] == v].min() for v in values])
    inside = values[prof <= threshold(cl, 1)]
    return [float(inside.min()), float(inside.max())] if len(inside) else [float("nan"), float("nan")]


def _summary(result: LimitResult, cell: float) -> dict[str, Any]:
    out: dict[str, Any] = {"theta_hat": result.theta_hat.tolist()}
    for cl in LEVELS:
        key = f"{100 * cl:.0f}"
        out[f"area_{key}"] = float((result.t <= threshold(cl, 2)).sum() * cell)
        out[f"interval_cLL_{key}"] = profile_interval(result, 0, cl)
        out[f"interval_cLR_{key}"] = profile_interval(result, 1, cl)
    return out


def expected_limits(events: ContactEvents, ratio: ModelBundle, sally: ModelBundle, lumi_fb: float,
                    theta_true: Sequence[float] = (0.0, 0.0), half_range: float = 0.01, resolution: int = 41,
                    n_bins: int = 8, normalise: bool = True) -> tuple[dict[str, Any], dict[str, LimitResult]]:
    """Expected limits and Fisher informations (module docstring); returns the summary and the scans.

    With ``normalise`` the ratio bundle's log r̂(x|θ, SM) is shifted at each θ by −log E_SM[r̂(x|θ, SM)] over
    the events (weighted to the SM): the normalisation every ratio of normalised densities obeys, which a
    trained estimator meets only to its accuracy (about 1 % here), enforced on the simulation the
    expectations come from (a calibration of the ratio's normalisation, not of its shape).

    Raises:
        InvalidArgumentError: a non-positive luminosity, range or resolution.
    """
    if not (lumi_fb > 0 and half_range > 0 and resolution >= 3 and n_bins >= 2):
        raise InvalidArgumentError("limits: lumi, range must be > 0, resolution >= 3, bins >= 2")
    lumi = 1000.0 * float(lumi_fb)  # pb⁻¹
    true = np.asarray(theta_true, dtype=np.float64).reshape(1, 2)
    grid = theta_grid([(-half_range, half_range)] * 2, resolution)
    cell = (2 * half_range / (resolution - 1)) ** 2
    nu = lumi * events.cross_section(grid)
    nu_true = float(lumi * events.cross_section(true)[0])
    sigma_grid = lumi * events.event_cross_sections(grid)
    asimov = lumi * events.event_cross_sections(true)[:, 0]
    scans: dict[str, LimitResult] = {}
    log_r = _log_r_grid(ratio, events.x, grid)
    if normalise:
        # the constraint E_SM[r̂(x|θ, SM)] = 1 (both densities normalised), enforced on these events
        p_sm = events.event_cross_sections(np.zeros((1, 2)))[:, 0]
        log_r -= np.log((p_sm / p_sm.sum()) @ np.exp(log_r))
    scans["ratio"] = unbinned_limits(grid, log_r, nu, nu_ref=float(lumi * events.cross_section(np.zeros((1, 2)))[0]),
                                     weights=asimov)
    t_sally = sally.predict(events.x.astype(np.float32)).astype(np.float64)
    gradient = lumi * events.event_cross_section_gradients(true)
    infos: dict[str, list[list[float]]] = {}
    for name, columns in (("sally_histogram", t_sally), ("mll_cos_histogram", events.x[:, :2])):
        edges = [quantile_edges(columns[:, k], n_bins, asimov) for k in range(2)]
        index = bin_index(columns, edges)
        n_cells = n_bins * n_bins
        scans[name] = binned_limits(grid, binned_expectation(index, asimov, n_cells),
                                    binned_expectation(index, sigma_grid, n_cells))
        infos[name] = histogram_fisher_information(binned_expectation(index, asimov, n_cells),
                                                   binned_expectation(index, gradient, n_cells)).tolist()
    rate = gradient.sum(axis=0)  # ∇ν(θ_true)
    p_true = asimov / asimov.sum()
    steps = np.array([[_STEP, 0.0], [-_STEP, 0.0], [0.0, _STEP], [0.0, -_STEP]]) + true
    lr = _log_r_grid(ratio, events.x, steps)
    t_ratio = np.stack([(lr[:, 0] - lr[:, 1]) / (2 * _STEP), (lr[:, 2] - lr[:, 3]) / (2 * _STEP)], axis=1)
    t_joint = events.t_xz(np.arange(len(events.x)), true[0])
    for name, t in (("joint_score", t_joint), ("sally", t_sally), ("ratio_slope", t_ratio)):
        t_centred = t - p_true @ t  # the estimated scores' mean is zero only up to the estimator's bias
        infos[name] = fisher_information(t_centred, nu_true, weights=p_true, nu_gradient=rate).tolist()
    summary = {
        "lumi_fb": float(lumi_fb), "theta_true": true[0].tolist(), "events": len(events.x),
        "expected_events": nu_true,
        "grid": {"half_range": half_range, "resolution": resolution},
        "bins_per_axis": n_bins, "normalised_ratio": bool(normalise),
        "methods": {name: _summary(res, cell) for name, res in scans.items()},
        "fisher_information": infos,
        "expected_halfwidth_68": {name: np.sqrt(np.diag(np.linalg.inv(np.asarray(i)))).tolist()
                                  for name, i in infos.items()},
    }
    return summary, scans


def _plot(scans: dict[str, LimitResult], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 6))
    labels = {"ratio": "ratio bundle (unbinned)", "sally_histogram": "SALLY histogram",
              "mll_cos_histogram": r"$m_{\ell\ell}\times\cos\theta^*$ histogram"}
    for (name, res), color in zip(scans.items(), ("C0", "C1", "C2")):
        values = [np.unique(res.theta[:, k]) for k in range(2)]
        t = res.t.reshape(len(values[0]), len(values[1]))
        ax.contour(values[0], values[1], t.T, levels=[threshold(cl, 2) for cl in LEVELS], colors=color,
                   linestyles=("-", "--"))
        ax.plot([], [], color=color, label=labels.get(name, name))
    ax.set_xlabel(r"$c_{LL}$ [TeV$^{-2}$]")
    ax.set_ylabel(r"$c_{LR}$ [TeV$^{-2}$]")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def limits(fileset: str = "", lumi: float = 10.0, theta_true: str = "0,0", half_range: float = 0.01,
           resolution: int = 41, bins: int = 8, ratio_bundle: str = "ratio_dycontact_alices",
           sally_bundle: str = "ratio_dycontact_sally", out: str = "ratio_limits") -> dict[str, Any]:
    """Expected limits on (cLL, cLR) from dy_contact events (module docstring); prints and plots the contours.

    Args:
        fileset: comma-separated dy_contact fileset JSON files, one per generated point (events no training used).
        lumi: integrated luminosity in fb^-1.
        theta_true: the point cLL,cLR (TeV^-2) of the Asimov data.
        half_range: the grid spans [-half_range, half_range] in both parameters (TeV^-2).
        resolution: grid points per parameter.
        bins: bins per axis of the two 2-D histograms (at quantiles of the events).
        ratio_bundle, sally_bundle: shipped bundle names or .onnx paths.
        out: output directory (limits.json, limits.png).

    Returns:
        The summary written to limits.json.
    """
    from hepsurrogates.models.shipped import load_shipped

    if not fileset:
        raise InvalidArgumentError("ratio limits: --fileset needs one or more dy_contact fileset JSON files")
    try:
        true = [float(v) for v in theta_true.split(",")]
    except ValueError:
        true = []
    if len(true) != 2:
        raise InvalidArgumentError(f"ratio limits: --theta-true must be two numbers cLL,cLR, got {theta_true!r}")

    def bundle(name: str) -> ModelBundle:
        return ModelBundle.load(name) if name.endswith(".onnx") else load_shipped(name, family="ratio")

    events = load_contact_events([f for f in fileset.split(",") if f])
    summary, scans = expected_limits(events, bundle(ratio_bundle), bundle(sally_bundle), lumi, true, half_range,
                                     resolution, bins)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    (target / "limits.json").write_text(json.dumps(summary, indent=2) + "\n")
    _plot(scans, target / "limits.png", f"dy_contact, {lumi:g} fb$^{{-1}}$, expected at {true}")
    return summary
