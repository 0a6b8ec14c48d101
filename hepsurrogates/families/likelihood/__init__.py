"""The ``likelihood`` family: a full experimental likelihood as one ONNX file (DNNLikelihood).

A DNN of ln L(μ, θ) trained on emcee samples of the exact likelihood (the 1809.05548 toy, any pyhf
workspace, or one built from this project's own run histograms), shipped as one bundle whose card
carries the parameters, their priors, the parameter of interest and the workspace's sha256. It has
no per-event column: its surrogate is a function of the parameters, used through its verbs
(``hepsurrogates likelihood ...``) and from Python.
"""

from __future__ import annotations

from ..spec import FamilySpec, VerbSpec

__all__ = ["FAMILY"]

_TRAIN = "hepsurrogates.training.likelihood.cli"
_MODELS = "hepsurrogates.models.likelihood.cli"

FAMILY = FamilySpec(
    name="likelihood",
    title="DNN likelihood",
    description="A neural surrogate of a full binned likelihood, ln L(mu, theta), trained on emcee samples of the "
                "exact likelihood and distributed as one self-describing ONNX file: profile likelihoods, CLs "
                "limits, Bayesian posteriors and combinations from the surrogate.",
    reference="DNNLikelihood (arXiv 1911.03305); the LHC-like toy of arXiv 1809.05548",
    per_event=False,
    bundles=("likelihood_toy",),
    verbs=(
        VerbSpec("sample", f"{_TRAIN}:sample", "sample the exact likelihood with emcee (S1 and S3), resumable"),
        VerbSpec("train", f"{_TRAIN}:train", "train the ln L network on the samples and export a bundle"),
        VerbSpec("workspace", f"{_TRAIN}:workspace",
                 "a pyhf workspace from the histograms of two 'hepsurrogates run' outputs (signal, background)"),
        VerbSpec("profile", f"{_MODELS}:profile", "the profile-likelihood scan t_mu of a bundle (iminuit)"),
        VerbSpec("limit", f"{_MODELS}:limit", "the CLs upper limit on the parameter of interest of a bundle"),
        VerbSpec("posterior", f"{_MODELS}:posterior", "Bayesian posterior and HPDI intervals of a bundle (emcee)"),
    ),
    docs="families/likelihood.md",
)
