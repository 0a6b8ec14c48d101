"""The processor base: any set of families attached in one pass, with one skim and one summary.

A family's processing part is a :class:`FamilyAttacher` (``processors/<family>/``): it checks
the branches it needs, computes its surrogate columns (and their training-domain flags) from
the events, declares and fills its histograms, and counts what it selected.
:class:`SurrogateProcessor` runs any list of attachers over the same events, in order (a family
may add or replace collections that the next one reads, e.g. fast-simulated objects), and

* refuses NaN and ±inf in any floating-point branch a family reads, at the object level, before
  its selection (:mod:`.guard`: :class:`~hepsurrogates.exceptions.NonFiniteInputError`);
* attaches every column under the ``Surrogate`` record: ``Surrogate_<name>`` per event (None where
  the family has no output for the event) and, for every learned column,
  ``Surrogate_<name>_inDomain``: True where each network input lies inside the training ranges
  recorded in the bundle's card (:mod:`hepsurrogates.models.domain`);
* fills each family's ``hist`` histograms (weighted by ``genWeight`` where present);
* with ``skim_dir``, writes one skim of the events that any family selected, keeping the union
  of the collections the families read plus every new column, so it reads back with
  NanoAODSchema (:mod:`.skim`).

``process`` returns ``{dataset: {"entries", "selected", "families": {family: {"selected",
"counts", "hists"}}, "skim"}}``; it works on eager/virtual NanoEvents (coffea's
``processor.Runner``) and on dask-awkward NanoEvents (``dask.compute``, ``apply_to_fileset``).
The processor is stateless and picklable (configuration in ``__init__``; onnxruntime sessions
are created on the worker); ``postprocess`` returns the accumulator unchanged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import awkward as ak
import numpy as np
from coffea import processor

from hepsurrogates.exceptions import InvalidArgumentError, MissingBranchError
from hepsurrogates.families import get_family
from hepsurrogates.models.bundle import ModelBundle
from hepsurrogates.models.domain import in_domain

from .guard import finite_guard
from .skim import SkimFormat, is_dask, skim_columns, write_skim

__all__ = ["Attached", "FamilyAttacher", "SurrogateProcessor", "domain_flag", "event_source", "single_bundle"]


@dataclass
class Attached:
    """What one family computed on a chunk.

    Attributes:
        events: the events after the family (the input events unless the family adds or
            replaces collections).
        columns: ``Surrogate`` field → per-event array (None where the family has no output).
        in_domain: learned field → per-event training-domain flag (None where no output).
        selected: per-event bool: the family has an output for the event.
        extras: anything the family's ``fill`` needs (channels, legs, ...).
    """

    events: Any
    columns: dict[str, Any]
    in_domain: dict[str, Any]
    selected: Any
    extras: dict[str, Any] = field(default_factory=dict)


def event_source(events: Any) -> str:
    """``dataset: file`` of a chunk, for error messages."""
    meta = getattr(events, "metadata", None) or {}
    dataset = meta.get("dataset", "events")
    filename = meta.get("filename")
    if filename:
        return f"{dataset}: {filename}"
    files = list(meta.get("files") or ())  # dask mode: one graph over the dataset's files
    if len(files) == 1:
        return f"{dataset}: {files[0]}"
    if files:
        return f"{dataset}: one of its {len(files)} files ({', '.join(files[:3])}{', ...' if len(files) > 3 else ''})"
    return str(dataset)


def single_bundle(bundles: Sequence[ModelBundle], family: str, shipped: str) -> ModelBundle:
    """The one bundle a family's attacher takes: the user's (at most one), else the shipped ``shipped``.

    Raises:
        InvalidArgumentError: more than one bundle given.
    """
    if len(bundles) > 1:
        raise InvalidArgumentError(f"{family} takes one bundle, got {len(bundles)}: "
                                   + ", ".join(str(b.path or b.name) for b in bundles))
    if bundles:
        return bundles[0]
    from hepsurrogates.models.shipped import load_shipped

    return load_shipped(shipped, family=family)


def domain_flag(bundle: ModelBundle, columns: Sequence[Any], valid: Any) -> Any:
    """The training-domain flag of ``bundle`` on its input ``columns`` (None where not ``valid``)."""
    flag = in_domain(columns, bundle.feature_names, bundle.domain, source=bundle.path or bundle.name)
    return ak.mask(flag, valid)


class FamilyAttacher(ABC):
    """The processing part of one family (module docstring). Subclasses are picklable."""

    #: the registered family name
    family: ClassVar[str]
    #: the collections a skim keeps so that every input can be recomputed
    skim_collections: ClassVar[tuple[str, ...]] = ()
    #: skim dtype of fields that need more than float32 (e.g. a discriminant's tails)
    skim_dtypes: ClassVar[Mapping[str, Any]] = {}

    @property
    @abstractmethod
    def output_fields(self) -> list[str]:
        """The ``Surrogate`` fields this attacher adds, in order (without the domain flags)."""

    @property
    @abstractmethod
    def bundles(self) -> dict[str, ModelBundle]:
        """The bundles in use, by column (for the run's summary)."""

    @abstractmethod
    def missing_branches(self, events: Any) -> list[str]:
        """The branches this family needs that ``events`` lack."""

    @abstractmethod
    def attach(self, events: Any) -> Attached:
        """Compute the family's columns on ``events`` (eager or dask-awkward)."""

    @abstractmethod
    def histograms(self, cls: type) -> dict[str, Any]:
        """Empty histograms of the family (``cls`` is ``hist.Hist`` or ``hist.dask.Hist``)."""

    @abstractmethod
    def fill(self, hists: dict[str, Any], events: Any, attached: Attached, weight: Any) -> None:
        """Fill ``hists`` from the events (with the ``Surrogate`` record) and per-event weights."""

    def counts(self, attached: Attached) -> dict[str, Any]:
        """Per-family counters for the summary (e.g. events per channel)."""
        return {}

    @abstractmethod
    def plot(self, hists: dict[str, Any], path: Path, title: str) -> Path:
        """Draw the family's histograms of one dataset into ``path`` (PNG)."""

    @property
    def input_branches(self) -> tuple[str, ...]:
        """The branches the family's inputs and selection read (its features module's
        ``FEATURE_BRANCHES``), checked for NaN and ±inf before anything uses them."""
        import importlib

        return tuple(importlib.import_module(get_family(self.family).features).FEATURE_BRANCHES)

    @property
    def domain_fields(self) -> list[str]:
        """The fields that come with ``<field>_inDomain``: the learned ones and those the registry
        flags (:attr:`~hepsurrogates.families.ColumnSpec.has_domain_flag`)."""
        spec = get_family(self.family)
        return [f for f in self.output_fields if spec.column(f).has_domain_flag]


class SurrogateProcessor(processor.ProcessorABC):
    """Attach the columns of several families in one pass, fill histograms, write one skim.

    Args:
        attachers: one :class:`FamilyAttacher` per family, applied in order.
        skim_dir, skim_format: write the events any family selected there (``root`` or ``parquet``).

    Raises:
        InvalidArgumentError: no attacher, a family twice, or an unknown skim format.
    """

    def __init__(self, attachers: Sequence[FamilyAttacher], skim_dir: str | None = None,
                 skim_format: SkimFormat = "root") -> None:
        attachers = list(attachers)
        if not attachers:
            raise InvalidArgumentError("SurrogateProcessor needs at least one family attacher")
        names = [a.family for a in attachers]
        if len(set(names)) != len(names):
            raise InvalidArgumentError(f"each family can be attached once, got {names}")
        if skim_format not in ("root", "parquet"):
            raise InvalidArgumentError(f"skim format must be 'root' or 'parquet', got {skim_format!r}")
        self.attachers = attachers
        self.skim_dir = skim_dir
        self.skim_format = skim_format

    @property
    def families(self) -> list[str]:
        return [a.family for a in self.attachers]

    @property
    def output_fields(self) -> list[str]:
        """Every ``Surrogate`` field (domain flags included), in order."""
        out: list[str] = []
        for a in self.attachers:
            out += a.output_fields
            out += [f"{f}_inDomain" for f in a.domain_fields]
        return out

    def missing_branches(self, events: Any) -> dict[str, list[str]]:
        """``{family: missing branches}`` of the families that cannot run on ``events``."""
        out = {a.family: a.missing_branches(events) for a in self.attachers}
        return {k: v for k, v in out.items() if v}

    def attach(self, events: Any) -> tuple[Any, dict[str, Attached]]:
        """The events with the ``Surrogate`` record of every family, and each family's result.

        Raises:
            MissingBranchError: a family's branches are absent (names the dataset and file).
        """
        for a in self.attachers:
            missing = a.missing_branches(events)
            if missing:
                raise MissingBranchError(f"{event_source(events)} ({a.family})", missing)
        attached: dict[str, Attached] = {}
        current = events
        for a in self.attachers:
            # object-level finiteness of every branch the family's inputs read (processors/guard.py),
            # first (an eager chunk is checked before any network runs); every column depends on the
            # check, so no path computes a column without it
            ok = finite_guard(current, a.input_branches, a.family, event_source(current))
            att = a.attach(current)
            att.columns = {k: ak.mask(v, ok) for k, v in att.columns.items()}
            att.in_domain = {k: ak.mask(v, ok) for k, v in att.in_domain.items()}
            att.selected = att.selected & ok
            current = att.events
            attached[a.family] = att
        fields: dict[str, Any] = {}
        for att in attached.values():
            fields.update(att.columns)
            fields.update({f"{name}_inDomain": flag for name, flag in att.in_domain.items()})
        return ak.with_field(current, ak.zip(fields, depth_limit=1), "Surrogate"), attached

    def process(self, events: Any) -> dict[str, Any]:
        meta = dict(events.metadata) if hasattr(events, "metadata") else {}
        dataset = meta.get("dataset", "events")
        dask_mode = is_dask(events)
        events, attached = self.attach(events)
        if dask_mode:
            import hist.dask

            cls: type = hist.dask.Hist
        else:
            import hist

            cls = hist.Hist
        weight = events.genWeight if "genWeight" in events.fields else ak.ones_like(events.event, dtype=np.float64)
        families: dict[str, Any] = {}
        any_selected = None
        for a in self.attachers:
            att = attached[a.family]
            hists = a.histograms(cls)
            a.fill(hists, events, att, weight)
            families[a.family] = {"selected": ak.sum(att.selected), "counts": a.counts(att), "hists": hists}
            any_selected = att.selected if any_selected is None else any_selected | att.selected
        out: dict[str, Any] = {"entries": ak.num(events, axis=0), "selected": ak.sum(any_selected),
                               "families": families}
        if self.skim_dir is not None:
            out["skim"] = self._skim(events[any_selected], dataset, meta, dask_mode)
        return {dataset: out}

    def _skim(self, sel: Any, dataset: str, meta: Mapping[str, Any], dask_mode: bool) -> Any:
        collections: list[str] = []
        dtypes: dict[str, Any] = {}
        for a in self.attachers:
            collections += [c for c in a.skim_collections if c not in collections]
            dtypes.update(a.skim_dtypes)
        new = {}
        for f in sel.Surrogate.fields:
            column = sel.Surrogate[f]
            if f.endswith("_inDomain"):
                new[f"Surrogate_{f}"] = ak.fill_none(column, False)
            else:
                new[f"Surrogate_{f}"] = ak.values_astype(ak.fill_none(column, np.nan), dtypes.get(f, np.float32))
        cols = skim_columns(sel, collections, new)
        written = write_skim(cols, Path(self.skim_dir), prefix=str(dataset), fmt=self.skim_format, metadata=meta)
        return written if dask_mode else [str(written)]

    def postprocess(self, accumulator: dict[str, Any]) -> dict[str, Any]:
        return accumulator
