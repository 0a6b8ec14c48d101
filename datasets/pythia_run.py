"""Run Pythia 8 (``pythia8mc``) for one chunk and copy its event records into flat numpy arrays.

The whole hadron-level record (``pythia.event``) and the hard-process record
(``pythia.process``) of every event are kept, flat, with per-event counts; everything after
this step (gen-level flags, jets, detector) is columnar.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hepsurrogates.exceptions import GenerationError

__all__ = [
    "ParticleRecord", "RawEvents", "PythiaRun", "MAX_PYTHIA_SEED", "PROCESS_INFO_FIELDS", "process_rows",
]

#: Pythia's seeds must lie in [1, 900 000 000].
MAX_PYTHIA_SEED = 900_000_000

_INT_FIELDS = ("id", "status", "mother1", "mother2", "pol")
_FLOAT_FIELDS = ("px", "py", "pz", "e", "m")
#: Hard-process columns that :meth:`PythiaRun.generate` also puts in ``RawEvents.info`` as
#: per-event rows ``process_<field>`` (see :func:`process_rows`), for the samples' teachers.
PROCESS_INFO_FIELDS = ("id", "status", "mother1", "mother2", "px", "py", "pz", "e", "m")


@dataclass
class ParticleRecord:
    """A Pythia event record for many events: flat columns plus per-event ``counts``.

    Indices (``mother1``, ``mother2``) are Pythia's, local to each event (0 is the "system"
    entry). ``pol`` (helicity, 9 = undefined) is read for the hard-process record only and is
    9 in the hadron-level record, where nothing downstream needs it.
    """

    counts: np.ndarray
    id: np.ndarray
    status: np.ndarray
    mother1: np.ndarray
    mother2: np.ndarray
    pol: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    m: np.ndarray
    charge: np.ndarray

    @property
    def offsets(self) -> np.ndarray:
        """Start of each event in the flat arrays (length n_events + 1)."""
        return np.concatenate([[0], np.cumsum(self.counts)])

    @property
    def n_events(self) -> int:
        return int(len(self.counts))


def process_rows(record: ParticleRecord) -> dict[str, np.ndarray]:
    """A record as per-event rows: ``process_<field>`` arrays of shape (n_events, n_max).

    Row ``i`` holds event ``i``'s record in Pythia's order, so column ``j`` is Pythia's index
    ``j`` (0 the "system" entry) and ``mother1``/``mother2`` index the same row. Rows shorter
    than the longest event are padded with zeros (``id`` 0 and ``status`` 0 mark padding).
    One vectorised scatter; meant for the hard-process record (about 10–20 entries per event).

    Example:
        >>> import numpy as np
        >>> ints = {k: np.array([90, 21, 90]) for k in ("id", "status", "mother1", "mother2", "pol")}
        >>> floats = {k: np.zeros(3) for k in ("px", "py", "pz", "e", "m", "charge")}
        >>> rec = ParticleRecord(counts=np.array([2, 1]), **ints, **floats)
        >>> process_rows(rec)["process_id"].tolist()
        [[90, 21], [90, 0]]
    """
    n_max = int(record.counts.max()) if record.n_events else 0
    event_of = np.repeat(np.arange(record.n_events), record.counts)
    slot = np.arange(len(record.id)) - record.offsets[:-1][event_of]
    rows: dict[str, np.ndarray] = {}
    for name in PROCESS_INFO_FIELDS:
        column = getattr(record, name)
        table = np.zeros((record.n_events, n_max), dtype=column.dtype)
        table[event_of, slot] = column
        rows[f"process_{name}"] = table
    return rows


@dataclass
class RawEvents:
    """What Pythia produced for a chunk: both records and per-event generator information.

    ``info`` maps names to arrays whose first axis is the event: Pythia ``Info`` scalars
    (``x1``, ``x2``, ``id1``, ``id2``, ``QFac``, ``weight``, ``mHat``, ``code``) and the
    hard-process record as padded rows (``process_id`` ... ``process_m``, see
    :func:`process_rows`), which is what a sample's ``teacher`` receives.
    """

    event: ParticleRecord
    process: ParticleRecord
    info: dict[str, np.ndarray]
    sigma_gen_mb: float
    sigma_err_mb: float
    n_failed: int
    seconds_next: float = 0.0
    seconds_copy: float = 0.0


def _extract(record: Any, with_pol: bool) -> tuple[np.ndarray, np.ndarray]:
    """Copy a record into (int columns, float columns); one Python pass, the hot loop."""
    if with_pol:
        rows = [
            (q.id(), q.status(), q.mother1(), q.mother2(), q.pol(),
             q.px(), q.py(), q.pz(), q.e(), q.m())
            for q in record
        ]
    else:
        rows = [
            (q.id(), q.status(), q.mother1(), q.mother2(), 9,
             q.px(), q.py(), q.pz(), q.e(), q.m())
            for q in record
        ]
    arr = np.asarray(rows, dtype=np.float64)
    return arr[:, :5].astype(np.int32), arr[:, 5:]


class PythiaRun:
    """One initialised Pythia instance for a process, a seed and optional user hooks.

    Args:
        settings: Pythia ``readString`` lines (the seed is added here).
        seed: Pythia seed in [1, 900 000 000].
        hooks: called with the (not yet initialised) Pythia instance; returns a
            ``pythia8mc.UserHooks`` or ``None``.
    """

    def __init__(
        self,
        settings: Sequence[str],
        seed: int,
        hooks: Callable[[Any], Any] | None = None,
    ) -> None:
        import pythia8mc

        if not 1 <= seed <= MAX_PYTHIA_SEED:
            raise GenerationError(f"Pythia seed must lie in [1, {MAX_PYTHIA_SEED}], got {seed}")
        self.settings = [*settings, "Random:setSeed = on", f"Random:seed = {seed}"]
        self.pythia = pythia8mc.Pythia("", False)
        for line in self.settings:
            if not self.pythia.readString(line):
                raise GenerationError(f"Pythia rejected the setting {line!r}")
        self._hooks = hooks(self.pythia) if hooks is not None else None
        if self._hooks is not None:
            self.pythia.setUserHooksPtr(self._hooks)
        if not self.pythia.init():
            raise GenerationError(
                "Pythia initialisation failed for settings:\n  " + "\n  ".join(self.settings)
            )
        self._charge_cache: dict[int, float] = {}

    def _charges(self, ids: np.ndarray) -> np.ndarray:
        uniq, inverse = np.unique(ids, return_inverse=True)
        pdt = self.pythia.particleData
        vals = np.empty(len(uniq))
        for k, pid in enumerate(uniq.tolist()):
            if pid not in self._charge_cache:
                self._charge_cache[pid] = pdt.charge(pid)
            vals[k] = self._charge_cache[pid]
        return vals[inverse].astype(np.float32)

    def _record(self, chunks: list[tuple[np.ndarray, np.ndarray]]) -> ParticleRecord:
        ints = np.concatenate([c[0] for c in chunks])
        flts = np.concatenate([c[1] for c in chunks])
        cols: dict[str, np.ndarray] = {n: ints[:, k] for k, n in enumerate(_INT_FIELDS)}
        cols.update({n: flts[:, k] for k, n in enumerate(_FLOAT_FIELDS)})
        return ParticleRecord(
            counts=np.asarray([len(c[0]) for c in chunks], dtype=np.int64),
            charge=self._charges(cols["id"]),
            **cols,
        )

    def generate(
        self,
        n_events: int,
        progress: Callable[[int], None] | None = None,
        max_failures: int = 100,
    ) -> RawEvents:
        """Generate ``n_events`` events; ``progress(k)`` is called every 100 events."""
        events: list[tuple[np.ndarray, np.ndarray]] = []
        procs: list[tuple[np.ndarray, np.ndarray]] = []
        keys = ("x1", "x2", "id1", "id2", "QFac", "weight", "mHat", "code")
        info: dict[str, list[float]] = {k: [] for k in keys}
        failed = consecutive = 0
        py = self.pythia
        t_next = t_copy = 0.0
        while len(events) < n_events:
            t0 = time.perf_counter()
            ok = py.next()
            t1 = time.perf_counter()
            t_next += t1 - t0
            if not ok:
                failed += 1
                consecutive += 1
                if consecutive >= max_failures:
                    raise GenerationError(
                        f"Pythia failed {consecutive} times in a row after {len(events)} events"
                    )
                continue
            consecutive = 0
            events.append(_extract(py.event, with_pol=False))
            procs.append(_extract(py.process, with_pol=True))
            pinfo = py.infoPython()
            info["x1"].append(pinfo.x1())
            info["x2"].append(pinfo.x2())
            info["id1"].append(pinfo.id1())
            info["id2"].append(pinfo.id2())
            info["QFac"].append(pinfo.QFac())
            info["weight"].append(pinfo.weight())
            info["mHat"].append(pinfo.mHat())
            info["code"].append(pinfo.code())
            t_copy += time.perf_counter() - t1
            if progress is not None and len(events) % 100 == 0:
                progress(100)
        if progress is not None and len(events) % 100:
            progress(len(events) % 100)
        pinfo = py.infoPython()
        process = self._record(procs)
        return RawEvents(
            event=self._record(events),
            process=process,
            info={
                **{k: np.asarray(v, dtype=np.int32 if k in ("id1", "id2", "code") else np.float64)
                   for k, v in info.items()},
                **process_rows(process),
            },
            sigma_gen_mb=float(pinfo.sigmaGen()),
            sigma_err_mb=float(pinfo.sigmaErr()),
            n_failed=failed,
            seconds_next=t_next,
            seconds_copy=t_copy,
        )

