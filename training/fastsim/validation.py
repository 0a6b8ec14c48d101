r"""Validation metrics of a fastsim surrogate against the teacher ("full simulation") on held-out events.

Every metric compares a surrogate sample with the teacher sample on the same gen-level events and
is meant to be read beside its *floor*: the same metric between two independent teacher smearings
of those events, the best any surrogate can do at that sample size.

* **1-D distances** per reco feature: the first Wasserstein distance

  .. math:: W_1(P, Q) = \int_{-\infty}^{\infty} |F_P(x) - F_Q(x)|\,dx

  (Villani 2009, *Optimal Transport*, ch. 6; ``scipy.stats.wasserstein_distance``), divided by the
  teacher's standard deviation so that features of different units are comparable, and the
  Kolmogorov–Smirnov statistic :math:`D = \sup_x |F_P(x) - F_Q(x)|` with its p-value
  (``scipy.stats.ks_2samp``).
* **Correlations**: the Pearson matrices of teacher and surrogate and their largest difference.
* **Classifier two-sample test** (C2ST; Friedman 2003, SLAC-PUB-10325; Lopez-Paz & Oquab 2017,
  arXiv:1610.06545; used for FlashSim in arXiv:2010.01835): an MLP is trained to tell the samples
  apart and its ROC AUC on held-out events is reported, with the Hanley & McNeil (1982, Radiology
  143, 29) standard error. AUC = ½ means indistinguishable in every feature and correlation that
  the classifier can learn.
* **Binned response and efficiency** per (pT, η) bin of the gen object: the mean and width of
  reco/gen and the fraction of gen objects found, teacher against surrogate as pulls.

All returned values are JSON-serialisable (plain ``float``/``int``/``bool``, lists; NaN and ±inf
become ``None``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

__all__ = [
    "wasserstein_1d",
    "ks_2samp",
    "per_feature_metrics",
    "correlation_matrices",
    "rank_auc",
    "hanley_mcneil_error",
    "c2st_auc",
    "binned_response",
    "binned_efficiency",
]


# ---------------------------------------------------------------------------------------------
# input checks and JSON helpers
# ---------------------------------------------------------------------------------------------


def _check_1d(x: Any, name: str, min_rows: int = 2) -> np.ndarray:
    """``x`` as a finite 1-D float64 array of at least ``min_rows`` entries, else ValueError."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if len(arr) < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {len(arr)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} has {int(bad.sum())} non-finite values (first at row {int(np.argmax(bad))})")
    return arr


def _check_2d(x: Any, name: str, width: int | None = None, names: Sequence[str] | None = None,
              min_rows: int = 2) -> np.ndarray:
    """``x`` as a finite (n, d) float64 array (a 1-D array is one feature), else ValueError
    naming the array and, for non-finite values, the column."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (events, features), got shape {arr.shape}")
    if width is not None and arr.shape[1] != width:
        raise ValueError(f"{name} has {arr.shape[1]} columns, expected {width}")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {arr.shape[0]}")
    bad = ~np.isfinite(arr)
    if bad.any():
        col = int(np.argmax(bad.any(axis=0)))
        row = int(np.argmax(bad[:, col]))
        label = f" ({names[col]!r})" if names is not None and col < len(names) else ""
        raise ValueError(
            f"{name} column {col}{label} has {int(bad[:, col].sum())} non-finite values (first at row {row})"
        )
    return arr


def _check_names(names: Sequence[str], width: int) -> list[str]:
    names = [str(n) for n in names]
    if len(names) != width:
        raise ValueError(f"names has {len(names)} entries but the arrays have {width} columns")
    return names


def _check_edges(edges: Any, name: str) -> np.ndarray:
    e = np.asarray(edges, dtype=np.float64)
    if e.ndim != 1 or len(e) < 2:
        raise ValueError(f"{name} must be a 1-D array of at least 2 bin edges")
    if not np.all(np.isfinite(e)):
        raise ValueError(f"{name} has non-finite bin edges")
    if not np.all(np.diff(e) > 0):
        raise ValueError(f"{name} must be strictly increasing")
    return e


def _check_same_length(arrays: dict[str, np.ndarray]) -> int:
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"arrays of different lengths: {lengths}")
    return next(iter(lengths.values()))


def _json_float(x: Any) -> float | None:
    """A plain float, or None for NaN/±inf (JSON has neither)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _json_list(a: np.ndarray) -> list[Any]:
    """Nested lists of plain floats (None for NaN/±inf), ints or bools."""
    a = np.asarray(a)
    if a.dtype == bool or np.issubdtype(a.dtype, np.integer):
        return a.tolist()
    return _none_for_nonfinite(a.astype(np.float64).tolist())


