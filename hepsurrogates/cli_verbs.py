"""A family's own sub-commands (``hepsurrogates likelihood profile ...``), built from its functions.

A family may declare *verbs* (:class:`~hepsurrogates.families.spec.VerbSpec`): each is one function
with plain, typed keyword arguments that returns a JSON-ready summary. The parser of each verb is
generated from the function's signature and its Google-style docstring: every keyword becomes an
option (``s3_mu_low`` → ``--s3-mu-low``) of the type of its annotation or default, booleans become
``--x/--no-x``, the help of each option is its line under ``Args:``, and the function's first
docstring line describes the verb. The functions are imported only when their verb runs (or when
``--help`` is asked for), so a family's verbs add nothing to the start-up of other commands.

Example:
    >>> def scan(points: int = 21, mu_high: float = 1.0, out: str | None = None) -> dict:
    ...     '''Scan t_mu.
    ...
    ...     Args:
    ...         points: number of points.
    ...         mu_high, out: the upper end, and where to write.
    ...     '''
    ...     return {"points": points}
    >>> [o.option_strings[0] for o in options_of(scan)]
    ['--points', '--mu-high', '--out']
"""

from __future__ import annotations

import argparse
import inspect
import re
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["options_of", "argument_help"]

_SIMPLE = {"int": int, "float": float, "str": str, "bool": bool}


def argument_help(function: Callable[..., Any]) -> dict[str, str]:
    """``{argument: help}`` from the ``Args:`` section of a Google-style docstring (a line naming
    several arguments, ``a, b: text``, gives each the same help)."""
    doc = inspect.getdoc(function) or ""
    out: dict[str, str] = {}
    section = re.split(r"^\s*Args:\s*$", doc, maxsplit=1, flags=re.M)
    if len(section) < 2:
        return out
    current: list[str] = []
    for line in section[1].splitlines():
        if re.match(r"^\S", line):  # the next section (Returns:, Raises:)
            break
        m = re.match(r"^\s{2,8}([A-Za-z_][\w, ]*):\s*(.*)$", line)
        if m and all(n.strip().isidentifier() for n in m.group(1).split(",")):
            current = [n.strip() for n in m.group(1).split(",")]
            for n in current:
                out[n] = m.group(2).strip()
        elif current and line.strip():
            for n in current:
                out[n] += " " + line.strip()
    return {k: v.replace("``", "") for k, v in out.items()}


def _type(annotation: Any, default: Any) -> type | None:
    """int, float, str or bool from an annotation (string annotations too) or the default."""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    names = [t.strip() for t in str(text).replace("typing.", "").replace("Optional[", "").rstrip("]").split("|")]
    names = [n for n in names if n != "None"]
    if len(names) == 1 and names[0] in _SIMPLE:
        return _SIMPLE[names[0]]
    if default is not None and type(default) in _SIMPLE.values():
        return type(default)
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and args[0] in _SIMPLE.values():
            return args[0]
    return None


def options_of(function: Callable[..., Any]) -> list[argparse.Action]:
    """The argparse options of ``function``'s keyword arguments, added to a throw-away parser."""
    parser = argparse.ArgumentParser(add_help=False)
    add_function_options(parser, function)
    return [a for a in parser._actions if a.option_strings]


def add_function_options(parser: argparse.ArgumentParser, function: Callable[..., Any]) -> None:
    """Add one option per keyword argument of ``function`` (module docstring).

    An argument without a default becomes a required option.

    Raises:
        TypeError: an argument of a type this mapping does not know.
    """
    helps = argument_help(function)
    for name, p in inspect.signature(function).parameters.items():
        required = p.default is inspect.Parameter.empty
        default = None if required else p.default
        kind = _type(p.annotation, default)
        if kind is None:
            raise TypeError(f"{function.__qualname__}: argument {name!r} has no simple type ({p.annotation!r})")
        flag = "--" + name.replace("_", "-")
        text = helps.get(name, "")
        if kind is bool:
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=default,
                                required=required, help=text)
        else:
            parser.add_argument(flag, dest=name, type=kind, default=default, required=required, help=text,
                                metavar=name.upper())


def call_verb(function: Callable[..., Any], args: argparse.Namespace) -> Any:
    """``function`` called with the values of its options in ``args``."""
    names = inspect.signature(function).parameters
    return function(**{n: getattr(args, n) for n in names})
