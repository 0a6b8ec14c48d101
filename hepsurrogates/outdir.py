"""The output directory of a run, checked before any work and cleaned after a failure.

:func:`prepare_output` creates ``--out`` (and its parents) and proves it writable by writing and
removing a probe file, so that ``--out /proc/x`` or ``--out`` naming an existing file fails at
once with :class:`~hepsurrogates.exceptions.OutputNotWritableError` (exit code 3), not after the
whole fileset was processed. :class:`OutputDirectory` removes what a failed run created (the
directory itself when the run made it, else the sub-directories it made), so nothing that looks
like output is left behind.

Example:
    >>> import tempfile, pathlib
    >>> with OutputDirectory(pathlib.Path(tempfile.mkdtemp()) / "run", subdirs=("skim",)) as out:
    ...     (out.path / "skim").is_dir()
    True
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType

from hepsurrogates.exceptions import OutputNotWritableError

__all__ = ["prepare_output", "OutputDirectory"]


def prepare_output(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """(the directory, whether this call created it), after checking that it can be written.

    Raises:
        OutputNotWritableError: a file of that name exists, or the directory cannot be created or
            written to.
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise OutputNotWritableError(f"--out {p} names an existing file, not a directory")
    created = not p.exists()
    try:
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".hepsurrogates-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise OutputNotWritableError(f"output directory {p} is not writable ({err.strerror or err})") from None
    return p, created


class OutputDirectory:
    """A context: the checked output directory; on an exception, what it created is removed."""

    def __init__(self, path: str | os.PathLike[str], subdirs: tuple[str, ...] = ()) -> None:
        self.path, self.created = prepare_output(path)
        self.subdirs: list[Path] = []
        for name in subdirs:
            d = self.path / name
            if not d.exists():
                d.mkdir(parents=True)
                self.subdirs.append(d)

    def __enter__(self) -> OutputDirectory:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            return
        if self.created:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            for d in self.subdirs:
                shutil.rmtree(d, ignore_errors=True)
