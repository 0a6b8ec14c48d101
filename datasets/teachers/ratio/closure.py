r"""The gold's closure against the generator: Pythia's ``dy_contact`` hard process at one θ, reweighted
by the gold to another θ', against Pythia's own sample at θ'.

With events generated at θ, the weights :math:`w = |M(z|\theta')|^2/|M(z|\theta)|^2` give
:math:`\sigma(\theta')/\sigma(\theta) = E_\theta[w]` and every distribution at θ' (PDFs, phase space and
everything after the hard process cancel). :func:`hard_process_events` generates the hard process
only (no shower, no hadronisation: the gold depends on nothing after it, and the run is ~50× faster),
:func:`reweighting_closure` compares the cross-section ratio (a pull) and the m_ll and partonic
cos θ* shapes (a χ² over quantile bins of the target, the weighted histogram's variance Σw²).

Example:
    >>> src = hard_process_events({"eta_ll": -1.0, "mll_min": 400.0}, 2000, seed=1)
    >>> sorted(src)[:4], src["coeff"].shape
    (['coeff', 'cos_theta', 'mll', 'sigma_err_pb'], (2000, 6))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from hepsurrogates.constants import SQRT_S_13TEV
from hepsurrogates.morphing import quadratic_basis

from ...pythia_run import PythiaRun
from ...samples import get_sample
from ...samples.dy_contact import generated_theta, hard_process_msq
from .contact import mandelstam

__all__ = ["HARD_PROCESS_ONLY", "hard_process_events", "reweighting_weights", "reweighting_closure"]

#: Pythia settings that stop after the hard process (the event record keeps it)
HARD_PROCESS_ONLY = ("PartonLevel:ISR = off", "PartonLevel:FSR = off", "PartonLevel:MPI = off",
                     "HadronLevel:all = off")
_P4 = ("px", "py", "pz", "e")


def hard_process_events(options: Mapping[str, float], n: int, seed: int) -> dict[str, Any]:
    """``n`` ``dy_contact`` hard processes at the sample options ``options`` (defaults for the rest).

    Returns ``coeff`` (n, 6) (the |M|² coefficients in f(θ)), ``mll`` (GeV), ``cos_theta`` (the ℓ⁻
    against the incoming quark in the partonic frame, from t̂ = −ŝ(1 − cos θ*)/2), ``theta`` (the
    generated point, TeV⁻²), ``sigma_pb`` and ``sigma_err_pb`` (Pythia's estimate and its error).
    """
    spec = get_sample("dy_contact")
    resolved = spec.resolve_options(options)
    raw = PythiaRun([*spec.pythia_settings(resolved), *HARD_PROCESS_ONLY], seed).generate(n)
    info = raw.info
    coeff, _ = hard_process_msq(info)
    outgoing = info["process_status"] == 23
    sides = {s: np.argmax(outgoing & np.isin(info["process_id"], ids), axis=1)
             for s, ids in (("minus", (11, 13)), ("plus", (-11, -13)))}
    p4 = {s: {c: np.take_along_axis(info[f"process_{c}"], idx[:, None], axis=1)[:, 0] for c in _P4}
          for s, idx in sides.items()}
    quark_pz = 0.5 * SQRT_S_13TEV * np.where(info["id1"] > 0, info["x1"], -info["x2"])
    shat, that, _ = mandelstam(quark_pz, p4["minus"], p4["plus"])
    return {"coeff": coeff, "mll": np.sqrt(shat), "cos_theta": 1.0 + 2.0 * that / shat,
            "theta": generated_theta(resolved), "sigma_pb": raw.sigma_gen_mb * 1e9,
            "sigma_err_pb": raw.sigma_err_mb * 1e9}


def reweighting_weights(source: Mapping[str, Any], theta: Any) -> np.ndarray:
    """|M(z|θ)|²/|M(z|θ_source)|² per event of ``source``."""
    f = quadratic_basis(np.vstack([np.asarray(theta, dtype=np.float64), source["theta"]]))
    return (source["coeff"] @ f[0]) / (source["coeff"] @ f[1])


def _shape_chi2(values: np.ndarray, weights: np.ndarray, target: np.ndarray, n_bins: int) -> float:
    edges = np.quantile(target, np.linspace(0.0, 1.0, n_bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    h, _ = np.histogram(values, edges, weights=weights)
    h2, _ = np.histogram(values, edges, weights=weights**2)
    t, _ = np.histogram(target, edges)
    a, b = h / h.sum(), t / t.sum()
    var = h2 / h.sum() ** 2 + t / t.sum() ** 2
    return float(((a - b) ** 2 / var).sum())


def reweighting_closure(source: Mapping[str, Any], target: Mapping[str, Any], n_bins: int = 10) -> dict[str, float]:
    """The source reweighted to the target's θ against the target (module docstring).

    Returns the reweighted and Pythia cross-section ratios with errors, their pull, the shape χ² of
    m_ll and cos θ* (``n_bins`` − 1 degrees of freedom), the largest weight and the effective sample
    size (Σw)²/Σw².
    """
    w = reweighting_weights(source, target["theta"])
    ratio, ratio_err = float(w.mean()), float(w.std() / np.sqrt(len(w)))
    pythia = target["sigma_pb"] / source["sigma_pb"]
    pythia_err = pythia * float(np.hypot(target["sigma_err_pb"] / target["sigma_pb"],
                                         source["sigma_err_pb"] / source["sigma_pb"]))
    return {
        "sigma_ratio_reweighted": ratio, "sigma_ratio_reweighted_err": ratio_err,
        "sigma_ratio_pythia": float(pythia), "sigma_ratio_pythia_err": pythia_err,
        "pull": (ratio - pythia) / float(np.hypot(ratio_err, pythia_err)),
        "chi2_mll": _shape_chi2(source["mll"], w, target["mll"], n_bins),
        "chi2_cos_theta": _shape_chi2(source["cos_theta"], w, target["cos_theta"], n_bins),
        "ndf": n_bins - 1, "max_weight": float(w.max()), "effective_events": float(w.sum() ** 2 / (w**2).sum()),
        "events": len(w),
    }
