"""Shared fixtures: small Pythia samples generated once per test session.

Optional dependencies are skipped inside the fixtures that need them (``pytest.importorskip``),
so a processing-only installation (no Pythia, no torch) still collects every module and runs the
processing tests (``pytest -m processing``, as ``.ci/run`` does in its core-only environment).
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Sizes keep the whole suite fast on 2 cores while giving the statistical tests power
#: (about 4000 tau decays, 900 muon-free Drell-Yan events).
HTAUTAU_EVENTS = 2000
DY_EVENTS = 1600


def _generate(*args, **kwargs):
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")
    from hepsurrogates.datasets import generate

    return generate(*args, **kwargs)


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def htautau_sample(samples_dir: Path):
    """2000 gg -> H -> tautau events (flat m_H 50-1000 GeV) in two chunks, two workers."""
    return _generate("htautau", HTAUTAU_EVENTS, seed=11, out_dir=samples_dir, workers=2,
                     chunk_size=HTAUTAU_EVENTS // 2, progress=False)


@pytest.fixture(scope="session")
def dy_sample(samples_dir: Path):
    """1600 Z/gamma* -> ll events (m_ll > 50 GeV) in one chunk."""
    return _generate("dy_ll", DY_EVENTS, seed=12, out_dir=samples_dir, workers=1,
                     chunk_size=DY_EVENTS, progress=False)
