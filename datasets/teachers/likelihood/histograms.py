r"""A pyhf workspace from this project's own histograms: signal, background, and their systematic variations.

:func:`workspace_from_histograms` turns binned templates (e.g. the m_ML histograms that
``DiTauMassProcessor`` fills, for a ``htautau`` mass point and for Z → ττ, at the nominal τ energy
scale and with ``Tau.pt`` shifted up and down) into a one-channel HistFactory workspace:

=================  ===========  ==========================================================
modifier           type         meaning
=================  ===========  ==========================================================
``mu``             normfactor   signal strength (parameter of interest) on the signal
``lumi``           lumi         integrated luminosity, on both samples (relative width σ_L)
``bkg_norm``       normsys      background normalisation (hi/lo = 1 ± δ_B)
``<name>``         histosys     one shape uncertainty per variation (e.g. ``tes``: the τ
                                energy scale), templates of both samples at ±1σ
``mcstat``         staterror    MC statistics per bin (Barlow–Beeston lite), from Σw²
=================  ===========  ==========================================================

The expected counts are the histograms times ``signal_scale`` / ``background_scale`` (cross
section × luminosity / generated events); the observed counts are given (pseudo-data), so that
the workspace is a published-style likelihood of this project's pipeline: events → columns →
histograms → likelihood.

Example:
    >>> import numpy as np
    >>> s, b = Template([1.0, 4.0, 1.0]), Template([20.0, 18.0, 15.0])
    >>> spec = workspace_from_histograms(s, b, observed=[21, 23, 14], edges=[0, 1, 2, 3])
    >>> [m["type"] for m in spec["channels"][0]["samples"][1]["modifiers"]]
    ['lumi', 'normsys', 'staterror']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["Template", "Variation", "workspace_from_histograms"]


@dataclass
class Template:
    """Bin contents and their Σw² (default: Poisson, Σw² = contents) of one sample."""

    counts: Sequence[float]
    sumw2: Sequence[float] | None = None

    def arrays(self, name: str, n_bins: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        c = np.asarray(self.counts, dtype=np.float64)
        w2 = c.copy() if self.sumw2 is None else np.asarray(self.sumw2, dtype=np.float64)
        if c.ndim != 1 or w2.shape != c.shape:
            raise InvalidArgumentError(f"{name}: counts and sumw2 must be 1-D of one length, got {c.shape}, {w2.shape}")
        if n_bins is not None and len(c) != n_bins:
            raise InvalidArgumentError(f"{name}: expected {n_bins} bins, got {len(c)}")
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(w2))) or np.any(c < 0) or np.any(w2 < 0):
            raise InvalidArgumentError(f"{name}: bin contents must be finite and ≥ 0")
        return c, w2


@dataclass
class Variation:
    """A shape uncertainty: the signal and background templates at +1σ and −1σ."""

    signal_up: Template
    signal_down: Template
    background_up: Template
    background_down: Template
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def workspace_from_histograms(
    signal: Template,
    background: Template,
    observed: Sequence[float],
    edges: Sequence[float],
    variations: Mapping[str, Variation] | None = None,
    signal_scale: float = 1.0,
    background_scale: float = 1.0,
    lumi_uncertainty: float = 0.025,
    background_norm_uncertainty: float = 0.10,
    mc_stat: bool = True,
    channel: str = "ditau_mML",
    mu_bounds: tuple[float, float] = (-1.0, 10.0),
    measurement: str = "hepsurrogates_ditau",
) -> dict[str, Any]:
    """A pyhf workspace specification (JSON-ready dict) from binned templates.

    Args:
        signal, background: nominal templates (histogram contents before scaling).
        observed: observed counts per bin (e.g. a Poisson draw of the expected background).
        edges: bin edges (len = bins + 1), recorded in the workspace's channel name metadata.
        variations: shape uncertainties by modifier name (e.g. ``{"tes": Variation(...)}``).
        signal_scale, background_scale: factors from histogram contents to expected counts.
        lumi_uncertainty: relative width σ_L of the luminosity constraint.
        background_norm_uncertainty: δ_B of the background normalisation normsys.
        mc_stat: add the per-bin staterror from Σw² (scaled like the contents).
        channel, measurement: names in the workspace.
        mu_bounds: bounds of the signal strength (negative values allowed for a two-sided t_μ).

    Raises:
        InvalidArgumentError: inconsistent bin numbers, negative or non-finite contents, a bin
            with no background (the likelihood would not exist there), bad uncertainties.
    """
    n = len(edges) - 1
    if n < 1 or np.any(np.diff(np.asarray(edges, dtype=np.float64)) <= 0):
        raise InvalidArgumentError(f"edges must be increasing with at least 2 entries, got {list(edges)}")
    s, s_w2 = signal.arrays("signal", n)
    b, b_w2 = background.arrays("background", n)
    obs = np.asarray(observed, dtype=np.float64)
    if obs.shape != (n,) or np.any(obs < 0) or not np.all(np.isfinite(obs)):
        raise InvalidArgumentError(f"observed must be {n} finite counts ≥ 0, got shape {obs.shape}")
    empty = np.nonzero(b <= 0)[0]
    if len(empty):
        raise InvalidArgumentError(f"background template is empty in bin(s) {empty.tolist()} "
                                   f"(edges {[edges[i] for i in empty]}); choose a range without empty bins")
    if not (0 < lumi_uncertainty < 1 and 0 < background_norm_uncertainty < 1):
        raise InvalidArgumentError("lumi_uncertainty and background_norm_uncertainty must lie in (0, 1)")
    if signal_scale <= 0 or background_scale <= 0:
        raise InvalidArgumentError("signal_scale and background_scale must be > 0")
    s, s_w2 = s * signal_scale, s_w2 * signal_scale**2
    b, b_w2 = b * background_scale, b_w2 * background_scale**2
    sig_mods: list[dict[str, Any]] = [{"name": "mu", "type": "normfactor", "data": None},
                                      {"name": "lumi", "type": "lumi", "data": None}]
    bkg_mods: list[dict[str, Any]] = [{"name": "lumi", "type": "lumi", "data": None},
                                      {"name": "bkg_norm", "type": "normsys",
                                       "data": {"hi": 1.0 + background_norm_uncertainty,
                                                "lo": 1.0 - background_norm_uncertainty}}]
    for name, var in (variations or {}).items():
        su, _ = var.signal_up.arrays(f"{name} signal up", n)
        sd, _ = var.signal_down.arrays(f"{name} signal down", n)
        bu, _ = var.background_up.arrays(f"{name} background up", n)
        bd, _ = var.background_down.arrays(f"{name} background down", n)
        sig_mods.append({"name": name, "type": "histosys",
                         "data": {"hi_data": (su * signal_scale).tolist(), "lo_data": (sd * signal_scale).tolist()}})
        bkg_mods.append({"name": name, "type": "histosys",
                         "data": {"hi_data": (bu * background_scale).tolist(),
                                  "lo_data": (bd * background_scale).tolist()}})
    if mc_stat:
        sig_mods.append({"name": "mcstat", "type": "staterror", "data": np.sqrt(s_w2).tolist()})
        bkg_mods.append({"name": "mcstat", "type": "staterror", "data": np.sqrt(b_w2).tolist()})
    return {
        "channels": [{"name": channel, "samples": [
            {"name": "signal", "data": s.tolist(), "modifiers": sig_mods},
            {"name": "background", "data": b.tolist(), "modifiers": bkg_mods},
        ]}],
        "observations": [{"name": channel, "data": obs.tolist()}],
        "measurements": [{"name": measurement, "config": {"poi": "mu", "parameters": [
            {"name": "mu", "bounds": [list(mu_bounds)], "inits": [1.0]},
            {"name": "lumi", "auxdata": [1.0], "sigmas": [lumi_uncertainty], "bounds": [[0.5, 1.5]], "inits": [1.0]},
        ]}}],
        "version": "1.0.0",
    }
