"""The ``mem`` family: DNN regressions of Matrix Element Method weights (arXiv 2008.10949).

The teacher is a MoMEMta-style VEGAS integral per event and hypothesis
(:mod:`hepsurrogates.datasets.teachers.mem`); each ``Teacher_mem<H>`` column and the
``Surrogate_mem<H>`` column that learns it hold −log10 W, W the MEM weight. The ℓℓbb event
interpretation both read lives here (:mod:`.llbb`), in the core, because the teacher
(``datasets``) and the features (``models``) may not import each other.
"""

from __future__ import annotations

from ..spec import ColumnSpec, DemoSample, FamilySpec, OptionSpec, ParameterSpec

__all__ = ["FAMILY", "HZA_DEFAULT_POINT", "HZA_TRAINING_POINTS"]

#: the published H -> ZA benchmark point (M_H, M_A) in GeV, attached by default
HZA_DEFAULT_POINT = (261.40, 150.50)
#: the 21-point (M_H, M_A) grid in GeV that the shipped ``mem_hza`` learned (its card's
#: ``training.teacher_columns``; a test pins the two): the default points of ``teach mem`` for memHZA
HZA_TRAINING_POINTS: tuple[tuple[float, float], ...] = tuple(
    (m_h, m_a) for m_h, masses in ((241.40, (130.50, 140.50)), (261.40, (130.50, 140.50, 150.50, 160.50)),
                                    (281.40, (130.50, 140.50, 150.50, 160.50, 170.50)),
                                    (301.40, (130.50, 140.50, 150.50, 160.50, 170.50)),
                                    (321.40, (130.50, 140.50, 150.50, 160.50, 170.50)))
    for m_a in masses)

FAMILY = FamilySpec(
    name="mem",
    title="Matrix Element Method weights",
    description="−log10 of the MEM weight of every ℓℓbb event under the Drell–Yan, dileptonic tt̄ and "
                "H → Z(ℓℓ)A(bb) hypotheses (the last parametric in M_H, M_A), regressed by DNNs from the "
                "visible momenta, and the tt̄/DY discriminant D.",
    reference="arXiv 2008.10949 (DNN regression of MoMEMta weights); MoMEMta (arXiv 1805.08555)",
    columns=(
        ColumnSpec("memDY", "", "-log10 W_DY, the MEM weight of the Drell-Yan + jets hypothesis", bundle="mem_dy"),
        ColumnSpec("memTT", "", "-log10 W_TT, the MEM weight of the dileptonic ttbar hypothesis", bundle="mem_tt"),
        ColumnSpec("memHZA_{point}", "", "-log10 W_HZA at one (M_H, M_A) point, e.g. memHZA_261p40_150p50",
                   bundle="mem_hza"),
        ColumnSpec("memD", "", "D = W_TT / (W_TT + gamma W_DY), the ttbar / Drell-Yan discriminant", learned=False,
                   teacher=None),
    ),
    bundles=("mem_dy", "mem_tt", "mem_hza"),
    parameters=(
        ParameterSpec("M_H", "GeV", "mass of the heavy scalar H"),
        ParameterSpec("M_A", "GeV", "mass of the pseudoscalar A"),
    ),
    options=(
        OptionSpec(("--selection",), "selection", ("run",), "ll+bb selection: 'analysis' (the one the teacher and "
                   "the training used) or 'loose' (no isolation, no electron ID, lower pT: for real NanoAOD "
                   "studies, partly outside the training domain)", default="analysis", choices=("analysis", "loose")),
        OptionSpec(("--hza-point",), "hza_points", ("run",), "H->ZA mass point M_H,M_A in GeV (repeatable)",
                   default=(HZA_DEFAULT_POINT,), type="point", multiple=True, metavar="MH,MA"),
        OptionSpec(("--gamma",), "gamma", ("run",), "gamma of D = W_TT / (W_TT + gamma W_DY)", default=1.0,
                   type="float"),
        OptionSpec(("--hypotheses",), "hypotheses", ("teach",), "MEM hypotheses to compute", default=("memDY", "memTT"),
                   multiple=True, choices=("memDY", "memTT", "memHZA")),
        OptionSpec(("--hza-point",), "hza_points", ("teach",), "memHZA: mass point M_H,M_A in GeV (repeatable; "
                   "default: the 21 points the shipped mem_hza learned)", type="point", multiple=True,
                   metavar="MH,MA"),
        OptionSpec(("--chunksize",), "chunksize", ("teach",), "events per chunk (the unit of resumption and of "
                   "the per-chunk seeds)", default=500, type="int"),
        OptionSpec(("--rel-accuracy",), "rel_accuracy", ("teach",), "VEGAS relative accuracy of every weight "
                   "(the shipped bundles' targets: 0.05; MoMEMta's default: 0.01)", default=0.05, type="float"),
        OptionSpec(("--neval",), "neval", ("teach",), "VEGAS points per iteration (default: the shipped targets' "
                   "1500 for memDY and memTT, 400 for memHZA)", type="int"),
        OptionSpec(("--bjet-response",), "bjet_response", ("teach",), "memHZA: mean b-jet energy response of the "
                   "transfer function (the calibrated value the shipped mem_hza learned)", default=0.871,
                   type="float"),
        OptionSpec(("--hypothesis",), "hypothesis", ("train",), "the hypothesis to train (default: the config's)",
                   choices=("DY", "TT", "HZA")),
        OptionSpec(("--teacher",), "teacher", ("train",), "output directories of 'hepsurrogates teach mem', one per "
                   "--data fileset", multiple=True, metavar="TEACHDIR"),
    ),
    skim_collections=("Muon", "Electron", "Jet", "MET", "PFMET"),
    demo=(
        DemoSample("ttbar_dilepton", "ttbar_dilepton_demo.root", "ttbar_dilepton", 1000, 103),
        DemoSample("dy_jets", "dy_jets_demo.root", "dy_ll", 3000, 104, {"jet_pt_min": 30.0}),
    ),
    demo_report="hepsurrogates.processors.mem.demo:report",
    attacher="hepsurrogates.processors.mem:attacher_from_options",
    teacher="hepsurrogates.datasets.teachers.mem.teach:teach_from_options",
    trainer="hepsurrogates.training.mem.train:train_from_options",
    features="hepsurrogates.models.mem.features",
    docs="families/mem.md",
)
