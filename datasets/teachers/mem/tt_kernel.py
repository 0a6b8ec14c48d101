r"""Compiled (numba) kinematics of the tt̄ integrand: Block D, initial state and decays per point.

The same algorithm as :func:`.block_d.solve_block_d` (linear forms for (E, p_z) of each
neutrino, two conics in p_1T, their quartic resultant, its roots (no LAPACK call per point:
Durand–Kerner iteration on the reference path, real-arithmetic Ferrari on the compiled
integrand's path), Newton polishing on the pair of conics, duplicates and unphysical solutions
dropped, the Jacobian 1/(8π² s E₁E₂|det D|)), written as one loop over integration points so
that the (P, 4, 4) temporaries of the numpy version disappear; then, for every solution, the
initial state with the transverse boost (x₁, x₂), the scale μ = M_T(tt̄), τ₁ = 2q₁·p_t/ŝ, ρ and
the decay factor ¼ Σ|M_t|² Σ|M_t̄|² / (BW_t BW_t̄) of :mod:`.tt_matrix_element`. The parton
densities and the production |M|² stay in numpy (:mod:`.tt_weight`), on the flat list of valid
solutions. :func:`_block_d` keeps its small vectors in tuples and calls no array operator, and
is inlined into its callers: array temporaries cost a few hundred ns per call in numba, and every
array view, or array argument of an inlined function, two atomic reference counts, comparable
to the whole solve. The helpers that take arrays and allocate nothing are compiled without
numba's reference counting (``_nrt=False``; the caller owns the arrays).

Agreement with the numpy Block D (solutions and Jacobians, 1e-9 relative) is a test
(``tests/mem/test_mem_tt_weight.py``). Compiled on first use (≈ 3 s, cached on disk by numba).
"""

from __future__ import annotations

import numba
import numpy as np

from .constants import G_FERMI, GAMMA_TOP, GAMMA_W, M_TOP, M_W

__all__ = ["tt_point_kinematics", "block_d_det", "N_OUT", "SOLUTION_COLUMNS"]

#: Per (point, permutation, solution): valid, jac, x1, x2, mu, tau1, rho, decay.
N_OUT = 8
#: columns of a row of the solution array of :func:`_block_d` and
#: :func:`.tt_channels.channel_solutions`: ν₁ (E, p⃗) in 0–3, ν₂ in 4–7, (s₁₃, s₁₃₄, s₂₅, s₂₅₆) in
#: 8–11, Block D's Jacobian in 12 (one array rather than four: numba reference-counts each array
#: an inlined function receives, with atomic instructions)
SOLUTION_COLUMNS = 13
_NEWTON_STEPS = 6
_G2 = 4.0 * np.sqrt(2.0) * G_FERMI * M_W * M_W


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _mdot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


@numba.njit(cache=True, error_model="numpy", inline="always")
def _forms(pa, pb, ka, kb, sign, offx, offy):
    """The linear forms (E, p_z) = form · (x, y, 1) of a neutrino from its two mass constraints."""
    ra0, ra1, ra2 = sign * pa[1], sign * pa[2], ka + offx * pa[1] + offy * pa[2]
    rb0, rb1, rb2 = sign * pb[1], sign * pb[2], kb + offx * pb[1] + offy * pb[2]
    delta = pa[3] * pb[0] - pa[0] * pb[3]
    e_form = ((pa[3] * rb0 - pb[3] * ra0) / delta, (pa[3] * rb1 - pb[3] * ra1) / delta,
              (pa[3] * rb2 - pb[3] * ra2) / delta)
    pz_form = ((pa[0] * rb0 - pb[0] * ra0) / delta, (pa[0] * rb1 - pb[0] * ra1) / delta,
               (pa[0] * rb2 - pb[0] * ra2) / delta)
    return e_form, pz_form


@numba.njit(cache=True, error_model="numpy", inline="always")
def _square(f):
    """Coefficients (x², xy, y², x, y, 1) of (f₀x + f₁y + f₂)²."""
    return (f[0] * f[0], 2.0 * f[0] * f[1], f[1] * f[1], 2.0 * f[0] * f[2], 2.0 * f[1] * f[2], f[2] * f[2])


