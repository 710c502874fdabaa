"""``mmm.sklearn.MMMRegressor`` works with scikit-learn's model selection and pipelines."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from mmm.data.config import ChannelMap
from mmm.exceptions import DataValidationError
from mmm.model import settings
from mmm.model.spec import ModelSpec
from mmm.sklearn import MMMRegressor

FAST: dict[str, Any] = {"chains": 2, "draws": 100, "tune": 100, "seed": 1}
TRAIN = 91  # weeks of the small brand's 104 used to fit; the last 13 are forecast
# convergence of a 2 x 100 test fit is not what these tests check
pytestmark = pytest.mark.filterwarnings("ignore::mmm.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def xy() -> tuple[pd.DataFrame, pd.Series, ChannelMap]:
    brand = small_brand()
    kpi = brand.channel_map.kpi
    return brand.data.drop(columns=[kpi]), brand.data[kpi], brand.channel_map


def fill_gaps(X: pd.DataFrame) -> pd.DataFrame:
    """A cleaning step as a pipeline would have one: missing spend means none."""
    return X.fillna(0.0)


def test_cross_val_score_with_time_series_split(xy: Any) -> None:
    X, y, cmap = xy
    scores = cross_val_score(
        MMMRegressor(cmap, **FAST), X, y, cv=TimeSeriesSplit(n_splits=2, test_size=13)
    )
    # the second fold by hand: fit on the first 91 weeks, score the next 13
    by_hand = MMMRegressor(cmap, **FAST).fit(X.iloc[:TRAIN], y.iloc[:TRAIN])
    held_out = by_hand.score(X.iloc[TRAIN:], y.iloc[TRAIN:])
    assert scores.shape == (2,) and np.isfinite(scores).all()
    assert scores[1] == pytest.approx(held_out)  # a real, seeded fit per fold
    assert (scores > 0.2).all()  # forecasts beat the fold's mean KPI


def test_pipeline_fit_predict_and_score(xy: Any) -> None:
    X, y, cmap = xy
    X = X.copy()
    X.loc[5, "tv_spend"] = np.nan  # the pipeline's first step cleans it
    pipe = make_pipeline(FunctionTransformer(fill_gaps), MMMRegressor(cmap, **FAST))
    pipe.fit(X.iloc[:TRAIN], y.iloc[:TRAIN])
    in_sample = pipe.score(X.iloc[:TRAIN], y.iloc[:TRAIN])
    forecast = pipe.predict(X.iloc[TRAIN:])
    reg = pipe[-1]
    assert in_sample > 0.7
    assert forecast.shape == (13,) and np.all(forecast > 0)
    # the forecast is the model's own prediction for those weeks
    expected = reg.result_.predict(X.iloc[TRAIN:].reset_index(drop=True))["mean"].values
    np.testing.assert_allclose(forecast, expected)
    fitted = reg.predict(X.iloc[10:20])
    np.testing.assert_allclose(fitted, reg.result_.fitted()["mean"].values[10:20])
    assert list(reg.feature_names_in_) == list(X.columns)
    assert reg.result_.roi().sizes["channel"] == 4  # the fit is there to use
    with pytest.raises(DataValidationError, match="mixes periods of the training data"):
        reg.predict(X.iloc[TRAIN - 2 : TRAIN + 2])


def test_params_clone_and_the_precedence_of_settings(xy: Any) -> None:
    _, _, cmap = xy
    reg = MMMRegressor(cmap, trend="piecewise", draws=300)
    params = reg.get_params()
    assert set(params) == {"channel_map", "progress", *settings.FLAGS} - {"holdout_periods"}
    assert params["trend"] == "piecewise" and params["tune"] is None
    twin = clone(reg)
    assert twin.get_params()["trend"] == "piecewise" and not hasattr(twin, "result_")
    assert twin.set_params(trend="none", tune=50) is twin
    assert twin.model_spec().trend == "none" and twin.model_spec().tune == 50
    # unset parameters: the channel map's [model] table, then ModelSpec's default (as mmm fit)
    with_table = ChannelMap.from_dict(
        {**cmap.to_dict(), "model": {"fourier_modes": 1, "draws": 50}}
    )
    spec = MMMRegressor(with_table, draws=300).model_spec()
    assert (spec.fourier_modes, spec.draws, spec.tune) == (1, 300, ModelSpec().tune)
    assert MMMRegressor(cmap).model_spec() == ModelSpec(progress=False)


def test_bad_input_is_named(xy: Any) -> None:
    X, y, cmap = xy
    reg = MMMRegressor(cmap, **FAST)
    with pytest.raises(NotFittedError):
        reg.predict(X)
    with pytest.raises(DataValidationError, match="needs X as a pandas DataFrame"):
        reg.fit(X.to_numpy(), y)
    with pytest.raises(DataValidationError, match="no date column 'week'"):
        reg.fit(X.drop(columns="week"), y)
    with pytest.raises(DataValidationError, match="y has 3 values but X has 104 rows"):
        reg.fit(X, y.iloc[:3])
    with pytest.raises(DataValidationError, match="Pass y"):
        reg.fit(X)