def _none_for_nonfinite(x: Any) -> Any:
    if isinstance(x, list):
        return [_none_for_nonfinite(v) for v in x]
    return x if math.isfinite(x) else None


# ---------------------------------------------------------------------------------------------
# 1-D distances
# ---------------------------------------------------------------------------------------------


def wasserstein_1d(a: np.ndarray, b: np.ndarray) -> float:
    r"""First Wasserstein (earth mover's) distance between two 1-D samples.

    .. math:: W_1 = \int |F_a(x) - F_b(x)|\,dx,

    with :math:`F` the empirical CDFs (``scipy.stats.wasserstein_distance``). It has the units of
    the feature; a mean shift :math:`\Delta` of otherwise equal distributions gives
    :math:`W_1 = |\Delta|`.

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Finite samples, at least two entries each.

    Returns
    -------
    float
        The distance.
    """
    return float(stats.wasserstein_distance(_check_1d(a, "a"), _check_1d(b, "b")))


def _ks(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    with warnings.catch_warnings():
        # scipy falls back from the exact to the asymptotic p-value for some sizes, with a warning
        warnings.filterwarnings("ignore", message=".*[Ee]xact calculation unsuccessful.*", category=RuntimeWarning)
        res = stats.ks_2samp(a, b)
    return float(res.statistic), float(res.pvalue)


def ks_2samp(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    r"""Two-sample Kolmogorov–Smirnov test, :math:`D = \sup_x |F_a(x) - F_b(x)|`.

    Kolmogorov (1933), Smirnov (1948); ``scipy.stats.ks_2samp`` (two-sided, exact p-value for
    small samples, asymptotic otherwise).

    Parameters
    ----------
    a, b : array_like, shape (n,)
        Finite samples, at least two entries each.

    Returns
    -------
    tuple of float
        (statistic D, p-value).
    """
    return _ks(_check_1d(a, "a"), _check_1d(b, "b"))


def per_feature_metrics(
    teacher: np.ndarray,
    surrogate: np.ndarray,
    names: Sequence[str],
    floor: np.ndarray | None = None,
) -> dict[str, dict[str, float | None]]:
    r"""W1 and KS per feature, surrogate against teacher, optionally beside the floor.

    For feature :math:`j` with teacher standard deviation :math:`\sigma_j` (ddof = 1):

    * ``w1`` = :math:`W_1(t_j, s_j)/\sigma_j`, ``w1_raw`` = :math:`W_1(t_j, s_j)`;
    * ``ks``, ``ks_p``: the KS statistic and p-value of :math:`(t_j, s_j)`;
    * with ``floor`` (a second, independent teacher smearing :math:`t'`):
      ``w1_floor`` = :math:`W_1(t_j, t'_j)/\sigma_j`, ``ks_floor`` = KS statistic of
      :math:`(t_j, t'_j)`, and ``w1_ratio`` = ``w1 / w1_floor`` (≈ 1 for a perfect surrogate,
      ``None`` when the floor is exactly 0).

    No bootstrap: the floor is the reference for the statistical size of each number.

    Parameters
    ----------
    teacher : array_like, shape (n, d)
    surrogate : array_like, shape (m, d)
    names : sequence of str, length d
    floor : array_like, shape (n2, d), optional

    Returns
    -------
    dict
        feature name → {metric → value}.

    Raises
    ------
    ValueError
        Different widths, fewer than 2 rows, non-finite values, a name count that does not match,
        or a teacher feature with zero spread.
    """
    t = _check_2d(teacher, "teacher", names=list(names))
    names = _check_names(names, t.shape[1])
    s = _check_2d(surrogate, "surrogate", width=t.shape[1], names=names)
    f = None if floor is None else _check_2d(floor, "floor", width=t.shape[1], names=names)
    out: dict[str, dict[str, float | None]] = {}
    for j, name in enumerate(names):
        sd = float(np.std(t[:, j], ddof=1))
        if not sd > 0:
            raise ValueError(f"teacher column {j} ({name!r}) has zero standard deviation")
        w1_raw = float(stats.wasserstein_distance(t[:, j], s[:, j]))
        ks, ks_p = _ks(t[:, j], s[:, j])
        entry: dict[str, float | None] = {"w1": w1_raw / sd, "w1_raw": w1_raw, "ks": ks, "ks_p": ks_p}
        if f is not None:
            w1_floor = float(stats.wasserstein_distance(t[:, j], f[:, j])) / sd
            entry["w1_floor"] = w1_floor
            entry["ks_floor"] = _ks(t[:, j], f[:, j])[0]
            entry["w1_ratio"] = _json_float(entry["w1"] / w1_floor) if w1_floor > 0 else None
        out[name] = entry
    return out


# ---------------------------------------------------------------------------------------------
# correlations
# ---------------------------------------------------------------------------------------------


def _pearson(x: np.ndarray) -> np.ndarray:
    """Pearson matrix; NaN rows/columns for features without spread (diagonal 1 elsewhere)."""
    xc = x - x.mean(axis=0)
    sd = np.sqrt(np.sum(xc * xc, axis=0))
    cov = xc.T @ xc
    with np.errstate(divide="ignore", invalid="ignore"):
        r = cov / np.outer(sd, sd)
    r = np.clip(r, -1.0, 1.0)
    ok = sd > 0
    np.fill_diagonal(r, np.where(ok, 1.0, np.nan))
    r[~ok, :] = np.nan
    r[:, ~ok] = np.nan
    return r


def correlation_matrices(teacher: np.ndarray, surrogate: np.ndarray, names: Sequence[str]) -> dict[str, Any]:
    r"""Pearson correlation matrices of teacher and surrogate and their largest difference.

    :math:`\rho_{jk} = \mathrm{cov}(x_j, x_k)/(\sigma_j \sigma_k)` for each sample;
    ``difference`` = :math:`\rho^{s} - \rho^{t}` and ``max_abs_diff`` = :math:`\max_{jk}
    |\rho^{s}_{jk} - \rho^{t}_{jk}|` (entries of a feature without spread are ``None``).

    Parameters
    ----------
    teacher : array_like, shape (n, d)
    surrogate : array_like, shape (m, d)
    names : sequence of str, length d

    Returns
    -------
    dict
        ``names``, ``teacher``, ``surrogate``, ``difference`` (d × d lists of lists) and
        ``max_abs_diff``.
    """
    t = _check_2d(teacher, "teacher", names=list(names))
    names = _check_names(names, t.shape[1])
    s = _check_2d(surrogate, "surrogate", width=t.shape[1], names=names)
    rt, rs = _pearson(t), _pearson(s)
    diff = rs - rt
    finite = np.isfinite(diff)
    return {
        "names": names,
        "teacher": _json_list(rt),
        "surrogate": _json_list(rs),
        "difference": _json_list(diff),
        "max_abs_diff": float(np.max(np.abs(diff[finite]))) if finite.any() else None,
    }


# ---------------------------------------------------------------------------------------------
# classifier two-sample test
# ---------------------------------------------------------------------------------------------


def rank_auc(score_positive: np.ndarray, score_negative: np.ndarray) -> float:
    r"""ROC AUC from ranks: :math:`P(s_+ > s_-) + \tfrac12 P(s_+ = s_-)`.

    With :math:`R_+` the sum of the mid-ranks (ties averaged) of the positive scores in the pooled
    sample, the Mann–Whitney statistic is :math:`U = R_+ - n_+(n_+ + 1)/2` and
    AUC = :math:`U/(n_+ n_-)` (Mann & Whitney 1947; Hanley & McNeil 1982).

    Parameters
    ----------
    score_positive, score_negative : array_like, shape (n,)
        Finite scores, at least one each.

    Returns
    -------
    float
        The AUC in [0, 1].
    """
    pos = _check_1d(score_positive, "score_positive", min_rows=1)
    neg = _check_1d(score_negative, "score_negative", min_rows=1)
    ranks = stats.rankdata(np.concatenate([pos, neg]), method="average")
    n_pos, n_neg = len(pos), len(neg)
    u = float(np.sum(ranks[:n_pos])) - n_pos * (n_pos + 1) / 2.0
    return u / (n_pos * n_neg)


def hanley_mcneil_error(auc: float, n_positive: int, n_negative: int) -> float:
    r"""Standard error of an AUC, Hanley & McNeil (1982), Radiology 143, 29, eq. (2).

    .. math::

        \mathrm{SE}^2 = \frac{A(1-A) + (n_+ - 1)(Q_1 - A^2) + (n_- - 1)(Q_2 - A^2)}{n_+ n_-},
        \quad Q_1 = \frac{A}{2 - A},\quad Q_2 = \frac{2A^2}{1 + A}.

    Parameters
    ----------
    auc : float
    n_positive, n_negative : int

    Returns
    -------
    float
    """
    a = float(auc)
    q1 = a / (2.0 - a)
    q2 = 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n_positive - 1) * (q1 - a * a) + (n_negative - 1) * (q2 - a * a)) / (n_positive * n_negative)
    return float(math.sqrt(max(var, 0.0)))


