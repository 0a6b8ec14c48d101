r"""The ``mem`` family's attacher: the MEM surrogates (arXiv 2008.10949) and the DY/tt̄ discriminant.

For every event with a ℓℓbb interpretation (:func:`hepsurrogates.families.mem.llbb.select_llbb`)
:class:`MEMAttacher` computes, from ``mem`` bundles through onnxruntime:

* ``Surrogate_memDY``, ``Surrogate_memTT``: −log10 W of the Drell–Yan and tt̄ hypotheses, the
  quantity of the teacher columns ``Teacher_memDY``, ``Teacher_memTT`` they learned;
* ``Surrogate_memHZA_<mH>_<mA>`` per requested mass point (e.g. ``memHZA_261p40_150p50``, the
  names of the teacher columns): the parametric H → ZA bundle fed the constant (M_H, M_A);
* each with ``Surrogate_<column>_inDomain``, the bundle's training-domain flag (the mass point
  is among the inputs it checks);
* ``Surrogate_memD`` = W_tt / (W_tt + γ W_DY), computed in log space from the two −log10 W:
  D = σ(t) with t = ln 10 · (s_DY − s_tt) − ln γ, evaluated as exp(−log(1 + e^(−t))) with
  ``logaddexp``, which neither overflows nor loses the tails (no domain flag of its own: it is
  in the domain where both inputs are);

events without an interpretation get None. A hypothesis whose bundle is None (or absent from
the mapping) is skipped and its column is not attached; ``memD`` needs both DY and tt̄. The
attacher fills one ``hist`` histogram per attached column. :class:`MEMProcessor` is the
processor of this family alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import awkward as ak
import numpy as np

from hepsurrogates.exceptions import CardMismatchError, InvalidArgumentError, MissingInputFileError
from hepsurrogates.families import get_family
from hepsurrogates.families.mem.llbb import SELECTIONS, LLBBSelection, missing_llbb_branches, select_llbb
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.mem.features import FEATURE_NAMES, HZA_PARAMETERS, discriminant, mem_feature_columns
from hepsurrogates.models.onnx_column import OnnxColumn

from ..base import Attached, FamilyAttacher, SurrogateProcessor, domain_flag
from ..skim import SkimFormat

__all__ = ["MEMAttacher", "MEMProcessor", "MEM_HYPOTHESES", "MEM_OUTPUT", "SKIM_COLLECTIONS", "hza_field",
           "discriminant", "load_mem_bundles", "attacher_from_options", "bundle_hypothesis"]

MEM_HYPOTHESES = ("DY", "TT", "HZA")
#: the output of every MEM bundle: −log10 W
MEM_OUTPUT = "neg_log10_weight"
#: bundle file names in a bundle directory (as the training writes them)
BUNDLE_FILES = {"DY": "mem_dy.onnx", "TT": "mem_tt.onnx", "HZA": "mem_hza.onnx"}
#: collections a MEM skim keeps (enough to recompute every input)
SKIM_COLLECTIONS = get_family("mem").skim_collections


def hza_field(m_h: float, m_a: float) -> str:
    """The column of one mass point, the teacher's naming: ``hza_field(261.4, 150.5) == "memHZA_261p40_150p50"``."""
    return f"memHZA_{m_h:.2f}_{m_a:.2f}".replace(".", "p").replace("-", "m")


def bundle_hypothesis(bundle: ModelBundle) -> str:
    """The hypothesis (DY, TT, HZA) a ``mem`` bundle was trained for, from its card.

    Raises:
        CardMismatchError: not a ``mem`` bundle, or its card names no known hypothesis.
    """
    src = bundle.path or bundle.name
    if bundle.family != "mem":
        raise CardMismatchError(f"{src} is a {bundle.family!r} bundle; the MEM processor needs family 'mem'")
    h = bundle.card["training"].get("hypothesis")
    if h not in MEM_HYPOTHESES:
        raise CardMismatchError(f"{src}: the card's training.hypothesis is {h!r}, expected one of {MEM_HYPOTHESES}")
    return str(h)


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


