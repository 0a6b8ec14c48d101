r"""The generic chunked, resumable teacher engine: a family's per-chunk function over a fileset, on Dask.

A family's teacher (``hepsurrogates teach <family>``) is a :class:`TeacherSpec`: the columns it
writes, the options that determine them, the branches it needs, and a per-chunk function
``compute(events, task) -> {"columns": {name: array}, "stats": {...}}`` run on a worker with the
chunk's NanoEvents (coffea ``virtual`` mode, :class:`~hepsurrogates.nanoschema.PresentCollectionsNanoAODSchema`:
only the branches the computation touches are read). :func:`run_teacher` does the rest:

* **plan**: every file of the fileset is split into chunks of ``chunksize`` entries (the first
  ``max_events`` of each dataset, files in fileset order), after checking each local file and the
  branches the teacher needs (:func:`hepsurrogates.nanoio.check_file`, ``spec.missing_branches``);
* **write**: one parquet file per chunk, ``OUT/<dataset>/<file stem>_<start>_<stop>.parquet``,
  atomically (a temporary name, then ``os.replace``); the chunk's rows carry ``run``,
  ``luminosityBlock``, ``event`` and ``entry`` (the index in the source file), then the family's
  ``Teacher_*`` columns; its provenance (dataset, file, entry range, the options that determine
  its content, package version, statistics) is stored in the parquet key-value metadata under
  :data:`METADATA_KEY`; ``OUT/manifest.json`` records the run (family, fileset, columns, options,
  and per chunk: status, wall seconds, events, rows and the family's statistics);
* **resume**: a chunk whose file exists and whose stored options equal this run's is skipped; one
  written with other options, or a chunk file that is not in this run's plan (another
  ``chunksize`` or ``max_events``), stops the run before any work with
  :class:`TeachOptionsMismatchError`, unless ``overwrite``. An interrupted run (Ctrl-C, a killed
  worker or driver) leaves no partial chunk file: only complete files carry the final name, and
  stale temporary files are removed by the next run;
* **seeds**: each (chunk, column) has the seed :func:`chunk_seed` derives from (seed, dataset,
  file *name*, entry_start, column), so a rerun reproduces every chunk bit for bit, whichever
  worker runs it and wherever the file lies;
* **failures**: a chunk whose computation raises a
  :class:`~hepsurrogates.exceptions.HepSurrogatesError` is recorded as failed; the others are
  written, and :class:`TeachChunkError` is raised at the end (a rerun retries only the failed ones).

The task returns its columns to the driver, which writes the file, so a remote scheduler needs no
shared output file system (the workers must still read the input paths).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates import __version__
from hepsurrogates.exceptions import (
    CorruptInputFileError,
    HepSurrogatesError,
    InvalidArgumentError,
    MissingBranchError,
    MissingInputFileError,
    OutputNotWritableError,
    SchemaError,
)
from hepsurrogates.fileset import load_fileset

__all__ = [
    "MANIFEST_NAME", "METADATA_KEY", "KEY_COLUMNS", "TeacherSpec", "ChunkTask", "TeachResult",
    "TeachOptionsMismatchError", "TeachChunkError", "chunk_seed", "plan_chunks", "compute_chunk", "run_teacher",
    "load_teacher_targets", "check_run_options",
]

MANIFEST_NAME = "manifest.json"
METADATA_KEY = b"hepsurrogates_teach"
#: the columns every chunk row starts with: the event's identity and its entry in the source file
KEY_COLUMNS = ("run", "luminosityBlock", "event", "entry")
_TMP_MARK = ".part-"
_FORMAT = 2

#: ``compute(events, task) -> {"columns": {name: array}, "stats": {name: int | {column: int}}}``
ComputeFunction = Callable[[Any, "ChunkTask"], dict[str, Any]]


class TeachOptionsMismatchError(InvalidArgumentError):
    """Raised when the output directory holds chunk files written with other options (columns,
    accuracy, seed, selection, chunking) than the run asks for, and ``overwrite`` is not set."""


class TeachChunkError(HepSurrogatesError, RuntimeError):
    """Raised at the end of a run when some chunks failed; the others are written and recorded,
    and a rerun retries only the failed ones."""

    exit_code = 5


@dataclass(frozen=True)
class TeacherSpec:
    """What a family's teacher plugs into the engine (picklable: ``compute`` and
    ``missing_branches`` are module-level functions).

    Attributes:
        family: the family's name (for the manifest and the progress bar).
        columns: the teacher column groups, e.g. ``("memDY", "memHZA_261p40_150p50")``: each one's
            chunk seed is derived from its name, and per-column statistics are summed over them.
        options: JSON-ready options that determine the chunks' content (compared on resumption).
        compute: the per-chunk function (module docstring).
        missing_branches: ``set of branch names -> missing ones`` (checked before any work).
    """

    family: str
    columns: tuple[str, ...]
    options: Mapping[str, Any]
    compute: ComputeFunction
    missing_branches: Callable[[set[str]], list[str]]


def chunk_seed(seed: int, dataset: str, file: str, entry_start: int, column: str) -> int:
    """The seed of one (chunk, column): 63 bits of a SHA-256 of (seed, dataset, file *name*,
    entry_start, column), so it does not depend on where the file lies.

    Example:
        >>> chunk_seed(0, "tt", "/a/tt_0.root", 0, "memDY") == chunk_seed(0, "tt", "/b/tt_0.root", 0, "memDY")
        True
    """
    key = json.dumps([int(seed), dataset, Path(file).name, int(entry_start), column])
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little") >> 1


@dataclass(frozen=True)
class ChunkTask:
    """One unit of work: an entry range of one file and the teacher to run on it (picklable)."""

    dataset: str
    path: str
    tree: str
    entry_start: int
    entry_stop: int
    name: str
    teacher: TeacherSpec
    seed: int

    @property
    def relpath(self) -> str:
        return f"{self.dataset}/{self.name}.parquet"

    def seed_for(self, column: str) -> int:
        """The chunk seed of ``column`` (:func:`chunk_seed`)."""
        return chunk_seed(self.seed, self.dataset, self.path, self.entry_start, column)

    def fingerprint(self) -> dict[str, Any]:
        """What determines the chunk's content (compared on resumption)."""
        return {"family": self.teacher.family, "columns": list(self.teacher.columns),
                "options": json.loads(json.dumps(self.teacher.options)), "seed": self.seed,
                "file": Path(self.path).name, "entry_start": self.entry_start, "entry_stop": self.entry_stop}


