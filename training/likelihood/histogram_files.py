"""Read the histograms of ``hepsurrogates run`` (``hists.pkl``) and build a pyhf workspace from them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.datasets.teachers.likelihood.histograms import Template, Variation, workspace_from_histograms
from hepsurrogates.datasets.teachers.likelihood.workspace import WorkspaceLikelihood, workspace_from_spec
from hepsurrogates.exceptions import (
    CorruptInputFileError,
    InvalidArgumentError,
    MissingInputFileError,
    OutputNotWritableError,
    SchemaError,
)

__all__ = ["read_run_histogram", "workspace_from_run_histograms"]


def read_run_histogram(path: str | Path, histogram: str, mass_range: tuple[float, float], rebin: int,
                       dataset: str | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(contents, Σw², edges) of ``histogram`` in a ``hists.pkl``, channels summed, range kept, rebinned.

    ``hists.pkl`` is what ``hepsurrogates run`` writes, ``{dataset: {family: {name: hist.Hist}}}``;
    the histogram is looked up in every family of the dataset (its name must be in exactly one).

    Raises:
        MissingInputFileError: no such file.
        CorruptInputFileError: not a readable coffea pickle.
        SchemaError: not the output of ``hepsurrogates run`` (no datasets, no such histogram, or
            one of that name in several families), or several datasets and none chosen.
    """
    import hist
    from coffea.util import load

    p = Path(path)
    if not p.is_file():
        raise MissingInputFileError(f"histogram file not found: {p}")
    try:
        results = load(str(p))
    except Exception as err:  # coffea.util.load raises whatever lz4/cloudpickle raise
        raise CorruptInputFileError(f"{p} is not a readable hists.pkl ({type(err).__name__}: {err})") from err
    layout = "{dataset: {family: {name: hist}}}"
    if not isinstance(results, dict) or not results:
        raise SchemaError(f"{p}: expected the output of 'hepsurrogates run' ({layout})")
    names = sorted(results)
    if dataset is None and len(names) > 1:
        raise SchemaError(f"{p} holds several datasets {names}; choose one")
    res = results[dataset or names[0]]
    families = {f: h for f, h in res.items() if isinstance(h, dict)} if isinstance(res, dict) else {}
    if not families:
        raise SchemaError(f"{p}: expected the output of 'hepsurrogates run' ({layout})")
    holders = [f for f, h in families.items() if histogram in h]
    if not holders:
        found = sorted(f"{f}/{n}" for f, h in families.items() for n in h)
        raise SchemaError(f"{p}: no histogram {histogram!r} (found {found})")
    if len(holders) > 1:
        raise SchemaError(f"{p}: histogram {histogram!r} is in several families {sorted(holders)}")
    h = families[holders[0]][histogram]
    if "channel" in h.axes.name:
        h = h[{"channel": sum}]
    lo, hi = mass_range
    h = h[hist.loc(lo):hist.loc(hi):hist.rebin(rebin)]
    edges = h.axes[0].edges
    if not (np.isclose(edges[0], lo) and np.isclose(edges[-1], hi)):
        raise InvalidArgumentError(f"{p}: the range [{lo}, {hi}] is not on bin edges after rebinning by {rebin} "
                                   f"(got [{edges[0]}, {edges[-1]}])")
    variances = h.variances()
    return h.values(), (h.values() if variances is None else variances), edges


def workspace_from_run_histograms(signal: str, background: str, out: str, signal_up: str | None = None,
                                  signal_down: str | None = None, background_up: str | None = None,
                                  background_down: str | None = None, observed: str | None = None,
                                  histogram: str = "m_ml", mass_range: tuple[float, float] = (50.0, 250.0),
                                  rebin: int = 2, signal_scale: float = 1.0, background_scale: float = 1.0,
                                  lumi_uncertainty: float = 0.025, background_norm_uncertainty: float = 0.10,
                                  variation: str = "tes", pseudo_data_seed: int = 7) -> dict[str, Any]:
    """Write the workspace of :func:`~hepsurrogates.datasets.teachers.likelihood.histograms.workspace_from_histograms`
    built from run histograms, validated by pyhf; returns its summary (see ``cli.workspace``)."""
    shifted = [signal_up, signal_down, background_up, background_down]
    if any(shifted) and not all(shifted):
        raise InvalidArgumentError("give all four shifted runs (signal/background up/down) or none")

    def read(path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return read_run_histogram(path, histogram, mass_range, rebin)

    s, s_w2, edges = read(signal)
    b, b_w2, _ = read(background)
    variations = {}
    if all(shifted):
        su, sd, bu, bd = (Template(*read(str(f))[:2]) for f in shifted)
        variations[variation] = Variation(su, sd, bu, bd, description="tau energy scale shifted up/down")
    if observed:
        obs = read(observed)[0]
    else:
        obs = np.random.default_rng(pseudo_data_seed).poisson(b * background_scale).astype(np.float64)
    spec = workspace_from_histograms(Template(s, s_w2), Template(b, b_w2), obs, edges.tolist(), variations,
                                     signal_scale=signal_scale, background_scale=background_scale,
                                     lumi_uncertainty=lumi_uncertainty,
                                     background_norm_uncertainty=background_norm_uncertainty)
    ws = workspace_from_spec(spec, source=out)
    likelihood = WorkspaceLikelihood(ws, source=out)
    try:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(spec, indent=1, sort_keys=True) + "\n")
    except OSError as err:
        raise OutputNotWritableError(f"cannot write {out}: {err}") from err
    return {"workspace": str(out), "sha256": likelihood.sha256, "bins": int(len(edges) - 1),
            "edges": edges.tolist(), "signal_yield": float(s.sum() * signal_scale),
            "background_yield": float(b.sum() * background_scale), "observed": float(obs.sum()),
            "parameters": likelihood.parameter_names,
            "pseudo_data": None if observed else {"kind": "poisson(background)", "seed": pseudo_data_seed}}
