"""Run a processor over a coffea fileset, on any of coffea's execution paths.

========================  ==================================================================
executor                  what runs
========================  ==================================================================
``dask``                  ``NanoEventsFactory(mode="dask")`` per dataset, then ``dask.compute``
``dataset-tools``         coffea ``dataset_tools.preprocess`` + ``apply_to_fileset`` + compute
``iterative``             ``processor.Runner`` with ``IterativeExecutor`` (one process)
``futures``               ``processor.Runner`` with ``FuturesExecutor`` (a process pool)
``dask-runner``           ``processor.Runner`` with ``DaskExecutor`` (a distributed client)
========================  ==================================================================

The dask paths use a ``dask.distributed`` client: a ``LocalCluster`` with ``workers`` single-
threaded processes by default, or any running scheduler given by address (a dask-jobqueue or
dask-gateway cluster's ``scheduler_address`` included). Every local input file is checked first
(:func:`hepsurrogates.nanoio.check_file`), so a missing or corrupt file stops the run before
any work with a specific error; remote files (``root://``, ``https://``) are opened by uproot.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from hepsurrogates.cluster import check_workers, dask_client
from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.nanoio import check_file

__all__ = ["EXECUTORS", "Executor", "dask_client", "normalise_fileset", "run_processor"]

Executor = Literal["dask", "dataset-tools", "iterative", "futures", "dask-runner"]
EXECUTORS: tuple[str, ...] = ("dask", "dataset-tools", "iterative", "futures", "dask-runner")


def normalise_fileset(fileset: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Accept ``{ds: [files]}`` or the dataset_tools form; return the dataset_tools form."""
    out: dict[str, dict[str, Any]] = {}
    for name, ds in fileset.items():
        if isinstance(ds, (list, tuple)):
            ds = {"files": {str(f): "Events" for f in ds}}
        files = ds.get("files") if isinstance(ds, Mapping) else None
        if not files:
            raise InvalidArgumentError(f"dataset {name!r} has no files")
        if isinstance(files, (list, tuple)):
            files = {str(f): "Events" for f in files}
        out[name] = {"files": dict(files), "metadata": dict(ds.get("metadata") or {})}
    return out


def _is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def _check_inputs(fileset: Mapping[str, dict[str, Any]], required: tuple[str, ...],
                  processor_instance: Any = None) -> dict[str, int | None]:
    """Check every local file and return its number of entries; remote files (root://, https://,
    s3://) are left to uproot, which reports their errors when they are read (entries None).

    When the processor can say which branches its families lack (``missing_branches(events)``),
    every local file is opened lazily (no data read) and checked before any work, so the error
    names the dataset and the file on every execution path.

    Raises:
        MissingBranchError: ``"<dataset>: <file> (<family>)"`` and the missing branches.
    """
    from hepsurrogates.exceptions import MissingBranchError

    entries: dict[str, int | None] = {}
    check = getattr(processor_instance, "missing_branches", None)
    for name, ds in fileset.items():
        for path in ds["files"]:
            if _is_remote(path):
                entries[path] = None
                continue
            entries[path] = check_file(path, required)
            if check is not None:
                import warnings

                from hepsurrogates.nanoio import open_events

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # coffea's notes on real NanoAOD
                    missing = check(open_events(path, mode="virtual", entry_stop=0))
                for family, branches in missing.items():
                    raise MissingBranchError(f"{name}: {path} ({family})", branches)
    return entries


def _specific(err: BaseException) -> BaseException:
    """The project's own error behind a wrapper (coffea's Runner raises ``Exception("Failed
    processing file: WorkItem(...)") from err``), so that every executor reports the same
    specific error and exit code; the error itself when there is none."""
    from hepsurrogates.exceptions import HepSurrogatesError

    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, HepSurrogatesError):
            return seen
        remote = _from_remote_traceback(seen)
        if remote is not None:
            return remote
        seen = seen.__cause__ or seen.__context__
    return err


_REMOTE = re.compile(r"^hepsurrogates\.exceptions\.(\w+): (.*)$", re.M)
#: coffea's wrapper names the error it caught: "... The error was: NonFiniteInputError('...')."
_WRAPPED = re.compile(r"The error was: (\w+)\((['\"])(.*)\2\)\.?\s*$", re.S)


def _from_remote_traceback(err: BaseException) -> BaseException | None:
    """A process pool (coffea's FuturesExecutor) pickles only coffea's wrapper, whose cause is lost;
    the wrapper's message names the error (and the worker's traceback survives as text,
    ``concurrent.futures``' ``_RemoteTraceback``). Rebuild the project's error from it: the same
    class, so the same exit code, and the same message."""
    from hepsurrogates import exceptions

    text = getattr(err, "tb", None)
    wrapped = _WRAPPED.search(str(err))
    if wrapped is not None:
        name, message = wrapped.group(1), wrapped.group(3)
    elif isinstance(text, str) and _REMOTE.findall(text):
        name, message = _REMOTE.findall(text)[-1]
    else:
        return None
    cls = getattr(exceptions, name, None)
    if not (isinstance(cls, type) and issubclass(cls, exceptions.HepSurrogatesError)):
        return None
    rebuilt = cls.__new__(cls)
    Exception.__init__(rebuilt, message)
    return rebuilt


def _steps(n: int, chunksize: int) -> list[list[int]]:
    return [[s, min(s + chunksize, n)] for s in range(0, n, chunksize)] or [[0, 0]]