def compute_chunk(task: ChunkTask) -> dict[str, Any]:
    """Run on a worker: read the chunk's entry range and run the teacher's ``compute``.

    Returns ``{"columns": {name: array}, "stats": {...}, "events": n, "rows": n, "wall_seconds": t}``.
    """
    import warnings

    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # coffea's cross-reference notes on real NanoAOD
        events = NanoEventsFactory.from_root(
            {task.path: task.tree}, entry_start=task.entry_start, entry_stop=task.entry_stop,
            schemaclass=PresentCollectionsNanoAODSchema, mode="virtual").events()
        out = task.teacher.compute(events, task)
    columns = out["columns"]
    missing = [k for k in KEY_COLUMNS if k not in columns]
    if missing:
        raise SchemaError(f"teacher {task.teacher.family}: its chunk rows lack the key column(s) {missing}")
    rows = {len(v) for v in columns.values()}
    if len(rows) != 1:
        raise SchemaError(f"teacher {task.teacher.family}: its chunk columns have different lengths {sorted(rows)}")
    return {"columns": columns, "stats": dict(out.get("stats") or {}), "events": task.entry_stop - task.entry_start,
            "rows": rows.pop(), "wall_seconds": time.perf_counter() - t0}


# ---------------------------------------------------------------- planning


