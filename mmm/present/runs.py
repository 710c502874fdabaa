"""Run directories: what ``mmm fit`` / ``optimize`` / ``report`` / ``demo`` read and write.

A run directory holds the saved :class:`~mmm.analysis.results.FitResult` plus plain tables that
scripts and spreadsheets can read without Python:

- ``roi.csv`` — one row per channel with a cost: channel, media, social, spend,
  contribution_mean, roi_mean, roi_lower, roi_upper, roi_direct_mean, roi_direct_lower,
  roi_direct_upper (90% intervals; ``roi_*`` includes what flows through earned media);
- ``contributions.csv`` — tidy weekly contributions (date, [geo,] component, mean, lower, upper);
- ``roi_by_geo.csv`` (regional fits) — one row per region and channel with a cost: geo,
  channel, media, social, spend, contribution_mean, roi_mean, roi_lower, roi_upper;
- ``diagnostics.json`` — every check with status, message, recommendation and numbers,
  including how well the data identify each channel (prior vs posterior);
- ``identifiability.csv`` and ``experiments.csv`` — per-channel identifiability and the lift
  tests that would settle the uncertain ones (full fits only; a MAP preview has no posterior);
- ``allocation.csv`` / ``allocation.json`` — the budget plan of ``mmm optimize``, which
  ``mmm report`` shows as saved (:func:`saved_plan`) unless told to re-optimise;
- ``report_tables.zip`` — the tables of the last report of the run, which the next one reads
  instead of the posterior (:mod:`mmm.present.stored`).

Every CSV is UTF-8 with a byte-order mark, so Excel on Windows shows Chinese channel names.

``diagnostics.json`` also records the result's :meth:`~mmm.analysis.results.FitResult.fingerprint`.
Later commands on the run directory (``mmm report``, ``mmm optimize``) read the diagnostics,
identifiability and experiments back with :func:`load_derived` instead of recomputing them —
but only when the saved result still has that fingerprint.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mmm import _progress
from mmm._checks import Checks
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.identify import COLUMNS as IDENT_COLUMNS
from mmm.analysis.identify import EVIDENCE, MIN_DRAWS, Identifiability, identifiability
from mmm.analysis.identify import GEO_COLUMNS as IDENT_GEO_COLUMNS
from mmm.analysis.lift_check import describe
from mmm.analysis.results import FitResult, jsonable
from mmm.data.dataset import MMMDataset
from mmm.decisions.experiments import experiments
from mmm.decisions.optimize import Allocation, BudgetScenario, optimize_budget, write_allocation
from mmm.exceptions import ApproximationWarning, ConfigError, ConvergenceWarning
from mmm.model.spec import ModelSpec
from mmm.present import text as T

if TYPE_CHECKING:
    from mmm.present.stored import StoredRun

#: encoding of every CSV in a run directory: UTF-8 with a byte-order mark (Excel reads it as UTF-8)
CSV_ENCODING = "utf-8-sig"

ROI_COLUMNS = [
    "channel",
    "media",
    "social",
    "spend",
    "contribution_mean",
    "roi_mean",
    "roi_lower",
    "roi_upper",
    "roi_direct_mean",
    "roi_direct_lower",
    "roi_direct_upper",
]
#: columns of ``roi_by_geo.csv`` (regional fits)
GEO_ROI_COLUMNS = ("geo", "channel", "media", "social", "spend", "contribution_mean", "roi_mean",
                   "roi_lower", "roi_upper")  # fmt: skip


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


@dataclass(frozen=True, eq=False)
class FitRun:
    """What :func:`fit_and_write` fitted and wrote: the result, its checks and the files."""

    result: FitResult
    identifiability: Identifiability | None
    diagnostics: Checks
    paths: dict[str, Path]


def fit_and_write(
    dataset: MMMDataset,
    spec: ModelSpec,
    out: str | Path,
    say: Callable[[str], None] = print,
    warn: Callable[[str], None] = _stderr,
) -> FitRun:
    """Fit ``dataset`` with ``spec`` and write the run directory ``out``, as ``mmm fit`` does.

    Writes the saved result and the tables of :func:`write_fit_tables`. The fit's own
    messages go to ``say`` (how the model compiled, the files written, the channels the data
    cannot pin down) and ``warn`` (restarted chains; a loud FAIL when the diagnostics fail:
    the run is still written, so that it can be inspected).
    """
    out = Path(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported below, once, loudly
        warnings.simplefilter("ignore", ApproximationWarning)
        result = MediaMixModel(spec).fit(dataset)
    result.save(out)
    info = result.info
    if "compile_s" in info:
        say(
            f"fit: model {info.get('compile', 'compiled')} ({info['compile_s']:.1f}s), "
            f"sampling {info.get('sample_s', 0.0):.1f}s"
        )
    for line in info.get("restarted_chains", []):
        warn(f"note: {line}")
    ident = identify_or_none(result)
    diag = result.diagnostics()
    paths = write_fit_tables(result, out, ident, diag)
    if diag.status == "FAIL":
        warn(f"FAIL: the model is not fit for decisions as it stands.\n{diag}")
    for p in paths.values():
        say(f"wrote {p}")
    if ident is not None and ident.uncertain:
        say(
            f"\nchannels the data cannot pin down (see identifiability.csv, experiments.csv):\n{ident}"
        )
    for check in diag:  # a refit with lift tests: does it reproduce them?
        if check.name == "lift_tests":
            say(f"\nlift tests: {check.status}: {check.message}")
    checked = _validated_channels(paths.get("experiments"))
    if checked:
        say(
            f"\nvalidation tests recommended (experiments.csv) for {', '.join(checked)}: well "
            "identified, but their ROI rests on the model separating them from the baseline"
        )
    return FitRun(result, ident, diag, paths)


def _validated_channels(path: Path | None) -> list[str]:
    """Channels with a validation test in the ``experiments.csv`` at ``path``."""
    if path is None or not path.exists():
        return []
    table = _read_table(path)
    if "purpose" not in table or table.empty:
        return []
    return [str(c) for c in table.loc[table["purpose"] == "validate", "channel"]]


def plan_and_write(
    result: FitResult,
    scenario: BudgetScenario,
    out: str | Path,
    ident: Identifiability | None = None,
    say: Callable[[str], None] = print,
) -> Allocation:
    """Optimise next period's budget (``scenario``) and write ``allocation.csv`` / ``.json`` into ``out``."""
    allocation = optimize_budget(result, scenario, ident=ident)
    for p in write_allocation(allocation, out, fit_id=result.info.get("fit_id")).values():
        say(f"wrote {p}")
    return allocation


