"""Training samples: read from a fileset, or generated with the config's settings when absent.

A :class:`DataSpec` names a sample (process, events, seed, generator options) or an existing
fileset. :func:`resolve` returns its ROOT files; when the sample is not on disk under
``samples_dir/<sample>_seed<seed>_n<events>[_<option><value>…]`` it is generated there first
(:func:`hepsurrogates.datasets.generate`, every core), so one ``hepsurrogates train`` command
rebuilds a shipped bundle from nothing. ``detector_replica`` R > 0 asks for the same generated
events through an independent detector smearing (dataset ``<sample>_r<R>`` of the same fileset).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hepsurrogates.exceptions import InvalidArgumentError, SchemaError
from hepsurrogates.fileset import load_fileset

__all__ = ["DataSpec", "resolve", "resolve_all", "files_from", "one_fileset"]


def files_from(data: str | Path | Sequence[str | Path], dataset: str | None = None) -> list[str]:
    """ROOT files from a fileset JSON (optionally one dataset of it), a directory or a list."""
    if isinstance(data, (str, Path)):
        p = Path(data)
        if p.suffix == ".json":
            fileset = load_fileset(p)
            names = [dataset] if dataset else sorted(fileset)
            if dataset and dataset not in fileset:
                raise SchemaError(f"{p} has no dataset {dataset!r} (datasets: {sorted(fileset)})")
            return sorted(f for n in names for f in fileset[n]["files"])
        if p.is_dir():
            return sorted(str(f) for f in p.glob("*.root"))
        return [str(p)]
    return [str(f) for f in data]


@dataclass
class DataSpec:
    """A sample to read (``fileset``) or, when absent, to generate with these settings
    (``options``: the sample's generator options, e.g. ``{"mass_max": 250}``)."""

    sample: str
    events: int
    seed: int
    chunk_size: int = 4000
    options: dict[str, float] | None = None
    fileset: str | None = None

    def directory(self, samples_dir: Path) -> Path:
        opts = "".join(f"_{k}{v:g}" for k, v in sorted((self.options or {}).items()))
        return samples_dir / f"{self.sample}_seed{self.seed}_n{self.events}{opts}"


def resolve(spec: DataSpec, samples_dir: Path, progress: bool, detector_replica: int = 0) -> list[str]:
    """The files of ``spec`` (generated first when absent; module docstring).

    Raises:
        SchemaError: the sample's directory holds files but no fileset (a generation running
            there or interrupted), or the fileset lacks the dataset asked for.
    """
    dataset = spec.sample if detector_replica == 0 else f"{spec.sample}_r{detector_replica}"
    if spec.fileset:
        return files_from(spec.fileset, dataset)
    target = spec.directory(samples_dir)
    fileset = target / "fileset.json"
    present = fileset.is_file() and dataset in load_fileset(fileset)
    if not present:
        if not fileset.is_file() and target.exists() and any(target.iterdir()):
            raise SchemaError(
                f"{target} holds files but no fileset.json: a generation is running there or did "
                "not finish; wait for it or remove the directory"
            )
        from hepsurrogates.datasets import generate

        generate(
            spec.sample,
            spec.events,
            seed=spec.seed,
            out_dir=target,
            workers=max(1, os.cpu_count() or 1),
            chunk_size=spec.chunk_size,
            options=spec.options,
            progress=progress,
            detector_replica=detector_replica,
        )
    return files_from(fileset, dataset)


def one_fileset(data: Sequence[str] | None, family: str) -> str | None:
    """The one ``--data`` fileset of ``train <family>`` (None: the config's samples).

    Raises:
        InvalidArgumentError: more than one fileset given.
    """
    if data and len(data) > 1:
        raise InvalidArgumentError(f"train {family} takes one --data fileset")
    return data[0] if data else None


def resolve_all(specs: Sequence[DataSpec], samples_dir: Path, progress: bool) -> list[str]:
    """The files of every spec, in order."""
    return [f for spec in specs for f in resolve(spec, samples_dir, progress)]
