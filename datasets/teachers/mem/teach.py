r"""``hepsurrogates teach mem``: the MEM teachers over a fileset, chunk by chunk on Dask, resumable.

The MEM teacher (arXiv 2008.10949; PHYSICS.md §1) plugged into the generic chunked teacher
engine (:mod:`hepsurrogates.datasets.teachers.engine`: planning, one atomic parquet file per
chunk, manifest, resumption, seeds, failures). Per chunk the ℓℓbb interpretation
(:func:`hepsurrogates.families.mem.llbb.select_llbb`, the ``analysis`` selection the surrogates
are trained on) is built and each requested hypothesis runs on the valid events; one row per
valid event with the engine's key columns and, per hypothesis column H:

* ``Teacher_<H>``: −log10 W, W the MEM weight: the quantity of the ``Surrogate_<H>`` column that
  learns it (+inf where W = 0, NaN where the integration produced no finite value);
* ``Teacher_<H>_error``: its 1σ error, σ_W / (W ln 10), in the same log10 units;
* ``Teacher_<H>_converged``, ``Teacher_<H>_neval``: VEGAS' convergence flag and evaluations.

Hypothesis columns: ``memDY``, ``memTT`` and ``memHZA_<mH>_<mA>`` (one per mass point, masses
formatted like ``261p40_150p50``). Defaults are the settings the shipped bundles' targets were
computed with (``benchmarks/mem/rebuild.sh``): VEGAS accuracy 5 %, :data:`SHIPPED_NEVAL` points
per iteration, the calibrated b-jet response 0.871 for H → ZA, chunks of 500 events, and for
H → ZA the 21 mass points the shipped ``mem_hza`` learned
(:data:`~hepsurrogates.families.mem.HZA_TRAINING_POINTS`).

Decision: the chunk is read in coffea's ``virtual`` mode, which reads only the branches the
selection touches (the values are those of ``eager``; on a 140-event range of our tt̄ sample,
0.30 s against 0.56 s for ``eager``, and real NanoAOD has ~1500 branches).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np

from hepsurrogates import __version__
from hepsurrogates.exceptions import InvalidArgumentError
from hepsurrogates.families.mem import HZA_TRAINING_POINTS
from hepsurrogates.families.mem.llbb import (
    DEFAULT_SELECTION,
    LLBBArrays,
    llbb_numpy,
    missing_llbb_branches,
    select_llbb,
)

from ..engine import (
    MANIFEST_NAME,
    METADATA_KEY,
    ChunkTask,
    TeachChunkError,
    TeacherSpec,
    TeachOptionsMismatchError,
    TeachResult,
    check_run_options,
    chunk_seed,
    load_teacher_targets,
    run_teacher,
)

__all__ = [
    "Adapter", "HYPOTHESES", "SHIPPED_NEVAL", "ChunkTask", "TeachResult", "TeachOptionsMismatchError",
    "TeachChunkError", "MANIFEST_NAME", "METADATA_KEY", "hza_column", "chunk_seed", "mem_teacher", "teach_mem",
    "teach_from_options", "load_teacher_targets", "neg_log10",
]

_SUFFIXES = {"value": "", "error": "_error", "converged": "_converged", "neval": "_neval"}
_LN10 = float(np.log(10.0))
#: VEGAS points per iteration of the shipped bundles' targets, per hypothesis (benchmarks/mem/rebuild.sh)
SHIPPED_NEVAL = {"memDY": 1500, "memTT": 1500, "memHZA": 400}
#: the b-jet response of the H -> ZA transfer function the shipped mem_hza learned
SHIPPED_BJET_RESPONSE = 0.871

#: (valid events, seed, options) -> {"weight", "error", "converged", "neval"} arrays of shape (N,)
Adapter = Callable[[LLBBArrays, int, Mapping[str, Any]], dict[str, np.ndarray]]


def _signed(arrays: LLBBArrays) -> tuple[np.ndarray, np.ndarray]:
    n = len(arrays)
    return (np.column_stack([arrays.lep_minus, np.full(n, -1.0)]),
            np.column_stack([arrays.lep_plus, np.full(n, 1.0)]))


def _result(res: Any) -> dict[str, np.ndarray]:
    return {"weight": np.asarray(res.weight, np.float64), "error": np.asarray(res.error, np.float64),
            "converged": np.asarray(res.converged, bool), "neval": np.asarray(res.n_eval, np.int64)}


def _vegas(options: Mapping[str, Any]) -> dict[str, int]:
    """The VEGAS overrides among a column's options (``neval``), with a budget that allows them."""
    if "neval" not in options:
        return {}
    return {"neval": int(options["neval"])}


