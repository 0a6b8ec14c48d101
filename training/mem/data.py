r"""MEM training data: the ℓℓbb inputs of a fileset joined to the teacher targets of ``teach mem``.

For every dataset the teacher computed (``hepsurrogates teach mem``, one parquet file per chunk
under ``TEACH/<dataset>/``, see :mod:`hepsurrogates.datasets.teachers.mem.teach`) the source files of the
fileset are read with coffea (NanoEvents in ``virtual`` mode, which loads only the branches the
selection touches, with the values of ``eager``; ``NanoAODSchema`` restricted to the collections
present, as the teacher reads them), the ℓℓbb interpretation
(:func:`hepsurrogates.families.mem.llbb.select_llbb`) and the one feature definition
(:func:`hepsurrogates.models.mem.features.mem_feature_matrix`) are computed, and the teacher
rows are joined on (source file, entry). The join is checked, not assumed:

* (file, entry) is unique among the teacher rows;
* inside the entry ranges the teacher finished (``manifest.json``), the entries with a valid ℓℓbb
  interpretation are exactly the teacher's entries (same selection, same file);
* ``run``, ``luminosityBlock``, ``event`` of every joined row agree.

Any violation raises :class:`~hepsurrogates.exceptions.SchemaError` naming the file. Events
outside the teacher's ranges (``--max-events``, failed chunks) are not read for training and are
counted in :attr:`MEMDataset.summary`.

Targets: y = −log10 W per hypothesis column (``memDY``, ``memTT``, ``memHZA_<mH>_<mA>``), the
teacher column of the same name (``Teacher_memDY`` holds −log10 W, as ``Surrogate_memDY``). An
event is excluded from the training rows of a column when its teacher integration did not
converge, or (converged) its weight was not finite (y NaN or −inf), or was 0 (y = +inf);
:meth:`MEMDataset.exclusions` counts each reason (in that order of precedence) so the numbers go
into the card; nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError
from hepsurrogates.families.mem.llbb import select_llbb
from hepsurrogates.fileset import load_fileset
from hepsurrogates.jsonout import load_json
from hepsurrogates.models.mem.features import FEATURE_NAMES, HZA_PARAMETERS, mem_feature_matrix
from hepsurrogates.nanoio import open_events

__all__ = ["MEMDataset", "MEMDesign", "load_mem_dataset", "hza_masses", "teacher_columns", "file_sha256"]

_SUFFIXES = ("_error", "_converged", "_neval")
_HZA = re.compile(r"^memHZA_(\d+)p(\d\d)_(\d+)p(\d\d)$")


def hza_masses(column: str) -> tuple[float, float]:
    """(M_H, M_A) in GeV of an H → ZA column: ``hza_masses("memHZA_261p40_150p50") == (261.4, 150.5)``.

    Raises:
        InvalidArgumentError: not an H → ZA column name.
    """
    m = _HZA.match(column)
    if not m:
        raise InvalidArgumentError(f"{column!r} is not an H->ZA teacher column (expected memHZA_<MH>p<dd>_<MA>p<dd>)")
    return float(f"{m[1]}.{m[2]}"), float(f"{m[3]}.{m[4]}")


def teacher_columns(fields: Sequence[str]) -> list[str]:
    """The hypothesis columns (``memDY`` …) among ``Teacher_*`` field names."""
    return [f[len("Teacher_"):] for f in fields if f.startswith("Teacher_") and not f.endswith(_SUFFIXES)]


def file_sha256(path: str | Path) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class MEMDesign:
    """Training rows: inputs ``x`` (M × width), targets ``y`` = −log10 W, and per row the event
    ``group`` (splits are made by event, so the mass points of one event never straddle them),
    the teacher ``column``, the ``dataset`` and the teacher's relative error."""

    x: np.ndarray
    y: np.ndarray
    group: np.ndarray
    column: np.ndarray
    dataset: np.ndarray
    rel_error: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    @classmethod
    def from_arrays(
        cls, x: np.ndarray, y: np.ndarray, column: str = "synthetic", dataset: str = "synthetic"
    ) -> MEMDesign:
        """One row per event (for synthetic targets)."""
        n = len(y)
        return cls(
            np.asarray(x, np.float32),
            np.asarray(y, np.float64),
            np.arange(n),
            np.full(n, column),
            np.full(n, dataset),
            np.zeros(n),
        )

    def subset(self, rows: np.ndarray) -> MEMDesign:
        return MEMDesign(
            self.x[rows], self.y[rows], self.group[rows], self.column[rows], self.dataset[rows], self.rel_error[rows]
        )


