"""The ``hepsurrogates`` command line, built from the family registry.

``generate`` makes samples; ``teach FAMILY``, ``train FAMILY`` and ``run --surrogates F1 F2 ...``
take the options each family declares (:mod:`hepsurrogates.families`, :mod:`.cli_options`): an
option given for a family it does not apply to is refused, never ignored, and the defaults are
the settings the shipped bundles used. ``demo`` runs the main job on the embedded default.
Errors derived from :class:`~hepsurrogates.exceptions.HepSurrogatesError` are printed as one
line on stderr and turned into their exit code (see ``exceptions``); argparse usage errors exit
with 2.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hepsurrogates import __version__
from hepsurrogates.cli_options import add_family_options, family_options
from hepsurrogates.cluster import check_scheduler_address, check_workers
from hepsurrogates.exceptions import HepSurrogatesError, InvalidArgumentError
from hepsurrogates.families import REGISTRY, families_with, get_family
from hepsurrogates.outdir import OutputDirectory

__all__ = ["main", "build_parser", "COMMANDS"]

Handler = Callable[[argparse.Namespace], int]


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Shows the defaults of the generic options and keeps the examples' line breaks."""


def _key_value(text: str) -> tuple[str, float]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"option {key!r} needs a number, got {value!r}") from None


def _print_json(data: Any) -> None:
    from hepsurrogates.jsonout import dumps

    print(dumps(data))


# ---------------------------------------------------------------------------------- generate


def _cmd_generate(args: argparse.Namespace) -> int:
    from hepsurrogates.datasets import generate, get_sample, sample_names

    if args.list:
        names = sample_names()
        width = max(len(n) for n in names)
        for name in names:
            spec = get_sample(name)
            options = ", ".join(f"{k}={v:g}" for k, v in spec.options.items())
            print(f"{name:{width}s}  {spec.description}\n{'':{width}s}  options: {options}")
        return 0
    if args.sample is None:
        raise InvalidArgumentError("generate needs a SAMPLE (see --list)")
    result = generate(
        args.sample, n_events=args.events, seed=args.seed, out_dir=args.out,
        workers=args.workers, chunk_size=args.chunk_size, options=dict(args.option or []),
        extra_settings=args.pythia or (), progress=not args.quiet, detector_replica=args.detector_replica,
    )
    _print_json({
        "sample": result.sample, "events": result.n_events, "files": len(result.files),
        "fileset": str(result.fileset), "xsec_pb": result.sigma_gen_pb,
        "wall_seconds": round(result.wall_seconds, 2),
    })
    return 0


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="generate a Pythia 8 sample in NanoAOD form", formatter_class=_Formatter,
                       description="Generate events with Pythia 8, cluster GenJets with fastjet, simulate the "
                                   "CMS-like detector and write NanoAOD-style files plus a coffea fileset JSON.",
                       epilog="examples:\n  hepsurrogates generate --list\n"
                              "  hepsurrogates generate htautau --events 100000 --seed 1 --workers 2 --out samples\n"
                              "  hepsurrogates generate dy_ll -n 50000 --seed 2 --option mll_min=60 --out samples")
    p.add_argument("sample", nargs="?", help="sample name (see --list)")
    p.add_argument("--events", "-n", type=int, default=1000, help="number of events")
    p.add_argument("--seed", type=int, default=1, help="random seed")
    p.add_argument("--out", default="samples", help="output directory")
    p.add_argument("--workers", "-j", type=int, default=1, help="parallel processes")
    p.add_argument("--chunk-size", type=int, default=None, help="events per file (default: the sample's)")
    p.add_argument("--option", action="append", type=_key_value, metavar="KEY=VALUE",
                   help="sample option, e.g. mll_min=60 (repeatable)")
    p.add_argument("--pythia", action="append", metavar="SETTING",
                   help="extra Pythia setting, e.g. 'PartonLevel:MPI = off' (repeatable)")
    p.add_argument("--detector-replica", type=int, default=0, metavar="R",
                   help="R > 0: the same generated events (same seed) through an independent detector smearing "
                        "(dataset <sample>_r<R> in the fileset)")
    p.add_argument("--list", action="store_true", help="list the samples and their options, and exit")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.set_defaults(handler=_cmd_generate)


# ---------------------------------------------------------------------------------- teach


