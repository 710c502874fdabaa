"""The model's design: scaled inputs and baseline features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmm.model.design import fourier_features, holiday_features


def test_holiday_regressors_are_recurring_named_holidays_only() -> None:
    dates = pd.date_range("2022-01-03", periods=156, freq="W-MON")
    feats, names = holiday_features(dates, "CN", "W")
    assert "Chinese New Year (Spring Festival)" in names and "National Day" in names
    assert not any(
        "substituted" in n.lower() for n in names
    )  # one-off make-up days identify nothing
    assert feats.shape == (156, len(names))
    # National Day lands only in the weeks around October 1, every year of the data
    nd = feats[:, names.index("National Day")]
    hit = dates[nd > 0]
    assert set(hit.year) == {2022, 2023, 2024}
    assert all((d.month == 10) or (d.month == 9 and d.day >= 25) for d in hit)


def test_fourier_terms_follow_the_calendar() -> None:
    a = fourier_features(pd.DatetimeIndex(["2022-03-07"]), 52.18, 2)
    b = fourier_features(pd.DatetimeIndex(["2023-03-07"]), 52.18, 2)
    np.testing.assert_allclose(a, b, atol=0.02)  # same day of year, same season
    assert fourier_features(pd.DatetimeIndex(["2022-03-07"]), 52.18, 0).shape == (1, 0)
