"""Command line: ``python -m benchmarks --profile NAME [--output DIR]``.

``NAME`` is a profile of :mod:`benchmarks.profiles`: tiny, quick, full or
real-seeds.

Without ``--output`` the report goes to ``benchmarks/output/<profile>/``,
which git ignores. The committed reference reports are regenerated on
purpose with ``--output benchmarks/results/<profile>``.
"""

import argparse
import sys

from benchmarks.profiles import PROFILES
from benchmarks.runner import SECTIONS, default_out, run


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Compare skdvae's DiffusionMap and DiffusionVAE with their "
        "peers and write a Markdown report, JSON results and PNG figures.",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="quick",
        help="what to run: tiny (seconds, for tests), quick (the README's main "
        "job, minutes), full (everything, the committed report) or real-seeds "
        "(the real-image targets over two seeds)",
    )
    parser.add_argument(
        "--output",
        "--out",
        dest="out",
        default=None,
        metavar="DIR",
        help="output folder (default: benchmarks/output/<profile>, ignored by "
        "git); pass benchmarks/results/<profile> to regenerate the committed "
        "reference report",
    )
    parser.add_argument(
        "--sections",
        default=None,
        help=f"comma-separated subset of: {','.join(SECTIONS)} (default: the "
        "profile's own; all but for real-seeds)",
    )
    return parser


def main(argv=None):
    """Parse the arguments and run the profile."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    sections = None if args.sections is None else args.sections.split(",")
    unknown = sorted(set(sections or ()) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown sections {unknown}; choose from {list(SECTIONS)}")
    out = args.out if args.out is not None else default_out(args.profile)
    run(args.profile, out, sections, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
