r"""Phase-space channels for the tt̄ integrand besides Block D, and the mixture density that
combines them (multi-channel importance sampling with the balance heuristic).

Block D maps (s₁₃, s₁₃₄, s₂₅, s₂₅₆) to the neutrinos; its Jacobian 1/|det ∂s/∂ν| diverges where
two of its solutions merge (a fold of the map). Where an event cannot put all four resonances on
shell, most of its weight sits on such folds in the tail of one Breit–Wigner, and VEGAS on Block D
alone sees a few isolated spikes: its errors shrink far slower than 1/√N and can be badly
underestimated. The channels here parametrise the same neutrino phase space (d³ν₁ dν₂z, with
ν₂T = MET − ν₁T) with one or two masses left free, so that they have no fold where Block D has
one:

* ellipse channels (:func:`ellipse_channel`). At fixed (s_W, s_t) of one side the massless ν
  obeys E_ℓE − p⃗_ℓ·ν⃗ = a₁ = (s_W − m_ℓ²)/2 and E_bE − p⃗_b·ν⃗ = a₂ = (s_t − s_W − m_b²)/2 − p_ℓ·p_b;
  with ν⃗ = E n̂ the ratio gives the plane n̂·w⃗ = a₁E_b − a₂E_ℓ, w⃗ = a₁p⃗_b − a₂p⃗_ℓ: n̂ lies on a
  cone of half-angle ψ about k̂ = w⃗/|w⃗|, cos ψ = (a₁E_b − a₂E_ℓ)/|w⃗|, and E = a₁/(E_ℓ − p⃗_ℓ·n̂).
  The channel samples s_W, s_t with their Breit–Wigners and the azimuth t of n̂ about k̂
  uniformly; the other neutrino takes the rest of the MET and its p_z from one more mass
  (:func:`second_pz`, up to two roots): its W mass (channels 1, 2) or its top mass (3, 4).
* the transverse channel (:func:`transverse_channel`): ν₁T = MET/2 + Cauchy (:data:`NU_T_WIDTH`)
  in x and y, both p_z from the two top masses (both W masses free).

Densities in d³ν₁ dν₂z (q the normalised Breit–Wigner density of the map of
:mod:`.breit_wigner`, q = 1/J_BW):

* Block D: q(s₁₃)q(s₁₃₄)q(s₂₅)q(s₂₅₆)·|det ∂s/∂(ν⃗₁, ν₂z)| (:func:`.tt_kernel.block_d_det`);
* ellipse 1 with ν₂z from s₂₅: q(s₁₃)q(s₁₃₄)q(s₂₅)·|det ∂(s₁₃, s₁₃₄, t)/∂ν⃗₁|·|∂s₂₅/∂ν₂z|/2π, where
  |det ∂(s₁₃, s₁₃₄, t)/∂ν⃗₁| = |∇s₁₃ × ∇s₁₃₄| / |dν⃗₁/dt| (:func:`ellipse_density`: dν⃗/dt is
  tangent to the curve of fixed masses, so parallel to the cross product, and ∇t·dν⃗/dt = 1);
  the other ellipse channels alike;
* transverse: q(s₁₃₄)q(s₂₅₆)·c(ν₁x)c(ν₁y)·|∂s₁₃₄/∂ν₁z|·|∂s₂₅₆/∂ν₂z|, c the Cauchy densities.

Every solution of the channel chosen for a point contributes F(ν)/Σ_c α_c p_c(ν), F the
integrand in d³ν₁dν₂z (balance heuristic: E. Veach and L. Guibas, SIGGRAPH 1995; the multi-channel
method of R. Kleiss and R. Pittau, Comput. Phys. Commun. 83 (1994) 141). For any fixed α, with
channel c picked with probability α_c, the sum integrates to ∫F; with α = (1, 0, 0, 0, 0, 0) it is
Block D alone, term by term. Tests: each channel's density against finite-difference Jacobians of
its map, and the weights against Block D alone (``tests/mem/test_mem_tt_channels.py``).
"""

from __future__ import annotations

import numba
import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from .constants import GAMMA_TOP, GAMMA_W, M_TOP, M_W
from .tt_kernel import SOLUTION_COLUMNS, _block_d, _mdot, block_d_det

__all__ = [
    "CHANNELS",
    "SOLUTION_COLUMNS",
    "CHANNEL_WEIGHTS",
    "NU_T_WIDTH",
    "bw_density",
    "bw_map",
    "cone_frame",
    "ellipse_point",
    "ellipse_density",
    "second_pz",
    "ellipse_channel",
    "transverse_channel",
    "channel_solutions",
    "mixture_density",
    "validate_channel_weights",
]

