"""Trained bundles shipped with the package, each rebuilt by one documented command.

* ``ditau_mass``: ``hepsurrogates train ditau --config models/shipped/ditau_mass.train.json --out models/shipped``
* ``mem_dy``: ``hepsurrogates train mem --hypothesis DY --data FILESET --teacher TEACH --config
  models/shipped/mem_dy.train.json --out models/shipped`` (``benchmarks/mem/rebuild.sh`` runs it
  with the filesets and teacher outputs it makes)
* ``mem_tt``, ``mem_hza``: as ``mem_dy`` with ``--hypothesis TT`` / ``HZA`` (``mem_tt.train.json``,
  ``mem_hza.train.json``)
* ``fastsim_wjets_flow``, ``fastsim_wjets_gauss``: ``hepsurrogates train fastsim --config
  models/shipped/<name>.train.json --out models/shipped`` (generating the samples when absent)
* ``ratio_dycontact_alices``, ``ratio_dycontact_sally``: ``hepsurrogates train ratio --config
  models/shipped/ratio_dycontact.train.json --out models/shipped`` (one config for both; generating the
  five dy_contact samples when absent)
* ``likelihood_toy``: ``hepsurrogates likelihood sample`` then ``hepsurrogates likelihood train`` with
  the options of ``likelihood_toy.train.json``

The MEM bundles (:data:`MEM_SHIPPED`) are registered when their files are present: adding
``mem_<h>.onnx`` (and its card) here is enough for :data:`SHIPPED`, :func:`load_shipped_mem`
and ``hepsurrogates run --surrogates mem``.

Each bundle ``<name>.onnx`` has its card beside it (``<name>.card.json``), the training
configuration (``<name>.train.json``) and the validation report (``reports/<name>/``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from hepsurrogates.exceptions import MissingInputFileError

from ..bundle import ModelBundle

__all__ = ["shipped_path", "load_shipped", "load_shipped_mem", "SHIPPED", "MEM_SHIPPED"]

#: MEM hypothesis -> shipped bundle name (present or not)
MEM_SHIPPED = {"DY": "mem_dy", "TT": "mem_tt", "HZA": "mem_hza"}


def _present(name: str) -> bool:
    return resources.files(__name__).joinpath(f"{name}.onnx").is_file()


#: every shipped bundle (the ``.onnx`` files of this folder), sorted; each belongs to the family its
#: card names and is listed in that family's registry entry (tests/test_registry.py)
SHIPPED = tuple(sorted(p.name.removesuffix(".onnx") for p in resources.files(__name__).iterdir()
                       if p.name.endswith(".onnx")))


def shipped_path(name: str) -> Path:
    """Path of the shipped bundle ``name``."""
    path = Path(str(resources.files(__name__).joinpath(f"{name}.onnx")))
    if not path.is_file():
        raise MissingInputFileError(f"no shipped bundle {name!r} (shipped: {', '.join(SHIPPED)})")
    return path


def load_shipped(name: str, family: str | None = None) -> ModelBundle:
    """Load and check a shipped bundle."""
    return ModelBundle.load(shipped_path(name), family=family)


def load_shipped_mem() -> dict[str, ModelBundle | None]:
    """The shipped MEM bundles by hypothesis (``DY``, ``TT``, ``HZA``); None where not shipped."""
    return {h: (load_shipped(n, family="mem") if _present(n) else None) for h, n in MEM_SHIPPED.items()}
