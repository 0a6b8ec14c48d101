"""The ``mem`` family's processing: the MEM surrogates and the discriminant attached as columns."""

from .processor import (
    MEM_HYPOTHESES,
    MEM_OUTPUT,
    SKIM_COLLECTIONS,
    MEMProcessor,
    discriminant,
    hza_field,
    load_mem_bundles,
    save_mem_results,
)

__all__ = ["MEMProcessor", "MEM_HYPOTHESES", "MEM_OUTPUT", "SKIM_COLLECTIONS", "hza_field", "discriminant",
           "load_mem_bundles", "save_mem_results"]
