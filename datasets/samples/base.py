"""A physics process as data: Pythia 8 settings, tunable options, hooks and teacher columns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hepsurrogates.constants import SQRT_S_13TEV
from hepsurrogates.exceptions import InvalidArgumentError

__all__ = ["SampleSpec", "COMMON_SETTINGS"]

#: Settings every sample shares: 13 TeV pp, CMS-like quiet output. Pythia's default PDF
#: (NNPDF2.3 QCD+QED LO) and tune (Monash) are kept on purpose: the MEM teacher reads the
#: same PDF grid.
COMMON_SETTINGS: tuple[str, ...] = (
    "Beams:idA = 2212",
    "Beams:idB = 2212",
    f"Beams:eCM = {SQRT_S_13TEV:.1f}",
    "Print:quiet = on",
    "Next:numberCount = 0",
    "Check:event = on",
    # Long-lived particles decay only if cτ < 10 mm, as in CMS generation (K0S, Λ stable).
    "ParticleDecays:limitTau0 = on",
    "ParticleDecays:tau0Max = 10",
)


@dataclass(frozen=True)
class SampleSpec:
    """One physics process.

    Attributes:
        name: registry key, used on the command line and in file names.
        description: one line for ``hepsurrogates generate --list``.
        options: tunable numeric options with their defaults (for example a mass range).
        settings: builds the process-specific Pythia settings from the resolved options.
        hooks: builds a ``pythia8mc.UserHooks`` for a Pythia instance (or ``None``); it gets the
            instance so it can read its PDFs.
        teacher: maps per-event generator information (Pythia ``Info`` scalars such as ``mHat``,
            ``x1``, ``id1``, and the hard-process record as padded ``process_<field>`` rows, see
            :func:`..pythia_run.process_rows`) to ``Teacher_<name>`` columns.
        default_chunk_size: events per output file.
        physical_xsec: whether Pythia's cross-section estimate is the physical one (False when
            hooks reshape the distribution, e.g. a flattened mass spectrum).
    """

    name: str
    description: str
    options: Mapping[str, float]
    settings: Callable[[Mapping[str, float]], list[str]]
    hooks: Callable[[Any, Mapping[str, float]], Any] | None = None
    teacher: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]] = field(
        default=lambda info: {}
    )
    default_chunk_size: int = 2000
    physical_xsec: bool = True

    def resolve_options(self, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
        """The options with user overrides applied; unknown option names are an error."""
        resolved = dict(self.options)
        for key, value in (overrides or {}).items():
            if key not in resolved:
                raise InvalidArgumentError(
                    f"sample {self.name!r} has no option {key!r}; "
                    f"its options are {sorted(resolved)}"
                )
            resolved[key] = float(value)
        return resolved

    def pythia_settings(self, options: Mapping[str, float]) -> list[str]:
        """All Pythia settings for this process (common ones first), without the seed."""
        return [*COMMON_SETTINGS, *self.settings(options)]