_TWO_PI = 2.0 * np.pi
#: the channels, in the order of :data:`CHANNEL_WEIGHTS` and of ``channel`` in :func:`channel_solutions`
CHANNELS = ("block_d", "ellipse_1_s25", "ellipse_2_s13", "ellipse_1_s256", "ellipse_2_s134", "transverse")
#: α of each channel in the balance heuristic (the compiled integrand's default), chosen among a
#: few settings by evaluations and converged events at 1 % on 70 tt̄ events; the weights do not
#: depend on them
CHANNEL_WEIGHTS = (0.45, 0.125, 0.125, 0.125, 0.125, 0.05)
#: width (GeV) of the Cauchy maps of ν₁T about MET/2 in the transverse channel
NU_T_WIDTH = 40.0


def validate_channel_weights(alpha: tuple[float, ...]) -> np.ndarray:
    """α as a float array after checking it: one finite weight ≥ 0 per channel of :data:`CHANNELS`,
    summing to 1.

    Raises:
        InvalidArgumentError: a wrong length, a negative or non-finite weight, or a sum ≠ 1.
    """
    a = np.asarray(alpha, dtype=np.float64)
    if a.shape != (len(CHANNELS),) or not np.all(np.isfinite(a)) or np.any(a < 0.0):
        raise InvalidArgumentError(
            f"channel_weights: expected {len(CHANNELS)} finite weights >= 0 for {CHANNELS}, found {alpha!r}"
        )
    if abs(float(np.sum(a)) - 1.0) > 1e-9:
        raise InvalidArgumentError(f"channel_weights: expected weights summing to 1, found sum {np.sum(a)!r}")
    return a


@numba.njit(cache=True, error_model="numpy", inline="always")
def bw_density(s, mass, width, span):
    """Normalised density in s of the Breit–Wigner map on s ∈ [0, ∞) (the inverse of its
    Jacobian): mΓ / (span·((s − m²)² + m²Γ²)), span = π/2 + atan(m/Γ) (:data:`SPAN_W`, :data:`SPAN_TOP`)."""
    g = mass * width
    d = s - mass * mass
    return g / (span * (d * d + g * g))


#: atan(m/Γ) and span = π/2 + atan(m/Γ), the range of the Breit–Wigner map's angle, per resonance
ATAN_W, ATAN_TOP = float(np.arctan(M_W / GAMMA_W)), float(np.arctan(M_TOP / GAMMA_TOP))
SPAN_W, SPAN_TOP = 0.5 * np.pi + ATAN_W, 0.5 * np.pi + ATAN_TOP


@numba.njit(cache=True, error_model="numpy", inline="always")
def cone_frame(pl, pb, s_w, s_t):
    """Cone of the massless ν with (ν + pl)² = s_w and (ν + pl + pb)² = s_t: (ok, frame), the frame
    a tuple (k̂ₓ, k̂ᵧ, k̂_z, cos ψ, a₁); ok is False where no such ν exists."""
    a1 = 0.5 * (s_w - _mdot(pl, pl))
    a2 = 0.5 * (s_t - s_w - _mdot(pb, pb)) - _mdot(pl, pb)
    none = (0.0, 0.0, 0.0, 0.0, 0.0)
    if not (a1 > 0.0 and a2 > 0.0):
        return False, none
    wx, wy, wz = a1 * pb[1] - a2 * pl[1], a1 * pb[2] - a2 * pl[2], a1 * pb[3] - a2 * pl[3]
    norm = np.sqrt(wx * wx + wy * wy + wz * wz)
    if not norm > 0.0:
        return False, none
    cos_psi = (a1 * pb[0] - a2 * pl[0]) / norm
    if not abs(cos_psi) < 1.0:
        return False, none
    return True, (wx / norm, wy / norm, wz / norm, cos_psi, a1)


