"""Generate a sample: chunks with independent seeds, in parallel processes, with progress.

A sample of N events is split into chunks of ``chunk_size`` events; chunk k gets its own
seeds from ``numpy.random.SeedSequence(seed, spawn_key=(k, ·))`` (one for Pythia, one for the
detector), so the output depends only on (sample, options, N, chunk size, seed), never on the
number of workers or on scheduling. Each chunk runs Pythia → gen-level record → fastjet →
detector → NanoAOD writer and is written atomically; the coffea fileset JSON is written
last, only when every chunk succeeded.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hepsurrogates.exceptions import GenerationError, InvalidArgumentError, OutputNotWritableError
from hepsurrogates.fileset import update_fileset
from hepsurrogates.provenance import provenance_record

from .pythia_run import MAX_PYTHIA_SEED
from .samples import get_sample

__all__ = ["ChunkTask", "ChunkResult", "GenerationResult", "chunk_seeds", "run_chunk", "generate", "STAGES"]

#: The stages timed per chunk (seconds), reported by ``benchmarks/bench_generation.py``;
#: "pythia" is further split into ``pythia_next`` (Pythia itself) and ``pythia_record_copy``.
STAGES = ("pythia", "genrecord", "clustering", "detector", "writing")


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to produce one output file."""

    sample: str
    options: dict[str, float]
    extra_settings: tuple[str, ...]
    seed: int
    chunk: int
    n_events: int
    first_event: int
    path: str
    detector_replica: int = 0


@dataclass
class ChunkResult:
    path: str
    n_events: int
    timings: dict[str, float]
    sigma_gen_mb: float
    n_failed: int


@dataclass
class GenerationResult:
    sample: str
    files: list[Path]
    fileset: Path
    n_events: int
    timings: dict[str, float] = field(default_factory=dict)
    sigma_gen_pb: float = float("nan")
    wall_seconds: float = 0.0


def chunk_seeds(seed: int, chunk: int, detector_replica: int = 0) -> tuple[int, np.random.SeedSequence]:
    """(Pythia seed, detector SeedSequence) of chunk ``chunk`` of a sample seeded ``seed``.

    ``detector_replica`` R > 0 keeps the Pythia seed (the same generated events) and gives the
    detector an independent stream (spawn key ``(chunk, 1, R)``): a second "full simulation" of
    the same gen-level events, the teacher-vs-teacher floor of the fastsim family's metrics."""
    state = np.random.SeedSequence(seed, spawn_key=(chunk, 0)).generate_state(1, dtype=np.uint32)[0]
    key = (chunk, 1) if detector_replica == 0 else (chunk, 1, int(detector_replica))
    return int(state) % MAX_PYTHIA_SEED + 1, np.random.SeedSequence(seed, spawn_key=key)


_progress_queue: Any = None


def _init_worker(queue: Any) -> None:
    global _progress_queue
    _progress_queue = queue


def run_chunk(task: ChunkTask, progress: Callable[[int], None] | None = None) -> ChunkResult:
    """Produce one chunk's file (the unit of work of a worker process)."""
    from .detector import DETECTOR_VERSION, simulate
    from .genjets import cluster_genjets
    from .genrecord import build_genlevel
    from .nanoaod import assemble_branches, write_events
    from .pythia_run import PythiaRun

    if progress is None and _progress_queue is not None:
        progress = _progress_queue.put
    spec = get_sample(task.sample)
    settings = [*spec.pythia_settings(task.options), *task.extra_settings]
    pythia_seed, detector_seed = chunk_seeds(task.seed, task.chunk, task.detector_replica)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    hooks = (lambda py: spec.hooks(py, task.options)) if spec.hooks is not None else None
    run = PythiaRun(settings, pythia_seed, hooks)
    raw = run.generate(task.n_events, progress=progress)
    t1 = time.perf_counter()
    gen = build_genlevel(raw)
    t2 = time.perf_counter()
    jets = cluster_genjets(gen)
    t3 = time.perf_counter()
    reco = simulate(gen, jets, np.random.default_rng(detector_seed))
    t4 = time.perf_counter()
    branches = assemble_branches(
        gen, jets, reco, run=1, lumi_block=task.chunk + 1, first_event=task.first_event,
        teacher=spec.teacher(raw.info),
    )
    provenance = provenance_record(
        sample=task.sample, options=task.options, pythia_settings=run.settings,
        seed=task.seed, chunk=task.chunk, pythia_seed=pythia_seed,
        detector_seed={"entropy": task.seed, "spawn_key": list(detector_seed.spawn_key)},
        detector_version=DETECTOR_VERSION, n_events=task.n_events,
        sigma_gen_mb=raw.sigma_gen_mb, sigma_err_mb=raw.sigma_err_mb,
    )
    write_events(task.path, branches, provenance)
    t5 = time.perf_counter()
    timings.update(pythia=t1 - t0, genrecord=t2 - t1, clustering=t3 - t2, detector=t4 - t3, writing=t5 - t4,
                   pythia_next=raw.seconds_next, pythia_record_copy=raw.seconds_copy)
    return ChunkResult(task.path, task.n_events, timings, raw.sigma_gen_mb, raw.n_failed)


def _check_output_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as err:
        raise OutputNotWritableError(f"output directory {out_dir} is not writable: {err.strerror or err}") from err


