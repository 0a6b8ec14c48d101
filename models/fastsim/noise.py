r"""Counter-based Gaussian noise: the draws of a fast simulation, reproducible per object.

A generative surrogate maps (gen-level features, noise ε) to a reco-level sample. For a skim to be
the same whatever the chunking, the worker count or the order of the files, ε of an object must be
a function of *who* it is, not of the position of a stream: every value is a hash of the counter

.. math:: (\text{seed}, \text{run}, \text{luminosityBlock}, \text{event}, \text{object}, \text{draw}, j)

through SplitMix64's finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014; the output function of ``java.util.SplittableRandom``), chained over the
fields, the idea of counter-based generators such as Philox (Salmon et al., SC 2011). Two 53-bit
uniforms :math:`u_1 \in (0, 1]`, :math:`u_2 \in [0, 1)` per component give a standard normal by
Box–Muller, :math:`\varepsilon = \sqrt{-2\ln u_1}\,\cos(2\pi u_2)`, so
:math:`|\varepsilon| \le \sqrt{106 \ln 2} \approx 8.57` (:data:`NOISE_LIMIT`).

Pure numpy on uint64 arrays (wrapping arithmetic), vectorised over events; no torch.

Example:
    >>> import numpy as np
    >>> e = counter_normal(np.ones(3), np.ones(3), np.arange(3), draw=0, width=2)
    >>> e.shape, bool(np.array_equal(e, counter_normal(np.ones(3), np.ones(3), np.arange(3), draw=0, width=2)))
    ((3, 2), True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["counter_normal", "counter_uniform", "NOISE_LIMIT"]

#: the largest |ε| the generator can return: sqrt(-2 ln 2^-53)
NOISE_LIMIT = float(np.sqrt(-2.0 * np.log(2.0**-53)))

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser (a bijection of uint64 with full avalanche)."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _key(seed: int, run: np.ndarray, lumi: np.ndarray, event: np.ndarray, obj: np.ndarray | int,
         draw: int) -> np.ndarray:
    n = len(event)
    h = _mix(np.full(n, np.uint64(seed % 2**64), dtype=np.uint64))
    for part in (run, lumi, event, np.broadcast_to(np.asarray(obj), (n,)), np.full(n, draw)):
        h = _mix(h ^ np.asarray(part).astype(np.uint64))
    return h


def counter_uniform(run: np.ndarray, lumi: np.ndarray, event: np.ndarray, draw: int, width: int,
                    seed: int = 0, obj: np.ndarray | int = 0, stream: int = 0) -> np.ndarray:
    """(n, width) uniforms in [0, 1) (53-bit), a function of the counter only (module docstring)."""
    h = _key(seed, run, lumi, event, obj, draw)
    cols = np.arange(width, dtype=np.uint64) + np.uint64(1 + (stream << 20))
    bits = _mix(h[:, None] ^ (cols[None, :] * _GOLDEN))
    return (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53


def counter_normal(run: np.ndarray, lumi: np.ndarray, event: np.ndarray, draw: int, width: int,
                   seed: int = 0, obj: np.ndarray | int = 0) -> np.ndarray:
    """(n, width) standard normal draws (float32) by Box–Muller from two counter uniforms."""
    u1 = 1.0 - counter_uniform(run, lumi, event, draw, width, seed, obj, stream=1)  # (0, 1]
    u2 = counter_uniform(run, lumi, event, draw, width, seed, obj, stream=2)
    return (np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)).astype(np.float32)