@numba.njit(cache=True, error_model="numpy", inline="always")
def _conic_of(e, pz, fx, fy):
    """The conic e² − p_z² − f_x² − f_y² (E² = |p⃗|² of a massless ν, p_T = (f_x, f_y)) of linear forms."""
    a, b, c, d = _square(e), _square(pz), _square(fx), _square(fy)
    return (a[0] - b[0] - c[0] - d[0], a[1] - b[1] - c[1] - d[1], a[2] - b[2] - c[2] - d[2],
            a[3] - b[3] - c[3] - d[3], a[4] - b[4] - c[4] - d[4], a[5] - b[5] - c[5] - d[5])


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _conic(c, x, y):
    return c[0] * x * x + c[1] * x * y + c[2] * y * y + c[3] * x + c[4] * y + c[5]


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _largest_cubic_root(b, c, d):
    """Largest real root of the monic m³ + bm² + cm + d: Cardano with real cube roots when there
    is one real root, the trigonometric form when there are three; one Newton step polishes it."""
    pp = c - b * b / 3.0
    qq = 2.0 * b * b * b / 27.0 - b * c / 3.0 + d
    disc = 0.25 * qq * qq + pp * pp * pp / 27.0
    if disc > 0.0:
        sq = np.sqrt(disc)
        t = np.cbrt(-0.5 * qq + sq) + np.cbrt(-0.5 * qq - sq)
    elif pp < 0.0:
        rr = np.sqrt(-pp / 3.0)
        arg = min(max(-0.5 * qq / (rr * rr * rr), -1.0), 1.0)
        t = 2.0 * rr * np.cos(np.arccos(arg) / 3.0)
    else:
        t = 0.0
    m = t - b / 3.0
    f = ((m + b) * m + c) * m + d
    fp = (3.0 * m + 2.0 * b) * m + c
    if fp != 0.0 and np.isfinite(fp):
        m -= f / fp
    return m


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _ferrari_real(a3, a2, a1, a0, roots):
    r"""Roots of the monic x⁴ + a₃x³ + a₂x² + a₁x + a₀ by Ferrari's method in real arithmetic,
    into ``roots`` (complex pairs where a quadratic factor has no real root); returns False when
    the resolvent's largest root m is not clearly positive (a biquadratic, where q/(2σ) is 0/0)
    or a root is not finite, so that the caller falls back to iteration.

    With x = y − a₃/4 the quartic is y⁴ + py² + qy + r = 0; for a root m > 0 of the resolvent
    cubic 8m³ + 8pm² + (2p² − 8r)m − q² (it has one when q ≠ 0: −q² < 0 at m = 0) and σ = √(2m)
    it factors into y² ∓ σy + (p/2 + m ± q/(2σ)), whose roots are
    y = (±σ ± √(−2p − 2m ∓ 2q/σ))/2. No complex cube root or square root is needed, unlike the
    textbook complex form.
    """
    p = a2 - 0.375 * a3 * a3
    q = a1 - 0.5 * a3 * a2 + 0.125 * a3 * a3 * a3
    r = a0 - 0.25 * a3 * a1 + a3 * a3 * a2 / 16.0 - 3.0 * a3 ** 4 / 256.0
    m = _largest_cubic_root(p, 0.25 * p * p - r, -0.125 * q * q)
    # q/(2σ) below is 0/0 when m is 0 to rounding (a biquadratic): leave those to iteration
    if not (np.isfinite(m) and m > 1e-8 * (1.0 + abs(p) + np.sqrt(abs(r)))):
        return False
    sigma = np.sqrt(2.0 * m)
    shift = -0.25 * a3
    for half in range(2):
        sg = 1.0 if half == 0 else -1.0
        dd = -2.0 * p - 2.0 * m - sg * 2.0 * q / sigma
        if dd >= 0.0:
            sd = np.sqrt(dd)
            roots[2 * half] = complex(shift + 0.5 * (sg * sigma + sd), 0.0)
            roots[2 * half + 1] = complex(shift + 0.5 * (sg * sigma - sd), 0.0)
        else:
            sd = np.sqrt(-dd)
            roots[2 * half] = complex(shift + 0.5 * sg * sigma, 0.5 * sd)
            roots[2 * half + 1] = complex(shift + 0.5 * sg * sigma, -0.5 * sd)
    for k in range(4):
        if not (np.isfinite(roots[k].real) and np.isfinite(roots[k].imag)):
            return False
    return True


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _quartic_roots(r, roots, closed_form_start=False):
    """Complex roots of r[0] + r[1]x + … + r[4]x⁴; fills roots (4,) complex.

    With ``closed_form_start`` (the compiled integrand's path) the real-arithmetic Ferrari roots
    of :func:`_ferrari_real` are returned as they are: :func:`_block_d` only uses them to pick
    the (near-)real roots, which it then polishes by Newton's method on the pair of conics.
    Otherwise, and when the resolvent has no positive root, Durand–Kerner (Weierstrass)
    iteration started on a circle of the Fujiwara root bound (the reference path).
    """
    a3, a2, a1, a0 = r[3] / r[4], r[2] / r[4], r[1] / r[4], r[0] / r[4]
    if closed_form_start and _ferrari_real(a3, a2, a1, a0, roots):
        return
    bound = 2.0 * max(abs(a3), np.sqrt(abs(a2)), abs(a1) ** (1.0 / 3.0), (0.5 * abs(a0)) ** 0.25)
    seed = 0.4 + 0.9j
    z = seed
    for k in range(4):
        roots[k] = bound * z / abs(z)
        z *= seed
    for _ in range(80):
        change = 0.0
        for k in range(4):
            zk = roots[k]
            num = (((zk + a3) * zk + a2) * zk + a1) * zk + a0
            den = 1.0 + 0.0j
            for j in range(4):
                if j != k:
                    den *= zk - roots[j]
            if den == 0.0:
                den = 1e-300 + 0.0j
            step = num / den
            roots[k] = zk - step
            change = max(change, abs(step) / (1.0 + abs(zk)))
        if change < 1e-12:
            break


