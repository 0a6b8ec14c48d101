r"""Parton densities x·f(x, Q) from LHAPDF6 ``lhagrid1`` files, vectorised with numpy.

The ``pythia8mc`` wheel ships real LHAPDF6 member files in ``share/Pythia8/pdfdata/``; Pythia's
default proton PDF is NNPDF2.3 QCD+QED LO (``NNPDF23_lo_as_0130_qed_0000.dat``), so reading that
grid gives the MEM teacher the densities the generator used. Format (LHAPDF6, arXiv 1412.7420
§3): a YAML header closed by ``---``, then one or more Q subgrids, each made of a line of x
knots, a line of Q knots (GeV), a line of PDG flavour ids and ``n_x·n_Q`` lines of x·f values
(x outer, Q inner, one column per flavour), closed by ``---``. Adjacent subgrids share their
boundary Q knot (flavour thresholds).

Two interpolations, both in (ln x, ln Q²) within the subgrid that holds Q (for Q on a shared
boundary knot, LHAPDF takes the upper subgrid and Pythia the lower one; both give the same value):

* ``"logcubic"`` (default) — LHAPDF6's ``LogBicubicInterpolator``: a cubic Hermite in ln x on
  each of the Q rows around Q, whose knot derivatives are finite differences
  :math:`\partial_i = \tfrac12(\Delta_{i-1} + \Delta_i)` of the neighbouring slopes
  :math:`\Delta_i = (f_{i+1} - f_i)/(\ln x_{i+1} - \ln x_i)` (one-sided at the grid ends), then the
  same Hermite in ln Q² through those row values (Catmull–Rom-like, C¹):

  .. math::

      f(t) = (2t^3 - 3t^2 + 1) f_i + (t^3 - 2t^2 + t) h\,\partial_i
           + (-2t^3 + 3t^2) f_{i+1} + (t^3 - t^2) h\,\partial_{i+1},
      \qquad t = (\ln x - \ln x_i)/h,\ h = \ln x_{i+1} - \ln x_i .

  A subgrid with two Q knots reduces to linear interpolation in ln Q².
* ``"lagrange"`` — Pythia 8's own ``LHAGrid1``: 4-point Lagrange polynomials in ln x and ln Q
  (linear in ln Q in subgrids with fewer than four knots). With ``clip_negative=True`` it
  reproduces ``pythia8mc.Pythia().getPDFPtr(2212).xf`` bit for bit (pythia8mc 8.317).

Measured against Pythia's own evaluation of the default grid for x ∈ [1e-4, 0.8],
Q ∈ [10, 1000] GeV and u, d, ū, d̄, s, s̄, c, c̄, b, b̄, g (``tests/mem/test_mem_pdf.py``):
``"lagrange"`` agrees exactly; ``"logcubic"`` differs by 3.5e-5 (median), 1.7e-3 (99th
percentile) and 3.1e-3 (maximum, at x ≈ 0.06–0.1 where the knot spacing switches from
logarithmic to linear) — the spread between two cubic interpolants of the same knots. With
every other x knot removed, both schemes reproduce the dropped knots to ≤ 5e-3 (median
≈ 2e-4) for 1e-4 < x < 0.5; with every other Q knot removed, to ≤ 5e-4. Momentum sum at
Q = 100 GeV (photon included): 1.005; valence sums u − ū = 2.005, d − d̄ = 1.001.

Outside the grid the densities are frozen at its edge, like LHAPDF's ``Nearest`` extrapolator
and Pythia's default: x < x_min ↦ x_min, x > x_max ↦ x_max (every shipped grid ends at x = 1,
where x·f = 0; Pythia 8.317 leaves its values of the previous call there) and Q outside
[Q_min, Q_max] ↦ the nearer edge. x ≤ 0,
x > 1, Q ≤ 0 and NaN raise :class:`~hepsurrogates.exceptions.InvalidArgumentError`. A parton id
that the set does not tabulate (the top in a five-flavour set) gives 0, as in LHAPDF; 0 and 21
are both the gluon. Values are returned as interpolated (LHAPDF ``ForcePositive: 0``);
``clip_negative=True`` clips at zero as Pythia's ``PDF::xf`` does.

Example:
    >>> grid = load_grid()
    >>> round(float(grid.xfxQ(2, 0.1, 100.0)), 3)
    0.588
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError, MissingInputFileError, SchemaError

from ._checks import as_float_array

__all__ = [
    "DEFAULT_PDF",
    "INTERPOLATIONS",
    "Interpolation",
    "LHAGrid",
    "Subgrid",
    "load_grid",
    "pdf_data_dir",
    "xfxQ",
]

#: Pythia 8's default proton PDF, NNPDF2.3 QCD+QED LO, α_s(M_Z) = 0.130, central member.
DEFAULT_PDF = "NNPDF23_lo_as_0130_qed_0000.dat"

Interpolation = Literal["logcubic", "lagrange"]
#: Interpolation schemes: LHAPDF6's log-bicubic (default) and Pythia 8's LHAGrid1 Lagrange.
INTERPOLATIONS = ("logcubic", "lagrange")
#: PDG ids a proton PDF set may tabulate (0 is LHAPDF's alias of the gluon 21).
_PARTON_IDS = frozenset({0, 21, 22, *range(-6, 0), *range(1, 7)})


@dataclass(frozen=True, eq=False)
class Subgrid:
    """One Q range of a grid: knots, values x·f of shape (n_x, n_Q, n_flavours) and, for the
    log-cubic scheme, their knot derivatives in ln x (same shape)."""

    x: np.ndarray
    q: np.ndarray
    values: np.ndarray
    dlogx: np.ndarray

    @property
    def log_x(self) -> np.ndarray:
        return np.log(self.x)

    @property
    def log_q(self) -> np.ndarray:
        return np.log(self.q)


def _knot_derivatives(log_t: np.ndarray, values: np.ndarray, axis: int) -> np.ndarray:
    """LHAPDF knot derivatives along ``axis``: mean of the two adjacent slopes, one-sided at the ends."""
    v = np.moveaxis(values, axis, 0)
    shape = (-1,) + (1,) * (v.ndim - 1)
    slope = np.diff(v, axis=0) / np.diff(log_t).reshape(shape)
    d = np.empty_like(v)
    d[0], d[-1] = slope[0], slope[-1]
    d[1:-1] = 0.5 * (slope[:-1] + slope[1:])
    return np.moveaxis(d, 0, axis)


@dataclass(frozen=True, eq=False)
class LHAGrid:
    """A parsed LHAPDF6 member file (one PDF member); evaluate with :meth:`xfxQ`."""

    path: Path
    header: dict[str, str]
    flavours: tuple[int, ...]
    subgrids: tuple[Subgrid, ...]

    @property
    def x_min(self) -> float:
        return float(self.subgrids[0].x[0])

    @property
    def x_max(self) -> float:
        return float(self.subgrids[0].x[-1])

    @property
    def q_min(self) -> float:
        return float(self.subgrids[0].q[0])

    @property
    def q_max(self) -> float:
        return float(self.subgrids[-1].q[-1])

    def xfxQ(self, pid: int, x: Any, q: Any, interpolation: Interpolation = "logcubic",
             clip_negative: bool = False) -> np.ndarray:
        """x·f of parton ``pid`` at momentum fraction ``x`` and scale ``q`` (GeV); x, q broadcast."""
        return self.xfxQ_flavours((pid,), x, q, interpolation, clip_negative)[0]

    def xfxQ_flavours(self, pids: Sequence[int], x: Any, q: Any,
                      interpolation: Interpolation = "logcubic",
                      clip_negative: bool = False) -> np.ndarray:
        """x·f for several partons at once, shape ``(len(pids),) + broadcast(x, q).shape``.

        A scalar ``q`` (the fixed factorisation scale of the MEM) takes a fast path: the Q rows
        are combined once and each point costs four row look-ups.
        """
        if interpolation not in INTERPOLATIONS:
            raise InvalidArgumentError(
                f"interpolation: expected one of {INTERPOLATIONS}, found {interpolation!r}")
        columns = self._columns(pids)
        x = as_float_array("x", x)
        q = as_float_array("q", q)
        if np.any((x <= 0.0) | (x > 1.0)):
            raise InvalidArgumentError("x: expected momentum fractions in (0, 1]")
        if np.any(q <= 0.0):
            raise InvalidArgumentError("q: expected scales Q > 0 GeV")
        shape = np.broadcast_shapes(x.shape, q.shape)
        lx = np.log(np.clip(np.broadcast_to(x, shape), self.x_min, self.x_max)).ravel()
        lq = np.log(np.clip(np.broadcast_to(q, shape), self.q_min, self.q_max)).ravel()
        present = columns >= 0
        cols = np.where(present, columns, 0)
        out = np.zeros((lx.size, len(columns)))
        which = self._subgrid_index(lq, interpolation)
        for isub, sub in enumerate(self.subgrids):
            sel = np.flatnonzero(which == isub)
            if sel.size:
                out[sel] = _interpolate(sub, lx[sel], lq[sel], cols, interpolation, q.ndim == 0)
        out[:, ~present] = 0.0
        if clip_negative:
            np.maximum(out, 0.0, out=out)
        return out.T.reshape((len(columns),) + shape)

    def _columns(self, pids: Sequence[int]) -> np.ndarray:
        cols = []
        for pid in pids:
            try:
                pid_i = int(pid)
            except (TypeError, ValueError):
                pid_i = None
            if pid_i is None or pid_i != pid or pid_i not in _PARTON_IDS:
                raise InvalidArgumentError(
                    f"pid: expected a PDG parton id in -6..6, 21 or 22 (0 = gluon), found {pid!r}")
            pid_i = 21 if pid_i == 0 else pid_i
            cols.append(self.flavours.index(pid_i) if pid_i in self.flavours else -1)
        return np.array(cols, dtype=np.int64)

    def _subgrid_index(self, lq: np.ndarray, interpolation: str) -> np.ndarray:
        # LHAPDF takes the upper subgrid at a shared boundary knot, Pythia the lower one.
        lower_edges = np.log([s.q[0] for s in self.subgrids[1:]])
        side = "right" if interpolation == "logcubic" else "left"
        return np.searchsorted(lower_edges, lq, side=side)


def _hermite(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t2 = t * t
    t3 = t2 * t
    return 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, -2 * t3 + 3 * t2, t3 - t2


def _lagrange4(knots: np.ndarray, start: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Weights (P, 4) of the cubic through knots[start + 0..3] at t."""
    k = knots[start[:, None] + np.arange(4)]
    w = np.ones_like(k)
    for i in range(4):
        for j in range(4):
            if i != j:
                w[:, i] *= (t - k[:, j]) / (k[:, i] - k[:, j])
    return w


