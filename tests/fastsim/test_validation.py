"""Validation metrics of the fastsim family: W1/KS, correlations, C2ST, binned response and efficiency, plots."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from hepsurrogates.training.fastsim import validation as v

NAMES = [f"f{j}" for j in range(9)]


def _gauss(seed: int, n: int = 20000, d: int = 9) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


# --------------------------------------------------------------------------------------------
# 1-D distances
# --------------------------------------------------------------------------------------------


def test_wasserstein_of_a_mean_shift_is_the_shift():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.0, 1.0, 20000), rng.normal(0.3, 1.0, 20000)
    assert v.wasserstein_1d(a, b) == pytest.approx(0.3, abs=0.03)
    # equal distributions: W1 ~ sqrt(2/(pi n)) ~ 0.006 (two independent draws of n = 20000)
    assert v.wasserstein_1d(a, rng.normal(0.0, 1.0, 20000)) < 0.03
    assert v.wasserstein_1d(a, a) == 0.0


def test_ks_statistic_and_p_value():
    rng = np.random.default_rng(2)
    a = rng.normal(size=5000)
    stat, p = v.ks_2samp(a, rng.normal(size=5000))
    assert stat < 0.04 and p > 1e-3
    stat, p = v.ks_2samp(a, rng.normal(0.3, 1.0, 5000))
    assert stat > 0.08 and p < 1e-6
    assert isinstance(stat, float) and isinstance(p, float)


def test_per_feature_metrics_floor_keys_and_ratio():
    t, floor, s = _gauss(3, 20000), _gauss(4, 20000), _gauss(5, 20000)
    s_scaled = s * 5.0  # w1 is in units of the teacher's sigma
    t_scaled = t * 5.0
    out = v.per_feature_metrics(t, s, NAMES)
    assert list(out) == NAMES
    assert set(out["f0"]) == {"w1", "w1_raw", "ks", "ks_p"}
    out_f = v.per_feature_metrics(t, s, NAMES, floor=floor)
    assert set(out_f["f0"]) == {"w1", "w1_raw", "ks", "ks_p", "w1_floor", "ks_floor", "w1_ratio"}
    for name in NAMES:
        assert 0.3 < out_f[name]["w1_ratio"] < 3.0
        assert out_f[name]["w1"] < 0.03 and out_f[name]["ks"] < 0.03
        assert out_f[name]["w1_ratio"] == pytest.approx(out_f[name]["w1"] / out_f[name]["w1_floor"])
    scaled = v.per_feature_metrics(t_scaled, s_scaled, NAMES)
    assert scaled["f0"]["w1"] == pytest.approx(out["f0"]["w1"], rel=1e-9)
    assert scaled["f0"]["w1_raw"] == pytest.approx(5.0 * out["f0"]["w1_raw"], rel=1e-9)
    # a 0.3 sigma shift in one feature: w1 ~ 0.3, ratio far above 1, others untouched
    s_shift = s.copy()
    s_shift[:, 4] += 0.3
    shifted = v.per_feature_metrics(t, s_shift, NAMES, floor=floor)
    assert shifted["f4"]["w1"] == pytest.approx(0.3, abs=0.03)
    assert shifted["f4"]["w1_ratio"] > 10.0
    assert shifted["f3"]["w1_ratio"] < 3.0
    json.dumps(shifted)


def test_correlation_matrices():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(20000, 3))
    t = z.copy()
    t[:, 1] = 0.6 * z[:, 0] + 0.8 * z[:, 1]  # rho(0, 1) = 0.6
    out = v.correlation_matrices(t, z, ["a", "b", "c"])
    assert out["names"] == ["a", "b", "c"]
    assert out["teacher"][0][1] == pytest.approx(0.6, abs=0.02)
    assert out["teacher"][0][0] == 1.0 and abs(out["surrogate"][0][1]) < 0.03
    assert out["max_abs_diff"] == pytest.approx(0.6, abs=0.03)
    assert np.allclose(np.array(out["teacher"]), np.corrcoef(t, rowvar=False), atol=1e-12)
    json.dumps(out)


# --------------------------------------------------------------------------------------------
# classifier two-sample test
# --------------------------------------------------------------------------------------------


def test_rank_auc_matches_brute_force_with_ties():
    pos = np.array([0.1, 0.4, 0.4, 0.7, 0.9, 0.4])
    neg = np.array([0.4, 0.2, 0.7, 0.1, 0.05])
    brute = np.mean([1.0 if p > q else 0.5 if p == q else 0.0 for p, q in itertools.product(pos, neg)])
    assert v.rank_auc(pos, neg) == pytest.approx(brute, abs=1e-12)
    assert v.rank_auc(neg, pos) == pytest.approx(1.0 - brute, abs=1e-12)
    assert v.rank_auc(np.ones(4), np.ones(3)) == 0.5


def test_hanley_mcneil_error_at_half():
    # A = 1/2: SE^2 = (1/4 + (n1 + n2 - 2)/12) / (n1 n2)
    n1, n2 = 1000, 2000
    assert v.hanley_mcneil_error(0.5, n1, n2) == pytest.approx(np.sqrt((0.25 + (n1 + n2 - 2) / 12) / (n1 * n2)))


def test_c2st_identical_distributions_and_determinism():
    a, b = _gauss(7), _gauss(8)
    r1 = v.c2st_auc(a, b, seed=3)
    r2 = v.c2st_auc(a, b, seed=3)
    assert r1 == r2
    assert abs(r1["auc"] - 0.5) < 0.03
    assert r1["n_test"] == 20000
    assert 0.003 < r1["auc_error"] < 0.006
    json.dumps(r1)


def test_c2st_detects_a_half_sigma_shift_in_one_feature():
    a, b = _gauss(9), _gauss(10)
    b[:, 5] += 0.5
    # optimal classifier: AUC = Phi(0.5 / sqrt(2)) = 0.638
    r = v.c2st_auc(a, b, seed=0)
    assert r["auc"] > 0.6
    assert r["auc"] < 0.66


def test_c2st_restores_thread_count_and_rng_state():
    import torch

    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    v.c2st_auc(_gauss(11, 400, 3), _gauss(12, 300, 3), seed=1, epochs=2)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.rand(3), expected)


# --------------------------------------------------------------------------------------------
# binned response and efficiency
# --------------------------------------------------------------------------------------------

PT_EDGES = [20.0, 40.0, 80.0, 200.0]
ETA_EDGES = [0.0, 1.2, 2.4]


def _objects(seed: int, n: int = 60000):
    rng = np.random.default_rng(seed)
    pt = 20.0 + rng.exponential(40.0, n)
    eta = rng.uniform(-2.5, 2.5, n)
    return rng, pt, np.abs(eta)


def _smear(rng, pt, scale=1.0):
    sigma = scale * (0.05 + 0.5 / np.sqrt(pt))  # relative resolution, worse at low pT
    return pt * (1.0 + sigma * rng.normal(size=len(pt)))


def test_binned_response_detects_wider_smearing():
    rng, pt, eta = _objects(13)
    teacher = _smear(rng, pt)
    same = _smear(rng, pt)
    wider = _smear(rng, pt, scale=1.1)
    ok = v.binned_response(pt, teacher, same, pt, eta, PT_EDGES, ETA_EDGES)
    assert ok["n_filled"] == 6
    assert ok["fraction_within_2sigma"] >= 0.8
    assert ok["max_abs_pull_mean"] < 4.0 and ok["max_abs_pull_width"] < 4.0
    # the teacher's mean is 1 and its width the input resolution (bin-averaged)
    assert np.allclose(np.array(ok["mean_teacher"]), 1.0, atol=0.01)
    bad = v.binned_response(pt, teacher, wider, pt, eta, PT_EDGES, ETA_EDGES)
    n = np.array(bad["n"])
    pulls = np.array(bad["pull_width"], dtype=float)
    well_populated = n >= 2000
    assert well_populated.sum() >= 4
    assert np.all(pulls[well_populated] > 2.0)
    ratio = np.array(bad["width_surrogate"]) / np.array(bad["width_teacher"])
    assert np.allclose(ratio[well_populated], 1.1, atol=0.04)
    # errors: sigma / sqrt(n) for the mean, sigma / sqrt(2 (n - 1)) for the width
    w, nn = np.array(bad["width_teacher"]), n.astype(float)
    assert np.allclose(np.array(bad["mean_teacher_err"]), w / np.sqrt(nn))
    assert np.allclose(np.array(bad["width_teacher_err"]), w / np.sqrt(2 * (nn - 1)))
    json.dumps(bad)


def test_binned_response_flags_low_stat_bins():
    rng, pt, eta = _objects(14, 3000)
    teacher = _smear(rng, pt)
    out = v.binned_response(pt, teacher, _smear(rng, pt), pt, eta, [20.0, 40.0, 400.0, 1000.0], ETA_EDGES,
                            min_events=30)
    low = np.array(out["low_stat"])
    assert low[2].all() and not low[0].any()  # nothing above 400 GeV with a 40 GeV exponential
    assert out["mean_teacher"][2] == [None, None] and out["pull_width"][2] == [None, None]
    assert out["n_filled"] == int((~low).sum())
    text = json.dumps(out)
    assert "NaN" not in text


def test_binned_efficiency_pulls():
    rng, pt, eta = _objects(15, 40000)
    eff = np.where(pt < 40.0, 0.7, 0.95)
    teacher = rng.uniform(size=len(pt)) < eff
    same = rng.uniform(size=len(pt)) < eff
    lower = rng.uniform(size=len(pt)) < eff - 0.05
    ok = v.binned_efficiency(pt, eta, teacher, same, PT_EDGES, ETA_EDGES)
    assert ok["fraction_within_2sigma"] >= 0.8 and ok["max_abs_pull"] < 4.0
    assert np.allclose(np.array(ok["eff_teacher"])[0], 0.7, atol=0.02)
    e, n = np.array(ok["eff_teacher"]), np.array(ok["n"])
    assert np.allclose(np.array(ok["eff_teacher_err"]), np.sqrt(e * (1 - e) / n))
    bad = v.binned_efficiency(pt, eta, teacher, lower, PT_EDGES, ETA_EDGES)
    pulls = np.array(bad["pull"], dtype=float)
    assert np.all(pulls[n >= 2000] < -2.0)
    # all found in both: efficiency 1, zero errors, pull 0 (not NaN)
    full = np.ones(len(pt), dtype=bool)
    one = v.binned_efficiency(pt, eta, full, full, PT_EDGES, ETA_EDGES)
    assert one["max_abs_pull"] == 0.0 and one["fraction_within_2sigma"] == 1.0
    json.dumps(bad)


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------


def test_bad_input_messages():
    t, s = _gauss(16, 50, 3), _gauss(17, 50, 3)
    names = ["px", "py", "pz"]
    with pytest.raises(ValueError, match="surrogate has 2 columns, expected 3"):
        v.per_feature_metrics(t, s[:, :2], names)
    with pytest.raises(ValueError, match="teacher needs at least 2 rows, got 1"):
        v.per_feature_metrics(t[:1], s, names)
    s_nan = s.copy()
    s_nan[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"surrogate column 2 \('pz'\) has 1 non-finite values \(first at row 7\)"):
        v.per_feature_metrics(t, s_nan, names)
    floor = t.copy()
    floor[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"floor column 1 \('py'\)"):
        v.per_feature_metrics(t, s, names, floor=floor)
    with pytest.raises(ValueError, match="names has 2 entries but the arrays have 3 columns"):
        v.correlation_matrices(t, s, names[:2])
    with pytest.raises(ValueError, match="b has 2 columns, expected 3"):
        v.c2st_auc(t, s[:, :2])
    with pytest.raises(ValueError, match="a has 1 non-finite values"):
        v.wasserstein_1d(np.array([0.0, np.nan]), np.zeros(3))
    with pytest.raises(ValueError, match="teacher column 0 \\('px'\\) has zero standard deviation"):
        v.per_feature_metrics(np.zeros((5, 3)), s, names)
    pt = np.linspace(20, 100, 10)
    with pytest.raises(ValueError, match="reco_surrogate has 1 non-finite"):
        v.binned_response(pt, pt, np.r_[pt[:-1], np.nan], pt, pt, PT_EDGES, ETA_EDGES)
    with pytest.raises(ValueError, match="arrays of different lengths"):
        v.binned_response(pt, pt, pt[:-1], pt, pt, PT_EDGES, ETA_EDGES)
    with pytest.raises(ValueError, match="pt_edges must be strictly increasing"):
        v.binned_efficiency(pt, pt, pt > 50, pt > 50, [40.0, 20.0], ETA_EDGES)
    with pytest.raises(ValueError, match="found_teacher must be boolean"):
        v.binned_efficiency(pt, pt, pt, pt > 50, PT_EDGES, ETA_EDGES)


# --------------------------------------------------------------------------------------------
# plots
# --------------------------------------------------------------------------------------------


def test_make_plots_writes_pngs(tmp_path):
    pytest.importorskip("matplotlib")
    pytest.importorskip("mplhep")
    from hepsurrogates.training.fastsim.report import make_plots

    t, s, floor = _gauss(18, 2000, 3), _gauss(19, 2000, 3), _gauss(20, 2000, 3)
    names = ["$p_x^{\\mu}$", "jet pz", "log M_jet"]
    paths = make_plots(t, s, names, tmp_path / "plots", floor=floor)
    expected = ["feature_00_p_x_mu.png", "feature_01_jet_pz.png", "feature_02_log_M_jet.png", "correlations.png"]
    assert [p.name for p in paths] == expected
    for p in paths:
        assert p.parent == tmp_path / "plots"
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    assert len(make_plots(t, s, names, tmp_path / "no_floor")) == 4
