r"""The ``fastsim`` family's attacher: reco-level muon, jet and MET drawn from gen level by onnxruntime.

For every event with a gen muon and a gen jet (:func:`hepsurrogates.models.fastsim.features.gen_inputs`)
:class:`FastSimAttacher` draws ``oversample`` = K reco-level 9-vectors from the sampler bundle,
each from its own counter-based noise (:mod:`hepsurrogates.models.fastsim.noise`, a function of
run, luminosityBlock, event, draw and the ``fastsim_seed``: any chunking or worker count gives
the same skim), recomputes the derived features, and attaches

* the collections ``FastSimMuon`` (pt, eta, phi, mass, charge, draw), ``FastSimJet`` (pt, eta, phi,
  mass, draw) and ``FastSimMET`` (pt, phi, draw): K entries per event with a gen pair, none
  otherwise (NanoAOD naming; a skim reads back with NanoAODSchema);
* ``Surrogate_fastsimPass``: the fraction of the K draws that pass the published selection
  (p_T^μ > 20, \|η_μ\| < 2.4, p_T^j > 30, \|η_j\| < 2.4, ΔR > 0.5), an estimate of the event's
  selection probability, with ``Surrogate_fastsimPass_inDomain`` (the gen inputs inside the
  bundle's training ranges);

and fills ``hist`` histograms of the muon and jet p_T, the MET and M_T, for the FastSim draws
(weight genWeight/K) and, where the file has reconstructed objects matched to the same gen
objects, for those (``fullsim``: the detector the model learned, or, on real CMS NanoAOD, CMS's).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import awkward as ak
import numpy as np
from coffea.ml_tools.helper import nonserializable_attribute, numpy_call_wrapper

from hepsurrogates import kinematics as kin
from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError, NonFiniteFeatureError
from hepsurrogates.families import get_family
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.domain import in_domain
from hepsurrogates.models.fastsim.features import (
    FEATURE_NAMES,
    GEN_NAMES,
    MUON_MASS,
    RECO_NAMES,
    derived_features,
    gen_inputs,
    missing_branches,
    passes_selection,
    reco_targets,
)
from hepsurrogates.models.fastsim.noise import counter_normal

from ..base import Attached, FamilyAttacher, SurrogateProcessor, single_bundle
from ..skim import SkimFormat

__all__ = ["FastSimColumns", "FastSimAttacher", "FastSimProcessor", "attacher_from_options", "DRAWN_FIELDS"]

#: the per-draw quantities the numpy call returns (each n × K)
DRAWN_FIELDS = ("muon_pt", "muon_eta", "muon_phi", "jet_pt", "jet_eta", "jet_phi", "jet_mass", "met_pt", "met_phi",
                "mt", "passes")
#: the branches each gen input is computed from (named in errors)
_SOURCES = {"muon": "GenPart_pt/eta/phi", "jet": "GenJet_pt/eta/phi/mass", "met": "GenMET_pt/GenMET_phi"}
_VARIABLES = {"muon_pt": ("$p_T^{\\mu}$ [GeV]", 60, 0.0, 300.0), "jet_pt": ("$p_T^{j}$ [GeV]", 60, 0.0, 600.0),
              "met_pt": ("$E_T^{miss}$ [GeV]", 60, 0.0, 300.0), "mt": ("$M_T$ [GeV]", 50, 0.0, 200.0)}


class FastSimColumns(nonserializable_attribute, numpy_call_wrapper):
    """K draws of the sampler per valid event: (valid, run, lumi, event, 9 gen columns) in, a dict
    of n × K arrays (:data:`DRAWN_FIELDS`, plus ``drawn``: the event has draws) out."""

    def __init__(self, bundle: ModelBundle, oversample: int, seed: int, threads: int = 1) -> None:
        if bundle.feature_names != list(FEATURE_NAMES):
            raise CardMismatchError(f"bundle {bundle.name!r} expects {bundle.feature_names[:3]}…; a fastsim sampler "
                                    f"takes the 9 gen features then 9 noise inputs")
        self.bundle = bundle
        self.oversample = int(oversample)
        self.seed = int(seed)
        self.threads = int(threads)
        nonserializable_attribute.__init__(self, ["session"])
        numpy_call_wrapper.__init__(self)

    def _create_session(self) -> Any:
        return self.bundle.session(self.threads)

    def prepare_awkward(self, *args: Any) -> tuple[list[Any], dict[str, Any]]:
        return list(args), {}

    def validate_numpy_input(self, valid: np.ndarray, run: np.ndarray, lumi: np.ndarray, event: np.ndarray,
                             *columns: np.ndarray) -> None:
        used = np.asarray(valid, dtype=bool)
        bad = [(n, int((~np.isfinite(np.asarray(c)[used])).sum())) for n, c in zip(GEN_NAMES, columns)]
        bad = [(n, k) for n, k in bad if k]
        if bad:
            raise NonFiniteFeatureError(f"{self.bundle.name}: non-finite input features: "
                                        + ", ".join(f"{n} ({k} rows, from {_SOURCES[n.split('_')[1]]})"
                                                    for n, k in bad))

    def numpy_call(self, valid: np.ndarray, run: np.ndarray, lumi: np.ndarray, event: np.ndarray,
                   *columns: np.ndarray) -> dict[str, np.ndarray]:
        valid = np.asarray(valid, dtype=bool)
        n, k = len(valid), self.oversample
        out = {f: np.zeros((n, k), dtype=np.float32) for f in DRAWN_FIELDS}
        out["passes"] = np.zeros((n, k), dtype=bool)
        out["drawn"] = np.repeat(valid[:, None], k, axis=1)
        out["pass_fraction"] = np.zeros((n, k), dtype=np.float64)  # every column the same (n x K like the rest)
        if valid.any():
            x = np.stack([np.asarray(c, dtype=np.float32)[valid] for c in columns], axis=1)
            ids = [np.asarray(a)[valid] for a in (run, lumi, event)]
            name = self.bundle.card["inputs"]["name"]
            for draw in range(k):
                eps = counter_normal(*ids, draw=draw, width=len(RECO_NAMES), seed=self.seed)
                reco = self.session.run(None, {name: np.ascontiguousarray(np.concatenate([x, eps], axis=1))})[0]
                d = derived_features(reco)
                d["passes"] = passes_selection(d)
                for f in DRAWN_FIELDS:
                    out[f][valid, draw] = d[f]
            out["pass_fraction"][:] = out["passes"].mean(axis=1, keepdims=True)
        return out

    def postprocess_awkward(self, result: Any, *args: Any) -> Any:
        return result


class FastSimAttacher(FamilyAttacher):
    """The FastSim collections and ``Surrogate_fastsimPass`` (module docstring).

    Args:
        bundle: a ``fastsim`` sampler bundle.
        oversample: K, the reco draws per gen event (the seed's and FlashSim's oversampling).
        fastsim_seed: the seed of the counter-based noise (another seed: an independent sample).
        threads: onnxruntime intra-op threads per task.
    """

    family: ClassVar[str] = "fastsim"
    skim_collections: ClassVar[tuple[str, ...]] = get_family("fastsim").skim_collections

    def __init__(self, bundle: ModelBundle, oversample: int = 1, fastsim_seed: int = 0, threads: int = 1) -> None:
        if bundle.family != "fastsim":
            raise CardMismatchError(f"{bundle.path or bundle.name} is a {bundle.family!r} bundle; "
                                    f"the fastsim family needs family 'fastsim'")
        if isinstance(oversample, bool) or not isinstance(oversample, (int, np.integer)) or not 1 <= oversample <= 1000:
            raise InvalidArgumentError(f"oversample must be an integer in [1, 1000], got {oversample!r}")
        if isinstance(fastsim_seed, bool) or not isinstance(fastsim_seed, (int, np.integer)) or fastsim_seed < 0:
            raise InvalidArgumentError(f"fastsim_seed must be an integer >= 0, got {fastsim_seed!r}")
        self.bundle = bundle
        self.oversample = int(oversample)
        self.sampler = FastSimColumns(bundle, self.oversample, int(fastsim_seed), threads=threads)

    @property
    def output_fields(self) -> list[str]:
        return ["fastsimPass"]

    @property
    def bundles(self) -> dict[str, ModelBundle]:
        return {"fastsimPass": self.bundle}

    def missing_branches(self, events: Any) -> list[str]:
        return missing_branches(events)

    def attach(self, events: Any) -> Attached:
        from coffea.nanoevents.methods import candidate

        gen = gen_inputs(events)
        columns = [gen.columns[n] for n in GEN_NAMES]
        drawn = self.sampler(gen.valid, events.run, events.luminosityBlock, events.event, *columns)
        fraction = drawn.pop("pass_fraction")[:, 0]
        drawn = {k: ak.from_regular(v, axis=1) for k, v in drawn.items()}  # n x K regular -> lists
        keep = drawn["drawn"]
        draw = ak.local_index(drawn["muon_pt"], axis=1)[keep]

        def pick(field: str) -> Any:
            return drawn[field][keep]

        charge = ak.values_astype(gen.charge, np.int32) + ak.zeros_like(draw, dtype=np.int32)
        muon = ak.zip({"pt": pick("muon_pt"), "eta": pick("muon_eta"), "phi": pick("muon_phi"),
                       "mass": ak.zeros_like(pick("muon_pt")) + np.float32(MUON_MASS), "charge": charge,
                       "draw": ak.values_astype(draw, np.int32)}, with_name="PtEtaPhiMCandidate",
                      behavior=candidate.behavior)
        jet = ak.zip({"pt": pick("jet_pt"), "eta": pick("jet_eta"), "phi": pick("jet_phi"),
                      "mass": pick("jet_mass"), "draw": ak.values_astype(draw, np.int32)},
                     with_name="PtEtaPhiMLorentzVector", behavior=candidate.behavior)
        met = ak.zip({"pt": pick("met_pt"), "phi": pick("met_phi"), "draw": ak.values_astype(draw, np.int32)})
        out = events
        for name, coll in (("FastSimMuon", muon), ("FastSimJet", jet), ("FastSimMET", met)):
            out = ak.with_field(out, coll, name)
        passes = ak.mask(fraction, gen.valid)
        # the gen inputs only (the noise inputs are in range by construction), None where no output
        flag = ak.mask(in_domain(columns, list(GEN_NAMES), self.bundle.domain, source=self.bundle.path or
                                 self.bundle.name), ~ak.is_none(passes))
        return Attached(events=out, columns={"fastsimPass": passes}, in_domain={"fastsimPass": flag},
                        selected=gen.valid, extras={"drawn": drawn, "gen": gen})

    def histograms(self, cls: type) -> dict[str, Any]:
        import hist

        source = hist.axis.StrCategory(["fastsim", "fullsim"], name="source", label="source")
        return {k: cls(source, hist.axis.Regular(n, lo, hi, name="x", label=label), storage=hist.storage.Weight())
                for k, (label, n, lo, hi) in _VARIABLES.items()}

    def fill(self, hists: dict[str, Any], events: Any, attached: Attached, weight: Any) -> None:
        drawn = attached.extras["drawn"]
        keep = drawn["drawn"]
        per_draw = (weight / self.oversample) + ak.zeros_like(drawn["muon_pt"][keep], dtype=np.float64)
        for key in _VARIABLES:
            hists[key].fill(source="fastsim", x=ak.flatten(drawn[key][keep]), weight=ak.flatten(per_draw))
        if missing_branches(events, reco=True):
            return  # a gen-only file: nothing to compare with
        gen = attached.extras["gen"]
        reco, found = reco_targets(events, gen)
        full = {"muon_pt": np.hypot(reco["muon_px"], reco["muon_py"]),
                "jet_pt": np.hypot(reco["jet_px"], reco["jet_py"]), "met_pt": events.MET.pt}
        full["mt"] = kin.transverse_mass(full["muon_pt"], np.arctan2(reco["muon_py"], reco["muon_px"]),
                                         full["met_pt"], events.MET.phi)
        for key in _VARIABLES:
            hists[key].fill(source="fullsim", x=full[key][found], weight=weight[found])

    def counts(self, attached: Attached) -> dict[str, Any]:
        return {"draws": ak.sum(attached.extras["drawn"]["drawn"]),
                "passing_draws": ak.sum(attached.extras["drawn"]["passes"])}

    def plot(self, hists: dict[str, Any], path: Path, title: str) -> Path:
        """The four variables, FastSim draws against the file's reconstructed objects, unit area."""
        from ..plots import draw, figure, rebin_factor, save

        fig, axes = figure(4)
        for ax, (key, (label, *_)) in zip(axes, _VARIABLES.items()):
            h = hists[key]
            factor = rebin_factor(h[{"source": "fastsim"}])
            for src, name in (("fullsim", "full simulation (matched)"), ("fastsim", "FastSim")):
                part = h[{"source": src}]
                total = float(np.sum(part.values()))
                if total > 0:
                    draw(ax, part * (1.0 / total), name, factor)
            ax.set_xlabel(label)
            ax.set_ylabel("fraction of entries")
            ax.legend(fontsize=14)
        axes[0].set_title(f"{title} (this project's detector model, not CMS)", fontsize=14, loc="left")
        return save(fig, path)


class FastSimProcessor(SurrogateProcessor):
    """The processor of the fastsim family alone (``SurrogateProcessor`` with one attacher)."""

    def __init__(self, bundle: ModelBundle, oversample: int = 1, fastsim_seed: int = 0, skim_dir: str | None = None,
                 skim_format: SkimFormat = "root", threads: int = 1) -> None:
        super().__init__([FastSimAttacher(bundle, oversample, fastsim_seed, threads)], skim_dir, skim_format)


def attacher_from_options(bundles: Sequence[ModelBundle] = (), oversample: int = 1, fastsim_seed: int = 0,
                          threads: int = 1) -> FastSimAttacher:
    """The attacher of ``hepsurrogates run --surrogates fastsim`` (the registry's entry point).

    Args:
        bundles: a user-given ``fastsim`` sampler (at most one); none: the shipped ``fastsim_wjets_flow``.

    Raises:
        InvalidArgumentError: more than one fastsim bundle given.
    """
    return FastSimAttacher(single_bundle(bundles, "fastsim", "fastsim_wjets_flow"), oversample=oversample,
                           fastsim_seed=fastsim_seed, threads=threads)