def c2st_auc(
    a: np.ndarray,
    b: np.ndarray,
    seed: int = 0,
    epochs: int = 100,
    hidden: Sequence[int] = (64, 64),
    batch_size: int = 1024,
    lr: float = 3e-3,
    patience: int = 8,
) -> dict[str, float]:
    r"""Classifier two-sample test: held-out ROC AUC of an MLP trained to separate ``a`` from ``b``.

    Procedure (Lopez-Paz & Oquab 2017, arXiv:1610.06545):

    1. the larger sample is subsampled to the size of the smaller (balanced classes); each is
       shuffled and split in halves, one for training, one for the test;
    2. 20 % of the training half is held out for early stopping on its binary cross-entropy
       (the best epoch's weights are kept; ``patience`` epochs without improvement stop);
    3. features are standardised with the pooled (a ∪ b) mean and standard deviation of the
       training half;
    4. an MLP (ReLU, ``hidden`` widths, one logit) is trained with BCE and Adam, mini-batches of
       ``batch_size``;
    5. the AUC of its score on the test halves, label 1 = ``b``, is computed from ranks
       (:func:`rank_auc`), with the Hanley–McNeil error (:func:`hanley_mcneil_error`).

    The raw AUC is reported: ½ means the classifier found no difference; above ½ it learned one.
    Values below ½ are statistical fluctuations. Deterministic for a given ``seed``
    (``torch.manual_seed`` inside :func:`torch.random.fork_rng`, so the caller's RNG state is
    untouched); runs on one CPU thread (the caller's thread count is restored).

    Parameters
    ----------
    a, b : array_like, shape (n, d) and (m, d)
        The two samples (e.g. teacher and surrogate), at least 8 events each.
    seed : int
        Seed of the split, the initialisation and the batches.
    epochs : int
        Maximal number of epochs.
    hidden : sequence of int
        Hidden-layer widths.
    batch_size, lr, patience : int, float, int
        Mini-batch size, Adam learning rate, early-stopping patience (epochs).

    Returns
    -------
    dict
        ``auc``, ``auc_error``, ``n_test`` (test events, both classes), ``n_train`` (training
        events incl. the early-stopping split, both classes), ``epochs_run``.
    """
    import torch

    x_a = _check_2d(a, "a", min_rows=8)
    x_b = _check_2d(b, "b", width=x_a.shape[1], min_rows=8)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    rng = np.random.default_rng(seed)
    n = min(len(x_a), len(x_b))
    x_a = x_a[rng.permutation(len(x_a))[:n]]
    x_b = x_b[rng.permutation(len(x_b))[:n]]
    n_half = n // 2
    n_val = max(1, n_half // 5)
    tr_a, va_a, te_a = x_a[: n_half - n_val], x_a[n_half - n_val: n_half], x_a[n_half:]
    tr_b, va_b, te_b = x_b[: n_half - n_val], x_b[n_half - n_val: n_half], x_b[n_half:]
    pooled = np.concatenate([x_a[:n_half], x_b[:n_half]])
    mu = pooled.mean(axis=0)
    sd = pooled.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)

    def prep(*parts: np.ndarray) -> torch.Tensor:
        return torch.as_tensor((np.concatenate(parts) - mu) / sd, dtype=torch.float32)

    x_tr, x_va = prep(tr_a, tr_b), prep(va_a, va_b)
    y_tr = torch.cat([torch.zeros(len(tr_a)), torch.ones(len(tr_b))])
    y_va = torch.cat([torch.zeros(len(va_a)), torch.ones(len(va_b))])
    x_te_a, x_te_b = prep(te_a), prep(te_b)

    old_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            layers: list[torch.nn.Module] = []
            width = x_tr.shape[1]
            for h in hidden:
                layers += [torch.nn.Linear(width, int(h)), torch.nn.ReLU()]
                width = int(h)
            layers.append(torch.nn.Linear(width, 1))
            model = torch.nn.Sequential(*layers)
            opt = torch.optim.Adam(model.parameters(), lr=lr)
            loss_fn = torch.nn.BCEWithLogitsLoss()
            best_loss, best_state, bad, epochs_run = math.inf, None, 0, 0
            for _ in range(epochs):
                epochs_run += 1
                model.train()
                order = torch.randperm(len(x_tr), generator=gen)
                for start in range(0, len(order), batch_size):
                    idx = order[start: start + batch_size]
                    opt.zero_grad()
                    loss = loss_fn(model(x_tr[idx]).squeeze(1), y_tr[idx])
                    loss.backward()
                    opt.step()
                model.eval()
                with torch.no_grad():
                    val_loss = float(loss_fn(model(x_va).squeeze(1), y_va))
                if val_loss < best_loss - 1e-5:
                    best_loss, bad = val_loss, 0
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                else:
                    bad += 1
                    if bad >= patience:
                        break
            if best_state is not None:
                model.load_state_dict(best_state)
            model.eval()
            with torch.no_grad():
                s_a = model(x_te_a).squeeze(1).double().numpy()
                s_b = model(x_te_b).squeeze(1).double().numpy()
    finally:
        torch.set_num_threads(old_threads)
    auc = rank_auc(s_b, s_a)
    return {
        "auc": auc,
        "auc_error": hanley_mcneil_error(auc, len(s_b), len(s_a)),
        "n_test": int(len(s_a) + len(s_b)),
        "n_train": int(2 * n_half),
        "epochs_run": int(epochs_run),
    }