class MEMAttacher(FamilyAttacher):
    """``Surrogate_memDY/memTT/memHZA_*`` and ``Surrogate_memD`` on the ℓℓbb events.

    Args:
        bundles: ``{"DY": bundle, "TT": bundle, "HZA": bundle}``; a missing key or None skips the
            hypothesis. None: the shipped MEM bundles (:func:`~hepsurrogates.models.shipped.load_shipped_mem`).
        hza_points: (M_H, M_A) in GeV at which the parametric H → ZA bundle is evaluated.
        gamma: γ of the discriminant (the relative normalisation of W_DY).
        threads: onnxruntime intra-op threads per task.
        allow_extrapolation: evaluate H → ZA outside the (M_H, M_A) range of its training.
        selection: the ℓℓbb selection, by name (``analysis``, ``loose``) or as an
            :class:`~hepsurrogates.families.mem.llbb.LLBBSelection`. The bundles learn the teacher on
            events of the ``analysis`` selection (the one ``teach mem`` uses); another one is for
            studies, e.g. on a real NanoAOD file whose events rarely pass it.

    Raises:
        InvalidArgumentError: unknown hypothesis key, no bundle at all, bad γ, mass point or selection.
        CardMismatchError: a bundle of another family, hypothesis, features or output.
    """

    family: ClassVar[str] = "mem"
    skim_collections: ClassVar[tuple[str, ...]] = SKIM_COLLECTIONS
    # D in double precision: its tails (W_tt << W_DY) reach below float32's range
    skim_dtypes: ClassVar[Mapping[str, Any]] = {"memD": np.float64}

    def __init__(self, bundles: Mapping[str, ModelBundle | None] | None = None,
                 hza_points: Sequence[tuple[float, float]] = ((261.40, 150.50),), gamma: float = 1.0,
                 threads: int = 1, allow_extrapolation: bool = False,
                 selection: str | LLBBSelection = "analysis") -> None:
        if bundles is None:
            from hepsurrogates.models.shipped import load_shipped_mem

            bundles = load_shipped_mem()
        unknown = sorted(set(bundles) - set(MEM_HYPOTHESES))
        if unknown:
            raise InvalidArgumentError(f"MEM: unknown hypothesis key(s) {unknown}; "
                                       f"expected {', '.join(MEM_HYPOTHESES)}")
        present = {h: b for h, b in bundles.items() if b is not None}
        if not present:
            raise InvalidArgumentError(
                "MEM: no MEM bundle given (and none shipped); train one with "
                "'hepsurrogates train mem' and pass it with --bundle"
            )
        if not (np.isfinite(gamma) and gamma > 0):
            raise InvalidArgumentError(f"MEM: gamma must be a positive number, got {gamma!r}")
        if isinstance(selection, str):
            if selection not in SELECTIONS:
                raise InvalidArgumentError(f"MEM: selection must be one of {sorted(SELECTIONS)}, got {selection!r}")
            selection = SELECTIONS[selection]
        if not isinstance(selection, LLBBSelection):
            raise InvalidArgumentError(f"selection must be a name or an LLBBSelection, got {type(selection).__name__}")
        self.selection = selection
        self.columns: dict[str, OnnxColumn] = {}
        for h, b in present.items():
            self._check(h, b)
            names = FEATURE_NAMES + (HZA_PARAMETERS if h == "HZA" else ())
            self.columns[h] = OnnxColumn(b, _no_inputs, names, threads=threads)
        self.hza_points: tuple[tuple[float, float], ...] = ()
        if "HZA" in self.columns:
            self.hza_points = tuple(self._check_point(present["HZA"], p, allow_extrapolation) for p in hza_points)
            if not self.hza_points:
                raise InvalidArgumentError("MEM: an HZA bundle needs at least one (M_H, M_A) point")
        self.gamma = float(gamma)

    @staticmethod
    def _check(h: str, b: ModelBundle) -> None:
        src = b.path or b.name
        trained = bundle_hypothesis(b)
        if trained != h:
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
                        f"[{lo}, {hi}] GeV (pass allow_extrapolation=True to evaluate anyway)"
                    )
        return m_h, m_a

    @property
    def output_fields(self) -> list[str]:
        out = [f"mem{h}" for h in ("DY", "TT") if h in self.columns]
        out += [hza_field(*p) for p in self.hza_points]
        if "DY" in self.columns and "TT" in self.columns:
            out.append("memD")
        return out

    @property
    def bundles(self) -> dict[str, ModelBundle]:
        out = {f"mem{h}": self.columns[h].bundle for h in ("DY", "TT") if h in self.columns}
        out.update({hza_field(*p): self.columns["HZA"].bundle for p in self.hza_points})
        return out

    def missing_branches(self, events: Any) -> list[str]:
        return missing_llbb_branches(events)

    def attach(self, events: Any) -> Attached:
        record = select_llbb(events, self.selection)
        cols = mem_feature_columns(record)
        valid = record.valid
        out: dict[str, Any] = {}
        flags: dict[str, Any] = {}
        for h in ("DY", "TT"):
            if h in self.columns:
                out[f"mem{h}"] = self.columns[h](valid, *cols)
                flags[f"mem{h}"] = domain_flag(self.columns[h].bundle, cols, valid)
        for m_h, m_a in self.hza_points:
            zero = cols[0] * np.float32(0.0)
            inputs = [*cols, zero + np.float32(m_h), zero + np.float32(m_a)]
            out[hza_field(m_h, m_a)] = self.columns["HZA"](valid, *inputs)
            flags[hza_field(m_h, m_a)] = domain_flag(self.columns["HZA"].bundle, inputs, valid)
        if "memDY" in out and "memTT" in out:
            out["memD"] = discriminant(out["memDY"], out["memTT"], self.gamma)
        return Attached(events=events, columns=out, in_domain=flags, selected=valid, extras={"record": record})

    def histograms(self, cls: type) -> dict[str, Any]:
        import hist

        out = {}
        for name in self.output_fields:
            if name == "memD":  # D spans many decades (1e-24 ... 1): its histogram is of log10 D
                axis = hist.axis.Regular(
                    60,
                    -30.0,
                    0.0,
                    name="value",
                    label=r"$\log_{10} D$, $D = W_{t\bar t}/(W_{t\bar t} + \gamma W_{DY})$",
                )
                out["log10_memD"] = cls(axis, storage=hist.storage.Weight())
            else:
                axis = hist.axis.Regular(180, -5.0, 40.0, name="value", label=rf"$-\log_{{10}} W$ ({name})")
                out[name] = cls(axis, storage=hist.storage.Weight())
        return out

    def fill(self, hists: dict[str, Any], events: Any, attached: Attached, weight: Any) -> None:
        valid = attached.selected
        sel = events[valid]
        w = weight[valid]
        for name, h in hists.items():
            if name == "log10_memD":
                h.fill(value=np.log10(ak.fill_none(sel.Surrogate.memD, 1e-300)), weight=w)
            else:
                h.fill(value=ak.fill_none(sel.Surrogate[name], -100.0), weight=w)

    def plot(self, hists: dict[str, Any], path: Path, title: str) -> Path:
        """−log10 W of every attached hypothesis, and log10 D."""
        from ..plots import draw, figure, rebin_factor, save

        fig, (ax1, ax2) = figure(2)
        weights = {k: h for k, h in hists.items() if k != "log10_memD"}
        if weights:
            factor = max(rebin_factor(h) for h in weights.values())
            for key, h in weights.items():
                draw(ax1, h, key, factor)
            ax1.set_ylabel(f"events / {0.25 * factor:g}")
        ax1.set_xlabel(r"$-\log_{10} W$")
        ax1.set_title(f"{title}: MEM surrogates", fontsize=18)
        ax1.legend(fontsize=12)
        if "log10_memD" in hists:
            h = hists["log10_memD"]
            factor = rebin_factor(h)
            draw(ax2, h, rf"$\gamma$ = {self.gamma:g}", factor)
            ax2.set_ylabel(f"events / {0.5 * factor:g}")
            ax2.legend()
        ax2.set_xlabel(r"$\log_{10} D$")
        ax2.set_title(f"{title}: discriminant", fontsize=18)
        return save(fig, path)


