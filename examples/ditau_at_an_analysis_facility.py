# %% [markdown]
# # m_ML at an analysis facility
#
# A notebook in jupytext "percent" format: open it in Jupyter with jupytext (the tests execute
# it the way a kernel does). To run it from a shell, execute it as a kernel would,
# `python -c "exec(open('examples/ditau_at_an_analysis_facility.py').read())"`: Dask starts its
# local workers with "spawn", which re-imports a script's file in every worker (Python's
# multiprocessing rule), and this notebook has no `if __name__ == "__main__":` guard. It attaches the di-τ mass m_ML to NanoAOD events in a coffea
# processor on a Dask cluster and compares it with FastMTT.
#
# On a facility, point `SCHEDULER` at the cluster you were given (a dask-gateway or
# dask-jobqueue cluster's `scheduler_address`) and `FILESET` at your fileset JSON; by default
# the example starts a local cluster and uses the samples shipped with the package.

# %%
import os

import awkward as ak
import numpy as np
from hepsurrogates.models.ditau.features import CHANNELS
from hepsurrogates.models.shipped import load_shipped
from hepsurrogates.processors.demo import demo_fileset
from hepsurrogates.processors.ditau import DiTauMassProcessor
from hepsurrogates.processors.runner import dask_client, run_processor

SCHEDULER = os.environ.get("HEPSURROGATES_SCHEDULER")  # e.g. "tcp://dask-scheduler:8786"
OUT = os.environ.get("HEPSURROGATES_EXAMPLE_OUT", "example_output")
fileset = demo_fileset()

# %% [markdown]
# The shipped bundle is one ONNX file with its card; loading checks the card against its
# schema and the graph. The card says what the model expects and how it was validated.

# %%
bundle = load_shipped("ditau_mass", family="ditau")
card = bundle.card
print(card["name"], card["network"]["hidden"], "inputs:", card["inputs"]["width"])
print("validated:", card["metrics"]["independent_sample"]["m_ML"]["resolution_mean_100_800_percent"], "% resolution")

# %% [markdown]
# The processor attaches `Surrogate_mTauTau` (and FastMTT), fills histograms per channel and
# writes a skim. The same object runs in coffea's `processor.Runner` or, as here, in dask mode.

# %%
proc = DiTauMassProcessor(bundle, with_fastmtt=True, skim_dir=f"{OUT}/skim")
with dask_client(scheduler=SCHEDULER, workers=2) as client:
    results = run_processor(fileset, proc, executor="dask", client=client)
for name, res in results.items():
    print(name, res["entries"], "events,", res["with_pair"], "di-tau pairs", dict(res["channels"]))

# %% [markdown]
# The histograms are `hist` objects: slice by channel, project, plot.

# %%
h = results["htautau"]["hists"]["m_ml"]
for i, channel in enumerate(CHANNELS):
    one = h[{"channel": i}]
    centres = one.axes[0].centers
    mean = float(np.average(centres, weights=one.values())) if one.values().sum() else float("nan")
    print(f"{channel}: {one.sum().value:5.0f} events, mean m_ML {mean:6.1f} GeV")

# %% [markdown]
# The skim reads back with NanoAODSchema; the generated Higgs mass is in it, so the two
# estimators can be compared event by event.

# %%
from pathlib import Path

from hepsurrogates.nanoio import open_events

files = sorted(Path(OUT, "skim").glob("htautau-*.root"))
columns = {k: [] for k in ("true", "mTauTau", "mTauTauFastMTT")}
for f in files:  # one file at a time: NanoEvents of different files are not concatenated
    events = open_events(f)
    columns["true"].append(ak.to_numpy(events.Teacher.higgsMass))
    for name in ("mTauTau", "mTauTauFastMTT"):
        columns[name].append(ak.to_numpy(events.Surrogate[name]))
true = np.concatenate(columns["true"])
for name in ("mTauTau", "mTauTauFastMTT"):
    r = np.concatenate(columns[name]) / true
    q16, q50, q84 = np.quantile(r, [0.16, 0.5, 0.84])
    print(f"{name:16s} median response {q50:.3f}, resolution {100 * 0.5 * (q84 - q16) / q50:.1f} %")