def _cmd_teach(args: argparse.Namespace) -> int:
    spec = get_family(args.family)
    options = family_options(args, "teach", [spec.name], [spec.name])[spec.name]
    teach = spec.load("teacher")
    summary = teach(fileset=args.fileset, out=args.out, workers=args.workers, scheduler=args.scheduler,
                    max_events=args.max_events, seed=args.seed, overwrite=args.overwrite, progress=not args.quiet,
                    **options)
    _print_json(summary)
    return 0


def _add_teach(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("teach", help="compute teacher targets over a fileset (resumable, on Dask)",
                       formatter_class=_Formatter,
                       description="Run a family's teacher (the expensive computation its surrogate learns) "
                                   "over a fileset, chunk by chunk on Dask: one parquet file per chunk under "
                                   "OUT/<dataset>/ plus OUT/manifest.json; rerunning skips finished chunks. "
                                   "Each Teacher_<name> column holds the quantity of the Surrogate_<name> "
                                   "column that learns it. 'hepsurrogates teach FAMILY --help' lists the "
                                   "family's options.",
                       epilog="example:\n  hepsurrogates teach mem --fileset samples/fileset.json --out teach "
                              "--workers 2")
    fams = p.add_subparsers(dest="family", metavar="FAMILY", required=True)
    for name in families_with("teacher"):
        spec = get_family(name)
        q = fams.add_parser(name, help=spec.title, formatter_class=_Formatter, description=spec.description,
                            epilog=_teach_examples(name))
        q.add_argument("--fileset", required=True, help="coffea fileset JSON")
        q.add_argument("--out", required=True, help="output directory")
        where = q.add_mutually_exclusive_group()
        where.add_argument("--workers", type=int, default=1, help="local Dask workers (0: no Dask)")
        where.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
        q.add_argument("--max-events", type=int, help="at most this many events per dataset (default: all)")
        q.add_argument("--seed", type=int, default=0, help="base seed of the per-chunk seeds")
        q.add_argument("--overwrite", action="store_true", help="recompute chunks written with other options")
        q.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
        add_family_options(q, "teach", [name])
        q.set_defaults(handler=_cmd_teach)


def _teach_examples(name: str) -> str:
    if name == "mem":
        return ("examples:\n  hepsurrogates teach mem --fileset samples/fileset.json --out teach --workers 2\n"
                "  hepsurrogates teach mem --fileset F --hypotheses memHZA --hza-point 261.40,150.50 --out teach_hza")
    return f"example:\n  hepsurrogates teach {name} --fileset samples/fileset.json --out teach_{name}"


# ---------------------------------------------------------------------------------- train


def _cmd_train(args: argparse.Namespace) -> int:
    spec = get_family(args.family)
    options = family_options(args, "train", [spec.name], [spec.name])[spec.name]
    train = spec.load("trainer")
    summary = train(config=args.config, data=args.data, out=args.out, progress=not args.quiet,
                    command=args.command_line, **options)
    _print_json(summary)
    return 0


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a surrogate and write its bundle and validation report",
                       formatter_class=_Formatter,
                       description="Train a family's surrogate and write one bundle (ONNX with its card) and "
                                   "its validation report (reports/<bundle>/). The shipped bundles are rebuilt "
                                   "with their configs, models/shipped/<bundle>.train.json. 'hepsurrogates train "
                                   "FAMILY --help' lists the family's options.",
                       epilog="examples:\n"
                              "  hepsurrogates train ditau --config models/shipped/ditau_mass.train.json "
                              "--out models/shipped\n"
                              "  hepsurrogates train mem --config models/shipped/mem_dy.train.json --data F1 F2 "
                              "--teacher T1 T2 --out bundles")
    fams = p.add_subparsers(dest="family", metavar="FAMILY", required=True)
    for name in families_with("trainer"):
        spec = get_family(name)
        q = fams.add_parser(name, help=spec.title, formatter_class=_Formatter, description=spec.description,
                            epilog=_train_examples(name))
        q.add_argument("--config", help="training configuration JSON (default: the published settings)")
        q.add_argument("--data", nargs="+", metavar="FILESET", help="fileset JSON(s) of the training sample")
        q.add_argument("--out", required=True, help="output directory for the bundle and reports/")
        q.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
        add_family_options(q, "train", [name])
        q.set_defaults(handler=_cmd_train)