class MEMProcessor(SurrogateProcessor):
    """The ``mem`` family alone: :class:`MEMAttacher` in a :class:`SurrogateProcessor`.

    Args:
        bundles, hza_points, gamma, threads, allow_extrapolation, selection: as :class:`MEMAttacher`.
        skim_dir, skim_format: write the ℓℓbb events with the new columns there.
    """

    def __init__(
        self,
        bundles: Mapping[str, ModelBundle | None] | None = None,
        hza_points: Sequence[tuple[float, float]] = ((261.40, 150.50),),
        gamma: float = 1.0,
        skim_dir: str | None = None,
        skim_format: SkimFormat = "root",
        threads: int = 1,
        allow_extrapolation: bool = False,
        selection: str | LLBBSelection = "analysis",
    ) -> None:
        attacher = MEMAttacher(
            bundles,
            hza_points=hza_points,
            gamma=gamma,
            threads=threads,
            allow_extrapolation=allow_extrapolation,
            selection=selection,
        )
        super().__init__([attacher], skim_dir=skim_dir, skim_format=skim_format)

    @property
    def attacher(self) -> MEMAttacher:
        return self.attachers[0]  # type: ignore[return-value]


def _no_inputs(events: Any) -> tuple[list[Any], Any]:
    """The attacher passes (valid, *columns) itself; a bare-events call is a programming error."""
    raise InvalidArgumentError("MEM columns are evaluated by MEMAttacher.attach, which passes the features")


def attacher_from_options(
    bundles: Sequence[ModelBundle] = (),
    selection: str = "analysis",
    hza_points: Sequence[tuple[float, float]] = ((261.40, 150.50),),
    gamma: float = 1.0,
    threads: int = 1,
) -> MEMAttacher:
    """The attacher of ``hepsurrogates run --surrogates mem`` (the registry's entry point).

    Args:
        bundles: user-given ``mem`` bundles, each replacing the shipped one of its hypothesis (the
            card's ``training.hypothesis``); the other hypotheses use the shipped bundles.

    Raises:
        InvalidArgumentError: two bundles for one hypothesis.
    """
    from hepsurrogates.models.shipped import load_shipped_mem

    chosen: dict[str, ModelBundle | None] = dict(load_shipped_mem())
    given: dict[str, ModelBundle] = {}
    for b in bundles:
        h = bundle_hypothesis(b)
        if h in given:
            raise InvalidArgumentError(f"two mem bundles for hypothesis {h}: {given[h].path} and {b.path}")
        given[h] = b
    chosen.update(given)
    return MEMAttacher(chosen, hza_points=hza_points, gamma=gamma, threads=threads, selection=selection)
