"""The ``ditau`` family's attacher: m_ML (and optionally FastMTT) per event with a di-τ pair.

For every event with a di-τ pair (channel selection of :mod:`hepsurrogates.models.ditau.features`)
:class:`DiTauAttacher` computes

* ``Surrogate_mTauTau``: m_ML from the bundle, through onnxruntime (None without a pair), with
  ``Surrogate_mTauTau_inDomain``, the bundle's training-domain flag;
* ``Surrogate_mTauTauFastMTT`` (``with_fastmtt=True``): the FastMTT mass, computed per chunk (an
  algorithm, not a network: no domain flag);
* ``Surrogate_mTauTauSVfit`` (``with_svfit=True``): the ClassicSVfit mass
  (:mod:`hepsurrogates.models.ditau.svfit`, 100 000 integrand calls per event: ~45 ms per event
  with a pair, for validation);

and fills ``hist`` histograms of m_ML, of the visible mass and of FastMTT per channel, and
counts the events per channel. :class:`DiTauMassProcessor` is the processor of this family
alone (:class:`~hepsurrogates.processors.base.SurrogateProcessor` with one attacher); any set
of families runs in one pass through ``SurrogateProcessor`` directly.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import awkward as ak
import numpy as np
from coffea.ml_tools.helper import numpy_call_wrapper
from coffea.nanoevents.methods import vector

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError
from hepsurrogates.families import get_family
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
from hepsurrogates.models.ditau.svfit import svfit_mass
from hepsurrogates.models.onnx_column import OnnxColumn

from ..base import Attached, FamilyAttacher, SurrogateProcessor, domain_flag, single_bundle
from ..skim import SkimFormat

__all__ = ["DiTauAttacher", "DiTauMassProcessor", "FastMTTColumn", "SVfitColumn", "SKIM_COLLECTIONS",
           "attacher_from_options"]

#: collections a di-tau skim keeps (enough to recompute every input; LHEPart where present, for truth)
SKIM_COLLECTIONS = get_family("ditau").skim_collections
_LEG = ("pt", "eta", "phi", "mass", "hadronic")
_FASTMTT_VARIANTS = ("2019", "2018")


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


class SVfitColumn(FastMTTColumn):
    """ClassicSVfit as a column (:func:`~hepsurrogates.models.ditau.svfit.svfit_mass` at its
    default precision, the seed of each event its index in the chunk): NaN → None where no pair."""

    def __init__(self) -> None:
        if importlib.util.find_spec("vegas") is None:
            raise InvalidArgumentError("with_svfit (--with-svfit) needs vegas, of the generation extra: "
                                       "pip install 'hepsurrogates[generation]'")
        super().__init__()

    def numpy_call(self, valid: np.ndarray, *a: np.ndarray) -> np.ndarray:
        valid = np.asarray(valid, dtype=bool)
        out = np.full(len(valid), np.nan, dtype=np.float32)
        if valid.any():
            cols = [np.asarray(x)[valid] for x in a]
            out[valid] = svfit_mass(*cols)["mass"]
        return out


class DiTauAttacher(FamilyAttacher):
    """``Surrogate_mTauTau`` (and ``Surrogate_mTauTauFastMTT``) on events with a di-τ pair.

    Args:
        bundle: a ``ditau`` model bundle (checked against the feature definition).
        selection: ``"analysis"`` (the training selection) or ``"loose"``.
        with_fastmtt: also compute FastMTT (slower: ~0.5 ms per event with a pair).
        fastmtt_variant: ``"2019"`` (MET × mass) or ``"2018"`` (with the p_X/p_Y terms).
        threads: onnxruntime intra-op threads per task.
        with_svfit: also compute ClassicSVfit (slow: ~45 ms per event with a pair).
    """

    family: ClassVar[str] = "ditau"
    skim_collections: ClassVar[tuple[str, ...]] = SKIM_COLLECTIONS

    def __init__(self, bundle: ModelBundle, selection: str = "analysis", with_fastmtt: bool = False,
                 fastmtt_variant: str = "2019", threads: int = 1, with_svfit: bool = False) -> None:
        if selection not in SELECTIONS:
            raise InvalidArgumentError(f"selection must be one of {sorted(SELECTIONS)}, got {selection!r}")
        if fastmtt_variant not in _FASTMTT_VARIANTS:
            raise InvalidArgumentError(f"fastmtt_variant must be one of {_FASTMTT_VARIANTS}, got {fastmtt_variant!r}")
        if bundle.family != "ditau":
            raise CardMismatchError(f"{bundle.path or bundle.name} is a {bundle.family!r} bundle; "
                                    f"the ditau family needs family 'ditau'")
        self.selection = SELECTIONS[selection]
        self.bundle = bundle
        self.column = OnnxColumn(bundle, functools.partial(ditau_columns, selection=self.selection),
                                 FEATURE_NAMES, threads=threads)
        self.fastmtt = FastMTTColumn(fastmtt_variant) if with_fastmtt else None
        self.svfit = SVfitColumn() if with_svfit else None

    @property
    def output_fields(self) -> list[str]:
        return (["mTauTau"] + (["mTauTauFastMTT"] if self.fastmtt is not None else [])
                + (["mTauTauSVfit"] if self.svfit is not None else []))

    @property
    def bundles(self) -> dict[str, ModelBundle]:
        return {"mTauTau": self.bundle}

    def missing_branches(self, events: Any) -> list[str]:
        return missing_branches(events)

    def attach(self, events: Any) -> Attached:
        inputs = ditau_inputs(events, self.selection)
        columns = [inputs.columns[n] for n in FEATURE_NAMES]
        out = {"mTauTau": self.column(inputs.valid, *columns)}
        l1, l2 = inputs.legs["leg1"], inputs.legs["leg2"]
        for name, algorithm in (("mTauTauFastMTT", self.fastmtt), ("mTauTauSVfit", self.svfit)):
            if algorithm is not None:
                met = events.MET if "MET" in events.fields else events.PFMET
                out[name] = algorithm(
                    inputs.valid, *(l1[k] for k in _LEG), *(l2[k] for k in _LEG),
                    met.pt * np.cos(met.phi), met.pt * np.sin(met.phi), met.covXX, met.covXY, met.covYY,
                )
        flags = {"mTauTau": domain_flag(self.bundle, columns, inputs.valid)}
        return Attached(events=events, columns=out, in_domain=flags, selected=inputs.valid, extras={"inputs": inputs})

    def histograms(self, cls: type) -> dict[str, Any]:
        import hist

        channel = hist.axis.IntCategory(list(range(len(CHANNELS))), name="channel",
                                        label="channel (" + ", ".join(CHANNELS) + ")")
        labels = {"m_ml": "$m_{ML}$ [GeV]", "m_vis": "$m_{vis}$ [GeV]", "m_fastmtt": "FastMTT mass [GeV]"}
        names = ["m_ml", "m_vis"] + (["m_fastmtt"] if self.fastmtt is not None else [])
        return {n: cls(channel, hist.axis.Regular(150, 0.0, 1500.0, name="mass", label=labels[n]),
                       storage=hist.storage.Weight()) for n in names}

    def fill(self, hists: dict[str, Any], events: Any, attached: Attached, weight: Any) -> None:
        inputs = attached.extras["inputs"]
        valid = inputs.valid
        sel = events[valid]
        channel = inputs.channel[valid]
        w = weight[valid]
        p1, p2 = (ak.zip({k: inputs.legs[leg][k] for k in ("pt", "eta", "phi", "mass")},
                         with_name="PtEtaPhiMLorentzVector", behavior=vector.behavior) for leg in ("leg1", "leg2"))
        hists["m_ml"].fill(channel=channel, mass=ak.fill_none(sel.Surrogate.mTauTau, -1.0), weight=w)
        hists["m_vis"].fill(channel=channel, mass=(p1 + p2).mass[valid], weight=w)
        if self.fastmtt is not None:
            hists["m_fastmtt"].fill(channel=channel, mass=ak.fill_none(sel.Surrogate.mTauTauFastMTT, -1.0), weight=w)

    def counts(self, attached: Attached) -> dict[str, Any]:
        channel = attached.extras["inputs"].channel
        return {"channels": {name: ak.sum(channel == i) for i, name in enumerate(CHANNELS)}}

    def plot(self, hists: dict[str, Any], path: Path, title: str) -> Path:
        """m_ML, FastMTT and m_vis over all channels, and m_ML per channel (those with entries)."""
        from ..plots import draw, figure, rebin_factor, save

        fig, (ax1, ax2) = figure(2)
        total = {k: h[{"channel": sum}] for k, h in hists.items()}
        factor = rebin_factor(total["m_ml"])
        labels = {"m_ml": "$m_{ML}$", "m_fastmtt": "FastMTT", "m_vis": "$m_{vis}$"}
        for key in ("m_ml", "m_fastmtt", "m_vis"):
            if key in total:
                draw(ax1, total[key], labels[key], factor)
        ax1.set_title(f"{title}: all channels", fontsize=18)
        for i, ch in enumerate(CHANNELS):
            one = hists["m_ml"][{"channel": i}]
            n = float(one.sum().value)
            if n > 0:
                draw(ax2, one, f"{ch} ({n:.0f})", factor)
        ax2.set_title(f"{title}: $m_{{ML}}$ per channel", fontsize=18)
        for ax, xlabel in ((ax1, "mass [GeV]"), (ax2, "$m_{ML}$ [GeV]")):
            ax.set_xlabel(xlabel)
            ax.set_ylabel(f"events / {10 * factor:g} GeV")
            ax.legend()
        return save(fig, path)


class DiTauMassProcessor(SurrogateProcessor):
    """The ``ditau`` family alone: :class:`DiTauAttacher` in a :class:`SurrogateProcessor`.

    Args:
        bundle, selection, with_fastmtt, fastmtt_variant, threads, with_svfit: as :class:`DiTauAttacher`.
        skim_dir, skim_format: write the events with a pair and their new columns there.
    """

    def __init__(self, bundle: ModelBundle, selection: str = "analysis", with_fastmtt: bool = False,
                 fastmtt_variant: str = "2019", skim_dir: str | None = None, skim_format: SkimFormat = "root",
                 threads: int = 1, with_svfit: bool = False) -> None:
        super().__init__([DiTauAttacher(bundle, selection, with_fastmtt, fastmtt_variant, threads, with_svfit)],
                         skim_dir=skim_dir, skim_format=skim_format)


def attacher_from_options(bundles: Sequence[ModelBundle] = (), selection: str = "analysis",
                          with_fastmtt: bool = False, fastmtt_variant: str = "2019", threads: int = 1,
                          with_svfit: bool = False) -> DiTauAttacher:
    """The attacher of ``hepsurrogates run --surrogates ditau`` (the registry's entry point).

    Args:
        bundles: user-given ``ditau`` bundles (at most one); none: the shipped ``ditau_mass``.

    Raises:
        InvalidArgumentError: more than one ditau bundle given.
    """
    return DiTauAttacher(single_bundle(bundles, "ditau", "ditau_mass"), selection=selection, with_fastmtt=with_fastmtt,
                         fastmtt_variant=fastmtt_variant,
                         threads=threads, with_svfit=with_svfit)
