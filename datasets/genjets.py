"""Generator-level jets: anti-kT R = 0.4 (``fastjet``) on stable visible particles.

As CMS ``ak4GenJetsNoNu``: every stable particle except neutrinos (and other invisibles)
is clustered, leptons included. The hadron flavour is 5 if a weakly decaying b hadron lies
within ΔR < 0.4 of the jet axis, else 4 for a c hadron, else 0 (a ΔR stand-in for CMS ghost
association; documented choice).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import awkward as ak
import numpy as np

from hepsurrogates import kinematics as kin

from .genrecord import GenLevel

__all__ = ["GenJets", "cluster_genjets", "JET_R", "INTERNAL_MIN_PT", "GENJET_MIN_PT"]

JET_R = 0.4
#: jets kept for the detector simulation (reco jets can fluctuate above threshold)
INTERNAL_MIN_PT = 5.0
#: NanoAOD writes GenJet above this p_T (GeV)
GENJET_MIN_PT = 10.0


@dataclass
class GenJets:
    """Gen jets of a chunk, p_T-ordered, above :data:`INTERNAL_MIN_PT`.

    ``jets`` has pt, eta, phi, mass, hadronFlavour and ``written`` (above the NanoAOD
    threshold) with ``index`` (position in the written GenJet list, −1 if not written);
    ``constituents`` holds, per jet, indices into ``GenLevel.stable``.
    """

    jets: ak.Array
    constituents: ak.Array


@contextlib.contextmanager
def _quiet_stdout_fd() -> Iterator[None]:
    """Silence C++ writes to file descriptor 1 (fastjet prints its banner on first use)."""
    sys.stdout.flush()
    libc = ctypes.CDLL(None)
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        libc.fflush(None)
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def cluster_genjets(gen: GenLevel) -> GenJets:
    """Cluster the stable visible particles of every event of a chunk."""
    import fastjet

    jetdef = fastjet.JetDefinition(fastjet.antikt_algorithm, JET_R)
    st = gen.stable
    particles = ak.zip({"px": st.px, "py": st.py, "pz": st.pz, "E": st.e})
    if ak.sum(ak.num(particles)) == 0:
        empty = ak.Array([[] for _ in range(gen.n_events)])
        return GenJets(jets=empty, constituents=empty)
    with _quiet_stdout_fd():
        seq = fastjet.ClusterSequence(particles, jetdef)
        raw = seq.inclusive_jets(min_pt=INTERNAL_MIN_PT)
        cidx = seq.constituent_index(min_pt=INTERNAL_MIN_PT)
    px, py, pz, e = raw.px, raw.py, raw.pz, raw.E
    pt = np.hypot(px, py)
    order = ak.argsort(pt, axis=1, ascending=False)
    px, py, pz, e, pt, cidx = (a[order] for a in (px, py, pz, e, pt, cidx))
    p = np.sqrt(px * px + py * py + pz * pz)
    eta = np.arcsinh(pz / pt)
    phi = np.arctan2(py, px)
    mass = np.sqrt(np.maximum(e * e - p * p, 0.0))

    # hadron flavour by Delta R to weakly decaying heavy hadrons
    pairs = ak.cartesian({"j": ak.zip({"eta": eta, "phi": phi}), "h": gen.heavy_hadrons}, nested=True)
    close = kin.delta_r(pairs.j.eta, pairs.j.phi, pairs.h.eta, pairs.h.phi) < JET_R
    has_b = ak.any(close & (pairs.h.flavour == 5), axis=2)
    has_c = ak.any(close & (pairs.h.flavour == 4), axis=2)
    flavour = ak.where(has_b, 5, ak.where(has_c, 4, 0))

    written = pt > GENJET_MIN_PT
    index = ak.where(written, ak.local_index(pt, axis=1), -1)  # pT-ordered: written jets come first
    jets = ak.zip(
        {
            "pt": pt, "eta": eta, "phi": phi, "mass": mass,
            "hadronFlavour": ak.values_astype(flavour, np.int32),
            "written": written, "index": ak.values_astype(index, np.int32),
        }
    )
    return GenJets(jets=jets, constituents=cidx)