def _mem_dy(arrays: LLBBArrays, seed: int, options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Drell–Yan: :func:`~.dy_weight.dy_weights` on (pt, eta, phi, mass, charge) of ℓ⁻ and ℓ⁺."""
    from .dy_weight import dy_weights

    lm, lp = _signed(arrays)
    return _result(dy_weights(lm, lp, seed=seed, rel_accuracy=options["rel_accuracy"], **_vegas(options)))


def _mem_tt(arrays: LLBBArrays, seed: int, options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Dileptonic tt̄: :func:`~.tt_weight.tt_weights` on ℓ⁻, ℓ⁺, the two b candidates and MET."""
    from .tt_weight import tt_weights

    return _result(tt_weights(arrays.lep_minus, arrays.lep_plus, arrays.bjets, arrays.met, seed=seed,
                              rel_accuracy=options["rel_accuracy"], **_vegas(options)))


def _mem_hza(arrays: LLBBArrays, seed: int, options: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """H → ZA → ℓℓbb at (M_H, M_A) = ``options["m_h"]``, ``options["m_a"]``."""
    from .hza_weight import hza_weights

    return _result(hza_weights(arrays.lep_minus, arrays.lep_plus, arrays.bjets, options["m_h"], options["m_a"],
                               seed=seed, rel_accuracy=options["rel_accuracy"],
                               bjet_response=float(options.get("bjet_response", 1.0)), **_vegas(options)))


#: hypothesis name -> adapter; the teacher modules are imported inside the adapters.
HYPOTHESES: dict[str, Adapter] = {"memDY": _mem_dy, "memTT": _mem_tt, "memHZA": _mem_hza}
_MODULES = {"memDY": "dy_weight", "memTT": "tt_weight", "memHZA": "hza_weight"}


def hza_column(m_h: float, m_a: float) -> str:
    """The column name of one H → ZA mass point: ``hza_column(261.4, 150.5) == "memHZA_261p40_150p50"``."""
    return f"memHZA_{m_h:.2f}_{m_a:.2f}".replace(".", "p").replace("-", "m")


def neg_log10(weight: np.ndarray, error: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(−log10 W, σ_W / (W ln 10)): +inf where W = 0, NaN where W is not finite or negative.

    Example:
        >>> y, e = neg_log10(np.array([1e-20, 0.0]), np.array([1e-22, 0.0]))
        >>> y.tolist(), round(float(e[0]), 6)
        ([20.0, inf], 0.004343)
    """
    w = np.asarray(weight, np.float64)
    e = np.asarray(error, np.float64)
    ok = np.isfinite(w) & (w > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(ok, -np.log10(np.where(ok, w, 1.0)), np.where(w == 0, np.inf, np.nan))
        err = np.where(ok, e / (np.where(ok, w, 1.0) * _LN10), np.nan)
    return y, err


def _columns(hypotheses: Sequence[str], hza_points: Sequence[tuple[float, float]] | None, neval: int | None,
             bjet_response: float) -> list[tuple[str, str, dict]]:
    """(column, hypothesis, options) for every requested hypothesis (and mass point)."""
    if not hypotheses:
        raise InvalidArgumentError(f"hypotheses: expected at least one of {sorted(HYPOTHESES)}")
    unknown = [h for h in hypotheses if h not in HYPOTHESES]
    if unknown:
        raise InvalidArgumentError(f"unknown hypothesis {unknown[0]!r}; available: {', '.join(HYPOTHESES)}")
    if hza_points and "memHZA" not in hypotheses:
        raise InvalidArgumentError("hza_points given but memHZA not among the hypotheses: they would be ignored")
    if neval is not None and (isinstance(neval, bool) or int(neval) != neval or neval < 100):
        raise InvalidArgumentError(f"neval: expected an integer >= 100, found {neval!r}")
    if not (np.isfinite(bjet_response) and 0.2 <= bjet_response <= 2.0):
        raise InvalidArgumentError(f"bjet_response: expected a response in [0.2, 2], found {bjet_response!r}")
    out: list[tuple[str, str, dict]] = []
    for h in dict.fromkeys(hypotheses):
        if importlib.util.find_spec(f"{__package__}.{_MODULES[h]}") is None:
            raise InvalidArgumentError(f"hypothesis {h}: its teacher ({__package__}.{_MODULES[h]}) is not "
                                       f"available in hepsurrogates {__version__}")
        options = {"neval": int(neval if neval is not None else SHIPPED_NEVAL[h])}
        if h != "memHZA":
            out.append((h, h, options))
            continue
        points = HZA_TRAINING_POINTS if hza_points is None else hza_points
        if not points:
            raise InvalidArgumentError("memHZA needs at least one mass point (M_H, M_A), "
                                       "e.g. --hza-point 261.40,150.50")
        for m_h, m_a in dict.fromkeys((float(a), float(b)) for a, b in points):
            if not (np.isfinite(m_h) and np.isfinite(m_a) and 0.0 < m_a < m_h):
                raise InvalidArgumentError(f"hza point: expected 0 < M_A < M_H (GeV), found ({m_h}, {m_a})")
            out.append(
                (hza_column(m_h, m_a), h, {**options, "m_h": m_h, "m_a": m_a, "bjet_response": float(bjet_response)})
            )
    return out


def _compute(events: Any, task: ChunkTask) -> dict[str, Any]:
    """The engine's per-chunk function: ℓℓbb, then every hypothesis column on the valid events."""
    arrays = llbb_numpy(select_llbb(events))
    valid = arrays.take(arrays.valid)
    entry = task.entry_start + np.flatnonzero(arrays.valid).astype(np.int64)
    cols: dict[str, np.ndarray] = {
        "run": np.asarray(valid.run, np.uint32),
        "luminosityBlock": np.asarray(valid.luminosityBlock, np.uint32),
        "event": np.asarray(valid.event, np.uint64),
        "entry": entry,
    }
    rel_accuracy = float(task.teacher.options["rel_accuracy"])
    not_converged: dict[str, int] = {}
    for column, hypothesis, extra in task.teacher.options["columns"]:
        if len(valid):
            res = HYPOTHESES[hypothesis](valid, task.seed_for(column), {"rel_accuracy": rel_accuracy, **extra})
        else:
            res = {
                "weight": np.zeros(0),
                "error": np.zeros(0),
                "converged": np.zeros(0, bool),
                "neval": np.zeros(0, np.int64),
            }
        value, error = neg_log10(res["weight"], res["error"])
        out = {"value": value, "error": error, "converged": res["converged"], "neval": res["neval"]}
        for key, suffix in _SUFFIXES.items():
            cols[f"Teacher_{column}{suffix}"] = out[key]
        not_converged[column] = int(np.sum(~res["converged"]))
    return {"columns": cols, "stats": {"n_not_converged": not_converged}}


def _missing(keys: set[str]) -> list[str]:
    return missing_llbb_branches(keys)


def mem_teacher(
    hypotheses: Sequence[str] = ("memDY", "memTT"),
    *,
    hza_points: Sequence[tuple[float, float]] | None = None,
    rel_accuracy: float = 0.05,
    neval: int | None = None,
    bjet_response: float = SHIPPED_BJET_RESPONSE,
) -> TeacherSpec:
    """The MEM teacher as a :class:`~hepsurrogates.datasets.teachers.engine.TeacherSpec` (module docstring).

    Raises:
        InvalidArgumentError: unknown hypothesis, mass points without memHZA, a bad point, accuracy,
            ``neval`` or response.
    """
    if not (np.isfinite(rel_accuracy) and rel_accuracy > 0.0):
        raise InvalidArgumentError(f"rel_accuracy: expected > 0, found {rel_accuracy!r}")
    columns = _columns(list(hypotheses), hza_points, neval, float(bjet_response))
    options = {
        "columns": [[c, h, e] for c, h, e in columns],
        "rel_accuracy": float(rel_accuracy),
        "selection": asdict(DEFAULT_SELECTION),
        "quantity": "neg_log10_weight",
    }
    return TeacherSpec("mem", tuple(c for c, _, _ in columns), options, _compute, _missing)


def teach_mem(
    fileset: str | os.PathLike[str] | Mapping[str, Any],
    out_dir: str | os.PathLike[str],
    hypotheses: Sequence[str] = ("memDY", "memTT"),
    *,
    hza_points: Sequence[tuple[float, float]] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    client: Any = None,
    chunksize: int = 500,
    max_events: int | None = None,
    rel_accuracy: float = 0.05,
    neval: int | None = None,
    bjet_response: float = SHIPPED_BJET_RESPONSE,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
) -> TeachResult:
    """Compute the MEM teacher targets of a fileset (module docstring), resuming earlier runs.

    Args:
        fileset: fileset JSON path or mapping ``{dataset: {"files": {path: tree}}}``.
        out_dir: output directory (chunk parquet files and ``manifest.json``).
        hypotheses: names in :data:`HYPOTHESES`.
        hza_points: (M_H, M_A) in GeV, one column each, with ``memHZA`` (None: the 21 points the
            shipped ``mem_hza`` learned).
        workers, scheduler, client, chunksize, max_events, seed, overwrite, progress: as
            :func:`~hepsurrogates.datasets.teachers.engine.run_teacher`.
        rel_accuracy: VEGAS relative-accuracy target of every weight.
        neval: VEGAS points per iteration of every hypothesis (None: :data:`SHIPPED_NEVAL`).
        bjet_response: mean b-jet energy response of the H → ZA transfer function (1: MoMEMta's
            centred Gaussian; default the calibrated value the shipped ``mem_hza`` learned).

    Raises:
        MissingInputFileError, CorruptInputFileError, SchemaError, MissingBranchError: bad inputs.
        InvalidArgumentError: bad options; TeachOptionsMismatchError: conflicting earlier output.
        OutputNotWritableError: ``out_dir`` cannot be written.
        TeachChunkError: some chunks failed (the rest are written).
    """
    check_run_options(chunksize, max_events, workers, scheduler, client)
    teacher = mem_teacher(
        hypotheses, hza_points=hza_points, rel_accuracy=rel_accuracy, neval=neval, bjet_response=bjet_response
    )
    return run_teacher(
        teacher,
        fileset,
        out_dir,
        workers=workers,
        scheduler=scheduler,
        client=client,
        chunksize=chunksize,
        max_events=max_events,
        seed=seed,
        overwrite=overwrite,
        progress=progress,
    )


def teach_from_options(
    fileset: str,
    out: str,
    workers: int = 1,
    scheduler: str | None = None,
    max_events: int | None = None,
    seed: int = 0,
    overwrite: bool = False,
    progress: bool = True,
    chunksize: int = 500,
    hypotheses: Sequence[str] = ("memDY", "memTT"),
    hza_points: Sequence[tuple[float, float]] | None = None,
    rel_accuracy: float = 0.05,
    neval: int | None = None,
    bjet_response: float = SHIPPED_BJET_RESPONSE,
) -> dict[str, Any]:
    """``hepsurrogates teach mem`` (the registry's entry point): run, and the JSON-ready summary."""
    result = teach_mem(
        fileset,
        out,
        hypotheses,
        hza_points=hza_points,
        workers=workers,
        scheduler=scheduler,
        chunksize=chunksize,
        max_events=max_events,
        rel_accuracy=rel_accuracy,
        neval=neval,
        bjet_response=bjet_response,
        seed=seed,
        overwrite=overwrite,
        progress=progress,
    )
    return result.summary()
