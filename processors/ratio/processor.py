r"""The ``ratio`` family's attacher: log r̂(x|θ, θ_SM) on a θ grid and SALLY's score, by onnxruntime.

For every event with the dilepton of :mod:`hepsurrogates.models.ratio.features` (m_ℓℓ > 400 GeV, an
opposite-charge ee or μμ pair) :class:`RatioAttacher` attaches

* ``Surrogate_logRatio_<θ>`` for every θ of the grid (``--theta cLL,cLR``, TeV⁻²; label by
  :func:`hepsurrogates.morphing.theta_label`, e.g. ``logRatio_cLLm0p005_cLR0``): the parameterised
  estimator's log r̂(x|θ, θ_SM) = log p(x|θ) − log p(x|SM) of the selected events' observables, with
  its training-domain flag (x and θ inside the bundle's training ranges);
* ``Surrogate_score_cLL``, ``Surrogate_score_cLR``: SALLY's t̂(x|SM) = ∇_θ log p(x|θ) at the SM
  (TeV²), the "optimal observables" of a small EFT effect, with their flags;

and fills ``hist`` histograms of the two score components (one 2-D histogram: the statistic of a
SALLY limit) and of m_ℓℓ and cos θ*_CS (the physicist's baseline), weighted by genWeight.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import awkward as ak
import numpy as np

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError
from hepsurrogates.families import get_family
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.onnx_column import OnnxColumn
from hepsurrogates.models.ratio.features import FEATURE_NAMES, missing_branches, ratio_features
from hepsurrogates.morphing import theta_label

from ..base import Attached, FamilyAttacher, domain_flag

__all__ = ["RatioAttacher", "attacher_from_options", "DEFAULT_THETAS", "PARAMETERS", "ratio_field",
           "bundle_method"]

#: the parameters, in the bundles' order
PARAMETERS = ("cLL", "cLR")
#: the default grid of ``--theta`` (TeV⁻²), the registry's: ±0.005 on each axis (inside the bundles' ±0.01)
DEFAULT_THETAS: tuple[tuple[float, float], ...] = tuple(get_family("ratio").defaults_for("run")["thetas"])
SHIPPED = {"ratio": "ratio_dycontact_alices", "sally": "ratio_dycontact_sally"}
_HISTS = {"mll": ("$m_{\\ell\\ell}$ [GeV]", 60, 400.0, 2800.0), "cos": ("$\\cos\\theta^*_{CS}$", 20, -1.0, 1.0)}


def ratio_field(theta: Sequence[float]) -> str:
    """The ``Surrogate`` field of log r̂ at θ: ``logRatio_<label>``."""
    return f"logRatio_{theta_label(list(theta), PARAMETERS)}"


def bundle_method(bundle: ModelBundle) -> str:
    """``"sally"`` for a score bundle, ``"ratio"`` for a parameterised log r̂ bundle (from the card).

    Raises:
        CardMismatchError: not a ``ratio`` bundle with the family's observables and parameters.
    """
    source = bundle.path or bundle.name
    if bundle.family != "ratio":
        raise CardMismatchError(f"{source} is a {bundle.family!r} bundle; the ratio family needs family 'ratio'")
    method = bundle.card["training"].get("method")
    names = list(FEATURE_NAMES) + ([] if method == "sally" else list(PARAMETERS))
    if bundle.feature_names != names:
        raise CardMismatchError(f"{source}: inputs {bundle.feature_names}, the ratio family's are {names}")
    return "sally" if method == "sally" else "ratio"


class RatioAttacher(FamilyAttacher):
    """The ratio columns (module docstring).

    Args:
        ratio, sally: the parameterised log r̂ bundle and the SALLY score bundle.
        thetas: the θ grid of ``logRatio_<θ>`` (TeV⁻²).
        threads: onnxruntime intra-op threads per task.

    Raises:
        InvalidArgumentError: an empty grid, a repeated or non-finite point.
        CardMismatchError: a bundle of another family, or a score bundle where the ratio is needed.
    """

    family: ClassVar[str] = "ratio"
    skim_collections: ClassVar[tuple[str, ...]] = ("Muon", "Electron")

    def __init__(self, ratio: ModelBundle, sally: ModelBundle,
                 thetas: Sequence[Sequence[float]] = DEFAULT_THETAS, threads: int = 1) -> None:
        points = [tuple(float(v) for v in t) for t in thetas]
        if not points:
            raise InvalidArgumentError("ratio: at least one --theta point is needed")
        if any(len(p) != 2 or not np.all(np.isfinite(p)) for p in points) or len(set(points)) != len(points):
            raise InvalidArgumentError(f"ratio: --theta points must be distinct finite (cLL, cLR) pairs, got {points}")
        for bundle, want in ((ratio, "ratio"), (sally, "sally")):
            if bundle_method(bundle) != want:
                raise CardMismatchError(f"{bundle.path or bundle.name}: a {bundle_method(bundle)} bundle given where "
                                        f"the {want} bundle is needed")
        self.ratio, self.sally, self.thetas = ratio, sally, points
        self.ratio_column = OnnxColumn(ratio, ratio_features, [*FEATURE_NAMES, *PARAMETERS], threads=threads)
        self.score_columns = [OnnxColumn(sally, ratio_features, FEATURE_NAMES, threads=threads, component=k)
                              for k in range(len(PARAMETERS))]

    @property
    def output_fields(self) -> list[str]:
        return [ratio_field(t) for t in self.thetas] + [f"score_{p}" for p in PARAMETERS]

    @property
    def bundles(self) -> dict[str, ModelBundle]:
        return {**{ratio_field(t): self.ratio for t in self.thetas}, **{f"score_{p}": self.sally for p in PARAMETERS}}

    def missing_branches(self, events: Any) -> list[str]:
        return missing_branches(events)

    def attach(self, events: Any) -> Attached:
        columns, valid = ratio_features(events)
        out: dict[str, Any] = {}
        flags: dict[str, Any] = {}
        for theta in self.thetas:
            const = [ak.values_astype(ak.ones_like(columns[0]) * v, np.float64) for v in theta]
            name = ratio_field(theta)
            out[name] = self.ratio_column(valid, *columns, *const)
            flags[name] = domain_flag(self.ratio, [*columns, *const], valid)
        score_flag = domain_flag(self.sally, columns, valid)
        for p, col in zip(PARAMETERS, self.score_columns):
            out[f"score_{p}"] = col(valid, *columns)
            flags[f"score_{p}"] = score_flag
        return Attached(events=events, columns=out, in_domain=flags, selected=valid, extras={"x": columns})

    def histograms(self, cls: type) -> dict[str, Any]:
        import hist

        score = cls(hist.axis.Regular(40, -200.0, 600.0, name="score_cLL", label="$\\hat t_{LL}$ [TeV$^2$]"),
                    hist.axis.Regular(40, -300.0, 300.0, name="score_cLR", label="$\\hat t_{LR}$ [TeV$^2$]"),
                    storage=hist.storage.Weight())
        baseline = cls(*(hist.axis.Regular(n, lo, hi, name=k, label=label) for k, (label, n, lo, hi) in _HISTS.items()),
                       storage=hist.storage.Weight())
        return {"score": score, "mll_cos": baseline}

    def fill(self, hists: dict[str, Any], events: Any, attached: Attached, weight: Any) -> None:
        valid = attached.selected
        sel = events.Surrogate[valid]
        w = weight[valid]
        hists["score"].fill(score_cLL=ak.fill_none(sel.score_cLL, np.nan),
                            score_cLR=ak.fill_none(sel.score_cLR, np.nan), weight=w)
        x = attached.extras["x"]
        hists["mll_cos"].fill(mll=x[0][valid], cos=x[1][valid], weight=w)

    def plot(self, hists: dict[str, Any], path: Path, title: str) -> Path:
        """The two SALLY score components and m_ℓℓ of the selected events."""
        from ..plots import draw, figure, save

        fig, (ax1, ax2) = figure(2)
        score = hists["score"]
        draw(ax1, score[{"score_cLR": sum}], "$\\hat t_{LL}$")
        draw(ax1, score[{"score_cLL": sum}], "$\\hat t_{LR}$")
        ax1.set_xlabel("SALLY score at the SM [TeV$^2$]")
        ax1.set_title(f"{title}: optimal observables", fontsize=18)
        draw(ax2, hists["mll_cos"][{"cos": sum}], "$m_{\\ell\\ell}$")
        ax2.set_yscale("log")
        ax2.set_xlabel("$m_{\\ell\\ell}$ [GeV]")
        ax2.set_title(f"{title}: selected dileptons", fontsize=18)
        for ax in (ax1, ax2):
            ax.set_ylabel("events")
            ax.legend()
        return save(fig, path)


def attacher_from_options(bundles: Sequence[ModelBundle] = (), thetas: Sequence[Sequence[float]] = DEFAULT_THETAS,
                          threads: int = 1) -> RatioAttacher:
    """The attacher of ``hepsurrogates run --surrogates ratio`` (the registry's entry point).

    Args:
        bundles: user-given ``ratio`` bundles, each replacing the shipped one of its kind (the card's
            ``training.method``: ``sally``, or a parameterised method).

    Raises:
        InvalidArgumentError: two bundles of one kind.
    """
    from hepsurrogates.models.shipped import load_shipped

    given: dict[str, ModelBundle] = {}
    for b in bundles:
        kind = bundle_method(b)
        if kind in given:
            raise InvalidArgumentError(f"two ratio {kind} bundles: {given[kind].path or given[kind].name} and "
                                       f"{b.path or b.name}")
        given[kind] = b
    chosen = {k: given.get(k) or load_shipped(name, family="ratio") for k, name in SHIPPED.items()}
    return RatioAttacher(chosen["ratio"], chosen["sally"], thetas=thetas, threads=threads)
