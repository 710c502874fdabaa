"""Run directories: what ``mmm fit`` / ``optimize`` / ``report`` / ``demo`` read and write.

A run directory holds the saved :class:`~mmm.results.FitResult` plus plain tables that
scripts and spreadsheets can read without Python:

- ``roi.csv`` — one row per channel with a cost: channel, media, social, spend,
  contribution_mean, roi_mean, roi_lower, roi_upper, roi_direct_mean, roi_direct_lower,
  roi_direct_upper (90% intervals; ``roi_*`` includes what flows through earned media);
- ``contributions.csv`` — tidy weekly contributions (date, component, mean, lower, upper);
- ``diagnostics.json`` — every check with status, message, recommendation and numbers,
  including how well the data identify each channel (prior vs posterior);
- ``identifiability.csv`` and ``experiments.csv`` — per-channel identifiability and the lift
  tests that would settle the uncertain ones (full fits only; a MAP preview has no posterior).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmm.dataset import MMMDataset
from mmm.results import FitResult, jsonable

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

REPO_DATA = Path(__file__).resolve().parent.parent / "data"
DEMO_STEM = "brand_weekly"


def identify_or_none(result: FitResult) -> Any:
    """Identifiability of a full fit, or None for an approximate (MAP) one."""
    if result.is_approximate:
        return None
    from mmm.identify import identifiability

    return identifiability(result)


def write_fit_tables(
    result: FitResult, run: str | Path, ident: Any = None, diagnostics: Any = None
) -> dict[str, Path]:
    """Write roi.csv, contributions.csv, diagnostics.json (+ identifiability/experiments CSVs) into ``run``."""
    run = Path(run)
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
    diag["approximate"] = result.is_approximate
    if ident is not None:
        from mmm.identify import write_identifiability

        diag["identifiability"] = ident.checks().to_dict()
        paths.update(write_identifiability(result, run, ident))
    diag["timing"] = {k: round(float(v), 3) for k, v in result.info.items() if k.endswith("_s")}
    paths["diagnostics"].write_text(
        json.dumps(jsonable(diag), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return paths


def demo_dataset() -> tuple[MMMDataset, str]:
    """The bundled sample brand (data/brand_weekly.*), regenerated identically if the files are absent."""
    from mmm.io import load

    csv, toml = REPO_DATA / f"{DEMO_STEM}.csv", REPO_DATA / f"{DEMO_STEM}.toml"
    if csv.exists() and toml.exists():
        return load(csv, toml), str(csv)
    from mmm.io import from_dataframe
    from mmm.synthetic import generate

    brand = generate(seed=7, weeks=156)
    return from_dataframe(brand.data, brand.channel_map), "synthetic brand (seed 7, 156 weeks)"


@dataclass
class StageTimer:
    """Wall time of each named pipeline stage, printed as it goes."""

    say: Callable[[str], None] = print
    times: dict[str, float] = field(default_factory=dict)

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        self.say(f"[{name}] …")
        t0 = time.perf_counter()
        out = fn()
        self.times[name] = time.perf_counter() - t0
        self.say(f"[{name}] done in {self.times[name]:.1f}s")
        return out