@dataclass
class MEMDataset:
    """Events with a ℓℓbb interpretation and teacher targets, one row per event.

    Attributes:
        x: (N, 14) float32 features in :data:`~hepsurrogates.models.mem.features.FEATURE_NAMES` order.
        columns: the hypothesis columns, e.g. ``("memDY", "memHZA_261p40_150p50")``.
        target, error: (N, K) teacher −log10 W and its 1σ error (log10 units).
        converged: (N, K) bool.
        dataset, file: (N,) labels; entry: (N,) index in the source file.
        run, luminosityBlock, event: (N,) event ids.
        summary: counts of the assembly (per dataset: events read, valid, taught).
    """

    x: np.ndarray
    columns: tuple[str, ...]
    target: np.ndarray
    error: np.ndarray
    converged: np.ndarray
    dataset: np.ndarray
    file: np.ndarray
    entry: np.ndarray
    run: np.ndarray
    luminosityBlock: np.ndarray  # noqa: N815 (NanoAOD name)
    event: np.ndarray
    summary: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)

    def index(self, column: str) -> int:
        if column not in self.columns:
            raise InvalidArgumentError(f"no teacher column {column!r} (available: {', '.join(self.columns)})")
        return self.columns.index(column)

    @property
    def y(self) -> np.ndarray:
        """−log10 W, (N, K) float64; non-finite where W was 0 or not finite."""
        return self.target

    @property
    def rel_error(self) -> np.ndarray:
        """The teacher's relative error σ_W/W = ln 10 · σ_y (NaN where y is not finite)."""
        return np.log(10.0) * self.error

    def usable(self, column: str) -> np.ndarray:
        """Rows whose ``column`` target enters training: converged, −log10 W finite."""
        k = self.index(column)
        return self.converged[:, k] & np.isfinite(self.target[:, k])

    def exclusions(self) -> dict[str, dict[str, int]]:
        """Per column: events, and those excluded (not converged; else non-finite W; else W = 0), used."""
        out = {}
        for k, c in enumerate(self.columns):
            y, conv = self.target[:, k], self.converged[:, k]
            nonpositive = conv & (y == np.inf)
            nonfinite = conv & ~np.isfinite(y) & ~nonpositive
            out[c] = {
                "events": len(self),
                "not_converged": int((~conv).sum()),
                "nonfinite_weight": int(nonfinite.sum()),
                "nonpositive_weight": int(nonpositive.sum()),
                "used": int(self.usable(c).sum()),
            }
        return out

    def design(self, columns: Sequence[str], parametric: bool = False) -> MEMDesign:
        """Training rows of ``columns``: one per usable (event, column); with ``parametric`` the
        (M_H, M_A) of each H → ZA column are appended to the features (long format)."""
        if not columns:
            raise InvalidArgumentError("no teacher columns to train on")
        if not parametric and len(columns) != 1:
            raise InvalidArgumentError(f"a non-parametric model has one target column, got {list(columns)}")
        parts = []
        y_all, rel_all = self.y, self.rel_error
        for c in columns:
            k = self.index(c)
            rows = np.flatnonzero(self.usable(c))
            x = self.x[rows]
            if parametric:
                m_h, m_a = hza_masses(c)
                x = np.column_stack([x, np.full(len(rows), m_h, np.float32), np.full(len(rows), m_a, np.float32)])
            parts.append(
                MEMDesign(
                    x.astype(np.float32),
                    y_all[rows, k],
                    rows,
                    np.full(len(rows), c),
                    self.dataset[rows],
                    rel_all[rows, k],
                )
            )
        width = len(FEATURE_NAMES) + (len(HZA_PARAMETERS) if parametric else 0)
        return MEMDesign(
            *(
                np.concatenate([getattr(p, f) for p in parts]) if parts else np.zeros((0, width), np.float32)
                for f in ("x", "y", "group", "column", "dataset", "rel_error")
            )
        )


