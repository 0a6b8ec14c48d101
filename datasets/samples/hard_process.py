"""Vectorised look-ups of hard-process particles for the samples' teacher columns.

A sample's ``teacher`` receives the hard-process record (Pythia's ``pythia.process``: the
incoming partons, the hard scattering and its resonance decays, before ISR, FSR, MPI and
hadronisation) as per-event rows ``process_<field>`` of shape (n_events, n_max) (see
:func:`hepsurrogates.datasets.pythia_run.process_rows`). The functions here find one particle
per event by its PDG code and Pythia status class, check mother links, and return
four-momenta as ``<name>_px/_py/_pz/_e`` columns, all in numpy without a loop over events.

Pythia status codes used (Pythia 8 manual, "Particle Properties"): 21 incoming parton of the
hard process; 22 intermediate resonance (negative, −22, once it has decayed); 23 outgoing.

Example:
    >>> import numpy as np
    >>> info = {"process_id": np.array([[90, 21, 21, 25, 15, -15]]),
    ...         "process_status": np.array([[-11, -21, -21, -22, 23, 23]]),
    ...         "process_mother1": np.array([[0, 0, 0, 1, 3, 3]])}
    >>> info |= {f"process_{c}": np.zeros((1, 6)) for c in ("px", "py", "pz", "e", "m")}
    >>> tau = find_unique(info, (15,), OUTGOING, "tau-")
    >>> higgs = find_unique(info, (25,), RESONANCE, "H")
    >>> tau.tolist(), higgs.tolist()
    ([4], [3])
    >>> require_mother(info, tau, higgs, "tau-", "H")
    >>> sorted(four_momentum(info, tau, "tauminus"))
    ['tauminus_e', 'tauminus_px', 'tauminus_py', 'tauminus_pz']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hepsurrogates.exceptions import GenerationError

__all__ = ["OUTGOING", "RESONANCE", "find_unique", "require_mother", "four_momentum", "take", "initial_state"]

#: Status class of outgoing (undecayed) hard-process particles: Pythia status 23.
OUTGOING = "outgoing"
#: Status class of intermediate resonances: Pythia status ±22.
RESONANCE = "resonance"


def _status_mask(status: np.ndarray, kind: str) -> np.ndarray:
    if kind == OUTGOING:
        return status == 23
    if kind == RESONANCE:
        return np.abs(status) == 22
    raise ValueError(f"status class must be {OUTGOING!r} or {RESONANCE!r}, got {kind!r}")


def find_unique(info: Mapping[str, np.ndarray], pdg_ids: Sequence[int], kind: str, what: str) -> np.ndarray:
    """Row position of the one particle per event with a code in ``pdg_ids`` and status ``kind``.

    Args:
        info: the per-event generator information with the ``process_*`` rows.
        pdg_ids: accepted signed PDG codes (e.g. ``(-11, -13)`` for ℓ⁺ = e⁺ or μ⁺).
        kind: :data:`OUTGOING` or :data:`RESONANCE`.
        what: the particle's name, for the error message.

    Raises:
        GenerationError: some event has none or more than one such particle (the generator
            settings do not produce the process the teacher assumes).
    """
    mask = np.isin(info["process_id"], pdg_ids) & _status_mask(info["process_status"], kind)
    found = mask.sum(axis=1)
    bad = np.nonzero(found != 1)[0]
    if bad.size:
        raise GenerationError(
            f"expected exactly one {what} (PDG {list(pdg_ids)}, {kind}) in the hard process of "
            f"every event; {bad.size} of {len(found)} events differ (first: event {bad[0]} has "
            f"{found[bad[0]]})"
        )
    return mask.argmax(axis=1)


def take(info: Mapping[str, np.ndarray], field: str, index: np.ndarray) -> np.ndarray:
    """``process_<field>`` of the particle at row position ``index`` in each event."""
    return np.take_along_axis(info[f"process_{field}"], index[:, None], axis=1)[:, 0]


def require_mother(info: Mapping[str, np.ndarray], child: np.ndarray, mother: np.ndarray,
                   child_name: str, mother_name: str) -> None:
    """Check that ``child``'s first mother is ``mother`` in every event.

    Raises:
        GenerationError: the decay chain is not the one the teacher assumes.
    """
    bad = np.nonzero(take(info, "mother1", child) != mother)[0]
    if bad.size:
        raise GenerationError(
            f"the {child_name} of the hard process does not come from the {mother_name} in "
            f"{bad.size} of {len(child)} events (first: event {bad[0]})"
        )


def four_momentum(info: Mapping[str, np.ndarray], index: np.ndarray, name: str) -> dict[str, np.ndarray]:
    """``{name}_px, _py, _pz, _e`` (GeV, float64) of the particle at ``index`` in each event."""
    return {f"{name}_{c}": take(info, c, index).astype(np.float64) for c in ("px", "py", "pz", "e")}


def initial_state(info: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The incoming partons of every event: momentum fractions ``x1``, ``x2`` (float64) and PDG
    codes ``id1``, ``id2`` (int32), from Pythia's ``Info`` (beam 1 along +z)."""
    return {
        "x1": np.asarray(info["x1"], dtype=np.float64),
        "x2": np.asarray(info["x2"], dtype=np.float64),
        "id1": np.asarray(info["id1"], dtype=np.int32),
        "id2": np.asarray(info["id2"], dtype=np.int32),
    }
