"""Record the training domain (card schema 1.1.0) in a bundle trained before the domain existed.

The graph is not touched (its sha256 stays); the card gains ``domain`` (and, when given, the
``training.teacher_options`` of its targets) and moves to schema 1.1.0, and the bundle is written
again with the new card embedded and beside it. The rows come from the bundle's own training
samples, regenerated with the seeds its card records (generation is deterministic per seed):

* ``ditau``: the training split of ``train ditau`` (same loader, mass window and split seed), or,
  with ``--data``, every selected event of the given filesets in the config's mass window (e.g. the
  first chunks of the training samples, regenerated chunk by chunk with the same seeds);
* ``mem``: every ℓℓbb event of the training filesets (the split of ``train mem`` also needs the
  teacher's convergence flags, which excluded about 10 % of the events; those are included here),
  for H → ZA once per mass point of the card's training grid.

Run as ``python -m hepsurrogates.training.backfill_domain --help``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.models.bundle import ModelBundle, embed_card

from .domain import input_domain

__all__ = ["backfill", "ditau_rows", "ditau_file_rows", "mem_rows", "main"]


def ditau_rows(config: str | Path, samples_dir: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray], str]:
    """The train split (and the validation and test splits) of ``train ditau --config config``."""
    from .ditau.data import load_ditau_dataset
    from .ditau.train import DiTauTrainConfig
    from .fit import split_indices
    from .samples import resolve_all

    cfg = DiTauTrainConfig.from_json(config)
    data = load_ditau_dataset(resolve_all(cfg.train_data, Path(samples_dir), False), progress=False)
    data = data.subset(np.nonzero((data.target >= cfg.m_min) & (data.target <= cfg.m_max))[0])
    i_train, i_val, i_test = split_indices(len(data), tuple(cfg.split), cfg.seed)
    return (data.x[i_train], {"validation": data.x[i_val], "test": data.x[i_test]},
            f"training split, {len(i_train)} events (the samples of {Path(config).name}, regenerated)")


def ditau_file_rows(config: str | Path, filesets: Sequence[str]) -> tuple[np.ndarray, str]:
    """Every event with a di-τ pair in the config's mass window, from the files of ``filesets``."""
    from hepsurrogates.fileset import load_fileset

    from .ditau.data import load_ditau_dataset
    from .ditau.train import DiTauTrainConfig

    cfg = DiTauTrainConfig.from_json(config)
    files = sorted(f for fs in filesets for ds in load_fileset(fs).values() for f in ds["files"])
    data = load_ditau_dataset(files, progress=False)
    data = data.subset(np.nonzero((data.target >= cfg.m_min) & (data.target <= cfg.m_max))[0])
    names = ", ".join(Path(f).name for f in files)
    return data.x, f"{len(data)} events with a di-tau pair of the regenerated training files {names}"


def mem_rows(filesets: Sequence[tuple[str, int | None]], points: Sequence[tuple[float, float]] = ()
             ) -> tuple[np.ndarray, str]:
    """The MEM features of every ℓℓbb event of the filesets (the first ``max_events`` entries of each
    dataset, files in order, as ``teach mem --max-events``), once per mass point if ``points``."""
    import warnings

    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.families.mem.llbb import select_llbb
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.models.mem.features import mem_feature_matrix
    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    blocks = []
    for fileset, max_events in filesets:
        for spec in load_fileset(fileset).values():
            left = max_events
            for path, tree in spec["files"].items():
                if left is not None and left <= 0:
                    break
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ev = NanoEventsFactory.from_root({path: tree}, schemaclass=PresentCollectionsNanoAODSchema,
                                                     mode="eager").events()
                if left is not None:
                    ev = ev[:left]
                    left -= len(ev)
                rec = select_llbb(ev)
                blocks.append(mem_feature_matrix(rec[np.asarray(rec.valid)]))
    x = np.concatenate(blocks).astype(np.float64)
    n = len(x)
    if points:
        x = np.concatenate([np.column_stack([x, np.full((n, 2), p)]) for p in points])
    return x, (f"every ll+bb event of the regenerated training filesets, {n} events"
               + (f" x {len(points)} mass points" if points else ""))


def backfill(path: str | Path, x: np.ndarray, source: str, others: dict[str, np.ndarray] | None = None,
             teacher_options: Any = None) -> ModelBundle:
    """Write the bundle at ``path`` again with its card's ``domain`` from rows ``x``."""
    import onnx

    bundle = ModelBundle.load(path)
    card = dict(bundle.card)
    card["schema_version"] = "1.1.0"
    card["domain"] = input_domain(x, bundle.feature_names, source=source, others=others)
    if teacher_options is not None:
        card["training"] = {**card["training"], "teacher_options": teacher_options}
    model = onnx.load_from_string(bundle.model_bytes)
    data = embed_card(model, card)
    p = Path(path)
    p.write_bytes(data)
    p.with_name(p.name.removesuffix(".onnx") + ".card.json").write_text(
        json.dumps(ModelBundle.from_bytes(data).card, indent=2, sort_keys=True) + "\n")
    return ModelBundle.load(p)


def _data(text: str) -> tuple[str, int | None]:
    path, _, cap = text.partition("@")
    return path, (int(cap) if cap else None)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m hepsurrogates.training.backfill_domain", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle", help="the bundle (.onnx) to update in place")
    ap.add_argument("--ditau-config", help="ditau: the bundle's training config (*.train.json)")
    ap.add_argument("--samples-dir", default="samples", help="ditau: where the config's samples are")
    ap.add_argument("--data", nargs="+", type=_data, metavar="FILESET[@MAX_EVENTS]",
                    help="mem: the training filesets (with teach mem's --max-events where it was used)")
    ap.add_argument("--teacher-options", help="JSON file with the teacher options of the targets")
    args = ap.parse_args(argv)
    bundle = ModelBundle.load(args.bundle)
    teacher = json.loads(Path(args.teacher_options).read_text()) if args.teacher_options else None
    if bundle.family == "ditau" and args.data:
        x, source = ditau_file_rows(args.ditau_config, [f for f, _ in args.data])
        others = None
    elif bundle.family == "ditau":
        x, others, source = ditau_rows(args.ditau_config, args.samples_dir)
    else:
        points = []
        for c in bundle.card["training"].get("teacher_columns", []):
            if c.startswith("memHZA_"):
                m_h, m_a = c.removeprefix("memHZA_").split("_")
                points.append((float(m_h.replace("p", ".")), float(m_a.replace("p", "."))))
        x, source = mem_rows(args.data, points)
        split = bundle.card["training"].get("n_events_split")
        if split:
            source += (f" (the card's train, validation and test splits hold {sum(split.values())} events: those "
                       "whose teacher converged)")
        others = None
    out = backfill(args.bundle, x, source, others, teacher)
    print(json.dumps({"bundle": out.path, "source": source,
                      "in_domain_fraction": out.card["domain"]["in_domain_fraction"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