@numba.njit(cache=True, error_model="numpy", inline="always")
def ellipse_point(pl, frame, t):
    """(ok, E, p_x, p_y, p_z) of ν at azimuth t on the cone of :func:`cone_frame`; ok is False if E
    is not > 0."""
    kx, ky, kz, cos_psi, a1 = frame[0], frame[1], frame[2], frame[3], frame[4]
    sin_psi = np.sqrt(1.0 - cos_psi * cos_psi)
    # e1 ⊥ k: k × (the axis along k's smallest component), normalised; e2 = k × e1
    if abs(kx) <= abs(ky) and abs(kx) <= abs(kz):
        e1x, e1y, e1z = 0.0, kz, -ky
    elif abs(ky) <= abs(kz):
        e1x, e1y, e1z = -kz, 0.0, kx
    else:
        e1x, e1y, e1z = ky, -kx, 0.0
    n1 = np.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x, e1y, e1z = e1x / n1, e1y / n1, e1z / n1
    e2x, e2y, e2z = ky * e1z - kz * e1y, kz * e1x - kx * e1z, kx * e1y - ky * e1x
    ct, st = np.cos(t), np.sin(t)
    nx = cos_psi * kx + sin_psi * (ct * e1x + st * e2x)
    ny = cos_psi * ky + sin_psi * (ct * e1y + st * e2y)
    nz = cos_psi * kz + sin_psi * (ct * e1z + st * e2z)
    energy = a1 / (pl[0] - pl[1] * nx - pl[2] * ny - pl[3] * nz)
    if not (energy > 0.0 and np.isfinite(energy)):
        return False, 0.0, 0.0, 0.0, 0.0
    return True, energy, energy * nx, energy * ny, energy * nz


@numba.njit(cache=True, error_model="numpy", inline="always")
def ellipse_density(pl, pb, frame, nu):
    """|det ∂(s_w, s_t, t)/∂ν⃗| at ν on the cone of ``frame`` = |∇s_w × ∇s_t| / |dν⃗/dt|."""
    kx, ky, kz, a1 = frame[0], frame[1], frame[2], frame[4]
    energy = nu[0]
    nx, ny, nz = nu[1] / energy, nu[2] / energy, nu[3] / energy
    el, et = pl[0], pl[0] + pb[0]
    gwx, gwy, gwz = el * nx - pl[1], el * ny - pl[2], el * nz - pl[3]
    gtx, gty, gtz = et * nx - pl[1] - pb[1], et * ny - pl[2] - pb[2], et * nz - pl[3] - pb[3]
    cx, cy, cz = gwy * gtz - gwz * gty, gwz * gtx - gwx * gtz, gwx * gty - gwy * gtx
    cross = 4.0 * np.sqrt(cx * cx + cy * cy + cz * cz)  # the gradients are 2 (E n̂ − p⃗)
    dx, dy, dz = ky * nz - kz * ny, kz * nx - kx * nz, kx * ny - ky * nx  # dn̂/dt = k̂ × n̂
    de = energy * energy * (pl[1] * dx + pl[2] * dy + pl[3] * dz) / a1
    tangent = np.sqrt(de * de + energy * energy * (dx * dx + dy * dy + dz * dz))
    return cross / tangent


@numba.njit(cache=True, error_model="numpy", inline="always")
def second_pz(pl, px, py, s_w):
    """(count ≤ 2, z₀, z₁): the p_z roots of the massless ν with transverse (px, py) and
    (ν + pl)² = s_w (a duplicated root counted once)."""
    b = 0.5 * (s_w - _mdot(pl, pl)) + px * pl[1] + py * pl[2]
    el, lz = pl[0], pl[3]
    a = el * el - lz * lz
    t2 = px * px + py * py
    disc = b * b - a * t2
    if not (a > 0.0 and disc >= 0.0):
        return 0, 0.0, 0.0
    root = el * np.sqrt(disc)
    n, z0, z1 = 0, 0.0, 0.0
    for sign in (1.0, -1.0):
        cand = (b * lz + sign * root) / a
        if b + lz * cand > 0.0 and np.isfinite(cand):
            if n == 0:
                z0 = cand
            else:
                z1 = cand
            n += 1
    if n == 2 and z0 == z1:
        n = 1
    return n, z0, z1


@numba.njit(cache=True, error_model="numpy", inline="always")
def ellipse_channel(pl, pb, pl2, metx, mety, s_w, s_t, s_w2, t, sol, a, b):
    """Solutions of an ellipse channel: ν_a on the cone of (pl, pb, s_w, s_t) at azimuth t, ν_b with
    transverse MET − ν_aT and (ν_b + pl2)² = s_w2; fills sol[k, a:a+4] with ν_a and sol[k, b:b+4]
    with ν_b (k < count, :data:`SOLUTION_COLUMNS`) and returns the count (0–2)."""
    found, frame = cone_frame(pl, pb, s_w, s_t)
    if not found:
        return 0
    ok, ea, ax, ay, az = ellipse_point(pl, frame, t)
    if not ok:
        return 0
    px, py = metx - ax, mety - ay
    n, z0, z1 = second_pz(pl2, px, py, s_w2)
    for k in range(n):
        z = z0 if k == 0 else z1
        sol[k, a], sol[k, a + 1], sol[k, a + 2], sol[k, a + 3] = ea, ax, ay, az
        sol[k, b], sol[k, b + 1], sol[k, b + 2], sol[k, b + 3] = np.sqrt(px * px + py * py + z * z), px, py, z
    return n


