"""The dy_contact gold against Pythia 8 itself: the reweighted sample at one θ reproduces Pythia's own
sample at another (cross section, m_ll and cos θ* shapes), and the morphing reproduces |M|² to rounding."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pythia8mc")

from hepsurrogates.datasets.pythia_run import PythiaRun  # noqa: E402
from hepsurrogates.datasets.samples import get_sample  # noqa: E402
from hepsurrogates.datasets.samples.dy_contact import hard_process_msq  # noqa: E402
from hepsurrogates.datasets.teachers.ratio import contact  # noqa: E402
from hepsurrogates.datasets.teachers.ratio.closure import HARD_PROCESS_ONLY, hard_process_events, reweighting_closure  # noqa: E402
from hepsurrogates.exceptions import GenerationError, InvalidArgumentError  # noqa: E402
from hepsurrogates.morphing import DEFAULT_BASIS, Morphing, quadratic_basis, theta_label  # noqa: E402

SAMPLE = get_sample("dy_contact")
N_EVENTS = 40_000


def _points(eta_ll: int, eta_lr: int, seed: int) -> dict:
    return hard_process_events({"eta_ll": eta_ll, "eta_lr": eta_lr, "mll_min": 400.0}, N_EVENTS, seed)


@pytest.fixture(scope="module")
def samples() -> dict:
    return {"LLm": _points(-1, 0, 11), "SM": _points(0, 0, 12), "LRp": _points(0, 1, 13)}


@pytest.mark.slow
@pytest.mark.parametrize("source,target", [("LLm", "SM"), ("LRp", "SM"), ("SM", "LLm"), ("LRp", "LLm")])
def test_reweighting_reproduces_pythia_at_another_theta(samples, source, target):
    c = reweighting_closure(samples[source], samples[target])
    assert abs(c["pull"]) < 4.0, c
    assert abs(c["sigma_ratio_pythia"] - 1.0) > 5 * c["sigma_ratio_pythia_err"], "the points must differ measurably"
    assert c["chi2_mll"] < 35.0 and c["chi2_cos_theta"] < 35.0, c  # 9 degrees of freedom: p ≈ 7e-5


@pytest.mark.slow
def test_a_wrong_helicity_assignment_is_seen(samples):
    """The shape test has power: exchanging t̂ and û (LL contact term in the LR helicity) fails it."""
    swapped = dict(samples["LLm"], coeff=samples["LLm"]["coeff"][:, [0, 2, 1, 5, 4, 3]])
    assert reweighting_closure(swapped, samples["SM"])["chi2_cos_theta"] > 100.0


def test_pythia_computes_the_z_width_the_teacher_uses():
    run = PythiaRun([*SAMPLE.pythia_settings(SAMPLE.resolve_options()), *HARD_PROCESS_ONLY], 5)
    assert run.pythia.particleData.mWidth(23) == pytest.approx(contact.GAMMA_Z, rel=1e-9)
    assert run.pythia.particleData.m0(23) == contact.M_Z


def test_morphing_reproduces_msq_at_random_theta_to_rounding():
    rng = np.random.default_rng(3)
    shat = rng.uniform(400.0, 3000.0, 500) ** 2
    cos = rng.uniform(-1.0, 1.0, 500)
    coeff = contact.msq_coefficients(shat, -shat * (1 - cos) / 2, -shat * (1 + cos) / 2, rng.integers(1, 6, 500))
    morph = Morphing(DEFAULT_BASIS)
    values = coeff @ quadratic_basis(morph.basis).T
    theta = rng.uniform(-0.2, 0.2, (500, 2))
    exact = np.einsum("nk,nk->n", coeff, quadratic_basis(theta))
    np.testing.assert_allclose(morph.values(values, theta), exact, rtol=1e-11)
    assert np.all(exact > 0.0)


def test_joint_score_is_the_gradient_of_the_joint_log_ratio():
    rng = np.random.default_rng(4)
    shat = rng.uniform(400.0, 2000.0, 50) ** 2
    cos = rng.uniform(-1.0, 1.0, 50)
    coeff = contact.msq_coefficients(shat, -shat * (1 - cos) / 2, -shat * (1 + cos) / 2, np.full(50, 2))
    morph = Morphing()
    w = coeff @ quadratic_basis(morph.basis).T
    sigma = w.mean(axis=0)
    theta, ref, h = np.array([0.01, -0.02]), np.array([0.0, 0.0]), 1e-6
    t = morph.joint_score(w, sigma, theta)
    for i in range(2):
        step = np.zeros(2)
        step[i] = h
        up, down = (morph.joint_log_ratio(w, sigma, theta + sign * step, ref) for sign in (1.0, -1.0))
        fd = (up - down) / (2 * h)
        np.testing.assert_allclose(t[:, i], fd, rtol=1e-5, atol=1e-6)
    # normalised on a sample generated at ref (σ_b = E_ref[w_b / w(ref)]), the score at ref averages to zero
    sigma_ref = (w / morph.values(w, ref)[:, None]).mean(axis=0)
    np.testing.assert_allclose(morph.joint_score(w, sigma_ref, ref).mean(axis=0), 0.0, atol=1e-9)


def test_the_sm_limit_is_drell_yan():
    """θ = 0: the photon-only limit at ŝ ≪ m_Z² has the 1 + cos²θ shape and Q_q² scaling."""
    s = np.full(3, 25.0)
    cos = np.array([-0.5, 0.0, 0.5])
    msq = {q: contact.msq_coefficients(s, -s * (1 - cos) / 2, -s * (1 + cos) / 2, np.full(3, q))[:, 0] for q in (1, 2)}
    np.testing.assert_allclose(msq[2] / msq[1], 4.0, rtol=0.02)
    np.testing.assert_allclose(msq[2] / msq[2][1], 1 + cos**2, rtol=0.05)


def test_labels_and_bad_input():
    assert theta_label([-0.04, 0.0]) == "cLLm0p04_cLR0"
    assert Morphing().labels[0] == "cLL0_cLR0"
    with pytest.raises(InvalidArgumentError, match="do not determine a quadratic"):
        Morphing(np.array([[0, 0], [1, 0], [2, 0], [3, 0], [0, 1], [1, 1]], dtype=float))
    with pytest.raises(InvalidArgumentError, match="expected 6 points"):
        Morphing(DEFAULT_BASIS[:5])
    with pytest.raises(InvalidArgumentError, match="must be a quark"):
        contact.msq_coefficients([1e5], [-5e4], [-5e4], [21])
    with pytest.raises(InvalidArgumentError, match="eta_ll must be -1, 0 or 1"):
        SAMPLE.pythia_settings(SAMPLE.resolve_options({"eta_ll": 0.5}))
    info = {"process_id": np.array([[90, 21, -2, 13, -13]]), "process_status": np.array([[-11, -21, -21, 23, 23]])}
    with pytest.raises(GenerationError, match="one incoming quark"):
        hard_process_msq(info)