# ---------------------------------------------------------------------------------------------
# binned response and efficiency
# ---------------------------------------------------------------------------------------------


def _bin_index(gen_pt: np.ndarray, gen_eta: np.ndarray, pt_edges: np.ndarray, eta_edges: np.ndarray) -> np.ndarray:
    """Flat bin index i_pt·n_eta + i_eta of each object ([lo, hi) bins), −1 outside the edges."""
    i_pt = np.searchsorted(pt_edges, gen_pt, side="right") - 1
    i_eta = np.searchsorted(eta_edges, gen_eta, side="right") - 1
    n_pt, n_eta = len(pt_edges) - 1, len(eta_edges) - 1
    inside = (i_pt >= 0) & (i_pt < n_pt) & (i_eta >= 0) & (i_eta < n_eta)
    return np.where(inside, i_pt * n_eta + i_eta, -1)


def _pull_summary(pulls: Sequence[np.ndarray], filled: np.ndarray) -> dict[str, Any]:
    """Fraction of all finite pulls of filled bins with |pull| ≤ 2 (None when there are none)."""
    vals = np.concatenate([p[filled] for p in pulls])
    vals = vals[np.isfinite(vals)]
    return {"fraction_within_2sigma": float(np.mean(np.abs(vals) <= 2.0)) if len(vals) else None}


