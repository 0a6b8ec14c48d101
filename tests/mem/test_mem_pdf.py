"""LHAPDF6 grid reader (datasets/teachers/mem/pdf.py) against Pythia's own PDF, the raw file and sum rules.

The references are independent of the code under test: Pythia 8's ``LHAGrid1`` evaluation
through the pythia8mc bindings, the numbers of the ``.dat`` file read by a parser written here,
and the momentum and valence sum rules of QCD.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from hepsurrogates.datasets.teachers.mem import pdf
from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError

pythia8mc = pytest.importorskip("pythia8mc")

MULTI = "NNPDF31_lo_as_0130_0000.dat"  # two Q subgrids (threshold at 4.92 GeV), no photon, no top
PIDS = (2, 1, -2, -1, 3, -3, 4, -4, 5, -5, 21)
X_REF = np.geomspace(1e-4, 0.8, 41)
Q_REF = np.geomspace(10.0, 1000.0, 17)


def _raw_grid(path: Path) -> list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]]:
    """Subgrids of an lhagrid1 file, parsed line by line here: (x, q, flavours, values[x, q, fl])."""
    lines = path.read_text().splitlines()
    i = lines.index("---") + 1
    out = []
    while i < len(lines) and lines[i].strip():
        x = np.array([float(v) for v in lines[i].split()])
        q = np.array([float(v) for v in lines[i + 1].split()])
        fl = [int(v) for v in lines[i + 2].split()]
        rows = [[float(v) for v in lines[i + 3 + k].split()] for k in range(x.size * q.size)]
        out.append((x, q, fl, np.array(rows).reshape(x.size, q.size, len(fl))))
        i += 3 + x.size * q.size
        assert lines[i] == "---"
        i += 1
    return out


def _write_grid(path: Path, subgrids: list[tuple[np.ndarray, np.ndarray, list[int], np.ndarray]]) -> Path:
    text = ["PdfType: central", "Format: lhagrid1", "---"]
    for x, q, fl, values in subgrids:
        text += [" ".join(f"{v:.9e}" for v in x), " ".join(f"{v:.9e}" for v in q), " ".join(map(str, fl))]
        text += [" ".join(f"{v:.12e}" for v in row) for row in values.reshape(-1, len(fl))]
        text.append("---")
    path.write_text("\n".join(text) + "\n")
    return path


def _pythia_pdf(name: str | None = None):
    py = pythia8mc.Pythia("", False)
    if name is not None:
        assert py.readString(f"PDF:pSet = LHAGrid1:{name}")
    return py.getPDFPtr(2212)


def _pythia_values(ref, pid: int, xs: np.ndarray, qs: np.ndarray) -> np.ndarray:
    return np.array([[ref.xf(pid, float(x), float(q * q)) for q in qs] for x in xs])


def test_docstring_example_runs():
    module = importlib.import_module("hepsurrogates.datasets.teachers.mem.pdf")
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_default_grid_is_found_in_the_pythia_wheel_and_cached():
    grid = pdf.load_grid()
    assert grid.path.name == "NNPDF23_lo_as_0130_qed_0000.dat"
    assert grid.path.parent == pdf.pdf_data_dir() and grid.path.parent.name == "pdfdata"
    assert pdf.load_grid("NNPDF23_lo_as_0130_qed_0000") is grid  # lru_cache, ".dat" optional
    assert grid.flavours == (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 21, 22)
    assert (grid.x_min, grid.x_max, grid.q_min, grid.q_max) == (1e-9, 1.0, 1.0, 1e4)


@pytest.mark.parametrize("name", [pdf.DEFAULT_PDF, MULTI])
def test_lagrange_scheme_reproduces_pythia_exactly(name):
    """Pythia's LHAGrid1 interpolation, in and outside the grid, on a one- and a two-subgrid set.

    x = x_max = 1 is left out: there Pythia 8.317 does not update its values and returns those
    of its previous call.
    """
    grid = pdf.load_grid(name)
    ref = _pythia_pdf(None if name == pdf.DEFAULT_PDF else name)
    xs = np.concatenate([[1e-10], np.geomspace(2e-9, 0.95, 23), [0.999999]])
    qs = np.concatenate([[0.5], np.geomspace(1.0, 1e4, 19), [4.92, 2e4]])
    x, q = np.meshgrid(xs, qs, indexing="ij")
    for pid in PIDS:
        ours = grid.xfxQ(pid, x, q, interpolation="lagrange", clip_negative=True)
        np.testing.assert_allclose(ours, _pythia_values(ref, pid, xs, qs), rtol=1e-12, atol=1e-300)


def test_logcubic_scheme_agrees_with_pythia_to_a_few_per_mille():
    grid = pdf.load_grid()
    ref = _pythia_pdf()
    x, q = np.meshgrid(X_REF, Q_REF, indexing="ij")
    rel = np.concatenate([
        np.abs(grid.xfxQ(pid, x, q) / _pythia_values(ref, pid, X_REF, Q_REF) - 1.0).ravel() for pid in PIDS
    ])
    assert np.median(rel) < 1e-4
    assert np.quantile(rel, 0.99) < 2.5e-3
    assert rel.max() < 5e-3


@pytest.mark.parametrize("interpolation", ["logcubic", "lagrange"])
@pytest.mark.parametrize("name", [pdf.DEFAULT_PDF, MULTI])
def test_grid_knots_are_reproduced_exactly(name, interpolation):
    grid = pdf.load_grid(name)
    raw = _raw_grid(grid.path)
    assert len(raw) == len(grid.subgrids) == (1 if name == pdf.DEFAULT_PDF else 2)
    for isub, (x, q, fl, values) in enumerate(raw):
        # a shared boundary knot belongs to the upper subgrid (LHAPDF) or the lower one (Pythia)
        iq = np.arange(q.size)
        if interpolation == "logcubic" and isub + 1 < len(raw):
            iq = iq[:-1]
        if interpolation == "lagrange" and isub > 0:
            iq = iq[1:]
        xx, qq = np.meshgrid(x, q[iq], indexing="ij")
        ours = grid.xfxQ_flavours(fl, xx, qq, interpolation)
        np.testing.assert_allclose(ours, np.moveaxis(values[:, iq], -1, 0), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("interpolation", ["logcubic", "lagrange"])
def test_momentum_and_valence_sum_rules_at_100_gev(interpolation):
    grid = pdf.load_grid()
    ln_x = np.linspace(np.log(1e-9), np.log(0.1), 4001)
    x_lin = np.linspace(0.1, 1.0, 4001)
    pids = [21, 22] + [i for i in range(-6, 7) if i]
    small = grid.xfxQ_flavours(pids, np.exp(ln_x), 100.0, interpolation)
    large = grid.xfxQ_flavours(pids, x_lin, 100.0, interpolation)
    momentum = integrate.simpson(small.sum(0) * np.exp(ln_x), x=ln_x) + integrate.simpson(large.sum(0), x=x_lin)
    assert momentum == pytest.approx(1.0, abs=0.01)

    def number(a: int, b: int) -> float:  # ∫ (f_a - f_b) dx
        ia, ib = pids.index(a), pids.index(b)
        return float(integrate.simpson(small[ia] - small[ib], x=ln_x)
                     + integrate.simpson((large[ia] - large[ib]) / x_lin, x=x_lin))

    assert number(2, -2) == pytest.approx(2.0, rel=0.02)
    assert number(1, -1) == pytest.approx(1.0, rel=0.02)
    assert number(3, -3) == pytest.approx(0.0, abs=0.01)


@pytest.mark.parametrize("interpolation", ["logcubic", "lagrange"])
def test_interpolation_error_on_knots_left_out(tmp_path, interpolation):
    (x, q, fl, values), = _raw_grid(pdf.load_grid().path)
    keep_x, drop_x = np.arange(0, x.size, 2), np.arange(1, x.size - 1, 2)
    keep_q, drop_q = np.arange(0, q.size, 2), np.arange(1, q.size - 1, 2)
    coarse_x = pdf.load_grid(_write_grid(tmp_path / "coarse_x.dat", [(x[keep_x], q, fl, values[keep_x])]))
    coarse_q = pdf.load_grid(_write_grid(tmp_path / "coarse_q.dat", [(x, q[keep_q], fl, values[:, keep_q])]))
    sel_x = drop_x[(x[drop_x] > 1e-4) & (x[drop_x] < 0.5)]
    sel_q = drop_q[(q[drop_q] > 10.0) & (q[drop_q] < 1000.0)]
    in_x = np.flatnonzero((x > 1e-4) & (x < 0.5))
    in_q = np.flatnonzero((q > 10.0) & (q < 1000.0))
    for pid in (2, -1, 3, 21):
        col = fl.index(pid)
        xx, qq = np.meshgrid(x[sel_x], q[in_q], indexing="ij")
        err_x = np.abs(coarse_x.xfxQ(pid, xx, qq, interpolation) / values[np.ix_(sel_x, in_q, [col])][..., 0] - 1)
        xx, qq = np.meshgrid(x[in_x], q[sel_q], indexing="ij")
        err_q = np.abs(coarse_q.xfxQ(pid, xx, qq, interpolation) / values[np.ix_(in_x, sel_q, [col])][..., 0] - 1)
        assert err_x.max() < 5e-3 and np.median(err_x) < 5e-4
        assert err_q.max() < 1e-3 and np.median(err_q) < 5e-5


def test_outside_the_grid_the_densities_are_frozen_at_its_edges():
    grid = pdf.load_grid()
    for interpolation in ("logcubic", "lagrange"):
        f = lambda x, q, how=interpolation: grid.xfxQ_flavours(PIDS, x, q, how)  # noqa: E731
        np.testing.assert_array_equal(f(1e-12, 50.0), f(grid.x_min, 50.0))
        np.testing.assert_array_equal(f(0.01, 0.3), f(0.01, grid.q_min))
        np.testing.assert_array_equal(f(0.01, 5e4), f(0.01, grid.q_max))
        assert np.all(f(1.0, 100.0) == 0.0)  # x·f vanishes at x = 1 in the grid
        assert not np.array_equal(f(0.01, 1.5), f(0.01, grid.q_min))  # frozen only outside


def test_flavour_conventions():
    grid = pdf.load_grid(MULTI)
    x = np.geomspace(1e-3, 0.5, 7)
    np.testing.assert_array_equal(grid.xfxQ(0, x, 91.0), grid.xfxQ(21, x, 91.0))
    assert np.all(grid.xfxQ(6, x, 500.0) == 0.0) and np.all(grid.xfxQ(22, x, 91.0) == 0.0)  # not tabulated
    assert np.all(grid.xfxQ(2, x, 91.0) > grid.xfxQ(-2, x, 91.0))
    assert grid.xfxQ_flavours((1, 2), x, np.full((3, 1), 91.0)).shape == (2, 3, 7)
    np.testing.assert_array_equal(pdf.xfxQ(2, x, 91.0), pdf.load_grid().xfxQ(2, x, 91.0))


def test_bad_input_raises():
    grid = pdf.load_grid()
    for x in (0.0, -0.1, 1.5, np.nan):
        with pytest.raises(InvalidArgumentError, match="x"):
            grid.xfxQ(2, np.array([0.1, x]), 100.0)
    for q in (0.0, -10.0, np.inf):
        with pytest.raises(InvalidArgumentError, match="q"):
            grid.xfxQ(2, 0.1, q)
    for pid in (7, 11, 2.5, "u"):
        with pytest.raises(InvalidArgumentError, match="pid"):
            grid.xfxQ(pid, 0.1, 100.0)
    with pytest.raises(InvalidArgumentError, match="interpolation"):
        grid.xfxQ(2, 0.1, 100.0, interpolation="linear")
    with pytest.raises(MissingInputFileError):
        pdf.load_grid("no_such_set_0000.dat")


def test_malformed_files_raise_schema_errors(tmp_path):
    (x, q, fl, values), = _raw_grid(pdf.load_grid().path)
    good = _write_grid(tmp_path / "good.dat", [(x[:10], q[:5], fl, values[:10, :5])])
    assert pdf.load_grid(good).xfxQ(2, x[3], q[2]) == pytest.approx(values[3, 2, fl.index(2)], rel=1e-12)
    text = good.read_text().splitlines()
    short = tmp_path / "short.dat"
    short.write_text("\n".join(text[:-3] + text[-1:]) + "\n")
    with pytest.raises(SchemaError, match="expected 10x5x14"):
        pdf.load_grid(short)
    other = tmp_path / "other.dat"
    other.write_text("\n".join(["Format: lhagrid2"] + text[2:]) + "\n")
    with pytest.raises(SchemaError, match="lhagrid1"):
        pdf.load_grid(other)
    garbage = tmp_path / "garbage.dat"
    garbage.write_text("\n".join(text[:5] + ["1.0 abc"] + text[6:]) + "\n")
    with pytest.raises(SchemaError, match="malformed"):
        pdf.load_grid(garbage)