def _normalise(fileset: str | os.PathLike[str] | Mapping[str, Any]) -> tuple[dict[str, dict[str, str]], str | None]:
    if isinstance(fileset, (str, os.PathLike)):
        data, source = load_fileset(fileset), str(Path(fileset).resolve())
    else:
        data, source = dict(fileset), None
    out: dict[str, dict[str, str]] = {}
    for name, ds in data.items():
        files = ds.get("files") if isinstance(ds, Mapping) else ds
        if isinstance(files, (list, tuple)):
            files = {str(f): "Events" for f in files}
        if not isinstance(files, Mapping) or not files:
            raise SchemaError(f"fileset: dataset {name!r} needs a non-empty 'files' object mapping path -> tree name")
        if not name or "/" in name or name.startswith("."):
            raise SchemaError(f"fileset: dataset name {name!r} cannot be a directory name")
        out[name] = {str(p): str(t) for p, t in files.items()}
    return out, source


def _inspect(path: str, tree: str, teacher: TeacherSpec) -> int:
    """Entries of ``path:tree`` after checking the file and the branches the teacher needs."""
    import uproot

    from hepsurrogates.nanoio import TREE, check_file

    if "://" not in path or path.startswith("file://"):
        if tree == TREE:
            check_file(path)
        elif not Path(path).is_file():
            check_file(path)  # raises MissingInputFileError
    try:
        with uproot.open(path) as f:
            t = f[tree]
            keys, n = set(t.keys()), int(t.num_entries)
    except HepSurrogatesError:
        raise
    except Exception as err:  # remote errors, a tree of another name missing, ...
        raise CorruptInputFileError(f"{path}: cannot read tree {tree!r} ({type(err).__name__}: {err})") from err
    missing = teacher.missing_branches(keys)
    if missing:
        raise MissingBranchError(path, missing)
    return n


def _stems(paths: Sequence[str]) -> dict[str, str]:
    stems = {p: Path(p).stem for p in paths}
    counts: dict[str, int] = {}
    for s in stems.values():
        counts[s] = counts.get(s, 0) + 1
    return {p: (s if counts[s] == 1 else f"{s}-{hashlib.sha256(p.encode()).hexdigest()[:8]}") for p, s in stems.items()}


def plan_chunks(fileset: Mapping[str, Mapping[str, str]], teacher: TeacherSpec, *, chunksize: int,
                max_events: int | None, seed: int) -> list[ChunkTask]:
    """The chunks of every dataset (files in fileset order, ``max_events`` per dataset)."""
    tasks: list[ChunkTask] = []
    for dataset, files in fileset.items():
        stems = _stems(list(files))
        left = max_events
        for path, tree in files.items():
            n = _inspect(path, tree, teacher)
            if left is not None:
                n = min(n, left)
                left -= n
            for start in range(0, n, chunksize):
                stop = min(start + chunksize, n)
                name = f"{stems[path]}_{start}_{stop}"
                tasks.append(ChunkTask(dataset, path, tree, start, stop, name, teacher, seed))
    return tasks


# ---------------------------------------------------------------- files


def _read_meta(path: Path) -> dict[str, Any] | None:
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
        return json.loads(meta[METADATA_KEY])
    except Exception:  # unreadable or foreign parquet: treat as a mismatch
        return None


def _write_chunk(path: Path, columns: Mapping[str, Any], meta: Mapping[str, Any]) -> None:
    import awkward as ak
    import pyarrow.parquet as pq

    table = ak.to_arrow_table(
        ak.zip(
            {k: ak.Array(v) if not isinstance(v, np.ndarray) else ak.from_numpy(v) for k, v in columns.items()},
            depth_limit=1,
        ),
        extensionarray=False,
    )
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta, sort_keys=True).encode()})
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    except PermissionError as err:
        tmp.unlink(missing_ok=True)
        raise OutputNotWritableError(f"cannot write {path}: {err.strerror}") from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}")
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- running


