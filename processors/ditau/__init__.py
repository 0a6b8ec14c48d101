"""The ``ditau`` family's processing: m_ML (and FastMTT) attached as columns."""

from .processor import SKIM_COLLECTIONS, DiTauMassProcessor, FastMTTColumn

__all__ = ["DiTauMassProcessor", "FastMTTColumn", "SKIM_COLLECTIONS"]