def identify_or_none(result: FitResult) -> Identifiability | None:
    """Identifiability of a full fit, or None for an approximate (MAP) one."""
    if result.is_approximate:
        return None
    return identifiability(result)


def write_fit_tables(
    result: FitResult,
    run: str | Path,
    ident: Identifiability | None = None,
    diagnostics: Checks | None = None,
) -> dict[str, Path]:
    """Write roi.csv, contributions.csv, diagnostics.json (+ identifiability/experiments CSVs) into ``run``.

    A fit with named events also gets ``events.csv`` (:meth:`FitResult.events`) and, with a
    declared crisis during which paid social spent, ``crisis_response.csv``.
    """
    with _progress.step("writing tables"):
        return _write_fit_tables(result, Path(run), ident, diagnostics)


def _write_fit_tables(
    result: FitResult, run: Path, ident: Any, diagnostics: Any
) -> dict[str, Path]:
    run.mkdir(parents=True, exist_ok=True)
    roi = result.roi().to_dataframe().reset_index()
    roi["social"] = roi["social"].astype(bool)
    paths = {
        "roi": run / "roi.csv",
        "contributions": run / "contributions.csv",
        "diagnostics": run / "diagnostics.json",
    }
    roi[ROI_COLUMNS + ["roi_via_earned_mean"]].to_csv(
        paths["roi"], index=False, encoding=CSV_ENCODING
    )
    panel = result.dataset.is_panel
    contrib = result.contributions(geo=panel).to_dataframe().reset_index()
    contrib.to_csv(paths["contributions"], index=False, encoding=CSV_ENCODING)
    if panel:
        paths["roi_by_geo"] = run / "roi_by_geo.csv"
        by_geo = result.roi(by="geo").to_dataframe().reset_index()
        by_geo["social"] = by_geo["social"].astype(bool)
        by_geo[list(GEO_ROI_COLUMNS)].to_csv(
            paths["roi_by_geo"], index=False, encoding=CSV_ENCODING
        )
    events = result.events()
    if events.sizes.get("event", 0):
        paths["events"] = run / "events.csv"
        events.to_dataframe().reset_index().to_csv(paths["events"], index=False, encoding=CSV_ENCODING)
        response = result.crisis_response()
        if response.sizes.get("response", 0):
            paths["crisis_response"] = run / "crisis_response.csv"
            response.to_dataframe().reset_index().to_csv(
                paths["crisis_response"], index=False, encoding=CSV_ENCODING
            )
    diag = (diagnostics or result.diagnostics()).to_dict()
    diag["fingerprint"] = result.fingerprint()
    diag["approximate"] = result.is_approximate
    if ident is not None:
        diag["identifiability"] = ident.checks().to_dict()
        paths.update(write_identifiability(result, run, ident))
    diag["timing"] = {k: round(float(v), 3) for k, v in result.info.items() if k.endswith("_s")}
    paths["diagnostics"].write_text(
        json.dumps(jsonable(diag), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return paths


def write_identifiability(
    result: FitResult, run: str | Path, ident: Identifiability | None = None, target: float = 0.3
) -> dict[str, Path]:
    """Write ``identifiability.csv`` and ``experiments.csv`` into the run directory ``run``.

    ``identifiability.csv`` has the columns :data:`COLUMNS` then :data:`EVIDENCE`;
    ``experiments.csv`` those of :data:`mmm.decisions.experiments.COLUMNS` (no rows when every
    channel with a cost is well identified). A MAP fit (no posterior draws) writes
    nothing and returns an empty dict.
    """
    if result.n_samples < MIN_DRAWS:
        return {}
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    ident = ident or identifiability(result)
    paths = {"identifiability": run / "identifiability.csv", "experiments": run / "experiments.csv"}
    ident.table.to_csv(paths["identifiability"], index=False, encoding=CSV_ENCODING)
    if ident.by_geo is not None:
        paths["identifiability_by_geo"] = run / "identifiability_by_geo.csv"
        ident.by_geo.to_csv(paths["identifiability_by_geo"], index=False, encoding=CSV_ENCODING)
    experiments(result, ident, target=target).to_csv(
        paths["experiments"], index=False, encoding=CSV_ENCODING
    )
    return paths


@dataclass(frozen=True)
class Derived:
    """What ``mmm fit`` derived from a result and saved in its run directory."""

    diagnostics: Checks
    identifiability: Identifiability | None
    experiments: pd.DataFrame | None


def load_derived(result: FitResult | StoredRun, run: str | Path) -> Derived | None:
    """The diagnostics, identifiability and experiments saved in ``run`` for ``result``.

    None when ``run`` has no ``diagnostics.json``, or one written for another result (its
    fingerprint differs: the fit was redone, or by another mmm version): recompute then.
    """
    run = Path(run)
    try:
        diag = json.loads((run / "diagnostics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if diag.get("fingerprint") != result.fingerprint():
        return None
    ident = tests = None
    if "identifiability" in diag and (run / "identifiability.csv").exists():
        table = _read_table(run / "identifiability.csv")
        by_geo = None
        if (run / "identifiability_by_geo.csv").exists():
            by_geo = _read_table(run / "identifiability_by_geo.csv")[list(IDENT_GEO_COLUMNS)]
        ident = Identifiability(
            table[[*IDENT_COLUMNS, *EVIDENCE]],
            currency=result.dataset.channel_map.currency,
            by_geo=by_geo,
        )
        if (run / "experiments.csv").exists():
            tests = _read_table(run / "experiments.csv")
    return Derived(Checks.from_dict(diag), ident, tests)


def _read_table(path: Path) -> pd.DataFrame:
    """A CSV this module wrote, its text columns as text ("" for empty), numbers as numbers."""
    names = {"channel": str, "geo": str, "collinear_with": str}  # a region may be called 110000
    table = pd.read_csv(
        path, encoding=CSV_ENCODING, keep_default_na=False, na_values=[""], dtype=names
    )
    for col in table.columns:
        if table[col].dtype == object or pd.api.types.is_string_dtype(table[col]):
            table[col] = table[col].fillna("").astype(str)
    return table


def saved_plan(result: FitResult | StoredRun, run: str | Path) -> Allocation | None:
    """The budget plan ``mmm optimize`` saved in ``run`` for this fit, or None when there is none.

    Raises
    ------
    ConfigError
        When the saved plan was optimised on another fit (the run was refitted since):
        showing it would present an old plan as this fit's.
    """
    path = Path(run) / "allocation.json"
    if not path.exists():
        return None
    saved_for = json.loads(path.read_text(encoding="utf-8")).get("fit_id")
    fit_id = result.info.get("fit_id")
    if saved_for is not None and fit_id is not None and saved_for != fit_id:
        raise ConfigError(
            f"{str(path)!r} holds a plan optimised on an earlier fit; the run was refitted since. "
            "Run `mmm optimize RUN` again, or pass --replan to `mmm report`."
        )
    return Allocation.load(run)


def plan_note(allocation: Allocation, source: str, run: str | Path | None = None) -> str:
    """One line saying which plan a report shows: ``source`` is "saved", "new" or "replanned"."""
    locked = allocation.table.loc[allocation.table["locked"].astype(bool), "channel"]
    lock = T.fill(T.PLAN_LOCKED, channels=T.join_names(list(locked))) if len(locked) else ""
    if source == "saved":
        path = Path(run or ".") / "allocation.json"
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(path.stat().st_mtime))
        return T.fill(T.PLAN_SAVED, file=str(path), when=when, locked=lock)
    return T.fill(T.PLAN_REPLANNED if source == "replanned" else T.PLAN_NEW, locked=lock)


@dataclass
class StageTimer:
    """Wall time of each named pipeline stage, said as it goes (:func:`mmm._progress.step`)."""

    times: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        with _progress.step(f"[{name}]"):
            out = fn()
        self.times[name] = time.perf_counter() - t0
        return out


def lift_check_text(table: pd.DataFrame, channel_map: Any) -> str:
    """:func:`mmm.analysis.lift_check.lift_test_check`'s table in words, one test per line."""
    if table.empty:
        return "no lift tests to check"
    lines = [
        f"{'agrees' if r.agrees else 'DISAGREES':9s}  {describe(r, channel_map)}"
        for r in table.itertuples()
    ]
    if not table["agrees"].all():
        lines.append(
            "\nWhere a test and the model disagree, check the test first (window, spend change, "
            "regions, standard error); if it stands, refit with it (mmm fit … --lift-tests) and "
            "weigh its number over the model's for that channel."
        )
    return "\n".join(lines)
