"""Command-line options built from the family registry, and the check that none is ignored.

Each family declares its options (:class:`~hepsurrogates.families.spec.OptionSpec`) for the
sub-commands ``teach``, ``train`` and ``run``. :func:`add_family_options` adds them to a parser,
one argument group per family; an option that several families declare with the same flag
(``--selection`` for ``ditau`` and ``mem``) becomes one argument that applies to each of them.
Every family option defaults to "not given" (None) in the parser, so :func:`family_options` can
tell what the user asked for: given options are routed to the families that declare them, the
other families' defaults fill the rest, and an option that applies to none of the requested
families is refused (:class:`~hepsurrogates.exceptions.InvalidArgumentError`), never ignored.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.families import get_family
from hepsurrogates.families.spec import OptionSpec

__all__ = ["point", "add_family_options", "family_options", "format_default"]


def point(text: str) -> tuple[float, float]:
    """``"261.40,150.50"`` → ``(261.4, 150.5)`` (argparse type)."""
    try:
        a, b = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers A,B (e.g. 261.40,150.50), got {text!r}") from None
    return a, b


_TYPES = {"str": str, "int": int, "float": float, "point": point}


def format_default(value: Any) -> str:
    """A default as the user would type it."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return " ".join(",".join(f"{v:g}" for v in p) for p in value)
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _kwargs(opt: OptionSpec) -> dict[str, Any]:
    kw: dict[str, Any] = {"dest": opt.dest, "default": None}
    if opt.type == "flag":
        kw.update(action="store_const", const=True)
        return kw
    kw["type"] = _TYPES[opt.type]
    if opt.choices:
        kw["choices"] = list(opt.choices)
    if opt.metavar:
        kw["metavar"] = opt.metavar
    if opt.multiple:
        if opt.type == "point":
            kw["action"] = "append"
        else:
            kw["nargs"] = "+"
    return kw


def _help(opt: OptionSpec, owners: Sequence[str]) -> str:
    text = opt.help
    if len(owners) > 1:
        text = f"[{', '.join(owners)}] {text}"
    if opt.default is not None and opt.type != "flag" and "default" not in opt.help:
        text += f" (default: {format_default(opt.default)})"
    # the parser's default is None ("not given"); "%(default).0s" prints nothing and tells argparse's
    # ArgumentDefaultsHelpFormatter not to append "(default: None)" after the family's own default
    return text + "%(default).0s"


def add_family_options(parser: argparse.ArgumentParser, command: str, families: Sequence[str]) -> None:
    """Add the ``command`` options of ``families`` to ``parser``, one group per family (a flag shared
    by several families goes in the group of the first and names them all).

    Raises:
        ValueError: two families declare one flag with different types, choices or destinations.
    """
    seen: dict[tuple[str, ...], OptionSpec] = {}
    owners: dict[tuple[str, ...], list[str]] = {}
    for name in families:
        for opt in get_family(name).options_for(command):
            if opt.flags in seen:
                first = seen[opt.flags]
                if (first.dest, first.type, first.choices, first.multiple) != (opt.dest, opt.type, opt.choices,
                                                                             opt.multiple):
                    raise ValueError(f"{'/'.join(opt.flags)} is declared differently by {owners[opt.flags]} and {name}")
                owners[opt.flags].append(name)
            else:
                seen[opt.flags] = opt
                owners[opt.flags] = [name]
    groups: dict[str, argparse._ArgumentGroup] = {}
    for flags, opt in seen.items():
        first = owners[flags][0]
        if first not in groups:
            spec = get_family(first)
            groups[first] = parser.add_argument_group(f"{first} options ({spec.title})")
        groups[first].add_argument(*flags, help=_help(opt, owners[flags]), **_kwargs(opt))


def family_options(args: argparse.Namespace, command: str, families: Sequence[str],
                   available: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{family: {dest: value}}`` for the requested ``families``: the given options of each family
    and its defaults for the others.

    Args:
        args: the parsed arguments (family options are None when not given).
        command: ``teach``, ``train`` or ``run``.
        families: the families the command acts on.
        available: every family whose options the parser holds.

    Raises:
        InvalidArgumentError: an option was given that applies to none of ``families``.
    """
    declared: dict[str, list[tuple[str, OptionSpec]]] = {}
    for name in available:
        for opt in get_family(name).options_for(command):
            declared.setdefault(opt.dest, []).append((name, opt))
    out: dict[str, dict[str, Any]] = {name: get_family(name).defaults_for(command) for name in families}
    for dest, decl in declared.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        targets = [name for name, _ in decl if name in families]
        if not targets:
            owners = sorted({name for name, _ in decl})
            flag = decl[0][1].flags[0]
            raise InvalidArgumentError(f"{flag} applies to {', '.join(owners)} only, and this {command} is for "
                                       f"{', '.join(families)}: it would be ignored")
        for name in targets:
            out[name][dest] = tuple(value) if isinstance(value, list) else value
    return out
