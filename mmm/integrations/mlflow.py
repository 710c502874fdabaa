"""Log a fit to MLflow: its settings as params, its diagnostics and ROI as metrics, the run folder.

Optional: ``pip install 'mediamix[mlflow]'`` (``mlflow-skinny``). MLflow's own configuration
applies (``MLFLOW_TRACKING_URI``, ``MLFLOW_EXPERIMENT_NAME``); inside an active MLflow run the
fit is logged into it, otherwise a new run is started.

>>> from mmm.integrations.mlflow import log_run      # doctest: +SKIP
>>> run_id = log_run(result, "runs/2024Q4")          # doctest: +SKIP

What is logged:

- params: every model setting (:data:`mmm.model.settings.FLAGS`), the number of lift tests,
  and the data's shape (periods, channels, frequency, KPI);
- metrics: each diagnostic's numbers as ``<check>.<value>`` (``r_hat.max_rhat``,
  ``ess.min_ess_bulk``, ``divergences.divergences``, ``fit_in_sample.mape``, …) and each
  channel's ROI as ``roi.<channel>.mean`` / ``.lower`` / ``.upper``;
- tags: the overall status (PASS / REVIEW / FAIL), the failed checks, the mmm version;
- artifacts: the run directory, when given, under ``run/``.
"""

from __future__ import annotations

import math
import re
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmm._checks import Checks
from mmm.analysis.persist import library_versions
from mmm.exceptions import MissingDependencyError
from mmm.model import settings

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

#: characters MLflow does not accept in a metric or param name
_BAD_KEY = re.compile(r"[^\w.\- /]")


def require() -> Any:
    """The ``mlflow`` module, or a :class:`MissingDependencyError` saying how to install it."""
    try:
        import mlflow
    except ImportError:
        raise MissingDependencyError(
            "Logging to MLflow needs the `mlflow` package, which is not installed: "
            "pip install 'mediamix[mlflow]'."
        ) from None
    return mlflow


def _key(*parts: str) -> str:
    return ".".join(_BAD_KEY.sub("_", p) for p in parts)


def run_params(result: FitResult) -> dict[str, str]:
    """The fit's settings and data shape, as MLflow params (strings)."""
    spec, ds = result.spec, result.dataset
    params: dict[str, Any] = {name: getattr(spec, name) for name in settings.FLAGS}
    params.update(
        lift_tests=len(spec.lift_tests),
        periods=ds.n_periods,
        channels=ds.n_channels,
        frequency=ds.frequency,
        kpi=ds.channel_map.kpi,
    )
    return {k: str(v) for k, v in params.items()}


def run_metrics(result: FitResult, diagnostics: Checks) -> dict[str, float]:
    """Every finite number of the diagnostics, and each channel's ROI (mean and interval)."""
    out: dict[str, float] = {}
    for check in diagnostics.checks:
        for name, value in (check.values or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if math.isfinite(value):
                out[_key(check.name, name)] = float(value)
    if not result.is_approximate:
        roi = result.roi().to_dataframe()
        for channel, row in roi.iterrows():
            for stat in ("mean", "lower", "upper"):
                value = float(row[f"roi_{stat}"])
                if math.isfinite(value):
                    out[_key("roi", str(channel), stat)] = value
    return out


def log_run(
    result: FitResult,
    run_dir: str | Path | None = None,
    *,
    run_name: str | None = None,
    diagnostics: Checks | None = None,
) -> str:
    """Log ``result`` (and the files of ``run_dir``) to MLflow; returns the MLflow run id.

    Raises
    ------
    MissingDependencyError
        When MLflow is not installed (``pip install 'mediamix[mlflow]'``).
    """
    mlflow = require()
    diag = diagnostics if diagnostics is not None else result.diagnostics()
    active = mlflow.active_run()
    with nullcontext(active) if active is not None else mlflow.start_run(run_name=run_name) as run:
        mlflow.log_params(run_params(result))
        mlflow.log_metrics(run_metrics(result, diag))
        failed = [c.name for c in diag.checks if c.status == "FAIL"]
        mlflow.set_tags(
            {
                "mmm.status": diag.status,
                "mmm.failed_checks": ", ".join(failed) or "none",
                "mmm.version": library_versions()["mediamix"],
                "mmm.approximate": str(result.is_approximate),
            }
        )
        if run_dir is not None:
            mlflow.log_artifacts(str(run_dir), artifact_path="run")
        return str(run.info.run_id)
