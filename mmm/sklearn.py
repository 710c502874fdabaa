"""``mmm.sklearn.MMMRegressor``: the scikit-learn estimator of :mod:`mmm.integrations.sklearn`."""

from __future__ import annotations

from mmm.integrations.sklearn import MMMRegressor

__all__ = ["MMMRegressor"]
