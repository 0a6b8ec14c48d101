r"""The second-order (Laplace) expansion of the exact ln L at its maximum, by batched finite differences.

:math:`c = \ln L(\hat x)`, :math:`g_i = \partial_i \ln L`, :math:`H_{ij} = \partial_i\partial_j \ln L`
at :math:`\hat x`, from central differences of central differences (step :math:`h`; error
:math:`O(h^2)`), all :math:`4d^2` points in one vectorised call of the teacher. The expansion assumes an interior
maximum (true of the toy and of the di-τ workspace). The network of :mod:`.network` adds it to its
output and learns the residual.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["quadratic_expansion"]


def quadratic_expansion(logpdf: Callable[[np.ndarray], np.ndarray], centre: np.ndarray,
                        step: float = 1e-3) -> tuple[float, np.ndarray, np.ndarray]:
    """(ln L, ∇ ln L, ∇∇ ln L) at ``centre`` by central differences with step ``step``.

    Example:
        >>> f = lambda x: -0.5 * (x[:, 0] ** 2 + 4 * x[:, 1] ** 2 + 2 * x[:, 0] * x[:, 1]) + x[:, 0]
        >>> c, g, h = quadratic_expansion(f, np.zeros(2))
        >>> np.round(g, 6).tolist(), np.round(h, 4).tolist()
        ([1.0, 0.0], [[-1.0, -1.0], [-1.0, -4.0]])
    """
    x = np.asarray(centre, dtype=np.float64)
    d = len(x)
    eye = np.eye(d) * step
    signs = [(1, 1), (1, -1), (-1, 1), (-1, -1)]
    rows = np.concatenate([x + a * eye[:, None, :] + b * eye[None, :, :] for a, b in signs]).reshape(-1, d)
    v = np.asarray(logpdf(rows), dtype=np.float64).reshape(4, d, d)
    hessian = (v[0] - v[1] - v[2] + v[3]) / (4 * step * step)
    g_rows = np.concatenate([x + eye, x - eye])
    gv = np.asarray(logpdf(g_rows), dtype=np.float64)
    gradient = (gv[:d] - gv[d:]) / (2 * step)
    return float(logpdf(x[None])[0]), gradient, 0.5 * (hessian + hessian.T)