@numba.njit(cache=True, error_model="numpy", inline="always")
def block_d_det(p3, p4, p5, p6, nu1, nu2):
    """det ∂(s₁₃, s₁₃₄, s₂₅, s₂₅₆)/∂(ν₁x, ν₁y, ν₁z, ν₂z) with ν₂T = MET − ν₁T, the matrix whose
    inverse determinant is Block D's Jacobian (up to 1/(8π²sE₁E₂)). The gradient of (ν + p)² in
    ν⃗ for a massless ν is 2(E_p ν⃗/E_ν − p⃗)."""
    ea, eb = nu1[0], nu2[0]
    e35, e46 = p3[0] + p5[0], p4[0] + p6[0]
    g13 = (2.0 * (p3[0] * nu1[1] / ea - p3[1]), 2.0 * (p3[0] * nu1[2] / ea - p3[2]),
           2.0 * (p3[0] * nu1[3] / ea - p3[3]))
    g134 = (2.0 * (e35 * nu1[1] / ea - (p3[1] + p5[1])), 2.0 * (e35 * nu1[2] / ea - (p3[2] + p5[2])),
            2.0 * (e35 * nu1[3] / ea - (p3[3] + p5[3])))
    g25 = (2.0 * (p4[0] * nu2[1] / eb - p4[1]), 2.0 * (p4[0] * nu2[2] / eb - p4[2]),
           2.0 * (p4[0] * nu2[3] / eb - p4[3]))
    g256 = (2.0 * (e46 * nu2[1] / eb - (p4[1] + p6[1])), 2.0 * (e46 * nu2[2] / eb - (p4[2] + p6[2])),
            2.0 * (e46 * nu2[3] / eb - (p4[3] + p6[3])))
    return _det4_flat((g13[0], g13[1], g13[2], 0.0, g134[0], g134[1], g134[2], 0.0,
                       -g25[0], -g25[1], 0.0, g25[2], -g256[0], -g256[1], 0.0, g256[2]))


