"""The ``fastsim`` family: reco-level muon, jet and MET drawn from gen level (arXiv 2010.01835, FlashSim).

The analysis-specific fast simulation of W(→ μν) + jet (PHYSICS.md §3): a sampler bundle turns
the gen-level 9-vector and standard normal noise into the reco-level one (a conditional spline
flow, or the published Gaussian μ + σ·ε model), K draws per event with counter-based noise.
Inputs: :mod:`hepsurrogates.models.fastsim.features`.
"""

from __future__ import annotations

from ..spec import ColumnSpec, DemoSample, FamilySpec, OptionSpec

__all__ = ["FAMILY"]

FAMILY = FamilySpec(
    name="fastsim",
    title="fast simulation of W + jet (reco from gen)",
    description="FastSimMuon, FastSimJet and FastSimMET collections drawn from the gen-level muon, jet and MET "
                "of every event with a gen muon and a gen jet (K draws per event), by a conditional normalising "
                "flow or the published Gaussian model, in place of the detector simulation.",
    reference="arXiv 2010.01835 (Chen et al.); CMS FlashSim (arXiv 2402.13684)",
    columns=(
        ColumnSpec("fastsimPass", "", "fraction of the event's K FastSim draws that pass the published W + jet "
                   "selection (an estimate of its selection probability)", learned=False, teacher=None,
                   flagged=True),
    ),
    collections=("FastSimMuon", "FastSimJet", "FastSimMET"),
    bundles=("fastsim_wjets_flow", "fastsim_wjets_gauss"),
    options=(
        OptionSpec(("--oversample",), "oversample", ("run",), "K: reco-level draws per gen event (each FastSim "
                   "object carries its draw index)", default=1, type="int", metavar="K"),
        OptionSpec(("--fastsim-seed",), "fastsim_seed", ("run",), "seed of the counter-based noise (another seed: an "
                   "independent FastSim sample of the same events)", default=0, type="int"),
        OptionSpec(("--samples-dir",), "samples_dir", ("train",), "where the config's samples are found, or "
                   "generated when absent", default="samples"),
    ),
    skim_collections=("GenPart", "GenJet", "GenMET", "FastSimMuon", "FastSimJet", "FastSimMET", "Muon", "Jet", "MET"),
    demo=(DemoSample("wjets_munu", "wjets_munu_demo.root", "wjets_munu", 2000, 105),),
    demo_report="hepsurrogates.processors.fastsim.demo:report",
    attacher="hepsurrogates.processors.fastsim:attacher_from_options",
    trainer="hepsurrogates.training.fastsim.train:train_from_options",
    features="hepsurrogates.models.fastsim.features",
    docs="families/fastsim.md",
)
