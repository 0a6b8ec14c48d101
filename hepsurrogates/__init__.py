"""hepsurrogates: neural surrogates for expensive per-event HEP computations.

Coffea processors compute features from NanoAOD-style events and attach surrogate outputs
(MEM weights, fast-simulated objects, the di-τ mass m_ML, likelihood ratios and scores,
DNN likelihoods) as new columns; a separate training package builds the models from the same
columnar datasets. The core package holds the command line, the exceptions and the shared
kinematics; the sub-packages ``datasets``, ``models``, ``training`` and ``processors`` are
mapped in from the repository's top-level folders.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from hepsurrogates import exceptions, kinematics

try:
    __version__ = version("hepsurrogates")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "exceptions", "kinematics"]