def _max_abs(p: np.ndarray, filled: np.ndarray) -> float | None:
    v = p[filled]
    v = v[np.isfinite(v)]
    return float(np.max(np.abs(v))) if len(v) else None


def binned_response(
    gen: np.ndarray,
    reco_teacher: np.ndarray,
    reco_surrogate: np.ndarray,
    gen_pt: np.ndarray,
    gen_eta: np.ndarray,
    pt_edges: Sequence[float],
    eta_edges: Sequence[float],
    min_events: int = 30,
) -> dict[str, Any]:
    r"""Mean and width of the response reco/gen per (pT, η) bin of the gen object, teacher against surrogate.

    For the :math:`n` objects of a bin and :math:`r = x_{reco}/x_{gen}` (of a scalar such as pT):
    mean :math:`\bar r` with error :math:`\sigma/\sqrt n`, width :math:`\sigma` (ddof = 1) with
    the Gaussian error :math:`\sigma/\sqrt{2(n-1)}`, and the pulls

    .. math:: p = \frac{q_s - q_t}{\sqrt{\delta q_s^2 + \delta q_t^2}}

    for :math:`q` the mean and the width. Teacher and surrogate are taken as independent; on the
    same gen events they are positively correlated, so these pulls are conservative. Bins are
    :math:`[lo, hi)`; objects outside the edges are ignored; bins with fewer than
    ``min_events`` objects are NaN (``None``) and flagged in ``low_stat``.

    Parameters
    ----------
    gen, reco_teacher, reco_surrogate : array_like, shape (n,)
        The gen-level scalar (non-zero) and its two reco-level versions, object by object.
    gen_pt, gen_eta : array_like, shape (n,)
        The binning variables of the gen object (pass |η| for bins in |η|).
    pt_edges, eta_edges : sequence of float
        Strictly increasing bin edges.
    min_events : int
        Bins with fewer gen objects are not compared (NaN, flagged ``low_stat``).

    Returns
    -------
    dict
        (n_pt × n_eta) lists: ``n``, ``low_stat``, ``mean_teacher``, ``mean_teacher_err``,
        ``width_teacher``, ``width_teacher_err``, the same for ``_surrogate``, ``pull_mean``,
        ``pull_width``; ``pt_edges``, ``eta_edges``, ``min_events``, ``n_filled``; and over the
        filled bins ``max_abs_pull_mean``, ``max_abs_pull_width`` and ``fraction_within_2sigma``
        (the fraction of all mean and width pulls with |p| ≤ 2).
    """
    g = _check_1d(gen, "gen")
    rt = _check_1d(reco_teacher, "reco_teacher")
    rs = _check_1d(reco_surrogate, "reco_surrogate")
    pt = _check_1d(gen_pt, "gen_pt")
    eta = _check_1d(gen_eta, "gen_eta")
    _check_same_length({"gen": g, "reco_teacher": rt, "reco_surrogate": rs, "gen_pt": pt, "gen_eta": eta})
    if np.any(g == 0):
        raise ValueError(f"gen has {int(np.sum(g == 0))} zero values (the response reco/gen is undefined)")
    if min_events < 2:
        raise ValueError(f"min_events must be >= 2, got {min_events}")
    pe, ee = _check_edges(pt_edges, "pt_edges"), _check_edges(eta_edges, "eta_edges")
    shape = (len(pe) - 1, len(ee) - 1)
    idx = _bin_index(pt, eta, pe, ee)
    resp = {"teacher": rt / g, "surrogate": rs / g}
    n = np.bincount(idx[idx >= 0], minlength=shape[0] * shape[1]).reshape(shape)
    filled = n >= min_events
    out: dict[str, Any] = {}
    q: dict[str, np.ndarray] = {}
    for who, r in resp.items():
        mean, mean_err, width, width_err = (np.full(shape, np.nan) for _ in range(4))
        for flat in np.flatnonzero(filled):
            i, k = divmod(int(flat), shape[1])
            v = r[idx == flat]
            m = len(v)
            sd = float(np.std(v, ddof=1))
            mean[i, k], mean_err[i, k] = float(np.mean(v)), sd / math.sqrt(m)
            width[i, k], width_err[i, k] = sd, sd / math.sqrt(2.0 * (m - 1))
        q[f"mean_{who}"], q[f"mean_{who}_err"], q[f"width_{who}"], q[f"width_{who}_err"] = (
            mean, mean_err, width, width_err)
    with np.errstate(divide="ignore", invalid="ignore"):
        pull_mean = (q["mean_surrogate"] - q["mean_teacher"]) / np.hypot(q["mean_surrogate_err"], q["mean_teacher_err"])
        pull_width = (q["width_surrogate"] - q["width_teacher"]) / np.hypot(
            q["width_surrogate_err"], q["width_teacher_err"])
    out["n"] = _json_list(n)
    out["low_stat"] = _json_list(~filled)
    for k, v in q.items():
        out[k] = _json_list(v)
    out["pull_mean"] = _json_list(pull_mean)
    out["pull_width"] = _json_list(pull_width)
    out["pt_edges"] = pe.tolist()
    out["eta_edges"] = ee.tolist()
    out["min_events"] = int(min_events)
    out["n_filled"] = int(filled.sum())
    out["max_abs_pull_mean"] = _max_abs(pull_mean, filled)
    out["max_abs_pull_width"] = _max_abs(pull_width, filled)
    out.update(_pull_summary([pull_mean, pull_width], filled))
    return out


