"""pyhf workspaces in (JSON files, the project's histograms), fits, t_μ, CLs limits and combinations."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pyhf = pytest.importorskip("pyhf")
pytest.importorskip("iminuit")

from hepsurrogates.datasets.teachers.likelihood.histograms import Template, Variation, workspace_from_histograms
from hepsurrogates.datasets.teachers.likelihood.toy import ToyCategories, ToyLikelihood
from hepsurrogates.datasets.teachers.likelihood.workspace import (
    WorkspaceLikelihood,
    load_workspace,
    workspace_from_spec,
)
from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError
from hepsurrogates.models.likelihood.combine import CombinedLikelihood
from hepsurrogates.models.likelihood.limits import cls_scan, upper_limit
from hepsurrogates.models.likelihood.profile import profile_scan

B = np.array([100.0, 80, 60, 45, 30, 20, 12, 8])
S = np.array([2.0, 5, 9, 12, 9, 5, 2, 1])


@pytest.fixture(scope="module")
def small_spec():
    obs = np.random.default_rng(3).poisson(B).astype(float)
    var = Variation(Template(S * 1.05), Template(S * 0.95), Template(B * np.linspace(1.04, 0.97, 8)),
                    Template(B * np.linspace(0.96, 1.03, 8)))
    return workspace_from_histograms(Template(S), Template(B, B / 5), obs, list(range(9)), variations={"tes": var})


def test_workspace_from_histograms_is_a_valid_pyhf_workspace(small_spec):
    ws = workspace_from_spec(small_spec)
    w = WorkspaceLikelihood(ws)
    assert set(w.parameter_names) == {"mu", "lumi", "bkg_norm", "tes", *(f"mcstat[{i}]" for i in range(8))}
    model = ws.model()
    x = w.nominal()
    assert w.logpdf(x[None])[0] == pytest.approx(float(model.logpdf(x, ws.data(model))[0]), rel=1e-12)
    priors = {p["name"]: p["prior"] for p in w.parameters()}
    assert priors["mu"]["kind"] == "uniform" and priors["lumi"] == {"kind": "normal", "mean": 1.0, "sigma": 0.025}
    # the staterror width is sqrt(sum w2)/n of the summed samples
    assert priors["mcstat[0]"]["sigma"] == pytest.approx(math.sqrt(B[0] / 5 + S[0]) / (B[0] + S[0]), rel=1e-9)
    rows = np.repeat(x[None], 300, axis=0)
    rows[:, w.poi_index] = np.linspace(0, 3, 300)
    batched = w.logpdf(rows)
    np.testing.assert_allclose(batched[[0, 150, 299]], [w.logpdf(rows[i])[0] for i in (0, 150, 299)], rtol=1e-12)


def test_histograms_with_an_empty_background_bin_are_refused():
    with pytest.raises(InvalidArgumentError, match=r"empty in bin\(s\) \[1\]"):
        workspace_from_histograms(Template([1.0, 1.0]), Template([5.0, 0.0]), [5, 0], [0, 1, 2])


def test_workspace_files_are_validated_with_the_path_named(tmp_path, small_spec):
    with pytest.raises(MissingInputFileError):
        load_workspace(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SchemaError, match="bad.json is not valid JSON"):
        load_workspace(bad)
    broken = json.loads(json.dumps(small_spec))
    broken["channels"][0]["samples"][1]["modifiers"][1]["type"] = "normsyst"
    bad.write_text(json.dumps(broken))
    with pytest.raises(SchemaError, match=r"bad.json: not a valid pyhf workspace at channels/0/samples/1/modifiers/1"):
        load_workspace(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps(small_spec))
    assert WorkspaceLikelihood.from_file(good).n_parameters == 12


def test_t_mu_of_a_counting_experiment_is_the_analytic_one():
    """One bin, no nuisances: t_μ = 2[λ − n + n ln(n/λ)] with λ = μs + b (μ̂ = (n − b)/s)."""
    n, s, b = 30.0, 10.0, 15.0

    def logpdf(x):
        lam = x[:, 0] * s + b
        return n * np.log(lam) - lam

    mu = np.linspace(0, 3, 7)
    scan = profile_scan(logpdf, mu, np.array([1.0]), [(-1.0, 5.0)])
    lam = mu * s + b
    np.testing.assert_allclose(scan.t_mu, 2 * (lam - n + n * np.log(n / lam)), atol=1e-6)
    assert scan.best.x[0] == pytest.approx((n - b) / s, abs=1e-5)


def test_cls_limit_matches_pyhf(small_spec):
    """The observed-width asymptotic CLs limit against pyhf's Asimov one: within 2 %."""
    ws = workspace_from_spec(small_spec)
    w = WorkspaceLikelihood(ws)
    mus = np.linspace(0.1, 3, 30)
    ours = upper_limit(cls_scan(w.logpdf, mus, w.nominal(), [tuple(p["range"]) for p in w.parameters()],
                                poi=w.poi_index))
    model = ws.model()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyhf warns that mu is not bounded at zero for q-tilde
        theirs, _ = pyhf.infer.intervals.upper_limits.upper_limit(ws.data(model), model, scan=mus, level=0.05,
                                                                   test_stat="qtilde")
    assert ours == pytest.approx(float(theirs), rel=0.02)


def test_toy_split_by_category_combines_into_the_full_toy():
    toy = ToyLikelihood.load()
    combo = CombinedLikelihood([ToyCategories(toy, (0, 1)), ToyCategories(toy, (2,))])
    assert sorted(combo.parameter_names) == sorted(toy.parameter_names)
    rng = np.random.default_rng(4)
    x = np.tile(toy.nominal(), (40, 1))
    x[:, 0] = rng.uniform(0, 2, 40)
    x[:, 1:] = rng.normal(size=(40, 94))
    order = [combo.parameter_names.index(n) for n in toy.parameter_names]
    xc = np.empty_like(x)
    xc[:, order] = x
    np.testing.assert_allclose(combo.logpdf(xc), toy.logpdf(x), rtol=1e-12)
    without = sum(p.logpdf(xc[:, idx]) for p, idx in zip(combo.parts, combo._index))
    assert np.all(without < combo.logpdf(xc) - 1.0)  # the shared constraints would be counted twice


def test_combination_refuses_disagreeing_parameters():
    toy = ToyLikelihood.load()

    class Other(ToyCategories):
        def parameters(self):
            recs = super().parameters()
            recs[-1] = dict(recs[-1], prior={"kind": "normal", "mean": 0.0, "sigma": 2.0})
            return recs

    with pytest.raises(InvalidArgumentError, match="'CR' differs between the parts"):
        CombinedLikelihood([ToyCategories(toy, (0,)), Other(toy, (1,))])
