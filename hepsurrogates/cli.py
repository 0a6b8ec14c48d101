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


#: sub-command name -> function adding its parser
COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "generate": _add_generate,
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