@dataclass
class TeachResult:
    """Summary of a run (every chunk of the plan, computed now or before)."""

    out_dir: Path
    manifest: Path
    family: str
    columns: list[str]
    events: int = 0
    rows: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    chunks_computed: int = 0
    chunks_skipped: int = 0
    wall_seconds: float = 0.0

    @property
    def valid(self) -> int:
        """The rows written (events the teacher computed)."""
        return self.rows

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (the CLI prints it)."""
        return {
            "family": self.family,
            "out": str(self.out_dir),
            "manifest": str(self.manifest),
            "columns": self.columns,
            "events": self.events,
            "rows": self.rows,
            **self.stats,
            "chunks_computed": self.chunks_computed,
            "chunks_skipped": self.chunks_skipped,
            "wall_seconds": round(self.wall_seconds, 2),
        }


@contextlib.contextmanager
def _client(client: Any, scheduler: str | None, workers: int) -> Iterator[Any]:
    if client is not None:
        yield client
        return
    from hepsurrogates.cluster import dask_client

    with dask_client(scheduler, workers) as c:
        yield c


def _resolve(
    tasks: list[ChunkTask], out: Path, datasets: Sequence[str], overwrite: bool
) -> tuple[list[ChunkTask], dict[str, dict[str, Any]]]:
    """Split the plan into chunks to compute and chunks already done (relpath -> stored metadata);
    refuse (or, with ``overwrite``, clear) chunk files written with other options."""
    planned = {t.relpath for t in tasks}
    for ds in datasets:  # stale temporary files of killed runs, chunk files not in this plan
        d = out / ds
        if not d.is_dir():
            continue
        for p in d.iterdir():
            if _TMP_MARK in p.name:
                p.unlink(missing_ok=True)
            elif p.suffix == ".parquet" and f"{ds}/{p.name}" not in planned:
                if not overwrite:
                    raise TeachOptionsMismatchError(
                        f"{p} is not a chunk of this run (another --chunksize or --max-events, or another "
                        f"fileset); use --overwrite to replace the dataset's chunks, or another --out"
                    )
                p.unlink()
    todo: list[ChunkTask] = []
    done: dict[str, dict[str, Any]] = {}
    for t in tasks:
        p = out / t.relpath
        if not p.exists():
            todo.append(t)
            continue
        meta = _read_meta(p)
        want = t.fingerprint()
        if meta is not None and meta.get("options") == want:
            done[t.relpath] = meta
        elif overwrite:
            todo.append(t)
        else:
            stored = None if meta is None else meta.get("options")
            diff = sorted(k for k in want if stored is None or stored.get(k) != want[k])
            raise TeachOptionsMismatchError(
                f"{p} was written with other options (differing: {', '.join(diff)}; stored "
                f"{ {k: (stored or {}).get(k) for k in diff} }, asked { {k: want[k] for k in diff} }); "
                f"use --overwrite to recompute, or another --out"
            )
    return todo, done


def check_run_options(chunksize: Any, max_events: Any, workers: Any, scheduler: str | None, client: Any) -> None:
    """The engine's own arguments (raises InvalidArgumentError)."""
    if isinstance(chunksize, bool) or int(chunksize) != chunksize or chunksize <= 0:
        raise InvalidArgumentError(f"chunksize: expected a positive integer, found {chunksize!r}")
    if max_events is not None and (int(max_events) != max_events or max_events <= 0):
        raise InvalidArgumentError(f"max_events: expected a positive integer, found {max_events!r}")
    if int(workers) != workers or workers < 0:
        raise InvalidArgumentError(f"workers: expected an integer >= 0, found {workers!r}")
    if scheduler and client is not None:
        raise InvalidArgumentError("give scheduler or client, not both")


def _add_stats(total: dict[str, Any], stats: Mapping[str, Any]) -> None:
    for key, value in stats.items():
        if isinstance(value, Mapping):
            bucket = total.setdefault(key, {})
            for k, v in value.items():
                bucket[k] = bucket.get(k, 0) + int(v)
        else:
            total[key] = total.get(key, 0) + int(value)


