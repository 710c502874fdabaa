"""The ``mmm`` command line: ``demo``, ``init``, ``validate``, ``fit``, ``optimize``, ``report``,
``export``, ``check-tests``, ``cv``, ``fit-many``, ``benchmark recovery``, ``cache``.

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
from typing import Any, NoReturn

from mmm import __version__
from mmm._exit import exit_now, stdout_to_devnull
from mmm.exceptions import MMMError

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_ERROR = 2
#: the reader of stdout went away (``mmm fit … | head``): 128 + SIGPIPE, as a shell reports it
EXIT_BROKEN_PIPE = 141

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
    from mmm.data.draft import draft_channel_map
    from mmm.data.readers import read_frame

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
def _add_model_args(p: argparse.ArgumentParser) -> None:
    """One flag per model setting (mmm.model.settings.FLAGS); unset flags leave the value to the
    channel map's [model] table, then to ModelSpec's default."""
    from mmm.model import settings

    group = p.add_argument_group(
        "model and sampler settings",
        "Each may also be set under [model] in the channel map; a flag wins over the map, the "
        "map over the default. --print-spec shows the result.",
    )
    for name, flag in settings.FLAGS.items():
        kind = settings.kind(name)
        extra: dict[str, Any] = {"type": {"int": int, "float": float}.get(kind, str)}
        if kind == "bool":
            extra = {"type": _on_off, "metavar": "on|off"}
        elif kind == "prior":
            extra = {"type": float, "nargs": 2, "metavar": ("MEDIAN", "SIGMA")}
        elif name in settings.CHOICES:
            extra["choices"] = settings.CHOICES[name]
        elif kind in ("int", "float"):
            extra["metavar"] = "N" if kind == "int" else "X"
        group.add_argument(flag, dest=name, default=None, help=settings.help_text(name), **extra)
    p.add_argument(
        "--lift-tests",
        metavar="FILE",
        help="experiments that calibrate the fit: a CSV with channel,start,end,lift,se and change "
        "(-1.0 = went dark) or spend_change (currency), or a TOML file of [[lift_tests]] tables",
    )
    _add_quiet(p)


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="no progress (otherwise long steps say what they are doing on stderr)",
    )


def _on_off(value: str) -> bool:
    """``on``/``off`` (also yes/no, true/false, 1/0) for a switch flag."""
    v = value.strip().lower()
    if v in ("on", "yes", "true", "1"):
        return True
    if v in ("off", "no", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"{value!r}: use on or off")


def _spec_from_args(cmap: Any, args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    """The effective ModelSpec (flag > channel map [model] > default) and each setting's source."""
    from mmm.model import settings
    from mmm.model.spec import read_lift_tests

    given = {k: getattr(args, k) for k in settings.FLAGS if getattr(args, k) is not None}
    given = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
    spec, sources = settings.resolve(cmap, given)
    spec = spec.replace(
        lift_tests=read_lift_tests(args.lift_tests) if args.lift_tests else (),
        progress=not args.quiet,
    )
    return spec, sources


def _add_fit(sub: Subparsers) -> None:
    p = sub.add_parser(
        "fit",
        help="fit the Bayesian media-mix model; write RUN/ with the result, roi.csv, contributions.csv, diagnostics.json",
    )
    p.add_argument("data", metavar="DATA", help="data file: .csv, .parquet, .xlsx or .xls")
    p.add_argument("--config", "-c", required=True, metavar="MAP", help="channel map (TOML)")
    p.add_argument("--out", "-o", metavar="RUN", help="run directory to write (required to fit)")
    p.add_argument(
        "--print-spec",
        action="store_true",
        help="print the effective model settings (with where each came from) and exit",
    )
    p.add_argument(
        "--mlflow",
        action="store_true",
        help="also log the fit (settings, diagnostics, ROI, the run folder) to MLflow; needs "
        "pip install 'mediamix[mlflow]' and uses MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_NAME",
    )
    _add_model_args(p)
    p.set_defaults(func=_cmd_fit)


