"""`mmm cv` end to end, in-process: folds written beside a run and shown by `mmm report`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mmm.analysis.validate import FOLD_COLUMNS
from mmm.cli import main
from mmm.data.synthetic import generate

TINY = ["--chains", "2", "--draws", "60", "--tune", "60", "--quiet"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    brand = generate(seed=4, weeks=78, channels=["tv", "weibo", "mentions"])
    paths = brand.to_files(tmp_path_factory.mktemp("cv"), "brand")
    # no holiday regressors: every fold then has the same model structure, so the fit's
    # compiled model serves all folds (a fold too short to see a holiday twice drops it)
    text = paths["channel_map"].read_text(encoding="utf-8")
    paths["channel_map"].write_text(text.replace('holidays = "CN"\n', ""), encoding="utf-8")
    return paths["data"], paths["channel_map"]


def test_cv_writes_folds_that_the_report_shows(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, cmap = files
    run = tmp_path / "run"
    args = ["--config", str(cmap), "--out", str(run), *TINY]
    assert main(["fit", str(data), *args, "--holdout", "4"]) == 0
    assert main(["cv", str(data), *args, "--folds", "2", "--horizon", "8", "--jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert "Cross-validation:" in printed and "cv_accuracy" in printed
    folds = pd.read_csv(run / "cv.csv")
    assert list(folds.columns[: len(FOLD_COLUMNS)]) == list(FOLD_COLUMNS)
    assert list(folds["n_train"]) == [62, 70] and (folds["n_test"] == 8).all()
    roi = pd.read_csv(run / "cv_roi.csv")
    assert set(roi["channel"]) == {"tv", "weibo"} and len(roi) == 4
    assert (run / "cv_stability.csv").exists()
    assert main(["report", str(run)]) == 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert 'data-table="cv_folds"' in html


def test_cv_with_impossible_folds_exits_2(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, cmap = files
    code = main(["cv", str(data), "--config", str(cmap), "--out", str(tmp_path), "--folds", "9"])
    assert code == 2 and "9 folds of 13 periods" in capsys.readouterr().err