def run_teacher(
    teacher: TeacherSpec,
    fileset: str | os.PathLike[str] | Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    client: Any = None,
    chunksize: int = 500,
    max_events: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
) -> TeachResult:
    """Run ``teacher`` over every chunk of ``fileset`` that is not done yet (module docstring).

    Args:
        workers: single-threaded local Dask worker processes (0: run in this process, no Dask).
        scheduler: address of a running Dask scheduler (instead of a local cluster).
        client: an existing ``dask.distributed`` client (instead of either).

    Raises:
        MissingInputFileError, CorruptInputFileError, SchemaError, MissingBranchError: bad inputs.
        InvalidArgumentError: bad options; TeachOptionsMismatchError: conflicting earlier output.
        OutputNotWritableError: ``out_dir`` cannot be written.
        TeachChunkError: some chunks failed (the rest are written).
    """
    t0 = time.perf_counter()
    check_run_options(chunksize, max_events, workers, scheduler, client)
    fs, source = _normalise(fileset)
    tasks = plan_chunks(fs, teacher, chunksize=int(chunksize), max_events=max_events, seed=int(seed))
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputNotWritableError(f"cannot create output directory {out}: {err.strerror}") from err
    if not os.access(out, os.W_OK):
        raise OutputNotWritableError(f"output directory {out} is not writable")
    todo, done = _resolve(tasks, out, list(fs), overwrite)

    manifest_path = out / MANIFEST_NAME
    previous: dict[str, Any] = {}
    if manifest_path.is_file():
        with contextlib.suppress(ValueError, OSError):
            previous = json.loads(manifest_path.read_text())
    planned = {t.relpath for t in tasks}
    chunk_log: dict[str, Any] = {
        k: v for k, v in (previous.get("chunks") or {}).items() if k in planned or k.split("/", 1)[0] not in fs
    }
    manifest: dict[str, Any] = {
        "format": _FORMAT,
        "family": teacher.family,
        "package_version": __version__,
        "fileset": source or fs,
        "columns": list(teacher.columns),
        "options": {
            "chunksize": int(chunksize),
            "max_events": max_events,
            "seed": int(seed),
            **json.loads(json.dumps(teacher.options)),
        },
        "chunks": chunk_log,
    }
    for t in tasks:
        info = {"dataset": t.dataset, "file": t.path, "entry_start": t.entry_start, "entry_stop": t.entry_stop}
        if t.relpath in done:
            stored = done[t.relpath]
            chunk_log[t.relpath] = {
                **info,
                "status": "done",
                **{k: stored[k] for k in ("wall_seconds", "events", "rows", "stats") if k in stored},
            }
        else:
            chunk_log[t.relpath] = {**info, "status": "pending"}
    _write_json(manifest_path, manifest)

    failures: list[str] = []

    def finish(task: ChunkTask, result: dict[str, Any] | None, error: BaseException | None) -> None:
        entry = chunk_log[task.relpath]
        if error is not None:
            entry.update(status="failed", error=f"{type(error).__name__}: {error}")
            failures.append(f"{task.relpath}: {type(error).__name__}: {error}")
        else:
            stats = {
                "wall_seconds": round(result["wall_seconds"], 3),
                "events": result["events"],
                "rows": result["rows"],
                "stats": result["stats"],
            }
            meta = {
                "options": task.fingerprint(),
                "dataset": task.dataset,
                "file": task.path,
                "package_version": __version__,
                **stats,
            }
            _write_chunk(out / task.relpath, result["columns"], meta)
            done[task.relpath] = meta
            entry.update(status="done", **stats)
            entry.pop("error", None)
        _write_json(manifest_path, manifest)

    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(
            total=sum(t.entry_stop - t.entry_start for t in todo),
            unit="ev",
            desc=f"teach {teacher.family}",
            smoothing=0.1,
        )
    try:
        if todo and workers == 0 and client is None and not scheduler:
            for t in todo:
                try:
                    res = compute_chunk(t)
                except HepSurrogatesError as err:
                    finish(t, None, err)
                else:
                    finish(t, res, None)
                if bar is not None:
                    bar.update(t.entry_stop - t.entry_start)
        elif todo:
            from dask.distributed import as_completed

            with _client(client, scheduler, workers or 1) as c:
                futures = {c.submit(compute_chunk, t, pure=False): t for t in todo}
                for fut in as_completed(futures):
                    t = futures[fut]
                    if fut.status == "error":
                        finish(t, None, fut.exception())
                    else:
                        finish(t, fut.result(), None)
                    fut.release()
                    if bar is not None:
                        bar.update(t.entry_stop - t.entry_start)
    finally:
        if bar is not None:
            bar.close()

    result = TeachResult(
        out_dir=out,
        manifest=manifest_path,
        family=teacher.family,
        columns=list(teacher.columns),
        chunks_computed=len(todo) - len(failures),
        chunks_skipped=len(tasks) - len(todo),
    )
    for t in tasks:
        meta = done.get(t.relpath)
        if meta is None:
            continue
        result.events += int(meta.get("events", 0))
        result.rows += int(meta.get("rows", 0))
        _add_stats(result.stats, meta.get("stats") or {})
    result.wall_seconds = time.perf_counter() - t0
    manifest["runs"] = [
        *(previous.get("runs") or []),
        {**result.summary(), "failed": len(failures), "finished": time.strftime("%Y-%m-%dT%H:%M:%S")},
    ]
    _write_json(manifest_path, manifest)
    if failures:
        raise TeachChunkError(
            f"{len(failures)} of {len(todo)} chunk(s) failed (rerun to retry them): " + "; ".join(failures[:3])
        )
    return result