@numba.njit(cache=True, error_model="numpy", inline="always")
def _det4_flat(v):
    """Determinant of a row-major flat 4×4 matrix by cofactor expansion (no LAPACK call per point)."""
    s0 = v[0] * v[5] - v[4] * v[1]
    s1 = v[0] * v[6] - v[4] * v[2]
    s2 = v[0] * v[7] - v[4] * v[3]
    s3 = v[1] * v[6] - v[5] * v[2]
    s4 = v[1] * v[7] - v[5] * v[3]
    s5 = v[2] * v[7] - v[6] * v[3]
    c5 = v[10] * v[15] - v[14] * v[11]
    c4 = v[9] * v[15] - v[13] * v[11]
    c3 = v[9] * v[14] - v[13] * v[10]
    c2 = v[8] * v[15] - v[12] * v[11]
    c1 = v[8] * v[14] - v[12] * v[10]
    c0 = v[8] * v[13] - v[12] * v[9]
    return s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0


@numba.njit(cache=True, error_model="numpy", inline="always")
def _polish(c1, c2, x, y):
    """Newton's method for the intersection of the conics c1, c2 from (x, y); at most
    :data:`_NEWTON_STEPS` steps, fewer once a step is at rounding level."""
    for _ in range(_NEWTON_STEPS):
        f1, f2 = _conic(c1, x, y), _conic(c2, x, y)
        g1x = 2.0 * c1[0] * x + c1[1] * y + c1[3]
        g1y = c1[1] * x + 2.0 * c1[2] * y + c1[4]
        g2x = 2.0 * c2[0] * x + c2[1] * y + c2[3]
        g2y = c2[1] * x + 2.0 * c2[2] * y + c2[4]
        det = g1x * g2y - g1y * g2x
        if not (np.isfinite(det) and det != 0.0):
            break
        dx, dy = (f1 * g2y - f2 * g1y) / det, (g1x * f2 - g2x * f1) / det
        x, y = x - dx, y - dy
        if abs(dx) + abs(dy) <= 1e-15 * (1.0 + abs(x) + abs(y)):
            break
    return x, y


