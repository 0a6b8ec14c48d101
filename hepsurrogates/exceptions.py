"""Exceptions: one class per failure, each saying when it is raised.

Every error the suite raises on bad input derives from :class:`HepSurrogatesError` and carries
an ``exit_code`` that the command line returns, so scripts can tell failures apart:

===========  =======================================================
exit code    meaning
===========  =======================================================
2            bad arguments (unknown sample, non-positive count, ...)
3            output cannot be written
4            input file missing, unreadable, corrupt or of the wrong schema
5            the generator or a computation failed
6            a model bundle does not match what the caller expects
7            a Dask cluster cannot be reached or started
===========  =======================================================
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "HepSurrogatesError",
    "InvalidArgumentError",
    "UnknownSampleError",
    "OutputNotWritableError",
    "InputFileError",
    "MissingInputFileError",
    "CorruptInputFileError",
    "SchemaError",
    "MissingBranchError",
    "GenerationError",
    "BundleError",
    "CardMissingError",
    "CardSchemaError",
    "CardMismatchError",
    "FeatureMismatchError",
    "NonFiniteFeatureError",
    "ClusterError",
    "NonFiniteInputError",
]


class HepSurrogatesError(Exception):
    """Base class of every error raised on bad input or a failed computation."""

    exit_code: int = 1


class InvalidArgumentError(HepSurrogatesError, ValueError):
    """Raised when an argument has a value outside its documented domain."""

    exit_code = 2


class UnknownSampleError(InvalidArgumentError, KeyError):
    """Raised when a sample name is not in the registry of physics processes."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = list(known)
        super().__init__(f"unknown sample {name!r}; known samples: {', '.join(self.known)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.name, self.known))


class OutputNotWritableError(HepSurrogatesError, OSError):
    """Raised when an output directory cannot be created or written to."""

    exit_code = 3


class InputFileError(HepSurrogatesError, OSError):
    """Base class of the errors about an input file."""

    exit_code = 4


class MissingInputFileError(InputFileError, FileNotFoundError):
    """Raised when an input file (or fileset JSON) does not exist."""


class CorruptInputFileError(InputFileError):
    """Raised when a file exists but cannot be read as ROOT (corrupt or truncated)."""


class SchemaError(InputFileError):
    """Raised when a file is readable but is not of the expected schema (no ``Events`` tree,
    a malformed fileset JSON, a card that fails its JSON schema)."""


class MissingBranchError(SchemaError, KeyError):
    """Raised when branches that a computation needs are absent from the input."""

    def __init__(self, source: str, missing: list[str]) -> None:
        self.source = source
        self.missing = sorted(missing)
        super().__init__(
            f"{source}: missing branch(es) {', '.join(self.missing)}"
        )

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across Dask workers and process pools
        return (type(self), (self.source, self.missing))


class GenerationError(HepSurrogatesError, RuntimeError):
    """Raised when the event generator or the detector simulation fails for a chunk."""

    exit_code = 5


class BundleError(HepSurrogatesError):
    """Base class of the errors about a model bundle (ONNX file plus card)."""

    exit_code = 6


class CardMissingError(BundleError):
    """Raised when an ONNX file carries no hepsurrogates card (not a bundle)."""


class CardSchemaError(BundleError):
    """Raised when a card does not validate against its versioned JSON schema; the message names
    the path in the card, the bad value and what the schema expects."""


class CardMismatchError(BundleError):
    """Raised when a card does not match the graph it describes (input name or width, output
    name, sha256 of the weights), a card written beside the file differs from the embedded one,
    or the card is not of the family or features the caller expects."""


class FeatureMismatchError(BundleError, ValueError):
    """Raised when the features given to a model have the wrong width or names."""


class NonFiniteFeatureError(BundleError, ValueError):
    """Raised when a feature given to a model is NaN or infinite; the message names the
    feature and the number of bad rows."""


class NonFiniteInputError(NonFiniteFeatureError):
    """Raised when a floating-point branch that a family reads holds NaN or ±inf (object level,
    before any selection); the message names the branches, the counts, the dataset and the file.
    A kind of :class:`NonFiniteFeatureError` (exit code 6): the same mistake, caught before the
    selection instead of at the network's input."""

    def __init__(self, family: str, source: str, bad: list[tuple[str, int]]) -> None:
        self.family, self.source, self.bad = family, source, list(bad)
        listed = ", ".join(f"{name} ({n} values)" for name, n in self.bad)
        super().__init__(f"{source}: non-finite values in branches the {family} family reads: {listed}; "
                         "they would change which objects are selected, so the run stops (fix or drop these events)")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across Dask workers and process pools
        return (type(self), (self.family, self.source, self.bad))


class ClusterError(HepSurrogatesError, RuntimeError):
    """Raised when a Dask scheduler does not answer at its address, or a cluster cannot start."""

    exit_code = 7
