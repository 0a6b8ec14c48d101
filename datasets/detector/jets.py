r"""Jet reconstruction from generator jets: DSCB energy response, angular smearing, b tagging.

Each generator jet (anti-kT 0.4) becomes a reconstructed jet with

.. math::
    p_T^{reco} = p_T^{gen}\,[1 + \sigma(p_T^{gen}, \eta)\,(z - \langle z\rangle)],\qquad
    z \sim \mathrm{DSCB}(\alpha_L, n_L, \alpha_R, n_R),

so the response has mean exactly 1 (calibrated jets), a Gaussian core of width σ (the HCAL
resolution of :func:`.resolution.jet_pt_resolution`) and power-law tails. η and φ are
smeared by :func:`.resolution.jet_angular_resolution`. Jets are kept above 15 GeV and
|η| < 4.7, as in NanoAOD.

The b-tag score ``btagDeepFlavB`` is continuous in [0, 1]: a jet passes the medium working
point with the Delphes CMS efficiency for its hadron flavour; passing jets draw
WP + (1 − WP)·Beta(5, 1.2), failing jets WP·Beta(1, 5). The efficiency at the working point
is therefore exactly the model's.
"""

from __future__ import annotations

import numpy as np

from hepsurrogates import kinematics as kin

from . import resolution as res
from .columnar import FlatCollection
from .crystalball import JET_RESPONSE_SHAPE

__all__ = ["reconstruct_jets", "JET_MIN_PT", "JET_MAX_ETA", "RESPONSE_MEAN", "RESPONSE_VARIANCE"]

JET_MIN_PT = 15.0
JET_MAX_ETA = 4.7
RESPONSE_MEAN, RESPONSE_VARIANCE = JET_RESPONSE_SHAPE.moments()


def reconstruct_jets(genjets: FlatCollection, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Reconstructed jets, flat.

    Returns:
        (columns, genjet_index): NanoAOD columns plus internal ``_event``, ``_gen_px``,
        ``_gen_py``, ``_sigma_par`` (p_T uncertainty along the jet, effective DSCB width) and
        ``_sigma_perp`` (p_T·σ_φ); and the flat index of the generator jet of each reco jet.
    """
    n = len(genjets)
    pt, eta, phi, mass = (genjets[k] for k in ("pt", "eta", "phi", "mass"))
    z = JET_RESPONSE_SHAPE.sample(rng, n)
    sigma = res.jet_pt_resolution(pt, eta)
    response = np.maximum(1.0 + sigma * (z - RESPONSE_MEAN), 0.01)
    sig_ang = res.jet_angular_resolution(pt)
    eta_r = eta + sig_ang * rng.standard_normal(n)
    phi_r = kin.delta_phi(phi + sig_ang * rng.standard_normal(n), 0.0)
    pt_r = pt * response
    u_tag = rng.random(n)
    beta_pass = rng.beta(5.0, 1.2, size=n)
    beta_fail = rng.beta(1.0, 5.0, size=n)

    keep = (pt_r > JET_MIN_PT) & (np.abs(eta_r) < JET_MAX_ETA)
    idx = np.nonzero(keep)[0]
    pt_r, eta_r, phi_r = pt_r[keep], eta_r[keep], phi_r[keep]
    flavour = genjets["hadronFlavour"][keep]
    tagged = u_tag[keep] < res.btag_efficiency(pt_r, eta_r, flavour)
    wp = res.BTAG_MEDIUM_WP
    score = np.where(tagged, wp + (1.0 - wp) * beta_pass[keep], wp * beta_fail[keep])
    sigma_r = res.jet_pt_resolution(pt_r, eta_r)
    gen_px = pt[keep] * np.cos(phi[keep])
    gen_py = pt[keep] * np.sin(phi[keep])
    columns = {
        "pt": pt_r.astype(np.float32),
        "eta": eta_r.astype(np.float32),
        "phi": phi_r.astype(np.float32),
        "mass": (mass[keep] * response[keep]).astype(np.float32),
        "btagDeepFlavB": score.astype(np.float32),
        "hadronFlavour": flavour.astype(np.int32),
        "genJetIdx": genjets["index"][keep].astype(np.int32),
        "jetId": np.full(len(idx), 6, dtype=np.int32),
        "_event": genjets.event[keep],
        "_gen_px": gen_px,
        "_gen_py": gen_py,
        "_sigma_par": pt_r * sigma_r * np.sqrt(RESPONSE_VARIANCE),
        "_sigma_perp": pt_r * res.jet_angular_resolution(pt_r),
    }
    return columns, idx
