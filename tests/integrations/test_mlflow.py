"""The optional MLflow hook: a real (file-store) MLflow when installed, a clear error when not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from _fits import small_brand, small_result

from mmm.cli import main
from mmm.exceptions import MissingDependencyError
from mmm.integrations import mlflow as hook
from mmm.present.runs import write_fit_tables


@pytest.fixture
def tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """MLflow logging to a folder under tmp_path; the MLflow client reading it back."""
    mlflow = pytest.importorskip("mlflow")
    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield mlflow.tracking.MlflowClient(uri)
    mlflow.set_tracking_uri(None)


def test_log_run_logs_settings_diagnostics_roi_and_files(tracking: Any, tmp_path: Path) -> None:
    import mlflow

    result = small_result()
    run = tmp_path / "run"
    write_fit_tables(result, run)
    diag = result.diagnostics()
    run_id = hook.log_run(result, run, run_name="q4", diagnostics=diag)
    logged = tracking.get_run(run_id).data
    assert logged.params["trend"] == "linear" and logged.params["holdout_periods"] == "8"
    assert logged.params["periods"] == "104" and logged.params["kpi"] == "revenue"
    rhat = next(c for c in diag.checks if c.name == "r_hat").values["max_rhat"]
    assert logged.metrics["r_hat.max_rhat"] == pytest.approx(rhat)
    roi = result.roi().to_dataframe()
    assert logged.metrics["roi.tv.mean"] == pytest.approx(roi.loc["tv", "roi_mean"])
    assert logged.tags["mmm.status"] == diag.status
    files = {a.path for a in tracking.list_artifacts(run_id, "run")}
    assert {"run/roi.csv", "run/diagnostics.json"} <= files
    # inside an active run, the fit goes into that run
    with mlflow.start_run() as outer:
        assert hook.log_run(result, diagnostics=diag) == outer.info.run_id


def test_mmm_fit_mlflow(tracking: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = small_brand().to_files(tmp_path, "brand")
    fast = ["--chains", "2", "--draws", "60", "--tune", "60", "--quiet"]
    argv = ["fit", str(paths["data"]), "-c", str(paths["channel_map"]), "-o", str(tmp_path / "r")]
    assert main([*argv, *fast, "--mlflow"]) == 0
    run_id = capsys.readouterr().out.split("logged to MLflow run ")[1].split()[0]
    assert tracking.get_run(run_id).data.params["draws"] == "60"


def test_without_mlflow_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'mediamix\[mlflow\]'"):
        hook.log_run(small_result())
    paths = small_brand().to_files(tmp_path, "brand")
    argv = ["fit", str(paths["data"]), "-c", str(paths["channel_map"]), "-o", str(tmp_path / "r")]
    assert main([*argv, "--mlflow"]) == 2  # refused before fitting
    assert "mediamix[mlflow]" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()
