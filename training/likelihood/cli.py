"""Command-line entry points of the likelihood family's training side: ``sample`` and ``train``.

Each verb is one function with plain, typed keyword arguments that returns a JSON-ready summary
(the lead engineer's parser generator turns the signature into the sub-command's options).
"""

from __future__ import annotations

from typing import Any

from .sampling import SamplingConfig, sample_s1, sample_s3
from .teachers import resolve_teacher

__all__ = ["sample", "train", "workspace"]


def _floats(text: str, name: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        values = ()
    if not values:
        from hepsurrogates.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"{name} must be comma-separated numbers, got {text!r}")
    return values


def sample(
    teacher: str = "toy",
    out: str = "likelihood_samples",
    walkers: int = 192,
    runs: int = 4,
    steps: int = 12_000,
    burn_in: int = 2_000,
    thin: int = 50,
    s3_mu_low: float = -0.5,
    s3_mu_high: float = 2.5,
    s3_windows: int = 16,
    s3_steps: int = 1_500,
    s3_burn_in: int = 500,
    s3_thin: int = 50,
    s3_temperatures: str = "1,4,16,64",
    keep_every: int = 20,
    seed: int = 1,
    measurement: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Sample S1 (posterior) and S3 (S1 + profiled-maximum region) of a likelihood with emcee.

    Args:
        teacher: ``toy`` (the exact 1809.05548 toy) or a pyhf workspace JSON file.
        out: output directory (``s1.npz``, ``s3.npz``, chunk files, convergence JSON); an existing
            one is resumed / extended.
        walkers, runs, steps, burn_in, thin: the S1 runs (independent runs for R̂).
        s3_mu_low, s3_mu_high, s3_windows: the grid of μ windows of the profiled-maximum sample.
        s3_steps, s3_burn_in, s3_thin: the runs of each window.
        s3_temperatures: the inverse temperatures β at which every window is sampled, comma
            separated (``1,4,16,64``: also from L^β, points 1/√β closer to the ridge of conditional
            maxima; :mod:`~hepsurrogates.training.likelihood.sampling`).
        keep_every: every how many steps the chains are kept (in memory and in the chunk files).
        seed: base seed.
        measurement: the workspace's measurement (default: its first).
        quiet: no progress bars.

    Returns:
        ``{"s1": {...}, "s3": {...}}``: sizes, convergence (τ, length/τ, R̂) and seconds.
    """
    cfg = SamplingConfig(walkers=walkers, s1_runs=runs, s1_steps=steps, burn_in=burn_in, thin=thin,
                         s3_mu=(s3_mu_low, s3_mu_high), s3_windows=s3_windows, s3_steps=s3_steps,
                         s3_burn_in=s3_burn_in, s3_thin=s3_thin, keep_every=keep_every, seed=seed,
                         s3_temperatures=_floats(s3_temperatures, "s3_temperatures"))
    t = resolve_teacher(teacher, measurement)
    s1 = sample_s1(t, out, cfg, progress=not quiet)
    s3 = sample_s3(t, out, cfg, progress=not quiet)
    return {"s1": {k: s1[k] for k in ("n_points", "convergence", "seconds")},
            "s3": {k: s3[k] for k in ("n_points", "convergence", "seconds")}}


def train(
    teacher: str = "toy",
    samples: str = "likelihood_samples",
    out: str = "likelihood_bundle",
    name: str = "likelihood_toy",
    hidden: str = "128,128",
    members: int = 1,
    baseline: str = "quadratic",
    n_points: int = 300_000,
    batch_size: int = 512,
    learning_rate: float = 1e-3,
    max_epochs: int = 300,
    patience: int = 30,
    lr_patience: int = 10,
    max_minutes: float | None = None,
    profile_weight: float = 3.0,
    seed: int = 1,
    threads: int = 1,
    measurement: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """Train a likelihood surrogate on ``samples/s3.npz`` and export ``out/<name>.onnx`` with its card.

    The defaults are the settings of the shipped ``likelihood_toy`` bundle.

    Args:
        teacher: ``toy`` or the pyhf workspace JSON file the samples were drawn from (the exact
            likelihood the t_μ metric is measured against, and whose sha256 the card records).
        samples: directory written by ``sample``.
        out: output directory (bundle, card, ``<name>.train.json``, torch state).
        name: the bundle's name.
        hidden: hidden-layer widths, comma separated (e.g. ``128,128``).
        members: ensemble members (their mean is the output).
        baseline: ``quadratic`` (the shipped setting: the MLP learns the departure from the
            second-order expansion of the exact ln L at its maximum, which is in the graph) or
            ``none`` (the published recipe).
        n_points: points drawn from S3 (70/15/15 train/validation/test).
        batch_size, learning_rate, max_epochs, patience, lr_patience: the optimiser (Adam,
            learning rate ×0.2 after ``lr_patience`` epochs without improvement, early stop after
            ``patience``).
        max_minutes: wall-clock budget of the training (all members together; None: none): the
            epoch that passes it is the last, the best state so far is exported.
        profile_weight: weight of the profiled-maximum points of S3 in the loss (S1 points: 1).
        seed: seed of the split and the initialisation.
        threads: torch threads (default 1: on a shared, loaded machine two threads made an epoch
            ~10× slower than one, the threads spinning against each other).
        measurement: the workspace's measurement (default: its first).
        quiet: no progress bars.

    Returns:
        ``{"bundle", "metrics", "n_parameters"}``.
    """
    import shlex
    import sys

    from .train import TrainConfig, train_likelihood

    widths = tuple(int(w) for w in hidden.split(",") if w.strip())
    if not widths or min(widths) < 1:
        from hepsurrogates.exceptions import InvalidArgumentError

        raise InvalidArgumentError(f"hidden must be comma-separated positive widths, got {hidden!r}")
    cfg = TrainConfig(hidden=widths, members=members, baseline=baseline, n_points=n_points, batch_size=batch_size,
                      learning_rate=learning_rate, max_epochs=max_epochs, patience=patience, lr_patience=lr_patience,
                      max_minutes=max_minutes, profile_weight=profile_weight, seed=seed, threads=threads, name=name)
    # from the command line sys.argv[1:] is ``likelihood train ...``; from Python, record the call's options
    if sys.argv[1:3] == ["likelihood", "train"]:
        command = "hepsurrogates " + shlex.join(sys.argv[1:])
    else:
        command = (f"hepsurrogates likelihood train --teacher {shlex.quote(str(teacher))} --samples "
                   f"{shlex.quote(str(samples))} --out {shlex.quote(str(out))} --name {name} --hidden {hidden}")
    return train_likelihood(resolve_teacher(teacher, measurement), samples, out, cfg, progress=not quiet,
                            command=command)


def workspace(
    signal: str,
    background: str,
    out: str,
    signal_up: str | None = None,
    signal_down: str | None = None,
    background_up: str | None = None,
    background_down: str | None = None,
    observed: str | None = None,
    histogram: str = "m_ml",
    mass_low: float = 50.0,
    mass_high: float = 250.0,
    rebin: int = 2,
    signal_scale: float = 1.0,
    background_scale: float = 1.0,
    lumi_uncertainty: float = 0.025,
    background_norm_uncertainty: float = 0.10,
    variation: str = "tes",
    pseudo_data_seed: int = 7,
) -> dict[str, Any]:
    """A pyhf workspace from the histograms of ``hepsurrogates run`` (``hists.pkl`` files).

    Args:
        signal, background: ``hists.pkl`` of the nominal runs on the signal and background datasets.
        out: the workspace JSON to write.
        signal_up, signal_down, background_up, background_down: ``hists.pkl`` of the runs with the
            shifted τ energy scale (all four, or none: then no shape uncertainty).
        observed: ``hists.pkl`` of the observed data (default: a Poisson draw, seed
            ``pseudo_data_seed``, of the expected background).
        histogram: which histogram of the runs (``m_ml``, ``m_vis``, ``m_fastmtt``); channels summed.
        mass_low, mass_high, rebin: the range kept and the rebinning factor.
        signal_scale, background_scale: histogram contents → expected counts.
        lumi_uncertainty, background_norm_uncertainty: the two normalisation uncertainties.
        variation: the name of the shape uncertainty.

    Returns:
        ``{"workspace", "sha256", "bins", "edges", "signal_yield", "background_yield", "parameters"}``.
    """
    from .histogram_files import workspace_from_run_histograms

    return workspace_from_run_histograms(
        signal=signal, background=background, out=out, signal_up=signal_up, signal_down=signal_down,
        background_up=background_up, background_down=background_down, observed=observed, histogram=histogram,
        mass_range=(mass_low, mass_high), rebin=rebin, signal_scale=signal_scale, background_scale=background_scale,
        lumi_uncertainty=lumi_uncertainty, background_norm_uncertainty=background_norm_uncertainty,
        variation=variation, pseudo_data_seed=pseudo_data_seed)