def _check_found(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype != bool:
        f = _check_1d(arr, name)
        if not np.all((f == 0) | (f == 1)):
            raise ValueError(f"{name} must be boolean (or 0/1), found other values")
        arr = f.astype(bool)
    elif arr.ndim != 1 or len(arr) < 2:
        raise ValueError(f"{name} must be 1-D with at least 2 rows, got shape {arr.shape}")
    return arr


def binned_efficiency(
    gen_pt: np.ndarray,
    gen_eta: np.ndarray,
    found_teacher: np.ndarray,
    found_surrogate: np.ndarray,
    pt_edges: Sequence[float],
    eta_edges: Sequence[float],
    min_events: int = 30,
) -> dict[str, Any]:
    r"""Fraction of gen objects found (reconstructed) per (pT, η) bin, teacher against surrogate.

    For the :math:`n` gen objects of a bin, :math:`k` of them found: :math:`\varepsilon = k/n`
    with the binomial error :math:`\sqrt{\varepsilon(1-\varepsilon)/n}`. The pull is the
    two-proportion z statistic with the pooled efficiency
    :math:`\bar\varepsilon = (k_t + k_s)/(2n)`,

    .. math:: p = \frac{\varepsilon_s - \varepsilon_t}{\sqrt{\bar\varepsilon(1-\bar\varepsilon)\,2/n}},

    which stays finite where both efficiencies are 0 or 1 (there p = 0). Teacher and surrogate are
    taken as independent. Bins are :math:`[lo, hi)`; bins with fewer than ``min_events`` gen
    objects are NaN (``None``) and flagged in ``low_stat``.

    Parameters
    ----------
    gen_pt, gen_eta : array_like, shape (n,)
        The binning variables of every gen object.
    found_teacher, found_surrogate : array_like of bool, shape (n,)
        Whether each gen object was reconstructed by the teacher / the surrogate.
    pt_edges, eta_edges : sequence of float
        Strictly increasing bin edges.
    min_events : int
        Bins with fewer gen objects are not compared (NaN, flagged ``low_stat``).

    Returns
    -------
    dict
        (n_pt × n_eta) lists ``n``, ``low_stat``, ``eff_teacher``, ``eff_teacher_err``,
        ``eff_surrogate``, ``eff_surrogate_err``, ``pull``; ``pt_edges``, ``eta_edges``,
        ``min_events``, ``n_filled``, and over the filled bins ``max_abs_pull`` and
        ``fraction_within_2sigma``.
    """
    pt = _check_1d(gen_pt, "gen_pt")
    eta = _check_1d(gen_eta, "gen_eta")
    ft = _check_found(found_teacher, "found_teacher")
    fs = _check_found(found_surrogate, "found_surrogate")
    _check_same_length({"gen_pt": pt, "gen_eta": eta, "found_teacher": ft, "found_surrogate": fs})
    if min_events < 1:
        raise ValueError(f"min_events must be >= 1, got {min_events}")
    pe, ee = _check_edges(pt_edges, "pt_edges"), _check_edges(eta_edges, "eta_edges")
    shape = (len(pe) - 1, len(ee) - 1)
    idx = _bin_index(pt, eta, pe, ee)
    sel = idx >= 0
    nb = shape[0] * shape[1]
    n = np.bincount(idx[sel], minlength=nb).reshape(shape).astype(np.float64)
    k_t = np.bincount(idx[sel], weights=ft[sel].astype(np.float64), minlength=nb).reshape(shape)
    k_s = np.bincount(idx[sel], weights=fs[sel].astype(np.float64), minlength=nb).reshape(shape)
    filled = n >= min_events
    with np.errstate(divide="ignore", invalid="ignore"):
        e_t = np.where(filled, k_t / n, np.nan)
        e_s = np.where(filled, k_s / n, np.nan)
        err_t = np.sqrt(e_t * (1 - e_t) / n)
        err_s = np.sqrt(e_s * (1 - e_s) / n)
        p_bar = (k_t + k_s) / (2 * n)
        denom = np.sqrt(p_bar * (1 - p_bar) * 2 / n)
        pull = np.where(denom > 0, (e_s - e_t) / denom, 0.0)
    pull = np.where(filled, pull, np.nan)
    out: dict[str, Any] = {
        "n": _json_list(n.astype(np.int64)),
        "low_stat": _json_list(~filled),
        "eff_teacher": _json_list(e_t),
        "eff_teacher_err": _json_list(err_t),
        "eff_surrogate": _json_list(e_s),
        "eff_surrogate_err": _json_list(err_s),
        "pull": _json_list(pull),
        "pt_edges": pe.tolist(),
        "eta_edges": ee.tolist(),
        "min_events": int(min_events),
        "n_filled": int(filled.sum()),
        "max_abs_pull": _max_abs(pull, filled),
    }
    out.update(_pull_summary([pull], filled))
    return out
