"""Small dy_contact samples shared by the ratio tests: the SM and one contact point on each axis."""

from __future__ import annotations

import pytest

POINTS = {"sm": {}, "llm": {"eta_ll": -1.0}, "lrp": {"eta_lr": 1.0}}
N = 2000


@pytest.fixture(scope="session")
def dy_contact_filesets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from hepsurrogates.datasets import generate  # the generation extra; not needed by the processing-only tests

    base = tmp_path_factory.mktemp("dy_contact")
    out = {}
    for k, (name, options) in enumerate(POINTS.items()):
        generate("dy_contact", N, seed=61 + k, out_dir=base / name, chunk_size=N, options={**options, "mpi": 0.0},
                 progress=False)
        out[name] = str(base / name / "fileset.json")
    return out