def _fit_and_write(ds: Any, args: argparse.Namespace, out: Path) -> Any:
    from mmm.exceptions import ConfigWarning
    from mmm.present.runs import fit_and_write

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)  # flags over [model]: asked for
        spec, _ = _spec_from_args(ds.channel_map, args)
        run = fit_and_write(ds, spec, out)
    return run.result, run.identifiability


def _cmd_fit(args: argparse.Namespace) -> int:
    from mmm.data.load import load
    from mmm.model.settings import spec_text

    ds = load(args.data, args.config)
    if args.print_spec:
        print(spec_text(*_spec_from_args(ds.channel_map, args)), end="")
        return EXIT_OK
    if not args.out:
        print("error: mmm fit needs --out RUN (or --print-spec).", file=sys.stderr)
        return EXIT_ERROR
    if args.mlflow:
        from mmm.integrations import mlflow

        mlflow.require()  # before the fit, not after it
    result, _ = _fit_and_write(ds, args, Path(args.out))
    if args.mlflow:
        print(f"logged to MLflow run {mlflow.log_run(result, args.out)}")
    print()
    print(
        result.roi()
        .to_dataframe()[["spend", "roi_mean", "roi_lower", "roi_upper"]]
        .round(2)
        .to_string()
    )
    return EXIT_OK


# ---------------------------------------------------------------------- optimize
#: the budget settings of `mmm optimize` (dest → default)
OPTIMIZE_DEFAULTS: dict[str, Any] = {
    "budget": None,
    "weeks": 13,
    "max_change": 0.3,
    "lock": [],
    "lock_geo": [],
    "objective": "revenue",
    "margin": 0.4,
    "no_identifiability": False,
}


def _add_optimize_args(p: argparse.ArgumentParser, defaults: bool = True) -> None:
    """The budget settings; without ``defaults`` they stay None unless given (``mmm report``)."""
    d = OPTIMIZE_DEFAULTS if defaults else dict.fromkeys(OPTIMIZE_DEFAULTS)
    p.add_argument(
        "--budget",
        type=float,
        default=d["budget"],
        help="total paid budget for the window (default: last weeks' spend)",
    )
    p.add_argument(
        "--weeks", type=int, default=d["weeks"], help="planning window in periods (default 13)"
    )
    p.add_argument(
        "--max-change",
        type=float,
        default=d["max_change"],
        help="max relative change per channel (default 0.3)",
    )
    p.add_argument(
        "--lock",
        nargs="*",
        default=d["lock"],
        metavar="CHANNEL",
        help="channels kept at current spend",
    )
    p.add_argument("--objective", choices=["revenue", "profit"], default=d["objective"])
    p.add_argument(
        "--margin", type=float, default=d["margin"], help="gross margin for --objective profit"
    )
    p.add_argument(
        "--lock-geo",
        nargs="*",
        default=d["lock_geo"],
        metavar="REGION",
        help="regions whose spend is kept as it is (regional fits)",
    )
    p.add_argument(
        "--no-identifiability",
        action="store_true",
        default=d["no_identifiability"],
        help="do not hold weakly identified / prior-dominated channels near current spend",
    )


def _add_optimize(sub: Subparsers) -> None:
    p = sub.add_parser(
        "optimize",
        help="recommend next quarter's paid budget split; write RUN/allocation.csv and .json",
    )
    p.add_argument("run", metavar="RUN", help="run directory written by `mmm fit`")
    _add_optimize_args(p)
    _add_quiet(p)
    p.set_defaults(func=_cmd_optimize)


