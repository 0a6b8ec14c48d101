r"""The MEM regression inputs: the ℓℓbb visible momenta in (p_T, η, Δφ to the leading lepton).

The one definition used by training and by processing (arXiv 2008.10949; PHYSICS.md §1): the
visible four-momenta of the ℓℓbb interpretation (:func:`hepsurrogates.families.mem.llbb.select_llbb`) as
(p_T, η, φ) with every φ taken relative to the leading lepton, so the leading lepton's own φ
is dropped (the weights are invariant under a rotation about the beam). Δφ is wrapped into
(−π, π].

The leptons are ordered by p_T (``lep1`` the leading one) and ``lep1_charge`` (±1) records
which of them is the ℓ⁻: the Drell–Yan weight depends on the angle between the quark and
the ℓ⁻, so without the charge the forward–backward information would be lost. b1 is the
higher-p_T b candidate. The parametric H → ZA model takes :data:`HZA_PARAMETERS` (M_H, M_A in
GeV) as extra inputs; the caller appends them after :data:`FEATURE_NAMES`.

Events without a ℓℓbb interpretation (``valid = False``) have every feature 0.

Example:
    >>> import awkward as ak
    >>> from hepsurrogates.families.mem.llbb import LLBB_FIELDS
    >>> rec = ak.zip({f: [0.0] for f in LLBB_FIELDS} | {"valid": [True], "lminus_pt": [50.0],
    ...               "lplus_pt": [40.0], "lplus_phi": [3.0], "lminus_phi": [-3.0]}, depth_limit=1)
    >>> m = mem_feature_matrix(rec)
    >>> m.shape, float(m[0, FEATURE_NAMES.index("lep2_dphi")]) == float(np.float32(6.0 - 2 * np.pi))
    ((1, 14), True)
"""

from __future__ import annotations

from typing import Any

import awkward as ak
import numpy as np

from hepsurrogates.families.mem.llbb import LLBB_BRANCHES, select_llbb

__all__ = [
    "FEATURE_NAMES", "FEATURE_UNITS", "HZA_PARAMETERS", "HZA_PARAMETER_UNITS", "FEATURE_BRANCHES",
    "wrap_phi", "mem_feature_columns", "mem_features", "mem_feature_matrix", "mem_columns", "discriminant",
]

#: The inputs, in order.
FEATURE_NAMES: tuple[str, ...] = (
    "lep1_pt", "lep1_eta",
    "lep2_pt", "lep2_eta", "lep2_dphi",
    "b1_pt", "b1_eta", "b1_dphi",
    "b2_pt", "b2_eta", "b2_dphi",
    "met_pt", "met_dphi",
    "lep1_charge",
)
#: Units of :data:`FEATURE_NAMES`, in the same order ("" = dimensionless).
FEATURE_UNITS: tuple[str, ...] = (
    "GeV", "", "GeV", "", "rad", "GeV", "", "rad", "GeV", "", "rad", "GeV", "rad", "",
)
#: Parameters of the parametric H → ZA model, appended after the features by the caller.
HZA_PARAMETERS: tuple[str, ...] = ("M_H", "M_A")
HZA_PARAMETER_UNITS: tuple[str, ...] = ("GeV", "GeV")
#: The branches the features read: those of the ℓℓbb interpretation but the event ids
#: (``PFMET_*`` instead of ``MET_*`` in NanoAOD v15, no ``Jet_jetId`` where the file lacks it).
FEATURE_BRANCHES: tuple[str, ...] = tuple(b for b in LLBB_BRANCHES if b not in ("run", "luminosityBlock", "event"))


def wrap_phi(dphi: Any) -> Any:
    """An azimuthal difference wrapped into (−π, π] (numpy, awkward or dask-awkward)."""
    return np.pi - (np.pi - dphi) % (2.0 * np.pi)


def mem_feature_columns(record: Any) -> list[Any]:
    """The features of :func:`~hepsurrogates.families.mem.llbb.select_llbb` records as float32 columns in
    :data:`FEATURE_NAMES` order (awkward or dask-awkward, one value per event)."""
    r = record
    minus_leads = r.lminus_pt >= r.lplus_pt
    lep1 = {f: ak.where(minus_leads, r[f"lminus_{f}"], r[f"lplus_{f}"]) for f in ("pt", "eta", "phi")}
    lep2 = {f: ak.where(minus_leads, r[f"lplus_{f}"], r[f"lminus_{f}"]) for f in ("pt", "eta", "phi")}
    ref = lep1["phi"]
    values = [
        lep1["pt"], lep1["eta"],
        lep2["pt"], lep2["eta"], wrap_phi(lep2["phi"] - ref),
        r.b1_pt, r.b1_eta, wrap_phi(r.b1_phi - ref),
        r.b2_pt, r.b2_eta, wrap_phi(r.b2_phi - ref),
        r.met_pt, wrap_phi(r.met_phi - ref),
        ak.where(minus_leads, -1.0, 1.0),
    ]
    return [ak.values_astype(ak.where(r.valid, v, 0.0), np.float32) for v in values]


def mem_features(record: Any) -> Any:
    """The features as an awkward (or dask-awkward) array of records with fields
    :data:`FEATURE_NAMES`."""
    return ak.zip(dict(zip(FEATURE_NAMES, mem_feature_columns(record))), depth_limit=1)


def mem_feature_matrix(record: Any) -> np.ndarray:
    """The features of eager records as a float32 numpy matrix of shape (N, len(FEATURE_NAMES))."""
    cols = mem_feature_columns(record)
    if not cols or len(record) == 0:
        return np.zeros((len(record), len(FEATURE_NAMES)), dtype=np.float32)
    return np.stack([ak.to_numpy(c) for c in cols], axis=1).astype(np.float32, copy=False)


def mem_columns(events: Any) -> tuple[list[Any], Any]:
    """The model input columns of NanoEvents in :data:`FEATURE_NAMES` order and the per-event
    validity (the ``inputs`` function of :class:`~hepsurrogates.models.onnx_column.OnnxColumn`)."""
    record = select_llbb(events)
    return mem_feature_columns(record), record.valid


_LN10 = np.float64(np.log(10.0))


def discriminant(s_dy: Any, s_tt: Any, gamma: float = 1.0) -> Any:
    r"""D = W_tt/(W_tt + γ W_DY) from s = −log10 W (numpy, awkward or dask-awkward), the one
    definition used by the processor and by the validation: with t = ln10·(s_DY − s_tt) − ln γ,
    D = exp(−log(1 + e^(−t))) via ``logaddexp``, which neither overflows nor loses the tails
    (computed in float64: they reach below float32's range)."""
    t = _LN10 * (s_dy - s_tt) - np.log(np.float64(gamma))
    return np.exp(-np.logaddexp(0.0, -t))
