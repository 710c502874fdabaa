"""The ``mmm`` command line: ``mmm validate``, ``mmm init`` (``demo``, ``fit``, ``optimize``, ``report`` to come).

The CLI has no logic of its own: each command parses its arguments, calls library
functions and prints their results. Errors raised on purpose by mmm
(:class:`~mmm.exceptions.MMMError`) and missing files are printed as one line,
``error: <message>``, on stderr, with exit status 2 and no traceback.

Adding a command: write ``_add_<name>(subparsers)`` (declares the arguments and sets
``func=_cmd_<name>``) and ``_cmd_<name>(args) -> int``, and list the adder in ``COMMANDS``.

Examples
--------
.. code-block:: console

    $ mmm init data/brand.csv --out brand.toml
    $ mmm validate data/brand.csv --config brand.toml
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mmm import __version__
from mmm.exceptions import MMMError

EXIT_OK = 0
EXIT_ERROR = 2

Subparsers = Any  # argparse's _SubParsersAction is private


# ---------------------------------------------------------------------- validate
def _add_validate(sub: Subparsers) -> None:
    p = sub.add_parser(
        "validate",
        help="load data with its channel map; print the summary and data checks",
        description="Load DATA with its channel map, print the dataset summary and the data "
        "checks (PASS/REVIEW). Exit 0 when the data loads, 2 with one error line when it does not.",
    )
    p.add_argument("data", metavar="DATA", help="data file: .csv, .parquet, .xlsx or .xls")
    p.add_argument("--config", "-c", required=True, metavar="MAP", help="channel map (TOML)")
    p.add_argument(
        "--allow-partial-weeks",
        action="store_true",
        help="daily data: drop an incomplete first/last week instead of failing",
    )
    p.set_defaults(func=_cmd_validate)


def _cmd_validate(args: argparse.Namespace) -> int:
    from mmm.io import load

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        ds = load(args.data, args.config, allow_partial_weeks=args.allow_partial_weeks)
    for w in caught:
        print(f"warning: {_one_line(w.message)}", file=sys.stderr)
    source = ds.data.attrs.get("source_frequency")
    print(f"{args.data}: loaded with channel map {args.config}")
    if source == "D":
        print(
            f"daily rows summed to weeks starting {ds.channel_map.week_start} "
            "(KPI, spend and activity summed; controls averaged)"
        )
    print()
    print(ds.summary())
    print()
    print(ds.eda())
    return EXIT_OK


# ---------------------------------------------------------------------- init
def _add_init(sub: Subparsers) -> None:
    p = sub.add_parser(
        "init",
        help="draft a channel map (TOML) from a data file's column names",
        description="Draft a channel map from DATA's column names (date, KPI, *_spend → paid, "
        "*_posts → owned, *_mentions → earned, other numbers → controls). Check the draft before use.",
    )
    p.add_argument("data", metavar="DATA", help="data file: .csv, .parquet, .xlsx or .xls")
    p.add_argument(
        "--out", "-o", metavar="MAP.toml", help="write the draft here (default: print it)"
    )
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(func=_cmd_init)


def _cmd_init(args: argparse.Namespace) -> int:
    from mmm.io import draft_channel_map, read_frame

    text = draft_channel_map(read_frame(args.data), source=Path(args.data).name)
    if not args.out:
        print(text, end="")
        return EXIT_OK
    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"error: {out} exists; pass --force to overwrite it.", file=sys.stderr)
        return EXIT_ERROR
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: check it, then run: mmm validate {args.data} --config {out}")
    return EXIT_OK


# ---------------------------------------------------------------------- parser and entry point
COMMANDS: list[Callable[[Subparsers], None]] = [_add_validate, _add_init]


def build_parser() -> argparse.ArgumentParser:
    """The ``mmm`` argument parser with one sub-command per entry in ``COMMANDS``.

    >>> build_parser().parse_args(["init", "data.csv"]).command
    'init'
    """
    parser = argparse.ArgumentParser(
        prog="mmm",
        description="Bayesian marketing-mix modelling: paid, owned and earned media, ROI, budgets.",
    )
    parser.add_argument("--version", action="version", version=f"mmm {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mmm`` command line and return its exit status.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when None.

    Examples
    --------
    >>> main(["validate", "data.csv", "--config", "map.toml"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        return int(func(args))
    except (MMMError, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(msg: object) -> str:
    return " ".join(str(msg).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
