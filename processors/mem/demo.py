"""What ``hepsurrogates demo`` reports for ``mem``: how well D separates tt̄ from Drell–Yan + jets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

__all__ = ["report", "auc"]


def auc(signal: np.ndarray, background: np.ndarray) -> float:
    """Area under the ROC curve: P(D_signal > D_background), ties counted half (Mann–Whitney).

    Example:
        >>> auc(np.array([0.9, 0.8]), np.array([0.1, 0.85]))
        0.75
    """
    s, b = np.asarray(signal, np.float64), np.asarray(background, np.float64)
    order = np.argsort(np.concatenate([s, b]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([s, b])[order]
    i = 0
    while i < len(values):  # average ranks of ties
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = 0.5 * (i + j) + 1.0
        i = j + 1
    return float((ranks[:len(s)].sum() - len(s) * (len(s) + 1) / 2) / (len(s) * len(b)))


def _column(events: Sequence[Any], get: Any) -> np.ndarray:
    return np.concatenate([ak.to_numpy(get(e)) for e in events]) if events else np.zeros(0)


def report(skims: Mapping[str, Sequence[Any]]) -> tuple[dict[str, Any], list[str]]:
    """On the skims of the ``ttbar_dilepton`` and ``dy_jets`` demo samples: the ℓℓbb events, the
    median log10 D of each, the AUC of D between them, and the in-domain fractions."""
    out: dict[str, Any] = {}
    d: dict[str, np.ndarray] = {}
    for dataset, events in skims.items():
        memd = _column(events, lambda e: e.Surrogate.memD).astype(np.float64)
        llbb = np.isfinite(memd)
        inside = {c: float(_column(events, lambda e, c=c: e.Surrogate[f"{c}_inDomain"])[llbb].mean())
                  for c in ("memDY", "memTT")} if llbb.any() else {}
        d[dataset] = memd[llbb]
        out[dataset] = {"llbb_events": int(llbb.sum()), "in_domain_fraction": inside,
                        "median_log10_D": float(np.median(np.log10(memd[llbb]))) if llbb.any() else None}
    lines = [f"{ds}: {r['llbb_events']} ll+bb events, median log10 D = {r['median_log10_D']:.2f}"
             for ds, r in out.items() if r["llbb_events"]]
    if len(d) == 2 and all(len(v) for v in d.values()):
        (sig, s), (bkg, b) = d.items()
        out["auc_D"] = auc(s, b)
        lines.append(f"D separates {sig} from {bkg}: AUC {out['auc_D']:.3f}")
    return out, lines