def _key(path: str) -> str:
    return path if "://" in path and not path.startswith("file://") else os.path.realpath(path.removeprefix("file://"))


def _read_manifest(teacher_dir: Path) -> dict[str, Any]:
    path = teacher_dir / "manifest.json"
    if not path.is_file():
        raise MissingInputFileError(f"{teacher_dir} has no manifest.json: not the output of 'hepsurrogates teach mem'")
    return load_json(path, "teacher manifest")


def _taught_ranges(manifest: Mapping[str, Any], dataset: str) -> dict[str, list[tuple[int, int]]]:
    out: dict[str, list[tuple[int, int]]] = {}
    for info in (manifest.get("chunks") or {}).values():
        if info.get("dataset") == dataset and info.get("status") == "done":
            out.setdefault(_key(info["file"]), []).append((int(info["entry_start"]), int(info["entry_stop"])))
    return out


def load_mem_dataset(
    fileset: str | os.PathLike[str] | Mapping[str, Any],
    teacher_dir: str | os.PathLike[str],
    columns: Sequence[str] | None = None,
    progress: bool = False,
) -> MEMDataset:
    """Join the features of ``fileset`` to the teacher targets in ``teacher_dir`` (module docstring).

    Args:
        fileset: fileset JSON (or mapping) holding every dataset the teacher ran on.
        teacher_dir: output directory of ``hepsurrogates teach mem``.
        columns: hypothesis columns to keep (default: all the teacher computed).

    Raises:
        MissingInputFileError: no teacher output, or a source file is missing.
        SchemaError: no dataset of the teacher is in the fileset, a file of a shared dataset is not,
            or the join fails a check. (Teacher datasets that the fileset leaves out are skipped and
            listed in ``summary["teacher_datasets_not_in_fileset"]``: held-out validation data.)
        InvalidArgumentError: a requested column was not computed.
    """
    from tqdm.auto import tqdm

    from hepsurrogates.datasets.teachers.mem.teach import load_teacher_targets

    tdir = Path(teacher_dir)
    manifest = _read_manifest(tdir)
    fs = load_fileset(fileset) if isinstance(fileset, (str, os.PathLike)) else dict(fileset)
    taught = sorted(p.name for p in tdir.iterdir() if p.is_dir() and any(p.glob("*.parquet")))
    if not taught:
        raise MissingInputFileError(f"{tdir}: no teach chunks")
    # teacher datasets the fileset leaves out are held out on purpose (e.g. a pseudo-dataset taught
    # in the same run for validation): skipped and recorded, but at least one must overlap
    held_out = [d for d in taught if d not in fs]
    taught = [d for d in taught if d in fs]
    if not taught:
        raise SchemaError(
            f"the teacher output {tdir} has none of the fileset's datasets (teacher: {held_out}, "
            f"fileset: {sorted(fs)}); give the fileset the teacher ran on"
        )
    parts: list[dict[str, np.ndarray]] = []
    summary: dict[str, Any] = {
        "datasets": {},
        "datasets_without_teacher": sorted(set(fs) - set(taught)),
        "teacher_datasets_not_in_fileset": held_out,
    }
    have_columns: list[str] | None = None
    for ds in taught:
        targets = load_teacher_targets(tdir, ds)
        cols = teacher_columns(targets.fields)
        if have_columns is None:
            have_columns = cols
        elif cols != have_columns:
            raise SchemaError(f"{tdir}: datasets have different teacher columns ({have_columns} and {cols} in {ds!r})")
        want = list(cols if columns is None else columns)
        missing = [c for c in want if c not in cols]
        if missing:
            raise InvalidArgumentError(f"{tdir}: no teacher column(s) {missing} (computed: {', '.join(cols)})")
        ranges = _taught_ranges(manifest, ds)
        files = list(fs[ds]["files"] if isinstance(fs[ds], Mapping) else fs[ds])
        by_key = {_key(str(f)): str(f) for f in files}
        t_keys = np.array([_key(f) for f in targets["file"].to_list()], dtype=str)
        foreign = sorted(set(t_keys) - set(by_key))
        if foreign:
            raise SchemaError(f"teacher rows of dataset {ds!r} come from file(s) not in the fileset: {foreign[:3]}")
        stats = {
            "files": len(files),
            "files_taught": 0,
            "events_read": 0,
            "valid_in_taught_ranges": 0,
            "teacher_rows": len(t_keys),
        }
        t_set = set(t_keys)
        for key in tqdm(
            [k for k in by_key if k in t_set or k in ranges],
            desc=f"join {ds}",
            unit="file",
            disable=not progress,
            leave=False,
        ):
            path = by_key[key]
            rows = targets[t_keys == key]
            entry = ak.to_numpy(rows["entry"]).astype(np.int64)
            if len(np.unique(entry)) != len(entry):
                raise SchemaError(f"{path}: the teacher has duplicate rows for some entries ({tdir / ds})")
            spans = ranges.get(key, [])
            stop = max([s for _, s in spans] + [int(entry.max()) + 1 if len(entry) else 0])
            events = open_events(path, mode="virtual", entry_stop=stop)  # reads only the branches used
            if len(events) < stop:
                raise SchemaError(f"{path} has {len(events)} entries but the teacher used entries up to {stop - 1}")
            record = select_llbb(events)
            valid = ak.to_numpy(record.valid).astype(bool)
            inside = np.zeros(stop, bool)
            for a, b in spans:
                inside[a:b] = True
            expected = np.flatnonzero(valid & inside)
            if not np.array_equal(np.sort(entry), expected):
                extra = np.setdiff1d(entry, expected)
                lost = np.setdiff1d(expected, entry)
                raise SchemaError(
                    f"{path}: the teacher rows do not match the ll+bb events of the file ({len(extra)} teacher entries "
                    f"without a valid interpretation or outside finished chunks, e.g. {extra[:3].tolist()}; "
                    f"{len(lost)} valid events without a teacher row, e.g. {lost[:3].tolist()}): another file, "
                    "selection or teacher version"
                )
            x = mem_feature_matrix(record[entry]) if len(entry) else np.zeros((0, len(FEATURE_NAMES)), np.float32)
            ids = {f: ak.to_numpy(rows[f]).astype(np.uint64) for f in ("run", "luminosityBlock", "event")}
            for f, v in ids.items():
                if not np.array_equal(ak.to_numpy(events[f][entry]).astype(np.uint64), v):
                    raise SchemaError(f"{path}: {f} of the teacher rows differs from the file's at the same entries")
            part = {
                "x": x,
                "entry": entry,
                "dataset": np.full(len(entry), ds),
                "file": np.full(len(entry), path),
                **ids,
            }
            for c in want:
                part[f"w_{c}"] = ak.to_numpy(rows[f"Teacher_{c}"]).astype(np.float64)
                part[f"e_{c}"] = ak.to_numpy(rows[f"Teacher_{c}_error"]).astype(np.float64)
                part[f"c_{c}"] = ak.to_numpy(rows[f"Teacher_{c}_converged"]).astype(bool)
            parts.append(part)
            stats["files_taught"] += 1
            stats["events_read"] += stop
            stats["valid_in_taught_ranges"] += len(expected)
        summary["datasets"][ds] = stats
    want = list(have_columns if columns is None else columns)  # type: ignore[arg-type]
    if not parts:
        raise MissingInputFileError(f"{tdir}: the teacher has no rows for the files of the fileset")
    merged = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return MEMDataset(
        x=merged["x"].astype(np.float32),
        columns=tuple(want),
        target=np.stack([merged[f"w_{c}"] for c in want], axis=1),
        error=np.stack([merged[f"e_{c}"] for c in want], axis=1),
        converged=np.stack([merged[f"c_{c}"] for c in want], axis=1),
        dataset=merged["dataset"],
        file=merged["file"],
        entry=merged["entry"],
        run=merged["run"],
        luminosityBlock=merged["luminosityBlock"],
        event=merged["event"],
        summary=summary,
    )
