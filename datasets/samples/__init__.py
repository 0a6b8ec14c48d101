"""The registry of physics processes: one module per process, each exporting ``SAMPLE``."""

from __future__ import annotations

from hepsurrogates.exceptions import UnknownSampleError

from . import dy_contact, dy_ll, htautau, hza_llbb, ttbar_dilepton, wjets_munu
from .base import COMMON_SETTINGS, SampleSpec

__all__ = ["SampleSpec", "COMMON_SETTINGS", "REGISTRY", "get_sample", "sample_names"]

REGISTRY: dict[str, SampleSpec] = {
    m.SAMPLE.name: m.SAMPLE for m in (htautau, dy_ll, ttbar_dilepton, hza_llbb, wjets_munu, dy_contact)
}


def sample_names() -> list[str]:
    """The registered sample names, sorted."""
    return sorted(REGISTRY)


def get_sample(name: str) -> SampleSpec:
    """The sample called ``name``.

    Raises:
        UnknownSampleError: ``name`` is not registered (the message lists the known ones).
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownSampleError(name, sample_names()) from None
