r"""The ``dy_contact`` events with their gold as a joint simulator: reco observables x, latent z = the
event, and the joint ratio and score at any θ, for MadMiner-style training sets.

A fileset of ``dy_contact`` datasets, each generated at its own θ_s with N_s events and Pythia's
cross section σ_s, is one sample from the mixture
:math:`q(z) = \sum_s (N_s/N)\,|M(z|\theta_s)|^2 d\Phi(z)/\sigma_s` (MadMiner combines its benchmark
samples the same way). Its events, reweighted, are a sample of any θ:

.. math::

    \frac{p(z|\theta)}{q(z)} = \frac{|M(z|\theta)|^2/\sigma(\theta)}{D(z)},\quad
    D(z) = \sum_s \frac{N_s}{N}\frac{|M(z|\theta_s)|^2}{\sigma_s},\quad
    \sigma_{sel}(\theta) = \frac1N \sum_{i\,\in\,sel} \frac{|M(z_i|\theta)|^2}{D(z_i)},

with |M(z|θ)|² morphed exactly from the events' ``Teacher_msq_*`` basis values
(:class:`hepsurrogates.morphing.Morphing`). Only selected events (those with the observables of
:mod:`hepsurrogates.models.ratio.features`) enter: the estimators learn p(x|θ, selected), and
σ_sel(θ) (pb) is the cross section after the selection, which the limits' Poisson term needs.

:class:`ContactEvents` implements the :class:`~.estimators.JointSimulator` protocol, so
:func:`~.estimators.make_training_sample` and :func:`~.estimators.make_local_sample` build
MadMiner's training sets from it unchanged: ``simulate(θ, n)`` resamples events with probability
∝ |M(z|θ)|²/D(z) (one categorical draw per distinct θ row: use a prior with a finite set of points,
:func:`grid_prior`, as MadMiner's ``sample_train_ratio`` does), and z is the event index.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates.datasets.samples.dy_contact import generated_theta
from hepsurrogates.exceptions import InvalidArgumentError, MissingBranchError
from hepsurrogates.fileset import load_fileset
from hepsurrogates.models.ratio.features import FEATURE_NAMES, feature_matrix
from hepsurrogates.morphing import DEFAULT_BASIS, Morphing
from hepsurrogates.nanoio import open_events

__all__ = ["ContactEvents", "load_contact_events", "grid_prior"]


@dataclass
class ContactEvents:
    """Selected ``dy_contact`` events (module docstring).

    Attributes:
        x: the observables of the selected events (n_sel, 3), in
            :data:`~hepsurrogates.models.ratio.features.FEATURE_NAMES` order.
        msq: their |M|² at the morphing basis points (n_sel, 6).
        density: D(z) per selected event (pb⁻¹).
        n_total: N, every generated event of the fileset (selected or not).
        morphing: the basis of ``msq``.
        datasets: per dataset: θ_s, N_s, σ_s (pb), selected events.
    """

    x: np.ndarray
    msq: np.ndarray
    density: np.ndarray
    n_total: int
    morphing: Morphing
    datasets: dict[str, dict[str, Any]]

    def __post_init__(self) -> None:
        self._per_event = self.msq / self.density[:, None]  # |M(θ_b)|²/D per event and basis point
        self.sigma_basis = self._per_event.sum(axis=0) / self.n_total

    @property
    def n_params(self) -> int:
        return 2

    def subset(self, rows: np.ndarray) -> ContactEvents:
        """The events ``rows`` (a random part of them) as a sample of its own: N scaled by the fraction
        kept, so that σ_sel is unchanged in expectation."""
        rows = np.asarray(rows)
        kept = rows.sum() if rows.dtype == bool else len(rows)
        return ContactEvents(x=self.x[rows], msq=self.msq[rows], density=self.density[rows],
                             n_total=max(1, round(self.n_total * kept / len(self.x))), morphing=self.morphing,
                             datasets=self.datasets)

    def expectation(self, values: np.ndarray, theta: Any) -> tuple[np.ndarray, np.ndarray]:
        """E_θ[values] over p(x|θ, sel) with the events' weights, and its standard error (values (n,) or (n, k))."""
        p = self.probabilities(theta)
        v = np.asarray(values, dtype=np.float64)
        mean = np.tensordot(p, v, axes=(0, 0))
        dev = v - mean
        err = np.sqrt(np.tensordot(p**2, dev**2, axes=(0, 0)))
        return mean, err

    def cross_section(self, theta: Any) -> np.ndarray:
        """σ_sel(θ) in pb for each point (n_theta,)."""
        return self.morphing.cross_section(self.sigma_basis, theta)

    def event_cross_sections(self, theta: Any) -> np.ndarray:
        """σ_i(θ) (pb): every selected event's share of σ_sel(θ), (n_events, n_theta); Σ_i σ_i(θ) = σ_sel(θ)."""
        return self._per_event @ self.morphing.weights(theta).T / self.n_total

    def event_cross_section_gradients(self, theta: Any) -> np.ndarray:
        """∇_θ σ_i(θ) (pb per TeV⁻²) at one point, (n_events, 2)."""
        grads = self.morphing.weight_gradients(theta)
        if len(grads) != 1:
            raise InvalidArgumentError(f"event_cross_section_gradients: one point expected, got {len(grads)}")
        return self._per_event @ grads[0].T / self.n_total

    def probabilities(self, theta: Any) -> np.ndarray:
        """p(z_i|θ, sel)/Σ over the events: the resampling probabilities of the events at one θ."""
        weights = self.morphing.weights(theta)
        if len(weights) != 1:
            raise InvalidArgumentError(f"probabilities: one point expected, got {len(weights)}")
        p = self._per_event @ weights[0]
        if np.any(p < 0.0):
            raise InvalidArgumentError(f"theta {np.asarray(theta).tolist()}: |M|^2 < 0 for some event (outside the "
                                       "EFT's physical region)")
        return p / p.sum()

    def simulate(self, theta: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` events x ~ p(x|θ, sel) and their indices z (θ one point, or one row per event)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        if len(theta) == 1:
            z = rng.choice(len(self.x), size=int(n), p=self.probabilities(theta))
            return self.x[z], z
        if len(theta) != n:
            raise InvalidArgumentError(f"simulate: {len(theta)} theta rows for {n} events")
        points, inverse = np.unique(theta, axis=0, return_inverse=True)
        if len(points) > 2000:
            raise InvalidArgumentError(f"simulate: {len(points)} distinct theta points; draw them from a finite set "
                                       "(grid_prior), as MadMiner does")
        z = np.empty(n, dtype=np.int64)
        for k, point in enumerate(points):
            rows = np.flatnonzero(inverse.ravel() == k)
            z[rows] = rng.choice(len(self.x), size=len(rows), p=self.probabilities(point))
        return self.x[z], z

    def log_r_xz(self, z: Any, theta0: Any, theta1: Any) -> np.ndarray:
        """log r(x, z|θ0, θ1) of events ``z`` (normalised by σ_sel)."""
        return self.morphing.joint_log_ratio(self.msq[np.asarray(z)], self.sigma_basis, theta0, theta1)

    def t_xz(self, z: Any, theta: Any) -> np.ndarray:
        """t(x, z|θ) of events ``z`` (n, 2)."""
        return self.morphing.joint_score(self.msq[np.asarray(z)], self.sigma_basis, theta)


def grid_prior(low: float, high: float, n_points: int, seed: int) -> Callable[[int, np.random.Generator], np.ndarray]:
    """A prior on θ ∈ [low, high]² with ``n_points`` fixed points drawn uniformly once (seed), each event
    getting one of them uniformly: MadMiner's finite set of numerator points."""
    points = np.random.default_rng(seed).uniform(low, high, size=(int(n_points), 2))

    def prior(n: int, rng: np.random.Generator) -> np.ndarray:
        return points[rng.integers(0, len(points), size=int(n))]

    return prior


def _teacher_matrix(events: Any, labels: list[str], source: str) -> np.ndarray:
    teacher = events.Teacher if "Teacher" in events.fields else None
    names = [f"msq_{label}" for label in labels]
    missing = [f"Teacher_{n}" for n in names if teacher is None or n not in teacher.fields]
    if missing:
        raise MissingBranchError(f"{source} (ratio gold: a dy_contact file)", missing)
    return np.stack([ak.to_numpy(teacher[n]).astype(np.float64) for n in names], axis=1)


def load_contact_events(filesets: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
                        max_files: int | None = None) -> ContactEvents:
    """The selected events of every dataset of one or more ``dy_contact`` filesets (module docstring): one
    fileset per generated point (``hepsurrogates generate dy_contact`` names its dataset after the sample,
    so two points need two output directories).

    Raises:
        InvalidArgumentError: a dataset that is not ``dy_contact`` or lacks its cross section, or no
            selected event.
        MissingBranchError: a file without the gold or the observables' branches.
    """
    if isinstance(filesets, (str, os.PathLike)):
        filesets = [filesets]
    sets = {(f"{k}:{name}" if len(filesets) > 1 else name): entry
            for k, fs in enumerate(filesets) for name, entry in load_fileset(fs).items()}
    morph = Morphing(DEFAULT_BASIS)
    xs, ms, info = [], [], {}
    for name, entry in sets.items():
        meta = entry.get("metadata", {})
        if meta.get("sample") != "dy_contact" or "xsec_pb" not in meta or "options" not in meta:
            raise InvalidArgumentError(f"dataset {name!r}: expected a 'hepsurrogates generate dy_contact' dataset with "
                                       "its sample, options and xsec_pb in the fileset metadata")
        files = list(entry["files"])[: max_files or None]
        n_gen, n_sel = 0, 0
        for path in files:
            events = open_events(path, mode="eager")
            x, mask = feature_matrix(events)
            msq = _teacher_matrix(events, morph.labels, path)[mask]
            xs.append(x)
            ms.append(msq)
            n_gen += len(events)
            n_sel += len(x)
        info[name] = {"theta": generated_theta(meta["options"]).tolist(), "n_events": n_gen,
                      "xsec_pb": float(meta["xsec_pb"]), "selected": n_sel}
    x, msq = np.concatenate(xs), np.concatenate(ms)
    if not len(x):
        raise InvalidArgumentError(f"no event of the fileset passes the ratio selection ({', '.join(FEATURE_NAMES)})")
    n_total = sum(d["n_events"] for d in info.values())
    density = np.zeros(len(x))
    for d in info.values():
        density += (d["n_events"] / n_total) * morph.values(msq, d["theta"]) / d["xsec_pb"]
    return ContactEvents(x=x, msq=msq, density=density, n_total=n_total, morphing=morph, datasets=info)
