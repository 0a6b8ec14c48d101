r"""MEMProcessor: attach the MEM surrogates (arXiv 2008.10949) and the DY/tt̄ discriminant.

For every event with a ℓℓbb interpretation (:func:`hepsurrogates.families.mem.llbb.select_llbb`) the
processor attaches, from ``mem`` bundles through onnxruntime:

* ``Surrogate_memDY``, ``Surrogate_memTT``: −log10 W of the Drell–Yan and tt̄ hypotheses;
* ``Surrogate_memHZA_<mH>_<mA>`` per requested mass point (e.g. ``memHZA_261p40_150p50``, the
  names of the teacher columns): the parametric H → ZA bundle fed the constant (M_H, M_A);
* ``Surrogate_memD`` = W_tt / (W_tt + γ W_DY), computed in log space from the two −log10 W:
  D = σ(t) with t = ln 10 · (s_DY − s_tt) − ln γ, evaluated as exp(−log(1 + e^(−t))) with
  ``logaddexp``, which neither overflows nor loses the tails;

events without an interpretation get None. A hypothesis whose bundle is None (or absent from
the mapping) is skipped and its column is not attached; ``memD`` needs both DY and tt̄. The
processor fills one ``hist`` histogram per attached column (weighted by ``genWeight`` where
present), counts the events, and with ``skim_dir`` writes the ℓℓbb events with the new columns
(ROOT or parquet, readable with NanoAODSchema), like the di-τ processor.

Stateless and picklable (the onnxruntime sessions are created on the worker); ``process`` works
on eager/virtual and on dask-awkward events, so on every path of :mod:`.runner`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import awkward as ak
import hist
import hist.dask
import numpy as np
from coffea import processor
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.mem.features import FEATURE_NAMES, HZA_PARAMETERS, discriminant, mem_feature_columns
from hepsurrogates.models.onnx_column import OnnxColumn

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError, MissingBranchError, MissingInputFileError
from hepsurrogates.families.mem.llbb import DEFAULT_SELECTION, LLBBSelection, missing_llbb_branches, select_llbb

from ..skim import SkimFormat, is_dask, skim_columns, write_skim

__all__ = ["MEMProcessor", "MEM_HYPOTHESES", "MEM_OUTPUT", "SKIM_COLLECTIONS", "hza_field", "discriminant",
           "load_mem_bundles", "save_mem_results"]

MEM_HYPOTHESES = ("DY", "TT", "HZA")
#: the output of every MEM bundle: −log10 W
MEM_OUTPUT = "neg_log10_weight"
#: bundle file names in a bundle directory (as the training writes them)
BUNDLE_FILES = {"DY": "mem_dy.onnx", "TT": "mem_tt.onnx", "HZA": "mem_hza.onnx"}
#: collections a MEM skim keeps (enough to recompute every input)
SKIM_COLLECTIONS = ("Muon", "Electron", "Jet", "MET", "PFMET")


def hza_field(m_h: float, m_a: float) -> str:
    """The column of one mass point, the teacher's naming: ``hza_field(261.4, 150.5) == "memHZA_261p40_150p50"``."""
    return f"memHZA_{m_h:.2f}_{m_a:.2f}".replace(".", "p").replace("-", "m")


def load_mem_bundles(directory: str | Path) -> dict[str, ModelBundle | None]:
    """The bundles ``mem_dy.onnx``, ``mem_tt.onnx``, ``mem_hza.onnx`` of a directory (None where absent).

    Raises:
        MissingInputFileError: the directory does not exist or holds none of them.
    """
    d = Path(directory)
    if not d.is_dir():
        raise MissingInputFileError(f"MEM bundle directory not found: {d}")
    out = {h: (ModelBundle.load(d / f, family="mem") if (d / f).is_file() else None) for h, f in BUNDLE_FILES.items()}
    if all(b is None for b in out.values()):
        raise MissingInputFileError(f"{d} holds no MEM bundle (expected one of {', '.join(BUNDLE_FILES.values())})")
    return out


