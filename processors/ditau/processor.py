"""DiTauMassProcessor: attach m_ML (and optionally FastMTT) to events, histogram it, skim.

For every event with a di-τ pair (channel selection of
:mod:`hepsurrogates.models.ditau.features`) the processor attaches

* ``Surrogate_mTauTau``: m_ML from the bundle, through onnxruntime (None without a pair);
* ``Surrogate_mTauTauFastMTT`` (``with_fastmtt=True``): the FastMTT mass, computed per chunk;

fills ``hist`` histograms of m_ML, of the visible mass and of FastMTT per channel, counts the
events per channel and, with ``skim_dir`` set, writes the events with a pair and their new
columns (ROOT or parquet) so that they read back with NanoAODSchema.

The processor is stateless and picklable (configuration in ``__init__``; the onnxruntime
session is created on the worker); ``process`` works on eager/virtual awkward events
(coffea ``processor.Runner``) and on dask-awkward events (``dask.compute``, coffea
``dataset_tools.apply_to_fileset``); ``postprocess`` returns the accumulator unchanged.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import awkward as ak
import hist
import hist.dask
import numpy as np
from coffea import processor
from coffea.ml_tools.helper import numpy_call_wrapper
from coffea.nanoevents.methods import vector
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.ditau.fastmtt import fastmtt_mass
from hepsurrogates.models.ditau.features import (
    CHANNELS,
    FEATURE_NAMES,
    SELECTIONS,
    ditau_columns,
    ditau_inputs,
    missing_branches,
)
from hepsurrogates.models.onnx_column import OnnxColumn

from hepsurrogates.exceptions import InvalidArgumentError, MissingBranchError

from ..skim import SkimFormat, is_dask, skim_columns, write_skim

__all__ = ["DiTauMassProcessor", "FastMTTColumn", "SKIM_COLLECTIONS"]

#: collections a di-tau skim keeps (enough to recompute every input; LHEPart where present, for truth)
SKIM_COLLECTIONS = ("Muon", "Electron", "Tau", "Jet", "MET", "PFMET", "PV", "LHEPart")
_LEG = ("pt", "eta", "phi", "mass", "hadronic")


class FastMTTColumn(numpy_call_wrapper):
    """FastMTT as a column: leg and MET arrays in, mass out (NaN → None where no pair)."""

    def __init__(self, variant: str = "2019") -> None:
        super().__init__()
        self.variant = variant

    def prepare_awkward(self, valid: Any, *arrays: Any) -> tuple[list[Any], dict[str, Any]]:
        return [valid, *arrays], {}

    def validate_numpy_input(self, *args: Any) -> None:  # inputs come from the checked feature code
        return None

    def numpy_call(self, valid: np.ndarray, *a: np.ndarray) -> np.ndarray:
        valid = np.asarray(valid, dtype=bool)
        out = np.full(len(valid), np.nan, dtype=np.float32)
        if valid.any():
            cols = [np.asarray(x)[valid] for x in a]
            out[valid] = fastmtt_mass(*cols, variant=self.variant)
        return out

    def postprocess_awkward(self, result: Any, *args: Any) -> Any:
        return ak.mask(result, ~np.isnan(result))


class DiTauMassProcessor(processor.ProcessorABC):
    """Attach ``Surrogate_mTauTau`` (and ``Surrogate_mTauTauFastMTT``), fill histograms, skim.

    Args:
        bundle: a ``ditau`` model bundle (checked against the feature definition).
        selection: ``"analysis"`` (the training selection) or ``"loose"``.
        with_fastmtt: also compute FastMTT (slower: ~0.3 ms per event with a pair).
        fastmtt_variant: ``"2019"`` (MET × mass) or ``"2018"`` (with the p_X/p_Y terms).
        skim_dir, skim_format: write events with a pair there (``root`` or ``parquet``).
        threads: onnxruntime intra-op threads per task.
    """

    def __init__(self, bundle: ModelBundle, selection: str = "analysis", with_fastmtt: bool = False,
                 fastmtt_variant: str = "2019", skim_dir: str | None = None, skim_format: SkimFormat = "root",
                 threads: int = 1) -> None:
        if selection not in SELECTIONS:
            raise InvalidArgumentError(f"selection must be one of {sorted(SELECTIONS)}, got {selection!r}")
        if skim_format not in ("root", "parquet"):
            raise InvalidArgumentError(f"skim format must be 'root' or 'parquet', got {skim_format!r}")
        if bundle.family != "ditau":
            raise InvalidArgumentError(f"DiTauMassProcessor needs a 'ditau' bundle, got family {bundle.family!r}")
        self.selection = SELECTIONS[selection]
        self.column = OnnxColumn(bundle, functools.partial(ditau_columns, selection=self.selection),
                                 FEATURE_NAMES, threads=threads)
        self.fastmtt = FastMTTColumn(fastmtt_variant) if with_fastmtt else None
        self.skim_dir = skim_dir
        self.skim_format = skim_format

    def _histograms(self, dask_mode: bool) -> dict[str, Any]:
        cls = hist.dask.Hist if dask_mode else hist.Hist
        channel = hist.axis.IntCategory(list(range(len(CHANNELS))), name="channel", label="channel (" + ", ".join(CHANNELS) + ")")
        out = {
            "m_ml": cls(channel, hist.axis.Regular(100, 0.0, 1000.0, name="mass", label="$m_{ML}$ [GeV]"), storage=hist.storage.Weight()),
            "m_vis": cls(channel, hist.axis.Regular(100, 0.0, 1000.0, name="mass", label="$m_{vis}$ [GeV]"), storage=hist.storage.Weight()),
        }
        if self.fastmtt is not None:
            out["m_fastmtt"] = cls(channel, hist.axis.Regular(100, 0.0, 1000.0, name="mass", label="FastMTT [GeV]"), storage=hist.storage.Weight())
        return out

    def attach(self, events: Any) -> Any:
        """The events with ``Surrogate_mTauTau`` (and FastMTT) attached, plus the inputs."""
        missing = missing_branches(events)
        if missing:
            source = events.metadata.get("filename", "events") if hasattr(events, "metadata") else "events"
            raise MissingBranchError(str(source), missing)
        inputs = ditau_inputs(events, self.selection)
        columns = [inputs.columns[n] for n in FEATURE_NAMES]
        surrogate = {"mTauTau": self.column(inputs.valid, *columns)}
        if self.fastmtt is not None:
            l1, l2 = inputs.legs["leg1"], inputs.legs["leg2"]
            met = events.MET if "MET" in events.fields else events.PFMET
            surrogate["mTauTauFastMTT"] = self.fastmtt(
                inputs.valid, *(l1[k] for k in _LEG), *(l2[k] for k in _LEG),
                met.pt * np.cos(met.phi), met.pt * np.sin(met.phi), met.covXX, met.covXY, met.covYY,
            )
        events = ak.with_field(events, ak.zip(surrogate), "Surrogate")
        return events, inputs

    def process(self, events: Any) -> dict[str, Any]:
        dataset = events.metadata.get("dataset", "events") if hasattr(events, "metadata") else "events"
        dask_mode = is_dask(events)
        events, inputs = self.attach(events)
        valid = inputs.valid
        sel = events[valid]
        channel = inputs.channel[valid]
        weight = sel.genWeight if "genWeight" in sel.fields else ak.ones_like(channel, dtype=np.float64)
        p1, p2 = (ak.zip({k: inputs.legs[leg][k] for k in ("pt", "eta", "phi", "mass")},
                         with_name="PtEtaPhiMLorentzVector", behavior=vector.behavior) for leg in ("leg1", "leg2"))
        hists = self._histograms(dask_mode)
        hists["m_ml"].fill(channel=channel, mass=ak.fill_none(sel.Surrogate.mTauTau, -1.0), weight=weight)
        hists["m_vis"].fill(channel=channel, mass=(p1 + p2).mass[valid], weight=weight)
        if self.fastmtt is not None:
            hists["m_fastmtt"].fill(channel=channel, mass=ak.fill_none(sel.Surrogate.mTauTauFastMTT, -1.0), weight=weight)
        counts = {name: ak.sum(channel == i) for i, name in enumerate(CHANNELS)}
        out: dict[str, Any] = {
            "entries": ak.num(events, axis=0),
            "with_pair": ak.num(sel, axis=0),
            "channels": counts,
            "hists": hists,
        }
        if self.skim_dir is not None:
            new = {f"Surrogate_{f}": ak.values_astype(ak.fill_none(sel.Surrogate[f], np.nan), np.float32)
                   for f in sel.Surrogate.fields}
            cols = skim_columns(sel, SKIM_COLLECTIONS, new)
            meta = dict(events.metadata) if hasattr(events, "metadata") else {}
            written = write_skim(cols, Path(self.skim_dir), prefix=str(dataset), fmt=self.skim_format, metadata=meta)
            out["skim"] = written if dask_mode else [str(written)]
        return {dataset: out}

    def postprocess(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return accumulator
