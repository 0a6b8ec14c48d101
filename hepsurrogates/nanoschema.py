"""``NanoAODSchema`` restricted to the cross-references of collections present in a file.

Our samples carry no ``Photon``, ``FatJet`` or ``LowPtElectron`` collections, so coffea's
``NanoAODSchema`` warns about their cross-reference indices; real CMS NanoAOD has them all and
reads identically with either schema. The class lives at module level so that dask can pickle
it for distributed workers.
"""

from __future__ import annotations

from typing import Any

from coffea.nanoevents import NanoAODSchema

__all__ = ["PresentCollectionsNanoAODSchema"]


class PresentCollectionsNanoAODSchema(NanoAODSchema):
    """``NanoAODSchema`` that links only collections present in the file.

    A cross-reference ``X_yIdx -> Z`` is kept when the file has both collections ``X`` and
    ``Z`` (their counters ``nX``, ``nZ``); if both exist but the index branch is missing,
    coffea's warning stands, because then something the file should carry is absent.
    """

    def __init__(self, base_form: dict[str, Any], version: str = "latest") -> None:
        fields = set(base_form["fields"])
        self.all_cross_references = {
            indexer: target
            for indexer, target in NanoAODSchema.all_cross_references.items()
            if {"n" + indexer.split("_", 1)[0], "n" + target} <= fields
        }
        super().__init__(base_form, version)