class MEMProcessor(processor.ProcessorABC):
    """Attach ``Surrogate_memDY/memTT/memHZA_*`` and ``Surrogate_memD``, fill histograms, skim.

    Args:
        bundles: ``{"DY": bundle, "TT": bundle, "HZA": bundle}``; a missing key or None skips the
            hypothesis. None: the shipped MEM bundles (:func:`~hepsurrogates.models.shipped.load_shipped_mem`).
        hza_points: (M_H, M_A) in GeV at which the parametric H → ZA bundle is evaluated.
        gamma: γ of the discriminant (the relative normalisation of W_DY).
        skim_dir, skim_format: write the ℓℓbb events with the new columns there.
        threads: onnxruntime intra-op threads per task.
        allow_extrapolation: evaluate H → ZA outside the (M_H, M_A) range of its training.
        selection: the ℓℓbb selection. The bundles learn the teacher on events of the default
            selection (the one ``teach mem`` uses); another one is for studies, e.g. running on
            a real NanoAOD file whose events rarely pass it.

    Raises:
        InvalidArgumentError: unknown hypothesis key, no bundle at all, bad γ, mass point or format.
        CardMismatchError: a bundle of another family, hypothesis, features or output.
    """

    def __init__(self, bundles: Mapping[str, ModelBundle | None] | None = None,
                 hza_points: Sequence[tuple[float, float]] = ((261.40, 150.50),), gamma: float = 1.0,
                 skim_dir: str | None = None, skim_format: SkimFormat = "root", threads: int = 1,
                 allow_extrapolation: bool = False, selection: LLBBSelection = DEFAULT_SELECTION) -> None:
        if bundles is None:
            from hepsurrogates.models.shipped import load_shipped_mem

            bundles = load_shipped_mem()
        unknown = sorted(set(bundles) - set(MEM_HYPOTHESES))
        if unknown:
            raise InvalidArgumentError(f"MEMProcessor: unknown hypothesis key(s) {unknown}; expected {', '.join(MEM_HYPOTHESES)}")
        present = {h: b for h, b in bundles.items() if b is not None}
        if not present:
            raise InvalidArgumentError("MEMProcessor: no MEM bundle given (and none shipped); train one with "
                                       "'hepsurrogates train mem' and pass it, e.g. --mem-bundle-dir")
        if not (np.isfinite(gamma) and gamma > 0):
            raise InvalidArgumentError(f"MEMProcessor: gamma must be a positive number, got {gamma!r}")
        if skim_format not in ("root", "parquet"):
            raise InvalidArgumentError(f"skim format must be 'root' or 'parquet', got {skim_format!r}")
        self.columns: dict[str, OnnxColumn] = {}
        for h, b in present.items():
            self._check(h, b)
            names = FEATURE_NAMES + (HZA_PARAMETERS if h == "HZA" else ())
            self.columns[h] = OnnxColumn(b, _no_inputs, names, threads=threads)
        self.hza_points: tuple[tuple[float, float], ...] = ()
        if "HZA" in self.columns:
            self.hza_points = tuple(self._check_point(present["HZA"], p, allow_extrapolation) for p in hza_points)
            if not self.hza_points:
                raise InvalidArgumentError("MEMProcessor: an HZA bundle needs at least one (M_H, M_A) point")
        self.gamma = float(gamma)
        if not isinstance(selection, LLBBSelection):
            raise InvalidArgumentError(f"selection must be an LLBBSelection, got {type(selection).__name__}")
        self.selection = selection
        self.skim_dir = skim_dir
        self.skim_format = skim_format

    @staticmethod
    def _check(h: str, b: ModelBundle) -> None:
        src = b.path or b.name
        if b.family != "mem":
            raise CardMismatchError(f"{src} is a {b.family!r} bundle; the MEM processor needs family 'mem' (for {h})")
        trained = b.card["training"].get("hypothesis")
        if trained is not None and trained != h:
            raise CardMismatchError(f"{src} was trained for hypothesis {trained!r}, given as {h!r}")
        if b.output_names[:1] != [MEM_OUTPUT]:
            raise CardMismatchError(f"{src}: a MEM bundle outputs {MEM_OUTPUT!r}, this one {b.output_names}")
        want = list(FEATURE_NAMES) + (list(HZA_PARAMETERS) if h == "HZA" else [])
        if b.feature_names != want:
            raise CardMismatchError(f"{src}: inputs {b.feature_names} do not match the MEM features for {h} ({want})")

    @staticmethod
    def _check_point(b: ModelBundle, point: Sequence[float], allow: bool) -> tuple[float, float]:
        try:
            m_h, m_a = (float(v) for v in point)
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"hza point: expected (M_H, M_A) in GeV, got {point!r}") from None
        if not (np.isfinite(m_h) and np.isfinite(m_a) and 0.0 < m_a < m_h):
            raise InvalidArgumentError(f"hza point: expected 0 < M_A < M_H (GeV), got ({m_h}, {m_a})")
        if not allow:
            for p, v in zip(b.card["parameters"], (m_h, m_a)):
                lo, hi = p.get("range", (-np.inf, np.inf))
                if not lo - 1e-3 <= v <= hi + 1e-3:
                    raise InvalidArgumentError(
                        f"hza point ({m_h}, {m_a}): {p['name']} = {v} lies outside the bundle's training range "
                        f"[{lo}, {hi}] GeV (pass allow_extrapolation=True to evaluate anyway)")
        return m_h, m_a

    @property
    def output_fields(self) -> list[str]:
        """The ``Surrogate`` fields this processor attaches, in order."""
        out = [f"mem{h}" for h in ("DY", "TT") if h in self.columns]
        out += [hza_field(*p) for p in self.hza_points]
        if "DY" in self.columns and "TT" in self.columns:
            out.append("memD")
        return out

    def attach(self, events: Any) -> tuple[Any, Any]:
        """The events with the ``Surrogate`` record attached, and the ℓℓbb records."""
        missing = missing_llbb_branches(events)
        if missing:
            source = events.metadata.get("filename", "events") if hasattr(events, "metadata") else "events"
            raise MissingBranchError(str(source), missing)
        record = select_llbb(events, self.selection)
        cols = mem_feature_columns(record)
        valid = record.valid
        surrogate: dict[str, Any] = {}
        for h in ("DY", "TT"):
            if h in self.columns:
                surrogate[f"mem{h}"] = self.columns[h](valid, *cols)
        for m_h, m_a in self.hza_points:
            zero = cols[0] * np.float32(0.0)
            surrogate[hza_field(m_h, m_a)] = self.columns["HZA"](valid, *cols, zero + np.float32(m_h), zero + np.float32(m_a))
        if "memDY" in surrogate and "memTT" in surrogate:
            surrogate["memD"] = discriminant(surrogate["memDY"], surrogate["memTT"], self.gamma)
        return ak.with_field(events, ak.zip(surrogate), "Surrogate"), record

    def _histograms(self, dask_mode: bool) -> dict[str, Any]:
        cls = hist.dask.Hist if dask_mode else hist.Hist
        out = {}
        for name in self.output_fields:
            axis = (hist.axis.Regular(50, 0.0, 1.0, name="value", label=r"$D = W_{t\bar t}/(W_{t\bar t} + \gamma W_{DY})$")
                    if name == "memD" else
                    hist.axis.Regular(180, -5.0, 40.0, name="value", label=rf"$-\log_{{10}} W$ ({name})"))
            out[name] = cls(axis, storage=hist.storage.Weight())
        return out

    def process(self, events: Any) -> dict[str, Any]:
        dataset = events.metadata.get("dataset", "events") if hasattr(events, "metadata") else "events"
        dask_mode = is_dask(events)
        events, record = self.attach(events)
        sel = events[record.valid]
        weight = sel.genWeight if "genWeight" in sel.fields else ak.ones_like(sel.event, dtype=np.float64)
        hists = self._histograms(dask_mode)
        for name, h in hists.items():
            h.fill(value=ak.fill_none(sel.Surrogate[name], -100.0), weight=weight)
        out: dict[str, Any] = {"entries": ak.num(events, axis=0), "with_llbb": ak.num(sel, axis=0), "hists": hists}
        if self.skim_dir is not None:
            # D in double precision: its tails (W_tt << W_DY) reach below float32's range
            new = {f"Surrogate_{f}": ak.values_astype(ak.fill_none(sel.Surrogate[f], np.nan),
                                                      np.float64 if f == "memD" else np.float32)
                   for f in sel.Surrogate.fields}
            cols = skim_columns(sel, SKIM_COLLECTIONS, new)
            meta = dict(events.metadata) if hasattr(events, "metadata") else {}
            written = write_skim(cols, Path(self.skim_dir), prefix=str(dataset), fmt=self.skim_format, metadata=meta)
            out["skim"] = written if dask_mode else [str(written)]
        return {dataset: out}

    def postprocess(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return accumulator


def _no_inputs(events: Any) -> tuple[list[Any], Any]:
    """The processor passes (valid, *columns) itself; a bare-events call is a programming error."""
    raise InvalidArgumentError("MEM columns are evaluated by MEMProcessor.attach, which passes the features")


def save_mem_results(results: Mapping[str, Any], out_dir: str | Path, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``hists.pkl`` (coffea.util.save), ``summary.json`` and ``plots/<dataset>_mem.png``;
    returns the summary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from coffea.util import save

    out = Path(out_dir)
    (out / "plots").mkdir(parents=True, exist_ok=True)
    save({name: res["hists"] for name, res in results.items()}, out / "hists.pkl")
    datasets: dict[str, Any] = {}
    plots = []
    for name, res in results.items():
        datasets[name] = {"entries": int(res["entries"]), "with_llbb": int(res["with_llbb"]),
                          "histograms": sorted(res["hists"])}
        if isinstance(res.get("skim"), list):
            datasets[name]["skim_files"] = [str(p) for p in res["skim"]]
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 5))
        for key, h in sorted(res["hists"].items()):
            ax = ax2 if key == "memD" else ax1
            centers, values = h.axes[0].centers, h.values()
            ax.step(centers, values, where="mid", label=key)
        ax1.set_xlabel(r"$-\log_{10} W$")
        ax1.legend(fontsize=8)
        ax2.set_xlabel(r"$D = W_{t\bar t}/(W_{t\bar t} + \gamma W_{DY})$")
        fig.suptitle(f"{name}: MEM surrogates")
        path = out / "plots" / f"{name}_mem.png"
        fig.savefig(path, dpi=70)
        plt.close(fig)
        plots.append(str(path))
    summary = {"datasets": datasets, **json.loads(json.dumps(dict(extra or {}), default=str)), "plots": plots}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary
