"""The report's model-health section shows the cross-validation summary when one was run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from mmm.analysis.validate import CrossValidation
from mmm.present import text as T
from mmm.present.report import build


def _section(html: str, sid: str) -> str:
    start = html.index(f'<section id="{sid}"')
    return html[start : html.index("</section>", start)]


def _cv(channels: list[str]) -> CrossValidation:
    folds = pd.DataFrame(
        {"fold": [1, 2], "train_start": "2022-01-03", "train_end": ["2023-04-03", "2023-07-03"],
         "test_start": ["2023-04-10", "2023-07-10"], "test_end": ["2023-07-03", "2023-10-02"],
         "n_train": [66, 79], "n_test": [13, 13], "mape": [0.041, 0.063],
         "coverage": [0.92, 0.85], "bias": [0.01, -0.02], "convergence": ["PASS", "REVIEW"],
         "fit_s": [3.0, 3.2]}
    )  # fmt: skip
    # the first channel's ROI jumps from 2.0 to 3.0 (intervals ±0.2 do not overlap)
    roi = pd.DataFrame(
        [{"fold": k, "channel": ch, "roi_mean": m, "roi_lower": m - 0.2, "roi_upper": m + 0.2}
         for k in (1, 2) for ch in channels for m in [1.0 + k if ch == channels[0] else 2.0]]
    )  # fmt: skip
    return CrossValidation(folds, roi)


def test_health_shows_the_cross_validation_summary(result: Any, html: str, tmp_path: Path) -> None:
    assert T.CV_NONE in _section(html, "health")  # the shared report has none: it says how
    channels = list(result.dataset.channels_of(has_cost=True))
    cv = _cv(channels)
    out = build(result, out=tmp_path / "cv.html", cross_validation=cv)
    health = _section(out.read_text(encoding="utf-8"), "health")
    assert T.CV_TITLE in health and "5.2%" in health  # mean MAPE over the folds
    assert 'data-table="cv_folds"' in health and 'data-table="cv_stability"' in health
    assert cv.unstable == (channels[0],)
    assert T.fill(T.CV_UNSTABLE, channels=channels[0]) in health
    folds = pd.read_csv(tmp_path / "cv_cv_folds.csv")
    assert list(folds["mape"]) == [0.041, 0.063]
