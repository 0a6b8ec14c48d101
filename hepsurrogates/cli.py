"""The ``hepsurrogates`` command line.

Sub-commands register themselves in :data:`COMMANDS`; each maps parsed arguments to a
function. Errors derived from :class:`~hepsurrogates.exceptions.HepSurrogatesError` are
printed as one line on stderr and turned into their exit code (see ``exceptions``); argparse
usage errors exit with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from hepsurrogates import __version__
from hepsurrogates.exceptions import HepSurrogatesError, InvalidArgumentError

__all__ = ["main", "build_parser"]

Handler = Callable[[argparse.Namespace], int]


def _key_value(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"option {key!r} needs a number, got {value!r}") from None


def _cmd_generate(args: argparse.Namespace) -> int:
    from hepsurrogates.datasets import generate, get_sample, sample_names

    if args.list:
        for name in sample_names():
            spec = get_sample(name)
            print(f"{name:10s} {spec.description}  options: {dict(spec.options)}")
        return 0
    if args.sample is None:
        raise InvalidArgumentError("generate needs a SAMPLE (see --list)")
    result = generate(
        args.sample, n_events=args.events, seed=args.seed, out_dir=args.out,
        workers=args.workers, chunk_size=args.chunk_size, options=dict(args.option or []),
        extra_settings=args.pythia or (), progress=not args.quiet,
    )
    summary = {
        "sample": result.sample, "events": result.n_events, "files": len(result.files),
        "fileset": str(result.fileset), "xsec_pb": result.sigma_gen_pb,
        "wall_seconds": round(result.wall_seconds, 2),
    }
    print(json.dumps(summary))
    return 0


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a Pythia 8 sample in NanoAOD form",
                       description="Generate events with Pythia 8, cluster GenJets with fastjet, "
                                   "simulate the CMS-like detector and write NanoAOD-style files "
                                   "plus a coffea fileset JSON.")
    p.add_argument("sample", nargs="?", help="sample name (see --list)")
    p.add_argument("--events", "-n", type=int, default=1000, help="number of events (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--out", default="samples", help="output directory (default ./samples)")
    p.add_argument("--workers", "-j", type=int, default=1, help="parallel processes (default 1)")
    p.add_argument("--chunk-size", type=int, default=None, help="events per file (default per sample)")
    p.add_argument("--option", action="append", type=_key_value, metavar="KEY=VALUE",
                   help="sample option, e.g. mass_min=100 (repeatable)")
    p.add_argument("--pythia", action="append", metavar="SETTING",
                   help="extra Pythia setting, e.g. 'PartonLevel:MPI = off' (repeatable)")
    p.add_argument("--list", action="store_true", help="list the samples and exit")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cmd_generate)


def _cmd_train_mem(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from hepsurrogates.training.mem.train import MEMTrainConfig, train_mem

    if not args.data or not args.teacher:
        raise InvalidArgumentError("train mem needs --data FILESET and --teacher TEACHDIR (the output of 'teach mem')")
    cfg = MEMTrainConfig.from_json(args.config) if args.config else MEMTrainConfig()
    if args.hypothesis:
        cfg = replace(cfg, hypothesis=args.hypothesis)
        cfg.validate("--hypothesis")
    command = (f"hepsurrogates train mem --hypothesis {cfg.hypothesis} --data {' '.join(args.data)} "
               f"--teacher {' '.join(args.teacher)}"
               + (f" --config {args.config}" if args.config else "") + f" --out {args.out}")
    result = train_mem(cfg, args.out, fileset=args.data, teacher_dir=args.teacher, progress=not args.quiet,
                       command=command)
    test = result.metrics["test_split"]
    print(json.dumps({
        "bundle": str(result.bundle_path), "hypothesis": cfg.hypothesis,
        "test_bias": test["bias"], "test_resolution": test["resolution"],
        "published": {k: result.metrics["published_reference"][k] for k in ("bias", "resolution")},
        "n_train": result.n_events["train"], "n_test": result.n_events["test"],
        "epochs": len(result.history.train_loss), "parity": result.parity,
    }))
    return 0


def _cmd_train(args: argparse.Namespace) -> int:
    if args.family == "mem":
        return _cmd_train_mem(args)
    if args.family != "ditau":
        raise InvalidArgumentError(f"train: unknown family {args.family!r} (available: ditau, mem)")
    from hepsurrogates.training.ditau.train import DiTauTrainConfig, train_ditau

    if args.data and len(args.data) > 1:
        raise InvalidArgumentError("train ditau takes one --data fileset")

    cfg = DiTauTrainConfig.from_json(args.config) if args.config else DiTauTrainConfig()
    command = "hepsurrogates train ditau" + (f" --config {args.config}" if args.config else "") + f" --out {args.out}"
    result = train_ditau(cfg, args.out, samples_dir=args.samples_dir, train_fileset=args.data[0] if args.data else None,
                         progress=not args.quiet, command=command)
    ind = result.metrics.get("independent_sample") or result.metrics["test_split"]
    print(json.dumps({
        "bundle": str(result.bundle_path),
        "resolution_100_800_percent": {k: ind[k]["resolution_mean_100_800_percent"] for k in ("m_ML", "FastMTT")},
        "max_median_response_deviation_70_800": ind["m_ML"]["max_abs_median_response_deviation_70_800"],
        "epochs": len(result.history.train_loss),
    }))
    return 0


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a surrogate and write its bundle and validation report")
    p.add_argument("family", help="surrogate family (ditau, mem)")
    p.add_argument("--config", help="training configuration JSON (default: the published settings)")
    p.add_argument("--data", nargs="+", help="fileset JSON of the training sample (default: generate it from the "
                                             "config; required for mem, where several may be given, one per --teacher)")
    p.add_argument("--hypothesis", choices=["DY", "TT", "HZA"], help="mem: the MEM hypothesis (default: the config's, DY)")
    p.add_argument("--teacher", nargs="+", help="mem: output directory of 'hepsurrogates teach mem' with the targets "
                                                "(one per --data fileset)")
    p.add_argument("--samples-dir", default="samples", help="where configured samples are found or generated")
    p.add_argument("--out", required=True, help="output directory for the bundle and reports/")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(handler=_cmd_train)


def _cmd_run(args: argparse.Namespace) -> int:
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.models.bundle import ModelBundle
    from hepsurrogates.models.shipped import load_shipped
    from hepsurrogates.processors.ditau import DiTauMassProcessor
    from hepsurrogates.processors.outputs import save_results
    from hepsurrogates.processors.runner import run_processor

    unknown = [s for s in args.surrogates if s not in ("ditau", "mem")]
    if unknown:
        raise InvalidArgumentError(f"run: unknown surrogate(s) {unknown} (available: ditau, mem)")
    if args.scheduler and args.workers:
        raise InvalidArgumentError("run: give --scheduler or --workers, not both")
    if "mem" in args.surrogates:
        if set(args.surrogates) != {"mem"}:
            raise InvalidArgumentError("run: attach ditau and mem in separate runs (each writes its own --out)")
        return _cmd_run_mem(args)
    fileset = load_fileset(args.fileset)
    bundle = ModelBundle.load(args.bundle, family="ditau") if args.bundle else load_shipped("ditau_mass", family="ditau")
    out = Path(args.out)
    skim_dir = None if args.skim == "none" else str(out / "skim")
    proc = DiTauMassProcessor(bundle, selection=args.selection, with_fastmtt=args.with_fastmtt,
                              skim_dir=skim_dir, skim_format="root" if args.skim == "none" else args.skim)
    results = run_processor(fileset, proc, executor=args.executor, scheduler=args.scheduler,
                            workers=args.workers or 1, chunksize=args.chunksize, progress=not args.quiet)
    summary = save_results(results, out, extra={"bundle": bundle.path, "executor": args.executor,
                                                "scheduler": args.scheduler or f"LocalCluster({args.workers or 1})"})
    print(json.dumps({"out": str(out), "datasets": summary["datasets"]}))
    return 0


def _cmd_run_mem(args: argparse.Namespace) -> int:
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.processors.mem import MEMProcessor, load_mem_bundles, save_mem_results
    from hepsurrogates.processors.runner import run_processor

    points = []
    for text in args.mem_hza_point or ["261.40,150.50"]:
        try:
            m_h, m_a = (float(v) for v in text.split(","))
        except ValueError:
            raise InvalidArgumentError(f"--mem-hza-point: expected MH,MA in GeV (e.g. 261.40,150.50), got {text!r}") from None
        points.append((m_h, m_a))
    fileset = load_fileset(args.fileset)
    bundles = load_mem_bundles(args.mem_bundle_dir) if args.mem_bundle_dir else None  # None: the shipped ones
    out = Path(args.out)
    skim_dir = None if args.skim == "none" else str(out / "skim")
    proc = MEMProcessor(bundles, hza_points=points, gamma=args.mem_gamma, skim_dir=skim_dir,
                        skim_format="root" if args.skim == "none" else args.skim)
    results = run_processor(fileset, proc, executor=args.executor, scheduler=args.scheduler,
                            workers=args.workers or 1, chunksize=args.chunksize, progress=not args.quiet)
    used = {h: c.bundle.path for h, c in proc.columns.items()}
    summary = save_mem_results(results, out, extra={"bundles": used, "columns": proc.output_fields, "gamma": proc.gamma,
                                                    "executor": args.executor,
                                                    "scheduler": args.scheduler or f"LocalCluster({args.workers or 1})"})
    print(json.dumps({"out": str(out), "columns": proc.output_fields, "datasets": summary["datasets"]}))
    return 0


def _add_run(sub: argparse._SubParsersAction) -> None:
    from hepsurrogates.processors.runner import EXECUTORS

    p = sub.add_parser("run", help="attach surrogate columns to a fileset: histograms, skim, summary")
    p.add_argument("--fileset", required=True, help="coffea fileset JSON")
    p.add_argument("--surrogates", nargs="+", default=["ditau"], help="surrogate family to attach (ditau or mem)")
    p.add_argument("--bundle", help="model bundle (default: the shipped one)")
    p.add_argument("--mem-bundle-dir", help="mem: directory with mem_dy.onnx, mem_tt.onnx, mem_hza.onnx (those "
                                            "present are used; default: the shipped MEM bundles)")
    p.add_argument("--mem-hza-point", action="append", metavar="MH,MA",
                   help="mem: H->ZA mass point in GeV (repeatable; default 261.40,150.50)")
    p.add_argument("--mem-gamma", type=float, default=1.0, help="mem: gamma of D = W_tt/(W_tt + gamma W_DY) (default 1)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
    where.add_argument("--workers", type=int, help="local Dask workers / processes (default 1)")
    p.add_argument("--executor", choices=EXECUTORS, default="dask", help="execution path (default dask)")
    p.add_argument("--chunksize", type=int, default=100_000, help="events per task")
    p.add_argument("--selection", choices=["analysis", "loose"], default="analysis", help="di-tau object selection")
    p.add_argument("--with-fastmtt", action="store_true", help="also attach the FastMTT mass")
    p.add_argument("--skim", choices=["root", "parquet", "none"], default="root", help="skim format (default root)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(handler=_cmd_run)


def _cmd_teach(args: argparse.Namespace) -> int:
    if args.family != "mem":
        raise InvalidArgumentError(f"teach: unknown family {args.family!r} (available: mem)")
    from hepsurrogates.datasets.teachers.mem.teach import teach_mem

    points = []
    for text in args.hza_point or []:
        try:
            m_h, m_a = (float(v) for v in text.split(","))
        except ValueError:
            raise InvalidArgumentError(f"--hza-point: expected MH,MA in GeV (e.g. 261.40,150.50), got {text!r}") from None
        points.append((m_h, m_a))
    result = teach_mem(args.fileset, args.out, args.hypotheses, hza_points=points,
                       workers=1 if args.workers is None else args.workers, scheduler=args.scheduler,
                       chunksize=args.chunksize, max_events=args.max_events, rel_accuracy=args.rel_accuracy,
                       neval=args.neval, bjet_response=args.bjet_response, seed=args.seed, overwrite=args.overwrite, progress=not args.quiet)
    print(json.dumps(result.summary()))
    return 0


def _add_teach(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teach", help="compute teacher targets over a fileset (resumable, on Dask)",
                       description="Run the MEM teacher hypotheses on the ll+bb events of a fileset, one "
                                   "parquet file per chunk under OUT/<dataset>/ plus OUT/manifest.json; "
                                   "rerunning skips finished chunks.")
    p.add_argument("family", help="teacher family (mem)")
    p.add_argument("--fileset", required=True, help="coffea fileset JSON")
    p.add_argument("--hypotheses", nargs="+", default=["memDY"], help="memDY, memTT, memHZA (default memDY)")
    p.add_argument("--hza-point", action="append", metavar="MH,MA", help="H->ZA mass point in GeV (repeatable)")
    p.add_argument("--out", required=True, help="output directory")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="local Dask workers (default 1; 0: no Dask)")
    where.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
    p.add_argument("--chunksize", type=int, default=2000, help="events per chunk (default 2000)")
    p.add_argument("--max-events", type=int, help="at most this many events per dataset")
    p.add_argument("--rel-accuracy", type=float, default=0.01, help="VEGAS relative accuracy (default 0.01)")
    p.add_argument("--neval", type=int, help="VEGAS points per iteration (default: each teacher's own)")
    p.add_argument("--bjet-response", type=float,
                   help="memHZA: mean b-jet energy response of the transfer function (default 1; 0.871 calibrated)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--overwrite", action="store_true", help="recompute chunks written with other options")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cmd_teach)


def _cmd_demo(args: argparse.Namespace) -> int:
    from hepsurrogates.processors.demo import format_summary, run_demo

    fileset = None
    if args.generate:
        from hepsurrogates.datasets import generate

        gen_dir = Path(args.out) / "samples"
        fileset = {}
        for sample, seed, options in (("htautau", 101, {}), ("dy_ll", 102, {"tautau_only": 1})):
            r = generate(sample, args.events, seed=seed, out_dir=gen_dir, workers=args.workers, options=options,
                         progress=not args.quiet)
            fileset[sample] = {"files": {str(f): "Events" for f in r.files}}
    summary = run_demo(args.out, workers=args.workers, fileset=fileset, progress=not args.quiet)
    print(format_summary(summary))
    return 0


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the main job on the embedded default (shipped samples and bundle)")
    p.add_argument("--out", default="demo_output", help="output directory (default ./demo_output)")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers (default 2)")
    p.add_argument("--generate", action="store_true", help="generate fresh samples with Pythia instead")
    p.add_argument("--events", type=int, default=2000, help="events per sample with --generate")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(handler=_cmd_demo)


#: sub-command name -> function adding its parser
COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "generate": _add_generate,
    "teach": _add_teach,
    "train": _add_train,
    "run": _add_run,
    "demo": _add_demo,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hepsurrogates",
        description="Neural surrogates for expensive per-event HEP computations.",
    )
    parser.add_argument("--version", action="version", version=f"hepsurrogates {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except HepSurrogatesError as err:
        print(f"hepsurrogates {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print(f"hepsurrogates {args.command}: interrupted", file=sys.stderr)
        return 130
