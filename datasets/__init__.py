"""Samples: Pythia 8 generators, the CMS-like detector, the NanoAOD writer and readers.

Typical use::

    from hepsurrogates.datasets import generate, open_events
    result = generate("htautau", n_events=2000, seed=1, out_dir="samples")
    events = open_events(result.files[0], mode="eager")

Heavy dependencies (pythia8mc, fastjet) are imported only when events are generated, so
reading samples needs the core installation only.
"""

from __future__ import annotations

from hepsurrogates.fileset import FILESET_NAME, load_fileset, update_fileset
from hepsurrogates.nanoio import check_file, open_events

from .generate import GenerationResult, generate
from .samples import get_sample, sample_names

__all__ = [
    "FILESET_NAME",
    "GenerationResult",
    "check_file",
    "generate",
    "get_sample",
    "load_fileset",
    "open_events",
    "sample_names",
    "update_fileset",
]