def _q_weights(sub: Subgrid, lq: np.ndarray, interpolation: str) -> tuple[np.ndarray, np.ndarray]:
    """Q rows (P, 4) and their coefficients (P, 4) for points at ln Q = ``lq`` (already clamped)."""
    log_q = sub.log_q
    nq = log_q.size
    iq = np.clip(np.searchsorted(log_q, lq, side="right") - 1, 0, nq - 2)
    if interpolation == "lagrange" and nq >= 4:
        start = np.clip(iq - 1, 0, nq - 4)
        return start[:, None] + np.arange(4), _lagrange4(log_q, start, lq)
    rows = np.clip(iq[:, None] + np.arange(-1, 3), 0, nq - 1)
    d1 = log_q[iq + 1] - log_q[iq]
    t = (lq - log_q[iq]) / d1
    if interpolation == "lagrange":  # fewer than four knots: linear in ln Q, as Pythia
        return rows, np.stack([np.zeros_like(t), 1.0 - t, t, np.zeros_like(t)], axis=1)
    h00, h10, h01, h11 = _hermite(t)
    # Knot slopes times d1: lower knot central unless iq == 0, upper central unless iq+1 == nq-1.
    low_c, up_c = iq > 0, iq + 1 < nq - 1
    d0 = np.where(low_c, log_q[iq] - log_q[np.maximum(iq - 1, 0)], 1.0)
    d2 = np.where(up_c, log_q[np.minimum(iq + 2, nq - 1)] - log_q[iq + 1], 1.0)
    r0 = np.where(low_c, 0.5 * d1 / d0, 0.0)
    r2 = np.where(up_c, 0.5 * d1 / d2, 0.0)
    a_lo = np.where(low_c, 0.5, 1.0)  # coefficient of (v_h - v_l) in the lower derivative
    a_up = np.where(up_c, 0.5, 1.0)
    c_ll = -h10 * r0
    c_l = h00 + h10 * (r0 - a_lo) - h11 * a_up
    c_h = h01 + h10 * a_lo + h11 * (a_up - r2)
    c_hh = h11 * r2
    return rows, np.stack([c_ll, c_l, c_h, c_hh], axis=1)


