"""The ``mem`` family's processing: the MEM surrogates and the discriminant attached as columns."""

from .processor import (
    MEM_HYPOTHESES,
    MEM_OUTPUT,
    SKIM_COLLECTIONS,
    MEMAttacher,
    MEMProcessor,
    attacher_from_options,
    bundle_hypothesis,
    discriminant,
    hza_field,
    load_mem_bundles,
)

__all__ = ["MEMAttacher", "MEMProcessor", "MEM_HYPOTHESES", "MEM_OUTPUT", "SKIM_COLLECTIONS", "hza_field",
           "discriminant", "load_mem_bundles", "attacher_from_options", "bundle_hypothesis"]
