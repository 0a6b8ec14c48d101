"""Write a chunk as a NanoAOD-style ROOT file (``Events`` tree), atomically, with provenance.

Branch naming follows CMS NanoAOD (``nMuon``, ``Muon_pt`` ...), so files open with coffea's
``NanoAODSchema``. The file is first written as ``<name>.part`` and renamed only when
complete: a crash or an interrupt never leaves a file that looks finished. Provenance (sample,
options, Pythia settings, seeds, detector version, code revision, package versions) is stored
as a JSON ``TObjString`` called ``provenance`` in the same file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import uproot

from hepsurrogates.exceptions import OutputNotWritableError

from .detector import RecoLevel
from .genjets import GenJets
from .genrecord import GenLevel

__all__ = ["assemble_branches", "write_events", "read_provenance", "PROVENANCE_KEY"]

PROVENANCE_KEY = "provenance"


def assemble_branches(
    gen: GenLevel,
    genjets: GenJets,
    reco: RecoLevel,
    run: int,
    lumi_block: int,
    first_event: int,
    teacher: Mapping[str, np.ndarray],
) -> dict[str, Any]:
    """The ``Events`` content of a chunk: collections as jagged records, the rest flat."""
    n = gen.n_events
    jets = genjets.jets
    if len(ak.fields(jets)):
        written = jets[jets.written]
        genjet = ak.zip(
            {
                "pt": ak.values_astype(written.pt, np.float32),
                "eta": ak.values_astype(written.eta, np.float32),
                "phi": ak.values_astype(written.phi, np.float32),
                "mass": ak.values_astype(written.mass, np.float32),
                "hadronFlavour": ak.values_astype(written.hadronFlavour, np.uint8),
            }
        )
    else:  # a chunk without any particle to cluster
        genjet = ak.unflatten(
            ak.zip({k: np.zeros(0, np.float32) for k in ("pt", "eta", "phi", "mass")}
                   | {"hadronFlavour": np.zeros(0, np.uint8)}),
            np.zeros(n, dtype=np.int64),
        )
    branches: dict[str, Any] = {
        "run": np.full(n, run, dtype=np.uint32),
        "luminosityBlock": np.full(n, lumi_block, dtype=np.uint32),
        "event": np.arange(first_event, first_event + n, dtype=np.uint64),
        **reco.collections,
        "GenPart": gen.genpart,
        "GenJet": genjet,
        "GenVisTau": gen.genvistau,
        "LHEPart": gen.lhepart,
        "GenMET_pt": gen.genmet_pt.astype(np.float32),
        "GenMET_phi": gen.genmet_phi.astype(np.float32),
        **{f"Generator_{k}": v for k, v in gen.generator.items()},
        "genWeight": gen.generator["weight"],
        **reco.columns,
        **{f"Teacher_{k}": np.asarray(v) for k, v in teacher.items()},
    }
    return branches


def write_events(path: str | os.PathLike[str], branches: Mapping[str, Any],
                 provenance: Mapping[str, Any]) -> Path:
    """Write ``Events`` and the provenance to ``path`` atomically.

    Raises:
        OutputNotWritableError: the directory cannot be written.
    """
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        with uproot.recreate(part) as f:
            # mktree, not assignment: uproot >= 5.7 writes an RNTuple on assignment, and
            # NanoAOD (and coffea's NanoAODSchema readers of this era) are TTree-based.
            f.mktree("Events", dict(branches))
            f[PROVENANCE_KEY] = json.dumps(provenance, sort_keys=True)
        os.replace(part, path)
    except PermissionError as err:
        part.unlink(missing_ok=True)
        raise OutputNotWritableError(f"cannot write {path}: {err.strerror}") from err
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def read_provenance(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The provenance record stored in a file written by :func:`write_events`."""
    with uproot.open(path) as f:
        return json.loads(str(f[PROVENANCE_KEY]))