def _interpolate(sub: Subgrid, lx: np.ndarray, lq: np.ndarray, cols: np.ndarray,
                 interpolation: str, scalar_q: bool) -> np.ndarray:
    """Interpolated x·f, shape (P, len(cols)), for points inside one subgrid."""
    rows, cq = _q_weights(sub, lq, interpolation)
    log_x = sub.log_x
    nx = log_x.size
    ix = np.clip(np.searchsorted(log_x, lx, side="right") - 1, 0, nx - 2)
    # Both schemes are linear in the knot values (and the ln-x knot derivatives are linear in
    # the rows), so with one Q for all points the Q rows can be combined first, exactly.
    if scalar_q:
        tv = np.einsum("k,xkf->xf", cq[0], sub.values[:, rows[0]][:, :, cols])
        td = np.einsum("k,xkf->xf", cq[0], sub.dlogx[:, rows[0]][:, :, cols])
        takes = [(lambda i, tv=tv: tv[i], lambda i, td=td: td[i], 1.0)]
    else:
        fl = cols[None, :]
        takes = [(lambda i, r=rows[:, k:k + 1]: sub.values[i[:, None], r, fl],
                  lambda i, r=rows[:, k:k + 1]: sub.dlogx[i[:, None], r, fl],
                  cq[:, k:k + 1]) for k in range(4)]
    out = np.zeros((lx.size, cols.size))
    if interpolation == "logcubic":
        h = log_x[ix + 1] - log_x[ix]
        h00, h10, h01, h11 = (w[:, None] for w in _hermite((lx - log_x[ix]) / h))
        hh = h[:, None]
        for take_v, take_d, cq_k in takes:
            out += cq_k * (h00 * take_v(ix) + h10 * hh * take_d(ix)
                        + h01 * take_v(ix + 1) + h11 * hh * take_d(ix + 1))
    else:
        start = np.where(ix == 0, 0, np.where(ix + 1 == nx - 1, nx - 4, ix - 1))
        wx = _lagrange4(log_x, start, lx)
        for take_v, _, cq_k in takes:
            out += cq_k * sum(wx[:, i:i + 1] * take_v(start + i) for i in range(4))
    return out