def _optimize(result: Any, args: argparse.Namespace, out: Path, ident: Any = None) -> Any:
    from mmm.decisions.optimize import BudgetScenario
    from mmm.present.runs import plan_and_write

    given = {k: getattr(args, k, None) for k in OPTIMIZE_DEFAULTS}
    o = {k: OPTIMIZE_DEFAULTS[k] if v is None else v for k, v in given.items()}
    scenario = BudgetScenario(
        budget=o["budget"],
        weeks=o["weeks"],
        max_change=o["max_change"],
        locked=tuple(o["lock"]),
        locked_geos=tuple(o["lock_geo"]),
        objective=o["objective"],
        margin=o["margin"],
        identifiability=not o["no_identifiability"],
    )
    return plan_and_write(result, scenario, out, ident)


def _cmd_optimize(args: argparse.Namespace) -> int:
    from mmm.analysis.results import FitResult
    from mmm.present.runs import load_derived

    result = FitResult.load(args.run)
    derived = load_derived(result, args.run)  # None: optimize_budget measures identifiability
    allocation = _optimize(result, args, Path(args.run), derived and derived.identifiability)
    print()
    print(allocation)
    return EXIT_OK


# ---------------------------------------------------------------------- report
def _add_report(sub: Subparsers) -> None:
    p = sub.add_parser(
        "report",
        help="write the self-contained HTML budget-review report (and report.xlsx) for a run",
        description="Write the report for RUN. It shows the budget plan saved by `mmm optimize` "
        "when RUN has one (the budget options below then need --replan); otherwise it "
        "optimises one with those options and saves it.",
    )
    p.add_argument(
        "run", metavar="RUN", help="run directory written by `mmm fit` (and `mmm optimize`)"
    )
    p.add_argument("--out", "-o", metavar="FILE.html", help="report file (default RUN/report.html)")
    p.add_argument("--title", help="report title")
    p.add_argument("--brand", help="brand name")
    p.add_argument("--currency", help="currency symbol, e.g. ¥ or $")
    p.add_argument("--quarter", help="reporting quarter label, e.g. 2024Q4")
    p.add_argument(
        "--replan",
        action="store_true",
        help="re-optimise the budget (with the options below) instead of showing the saved plan, "
        "and save the new plan in RUN",
    )
    _add_optimize_args(p, defaults=False)
    _add_quiet(p)
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from mmm.analysis.results import FitResult
    from mmm.analysis.validate import CrossValidation
    from mmm.present.report import build
    from mmm.present.runs import identify_or_none, load_derived, plan_note, saved_plan
    from mmm.present.stored import full_result, open_run

    run = Path(args.run)
    # a report of this run computed its tables before: read them, not the posterior
    stored = None if args.replan else open_run(run, args.quarter)
    result = stored if stored is not None else FitResult.load(run)
    derived = load_derived(result, run)  # what `mmm fit` computed for this very result
    cv = CrossValidation.load(run)
    given = [k for k in OPTIMIZE_DEFAULTS if getattr(args, k) is not None]
    saved = None if args.replan else saved_plan(result, run)
    if saved is not None and given:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        print(
            f"error: {run / 'allocation.json'} holds the plan saved by `mmm optimize`; {flags} "
            "would change it: add --replan to re-optimise (and replace the saved plan), or drop them.",
            file=sys.stderr,
        )
        return EXIT_ERROR
    ident = derived.identifiability if derived else identify_or_none(full_result(result))
    if saved is not None:
        allocation, note = saved, plan_note(saved, "saved", run)
    else:
        allocation = _optimize(full_result(result), args, run, ident)
        note = plan_note(allocation, "replanned" if args.replan else "new")
    print(f"plan: {note}")
    out = Path(args.out) if args.out else run / "report.html"
    path = build(
        result,
        allocation,
        out=out,
        title=args.title,
        brand=args.brand,
        currency=args.currency,
        quarter=args.quarter,
        identifiability=ident,
        plan_note=note,
        experiments=derived.experiments if derived else None,
        diagnostics=derived.diagnostics if derived else None,
        cross_validation=cv,
        run=run,
    )
    print(f"wrote {path} and {path.with_suffix('.xlsx')}")
    return EXIT_OK


