"""The ``ratio`` family: likelihood ratios and scores of an EFT from matrix-element gold (MadMiner's methods).

Drell–Yan ℓℓ with four-fermion contact interactions, θ = (c_LL, c_LR) in TeV⁻² (PHYSICS.md §2): a
parameterised estimator of log r(x|θ, θ_SM) (ALICES by default) and SALLY's score t(x|θ_SM), trained
on the ``dy_contact`` sample's joint ratio and joint score (``Teacher_msq_*``, morphed exactly) and
attached as columns. Inputs: :mod:`hepsurrogates.models.ratio.features`.
"""

from __future__ import annotations

from ..spec import ColumnSpec, DemoSample, FamilySpec, OptionSpec, ParameterSpec, VerbSpec

__all__ = ["FAMILY"]

FAMILY = FamilySpec(
    name="ratio",
    title="likelihood ratio and score of an EFT (MadMiner methods)",
    description="log r(x|theta, SM) on a grid of contact-interaction points theta = (cLL, cLR) and the SALLY score "
                "t(x|SM) (the optimal observables) of every Drell-Yan ee/mumu event with m_ll > 400 GeV, from "
                "networks trained on the matrix-element joint ratio and joint score, in place of the intractable "
                "likelihood p(x|theta).",
    reference="MadMiner (arXiv 1805.00013, 1805.00020, 1805.12244, 1808.00973); Eichten-Lane-Peskin contact terms",
    columns=(
        ColumnSpec("logRatio_{theta}", "1", "log r(x|theta, SM) = log p(x|theta) - log p(x|SM) at one theta, e.g. "
                   "logRatio_cLLm0p005_cLR0 (its teacher: the joint log ratio from Teacher_msq_*)",
                   bundle="ratio_dycontact_alices"),
        ColumnSpec("score_cLL", "1/(TeV^-2)", "SALLY score t_LL(x|SM) = d log p(x|theta)/d cLL at the SM (its teacher: "
                   "the joint score from Teacher_msq_*)", bundle="ratio_dycontact_sally"),
        ColumnSpec("score_cLR", "1/(TeV^-2)", "SALLY score t_LR(x|SM) = d log p(x|theta)/d cLR at the SM",
                   bundle="ratio_dycontact_sally"),
    ),
    bundles=("ratio_dycontact_alices", "ratio_dycontact_sally"),
    parameters=(
        ParameterSpec("cLL", "TeV^-2", "eta_LL / Lambda^2: left-handed quark, left-handed lepton contact term"),
        ParameterSpec("cLR", "TeV^-2", "eta_LR / Lambda^2: left-handed quark, right-handed lepton contact term"),
    ),
    options=(
        OptionSpec(("--theta",), "thetas", ("run",), "a point cLL,cLR in TeV^-2 of the logRatio columns (repeatable)",
                   default=((-0.005, 0.0), (0.005, 0.0), (0.0, -0.005), (0.0, 0.005)), type="point", multiple=True,
                   metavar="CLL,CLR"),
        OptionSpec(("--samples-dir",), "samples_dir", ("train",), "where the config's samples are found, or "
                   "generated when absent", default="samples"),
    ),
    skim_collections=("Muon", "Electron"),
    # μμ only: every selected event then depends on Muon_pt, the contract test's probe branch
    demo=(DemoSample("dy_contact", "dy_contact_demo.root", "dy_contact", 3000, 106, {"mpi": 0.0, "electrons": 0.0}),),
    demo_report="hepsurrogates.processors.ratio.demo:report",
    attacher="hepsurrogates.processors.ratio:attacher_from_options",
    trainer="hepsurrogates.training.ratio.train:train_from_options",
    features="hepsurrogates.models.ratio.features",
    docs="families/ratio.md",
    verbs=(VerbSpec("limits", "hepsurrogates.training.ratio.limits_study:limits",
                    "expected limits on (cLL, cLR) from dy_contact events: ratio bundle, SALLY histogram and "
                    "m_ll x cos histogram, with the Fisher informations; prints, writes limits.json and plots"),),
)
