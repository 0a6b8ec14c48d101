r"""The 1809.05548 toy as a pyhf workspace, and where it cannot equal the exact toy.

Every bin is its own one-bin channel (``bin_00`` … ``bin_89``) with a ``signal`` sample (normfactor
``mu``, bounds (−1, 5)) and a ``background`` sample carrying

* ``mcstat_II``: a normsys with hi = 1 + ε_I, lo = 1/(1 + ε_I): with interpolation code 1 it is
  exactly :math:`(1+\epsilon_I)^{\delta_I}` (one channel per bin is what lets a per-bin factor be a
  normsys);
* ``ISR``, ``JES``: a normsys (hi = 1 + K⁺_c, lo = 1 + K⁻_c; code 1 gives exactly :math:`N_c`)
  and a histosys of the same name whose templates are the renormalised shapes at δ = ±1, with
  interpolation code 2 (the parabola continued linearly, i.e. :func:`~.toy.parabola`);
* ``LV``, ``CR``: normsys as above.

The interpolation codes are not part of a workspace JSON, so the model must be built with
:data:`TOY_MODIFIER_SETTINGS` (pyhf's defaults, code 4 / 4p, differ from the toy inside |δ| < 1).

Where the two agree and where they cannot: pyhf *adds* the histosys deltas of ISR and JES and
never renormalises a shape, whereas the toy *multiplies* the two parabolas and divides by their
category sum; and pyhf 0.7.6's code 2 *extrapolation* (|α| > 1) drops the template offset at ±1
(scikit-hep/pyhf issues #2729 and #2610), so it is not the toy's linear continuation. With those
settings the two log-likelihoods are therefore equal (to the 2·10⁻⁵ relative departure of the
±1σ templates from the nominal total) whenever |δ_ISR|, |δ_JES| ≤ 1 and at most one of them is
non-zero, for any μ and any value of the other 93 parameters; with both non-zero they differ by
the cross term :math:`b_I (P_{ISR}-1)(P_{JES}-1)` per bin, which no HistFactory modifier can
express, and beyond ±1 by pyhf's extrapolation (``tests/likelihood/test_toy_workspace.py``
checks all three statements).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .toy import NUISANCE_BOUNDS, TOY_MU_BOUNDS, ToyLikelihood

__all__ = ["toy_workspace_spec", "TOY_MODIFIER_SETTINGS", "toy_pyhf_model"]

#: interpolation codes under which the workspace reproduces the toy (see the module docstring)
TOY_MODIFIER_SETTINGS: dict[str, dict[str, str]] = {"normsys": {"interpcode": "code1"},
                                                    "histosys": {"interpcode": "code2"}}


def toy_workspace_spec(toy: ToyLikelihood | None = None, bins: Sequence[int] | None = None) -> dict[str, Any]:
    """The pyhf workspace specification (a JSON-ready dict, schema ``workspace.json`` 1.0.0); with
    ``bins``, only those bins' channels (the workspace of a part of the toy, e.g. its categories)."""
    toy = toy or ToyLikelihood.load()
    b = toy.background
    channels, observations = [], []
    keep = range(len(b)) if bins is None else sorted(int(i) for i in bins)
    for i in keep:
        c = i // 30
        cat = slice(30 * c, 30 * c + 30)
        modifiers: list[dict[str, Any]] = [
            {"name": f"mcstat_{i:02d}", "type": "normsys",
             "data": {"hi": 1.0 + toy.eps_mcstat[i], "lo": 1.0 / (1.0 + toy.eps_mcstat[i])}},
        ]
        for k, name in enumerate(("ISR", "JES", "LV", "CR")):
            modifiers.append({"name": name, "type": "normsys",
                              "data": {"hi": 1.0 + toy.norm_kp[k, c], "lo": 1.0 + toy.norm_km[k, c]}})
            if k < 2:
                total = b[cat].sum()
                up = b[i] * toy.shape_kp[k, i] * total / np.sum(b[cat] * toy.shape_kp[k, cat])
                down = b[i] * toy.shape_km[k, i] * total / np.sum(b[cat] * toy.shape_km[k, cat])
                modifiers.append({"name": name, "type": "histosys",
                                  "data": {"hi_data": [float(up)], "lo_data": [float(down)]}})
        channels.append({"name": f"bin_{i:02d}", "samples": [
            {"name": "signal", "data": [float(toy.signal[i])],
             "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "background", "data": [float(b[i])], "modifiers": modifiers},
        ]})
        observations.append({"name": f"bin_{i:02d}", "data": [float(toy.observed[i])]})
    parameters = [{"name": "mu", "bounds": [list(TOY_MU_BOUNDS)], "inits": [1.0]}]
    names = {m["name"] for c in channels for smp in c["samples"] for m in smp["modifiers"]}
    parameters += [{"name": n, "bounds": [list(NUISANCE_BOUNDS)]} for n in toy.parameter_names[1:] if n in names]
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "toy_1809_05548", "config": {"poi": "mu", "parameters": parameters}}],
        "version": "1.0.0",
    }


def toy_pyhf_model(toy: ToyLikelihood | None = None, batch_size: int | None = None) -> tuple[Any, Any, Any]:
    """``(workspace, model, data)`` of the toy in pyhf (numpy backend), built with
    :data:`TOY_MODIFIER_SETTINGS`; ``batch_size`` for pyhf's vectorised logpdf."""
    import pyhf

    ws = pyhf.Workspace(toy_workspace_spec(toy))
    model = ws.model(modifier_settings=TOY_MODIFIER_SETTINGS, batch_size=batch_size)
    return ws, model, ws.data(model)
