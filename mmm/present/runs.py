"""Run directories: what ``mmm fit`` / ``optimize`` / ``report`` / ``demo`` read and write.

A run directory holds the saved :class:`~mmm.analysis.results.FitResult` plus plain tables that
scripts and spreadsheets can read without Python:

- ``roi.csv`` — one row per channel with a cost: channel, media, social, spend,
  contribution_mean, roi_mean, roi_lower, roi_upper, roi_direct_mean, roi_direct_lower,
  roi_direct_upper (90% intervals; ``roi_*`` includes what flows through earned media);
- ``contributions.csv`` — tidy weekly contributions (date, component, mean, lower, upper);
- ``diagnostics.json`` — every check with status, message, recommendation and numbers,
  including how well the data identify each channel (prior vs posterior);
- ``identifiability.csv`` and ``experiments.csv`` — per-channel identifiability and the lift
  tests that would settle the uncertain ones (full fits only; a MAP preview has no posterior).

``diagnostics.json`` also records the result's :meth:`~mmm.analysis.results.FitResult.fingerprint`.
Later commands on the run directory (``mmm report``, ``mmm optimize``) read the diagnostics,
identifiability and experiments back with :func:`load_derived` instead of recomputing them —
but only when the saved result still has that fingerprint.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mmm import _progress
from mmm._checks import Checks
from mmm.analysis.identify import COLUMNS as IDENT_COLUMNS
from mmm.analysis.identify import EVIDENCE, MIN_DRAWS, Identifiability, identifiability
from mmm.analysis.results import FitResult, jsonable
from mmm.decisions.experiments import experiments

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



def identify_or_none(result: FitResult) -> Identifiability | None:
    """Identifiability of a full fit, or None for an approximate (MAP) one."""
    if result.is_approximate:
        return None
    return identifiability(result)


def write_fit_tables(
    result: FitResult, run: str | Path, ident: Any = None, diagnostics: Any = None
) -> dict[str, Path]:
    """Write roi.csv, contributions.csv, diagnostics.json (+ identifiability/experiments CSVs) into ``run``."""
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
    roi[ROI_COLUMNS + ["roi_via_earned_mean"]].to_csv(paths["roi"], index=False)
    contrib = result.contributions().to_dataframe().reset_index()
    contrib.to_csv(paths["contributions"], index=False)
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
    ident.table.to_csv(paths["identifiability"], index=False)
    experiments(result, ident, target=target).to_csv(paths["experiments"], index=False)
    return paths


@dataclass(frozen=True)
class Derived:
    """What ``mmm fit`` derived from a result and saved in its run directory."""

    diagnostics: Checks
    identifiability: Identifiability | None
    experiments: pd.DataFrame | None


def load_derived(result: FitResult, run: str | Path) -> Derived | None:
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
        table = pd.read_csv(run / "identifiability.csv", keep_default_na=False, na_values=[""])
        text = ["channel", "media", "metric", "class", "reason", "collinear_with"]
        table[text] = table[text].fillna("").astype(str)
        ident = Identifiability(
            table[[*IDENT_COLUMNS, *EVIDENCE]], currency=result.dataset.channel_map.currency
        )
        if (run / "experiments.csv").exists():
            tests = pd.read_csv(run / "experiments.csv", keep_default_na=False, na_values=[""])
            for col in ("channel", "class", "design", "note"):
                if col in tests:
                    tests[col] = tests[col].fillna("").astype(str)
    return Derived(Checks.from_dict(diag), ident, tests)


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