@functools.lru_cache(maxsize=1)
def pdf_data_dir() -> Path:
    """``share/Pythia8/pdfdata`` of the installed ``pythia8mc`` wheel (located from its RECORD)."""
    try:
        dist = importlib.metadata.distribution("pythia8mc")
    except importlib.metadata.PackageNotFoundError as err:
        raise MissingInputFileError(
            "PDF grids: the pythia8mc package is not installed; install hepsurrogates[generation] "
            "or pass the path of an LHAPDF6 .dat file") from err
    for entry in dist.files or ():
        if entry.parent.name == "pdfdata" and entry.name.endswith(".dat"):
            folder = Path(entry.locate()).resolve().parent
            if folder.is_dir():
                return folder
    raise MissingInputFileError("PDF grids: no share/Pythia8/pdfdata folder in the pythia8mc installation")


def _resolve(name: str | Path) -> Path:
    path = Path(name)
    if path.suffix != ".dat":
        path = path.with_name(path.name + ".dat")
    if not path.is_absolute() and len(path.parts) == 1:
        path = pdf_data_dir() / path
    if not path.is_file():
        raise MissingInputFileError(f"PDF grid {str(path)!r} does not exist")
    return path.resolve()


def _parse(path: Path) -> LHAGrid:
    blocks = [b.strip() for b in path.read_text().split("\n---")]
    header_lines, grid_blocks = blocks[0].splitlines(), [b for b in blocks[1:] if b]
    header = dict(tuple(s.strip() for s in line.split(":", 1)) for line in header_lines if ":" in line)
    if header.get("Format", "lhagrid1") != "lhagrid1":
        raise SchemaError(f"{path}: expected Format lhagrid1, found {header['Format']!r}")
    if not grid_blocks:
        raise SchemaError(f"{path}: expected at least one subgrid after the header")
    flavours: tuple[int, ...] | None = None
    subgrids = []
    for iblock, block in enumerate(grid_blocks):
        lines = block.splitlines()
        try:
            x = np.array(lines[0].split(), dtype=np.float64)
            q = np.array(lines[1].split(), dtype=np.float64)
            fl = tuple(int(v) for v in lines[2].split())
            values = np.array(" ".join(lines[3:]).split(), dtype=np.float64)
        except (IndexError, ValueError) as err:
            raise SchemaError(f"{path}: subgrid {iblock}: malformed knots, flavours or values ({err})") from err
        expected = x.size * q.size * len(fl)
        if values.size != expected:
            raise SchemaError(f"{path}: subgrid {iblock}: expected {x.size}x{q.size}x{len(fl)} = "
                              f"{expected} values, found {values.size}")
        if x.size < 4 or q.size < 2 or np.any(np.diff(x) <= 0) or np.any(np.diff(q) <= 0) or x[0] <= 0:
            raise SchemaError(f"{path}: subgrid {iblock}: expected >= 4 increasing positive x knots "
                              f"and >= 2 increasing Q knots, found {x.size} and {q.size}")
        if flavours is not None and fl != flavours:
            raise SchemaError(f"{path}: subgrid {iblock}: flavours {fl} differ from {flavours}")
        if subgrids and (not np.allclose(x, subgrids[0].x, rtol=1e-6)
                         or not np.isclose(q[0], subgrids[-1].q[-1], rtol=1e-6)):
            raise SchemaError(f"{path}: subgrid {iblock}: x knots or Q boundary do not match subgrid {iblock - 1}")
        flavours = fl
        values = values.reshape(x.size, q.size, len(fl))
        subgrids.append(Subgrid(x=x, q=q, values=values,
                                dlogx=_knot_derivatives(np.log(x), values, axis=0)))
    assert flavours is not None
    return LHAGrid(path=path, header=header, flavours=flavours, subgrids=tuple(subgrids))


@functools.lru_cache(maxsize=8)
def _load_resolved(path: Path) -> LHAGrid:
    return _parse(path)


def load_grid(name: str | Path = DEFAULT_PDF) -> LHAGrid:
    """Parse (once per file; cached) an LHAPDF6 member file.

    Args:
        name: a file name in Pythia's ``pdfdata`` folder (``.dat`` may be left out) or a path.

    Raises:
        MissingInputFileError: the file (or the pythia8mc installation) is not found.
        SchemaError: the file is not a well-formed ``lhagrid1`` grid.
    """
    return _load_resolved(_resolve(name))


def xfxQ(pid: int, x: Any, q: Any, grid: str | Path = DEFAULT_PDF,
         interpolation: Interpolation = "logcubic") -> np.ndarray:
    """x·f(x, Q) of parton ``pid`` from ``grid`` (default: Pythia's default PDF); see :class:`LHAGrid`."""
    return load_grid(grid).xfxQ(pid, x, q, interpolation)
