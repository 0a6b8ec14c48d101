"""The ``ditau`` family's processing: m_ML (and FastMTT) attached as columns."""

from .processor import SKIM_COLLECTIONS, DiTauAttacher, DiTauMassProcessor, FastMTTColumn, attacher_from_options

__all__ = ["DiTauAttacher", "DiTauMassProcessor", "FastMTTColumn", "SKIM_COLLECTIONS", "attacher_from_options"]
