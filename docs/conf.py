"""Sphinx configuration of the hepsurrogates docs (Sphinx + MyST, the scikit-hep convention).

Build: ``sphinx-build -W -b html docs docs/_build/html`` (the tests build them warning-free).
Generated at each build, under ``docs/_generated/`` (not committed):

* ``cli.md``: the command-line reference, from the parser itself;
* ``bad_input_table.md``: what each command-line mistake gives, from ``docs/bad_input_cases.json``
  (the table ``tests/test_bad_input_cli.py`` runs);
* ``families.md``: the family registry (columns, units, teachers, bundles, options);
* ``api/*.md``: one page per package, ``automodule`` of each of its modules (the docstrings);
* ``benchmarks_*.md``: the benchmark tables, rendered from ``benchmarks/results/*.json``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
GENERATED = DOCS / "_generated"
sys.path.insert(0, str(ROOT / "benchmarks"))

project = "hepsurrogates"
author = "hepsurrogates developers"
copyright = "2026, hepsurrogates developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "README.md"]
html_theme = "furo"
html_title = "hepsurrogates"
autodoc_member_order = "bysource"
#: members defined in each module only (re-exports in ``__all__`` are documented where they are defined)
autodoc_default_options = {"members": True, "show-inheritance": False, "ignore-module-all": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# relative :mod:`.data` references resolve to several modules of that name (each family has one)
suppress_warnings = ["myst.xref_missing", "ref.python"]
nitpicky = False

#: the import roots of the one distribution (pyproject's package-dir)
PACKAGES = ("hepsurrogates", "hepsurrogates.datasets", "hepsurrogates.models", "hepsurrogates.training",
            "hepsurrogates.processors")


def _modules(root: str) -> list[str]:
    out = []
    for info in pkgutil.walk_packages(importlib.import_module(root).__path__, root + "."):
        if info.name.endswith("__main__") or any(info.name.startswith(p + ".") for p in PACKAGES if p != root
                                                 and p.startswith(root + ".")):
            continue
        out.append(info.name)
    return sorted(out)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text() != text:  # unchanged files keep Sphinx's cache valid
        path.write_text(text)


def _cli_page() -> str:
    from hepsurrogates.cli import build_parser

    parser = build_parser()
    parser.prog = "hepsurrogates"
    lines = ["# Command-line reference", "", "Generated from the parser (`hepsurrogates.cli.build_parser`); every "
             "family option is declared in the family registry.", "", "```text", parser.format_help(), "```", ""]
    sub = next(a for a in parser._actions if a.dest == "command").choices
    for name, p in sub.items():
        lines += [f"## `hepsurrogates {name}`", "", "```text", p.format_help(), "```", ""]
        fams = next((a for a in p._actions if a.dest == "family"), None)
        if fams is not None:
            for fam, q in fams.choices.items():
                lines += [f"### `hepsurrogates {name} {fam}`", "", "```text", q.format_help(), "```", ""]
    return "\n".join(lines)


def _families_page() -> str:
    from hepsurrogates.cli_options import format_default
    from hepsurrogates.families import REGISTRY

    lines = ["# The family registry", "", "Generated from `hepsurrogates.families`: every family, what it attaches "
             "and the teacher column each learned column learns (the same quantity under the same name). Each "
             "family's guide is listed here from its registry entry (`docs=`).", "", "```{toctree}", ":maxdepth: 1",
             ""]
    lines += [f"../{f.docs.removesuffix('.md')}" for f in REGISTRY.values() if f.docs]
    lines += ["```", ""]
    for name, f in REGISTRY.items():
        lines += [f"## `{name}`: {f.title}", "", f.description, "", f"Reference: {f.reference}", "",
                  "| column | unit | meaning | learns | bundle |", "|---|---|---|---|---|"]
        for c in f.columns:
            teacher = f"`Teacher_{c.teacher_column}`" if c.teacher_column else (
                "(not learned; flagged)" if c.has_domain_flag else "(not learned)")
            lines.append(f"| `Surrogate_{c.name}` | {c.unit or '1'} | {c.description} | {teacher} | "
                         f"{c.bundle or ''} |")
        lines += ["", "Learned (and flagged) columns come with `Surrogate_<name>_inDomain`.", ""]
        if f.collections:
            lines += ["Collections: " + ", ".join(f"`{c}_*`" for c in f.collections) + ".", ""]
        if f.options:
            lines += ["| option | commands | default | meaning |", "|---|---|---|---|"]
            for o in f.options:
                default = "" if o.default is None else f"`{format_default(o.default)}`"
                lines.append(f"| `{'/'.join(o.flags)}` | {', '.join(o.commands)} | {default} | {o.help} |")
            lines.append("")
    return "\n".join(lines)


def _api_pages() -> dict[str, str]:
    pages = {}
    for root in PACKAGES:
        title = root.removeprefix("hepsurrogates.") if root != "hepsurrogates" else "hepsurrogates (core)"
        lines = [f"# `{root}`: {title}", "", "```{eval-rst}", f".. automodule:: {root}", "   :no-members:", "```", ""]
        for name in _modules(root):
            lines += [f"## `{name}`", "", "```{eval-rst}", f".. automodule:: {name}", "```", ""]
        pages[root] = "\n".join(lines)
    return pages


def _bad_input_page() -> str:
    import json

    cases = json.loads((DOCS / "bad_input_cases.json").read_text())["cases"]
    lines = ["| mistake | command | exit code | the message says |", "|---|---|---|---|"]
    for c in cases:
        command = "hepsurrogates " + " ".join(c["argv"])
        every = " (every executor)" if c.get("executors") else ""
        lines.append(f"| {c['mistake']}{every} | `{command}` | {c['exit']} | … {c['message']} … |")
    return "\n".join(lines) + "\n"


def generate(app: object | None = None) -> None:
    """Write the generated pages (module docstring)."""
    _write(GENERATED / "cli.md", _cli_page())
    _write(GENERATED / "bad_input_table.md", _bad_input_page())
    _write(GENERATED / "families.md", _families_page())
    for root, text in _api_pages().items():
        _write(GENERATED / "api" / f"{root}.md", text)
    import render

    for p in render.render_docs(GENERATED / "tmp"):
        _write(GENERATED / p.name, p.read_text())
        p.unlink()
    (GENERATED / "tmp").rmdir()


_CODE = re.compile(r"(``.*?``|`[^`]*`)", re.S)


def _escape(paragraph: list[str]) -> list[str]:
    """``paragraph`` (lines) with the bars outside code and inline-math spans escaped (spans may
    cross line breaks); the number of lines is unchanged."""
    parts = _CODE.split("\x00".join(paragraph))  # a separator no docstring line holds
    text = "".join(p if k % 2 else re.sub(r"(?<!\\)\|", r"\\|", p) for k, p in enumerate(parts))
    return text.split("\x00")


def escape_bars(app: object, what: str, name: str, obj: object, options: object, lines: list[str]) -> None:
    """The docstrings write |M|² and |det J| in prose, which reStructuredText reads as substitution
    references: escape the bars outside code and math spans, grid tables, literal and math blocks,
    and doctests."""
    keep = [False] * len(lines)  # lines left as they are
    block_indent: int | None = None  # the indentation of the line that opened a literal or math block
    in_table = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                keep[i] = True
                continue
            block_indent = None
        if stripped.startswith(("+-", "+=")):
            in_table = True
        if in_table and stripped.startswith(("+", "|")):
            keep[i] = True
            continue
        in_table = False
        keep[i] = stripped.startswith((">>>", "...")) or ".. math::" in line or not stripped
        if ".. math::" in line or line.rstrip().endswith("::"):
            block_indent = indent
    start = None
    for i in range(len(lines) + 1):
        if i < len(lines) and not keep[i]:
            start = i if start is None else start
            continue
        if start is not None:
            lines[start:i] = _escape(lines[start:i])
            start = None


def setup(app: object) -> None:
    app.connect("builder-inited", generate)  # type: ignore[attr-defined]
    app.connect("autodoc-process-docstring", escape_bars)  # type: ignore[attr-defined]
