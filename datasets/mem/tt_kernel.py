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
solutions. :func:`_block_d` slices its scratch array but never reshapes it or calls array
operators, and is inlined into its callers: each of those costs a few hundred ns per call in
numba, comparable to the whole solve.

Agreement with the numpy Block D (solutions and Jacobians, 1e-9 relative) is a test
(``tests/test_mem_tt_weight.py``). Compiled on first use (≈ 3 s, cached on disk by numba).
"""

from __future__ import annotations

import numba
import numpy as np

from .constants import G_FERMI, GAMMA_TOP, GAMMA_W, M_TOP, M_W

__all__ = ["tt_point_kinematics", "block_d_det", "N_OUT", "WORK_SIZE"]

#: Per (point, permutation, solution): valid, jac, x1, x2, mu, tau1, rho, decay.
N_OUT = 8
#: Scratch floats that :func:`_block_d` needs.
WORK_SIZE = 72
_NEWTON_STEPS = 6
_G2 = 4.0 * np.sqrt(2.0) * G_FERMI * M_W * M_W


@numba.njit(cache=True, error_model="numpy")
def _mdot(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


@numba.njit(cache=True, error_model="numpy")
def _forms(pa, pb, ka, kb, sign, offx, offy, e_form, pz_form):
    ra0, ra1, ra2 = sign * pa[1], sign * pa[2], ka + offx * pa[1] + offy * pa[2]
    rb0, rb1, rb2 = sign * pb[1], sign * pb[2], kb + offx * pb[1] + offy * pb[2]
    delta = pa[3] * pb[0] - pa[0] * pb[3]
    e_form[0] = (pa[3] * rb0 - pb[3] * ra0) / delta
    e_form[1] = (pa[3] * rb1 - pb[3] * ra1) / delta
    e_form[2] = (pa[3] * rb2 - pb[3] * ra2) / delta
    pz_form[0] = (pa[0] * rb0 - pb[0] * ra0) / delta
    pz_form[1] = (pa[0] * rb1 - pb[0] * ra1) / delta
    pz_form[2] = (pa[0] * rb2 - pb[0] * ra2) / delta


@numba.njit(cache=True, error_model="numpy")
def _add_square(c, f, sign):
    c[0] += sign * f[0] * f[0]
    c[1] += sign * 2.0 * f[0] * f[1]
    c[2] += sign * f[1] * f[1]
    c[3] += sign * 2.0 * f[0] * f[2]
    c[4] += sign * 2.0 * f[1] * f[2]
    c[5] += sign * f[2] * f[2]


@numba.njit(cache=True, error_model="numpy")
def _conic(c, x, y):
    return c[0] * x * x + c[1] * x * y + c[2] * y * y + c[3] * x + c[4] * y + c[5]


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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


@numba.njit(cache=True, error_model="numpy")
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
def block_d_det(p3, p4, p5, p6, nu1, nu2, rows):
    """det ∂(s₁₃, s₁₃₄, s₂₅, s₂₅₆)/∂(ν₁x, ν₁y, ν₁z, ν₂z) with ν₂T = MET − ν₁T, the matrix whose
    inverse determinant is Block D's Jacobian (up to 1/(8π²sE₁E₂)); ``rows`` is 16 floats of
    scratch. The gradient of (ν + p)² in ν⃗ for a massless ν is 2(E_p ν⃗/E_ν − p⃗)."""
    ea, eb = nu1[0], nu2[0]
    for c in range(3):
        rows[0 + c] = 2.0 * (p3[0] * nu1[1 + c] / ea - p3[1 + c])
        rows[4 + c] = 2.0 * ((p3[0] + p5[0]) * nu1[1 + c] / ea - (p3[1 + c] + p5[1 + c]))
        g25 = 2.0 * (p4[0] * nu2[1 + c] / eb - p4[1 + c])
        g256 = 2.0 * ((p4[0] + p6[0]) * nu2[1 + c] / eb - (p4[1 + c] + p6[1 + c]))
        if c < 2:
            rows[8 + c], rows[12 + c] = -g25, -g256
        else:
            rows[11], rows[15] = g25, g256
    rows[3], rows[7], rows[10], rows[14] = 0.0, 0.0, 0.0, 0.0
    return _det4_flat(rows)


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
def _block_d(p3, p4, p5, p6, metx, mety, s13, s134, s25, s256, sqrt_s, nu1, nu2, jac, work, roots,
             closed_form_start=False):
    """Solutions for one point; fills nu1, nu2 (4, 4), jac (4,); returns the count.

    ``work`` (at least :data:`WORK_SIZE` floats) and ``roots`` (4 complex) are scratch space, so
    that a call allocates nothing; ``closed_form_start`` is passed to :func:`_quartic_roots`.
    """
    scale = max(0.25 * (p3[0] + p4[0] + p5[0] + p6[0]), 1e-300)
    q3, q4, q5, q6 = work[0:4], work[4:8], work[8:12], work[12:16]
    for c in range(4):
        q3[c], q4[c], q5[c], q6[c] = p3[c] / scale, p4[c] / scale, p5[c] / scale, p6[c] / scale
    mx, my = metx / scale, mety / scale
    s2 = scale * scale
    z13, z134, z25, z256 = s13 / s2, s134 / s2, s25 / s2, s256 / s2
    k13 = 0.5 * (z13 - _mdot(q3, q3))
    k15 = 0.5 * (z134 - z13 - _mdot(q5, q5)) - _mdot(q3, q5)
    k24 = 0.5 * (z25 - _mdot(q4, q4))
    k26 = 0.5 * (z256 - z25 - _mdot(q6, q6)) - _mdot(q4, q6)
    e1, pz1, e2, pz2 = work[16:19], work[19:22], work[22:25], work[25:28]
    _forms(q3, q5, k13, k15, 1.0, 0.0, 0.0, e1, pz1)
    _forms(q4, q6, k24, k26, -1.0, mx, my, e2, pz2)
    c1, c2, f = work[28:34], work[34:40], work[40:43]
    for i in range(6):
        c1[i] = 0.0
        c2[i] = 0.0
    _add_square(c1, e1, 1.0)
    _add_square(c1, pz1, -1.0)
    f[0], f[1], f[2] = 1.0, 0.0, 0.0
    _add_square(c1, f, -1.0)
    f[0], f[1], f[2] = 0.0, 1.0, 0.0
    _add_square(c1, f, -1.0)
    _add_square(c2, e2, 1.0)
    _add_square(c2, pz2, -1.0)
    f[0], f[1], f[2] = -1.0, 0.0, mx
    _add_square(c2, f, -1.0)
    f[0], f[1], f[2] = 0.0, -1.0, my
    _add_square(c2, f, -1.0)
    n1, n2 = 0.0, 0.0
    for i in range(6):
        if not (np.isfinite(c1[i]) and np.isfinite(c2[i])):
            return 0
        n1 = max(n1, abs(c1[i]))
        n2 = max(n2, abs(c2[i]))
    if n1 == 0.0 or n2 == 0.0:
        return 0
    for i in range(6):
        c1[i] = c1[i] / n1
        c2[i] = c2[i] / n2
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
    r = work[43:48]
    r[0] = p0 * p0 - q0 * s0
    r[1] = 2.0 * p0 * p1 - q0 * s1 - q1 * s0
    r[2] = p1 * p1 + 2.0 * p0 * p2 - q0 * s2_ - q1 * s1
    r[3] = 2.0 * p1 * p2 - q0 * s3 - q1 * s2_
    r[4] = p2 * p2 - q1 * s3
    rscale = 0.0
    for i in range(5):
        rscale = max(rscale, abs(r[i]))
    lead = r[4]
    if abs(lead) <= 1e-14 * rscale:
        lead = (-1.0 if lead < 0.0 else 1.0) * 1e-14 * (rscale if rscale > 0.0 else 1.0)
    r[4] = lead
    for i in range(4):
        if not np.isfinite(r[i] / lead):
            return 0
    _quartic_roots(r, roots, closed_form_start)
    xs, ys = work[48:52], work[52:56]
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
            if abs(xs[j] - x) + abs(ys[j] - y) <= 1e-7 * (1.0 + abs(xs[j]) + abs(ys[j])):
                dup = True
        if dup:
            continue
        xs[n], ys[n] = x, y
        n += 1
    out = 0
    rows = work[56:72]
    for k in range(n):
        x, y = xs[k], ys[k]
        nu1[out, 0] = (e1[0] * x + e1[1] * y + e1[2]) * scale
        nu1[out, 1], nu1[out, 2] = x * scale, y * scale
        nu1[out, 3] = (pz1[0] * x + pz1[1] * y + pz1[2]) * scale
        nu2[out, 0] = (e2[0] * x + e2[1] * y + e2[2]) * scale
        nu2[out, 1], nu2[out, 2] = (mx - x) * scale, (my - y) * scale
        nu2[out, 3] = (pz2[0] * x + pz2[1] * y + pz2[2]) * scale
        if not (nu1[out, 0] > 0.0 and nu2[out, 0] > 0.0):
            continue
        te = nu1[out, 0] + nu2[out, 0] + p3[0] + p4[0] + p5[0] + p6[0]
        tz = nu1[out, 3] + nu2[out, 3] + p3[3] + p4[3] + p5[3] + p6[3]
        if abs(tz + te) > sqrt_s or abs(tz - te) > sqrt_s:
            continue
        ea, eb = nu1[out, 0], nu2[out, 0]
        det = block_d_det(p3, p4, p5, p6, nu1[out], nu2[out], rows)
        j = 1.0 / (8.0 * np.pi**2 * sqrt_s * sqrt_s * ea * eb * abs(det))
        if not np.isfinite(j):
            continue
        jac[out] = j
        out += 1
    return out


@numba.njit(cache=True, error_model="numpy")
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
    nu1, nu2, jac = np.empty((4, 4)), np.empty((4, 4)), np.empty(4)
    work, roots = np.empty(WORK_SIZE), np.empty(4, dtype=np.complex128)
    width2 = (M_TOP * GAMMA_TOP) ** 2
    for i in range(npts):
        p3, p4 = vis[i, 0], vis[i, 1]
        for perm in range(2):
            p5 = vis[i, 2 + perm]
            p6 = vis[i, 3 - perm]
            n = _block_d(p3, p4, p5, p6, met[0], met[1], s[i, 0], s[i, 1], s[i, 2], s[i, 3], sqrt_s, nu1, nu2, jac,
                         work, roots)
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