def _unwrap(result: Mapping[str, Any], name: str) -> Any:
    """Processors return {dataset: output}; some paths nest it once more under the dataset."""
    inner = result.get(name, result)
    if isinstance(inner, Mapping) and name in inner and len(inner) == 1:
        return inner[name]
    return inner


class _NoTraceback:
    """Stands in for the ``traceback`` module inside coffea's executor, whose futures and dask
    executors print the full traceback of a failed chunk before re-raising it: the error is
    re-raised to the caller anyway, as its one-line message on the command line."""

    def print_exc(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        import traceback

        return getattr(traceback, name)


class _NoRichTraceback:
    """Stands in for ``rich.traceback.Traceback`` in coffea's dask progress bar, which draws the
    failed task's whole traceback into the bar (the error is re-raised to the caller anyway)."""

    @staticmethod
    def from_exception(*args: Any, **kwargs: Any) -> str:
        return ""


@contextlib.contextmanager
def _reraise_specific() -> Iterator[None]:
    """Re-raise the project's error a coffea Runner wrapped (:func:`_specific`), without the
    traceback coffea prints on its way."""
    from coffea.processor import _dask as coffea_dask
    from coffea.processor import executor as coffea_executor

    real, real_rich = coffea_executor.traceback, coffea_dask.Traceback
    coffea_executor.traceback = _NoTraceback()  # type: ignore[assignment]
    coffea_dask.Traceback = _NoRichTraceback  # type: ignore[assignment,misc]
    try:
        yield
    except Exception as err:
        specific = _specific(err)
        if specific is err:
            raise
        raise specific from None
    finally:
        coffea_executor.traceback, coffea_dask.Traceback = real, real_rich


@contextlib.contextmanager
def _bars_off_stdout(progress: bool) -> Iterator[None]:
    """coffea's Runner draws its rich progress bars on stdout whatever its ``status`` (rich ignores
    the ``disable`` it passes): send them to stderr, or nowhere without ``progress``, so that stdout
    holds only what the caller prints (the command line's JSON summary)."""
    import io
    import sys

    with contextlib.redirect_stdout(sys.stderr if progress else io.StringIO()):
        yield


def run_processor(
    fileset: Mapping[str, Any],
    processor_instance: Any,
    executor: Executor = "dask",
    scheduler: str | None = None,
    workers: int | None = None,
    chunksize: int = 100_000,
    required: tuple[str, ...] = (),
    client: Any = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Process every dataset; returns ``{dataset: computed output}``.

    Args:
        client: an existing distributed client (else one is made from ``scheduler``/``workers``
            for the dask paths).
    """
    import dask

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    if executor not in EXECUTORS:
        raise InvalidArgumentError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if chunksize <= 0:
        raise InvalidArgumentError(f"chunksize must be positive, got {chunksize}")
    if workers is not None:
        check_workers(workers)
    fs = normalise_fileset(fileset)
    entries = _check_inputs(fs, required, processor_instance)

    if executor in ("iterative", "futures"):
        from coffea import processor

        ex = (processor.IterativeExecutor(status=progress) if executor == "iterative"
              else processor.FuturesExecutor(workers=workers or 1, status=progress))
        runner = processor.Runner(executor=ex, schema=PresentCollectionsNanoAODSchema, chunksize=chunksize)
        with _bars_off_stdout(progress), _reraise_specific():
            out = runner(fs, processor_instance=processor_instance, treename="Events")
        return {name: _unwrap(out, name) for name in fs if name in out}

    needs_client = client is None
    with (dask_client(scheduler, workers) if needs_client else contextlib.nullcontext(client)) as cl:
        if executor == "dask-runner":
            from coffea import processor

            runner = processor.Runner(executor=processor.DaskExecutor(client=cl, status=progress),
                                      schema=PresentCollectionsNanoAODSchema, chunksize=chunksize)
            with _bars_off_stdout(progress), _reraise_specific():
                out = runner(fs, processor_instance=processor_instance, treename="Events")
            return {name: _unwrap(out, name) for name in fs if name in out}
        if executor == "dataset-tools":
            from coffea.dataset_tools import DataGroupSpec, apply_to_fileset, preprocess

            named = {n: {**d, "metadata": {**d["metadata"], "files": list(d["files"])}} for n, d in fs.items()}
            available, _ = preprocess(DataGroupSpec(named), step_size=chunksize, skip_bad_files=False)
            graphs = apply_to_fileset(processor_instance, available, schemaclass=PresentCollectionsNanoAODSchema)
            if isinstance(graphs, tuple):
                graphs = graphs[0]
            (computed,) = dask.compute(graphs)
            return {name: _unwrap(computed, name) for name in fs}
        from coffea.nanoevents import NanoEventsFactory

        graphs = {}
        for name, ds in fs.items():
            files = {path: ({"object_path": tree, "steps": _steps(entries[path], chunksize)}
                            if entries[path] is not None else tree)
                     for path, tree in ds["files"].items()}
            events = NanoEventsFactory.from_root(
                files, mode="dask", schemaclass=PresentCollectionsNanoAODSchema,
                metadata={"dataset": name, "files": list(ds["files"]), **ds["metadata"]},
            ).events()
            graphs[name] = processor_instance.process(events)[name]
        (computed,) = dask.compute(graphs)
        return computed
