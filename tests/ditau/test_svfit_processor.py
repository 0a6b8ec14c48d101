"""``Surrogate_mTauTauSVfit`` (``--with-svfit``): the ClassicSVfit mass as a processor column."""

from __future__ import annotations

import awkward as ak
import dask_awkward as dak
import numpy as np
import pytest

from hepsurrogates.families import get_family
from hepsurrogates.models.ditau.features import REQUIRED_BRANCHES
from hepsurrogates.models.ditau.svfit import svfit_mass
from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.nanoio import open_events
from hepsurrogates.processors.demo import demo_fileset
from hepsurrogates.processors.ditau import DiTauMassProcessor
from hepsurrogates.processors.ditau.processor import attacher_from_options

pytest.importorskip("vegas")  # SVfit samples with VEGAS (the generation extra): not a processing-only test

HTAUTAU = next(iter(demo_fileset()["htautau"]["files"]))
N = 60


@pytest.fixture(scope="module")
def bundle():
    return load_shipped("ditau_mass", family="ditau")


def test_svfit_column_is_classic_svfit_on_the_pair_legs(bundle):
    proc = DiTauMassProcessor(bundle, with_svfit=True, with_fastmtt=True)
    events, atts = proc.attach(open_events(HTAUTAU, mode="eager")[:N])
    inputs = atts["ditau"].extras["inputs"]
    pair = ak.to_numpy(inputs.valid)
    s = ak.to_numpy(ak.fill_none(events.Surrogate.mTauTauSVfit, np.nan))
    assert 5 <= pair.sum() and np.isnan(s[~pair]).all() and np.isfinite(s[pair]).all()
    l1, l2 = inputs.legs["leg1"], inputs.legs["leg2"]
    met = events.MET
    cols = [ak.to_numpy(l1[k])[pair] for k in ("pt", "eta", "phi", "mass", "hadronic")]
    cols += [ak.to_numpy(l2[k])[pair] for k in ("pt", "eta", "phi", "mass", "hadronic")]
    cols += [ak.to_numpy(a)[pair] for a in (met.pt * np.cos(met.phi), met.pt * np.sin(met.phi),
                                            met.covXX, met.covXY, met.covYY)]
    assert np.allclose(s[pair], svfit_mass(*cols)["mass"], rtol=1e-6)
    f = ak.to_numpy(ak.fill_none(events.Surrogate.mTauTauFastMTT, np.nan))
    assert 0.6 < np.median(s[pair] / f[pair]) < 1.4  # the same quantity as FastMTT, another estimator
    assert "mTauTauSVfit_inDomain" not in events.Surrogate.fields


def test_svfit_column_lazy_equals_eager_and_reads_the_declared_branches(bundle):
    proc = DiTauMassProcessor(bundle, with_svfit=True)
    lazy, _ = proc.attach(open_events(HTAUTAU, mode="dask")[:N])
    (columns,) = dak.necessary_columns(lazy.Surrogate.mTauTauSVfit).values()
    assert sorted(columns) == sorted(REQUIRED_BRANCHES)
    eager, _ = proc.attach(open_events(HTAUTAU, mode="eager")[:N])
    a = ak.to_numpy(ak.fill_none(lazy.Surrogate.mTauTauSVfit.compute(), np.nan))
    b = ak.to_numpy(ak.fill_none(eager.Surrogate.mTauTauSVfit, np.nan))
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a[~np.isnan(a)], b[~np.isnan(b)])


def test_with_svfit_is_a_run_option_of_an_algorithm_column():
    spec = get_family("ditau")
    col = spec.column("mTauTauSVfit")
    assert col.unit == "GeV" and not col.learned and col.teacher is None
    assert any(o.dest == "with_svfit" and "run" in o.commands for o in spec.options)
    assert attacher_from_options(with_svfit=True).output_fields == ["mTauTau", "mTauTauSVfit"]
    assert attacher_from_options().output_fields == ["mTauTau"]
