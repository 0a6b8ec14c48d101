r"""ClassicSVfit's di-τ mass: the integrand of :mod:`.svfit_integrand` sampled with VEGAS, the
mass histogram filled with the integrand weights, and the value extracted as ClassicSVfit does.

ClassicSVfit (arXiv 1603.05910; ``src/svFitHistogramAdapter.cc``) fills, at every point of its
Markov chain (100 000 integrand calls per event by default: 10 % burn-in, 90 % sampling), a
histogram of :math:`m_{\tau\tau}` with logarithmic bins: edges 0, :math:`m_0 = m_{vis}/1.0125`,
:math:`m_0\cdot1.025^k` up to :math:`\max(10^4, 10\,m_0)` GeV, so that bin k ≥ 1 is centred on
:math:`m_{vis}\cdot 1.025^{k-1}`. The mass is the centre of the bin of largest density
(content / width); its uncertainty is
:math:`\sqrt{\tfrac12[(q_{84} - m)^2 + (m - q_{16})^2]}` with ROOT's ``GetQuantiles``
(linear inside a bin).

Here the chain is replaced by VEGAS (G. P. Lepage, J. Comput. Phys. 27 (1978) 192; the ``vegas``
package): ``n_adapt`` iterations train the map, then ``n_sample`` iterations of importance
samples fill the histogram with weights w·L (the same density, :math:`\propto L`, that the chain
visits); the same number of integrand calls as ClassicSVfit's default. The integration error of
the mass is the spread :math:`\sigma_m = \mathrm{std}(m_j)` of the modes m_j of the ``n_sample``
independent sampling iterations' histograms: each has 1/n_sample of the points, so this bounds
the error of the full histogram's mode from above (on the reference event: 4.7 GeV on average,
against a spread of 3.1 GeV of the full mode over 30 seeds, ``benchmarks/ditau/bench_svfit.py``);
the mode of a histogram does not average, so no 1/√n_sample is applied.

Reference event (``bin/testClassicSVfit.cc``, e + τh decay mode 0): ClassicSVfit gives
115.746 ± 87.0011 GeV (tests/ditau/test_svfit.py reproduces it).

Example:
    >>> r = svfit_mass_one((33.7393, 0.9409, -0.541458, 0.000511, False),
    ...                    (25.7322, 0.618228, 2.79362, 0.13957, True),
    ...                    11.7491, -51.9172, 787.352, -178.63, 179.545, decay_modes=(-1, 0), seed=1)
    >>> 100.0 < r.mass < 130.0
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hepsurrogates.exceptions import InvalidArgumentError

from .svfit_integrand import SVfitEvent, evaluate, make_event

#: the examples above integrate with vegas (an optional dependency, imported when a mass is computed)
__doctest_requires__ = ("vegas",)

__all__ = ["SVfitResult", "mass_histogram_edges", "extract_mass", "svfit_integrate", "svfit_mass_one", "svfit_mass",
           "DEFAULT_N_EVAL"]

#: ClassicSVfit's default number of integrand calls per event (``maxObjFunctionCalls_``)
DEFAULT_N_EVAL = 100_000


@dataclass(frozen=True)
class SVfitResult:
    """One event's ClassicSVfit output: the mass and its width-like uncertainty (GeV), the MC
    integration error of the mass, the likelihood integral (and its error) and the calls spent;
    ``valid`` is ClassicSVfit's ``isValidSolution`` (a non-empty histogram)."""

    mass: float
    mass_uncertainty: float
    mass_mc_error: float
    q16: float
    q84: float
    integral: float
    integral_error: float
    n_calls: int
    valid: bool


def mass_histogram_edges(m_vis: float) -> np.ndarray:
    """Bin edges of ClassicSVfit's di-τ mass histogram (``makeHistogram_logBinWidth``)."""
    lo = m_vis / 1.0125
    if lo <= 0.0:
        lo = 0.1
    hi = max(1e4, 10.0 * lo)
    n_bins = 1 + int(np.log(hi / lo) / np.log(1.025))
    return np.concatenate([[0.0], lo * 1.025 ** np.arange(n_bins)])


def _quantiles(edges: np.ndarray, content: np.ndarray, probs: tuple[float, ...]) -> list[float]:
    """ROOT TH1::GetQuantiles: the cumulative sum, linear inside the bin that crosses p."""
    total = content.sum()
    cum = np.concatenate([[0.0], np.cumsum(content)]) / total
    out = []
    for p in probs:
        i = int(np.searchsorted(cum, p, side="right")) - 1
        i = min(max(i, 0), len(content) - 1)
        width = edges[i + 1] - edges[i]
        frac = (p - cum[i]) / content[i] * total if content[i] > 0 else 0.0
        out.append(float(edges[i] + width * frac))
    return out


def extract_mass(edges: np.ndarray, content: np.ndarray) -> tuple[float, float, float, float]:
    """(mass, uncertainty, q16, q84) of a mass histogram, as ``HistogramTools::extractValue`` /
    ``extractUncertainty``: the centre of the bin of largest density, and
    √(½[(q84 − m)² + (m − q16)²])."""
    if not content.sum() > 0.0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    density = content / np.diff(edges)
    k = int(np.argmax(density))
    mass = float(0.5 * (edges[k] + edges[k + 1]))
    q16, _, q84 = _quantiles(edges, content, (0.16, 0.50, 0.84))
    return mass, float(np.sqrt(0.5 * ((q84 - mass) ** 2 + (mass - q16) ** 2))), q16, q84


