"""What ``hepsurrogates demo`` reports for ``ratio``: the estimators' closure on the SM demo sample.

On events of the SM, E_SM[r̂(x|θ, SM)] = 1 for every θ and E_SM[t̂(x|SM)] = 0 (the ratio of two
normalised densities averages to one under its denominator; the score of a density averages to zero):
the demo prints both, with their standard errors, on the selected events of the ``dy_contact`` demo
skim, and the fraction inside the bundles' training domain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

__all__ = ["report"]


def _column(events: Sequence[Any], name: str) -> np.ndarray:
    return np.concatenate([ak.to_numpy(ak.fill_none(e.Surrogate[name], np.nan)).astype(np.float64) for e in events])


def report(skims: Mapping[str, Sequence[Any]]) -> tuple[dict[str, Any], list[str]]:
    """Closure of log r̂ and of the score on each dataset's skim (module docstring)."""
    out: dict[str, Any] = {}
    lines = []
    for dataset, events in skims.items():
        if not events:
            continue
        fields = list(events[0].Surrogate.fields)
        ratios = [f for f in fields if f.startswith("logRatio_") and not f.endswith("_inDomain")]
        scores = [f for f in fields if f.startswith("score_") and not f.endswith("_inDomain")]
        if not ratios and not scores:
            continue
        entry: dict[str, Any] = {"mean_ratio": {}, "mean_score": {}}
        n = 0
        for f in ratios:
            r = np.exp(_column(events, f))
            r = r[np.isfinite(r)]
            n = len(r)
            entry["mean_ratio"][f] = {"value": float(r.mean()), "error": float(r.std() / np.sqrt(n))}
        for f in scores:
            t = _column(events, f)
            t = t[np.isfinite(t)]
            n = len(t)
            entry["mean_score"][f] = {"value": float(t.mean()), "error": float(t.std() / np.sqrt(n))}
        first = (ratios or scores)[0]
        has = np.isfinite(_column(events, first))
        inside = np.concatenate([ak.to_numpy(ak.fill_none(e.Surrogate[f"{first}_inDomain"], False)) for e in events])
        entry["events"] = n
        entry["in_domain_fraction"] = float(inside[has].mean()) if n else 0.0
        worst = max(entry["mean_ratio"].items(), key=lambda kv: abs(kv[1]["value"] - 1.0), default=None)
        text = (f"E_SM[r] of log r at {len(ratios)} theta points: the farthest from 1 is {worst[1]['value']:.3f} +- "
                f"{worst[1]['error']:.3f} ({worst[0]})" if worst else "")
        scores_text = ", ".join(f"{k.removeprefix('score_')} {v['value']:.1f} +- {v['error']:.1f} TeV^2"
                                for k, v in entry["mean_score"].items())
        lines.append(f"{dataset}: {n} selected dileptons; {text}; E_SM[SALLY score]: {scores_text} (expected 1 and 0)")
        out[dataset] = entry
    return out, lines