@numba.njit(cache=True, error_model="numpy", inline="always")
def _block_d(p3, p4, p5, p6, metx, mety, s13, s134, s25, s256, sqrt_s, sol, roots,
             closed_form_start=False):
    """Solutions for one point; fills sol[k, 0:4] with ν₁, sol[k, 4:8] with ν₂ and sol[k, 12] with
    the Jacobian (sol (4, ≥ 13), the layout of :data:`.tt_channels.SOLUTION_COLUMNS`); returns the
    count.

    ``roots`` (4 complex) is scratch space, so that a call allocates nothing;
    ``closed_form_start`` is passed to :func:`_quartic_roots`. The small vectors (scaled momenta,
    linear forms, conics, resultant) are tuples, not slices of a scratch array: in numba a slice
    is a view with two atomic reference counts, which cost more than the arithmetic here.
    """
    scale = max(0.25 * (p3[0] + p4[0] + p5[0] + p6[0]), 1e-300)
    q3 = (p3[0] / scale, p3[1] / scale, p3[2] / scale, p3[3] / scale)
    q4 = (p4[0] / scale, p4[1] / scale, p4[2] / scale, p4[3] / scale)
    q5 = (p5[0] / scale, p5[1] / scale, p5[2] / scale, p5[3] / scale)
    q6 = (p6[0] / scale, p6[1] / scale, p6[2] / scale, p6[3] / scale)
    mx, my = metx / scale, mety / scale
    s2 = scale * scale
    z13, z134, z25, z256 = s13 / s2, s134 / s2, s25 / s2, s256 / s2
    k13 = 0.5 * (z13 - _mdot(q3, q3))
    k15 = 0.5 * (z134 - z13 - _mdot(q5, q5)) - _mdot(q3, q5)
    k24 = 0.5 * (z25 - _mdot(q4, q4))
    k26 = 0.5 * (z256 - z25 - _mdot(q6, q6)) - _mdot(q4, q6)
    e1, pz1 = _forms(q3, q5, k13, k15, 1.0, 0.0, 0.0)
    e2, pz2 = _forms(q4, q6, k24, k26, -1.0, mx, my)
    c1 = _conic_of(e1, pz1, (1.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    c2 = _conic_of(e2, pz2, (-1.0, 0.0, mx), (0.0, -1.0, my))
    n1, n2 = 0.0, 0.0
    for i in range(6):
        if not (np.isfinite(c1[i]) and np.isfinite(c2[i])):
            return 0
        n1 = max(n1, abs(c1[i]))
        n2 = max(n2, abs(c2[i]))
    if n1 == 0.0 or n2 == 0.0:
        return 0
    c1 = (c1[0] / n1, c1[1] / n1, c1[2] / n1, c1[3] / n1, c1[4] / n1, c1[5] / n1)
    c2 = (c2[0] / n2, c2[1] / n2, c2[2] / n2, c2[3] / n2, c2[4] / n2, c2[5] / n2)
    # resultant in y: R(x) = p^2 - q s, lowest order first
    a1, a2 = c1[2], c2[2]
    p0 = a1 * c2[5] - a2 * c1[5]
    p1 = a1 * c2[3] - a2 * c1[3]
    p2 = a1 * c2[0] - a2 * c1[0]
    q0 = a1 * c2[4] - a2 * c1[4]
    q1 = a1 * c2[1] - a2 * c1[1]
    # s = b1 cc2 - b2 cc1, b = (c4 + c1 x), cc = (c5 + c3 x + c0 x^2)
    s0 = c1[4] * c2[5] - c2[4] * c1[5]
    s1 = c1[4] * c2[3] + c1[1] * c2[5] - c2[4] * c1[3] - c2[1] * c1[5]
    s2_ = c1[4] * c2[0] + c1[1] * c2[3] - c2[4] * c1[0] - c2[1] * c1[3]
    s3 = c1[1] * c2[0] - c2[1] * c1[0]
    r0 = p0 * p0 - q0 * s0
    r1 = 2.0 * p0 * p1 - q0 * s1 - q1 * s0
    r2 = p1 * p1 + 2.0 * p0 * p2 - q0 * s2_ - q1 * s1
    r3 = 2.0 * p1 * p2 - q0 * s3 - q1 * s2_
    lead = p2 * p2 - q1 * s3
    rscale = max(abs(r0), abs(r1), abs(r2), abs(r3), abs(lead))
    if abs(lead) <= 1e-14 * rscale:
        lead = (-1.0 if lead < 0.0 else 1.0) * 1e-14 * (rscale if rscale > 0.0 else 1.0)
    if not (np.isfinite(r0 / lead) and np.isfinite(r1 / lead) and np.isfinite(r2 / lead)
            and np.isfinite(r3 / lead)):
        return 0
    _quartic_roots((r0, r1, r2, r3, lead), roots, closed_form_start)
    # the distinct (x, y) found are kept in sol[n, 1:3] until the second loop turns them into
    # solutions (row out ≤ n is written only after row n is read)
    n = 0
    for k in range(4):
        x = roots[k].real
        if not (np.isfinite(x) and abs(roots[k].imag) <= 1e-3 * (1.0 + abs(x))):
            continue
        b1 = c1[1] * x + c1[4]
        qq1 = c1[0] * x * x + c1[3] * x + c1[5]
        b2 = c2[1] * x + c2[4]
        qq2 = c2[0] * x * x + c2[3] * x + c2[5]
        disc = np.sqrt(max(b1 * b1 - 4.0 * a1 * qq1, 0.0))
        best, ybest = np.inf, 0.0
        for cand in ((-b1 + disc) / (2.0 * a1), (-b1 - disc) / (2.0 * a1),
                     -(a1 * qq2 - a2 * qq1) / (a1 * b2 - a2 * b1)):
            res = abs(_conic(c1, x, cand)) + abs(_conic(c2, x, cand))
            if np.isfinite(res) and res < best:
                best, ybest = res, cand
        x, y = _polish(c1, c2, x, ybest)
        resid = max(abs(_conic(c1, x, y)), abs(_conic(c2, x, y)))
        if not (np.isfinite(resid) and resid <= 1e-9):
            continue
        dup = False
        for j in range(n):
            xj, yj = sol[j, 1], sol[j, 2]
            if abs(xj - x) + abs(yj - y) <= 1e-7 * (1.0 + abs(xj) + abs(yj)):
                dup = True
        if dup:
            continue
        sol[n, 1], sol[n, 2] = x, y
        n += 1
    out = 0
    for k in range(n):
        x, y = sol[k, 1], sol[k, 2]
        ea = (e1[0] * x + e1[1] * y + e1[2]) * scale
        eb = (e2[0] * x + e2[1] * y + e2[2]) * scale
        za = (pz1[0] * x + pz1[1] * y + pz1[2]) * scale
        zb = (pz2[0] * x + pz2[1] * y + pz2[2]) * scale
        if not (ea > 0.0 and eb > 0.0):
            continue
        te = ea + eb + p3[0] + p4[0] + p5[0] + p6[0]
        tz = za + zb + p3[3] + p4[3] + p5[3] + p6[3]
        if abs(tz + te) > sqrt_s or abs(tz - te) > sqrt_s:
            continue
        va = (ea, x * scale, y * scale, za)
        vb = (eb, (mx - x) * scale, (my - y) * scale, zb)
        det = block_d_det(p3, p4, p5, p6, va, vb)
        j = 1.0 / (8.0 * np.pi**2 * sqrt_s * sqrt_s * ea * eb * abs(det))
        if not np.isfinite(j):
            continue
        for c in range(4):
            sol[out, c], sol[out, 4 + c] = va[c], vb[c]
        sol[out, 12] = j
        out += 1
    return out


@numba.njit(cache=True, error_model="numpy", _nrt=False)
def _decay(top, b, lep, nu):
    w0, w1, w2, w3 = lep[0] + nu[0], lep[1] + nu[1], lep[2] + nu[2], lep[3] + nu[3]
    s_w = w0 * w0 - w1 * w1 - w2 * w2 - w3 * w3
    bw = (s_w - M_W * M_W) ** 2 + (M_W * GAMMA_W) ** 2
    return 4.0 * _G2 * _G2 * _mdot(top, lep) * _mdot(b, nu) / bw


@numba.njit(cache=True, error_model="numpy")
def tt_point_kinematics(vis, s, met, sqrt_s):
    """vis (P, 4, 4): ℓ⁺, ℓ⁻, b₁, b₂ as (E, px, py, pz); s (P, 4): s13, s134, s25, s256;
    met (2,); returns (P, 2, 4, N_OUT): per b assignment and Block D solution, the columns of
    :data:`N_OUT` (valid = 1.0 or 0.0)."""
    npts = vis.shape[0]
    out = np.zeros((npts, 2, 4, N_OUT))
    sol = np.empty((4, SOLUTION_COLUMNS))
    roots = np.empty(4, dtype=np.complex128)
    width2 = (M_TOP * GAMMA_TOP) ** 2
    for i in range(npts):
        p3, p4 = vis[i, 0], vis[i, 1]
        for perm in range(2):
            p5 = vis[i, 2 + perm]
            p6 = vis[i, 3 - perm]
            n = _block_d(p3, p4, p5, p6, met[0], met[1], s[i, 0], s[i, 1], s[i, 2], s[i, 3], sqrt_s, sol, roots)
            nu1, nu2, jac = sol[:, 0:4], sol[:, 4:8], sol[:, 12]
            for k in range(n):
                top = nu1[k] + p3 + p5
                tbar = nu2[k] + p4 + p6
                tot = top + tbar
                pt2 = tot[1] * tot[1] + tot[2] * tot[2]
                shat = tot[0] * tot[0] - pt2 - tot[3] * tot[3]
                e_prime = np.sqrt(shat + tot[3] * tot[3])
                x1 = (e_prime + tot[3]) / sqrt_s
                x2 = (e_prime - tot[3]) / sqrt_s
                gamma = tot[0] / e_prime
                bx, by = tot[1] / tot[0], tot[2] / tot[0]
                q1_top = 0.5 * x1 * sqrt_s * (gamma * (top[0] - bx * top[1] - by * top[2]) - top[3])
                o = out[i, perm, k]
                o[0] = 1.0
                o[1] = jac[k]
                o[2], o[3] = x1, x2
                o[4] = np.sqrt(shat + pt2)
                o[5] = 2.0 * q1_top / shat
                o[6] = 2.0 * (s[i, 1] + s[i, 3]) / shat
                o[7] = (0.25 * _decay(top, p5, p3, nu1[k]) * _decay(tbar, p6, p4, nu2[k])
                        / (((s[i, 1] - M_TOP**2) ** 2 + width2) * ((s[i, 3] - M_TOP**2) ** 2 + width2)))
    return out
