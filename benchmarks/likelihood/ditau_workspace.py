"""Build the project's own published-style likelihood: m_ML histograms of H(125) → ττ and Z → ττ → pyhf workspace.

Events (Pythia 8 + the project's detector) → ``DiTauMassProcessor`` (the shipped m_ML bundle) →
m_ML histograms at the nominal τ energy scale and with ``Tau.pt`` scaled by 1 ± TES → the
``hepsurrogates likelihood workspace`` verb (training.likelihood.cli.workspace) → a pyhf workspace
with a luminosity, a background normalisation, a TES shape uncertainty and per-bin MC statistics.

Samples (generated if absent, the commands this script runs):

    hepsurrogates generate htautau --events 4000 --seed 161 --option mass_min=124 --option mass_max=126 \
        --out D/htautau125
    hepsurrogates generate dy_ll --events 8000 --seed 162 --option tautau_only=1 --out D/ztautau

Normalisation (a benchmark choice, stated in the result): the background expectation is the
Z → ττ sample itself (the luminosity at which the generated events are the expected ones; 364 of
8000 pass the analysis selection), the signal is normalised to ``--signal-events`` (30) expected
events after selection so that the limit on μ lands at O(1); m_ML in [40, 200] GeV, 20 GeV bins
(above 200 GeV the Z → ττ sample is empty, which the workspace builder refuses); observed counts
are a Poisson draw (seed 7) of the expected background. Only
``Tau.pt`` is shifted (MET is not recomputed), as the family's brief allows.

    python benchmarks/likelihood/ditau_workspace.py --data /work/data/likelihood/ditau
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import awkward as ak

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


def histograms(fileset: Path, shift: float, out: Path, dataset: str) -> Path:
    """Run DiTauMassProcessor on every file of ``fileset`` with Tau.pt × (1 + shift); write hists.pkl
    in the layout of ``hepsurrogates run`` (:func:`~hepsurrogates.processors.outputs.histogram_payload`)."""
    from coffea.processor import accumulate
    from coffea.util import save

    from hepsurrogates.models.shipped import load_shipped
    from hepsurrogates.nanoio import open_events
    from hepsurrogates.processors.ditau.processor import DiTauMassProcessor
    from hepsurrogates.processors.outputs import histogram_payload

    proc = DiTauMassProcessor(load_shipped("ditau_mass", family="ditau"))
    files = json.loads(fileset.read_text())
    paths = [p for entry in files.values() for p in entry["files"]]
    outputs = []
    for path in paths:
        events = open_events(path, mode="eager", metadata={"dataset": dataset})
        if shift:
            events["Tau"] = ak.with_field(events.Tau, events.Tau.pt * (1.0 + shift), "pt")
        outputs.append(proc.process(events))
    out.parent.mkdir(parents=True, exist_ok=True)
    save(histogram_payload(accumulate(outputs)), str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="/work/data/likelihood/ditau")
    ap.add_argument("--tes", type=float, default=0.03, help="relative tau energy scale shift (default 3 %%)")
    ap.add_argument("--signal-events", type=float, default=30.0)
    ap.add_argument("--mass-low", type=float, default=40.0)
    ap.add_argument("--mass-high", type=float, default=200.0)
    ap.add_argument("--rerun", action="store_true", help="re-run the processor even where hists/*.pkl exist")
    ap.add_argument("--rebin", type=int, default=2)
    args = ap.parse_args(argv)
    data = Path(args.data)
    t0 = time.perf_counter()
    from hepsurrogates.datasets import generate

    samples = {"htautau125": ("htautau", 4000, 161, {"mass_min": 124.0, "mass_max": 126.0}),
               "ztautau": ("dy_ll", 8000, 162, {"tautau_only": 1.0})}
    for name, (sample, n, seed, options) in samples.items():
        if not (data / name / "fileset.json").is_file():
            generate(sample, n, seed, data / name, options=options, progress=False)
    hists = {}
    for name in samples:
        for tag, shift in (("nominal", 0.0), ("up", args.tes), ("down", -args.tes)):
            path = data / "hists" / f"{name}_{tag}.pkl"
            hists[(name, tag)] = path if path.is_file() and not args.rerun else histograms(
                data / name / "fileset.json", shift, path, name)
    from hepsurrogates.training.likelihood.cli import workspace
    from hepsurrogates.training.likelihood.histogram_files import read_run_histogram

    sig = read_run_histogram(hists[("htautau125", "nominal")], "m_ml", (args.mass_low, args.mass_high), args.rebin)[0]
    summary = workspace(
        signal=str(hists[("htautau125", "nominal")]), background=str(hists[("ztautau", "nominal")]),
        signal_up=str(hists[("htautau125", "up")]), signal_down=str(hists[("htautau125", "down")]),
        background_up=str(hists[("ztautau", "up")]), background_down=str(hists[("ztautau", "down")]),
        out=str(data / "ditau_workspace.json"), mass_low=args.mass_low, mass_high=args.mass_high, rebin=args.rebin,
        signal_scale=args.signal_events / float(sig.sum()), background_scale=1.0,
    )
    summary.update({"tes": args.tes, "signal_events": args.signal_events, "seconds": time.perf_counter() - t0,
                    "normalisation": "background: the generated Z->tautau events; signal: normalised to "
                                     f"{args.signal_events} expected events after selection; "
                                     "observed: Poisson(background)"})
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "likelihood_ditau_workspace.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "parameters"}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
