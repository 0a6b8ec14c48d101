# %% [markdown]
# # Surrogate columns at an analysis facility
#
# A notebook in jupytext "percent" format: open it in Jupyter with jupytext (the tests execute
# it the way a kernel does). To run it from a shell, execute it as a kernel would,
# `python -c "exec(open('examples/analysis_facility.py').read())"`: Dask starts its local workers
# with "spawn", which re-imports a script's file in every worker (Python's multiprocessing rule),
# and this notebook has no `if __name__ == "__main__":` guard.
#
# It attaches every registered family in one pass to NanoAOD events on a Dask cluster: the di-τ
# mass m_ML (`ditau`, with FastMTT beside it) and the MEM weights and discriminant (`mem`), each
# learned column with its training-domain flag.
#
# On a facility, point `SCHEDULER` at the cluster you were given (a dask-gateway or
# dask-jobqueue cluster's `scheduler_address`) and `FILESET` at your fileset JSON; by default
# the example starts a local cluster and uses the samples shipped with the package.

# %%
import os

import awkward as ak
import numpy as np

from hepsurrogates.cluster import dask_client
from hepsurrogates.families import REGISTRY
from hepsurrogates.models.ditau.features import CHANNELS
from hepsurrogates.processors.base import SurrogateProcessor
from hepsurrogates.processors.demo import demo_fileset
from hepsurrogates.processors.runner import run_processor

SCHEDULER = os.environ.get("HEPSURROGATES_SCHEDULER")  # e.g. "tcp://dask-scheduler:8786"
OUT = os.environ.get("HEPSURROGATES_EXAMPLE_OUT", "example_output")
fileset = demo_fileset()

# %% [markdown]
# The registry says what each family attaches, with units, and which teacher column each
# learned column learns (the same quantity under the same name).

# %%
for name, family in REGISTRY.items():
    print(f"{name}: {family.title}")
    for column in family.columns:
        learned = f"learns Teacher_{column.teacher_column}" if column.learned else "not learned"
        print(f"  Surrogate_{column.name} [{column.unit or '1'}]: {column.description} ({learned})")

# %% [markdown]
# One processor attaches both families in one read of the data. Each family's part is built from
# its run options (here the defaults, the settings the shipped bundles were trained with, plus
# FastMTT for the comparison).

# %%
attachers = [REGISTRY["ditau"].load("attacher")(with_fastmtt=True), REGISTRY["mem"].load("attacher")()]
proc = SurrogateProcessor(attachers, skim_dir=f"{OUT}/skim")
with dask_client(scheduler=SCHEDULER, workers=2) as client:
    results = run_processor(fileset, proc, executor="dask", client=client)
for name, res in results.items():
    selected = {f: int(r["selected"]) for f, r in res["families"].items()}
    print(name, res["entries"], "events, selected:", selected)

# %% [markdown]
# The histograms are `hist` objects: slice by channel, project, plot.

# %%
h = results["htautau"]["families"]["ditau"]["hists"]["m_ml"]
for i, channel in enumerate(CHANNELS):
    one = h[{"channel": i}]
    centres = one.axes[0].centers
    mean = float(np.average(centres, weights=one.values())) if one.values().sum() else float("nan")
    print(f"{channel}: {one.sum().value:5.0f} events, mean m_ML {mean:6.1f} GeV")

# %% [markdown]
# The skim reads back with NanoAODSchema; the generated di-τ mass (`Teacher_mTauTau`) is in it,
# so the two estimators can be compared event by event, and so can the domain flag.

# %%
from pathlib import Path  # noqa: E402

from hepsurrogates.nanoio import open_events  # noqa: E402

files = sorted(Path(OUT, "skim").glob("htautau-*.root"))
columns = {k: [] for k in ("true", "mTauTau", "mTauTauFastMTT", "mTauTau_inDomain")}
for f in files:  # one file at a time: NanoEvents of different files are not concatenated
    events = open_events(f)
    columns["true"].append(ak.to_numpy(events.Teacher.mTauTau))
    for name in ("mTauTau", "mTauTauFastMTT", "mTauTau_inDomain"):
        columns[name].append(ak.to_numpy(events.Surrogate[name]))
data = {k: np.concatenate(v) for k, v in columns.items()}
pair = np.isfinite(data["mTauTau"])
for name in ("mTauTau", "mTauTauFastMTT"):
    r = data[name][pair] / data["true"][pair]
    q16, q50, q84 = np.quantile(r, [0.16, 0.5, 0.84])
    print(f"{name:16s} median response {q50:.3f}, resolution {100 * 0.5 * (q84 - q16) / q50:.1f} %")
print(f"m_ML inside its training domain for {100 * data['mTauTau_inDomain'][pair].mean():.1f} % of the pairs")

# %% [markdown]
# The MEM discriminant D on the tt̄ and Drell–Yan + jets skims.

# %%
for dataset in ("ttbar_dilepton", "dy_jets"):
    skims = sorted(Path(OUT, "skim").glob(f"{dataset}-*.root"))
    d = np.concatenate([ak.to_numpy(open_events(f).Surrogate.memD) for f in skims])
    d = d[np.isfinite(d)]
    print(f"{dataset}: {len(d)} ll+bb events, median log10 D = {np.median(np.log10(d)):.2f}")
