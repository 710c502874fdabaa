"""The ``mmm`` command line: ``demo``, ``init``, ``validate``, ``fit``, ``optimize``, ``report``, ``cv``, ``cache``.

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
    from mmm.data.load import load

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
    from mmm.data.load import draft_channel_map, read_frame

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


# ---------------------------------------------------------------------- fit
def _add_sampler_args(
    p: argparse.ArgumentParser, draws: int = 1000, holdout: bool = True
) -> None:
    p.add_argument("--chains", type=int, default=4, help="MCMC chains (default 4)")
    p.add_argument("--draws", type=int, default=draws, help=f"draws per chain (default {draws})")
    p.add_argument(
        "--tune", type=int, default=draws, help=f"tuning steps per chain (default {draws})"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--sampler", choices=["nutpie", "pymc", "numpyro"], default="nutpie")
    p.add_argument(
        "--method", choices=["mcmc", "map"], default="mcmc", help="map = fast APPROXIMATE preview"
    )
    if holdout:
        p.add_argument(
            "--holdout",
            type=int,
            default=8,
            metavar="N",
            help="last N periods kept out of the fit to test forecasts (default 8)",
        )
    p.add_argument(
        "--lift-tests",
        metavar="FILE",
        help="experiments that calibrate the fit: a CSV with channel,start,end,lift,se and change "
        "(-1.0 = went dark) or spend_change (currency), or a TOML file of [[lift_tests]] tables",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _spec_from_args(args: argparse.Namespace) -> Any:
    from mmm.model.spec import ModelSpec, read_lift_tests

    return ModelSpec(
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        sampler=args.sampler,
        method=args.method,
        holdout_periods=getattr(args, "holdout", 0),
        lift_tests=read_lift_tests(args.lift_tests) if args.lift_tests else (),
        progress=not args.quiet,
    )


def _add_fit(sub: Subparsers) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the Bayesian media-mix model; write RUN/ with the result, roi.csv, contributions.csv, diagnostics.json",
    )
    p.add_argument("data", metavar="DATA", help="data file: .csv, .parquet, .xlsx or .xls")
    p.add_argument("--config", "-c", required=True, metavar="MAP", help="channel map (TOML)")
    p.add_argument("--out", "-o", required=True, metavar="RUN", help="run directory to write")
    _add_sampler_args(p)
    p.set_defaults(func=_cmd_fit)


def _fit_and_write(ds: Any, args: argparse.Namespace, out: Path) -> Any:
    from mmm.analysis.fit import MediaMixModel
    from mmm.exceptions import ApproximationWarning, ConvergenceWarning
    from mmm.present.runs import identify_or_none, write_fit_tables

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported below, once, loudly
        warnings.simplefilter("ignore", ApproximationWarning)
        result = MediaMixModel(_spec_from_args(args)).fit(ds)
    result.save(out)
    info = result.info
    if "compile_s" in info:
        print(
            f"fit: model {info.get('compile', 'compiled')} ({info['compile_s']:.1f}s), "
            f"sampling {info.get('sample_s', 0.0):.1f}s"
        )
    for line in info.get("restarted_chains", []):
        print(f"note: {line}", file=sys.stderr)
    ident = identify_or_none(result)
    diag = result.diagnostics()
    paths = write_fit_tables(result, out, ident, diag)
    if diag.status == "FAIL":
        print(f"FAIL: the model is not fit for decisions as it stands.\n{diag}", file=sys.stderr)
    for p in paths.values():
        print(f"wrote {p}")
    if ident is not None and ident.uncertain:
        print(
            f"\nchannels the data cannot pin down (see identifiability.csv, experiments.csv):\n{ident}"
        )
    return result, ident


def _cmd_fit(args: argparse.Namespace) -> int:
    from mmm.data.load import load

    ds = load(args.data, args.config)
    result, _ = _fit_and_write(ds, args, Path(args.out))
    print()
    print(
        result.roi()
        .to_dataframe()[["spend", "roi_mean", "roi_lower", "roi_upper"]]
        .round(2)
        .to_string()
    )
    return EXIT_OK


# ---------------------------------------------------------------------- optimize
def _add_optimize_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--budget", type=float, help="total paid budget for the window (default: last weeks' spend)"
    )
    p.add_argument("--weeks", type=int, default=13, help="planning window in periods (default 13)")
    p.add_argument(
        "--max-change",
        type=float,
        default=0.3,
        help="max relative change per channel (default 0.3)",
    )
    p.add_argument(
        "--lock", nargs="*", default=[], metavar="CHANNEL", help="channels kept at current spend"
    )
    p.add_argument("--objective", choices=["revenue", "profit"], default="revenue")
    p.add_argument("--margin", type=float, default=0.4, help="gross margin for --objective profit")
    p.add_argument(
        "--no-identifiability",
        action="store_true",
        help="do not hold weakly identified / prior-dominated channels near current spend",
    )


def _add_optimize(sub: Subparsers) -> None:
    p = sub.add_parser(
        "optimize",
        help="recommend next quarter's paid budget split; write RUN/allocation.csv and .json",
    )
    p.add_argument("run", metavar="RUN", help="run directory written by `mmm fit`")
    _add_optimize_args(p)
    p.set_defaults(func=_cmd_optimize)


def _optimize(result: Any, args: argparse.Namespace, out: Path, ident: Any = None) -> Any:
    from mmm.decisions.optimize import BudgetScenario, optimize_budget, write_allocation

    scenario = BudgetScenario(
        budget=args.budget,
        weeks=args.weeks,
        max_change=args.max_change,
        locked=tuple(args.lock),
        objective=args.objective,
        margin=args.margin,
        identifiability=not args.no_identifiability,
    )
    allocation = optimize_budget(result, scenario, ident=ident)
    for p in write_allocation(allocation, out).values():
        print(f"wrote {p}")
    return allocation


def _cmd_optimize(args: argparse.Namespace) -> int:
    from mmm.analysis.results import FitResult

    result = FitResult.load(args.run)
    allocation = _optimize(result, args, Path(args.run))
    print()
    print(allocation)
    return EXIT_OK


# ---------------------------------------------------------------------- report
def _add_report(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report", help="write the self-contained HTML budget-review report for a run"
    )
    p.add_argument(
        "run", metavar="RUN", help="run directory written by `mmm fit` (and `mmm optimize`)"
    )
    p.add_argument("--out", "-o", metavar="FILE.html", help="report file (default RUN/report.html)")
    p.add_argument("--title", help="report title")
    p.add_argument("--brand", help="brand name")
    p.add_argument("--currency", help="currency symbol, e.g. ¥ or $")
    p.add_argument("--quarter", help="reporting quarter label, e.g. 2024Q4")
    _add_optimize_args(p)
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from mmm.analysis.results import FitResult
    from mmm.analysis.validate import CrossValidation
    from mmm.present.report import build
    from mmm.present.runs import identify_or_none

    result = FitResult.load(args.run)
    cv = CrossValidation.load(args.run)
    ident = identify_or_none(result)
    allocation = _optimize(result, args, Path(args.run), ident)
    out = Path(args.out) if args.out else Path(args.run) / "report.html"
    path = build(
        result,
        allocation,
        out=out,
        title=args.title,
        brand=args.brand,
        currency=args.currency,
        quarter=args.quarter,
        identifiability=ident,
        cross_validation=cv,
    )
    print(f"wrote {path}")
    return EXIT_OK


# ---------------------------------------------------------------------- cv
def _add_cv(sub: Subparsers) -> None:
    p = sub.add_parser(
        "cv",
        help="rolling-origin cross-validation: out-of-sample MAPE, interval coverage and ROI "
        "stability across folds; write DIR/cv.csv (shown by `mmm report` when DIR is the run)",
        description="Refit the model FOLDS times on the data up to a cut-off and score its "
        "forecast of the next HORIZON periods (scikit-learn's TimeSeriesSplit). Writes cv.csv "
        "(one row per fold), cv_roi.csv (each channel's ROI per fold) and cv_stability.csv "
        "(channels whose ROI swings between folds are flagged). Give the run directory of "
        "`mmm fit` as --out to show the summary in its report.",
    )
    p.add_argument("data", metavar="DATA", help="data file: .csv, .parquet, .xlsx or .xls")
    p.add_argument("--config", "-c", required=True, metavar="MAP", help="channel map (TOML)")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="directory to write")
    p.add_argument("--folds", type=int, default=4, help="training windows (default 4)")
    p.add_argument(
        "--horizon", type=int, default=13, help="periods forecast after each (default 13)"
    )
    p.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="folds fitted at once, in separate processes (default: one per core)",
    )
    _add_sampler_args(p, draws=500, holdout=False)
    p.set_defaults(func=_cmd_cv)


def _cmd_cv(args: argparse.Namespace) -> int:
    from mmm.analysis.validate import cross_validate
    from mmm.data.load import load

    ds = load(args.data, args.config)
    spec = _spec_from_args(args).replace(progress=False)
    cv = cross_validate(ds, spec, folds=args.folds, horizon=args.horizon, jobs=args.jobs)
    for p in cv.save(args.out).values():
        print(f"wrote {p}")
    print()
    print(cv)
    return EXIT_OK


# ---------------------------------------------------------------------- demo
def _add_demo(sub: Subparsers) -> None:
    p = sub.add_parser(
        "demo",
        help="the main job on the bundled data: load, fit, optimise next quarter, write the HTML report",
    )
    p.add_argument(
        "--out",
        "-o",
        default="reports/demo",
        metavar="DIR",
        help="output directory (default reports/demo)",
    )
    _add_sampler_args(p, draws=1000)
    _add_optimize_args(p)
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from mmm.data.samples import sample_dataset
    from mmm.present.report import build
    from mmm.present.runs import StageTimer

    out = Path(args.out)
    timer = StageTimer()
    ds, source = timer.run("load", sample_dataset)
    print(f"{source}: {ds!r}")
    result, ident = timer.run("fit", lambda: _fit_and_write(ds, args, out))
    allocation = timer.run("optimize", lambda: _optimize(result, args, out, ident))
    print(allocation.headline)
    report = timer.run(
        "report", lambda: build(result, allocation, out=out / "report.html", identifiability=ident)
    )
    total = sum(timer.times.values())
    print(f"\nReport: {Path(report).resolve()}  (total {total:.1f}s)")
    return EXIT_OK


# ---------------------------------------------------------------------- cache
def _add_cache(sub: Subparsers) -> None:
    p = sub.add_parser(
        "cache",
        help="show (or --clear) the compiled models kept on disk to make later fits start fast",
        description="A fit compiles its model to machine code once; later fits of the same "
        "model and data in any process load it from disk (set MMM_COMPILE_CACHE=0 to switch "
        "this off). This command shows where the cache is and how big; --clear deletes mmm's "
        "entries (the next fit of each model compiles again).",
    )
    p.add_argument("--clear", action="store_true", help="delete mmm's cached models")
    p.set_defaults(func=_cmd_cache)


def _cmd_cache(args: argparse.Namespace) -> int:
    from mmm.model import compile as model_compile

    if args.clear:
        n, size = model_compile.clear_cache()
        print(f"removed {n} files ({size / 1e6:.1f} MB) from {model_compile.cache_dir()}")
        return EXIT_OK
    models, size = model_compile.cache_summary()
    print(f"{model_compile.cache_dir()}: {models} compiled models, {size / 1e6:.1f} MB")
    return EXIT_OK


# ---------------------------------------------------------------------- parser and entry point
COMMANDS: list[Callable[[Subparsers], None]] = [
    _add_validate,
    _add_init,
    _add_fit,
    _add_optimize,
    _add_report,
    _add_cv,
    _add_demo,
    _add_cache,
]


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