# ---------------------------------------------------------------------- check-tests
def _add_check_tests(sub: Subparsers) -> None:
    p = sub.add_parser(
        "check-tests",
        help="compare finished lift tests with what a fitted run implies for them",
        description="For each lift test in FILE (the CSV or TOML that --lift-tests reads), the "
        "KPI change RUN's model implies for that spend change beside the measured one: did the "
        "model predict the test (a run fitted without it), or does the fit reproduce it (a run "
        "fitted with it)? Exit status 1 when a test and the model are 2 or more standard errors "
        "apart.",
    )
    p.add_argument("run", metavar="RUN", help="run directory written by `mmm fit`")
    p.add_argument(
        "--lift-tests", required=True, metavar="FILE",
        help="finished tests: CSV channel,start,end,change (or spend_change),lift,se[,geo] or TOML",
    )  # fmt: skip
    p.add_argument("--csv", metavar="FILE.csv", help="also write the comparison to this CSV")
    p.set_defaults(func=_cmd_check_tests)


def _cmd_check_tests(args: argparse.Namespace) -> int:
    from mmm.analysis.lift_check import lift_test_check
    from mmm.analysis.results import FitResult
    from mmm.model.spec import read_lift_tests
    from mmm.present.runs import CSV_ENCODING, lift_check_text

    result = FitResult.load(args.run)
    table = lift_test_check(result, read_lift_tests(args.lift_tests))
    print(lift_check_text(table, result.dataset.channel_map))
    if args.csv:
        table.to_csv(args.csv, index=False, encoding=CSV_ENCODING)
        print(f"wrote {args.csv}")
    return EXIT_OK if table["agrees"].all() else EXIT_SOME_FAILED


# ---------------------------------------------------------------------- export
def _add_export(sub: Subparsers) -> None:
    p = sub.add_parser(
        "export",
        help="write a run's tables to one Excel workbook (RUN/run.xlsx)",
        description="Write the tables of RUN (roi, allocation, contributions, identifiability, "
        "experiments, diagnostics) to one workbook: a sheet per table, units in the headers.",
    )
    p.add_argument("run", metavar="RUN", help="run directory written by `mmm fit`")
    p.add_argument("--xlsx", action="store_true", help="write an Excel workbook (.xlsx)")
    p.add_argument("--out", "-o", metavar="FILE.xlsx", help="workbook path (default RUN/run.xlsx)")
    p.set_defaults(func=_cmd_export)