def plan_chunks(sample: str, n_events: int, seed: int, out_dir: Path, chunk_size: int,
                options: Mapping[str, float], extra_settings: Sequence[str],
                detector_replica: int = 0) -> list[ChunkTask]:
    """The chunk tasks of a sample (deterministic file names and event numbers; a detector replica
    R > 0 writes ``<sample>_<seed>_r<R>_<chunk>.root``)."""
    tag = f"{seed}" if detector_replica == 0 else f"{seed}_r{detector_replica}"
    n_chunks = math.ceil(n_events / chunk_size)
    tasks = []
    for k in range(n_chunks):
        n_k = min(chunk_size, n_events - k * chunk_size)
        tasks.append(ChunkTask(
            sample=sample, options=dict(options), extra_settings=tuple(extra_settings), seed=seed,
            chunk=k, n_events=n_k, first_event=k * chunk_size + 1,
            path=str(out_dir / f"{sample}_{tag}_{k:04d}.root"), detector_replica=int(detector_replica),
        ))
    return tasks


def generate(
    sample: str,
    n_events: int,
    seed: int,
    out_dir: str | os.PathLike[str],
    workers: int = 1,
    chunk_size: int | None = None,
    options: Mapping[str, float] | None = None,
    extra_settings: Sequence[str] = (),
    progress: bool = True,
    detector_replica: int = 0,
) -> GenerationResult:
    """Generate ``n_events`` of ``sample`` into ``out_dir`` and update its ``fileset.json``.

    ``detector_replica`` R > 0 generates the same events as R = 0 (same seed, options and chunk
    size) through an independent detector smearing (:func:`chunk_seeds`).

    Raises:
        UnknownSampleError, InvalidArgumentError: bad arguments (nothing is written).
        OutputNotWritableError: ``out_dir`` cannot be created or written.
        GenerationError: a chunk failed; files of finished chunks stay (each is complete), no
            partial file is left, and the fileset is not written.
    """
    spec = get_sample(sample)
    if isinstance(n_events, bool) or not isinstance(n_events, (int, np.integer)) or n_events <= 0:
        raise InvalidArgumentError(f"the number of events must be a positive integer, got {n_events!r}")
    if not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise InvalidArgumentError(f"the seed must be an integer in [0, 2^63), got {seed!r}")
    if workers < 1:
        raise InvalidArgumentError(f"workers must be >= 1, got {workers}")
    if isinstance(detector_replica, bool) or not isinstance(detector_replica, (int, np.integer)) \
            or detector_replica < 0:
        raise InvalidArgumentError(f"the detector replica must be an integer >= 0, got {detector_replica!r}")
    chunk_size = int(chunk_size or spec.default_chunk_size)
    if chunk_size <= 0:
        raise InvalidArgumentError(f"chunk size must be positive, got {chunk_size}")
    resolved = spec.resolve_options(options)
    spec.pythia_settings(resolved)  # validates the options before any work
    out = Path(out_dir).resolve()
    _check_output_dir(out)
    tasks = plan_chunks(sample, int(n_events), int(seed), out, chunk_size, resolved, extra_settings,
                        int(detector_replica))

    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    bar = tqdm(total=int(n_events), unit="ev", desc=f"generate {sample}", disable=not progress, leave=False)
    results: list[ChunkResult] = []
    try:
        if workers == 1 or len(tasks) == 1:
            for task in tasks:
                results.append(run_chunk(task, progress=bar.update))
        else:
            results = _run_parallel(tasks, min(workers, len(tasks)), bar)
    except GenerationError:
        _cleanup(tasks)
        raise
    except BaseException as err:
        _cleanup(tasks)
        if isinstance(err, (KeyboardInterrupt, OutputNotWritableError, InvalidArgumentError)):
            raise
        raise GenerationError(f"generation of {sample} failed: {type(err).__name__}: {err}") from err
    finally:
        bar.close()
    wall = time.perf_counter() - t_start
    results.sort(key=lambda r: r.path)
    timings = {s: sum(r.timings[s] for r in results) for s in results[0].timings}
    sigma_pb = float(np.average([r.sigma_gen_mb for r in results], weights=[r.n_events for r in results])) * 1e9
    files = [Path(r.path) for r in results]
    metadata = {
        "sample": sample, "seed": int(seed), "n_events": int(n_events), "chunk_size": chunk_size,
        "options": resolved, "extra_settings": list(extra_settings), "detector_replica": int(detector_replica),
        # Pythia's estimate; null where the sample reshapes the cross section (flat mass)
        "xsec_pb": sigma_pb if spec.physical_xsec else None,
    }
    dataset = sample if detector_replica == 0 else f"{sample}_r{int(detector_replica)}"
    fileset = update_fileset(out, dataset, files, metadata)
    return GenerationResult(sample, files, fileset, int(n_events), timings,
                            sigma_pb if spec.physical_xsec else float("nan"), wall)


def _run_parallel(tasks: list[ChunkTask], workers: int, bar: Any) -> list[ChunkResult]:
    ctx = mp.get_context("spawn")  # safe under threads (Dask, ORT); workers import only what they need
    queue = ctx.Queue()
    results: list[ChunkResult] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                             initargs=(queue,)) as pool:
        pending: set[Future[ChunkResult]] = {pool.submit(run_chunk, t) for t in tasks}
        try:
            while pending:
                done, pending = wait(pending, timeout=0.25, return_when=FIRST_EXCEPTION)
                _drain(queue, bar)
                for fut in done:
                    results.append(fut.result())  # re-raises a worker's exception
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
        _drain(queue, bar)
    return results


def _drain(queue: Any, bar: Any) -> None:
    import queue as queue_mod

    while True:
        try:
            bar.update(queue.get_nowait())
        except queue_mod.Empty:
            return


def _cleanup(tasks: list[ChunkTask]) -> None:
    for task in tasks:
        Path(task.path + ".part").unlink(missing_ok=True)

