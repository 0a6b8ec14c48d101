"""The compiled tt̄ integrand (``tt_integrand``, ``pdf_kernel``) against the numpy reference.

With Block D as its only phase-space channel, the compiled loop must compute the same function
as ``tt_weight._event_integrand``: relative
1e-9 (on every value above 1e-12 of the batch maximum) on random points of parton-level tt̄ events (with
detector-like energy smearing, so that
both well-reconstructed and poorly matching configurations are covered), zero exactly where
the reference is zero; and the VEGAS weights of both backends agree to rounding.
"""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from test_mem_blocks import _ttbar_events
from test_mem_tt_weight import _reco

from hepsurrogates.datasets.teachers.mem import tt_weight as tw
from hepsurrogates.datasets.teachers.mem.pdf import load_grid
from hepsurrogates.datasets.teachers.mem.pdf_kernel import pack_logcubic, xf_logcubic
from hepsurrogates.datasets.teachers.mem.tt_integrand import PDF_IDS, compiled_event_integrand
from hepsurrogates.exceptions import InvalidArgumentError

#: the compiled integrand with Block D alone is the numpy reference point by point (with the default
#: phase-space channels it is another integrand with the same integral: test_mem_tt_channels)
BLOCK_D_ONLY = (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def test_docstring_examples_run():
    for name in ("tt_integrand", "pdf_kernel"):
        module = importlib.import_module(f"hepsurrogates.datasets.teachers.mem.{name}")
        failed, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failed == 0


def test_compiled_pdf_equals_the_numpy_logcubic():
    """The 11 flavours, x and Q over the whole grid, on its knots and beyond its edges."""
    grid = load_grid()
    tab = pack_logcubic(grid, PDF_IDS)
    rng = np.random.default_rng(0)
    x = np.concatenate([10 ** rng.uniform(-9.5, 0.0, 3000), [grid.x_min, grid.x_max, 1.0]])
    q = np.concatenate([10 ** rng.uniform(0.0, 5.5, 3000), [grid.q_min, grid.q_max, 1e6]])
    q[:50] = np.repeat(grid.subgrids[0].q[:5], 10)  # on the Q knots
    want = grid.xfxQ_flavours(PDF_IDS, x, q, "logcubic", clip_negative=True)
    got = np.empty_like(want.T)
    for i in range(x.size):
        xf_logcubic(
            x[i],
            q[i],
            tab.log_x,
            tab.log_q,
            tab.q_offset,
            tab.lower_edges,
            tab.values,
            tab.dlogx,
            tab.x_min,
            tab.x_max,
            tab.q_min,
            tab.q_max,
            got[i],
        )
    np.testing.assert_allclose(got.T, want, rtol=1e-12, atol=1e-15)


@pytest.fixture(scope="module")
def smeared_events():
    """Six parton-level tt̄ events; the last three with b-jet energies off by −20 %, +25 %, +40 %."""
    lm, lp, bj, met = _reco(_ttbar_events(12, seed=33), np.arange(6))
    bj = bj.copy()
    bj[3:, :, 0] *= np.array([0.8, 1.25, 1.4])[:, None]
    return tw._objects(lm, lp, bj, met)


def test_compiled_integrand_equals_the_numpy_reference(smeared_events):
    grid = load_grid()
    tables = pack_logcubic(grid, PDF_IDS)
    rng = np.random.default_rng(11)
    n_nonzero = 0
    for event in smeared_events:
        u = rng.random((2500, 9))
        u[:6] = [
            [0.0] * 9,
            [1.0] * 9,
            [0.5] * 9,
            [1.0, 0.0] * 4 + [0.0],
            [0.0, 1.0] * 4 + [1.0],
            [0.5] * 8 + [0.4999999],
        ]  # domain edges and both b assignments
        ref = tw._event_integrand(event, 0.1, 0.3, 3.0, grid, "logcubic", 13000.0)(u)
        new = compiled_event_integrand(event, 0.1, 0.3, 3.0, grid, 13000.0, tables, BLOCK_D_ONLY)(u)
        np.testing.assert_array_equal(new == 0.0, ref == 0.0)
        # relative 1e-9 wherever the value matters: points 12 orders of magnitude below the
        # batch's largest (a few per 10⁴ near coalescing Block D roots, where the two root
        # finders' last digits differ) carry < 1e-20 of the integral
        np.testing.assert_allclose(new, ref, rtol=1e-9, atol=1e-12 * np.max(ref))
        assert abs(np.sum(new) - np.sum(ref)) <= 1e-12 * np.sum(ref)
        n_nonzero += int(np.sum(ref > 0.0))
    assert n_nonzero > 2000  # the comparison covers the populated part of the domain


def test_both_backends_give_the_same_weights():
    lm, lp, bj, met = _reco(_ttbar_events(4, seed=21), np.arange(2))
    kw = dict(rel_accuracy=0.05, seed=4, neval=1000, n_adapt=2)
    a = tw.tt_weights(lm, lp, bj, met, backend="numba", channel_weights=BLOCK_D_ONLY, **kw)
    b = tw.tt_weights(lm, lp, bj, met, backend="numpy", **kw)
    # same random numbers, integrands equal to ~1e-13: equal up to VEGAS' integer point allocation
    # per hypercube, which a last-digit difference may shift (then the two are independent draws)
    assert np.all(np.abs(a.weight - b.weight) <= 4.0 * np.hypot(a.error, b.error))
    assert np.all(a.converged) and np.all(b.converged)
    with pytest.raises(InvalidArgumentError, match="backend"):
        tw.tt_weights(lm, lp, bj, met, backend="cuda")


def test_forbidden_block_d_solutions_contribute_zero():
    """A Block D solution whose partons would need x outside (0, 1] is kinematically forbidden and
    adds 0 to the integrand, in both backends, instead of failing the event (it made VEGAS fail
    on about one tt̄ event in 200). The event and point: a selected ℓℓbb event of the ttbar_dilepton
    sample (seed 22), where one solution has x₁ = −0.007 (ŝ < 0 to rounding)."""
    from hepsurrogates.datasets.teachers.mem.breit_wigner import breit_wigner_map
    from hepsurrogates.datasets.teachers.mem.transfer import transfer_weight
    from hepsurrogates.datasets.teachers.mem.tt_kernel import tt_point_kinematics

    lm = np.array([[75.02593231201172, -0.9769862294197083, -0.05374443158507347, 0.10565837472677231]])
    lp = np.array([[34.94419860839844, -1.1020320653915405, 2.30393648147583, 0.10565837472677231]])
    bj = np.array(
        [
            [
                [26.063892364501953, 0.23496633768081665, 0.28602081537246704, 6.303276538848877],
                [22.060453414916992, -1.1260874271392822, 0.48397791385650635, 6.412493705749512],
            ]
        ]
    )
    met = np.array([[68.44420623779297, -2.716722249984741]])
    u = np.array(
        [
            [
                0.3391500585580193,
                0.11692662924213759,
                0.4826305504395141,
                0.948575857093617,
                0.296364376021543,
                0.19830803151257204,
                0.9037845563490091,
                0.5767668211302863,
                0.75,
            ]
        ]
    )
    event = tw._objects(lm, lp, bj, met)[0]
    # the point (u₉ = 0.75: the swapped b assignment) really has an accepted Block D solution with
    # x outside (0, 1]
    s = np.stack(
        [
            breit_wigner_map(u[:, j], m, g)[0]
            for j, (m, g) in enumerate([(tw.M_W, tw.GAMMA_W), (tw.M_TOP, tw.GAMMA_TOP)] * 2)
        ],
        axis=1,
    )
    vis4 = np.empty((1, 4, 4))
    for k, sigma in enumerate((0.1, 0.1, 0.3, 0.3)):
        energy, _ = transfer_weight(u[:, 4 + k], event.e_rec[k], sigma, 3.0, event.mass[k])
        p = np.sqrt((energy - event.mass[k]) * (energy + event.mass[k]))
        vis4[:, k, 0], vis4[:, k, 1:] = energy, p[:, None] * event.direction[k]
    kin = tt_point_kinematics(vis4, s, np.ascontiguousarray(event.met), 13000.0)
    valid = kin[..., 0] > 0.0
    assert np.any(valid & ((kin[..., 2] <= 0.0) | (kin[..., 3] <= 0.0) | (kin[..., 2] > 1.0) | (kin[..., 3] > 1.0)))
    grid = load_grid()
    ref = tw._event_integrand(event, 0.1, 0.3, 3.0, grid, "logcubic", 13000.0)(u)
    new = compiled_event_integrand(event, 0.1, 0.3, 3.0, grid, 13000.0, alpha=BLOCK_D_ONLY)(u)
    assert np.all(np.isfinite(ref)) and ref[0] > 0.0  # the allowed solutions still count
    # the point also lies on a double fold of Block D (the resultant has two double roots: two
    # pairs of solutions merging), where which member of a merging pair is polished depends on
    # rounding; the compiled path finds its roots by Ferrari, the reference by Durand-Kerner, so
    # here they agree only in kind (elsewhere to 1e-9: test_compiled_integrand_equals_the_numpy_reference)
    assert np.all(np.isfinite(new)) and new[0] > 0.0
    assert 0.1 < new[0] / ref[0] < 10.0


def test_real_arithmetic_ferrari_roots():
    """The quartic solver of the compiled path: roots of random quartics with 4, 2 and 0 real
    roots equal numpy's to 1e-8 (relative to the root scale); a quartic whose resolvent has no
    positive root is handed back to iteration (returns False)."""
    from hepsurrogates.datasets.teachers.mem.tt_kernel import _ferrari_real

    rng = np.random.default_rng(5)
    out = np.empty(4, dtype=np.complex128)
    for n_real in (4, 2, 0):
        for _ in range(200):
            real = list(rng.normal(0.0, 3.0, n_real))
            pairs = [complex(rng.normal(0.0, 3.0), abs(rng.normal(0.0, 3.0)) + 0.1) for _ in range((4 - n_real) // 2)]
            roots = np.array(real + pairs + [np.conj(z) for z in pairs], dtype=np.complex128)
            a = np.real(np.poly(roots))  # monic, highest power first
            assert _ferrari_real(a[1], a[2], a[3], a[4], out)
            scale = 1.0 + np.max(np.abs(roots))
            for z in roots:
                assert np.min(np.abs(out - z)) <= 1e-8 * scale, (roots, out)
    assert not _ferrari_real(0.0, 5.0, 0.0, 4.0, out)  # (x² + 1)(x² + 4): resolvent roots 0, −1/2, −9/2