def load_teacher_targets(out_dir: str | os.PathLike[str], dataset: str | None = None) -> Any:
    """The chunks of ``out_dir`` (one dataset or all) concatenated, sorted by (dataset, file, entry).

    Returns:
        An awkward array of records: ``dataset``, ``file`` (strings) and the chunk columns.

    Raises:
        MissingInputFileError: no such directory or dataset; SchemaError: a chunk is unreadable or
            was written by an older teacher format.
    """
    import awkward as ak

    out = Path(out_dir)
    if not out.is_dir():
        raise MissingInputFileError(f"teacher output directory not found: {out}")
    dirs = [out / dataset] if dataset is not None else sorted(p for p in out.iterdir() if p.is_dir())
    if dataset is not None and not dirs[0].is_dir():
        known = sorted(p.name for p in out.iterdir() if p.is_dir())
        raise MissingInputFileError(f"{out}: no dataset {dataset!r} (found: {', '.join(known) or 'none'})")
    chunks = []
    for d in dirs:
        for p in d.glob("*.parquet"):
            if p.name.startswith("."):
                continue
            meta = _read_meta(p)
            if meta is None:
                raise SchemaError(f"{p}: not a teach chunk (no {METADATA_KEY.decode()} metadata)")
            if "family" not in meta.get("options", {}):
                raise SchemaError(
                    f"{p} was written by an earlier teacher format (MEM weights W instead of "
                    f"-log10 W); rerun 'hepsurrogates teach' into a new --out"
                )
            chunks.append(((d.name, meta["file"], int(meta["options"]["entry_start"])), p))
    if not chunks:
        raise MissingInputFileError(f"{out}: no teach chunks" + (f" for dataset {dataset!r}" if dataset else ""))
    chunks.sort(key=lambda c: c[0])
    arrays = [ak.from_parquet(p) for _, p in chunks]
    names = arrays[0].fields
    for a, (_, p) in zip(arrays, chunks):
        if a.fields != names:
            raise SchemaError(f"{out}: chunks have different columns ({p.name}); rerun with the same options")
    counts = [len(a) for a in arrays]
    labels = {
        "dataset": np.repeat([k[0] for k, _ in chunks], counts),
        "file": np.repeat([k[1] for k, _ in chunks], counts),
    }
    merged = ak.concatenate(arrays) if len(arrays) > 1 else arrays[0]
    return ak.zip(
        {**{k: ak.Array(v.tolist()) for k, v in labels.items()}, **{k: merged[k] for k in names}}, depth_limit=1
    )