@numba.njit(cache=True, error_model="numpy", inline="always")
def _dz(p, nu):
    """|∂(ν + p)²/∂ν_z| at fixed ν_T for a massless ν."""
    return 2.0 * abs(p[0] * nu[3] / nu[0] - p[3])


@numba.njit(cache=True, error_model="numpy", inline="always")
def mixture_density(p3, p4, p5, p6, p35, p46, metx, mety, nu1, nu2, s, alpha, det_abs):
    """Σ_c α_c p_c(ν) of the module docstring at the point (ν₁, ν₂) with masses s (4: s₁₃, s₁₃₄,
    s₂₅, s₂₅₆); p35 = p3 + p5, p46 = p4 + p6. ``det_abs`` > 0 is Block D's |det ∂s/∂ν| when the
    caller has it (computed here otherwise)."""
    q13 = bw_density(s[0], M_W, GAMMA_W, SPAN_W)
    q134 = bw_density(s[1], M_TOP, GAMMA_TOP, SPAN_TOP)
    q25 = bw_density(s[2], M_W, GAMMA_W, SPAN_W)
    q256 = bw_density(s[3], M_TOP, GAMMA_TOP, SPAN_TOP)
    total = 0.0
    if alpha[0] > 0.0:
        if not det_abs > 0.0:
            det_abs = abs(block_d_det(p3, p4, p5, p6, nu1, nu2))
        total = alpha[0] * q13 * q134 * q25 * q256 * det_abs
    if alpha[1] > 0.0 or alpha[3] > 0.0:
        found, frame = cone_frame(p3, p5, s[0], s[1])
        if found:
            e1 = q13 * q134 * ellipse_density(p3, p5, frame, nu1) / _TWO_PI
            total += e1 * (alpha[1] * q25 * _dz(p4, nu2) + alpha[3] * q256 * _dz(p46, nu2))
    if alpha[2] > 0.0 or alpha[4] > 0.0:
        found, frame = cone_frame(p4, p6, s[2], s[3])
        if found:
            e2 = q25 * q256 * ellipse_density(p4, p6, frame, nu2) / _TWO_PI
            total += e2 * (alpha[2] * q13 * _dz(p3, nu1) + alpha[4] * q134 * _dz(p35, nu1))
    if alpha[5] > 0.0:
        e5 = q134 * q256 * _cauchy(nu1[1], 0.5 * metx, NU_T_WIDTH) * _cauchy(nu1[2], 0.5 * mety, NU_T_WIDTH)
        total += alpha[5] * e5 * _dz(p35, nu1) * _dz(p46, nu2)
    return total


@numba.njit(cache=True, error_model="numpy", inline="always")
def _cauchy(x, centre, width):
    d = (x - centre) / width
    return 1.0 / (np.pi * width * (1.0 + d * d))


@numba.njit(cache=True, error_model="numpy", inline="always")
def transverse_channel(p35, p46, metx, mety, s134, s256, ux, uy, sol):
    """Solutions of the transverse channel: ν₁T = MET/2 + Cauchy(:data:`NU_T_WIDTH`) maps of
    (ux, uy), ν₁z from (ν₁ + p₃ + p₅)² = s₁₃₄, ν₂T = MET − ν₁T, ν₂z from (ν₂ + p₄ + p₆)² = s₂₅₆
    (up to 2 × 2 solutions; both W masses free); returns the count."""
    px = 0.5 * metx + NU_T_WIDTH * np.tan(np.pi * (ux - 0.5))
    py = 0.5 * mety + NU_T_WIDTH * np.tan(np.pi * (uy - 0.5))
    n1, z10, z11 = second_pz(p35, px, py, s134)
    n2, z20, z21 = second_pz(p46, metx - px, mety - py, s256)
    qx, qy = metx - px, mety - py
    n = 0
    for a in range(n1):
        za = z10 if a == 0 else z11
        for b in range(n2):
            zb = z20 if b == 0 else z21
            sol[n, 0], sol[n, 1], sol[n, 2], sol[n, 3] = np.sqrt(px * px + py * py + za * za), px, py, za
            sol[n, 4], sol[n, 5], sol[n, 6], sol[n, 7] = np.sqrt(qx * qx + qy * qy + zb * zb), qx, qy, zb
            n += 1
    return n