def svfit_integrate(event: SVfitEvent, *, n_eval: int = DEFAULT_N_EVAL, n_adapt: int = 5, n_sample: int = 5,
                    seed: int = 0) -> SVfitResult:
    """VEGAS over the event's integrand: ``n_adapt`` training iterations, then ``n_sample``
    iterations whose weighted points fill the mass histogram; ``n_eval`` calls in all."""
    import vegas

    if n_eval < 1000 or n_adapt < 1 or n_sample < 2:
        raise InvalidArgumentError(f"SVfit needs n_eval >= 1000, n_adapt >= 1, n_sample >= 2 "
                                   f"(got {n_eval}, {n_adapt}, {n_sample})")
    rng = np.random.default_rng(seed)
    per_iteration = n_eval // (n_adapt + n_sample)
    calls = [0]

    @vegas.lbatchintegrand
    def f(u: np.ndarray) -> np.ndarray:
        calls[0] += u.shape[0]
        return evaluate(event, u)[0]

    integ = vegas.Integrator([[0.0, 1.0]] * event.n_dim, ran_array_generator=rng.random)
    integ(f, nitn=n_adapt, neval=per_iteration)
    edges = mass_histogram_edges(event.m_vis)
    total = np.zeros(len(edges) - 1)
    modes, sums = [], []
    for _ in range(n_sample):
        hist = np.zeros(len(edges) - 1)
        s = 0.0
        for u, wgt in integ.random_batch():
            value, m = evaluate(event, u)
            calls[0] += u.shape[0]
            w = wgt * value
            s += float(w.sum())
            keep = w > 0.0
            hist += np.histogram(m[keep], bins=edges, weights=w[keep])[0]
        sums.append(s)
        total += hist
        modes.append(extract_mass(edges, hist)[0])
    mass, unc, q16, q84 = extract_mass(edges, total)
    modes_arr = np.asarray(modes)
    mc_err = float(np.nanstd(modes_arr, ddof=1)) if np.isfinite(modes_arr).sum() > 1 else float("nan")
    integral = float(np.mean(sums))
    integral_error = float(np.std(sums, ddof=1) / np.sqrt(n_sample))
    return SVfitResult(mass=mass, mass_uncertainty=unc, mass_mc_error=mc_err, q16=q16, q84=q84, integral=integral,
                       integral_error=integral_error, n_calls=calls[0], valid=bool(total.sum() > 0.0))


def svfit_mass_one(leg1: tuple[float, float, float, float, bool], leg2: tuple[float, float, float, float, bool],
                   met_x: float, met_y: float, cov_xx: float, cov_xy: float, cov_yy: float, *,
                   lepton_masses: tuple[float, float] = (0.51100e-3, 0.51100e-3),
                   decay_modes: tuple[int, int] = (-1, -1), kappa: float = 6.0, n_eval: int = DEFAULT_N_EVAL,
                   seed: int = 0) -> SVfitResult:
    """ClassicSVfit on one event (legs (p_T, η, φ, m, hadronic) in any order)."""
    event = make_event(leg1, leg2, met_x, met_y, cov_xx, cov_xy, cov_yy, lepton_masses=lepton_masses,
                       decay_modes=decay_modes, kappa=kappa)
    return svfit_integrate(event, n_eval=n_eval, seed=seed)


def svfit_mass(pt1, eta1, phi1, m1, had1, pt2, eta2, phi2, m2, had2, met_x, met_y, cov_xx, cov_xy, cov_yy, *,
               kappa: float = 6.0, n_eval: int = DEFAULT_N_EVAL, seed: int = 0) -> dict[str, np.ndarray]:
    """ClassicSVfit per event, with FastMTT's array conventions (:mod:`.fastmtt`).

    A leptonic leg whose mass is below 50 MeV is an electron, otherwise a muon; hadronic legs
    have unknown decay mode (visible mass clamped into [m_π, 1.5 GeV]). Returns arrays ``mass``,
    ``mass_uncertainty``, ``mass_mc_error``, ``q16``, ``q84``, ``integral`` (NaN mass where no point
    of the phase space is allowed).
    """
    cols = [np.atleast_1d(np.asarray(a, dtype=np.float64))
            for a in (pt1, eta1, phi1, m1, pt2, eta2, phi2, m2, met_x, met_y, cov_xx, cov_xy, cov_yy)]
    h1 = np.atleast_1d(np.asarray(had1, dtype=bool))
    h2 = np.atleast_1d(np.asarray(had2, dtype=bool))
    n = len(cols[0])
    if any(len(c) != n for c in cols) or len(h1) != n or len(h2) != n:
        raise InvalidArgumentError("svfit_mass: all input arrays must have the same length")
    keys = ("mass", "mass_uncertainty", "mass_mc_error", "q16", "q84", "integral")
    out = {k: np.full(n, np.nan) for k in keys}
    for i in range(n):
        pt1_, eta1_, phi1_, m1_, pt2_, eta2_, phi2_, m2_, mx, my, cxx, cxy, cyy = (float(c[i]) for c in cols)
        lm = tuple(0.51100e-3 if m < 0.05 else 0.10566 for m in (m1_, m2_))
        r = svfit_mass_one((pt1_, eta1_, phi1_, m1_, bool(h1[i])), (pt2_, eta2_, phi2_, m2_, bool(h2[i])),
                           mx, my, cxx, cxy, cyy, lepton_masses=lm, kappa=kappa, n_eval=n_eval, seed=seed + i)
        for k in keys:
            out[k][i] = getattr(r, k)
    return out
