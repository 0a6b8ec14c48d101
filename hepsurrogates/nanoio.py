"""Open NanoAOD-style files with coffea, turning every failure into a specific exception.

Bad input is checked where it enters: the file must exist, be a readable ROOT file (not
truncated or corrupt), hold an ``Events`` TTree and, when asked, the branches a computation
needs. The events are then built with ``NanoEventsFactory`` in eager, virtual or dask mode
with :class:`~hepsurrogates.nanoschema.PresentCollectionsNanoAODSchema` (coffea's
``NanoAODSchema`` restricted to the cross-references of collections present in the file).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import uproot

from hepsurrogates.exceptions import (
    CorruptInputFileError,
    InvalidArgumentError,
    MissingBranchError,
    MissingInputFileError,
    SchemaError,
)

__all__ = ["check_file", "open_events", "TREE"]

TREE = "Events"
Mode = Literal["eager", "virtual", "dask"]


def check_file(path: str | os.PathLike[str], required: Iterable[str] = ()) -> int:
    """Validate a NanoAOD-style file and return its number of events.

    Raises:
        MissingInputFileError: the path does not exist.
        CorruptInputFileError: not readable as ROOT (truncated, corrupt, not ROOT at all).
        SchemaError: no ``Events`` TTree.
        MissingBranchError: some of ``required`` are absent.
    """
    p = Path(path)
    if not p.is_file():
        raise MissingInputFileError(f"input file not found: {p}")
    try:
        f = uproot.open(p)
    except Exception as err:  # uproot raises many kinds on garbage; all mean "not ROOT"
        raise CorruptInputFileError(f"{p} is not a readable ROOT file ({type(err).__name__}: {err})") from err
    with f:
        size = p.stat().st_size
        end = int(getattr(f.file, "fEND", 0))
        if end > size:  # ROOT's own test: the header says where the file ends
            raise CorruptInputFileError(f"{p} is truncated at {size} bytes: its header says {end}")
        try:
            tree = f[TREE]
        except Exception as err:  # KeyInFileError, or a directory record that cannot be read
            if isinstance(err, uproot.KeyInFileError):
                raise SchemaError(f"{p} has no '{TREE}' tree (keys: {sorted(f.keys())})") from err
            raise CorruptInputFileError(f"{p}: cannot read the '{TREE}' tree ({type(err).__name__}: {err})") from err
        if not isinstance(tree, uproot.TTree):
            raise SchemaError(f"{p}: '{TREE}' is a {type(tree).__name__}, not a TTree")
        missing = set(required) - set(tree.keys())
        if missing:
            raise MissingBranchError(str(p), sorted(missing))
        n = int(tree.num_entries)
        for branch in tree.branches:  # metadata only: every basket must lie inside the file
            k = branch.num_baskets
            seek = branch.member("fBasketSeek")[:k]
            nbytes = branch.member("fBasketBytes")[:k]
            if len(seek) and (seek + nbytes).max() > size:
                raise CorruptInputFileError(
                    f"{p} is truncated: branch {branch.name!r} has data beyond the file's "
                    f"{size} bytes"
                )
        return n


def open_events(
    path: str | os.PathLike[str],
    mode: Mode = "eager",
    required: Iterable[str] = (),
    entry_stop: int | None = None,
    metadata: dict[str, Any] | None = None,
) -> Any:
    """NanoEvents of one file with ``NanoAODSchema``, after :func:`check_file`.

    Example:
        >>> from hepsurrogates.processors.demo import demo_fileset
        >>> path = next(iter(demo_fileset()["htautau"]["files"]))
        >>> events = open_events(path, mode="eager")
        >>> len(events), "Tau" in events.fields
        (2000, True)
    """
    if mode not in ("eager", "virtual", "dask"):
        raise InvalidArgumentError(f"mode must be 'eager', 'virtual' or 'dask', got {mode!r}")
    check_file(path, required)
    from coffea.nanoevents import NanoEventsFactory

    from hepsurrogates.nanoschema import PresentCollectionsNanoAODSchema

    kwargs: dict[str, Any] = {"mode": mode, "schemaclass": PresentCollectionsNanoAODSchema,
                              "metadata": metadata or {}}
    if entry_stop is not None and mode != "dask":
        kwargs["entry_stop"] = entry_stop
    factory = NanoEventsFactory.from_root({str(path): TREE}, **kwargs)
    return factory.events()