def _train_examples(name: str) -> str:
    if name == "mem":
        return ("example:\n  hepsurrogates train mem --config models/shipped/mem_dy.train.json "
                "--data F1 F2 --teacher T1 T2 --out bundles")
    return (f"example:\n  hepsurrogates train {name} --config models/shipped/{get_family(name).bundles[0]}.train.json "
            "--out models/shipped")


# ---------------------------------------------------------------------------------- run


def _user_bundles(paths: Sequence[str], directory: str | None, families: Sequence[str]) -> dict[str, list[Any]]:
    """The bundles given with --bundle / --bundle-dir, by family; each must belong to a requested family."""
    from hepsurrogates.exceptions import MissingInputFileError
    from hepsurrogates.models.bundle import ModelBundle

    files = [Path(p) for p in paths]
    if directory:
        d = Path(directory)
        if not d.is_dir():
            raise MissingInputFileError(f"--bundle-dir: directory not found: {d}")
        found = sorted(d.glob("*.onnx"))
        if not found:
            raise MissingInputFileError(f"--bundle-dir: {d} holds no .onnx bundle")
        files += found
    out: dict[str, list[Any]] = {}
    for f in files:
        bundle = ModelBundle.load(f)
        if bundle.family not in families:
            raise InvalidArgumentError(f"{f} is a {bundle.family!r} bundle, and this run attaches "
                                       f"{', '.join(families)}: it would be ignored")
        out.setdefault(bundle.family, []).append(bundle)
    return out


def _cmd_run(args: argparse.Namespace) -> int:
    from hepsurrogates.fileset import load_fileset
    from hepsurrogates.processors.base import SurrogateProcessor
    from hepsurrogates.processors.outputs import save_results
    from hepsurrogates.processors.runner import run_processor

    families = list(dict.fromkeys(args.surrogates))
    runnable = families_with("attacher")
    unknown = [f for f in families if f not in runnable]
    if unknown:
        raise InvalidArgumentError(f"run: unknown surrogate family {unknown[0]!r} "
                                   f"(available: {', '.join(runnable)})")
    options = family_options(args, "run", families, runnable)
    if args.workers is not None:
        check_workers(args.workers)
    if args.scheduler is not None:
        check_scheduler_address(args.scheduler)
    if args.chunksize <= 0:
        raise InvalidArgumentError(f"--chunksize must be a positive number of events, got {args.chunksize}")
    fileset = load_fileset(args.fileset)
    bundles = _user_bundles(args.bundle or [], args.bundle_dir, families)
    attachers = [get_family(f).load("attacher")(bundles=bundles.get(f, []), **options[f]) for f in families]
    with OutputDirectory(args.out, subdirs=() if args.skim == "none" else ("skim",)) as target:
        out = target.path
        skim_dir = None if args.skim == "none" else str(out / "skim")
        proc = SurrogateProcessor(attachers, skim_dir=skim_dir,
                                  skim_format="root" if args.skim == "none" else args.skim)
        results = run_processor(fileset, proc, executor=args.executor, scheduler=args.scheduler,
                                workers=args.workers, chunksize=args.chunksize, progress=not args.quiet)
        summary = save_results(results, out, proc, extra={
            "command": args.command_line, "executor": args.executor,
            "scheduler": args.scheduler or f"LocalCluster({args.workers or 1})", "options": options})
    _print_json({"out": str(out), "columns": summary["columns"], "datasets": summary["datasets"]})
    return 0


def _add_run(sub: argparse._SubParsersAction) -> None:
    from hepsurrogates.processors.runner import EXECUTORS

    runnable = families_with("attacher")
    p = sub.add_parser(
        "run",
        help="attach surrogate columns to a fileset: histograms, skim, summary",
        formatter_class=_Formatter,
        description="Attach the surrogate columns of one or more families to every dataset of a "
        "fileset in one pass: Surrogate_<name> per event and, for each learned "
        "column, Surrogate_<name>_inDomain (the inputs lie inside the bundle's training "
        "ranges). Writes hists.pkl, summary.json, plots/ and a skim of the selected "
        "events (reads back with NanoAODSchema) into --out.",
        epilog="examples:\n"
        "  hepsurrogates run --fileset samples/fileset.json --surrogates ditau mem --out out\n"
        "  hepsurrogates run --fileset F --surrogates ditau --with-fastmtt --workers 4 --out out\n"
        "  hepsurrogates run --fileset F --surrogates mem --hza-point 261.40,150.50 "
        "--scheduler tcp://dask-scheduler:8786 --out out",
    )
    p.add_argument("--fileset", required=True, help="coffea fileset JSON")
    p.add_argument(
        "--surrogates",
        nargs="+",
        default=["ditau"],
        metavar="FAMILY",
        help=f"the families to attach, in one pass (any of: {', '.join(runnable)})",
    )
    p.add_argument(
        "--bundle",
        action="append",
        metavar="ONNX",
        help="a bundle replacing the shipped one its card names (repeatable; default: the shipped ones)",
    )
    p.add_argument("--bundle-dir", metavar="DIR", help="every bundle in DIR replaces the shipped one its card names")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://host:port)")
    where.add_argument("--workers", type=int, help="local Dask workers / processes (default 1)")
    p.add_argument("--executor", choices=EXECUTORS, default="dask", help="execution path")
    p.add_argument("--chunksize", type=int, default=100_000, help="events per task")
    p.add_argument("--skim", choices=["root", "parquet", "none"], default="root", help="skim format")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    add_family_options(p, "run", runnable)
    p.set_defaults(handler=_cmd_run)