def _cmd_export(args: argparse.Namespace) -> int:
    from mmm.present.export import export_run

    if not args.xlsx:
        print("error: choose a format: mmm export RUN --xlsx", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {export_run(args.run, args.out)}")
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
    _add_model_args(p)
    p.set_defaults(func=_cmd_cv)


def _cmd_cv(args: argparse.Namespace) -> int:
    from mmm.analysis.validate import cross_validate
    from mmm.data.load import load

    ds = load(args.data, args.config)
    spec, _ = _spec_from_args(ds.channel_map, args)
    cv = cross_validate(
        ds, spec.replace(progress=False), folds=args.folds, horizon=args.horizon, jobs=args.jobs
    )
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
        metavar="DIR",
        help="output directory (default reports/demo, reports/demo_regions with --regions, "
        "reports/demo_crisis with --crisis)",
    )
    brand = p.add_mutually_exclusive_group()
    brand.add_argument(
        "--regions",
        action="store_true",
        help="the bundled regional brand (20 provinces): one hierarchical model across regions",
    )
    brand.add_argument(
        "--crisis",
        action="store_true",
        help="the bundled Chinese-named brand with a public-opinion crisis (舆情): mentions split "
        "by sentiment, the crisis declared as an event",
    )
    _add_model_args(p)
    _add_optimize_args(p)
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from mmm.data.samples import DEMO, DEMO_CRISIS, DEMO_REGIONAL, sample_dataset
    from mmm.present.report import build
    from mmm.present.runs import StageTimer, load_derived

    sample, default_out = (
        (DEMO_REGIONAL, "reports/demo_regions") if args.regions
        else (DEMO_CRISIS, "reports/demo_crisis") if args.crisis
        else (DEMO, "reports/demo")
    )  # fmt: skip
    out = Path(args.out or default_out)
    timer = StageTimer()
    ds, source = timer.run("load", lambda: sample_dataset(sample))
    print(f"{source}: {ds!r}")
    result, ident = timer.run("fit", lambda: _fit_and_write(ds, args, out))
    allocation = timer.run("optimize", lambda: _optimize(result, args, out, ident))
    print(allocation.headline)
    derived = load_derived(result, out)  # the diagnostics and tests `fit` just computed
    report = timer.run(
        "report",
        lambda: build(
            result,
            allocation,
            out=out / "report.html",
            identifiability=ident,
            experiments=derived.experiments if derived else None,
            diagnostics=derived.diagnostics if derived else None,
            run=out,  # keeps the report's tables, so that `mmm report` on this run reads them
        ),
    )
    total = sum(timer.times.values())
    print(f"\nReport: {Path(report).resolve()}  (total {total:.1f}s)")
    return EXIT_OK


# ---------------------------------------------------------------------- fit-many
def _add_cluster_args(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="use a running Dask scheduler, e.g. tcp://host:8786"
    )
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes of the local Dask cluster (default: the usable cores)",
    )


def _add_fit_many(sub: Subparsers) -> None:
    p = sub.add_parser(
        "fit-many",
        help="fit every job of a TOML manifest on Dask; write DIR/<job>/, summary.csv, portfolio_roi.csv, index.html",
        description="Fit every job of JOBS.toml ([defaults], [jobs.NAME] with data and config, "
        "optional [variants.NAME]) on a Dask cluster. Each job writes DIR/<job>/ as `mmm fit` "
        "(and `mmm report`) would. Exit 0 when every job succeeded, 1 when some failed (named "
        "on stderr and in DIR/summary.csv), 2 for a bad manifest.",
    )
    p.add_argument("manifest", metavar="JOBS.toml", help="the jobs (paths relative to it)")
    p.add_argument("--out", "-o", required=True, metavar="DIR", help="output directory")
    _add_cluster_args(p)
    p.add_argument("--force", action="store_true", help="rerun jobs that finished before")
    p.set_defaults(func=_cmd_fit_many)


