"""Render the benchmark tables of the docs and the README's headline table from benchmarks/results/*.json.

No number in the README or the docs is copied by hand: they are rendered here from the JSON the
benchmark commands write. Each family's tables live in ``benchmarks/<family>/tables.py``
(``tables(results) -> {title: markdown}`` and ``headline(results) -> [row]``); the samples'
tables are below.

    python benchmarks/render.py --docs docs/_generated   # the docs' benchmark pages (the docs build runs this)
    python benchmarks/render.py --readme                 # rewrite the README's headline block
    python benchmarks/render.py --check                  # exit 1 when the README's block is stale
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
START, END = "<!-- headline:start (python benchmarks/render.py --readme) -->", "<!-- headline:end -->"


def load_results(directory: Path = RESULTS) -> dict[str, Any]:
    """``{stem: parsed JSON}`` of every result file."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def fmt(value: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, thousands separated by thin spaces."""
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}g}"


def _family_module(name: str) -> ModuleType | None:
    path = ROOT / "benchmarks" / name / "tables.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"_bench_tables_{name}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def family_tables() -> dict[str, ModuleType]:
    """The benchmark folders with a ``tables.py``, by name: the registered families in registry order,
    then the folders of families still being built (``ratio``), sorted."""
    from hepsurrogates.families import REGISTRY

    others = sorted(p.parent.name for p in (ROOT / "benchmarks").glob("*/tables.py") if p.parent.name not in REGISTRY)
    return {name: m for name in (*REGISTRY, *others) if (m := _family_module(name)) is not None}


def sample_tables(results: dict[str, Any]) -> dict[str, str]:
    """Generation speed and the validation of the samples against PDG and the detector model."""
    out = {}
    if "generation" in results:
        g = results["generation"]
        rows = [[name, fmt(s["total_events_per_second_per_worker"]), fmt(100 * s["stage_share"]["pythia"], 2) + " %",
                 fmt(s["parallel"]["events_per_second"]), fmt(s["parallel"]["speedup_vs_one_worker_wall"])]
                for name, s in g["samples"].items()]
        out["Sample generation (`python benchmarks/bench_generation.py --events 2000 --out benchmarks/results/"
            "generation.json`)"] = md_table(["sample", "events/s per worker", "Pythia's share", "events/s, 2 workers",
                                             "speed-up"], rows)
    if "sample_validation" in results:
        v = results["sample_validation"]
        rows = [[f"τ → {k}", f"{100 * d['fraction']:.2f} % (PDG {100 * d['pdg']:.2f} %)", f"pull {d['pull']:+.2f}"]
                for k, d in v["tau_decays"].items() if isinstance(d, dict)]
        fm = v["flat_mass"]
        rows.append(["flat generated mass", f"χ² = {fm['chi2']:.1f} / {fm['ndf']}", f"p = {fm['p_value']:.2f}"])
        for key, label in (
            ("met_pull_chi2", "MET pull ⟨χ²⟩ (2 expected)"),
            ("muon_pull_core_width", "muon pT pull width"),
            ("jet_pull_core_width", "jet pT pull width"),
            ("tau_id_efficiency", "τ_h ID efficiency"),
        ):
            d = v[key]
            value = d.get("mean", d.get("value"))
            rows.append([label, f"{value:.3f} ± {d['error']:.3f}", f"expected {d['expected']}"])
        out[
            "Sample validation (`python benchmarks/validate_samples.py --htautau F --dy F --files 3 --out "
            "benchmarks/results/sample_validation.json`)"
        ] = md_table(["check", "measured", "reference"], rows)
    return out


def headline(results: dict[str, Any]) -> str:
    """The README's table: one or more rows per family."""
    rows = []
    for module in family_tables().values():
        rows += module.headline(results)
    return md_table(["family", "surrogate against its teacher", "accuracy", "command"], rows)


def render_docs(out_dir: Path, results: dict[str, Any] | None = None) -> list[Path]:
    """``benchmarks_<family>.md`` and ``benchmarks_samples.md`` under ``out_dir``."""
    results = load_results() if results is None else results
    out_dir.mkdir(parents=True, exist_ok=True)
    pages: dict[str, dict[str, str]] = {name: m.tables(results) for name, m in family_tables().items()}
    pages["samples"] = sample_tables(results)
    written = []
    for name, tables in pages.items():
        text = [
            f"# Benchmarks: {name}",
            "",
            "Rendered from `benchmarks/results/*.json` by `benchmarks/render.py` when the docs are built; each "
            "heading names the command that writes the JSON. Ratios are measured within one run on the "
            "project's 2-core machines; absolute times drift from machine to machine.",
            "",
        ]
        for title, table in tables.items():
            text += [f"## {title}", "", table, ""]
        path = out_dir / f"benchmarks_{name}.md"
        path.write_text("\n".join(text))
        written.append(path)
    return written


def readme_block(readme: str, results: dict[str, Any]) -> tuple[str, str]:
    """(the README with its headline block rendered, the block as it is now)."""
    if START not in readme or END not in readme:
        raise SystemExit(f"README.md has no {START} ... {END} block")
    head, rest = readme.split(START, 1)
    current, tail = rest.split(END, 1)
    return head + START + "\n" + headline(results) + "\n" + END + tail, current.strip()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=Path, help="write the benchmark pages into this directory")
    ap.add_argument("--readme", action="store_true", help="rewrite README.md's headline block")
    ap.add_argument("--check", action="store_true", help="exit 1 when README.md's headline block is stale")
    args = ap.parse_args(argv)
    results = load_results()
    if args.docs:
        for p in render_docs(args.docs, results):
            print(p)
    readme_path = ROOT / "README.md"
    if args.readme or args.check:
        new, current = readme_block(readme_path.read_text(), results)
        if args.check:
            fresh = current == headline(results).strip()
            print(
                "README headline block is "
                + ("up to date" if fresh else "stale: run python benchmarks/render.py --readme")
            )
            return 0 if fresh else 1
        readme_path.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
