"""Bridges to other tools: scikit-learn (:mod:`mmm.integrations.sklearn`) and MLflow
(:mod:`mmm.integrations.mlflow`).

This layer sits above :mod:`mmm.present` (it may use run directories and reports) and below
:mod:`mmm.batch` and the CLI. Each bridge imports its tool when used, so ``import mmm`` never
needs MLflow.
"""