def _cmd_fit_many(args: argparse.Namespace) -> int:
    from mmm.batch import fit_many, read_manifest

    jobs = read_manifest(args.manifest)
    batch = fit_many(
        jobs, args.out, scheduler=args.scheduler, workers=args.workers, force=args.force
    )
    if batch.failed:
        print(f"failed: {', '.join(batch.failed)}", file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK


# ---------------------------------------------------------------------- benchmark
def _add_benchmark(sub: Subparsers) -> None:
    p = sub.add_parser("benchmark", help="accuracy studies (recovery over a family of brands)")
    bench = p.add_subparsers(dest="benchmark", metavar="STUDY", required=True)
    r = bench.add_parser(
        "recovery",
        help="fit a seeded family of synthetic brands and measure ROI recovery and plan quality",
        description="Generate BRANDS synthetic brands (mmm.data.family), fit them all with "
        "fit-many, refit with the recommended lift tests applied, and write the distribution "
        "of median ROI error, 90% coverage, rank correlation, zero-effect false positives and "
        "the share of the true optimum's revenue gain the recommended plan captures.",
    )
    r.add_argument("--brands", type=int, default=40, help="number of brands (default 40)")
    r.add_argument("--family-seed", type=int, default=0, help="seed of the family (default 0)")
    r.add_argument("--out", "-o", required=True, metavar="DIR", help="output directory")
    r.add_argument("--chains", type=int, default=2, help="chains per fit (default 2)")
    r.add_argument("--draws", type=int, default=500, help="draws per chain (default 500)")
    r.add_argument("--tune", type=int, default=500, help="tuning steps per chain (default 500)")
    r.add_argument("--seed", type=int, default=1, help="sampler seed of every fit (default 1)")
    r.add_argument(
        "--no-lift-tests", action="store_true", help="skip the refits with lift tests applied"
    )
    _add_cluster_args(r)
    r.add_argument("--force", action="store_true", help="refit brands fitted before")
    r.set_defaults(func=_cmd_benchmark_recovery)


def _cmd_benchmark_recovery(args: argparse.Namespace) -> int:
    from mmm.batch.recovery import RecoverySettings, recovery_study

    settings = RecoverySettings(
        brands=args.brands,
        family_seed=args.family_seed,
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        lift_tests=not args.no_lift_tests,
    )
    study = recovery_study(
        settings, args.out, scheduler=args.scheduler, workers=args.workers, force=args.force
    )
    print()
    print(study.report)
    return EXIT_OK if not study.failed else EXIT_SOME_FAILED


# ---------------------------------------------------------------------- cache
def _add_cache(sub: Subparsers) -> None:
    p = sub.add_parser(
        "cache",
        help="show (or --clear) the compiled models kept on disk to make later fits start fast",
        description="A fit compiles its model to machine code once; later fits of a model of "
        "the same structure (same channels, transforms and settings; any data, priors or seed) "
        "in any process load it from disk (set MMM_COMPILE_CACHE=0 to switch this off). This command shows where the cache is and how big; --clear deletes mmm's "
        "entries (the next fit of each model compiles again).",
    )
    p.add_argument("--clear", action="store_true", help="delete mmm's cached models")
    p.set_defaults(func=_cmd_cache)


def _cmd_cache(args: argparse.Namespace) -> int:
    from mmm.model import kernel_cache

    if args.clear:
        n, size = kernel_cache.clear_cache()
        print(f"removed {n} files ({size / 1e6:.1f} MB) from {kernel_cache.cache_dir()}")
        return EXIT_OK
    models, size = kernel_cache.cache_summary()
    print(f"{kernel_cache.cache_dir()}: {models} compiled models, {size / 1e6:.1f} MB")
    return EXIT_OK


# ---------------------------------------------------------------------- parser and entry point
COMMANDS: list[Callable[[Subparsers], None]] = [
    _add_validate,
    _add_init,
    _add_fit,
    _add_optimize,
    _add_report,
    _add_export,
    _add_check_tests,
    _add_cv,
    _add_demo,
    _add_fit_many,
    _add_benchmark,
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
    from mmm import _progress

    try:
        with _progress.quiet(bool(getattr(args, "quiet", False))):
            return int(func(args))
    except BrokenPipeError:  # `mmm fit … | head`: stop quietly, as Unix tools do
        stdout_to_devnull()
        return EXIT_BROKEN_PIPE
    except (MMMError, OSError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(msg: object) -> str:
    return " ".join(str(msg).split())


#: commands that fit, read or write one model: they run without Python's cyclic garbage
#: collector (its passes over every object the imports create are ~8% of fitting new data;
#: peak memory of ``mmm demo`` was the same, 0.86 GB, with and without it). Commands that run
#: many fits in one process (``fit-many``, ``cv``, ``benchmark``) keep it.
WITHOUT_GC = frozenset({"validate", "init", "fit", "optimize", "report", "export", "demo", "cache"})


def console() -> NoReturn:
    """The ``mmm`` executable: :func:`main`, then :func:`exit_now` with its status."""
    import gc

    if sys.argv[1:2] and sys.argv[1] in WITHOUT_GC:
        gc.disable()
    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    console()
