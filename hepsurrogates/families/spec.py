"""A surrogate family as data: its columns, bundles, parameters, options and where its code lives.

Every family (``ditau``, ``mem``, …) is declared once by a :class:`FamilySpec` in its own module
of :mod:`hepsurrogates.families` (the way pyhf declares its modifiers): the command line, the
processor contract test and the documentation are built from these specs, so adding a family is
adding its folders (``models/<family>/``, ``training/<family>/``, ``datasets/teachers/<family>/``,
``processors/<family>/``, ``tests/<family>/``, ``benchmarks/<family>/``) and one entry.

The spec names code by dotted path (``"hepsurrogates.processors.mem:attacher_from_options"``):
the core imports nothing of the other layers, and a family's code is imported only when it is
used (:meth:`FamilySpec.load`), so ``hepsurrogates --help`` and a processing-only installation
stay light.

One name, one quantity: a :class:`ColumnSpec` names the surrogate column (``Surrogate_<name>``)
and, when it is learned, the teacher column it learns, which holds the same quantity in the same
units under the same name (``Teacher_<name>``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["ColumnSpec", "OptionSpec", "ParameterSpec", "DemoSample", "VerbSpec", "FamilySpec", "Command",
           "COMMANDS"]

#: the sub-commands a family can take options for
Command = Literal["teach", "train", "run"]
COMMANDS: tuple[str, ...] = ("teach", "train", "run")


@dataclass(frozen=True)
class ColumnSpec:
    """One per-event output of a family.

    Attributes:
        name: the column, attached as ``Surrogate_<name>``; a ``{placeholder}`` marks a family of
            columns (``memHZA_{point}``: one per requested mass point).
        unit: its unit ("" for dimensionless).
        description: what it holds.
        learned: True when a network computes it: it then comes with a training-domain flag
            ``Surrogate_<name>_inDomain`` and learns the teacher column of the same name.
        teacher: the teacher column it learns (``Teacher_<teacher>``), by default its own name;
            None for a derived column (a discriminant) or a baseline algorithm.
        bundle: the bundle (by name) that computes it, when learned.
        flagged: whether it comes with a training-domain flag ``Surrogate_<name>_inDomain``
            (default: when it is learned); a column computed from a network's output that is not
            itself a teacher quantity (the fastsim selection fraction) is flagged, not learned.
    """

    name: str
    unit: str
    description: str
    learned: bool = True
    teacher: str | None = "same"
    bundle: str | None = None
    flagged: bool | None = None

    @property
    def has_domain_flag(self) -> bool:
        """Whether the column comes with ``<name>_inDomain``."""
        return self.learned if self.flagged is None else self.flagged

    @property
    def teacher_column(self) -> str | None:
        """The teacher column's name (without the ``Teacher_`` prefix; a pattern for a family of
        columns), or None."""
        if not self.learned or self.teacher is None:
            return None
        return self.name if self.teacher == "same" else self.teacher

    def teacher_for(self, name: str) -> str | None:
        """The teacher column of the concrete column ``name`` (``memHZA_261p40_150p50`` learns
        ``Teacher_memHZA_261p40_150p50``), or None."""
        if self.teacher_column is None:
            return None
        return name if self.teacher == "same" else self.teacher


@dataclass(frozen=True)
class ParameterSpec:
    """A physics parameter that is a network input (a mass, a θ component)."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class OptionSpec:
    """A command-line option a family takes.

    Attributes:
        flags: the option strings, e.g. ``("--hza-point",)``.
        dest: the keyword it arrives as in the family's entry point.
        commands: the sub-commands it belongs to (``teach``, ``train``, ``run``).
        help: one line; the default is appended when it is not None.
        default: the value used when the option is not given (the setting the shipped bundles used).
        type: ``"str"``, ``"int"``, ``"float"``, ``"point"`` (two numbers ``A,B``), ``"flag"``.
        choices: the allowed values, if limited.
        multiple: takes several values (``nargs="+"``) or may be repeated (for ``point``).
        metavar: the placeholder in the help text.
    """

    flags: tuple[str, ...]
    dest: str
    commands: tuple[str, ...]
    help: str
    default: Any = None
    type: Literal["str", "int", "float", "point", "flag"] = "str"
    choices: tuple[str, ...] | None = None
    multiple: bool = False
    metavar: str | None = None

    def __post_init__(self) -> None:
        bad = [c for c in self.commands if c not in COMMANDS]
        if bad:
            raise ValueError(f"option {self.flags[0]}: unknown command(s) {bad}")


