"""The ``ditau`` family: m_ML, the di-τ system mass, regressed from the visible legs, jets and MET.

DL_for_HTT_mass (PHYSICS.md §4): the network learns the generated di-τ mass
(``Teacher_mTauTau`` of the ``htautau`` and ``dy_ll`` samples); FastMTT, the CMS baseline,
can be attached beside it. Inputs: :mod:`hepsurrogates.models.ditau.features`.
"""

from __future__ import annotations

from ..spec import ColumnSpec, DemoSample, FamilySpec, OptionSpec

__all__ = ["FAMILY"]

FAMILY = FamilySpec(
    name="ditau",
    title="di-τ mass m_ML",
    description="m_ML, the di-τ system mass regressed from the two visible τ legs, the jets and the MET of "
                "every event with a di-τ pair (six channels), against the FastMTT likelihood fit.",
    reference="DL_for_HTT_mass; FastMTT (arXiv 2509.26069); SVfit (arXiv 1603.05910)",
    columns=(
        ColumnSpec("mTauTau", "GeV", "m_ML: the di-tau system mass estimated by the network", bundle="ditau_mass"),
        ColumnSpec("mTauTauFastMTT", "GeV", "the FastMTT di-tau mass (the baseline algorithm)", learned=False,
                   teacher=None),
        ColumnSpec("mTauTauSVfit", "GeV", "the ClassicSVfit di-tau mass (the seed's baseline; slow, for validation)",
                   learned=False, teacher=None),
    ),
    bundles=("ditau_mass",),
    options=(
        OptionSpec(("--selection",), "selection", ("run",), "object selection: 'analysis' (the training "
                   "selection) or 'loose' (every di-tau candidate, partly outside the training domain)",
                   default="analysis", choices=("analysis", "loose")),
        OptionSpec(("--with-fastmtt",), "with_fastmtt", ("run",), "also attach the FastMTT mass (~0.5 ms per event)",
                   default=False, type="flag"),
        OptionSpec(("--fastmtt-variant",), "fastmtt_variant", ("run",), "FastMTT version: '2019' (MET x mass "
                   "likelihood) or '2018' (with the pX/pY terms)", default="2019", choices=("2019", "2018")),
        OptionSpec(("--with-svfit",), "with_svfit", ("run",), "also attach the ClassicSVfit mass (~45 ms per event, "
                   "for validation)", default=False, type="flag"),
        OptionSpec(("--samples-dir",), "samples_dir", ("train",), "where the config's samples are found, or "
                   "generated when absent", default="samples"),
    ),
    skim_collections=("Muon", "Electron", "Tau", "Jet", "MET", "PFMET", "PV", "LHEPart"),
    demo=(
        DemoSample("htautau", "htautau_demo.root", "htautau", 2000, 101),
        DemoSample("dy_ll", "dy_ll_demo.root", "dy_ll", 4000, 102, {"tautau_only": 1.0}),
    ),
    demo_options={"with_fastmtt": True},
    demo_report="hepsurrogates.processors.ditau.demo:report",
    attacher="hepsurrogates.processors.ditau:attacher_from_options",
    trainer="hepsurrogates.training.ditau.train:train_from_options",
    features="hepsurrogates.models.ditau.features",
    docs="families/ditau.md",
)