@numba.njit(cache=True, error_model="numpy", inline="always")
def bw_map(u, mass, width, atan, span):
    """s of the Breit–Wigner map of :func:`.breit_wigner.breit_wigner_map` for 0 ≤ u < 1, with its
    constants atan = atan(m/Γ) and span = π/2 + atan; its Jacobian is 1/:func:`bw_density`."""
    if u == 0.0:
        return 0.0
    return mass * width * np.tan(-atan + span * u) + mass * mass


@numba.njit(cache=True, error_model="numpy", inline="always")
def _pair_m2(a, k, o, b):
    """(a[k, o:o+4] + b)² of the four-vectors (E, p⃗) a[k, o:o+4] and b."""
    e, x, y, z = a[k, o] + b[0], a[k, o + 1] + b[1], a[k, o + 2] + b[2], a[k, o + 3] + b[3]
    return e * e - x * x - y * y - z * z


@numba.njit(cache=True, error_model="numpy", inline="always")
def channel_solutions(channel, u0, u1, u2, u3, p3, p4, p5, p6, p35, p46, metx, mety, sqrt_s, sol, roots):
    """The solutions (ν₁, ν₂) of ``channel`` (:data:`CHANNELS`) at u₀…u₃ ∈ [0, 1): fills the rows
    sol[k] (:data:`SOLUTION_COLUMNS`) with ν₁, ν₂, the four masses (s₁₃, s₁₃₄, s₂₅, s₂₅₆) of each and,
    for Block D, its Jacobian;
    returns the count. u₀…u₃ are the Breit–Wigner maps of s₁₃, s₁₃₄, s₂₅, s₂₅₆ where the channel
    samples that mass, and its free variable otherwise (the azimuth t = 2πu of an ellipse channel;
    ν₁x, ν₁y from u₀, u₂ in the transverse channel). ``roots`` (4 complex): Block D's scratch.
    The four-vectors may be tuples (the compiled integrand's, which numba does not
    reference-count) or arrays."""
    s13 = bw_map(u0, M_W, GAMMA_W, ATAN_W, SPAN_W) if channel < 4 else 0.0
    s134 = bw_map(u1, M_TOP, GAMMA_TOP, ATAN_TOP, SPAN_TOP) if channel != 2 else 0.0
    s25 = bw_map(u2, M_W, GAMMA_W, ATAN_W, SPAN_W) if channel != 3 and channel != 5 else 0.0
    s256 = bw_map(u3, M_TOP, GAMMA_TOP, ATAN_TOP, SPAN_TOP) if channel != 1 else 0.0
    if channel == 0:
        n = _block_d(p3, p4, p5, p6, metx, mety, s13, s134, s25, s256, sqrt_s, sol, roots, True)
    elif channel == 1:  # ν₁ on its cone (s₁₃, s₁₃₄, t = 2πu₃), ν₂z from s₂₅
        n = ellipse_channel(p3, p5, p4, metx, mety, s13, s134, s25, _TWO_PI * u3, sol, 0, 4)
    elif channel == 2:  # ν₂ on its cone (s₂₅, s₂₅₆, t = 2πu₁), ν₁z from s₁₃
        n = ellipse_channel(p4, p6, p3, metx, mety, s25, s256, s13, _TWO_PI * u1, sol, 4, 0)
    elif channel == 3:  # ν₁ on its cone (s₁₃, s₁₃₄, t = 2πu₂), ν₂z from s₂₅₆
        n = ellipse_channel(p3, p5, p46, metx, mety, s13, s134, s256, _TWO_PI * u2, sol, 0, 4)
    elif channel == 4:  # ν₂ on its cone (s₂₅, s₂₅₆, t = 2πu₀), ν₁z from s₁₃₄
        n = ellipse_channel(p4, p6, p35, metx, mety, s25, s256, s134, _TWO_PI * u0, sol, 4, 0)
    else:  # ν₁T from (u₀, u₂), ν₁z from s₁₃₄, ν₂z from s₂₅₆
        n = transverse_channel(p35, p46, metx, mety, s134, s256, u0, u2, sol)
    for k in range(n):
        sol[k, 8] = s13 if channel < 4 else _pair_m2(sol, k, 0, p3)
        sol[k, 10] = s25 if channel != 3 and channel != 5 else _pair_m2(sol, k, 4, p4)
        sol[k, 9] = s134 if channel != 2 else _pair_m2(sol, k, 0, p35)
        sol[k, 11] = s256 if channel != 1 else _pair_m2(sol, k, 4, p46)
    return n