@dataclass(frozen=True)
class DemoSample:
    """A small sample shipped with the package (``hepsurrogates/data/demo/``), on which the demo and
    the processor contract test run the family; ``generate`` rebuilds it with the same settings."""

    dataset: str
    file: str
    sample: str
    events: int
    seed: int
    options: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class VerbSpec:
    """A sub-command of the family's own (``hepsurrogates likelihood profile``): one function with
    plain, typed keyword arguments that returns a JSON-ready summary; its options are generated from
    the signature and the docstring (:mod:`hepsurrogates.cli_verbs`).

    Attributes:
        name: the verb.
        target: ``"module:function"``, imported only when the verb runs.
        help: one line for the family's command listing.
    """

    name: str
    target: str
    help: str

    def load(self) -> Any:
        module, _, attr = self.target.partition(":")
        return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class FamilySpec:
    """One surrogate family (module docstring).

    Attributes:
        name: the family's name (``ditau``), also its folder name in every layer.
        title: a short human title.
        description: one paragraph: what it replaces and what it attaches.
        reference: the published method (arXiv or repository).
        per_event: whether it attaches per-event columns (the ``likelihood`` family does not).
        columns: the per-event columns it can attach.
        collections: new collections it can attach (``FastSimMuon``), with their fields.
        bundles: the shipped bundles it uses by default (names under ``models/shipped``).
        parameters: physics parameters that are network inputs.
        options: the command-line options it takes.
        skim_collections: the input collections a skim keeps so every input can be recomputed.
        demo: small shipped samples for the demo and the contract test.
        demo_options: the ``run`` options the demo uses where they differ from the defaults.
        demo_report: ``"module:function"`` turning the demo's skims into the numbers the demo prints
            (``function(skims) -> (report dict, lines)``).
        attacher: ``"module:function"`` building the family's processor part from the ``run``
            options (``function(bundles=..., **options)``).
        teacher: ``"module:function"`` running its teacher over a fileset (``teach``), or None.
        trainer: ``"module:function"`` training a bundle (``train``), or None.
        features: the module defining its inputs (the one definition, shared by training and
            processing).
        docs: the page of its user guide, relative to ``docs/``.
        verbs: the family's own sub-commands, ``hepsurrogates <family> <verb>``.
    """

    name: str
    title: str
    description: str
    reference: str
    per_event: bool = True
    columns: tuple[ColumnSpec, ...] = ()
    collections: tuple[str, ...] = ()
    bundles: tuple[str, ...] = ()
    parameters: tuple[ParameterSpec, ...] = ()
    options: tuple[OptionSpec, ...] = ()
    skim_collections: tuple[str, ...] = ()
    demo: tuple[DemoSample, ...] = ()
    demo_options: Mapping[str, Any] = field(default_factory=dict)
    demo_report: str | None = None
    attacher: str | None = None
    teacher: str | None = None
    trainer: str | None = None
    features: str | None = None
    docs: str | None = None
    verbs: tuple[VerbSpec, ...] = ()

    def options_for(self, command: str) -> tuple[OptionSpec, ...]:
        """The options this family takes on ``command``."""
        return tuple(o for o in self.options if command in o.commands)

    def defaults_for(self, command: str) -> dict[str, Any]:
        """``{dest: default}`` of the options of ``command`` (the shipped bundles' settings)."""
        return {o.dest: o.default for o in self.options_for(command)}

    def column(self, name: str) -> ColumnSpec:
        """The column spec of ``name`` (a concrete name matches its ``{placeholder}`` pattern)."""
        for c in self.columns:
            if c.name == name or ("{" in c.name and name.startswith(c.name.split("{", 1)[0])):
                return c
        raise KeyError(f"family {self.name!r} has no column {name!r}")

    def load(self, role: Literal["attacher", "teacher", "trainer", "features", "demo_report"]) -> Any:
        """Import and return the object a role names (``module:attribute``, or a module).

        Raises:
            InvalidArgumentError: the family has no such role (no teacher, no trainer, ...).
        """
        target = getattr(self, role)
        if target is None:
            raise InvalidArgumentError(f"family {self.name!r} has no {role}")
        module, _, attr = target.partition(":")
        mod = importlib.import_module(module)
        return getattr(mod, attr) if attr else mod
