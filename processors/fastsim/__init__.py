"""The ``fastsim`` family's processing: reco-level FastSim collections drawn from gen level."""

from .processor import FastSimAttacher, FastSimColumns, FastSimProcessor, attacher_from_options

__all__ = ["FastSimAttacher", "FastSimColumns", "FastSimProcessor", "attacher_from_options"]
