"""Columnar fastsim training data: gen-level inputs and their reco-level partners from NanoAOD samples.

Uses the one feature definition (:mod:`hepsurrogates.models.fastsim.features`) on each file in
eager mode: ``x`` (n × 9, gen level), ``y`` (n × 9, reco level of the reconstructed partners),
the event identity (``run``, ``luminosityBlock``, ``event``: the counter of the sampling noise),
and the counts the report quotes (events read, events with both gen objects, events where both
were reconstructed: the reconstruction efficiency the conditional models do not learn).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import awkward as ak
import numpy as np

from hepsurrogates.exceptions import MissingBranchError, SchemaError
from hepsurrogates.models.fastsim.features import (
    FEATURE_BRANCHES,
    GEN_NAMES,
    RECO_BRANCHES,
    RECO_NAMES,
    gen_inputs,
    reco_targets,
)
from hepsurrogates.nanoio import open_events

__all__ = ["FastSimDataset", "load_fastsim_dataset"]


@dataclass
class FastSimDataset:
    """Events with both gen objects reconstructed (module docstring)."""

    x: np.ndarray
    y: np.ndarray
    run: np.ndarray
    lumi: np.ndarray
    event: np.ndarray
    n_read: int
    n_gen_valid: int

    def __len__(self) -> int:
        return len(self.x)

    @property
    def efficiency(self) -> float:
        """The fraction of gen-selected events whose muon and jet were both reconstructed."""
        return len(self) / self.n_gen_valid if self.n_gen_valid else float("nan")

    def subset(self, idx: np.ndarray) -> FastSimDataset:
        return FastSimDataset(self.x[idx], self.y[idx], self.run[idx], self.lumi[idx], self.event[idx],
                              self.n_read, self.n_gen_valid)


def load_fastsim_dataset(files: Sequence[str], progress: bool = True) -> FastSimDataset:
    """Read ``files`` (gen and reco level) and keep the events with both partners reconstructed.

    Raises:
        SchemaError: no file given.
        MissingBranchError: a file lacks a gen- or reco-level branch (named, with the file).
    """
    from tqdm.auto import tqdm

    files = list(files)
    if not files:
        raise SchemaError("no input files for the fastsim dataset")
    parts: list[dict[str, np.ndarray]] = []
    n_read = n_valid = 0
    for f in tqdm(files, desc="read fastsim inputs", unit="file", disable=not progress, leave=False):
        try:
            events = open_events(f, mode="eager", required=(*FEATURE_BRANCHES, *RECO_BRANCHES))
        except MissingBranchError as err:
            raise MissingBranchError(err.source + " (fastsim training needs gen and reco level)", err.missing) from None
        n_read += len(events)
        gen = gen_inputs(events)
        reco, found = reco_targets(events, gen)
        n_valid += int(ak.sum(gen.valid))
        keep = ak.to_numpy(found)
        parts.append({
            "x": np.stack([ak.to_numpy(gen.columns[n]) for n in GEN_NAMES], axis=1)[keep],
            "y": np.stack([ak.to_numpy(reco[n]) for n in RECO_NAMES], axis=1)[keep],
            "run": ak.to_numpy(events.run)[keep], "lumi": ak.to_numpy(events.luminosityBlock)[keep],
            "event": ak.to_numpy(events.event)[keep],
        })
    m = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return FastSimDataset(m["x"].astype(np.float32), m["y"].astype(np.float32), m["run"], m["lumi"], m["event"],
                          n_read, n_valid)