# ---------------------------------------------------------------------------------- demo


def _cmd_demo(args: argparse.Namespace) -> int:
    from hepsurrogates.processors.demo import format_summary, run_demo

    check_workers(args.workers)
    with OutputDirectory(args.out, subdirs=("skim",)):
        summary = run_demo(args.out, workers=args.workers, progress=not args.quiet)
    print(format_summary(summary))
    return 0


def _add_demo(sub: argparse._SubParsersAction) -> None:
    names = [n for n in families_with("attacher") if get_family(n).demo]
    p = sub.add_parser(
        "demo",
        help="the main job on the embedded default (shipped samples and bundles)",
        formatter_class=_Formatter,
        description="Attach every family (" + ", ".join(names) + ") in one pass to the small samples "
        "shipped with the package, on a local Dask cluster, with the shipped bundles; "
        "write a skim, histograms, plots and summary.json, and print what they show.",
        epilog="example:\n  hepsurrogates demo --out demo_output --workers 2",
    )
    p.add_argument("--out", default="demo_output", help="output directory")
    p.add_argument("--workers", type=int, default=2, help="local Dask workers")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(handler=_cmd_demo)


# ---------------------------------------------------------------------------------- family verbs


def _cmd_verb(args: argparse.Namespace) -> int:
    from hepsurrogates.cli_verbs import call_verb

    _print_json(call_verb(args.verb_spec.load(), args))
    return 0


def _add_family_verbs(sub: argparse._SubParsersAction, full: Sequence[str] | bool) -> None:
    """``hepsurrogates <family> <verb>`` for every family with verbs. The verbs' options come from
    their functions' signatures, imported only for the family being run (``full``: those names, or
    every family when True, as the docs' reference does)."""
    from hepsurrogates.cli_verbs import add_function_options

    for name, family in REGISTRY.items():
        if not family.verbs:
            continue
        p = sub.add_parser(name, help=f"{family.title}: " + ", ".join(v.name for v in family.verbs),
                           formatter_class=_Formatter, description=family.description,
                           epilog=f"'hepsurrogates {name} VERB --help' lists a verb's options")
        verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
        for verb in family.verbs:
            q = verbs.add_parser(verb.name, help=verb.help, description=verb.help, formatter_class=_Formatter)
            if full is True or name in full:
                add_function_options(q, verb.load())
            q.set_defaults(handler=_cmd_verb, verb_spec=verb)


#: sub-command name -> function adding its parser
COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "generate": _add_generate,
    "teach": _add_teach,
    "train": _add_train,
    "run": _add_run,
    "demo": _add_demo,
}


def build_parser(full: Sequence[str] | bool = True) -> argparse.ArgumentParser:
    """The whole parser; ``full`` names the families whose verbs get their options (importing them)."""
    parser = argparse.ArgumentParser(
        prog="hepsurrogates",
        description="Neural surrogates for expensive per-event HEP computations, attached as coffea columns. "
        f"Families: {', '.join(f'{n} ({f.title})' for n, f in REGISTRY.items())}.",
    )
    parser.add_argument("--version", action="version", version=f"hepsurrogates {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS.values():
        add(sub)
    _add_family_verbs(sub, full)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(full=argv[:1])  # a family's verbs are imported only when it is run
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (2) and --help / --version (0): an exit code, also in-process
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    args.command_line = "hepsurrogates " + " ".join(shlex.quote(a) for a in argv)
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
