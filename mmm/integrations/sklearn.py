"""A scikit-learn estimator: ``MMMRegressor`` fits the media-mix model on a DataFrame.

So ``cross_val_score``, ``TimeSeriesSplit``, ``GridSearchCV`` and pipelines work::

    from sklearn.model_selection import TimeSeriesSplit, cross_val_score
    from mmm.sklearn import MMMRegressor

    X = frame.drop(columns="revenue")          # the date column, spend/activity and controls
    y = frame["revenue"]
    reg = MMMRegressor(channel_map="brand.toml", chains=2, draws=300, tune=300)
    cross_val_score(reg, X, y, cv=TimeSeriesSplit(n_splits=3, test_size=13))

``X`` has one row per period (weekly or monthly, in date order) with the channel map's date
column and input columns; ``y`` is the KPI. ``predict`` gives the expected KPI (posterior
mean) for periods of the training data, or for the periods right after it (a forecast from
the planned inputs in ``X``, carrying over the past), and ``score`` is R² on them.

Model settings are estimator parameters named as ModelSpec's fields (``trend``,
``target_accept``, …). Left at None, a setting comes from the channel map's ``[model]``
table, then from ModelSpec's default: the same precedence as ``mmm fit``'s flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from mmm.analysis.attribution import fitted
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.results import FitResult
from mmm.data.config import ChannelMap
from mmm.data.load import as_channel_map, from_dataframe
from mmm.exceptions import DataValidationError, list_dates
from mmm.model import settings
from mmm.model.spec import ModelSpec


class MMMRegressor(RegressorMixin, BaseEstimator):
    """scikit-learn regressor around :class:`~mmm.analysis.fit.MediaMixModel`.

    Parameters
    ----------
    channel_map : ChannelMap, dict or path
        The channel map (its ``kpi`` column is what ``y`` holds).
    adstock, saturation, max_lag, roi_prior, share_prior, trend, n_changepoints,
    fourier_modes, likelihood, sampler, method, chains, draws, tune, seed, target_accept,
        national_effect, geo_spread
        ModelSpec settings (see ``mmm fit --help``); None: the channel map's ``[model]``
        value, else ModelSpec's default.
    progress : bool
        Show the sampler's progress bar.

    Attributes
    ----------
    result_ : FitResult
        The fit (``reg.result_.roi()``, ``.diagnostics()``, …).
    spec_ : ModelSpec
        The spec it was fitted with.
    feature_names_in_ : ndarray of str
        The columns of ``X`` seen in ``fit``.
    """

    def __init__(
        self,
        channel_map: ChannelMap | dict[str, Any] | str | Path,
        *,
        adstock: str | None = None,
        saturation: str | None = None,
        max_lag: int | None = None,
        roi_prior: tuple[float, float] | None = None,
        share_prior: tuple[float, float] | None = None,
        trend: str | None = None,
        n_changepoints: int | None = None,
        fourier_modes: int | None = None,
        likelihood: str | None = None,
        sampler: str | None = None,
        method: str | None = None,
        chains: int | None = None,
        draws: int | None = None,
        tune: int | None = None,
        seed: int | None = None,
        target_accept: float | None = None,
        national_effect: bool | None = None,
        geo_spread: float | None = None,
        progress: bool = False,
    ) -> None:
        self.channel_map = channel_map
        self.adstock = adstock
        self.saturation = saturation
        self.max_lag = max_lag
        self.roi_prior = roi_prior
        self.share_prior = share_prior
        self.trend = trend
        self.n_changepoints = n_changepoints
        self.fourier_modes = fourier_modes
        self.likelihood = likelihood
        self.sampler = sampler
        self.method = method
        self.chains = chains
        self.draws = draws
        self.tune = tune
        self.seed = seed
        self.target_accept = target_accept
        self.national_effect = national_effect
        self.geo_spread = geo_spread
        self.progress = progress

    # ------------------------------------------------------------------ sklearn API
    def fit(self, X: pd.DataFrame, y: Any = None) -> MMMRegressor:
        """Fit the model on ``X`` (one row per period) and the KPI ``y`` (or ``X``'s KPI column)."""
        cmap = as_channel_map(self.channel_map)
        frame = self._frame(X, cmap)
        if y is not None:
            values = np.asarray(y, dtype=float).ravel()
            if len(values) != len(frame):
                raise DataValidationError(
                    f"y has {len(values)} values but X has {len(frame)} rows; give one KPI per row."
                )
            frame[cmap.kpi] = values
        elif cmap.kpi not in frame:
            raise DataValidationError(
                f"Pass y (the KPI) or include the KPI column {cmap.kpi!r} in X."
            )
        ds = from_dataframe(frame, cmap)
        if ds.data.attrs.get("source_frequency") not in (None, ds.frequency):
            raise DataValidationError(
                "MMMRegressor needs one row per modelled period; aggregate daily rows to weeks "
                "first (mmm.load does it for the other entry points)."
            )
        self.spec_ = self.model_spec(cmap)
        self.result_: FitResult = MediaMixModel(self.spec_).fit(ds)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Expected KPI (posterior mean, in the KPI's units) for each row of ``X``.

        Rows are periods of the training data (the fitted expectation) or the periods right
        after it (a forecast from ``X``'s planned inputs); not a mix of both.
        """
        result = self._fitted_result()
        cmap = result.dataset.channel_map
        frame = self._frame(X, cmap)
        dates = pd.DatetimeIndex(pd.to_datetime(frame[cmap.date]))
        known = result.dataset.dates
        inside = dates.isin(known)
        if inside.all():
            mean = fitted(result, predictive=False)["mean"].to_series()
            return mean.loc[dates].to_numpy(dtype=float)
        if not inside.any():
            return np.asarray(result.predict(frame)["mean"].values, dtype=float)
        raise DataValidationError(
            f"X mixes periods of the training data ({list_dates(dates[inside])}) with later ones "
            f"({list_dates(dates[~inside])}); predict them separately."
        )

    def model_spec(self, channel_map: ChannelMap | None = None) -> ModelSpec:
        """The ModelSpec these parameters give: parameter > channel map ``[model]`` > default."""
        cmap = as_channel_map(self.channel_map) if channel_map is None else channel_map
        given = {k: getattr(self, k) for k in settings.FLAGS if getattr(self, k, None) is not None}
        given = {k: tuple(v) if isinstance(v, list) else v for k, v in given.items()}
        spec, _ = settings.resolve(cmap, given)
        return spec.replace(progress=self.progress)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True  # the date column (X is a DataFrame)
        tags.input_tags.positive_only = True  # spend and activity
        tags.non_deterministic = self.sampler == "numpyro"
        return tags

    # ------------------------------------------------------------------ helpers
    def _fitted_result(self) -> FitResult:
        result = getattr(self, "result_", None)
        if result is None:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This MMMRegressor is not fitted yet; call fit(X, y) first.")
        return result

    @staticmethod
    def _frame(X: Any, cmap: ChannelMap) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise DataValidationError(
                f"MMMRegressor needs X as a pandas DataFrame with the date column {cmap.date!r} "
                f"and the channel map's columns, not {type(X).__name__}."
            )
        if cmap.date not in X.columns:
            raise DataValidationError(
                f"X has no date column {cmap.date!r} (the channel map's `date`); its columns are "
                f"{', '.join(map(str, X.columns[:10]))}."
            )
        return X.reset_index(drop=True).copy()
