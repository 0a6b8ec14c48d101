"""What ``hepsurrogates demo`` reports for ``ditau``: m_ML and FastMTT against the generated di-τ mass."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import awkward as ak
import numpy as np

__all__ = ["report", "resolution"]


def resolution(pred: np.ndarray, true: np.ndarray, lo: float = 100.0, hi: float = 800.0) -> float:
    """Relative resolution in %, 100·½(q84 − q16)/median of pred/true, for lo ≤ true ≤ hi."""
    m = (true >= lo) & (true <= hi) & np.isfinite(pred)
    q16, q50, q84 = np.quantile(pred[m] / true[m], [0.16, 0.5, 0.84])
    return float(100.0 * 0.5 * (q84 - q16) / q50)


def _column(events: Sequence[Any], get: Any) -> np.ndarray:
    return np.concatenate([ak.to_numpy(get(e)) for e in events]) if events else np.zeros(0)


def report(skims: Mapping[str, Sequence[Any]]) -> tuple[dict[str, Any], list[str]]:
    """On the skims of the ``htautau`` and ``dy_ll`` demo samples: the resolutions (100–800 GeV)
    and the Z → ττ medians, with the in-domain fraction of m_ML."""
    out: dict[str, Any] = {}
    lines = []
    for dataset, events in skims.items():
        mml = _column(events, lambda e: e.Surrogate.mTauTau)
        fmtt = _column(events, lambda e: e.Surrogate.mTauTauFastMTT)
        inside = _column(events, lambda e: e.Surrogate.mTauTau_inDomain)
        true = _column(events, lambda e: e.Teacher.mTauTau).astype(np.float64)
        pair = np.isfinite(mml)
        entry: dict[str, Any] = {"pairs": int(pair.sum()), "in_domain_fraction": float(inside[pair].mean())
                                 if pair.any() else None}
        if dataset == "htautau" and pair.any():
            entry["resolution_100_800_percent"] = {"m_ML": resolution(mml[pair], true[pair]),
                                                   "FastMTT": resolution(fmtt[pair], true[pair])}
            r = entry["resolution_100_800_percent"]
            lines.append(f"{dataset}: relative resolution 100-800 GeV: m_ML {r['m_ML']:.1f} %, "
                         f"FastMTT {r['FastMTT']:.1f} % ({entry['pairs']} pairs, "
                         f"{100 * entry['in_domain_fraction']:.1f} % in the training domain)")
        if dataset == "dy_ll" and pair.any():
            tautau = pair & np.isfinite(true)
            entry["z_tautau_events"] = int(tautau.sum())
            entry["z_tautau_median_gev"] = {"m_ML": float(np.median(mml[tautau])),
                                            "FastMTT": float(np.median(fmtt[tautau]))}
            z = entry["z_tautau_median_gev"]
            lines.append(f"{dataset}: Z->tautau ({entry['z_tautau_events']} events): median m_ML {z['m_ML']:.1f} GeV, "
                         f"FastMTT {z['FastMTT']:.1f} GeV")
        out[dataset] = entry
    return out, lines
