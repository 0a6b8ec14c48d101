r"""Compiled (numba) log-bicubic PDF interpolation of a few flavours at one (x, Q).

The same arithmetic as :meth:`.pdf.LHAGrid.xfxQ_flavours` with ``interpolation="logcubic"``
(LHAPDF6's ``LogBicubicInterpolator``): in the subgrid that holds ln Q (the upper one on a shared
boundary knot), a cubic Hermite in ln x on the four Q rows around Q, with the knot derivatives
:math:`\partial_i = \tfrac12(\Delta_{i-1}+\Delta_i)` stored in the grid, combined by the
Hermite in ln Q² whose row coefficients are

.. math::

    c_{i-1} = -h_{10} r_0,\quad c_i = h_{00} + h_{10}(r_0 - a_{lo}) - h_{11} a_{up},\quad
    c_{i+1} = h_{01} + h_{10} a_{lo} + h_{11}(a_{up} - r_2),\quad c_{i+2} = h_{11} r_2,

(r₀, r₂ the knot-spacing ratios, a = ½ for a central and 1 for a one-sided derivative);
x and Q outside the grid are frozen at its edge. It serves the per-point MEM integrand
(:mod:`.tt_integrand`), where numpy's fancy indexing on (P, 11) temporaries cost more than the
arithmetic. Agreement with the numpy path is a test (``tests/mem/test_mem_tt_integrand.py``).

Example:
    >>> import numpy as np
    >>> from hepsurrogates.datasets.teachers.mem.pdf import load_grid
    >>> tab = pack_logcubic(load_grid(), (2,))
    >>> out = np.empty(1)
    >>> xf_logcubic(0.1, 100.0, tab.log_x, tab.log_q, tab.q_offset, tab.lower_edges, tab.values,
    ...             tab.dlogx, tab.x_min, tab.x_max, tab.q_min, tab.q_max, out)
    >>> round(float(out[0]), 3)
    0.588
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from .pdf import LHAGrid

__all__ = ["LogCubicTables", "pack_logcubic", "xf_logcubic", "xf_logcubic_pair"]


@dataclass(frozen=True, eq=False)
class LogCubicTables:
    """The knots and values of an :class:`~.pdf.LHAGrid` for a fixed list of flavours, packed for
    :func:`xf_logcubic`: the subgrids' Q knots concatenated (``q_offset`` delimits them; all
    subgrids share the x knots), values and ln-x knot derivatives of shape (n_x, ΣnQ, n_flavours)
    with the flavour axis contiguous. An untabulated flavour has zero columns."""

    log_x: np.ndarray
    log_q: np.ndarray
    q_offset: np.ndarray
    lower_edges: np.ndarray
    values: np.ndarray
    dlogx: np.ndarray
    x_min: float
    x_max: float
    q_min: float
    q_max: float


def pack_logcubic(grid: LHAGrid, pids: Sequence[int]) -> LogCubicTables:
    """Pack ``grid`` for the flavours ``pids`` (PDG ids; 0 and 21 are the gluon)."""
    columns = grid._columns(pids)  # -1 for an untabulated parton: zero columns, as in LHAGrid
    nq = [s.q.size for s in grid.subgrids]
    offset = np.concatenate([[0], np.cumsum(nq)]).astype(np.int64)
    nx = grid.subgrids[0].x.size
    values = np.zeros((nx, int(offset[-1]), len(pids)))
    dlogx = np.zeros_like(values)
    for isub, sub in enumerate(grid.subgrids):
        for j, col in enumerate(columns):
            if col >= 0:
                values[:, offset[isub]:offset[isub + 1], j] = sub.values[:, :, col]
                dlogx[:, offset[isub]:offset[isub + 1], j] = sub.dlogx[:, :, col]
    if any(not np.array_equal(s.x, grid.subgrids[0].x) for s in grid.subgrids):
        raise InvalidArgumentError(
            f"{grid.path}: the compiled interpolation expects identical x knots in every subgrid"
        )
    return LogCubicTables(
        log_x=np.ascontiguousarray(grid.subgrids[0].log_x),
        log_q=np.concatenate([s.log_q for s in grid.subgrids]),
        q_offset=offset,
        lower_edges=np.log([s.q[0] for s in grid.subgrids[1:]]) if len(grid.subgrids) > 1 else np.empty(0),
        values=np.ascontiguousarray(values),
        dlogx=np.ascontiguousarray(dlogx),
        x_min=grid.x_min,
        x_max=grid.x_max,
        q_min=grid.q_min,
        q_max=grid.q_max,
    )


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _upper_index(knots, value, lo, hi):
    """Number of knots[lo:hi] that are <= value (``searchsorted(..., side="right")``)."""
    a, b = lo, hi
    while a < b:
        m = (a + b) // 2
        if knots[m] <= value:
            a = m + 1
        else:
            b = m
    return a - lo


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _q_weights(q, log_q, q_offset, lower_edges, q_min, q_max):
    """The Q side of the interpolation: first row of the four around Q, number of rows of its
    subgrid, and the four row coefficients c_{i-1..i+2} of the module docstring."""
    lq = np.log(min(max(q, q_min), q_max))
    isub = _upper_index(lower_edges, lq, 0, lower_edges.size)
    q0 = q_offset[isub]
    nq = q_offset[isub + 1] - q0
    iq = min(max(_upper_index(log_q, lq, q0, q0 + nq) - 1, 0), nq - 2)
    lq_i, lq_h = log_q[q0 + iq], log_q[q0 + iq + 1]
    d1 = lq_h - lq_i
    t = (lq - lq_i) / d1
    t2 = t * t
    t3 = t2 * t
    h00, h10, h01, h11 = 2 * t3 - 3 * t2 + 1, t3 - 2 * t2 + t, -2 * t3 + 3 * t2, t3 - t2
    low_c, up_c = iq > 0, iq + 1 < nq - 1
    r0 = 0.5 * d1 / (lq_i - log_q[q0 + iq - 1]) if low_c else 0.0
    r2 = 0.5 * d1 / (log_q[q0 + iq + 2] - lq_h) if up_c else 0.0
    a_lo = 0.5 if low_c else 1.0
    a_up = 0.5 if up_c else 1.0
    return (q0, iq, nq, -h10 * r0, h00 + h10 * (r0 - a_lo) - h11 * a_up, h01 + h10 * a_lo + h11 * (a_up - r2), h11 * r2)


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _x_weights(x, log_x, x_min, x_max):
    """The x side: knot index and the Hermite weights of the two values and (× knot spacing) the
    two ln-x derivatives."""
    lx = np.log(min(max(x, x_min), x_max))
    nx = log_x.size
    ix = min(max(_upper_index(log_x, lx, 0, nx) - 1, 0), nx - 2)
    h = log_x[ix + 1] - log_x[ix]
    tx = (lx - log_x[ix]) / h
    tx2 = tx * tx
    tx3 = tx2 * tx
    return ix, 2 * tx3 - 3 * tx2 + 1, (tx3 - 2 * tx2 + tx) * h, -2 * tx3 + 3 * tx2, (tx3 - tx2) * h


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _accumulate(ix, g00, g10h, g01, g11h, q0, iq, nq, cq0, cq1, cq2, cq3, values, dlogx, out):
    """out[f] = Σ_k c_k · (x-Hermite of flavour f on row k), clipped at zero; the four rows are
    those of the module docstring, i−1 and i+2 frozen at the subgrid's edges."""
    r0 = q0 + max(iq - 1, 0)
    r1 = q0 + iq
    r2 = q0 + iq + 1
    r3 = q0 + min(iq + 2, nq - 1)
    i1 = ix + 1  # indexed in full, not through row views: a view costs two atomic reference counts
    for f in range(out.size):
        acc = cq0 * (
            g00 * values[ix, r0, f] + g10h * dlogx[ix, r0, f] + g01 * values[i1, r0, f] + g11h * dlogx[i1, r0, f]
        )
        acc += cq1 * (
            g00 * values[ix, r1, f] + g10h * dlogx[ix, r1, f] + g01 * values[i1, r1, f] + g11h * dlogx[i1, r1, f]
        )
        acc += cq2 * (
            g00 * values[ix, r2, f] + g10h * dlogx[ix, r2, f] + g01 * values[i1, r2, f] + g11h * dlogx[i1, r2, f]
        )
        acc += cq3 * (
            g00 * values[ix, r3, f] + g10h * dlogx[ix, r3, f] + g01 * values[i1, r3, f] + g11h * dlogx[i1, r3, f]
        )
        out[f] = acc if acc > 0.0 else 0.0


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def xf_logcubic(x, q, log_x, log_q, q_offset, lower_edges, values, dlogx, x_min, x_max, q_min, q_max, out):
    """x·f of every packed flavour at (x, q), clipped at zero, into ``out`` (n_flavours,).

    The caller guarantees 0 < x ≤ 1 and q > 0 (the numpy path raises otherwise).
    """
    q0, iq, nq, c0, c1, c2, c3 = _q_weights(q, log_q, q_offset, lower_edges, q_min, q_max)
    ix, g00, g10h, g01, g11h = _x_weights(x, log_x, x_min, x_max)
    _accumulate(ix, g00, g10h, g01, g11h, q0, iq, nq, c0, c1, c2, c3, values, dlogx, out)


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def xf_logcubic_pair(
    x1, x2, q, log_x, log_q, q_offset, lower_edges, values, dlogx, x_min, x_max, q_min, q_max, out1, out2
):
    """:func:`xf_logcubic` at (x1, q) into ``out1`` and at (x2, q) into ``out2``, with the Q side
    computed once (both incoming partons share the factorisation scale)."""
    q0, iq, nq, c0, c1, c2, c3 = _q_weights(q, log_q, q_offset, lower_edges, q_min, q_max)
    ix, g00, g10h, g01, g11h = _x_weights(x1, log_x, x_min, x_max)
    _accumulate(ix, g00, g10h, g01, g11h, q0, iq, nq, c0, c1, c2, c3, values, dlogx, out1)
    ix, g00, g10h, g01, g11h = _x_weights(x2, log_x, x_min, x_max)
    _accumulate(ix, g00, g10h, g01, g11h, q0, iq, nq, c0, c1, c2, c3, values, dlogx, out2)
