"""The symmetries used to augment MEM training (``training/mem/symmetries.py``) hold for the
teacher, and the in-graph invariants (``training/mem/invariants.py``) are the invariant masses.

Teacher checks use test-own parton-level tt̄ events (``test_mem_blocks``): the Drell–Yan and H → ZA
weights are invariant under η → −η and Δφ → −Δφ to rounding, the Drell–Yan weight not under
ℓ⁺ ↔ ℓ⁻; the tt̄ weight is
invariant under Δφ → −Δφ to rounding with Block D as its phase-space channel, and agrees within
the VEGAS errors under η → −η, ℓ⁺ ↔ ℓ⁻ and (with the default channels) Δφ → −Δφ.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("vegas")

from test_mem_blocks import _ttbar_events  # noqa: E402

from hepsurrogates.datasets.teachers.mem.dy_weight import dy_weights  # noqa: E402
from hepsurrogates.datasets.teachers.mem.hza_weight import hza_weights  # noqa: E402
from hepsurrogates.datasets.teachers.mem.tt_weight import tt_weights  # noqa: E402
from hepsurrogates.exceptions import InvalidArgumentError  # noqa: E402
from hepsurrogates.models.mem.features import FEATURE_NAMES  # noqa: E402
from hepsurrogates.training.mem.invariants import INVARIANT_NAMES, LLBBInvariants, n_preprocessed  # noqa: E402
from hepsurrogates.training.mem.symmetries import (  # noqa: E402
    SYMMETRIES,
    RandomSymmetry,
    apply_symmetry,
    symmetry_group,
    validate_symmetries,
)


def _ptetaphim(p: np.ndarray) -> np.ndarray:
    pt = np.hypot(p[:, 1], p[:, 2])
    return np.column_stack([pt, np.arcsinh(p[:, 3] / pt), np.arctan2(p[:, 2], p[:, 1]),
                            np.sqrt(np.maximum(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1), 0.0))])


@pytest.fixture(scope="module")
def events():
    ev = _ttbar_events(6, seed=33)
    met = (ev["nu1"] + ev["nu2"])[:, 1:3]
    return (_ptetaphim(ev["l2"]), _ptetaphim(ev["l1"]), np.stack([_ptetaphim(ev["b1"]), _ptetaphim(ev["b2"])], axis=1),
            np.column_stack([np.hypot(met[:, 0], met[:, 1]), np.arctan2(met[:, 1], met[:, 0])]))


def _flip(a: np.ndarray, column: int) -> np.ndarray:
    out = a.copy()
    out[..., column] *= -1.0
    return out


def _signed(lep: np.ndarray, q: float) -> np.ndarray:
    return np.column_stack([lep, np.full(len(lep), q)])


def test_group_elements_and_augmentation():
    assert symmetry_group(["eta", "phi"]) == [(), ("eta",), ("phi",), ("eta", "phi")]
    assert len(symmetry_group(SYMMETRIES["TT"])) == 8
    x = torch.randn(5, len(FEATURE_NAMES) + 2)
    for element in symmetry_group(["eta", "phi", "charge"]):
        y = apply_symmetry(x, element)
        torch.testing.assert_close(apply_symmetry(y, element), x)  # involutions
        changed = {FEATURE_NAMES[i] for i in range(len(FEATURE_NAMES)) if not torch.equal(y[:, i], x[:, i])}
        expect = {n for n in FEATURE_NAMES if ("eta" in element and n.endswith("_eta"))
                  or ("phi" in element and n.endswith("_dphi")) or ("charge" in element and n == "lep1_charge")}
        assert changed == expect
        torch.testing.assert_close(y[:, -2:], x[:, -2:])  # (M_H, M_A) untouched
    aug = RandomSymmetry(["eta", "phi"], x.shape[1])
    a = aug(x.repeat(400, 1), torch.Generator().manual_seed(3))
    b = aug(x.repeat(400, 1), torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    signs = torch.sign(a[:, [FEATURE_NAMES.index("lep1_eta"), FEATURE_NAMES.index("b1_dphi")]] /
                       x.repeat(400, 1)[:, [FEATURE_NAMES.index("lep1_eta"), FEATURE_NAMES.index("b1_dphi")]])
    assert len({tuple(s.tolist()) for s in signs}) == 4  # every group element is drawn
    with pytest.raises(InvalidArgumentError, match="not charge symmetric"):
        validate_symmetries(["charge"], "DY")


def test_drell_yan_weight_is_invariant_under_the_reflections_not_under_charge(events):
    lm, lp, _, _ = events
    kw = dict(rel_accuracy=0.01, seed=2)
    ref = dy_weights(_signed(lm, -1.0), _signed(lp, 1.0), **kw)
    for column in (1, 2):  # eta, phi
        w = dy_weights(_signed(_flip(lm, column), -1.0), _signed(_flip(lp, column), 1.0), **kw)
        np.testing.assert_allclose(w.weight, ref.weight, rtol=1e-12)
    swapped = dy_weights(_signed(lp, -1.0), _signed(lm, 1.0), **kw)
    pull = (swapped.weight - ref.weight) / np.hypot(swapped.error, ref.error)
    assert np.max(np.abs(pull)) > 5.0, pull  # the forward-backward asymmetry


def test_hza_weight_is_invariant_under_the_reflections(events):
    lm, lp, bj, _ = (a[:4] for a in events)
    kw = dict(rel_accuracy=0.02, seed=2)
    ref = hza_weights(lm, lp, bj, 261.4, 150.5, **kw)
    for column in (1, 2):  # eta, phi
        w = hza_weights(_flip(lm, column), _flip(lp, column), _flip(bj, column), 261.4, 150.5, **kw)
        np.testing.assert_allclose(w.weight, ref.weight, rtol=1e-8)  # equal to rounding (VEGAS errors are ~1e-2)


def test_ttbar_weight_is_invariant_under_the_reflections_and_charge(events):
    lm, lp, bj, met = (a[:3] for a in events)
    kw = dict(rel_accuracy=0.03, seed=2, neval=2000, n_adapt=3)
    # with Block D alone the integration variables (masses, energies) are scalars, so Δφ → −Δφ maps
    # every point to its mirror image: equal to rounding
    block_d = dict(kw, channel_weights=(1.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    exact = tt_weights(lm, lp, bj, met, **block_d)
    mirrored = tt_weights(_flip(lm, 2), _flip(lp, 2), _flip(bj, 2), _flip(met, 1), **block_d)
    np.testing.assert_allclose(mirrored.weight, exact.weight, rtol=1e-9)
    # the other phase-space channels sample azimuths and transverse momenta, which a reflection
    # maps to other points: there all three agree within the VEGAS errors
    ref = tt_weights(lm, lp, bj, met, **kw)
    assert np.all(ref.converged)
    for w in (tt_weights(_flip(lm, 1), _flip(lp, 1), _flip(bj, 1), met, **kw), tt_weights(lp, lm, bj, met, **kw),
              tt_weights(_flip(lm, 2), _flip(lp, 2), _flip(bj, 2), _flip(met, 1), **kw)):
        pull = (w.weight - ref.weight) / np.hypot(w.error, ref.error)
        assert np.all(np.abs(pull) < 4.0), pull


def test_invariants_layer_computes_the_invariant_masses():
    rng = np.random.default_rng(5)
    n = 50
    pt = rng.uniform(20.0, 150.0, (n, 5))
    eta = rng.uniform(-2.4, 2.4, (n, 4))
    phi = rng.uniform(-np.pi, np.pi, (n, 4))
    phi[:, 0] = 0.0
    met_phi = rng.uniform(-np.pi, np.pi, n)
    x = np.column_stack([pt[:, 0], eta[:, 0], pt[:, 1], eta[:, 1], phi[:, 1], pt[:, 2], eta[:, 2], phi[:, 2],
                         pt[:, 3], eta[:, 3], phi[:, 3], pt[:, 4], met_phi, rng.choice([-1.0, 1.0], n),
                         rng.uniform(200, 400, n), rng.uniform(100, 200, n)])
    p = np.stack([np.stack([pt[:, k] * np.cosh(eta[:, k]), pt[:, k] * np.cos(phi[:, k]), pt[:, k] * np.sin(phi[:, k]),
                            pt[:, k] * np.sinh(eta[:, k])], -1) for k in range(4)], 1)

    def mass(*k):
        s = sum(p[:, i] for i in k)
        return np.sqrt(np.maximum(s[:, 0] ** 2 - np.sum(s[:, 1:] ** 2, axis=1), 0.0))

    layer = LLBBInvariants(x.shape[1])
    out = layer(torch.as_tensor(x)).numpy()
    assert out.shape == (n, n_preprocessed(x.shape[1]))
    np.testing.assert_allclose(out[:, : x.shape[1]], x)
    got = dict(zip(INVARIANT_NAMES, out[:, x.shape[1]:].T))
    np.testing.assert_allclose(got["m_l1l2"], mass(0, 1), rtol=1e-9)
    np.testing.assert_allclose(got["m_b1b2"], mass(2, 3), rtol=1e-9)
    np.testing.assert_allclose(got["m_l2b1"], mass(1, 2), rtol=1e-9)
    np.testing.assert_allclose(got["m_llbb"], mass(0, 1, 2, 3), rtol=1e-9)
    pairing = np.minimum(np.maximum(mass(0, 2), mass(1, 3)), np.maximum(mass(0, 3), mass(1, 2)))
    np.testing.assert_allclose(got["mlb_pairing_min"], pairing, rtol=1e-9)
    vis = p.sum(1)
    recoil = np.hypot(vis[:, 1] + pt[:, 4] * np.cos(met_phi), vis[:, 2] + pt[:, 4] * np.sin(met_phi))
    np.testing.assert_allclose(got["recoil_pt"], recoil, rtol=1e-9)
    logged = LLBBInvariants(x.shape[1], log_momenta=True)(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(logged[:, FEATURE_NAMES.index("b1_pt")], np.log1p(pt[:, 2]), rtol=1e-12)
    np.testing.assert_allclose(logged[:, x.shape[1]:], np.log1p(out[:, x.shape[1]:]), rtol=1e-12)
    np.testing.assert_allclose(logged[:, -INVARIANT_NAMES.__len__() - 2:-len(INVARIANT_NAMES)], x[:, -2:])  # (M_H, M_A)
    # the invariants are themselves invariant under the augmentation's symmetries
    for element in symmetry_group(SYMMETRIES["TT"]):
        flipped = layer(apply_symmetry(torch.as_tensor(x), element)).numpy()
        np.testing.assert_allclose(flipped[:, x.shape[1]:], out[:, x.shape[1]:], rtol=1e-9)
