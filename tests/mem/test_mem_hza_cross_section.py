"""σ(M_H, M_A) of the H → ZA teacher's |M|² (the mass dependence of σ_vis) against its
narrow-width closed form, computed with an independent formula (module docstring)."""

from __future__ import annotations

import pytest

from hepsurrogates.datasets.teachers.mem.hza_cross_section import hza_cross_section, hza_cross_section_nwa
from hepsurrogates.exceptions import InvalidArgumentError


def test_narrow_width_limit_is_the_closed_form():
    # a heavy H: the off-shell tails are small; what is left is the Z's own width (2.7 %)
    mc, err = hza_cross_section(442.63, 193.26, rel_width_h=0.002, rel_width_a=0.002, bw_cutoff=None,
                                n_points=200_000, seed=1)
    nwa = hza_cross_section_nwa(442.63, 193.26, rel_width_h=0.002, rel_width_a=0.002)
    assert err / mc < 0.005
    assert mc / nwa == pytest.approx(1.0, abs=0.03)


def test_off_shell_tails_shrink_with_the_width():
    ratios = []
    for rel in (0.01, 0.002):
        mc, _ = hza_cross_section(261.4, 150.5, rel_width_h=rel, rel_width_a=rel, bw_cutoff=None,
                                  n_points=200_000, seed=2)
        ratios.append(mc / hza_cross_section_nwa(261.4, 150.5, rel_width_h=rel, rel_width_a=rel))
    assert 1.1 < ratios[0] < 1.3 and 1.0 < ratios[1] < 1.09  # measured 1.20 and 1.057


def test_seeds_agree_within_the_error_and_bad_input():
    a, ea = hza_cross_section(300.0, 150.0, n_points=100_000, seed=3)
    b, eb = hza_cross_section(300.0, 150.0, n_points=100_000, seed=4)
    assert abs(a - b) < 4.0 * (ea**2 + eb**2) ** 0.5
    with pytest.raises(InvalidArgumentError, match="M_A < M_H - M_Z"):
        hza_cross_section(200.0, 150.0)
