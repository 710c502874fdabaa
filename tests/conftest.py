"""Small seeded data helpers shared by the tests (no dependency on mmm.data.synthetic)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

#: the channel-map schema quoted in GitHub issue 2, exactly as given
ISSUE_TOML = """\
date = "week"            # date column
kpi = "revenue"          # sales / revenue column (kpi_type = "revenue" by default)
# frequency = "W"        # optional; otherwise inferred; daily data is aggregated to weekly
[channels.tv]
media = "paid"           # paid | owned | earned
spend = "tv_spend"
[channels.weibo]
media = "paid"
spend = "weibo_spend"
social = true
[channels.wechat_posts]
media = "owned"
activity = "wechat_posts_units"   # owned/earned channels have activity, not spend
social = true
# cost = "wechat_content_cost"    # optional: owned channels with a cost get an ROI
[channels.mentions]
media = "earned"
activity = "social_mentions"
driven_by = ["weibo", "wechat_posts"]   # sources whose activity generates this earned media
[controls]
columns = ["price_index", "promo_festival"]
# holidays = "CN"        # optional holiday regressors from the `holidays` package
"""


def channel_map_dict() -> dict[str, Any]:
    """3 paid + 1 owned + 1 earned channel and two controls, matching :func:`weekly_frame`."""
    return {
        "date": "week",
        "kpi": "revenue",
        "channels": {
            "tv": {"media": "paid", "spend": "tv_spend"},
            "weibo": {"media": "paid", "spend": "weibo_spend", "social": True},
            "search": {"media": "paid", "spend": "search_spend"},
            "wechat_posts": {"media": "owned", "activity": "wechat_posts_units", "social": True},
            "mentions": {
                "media": "earned",
                "activity": "social_mentions",
                "driven_by": ["weibo", "wechat_posts"],
            },
        },
        "controls": {"columns": ["price_index", "promo_festival"]},
    }


def frame(dates: pd.DatetimeIndex, seed: int = 0, scale: float = 1.0) -> pd.DataFrame:
    """A wide frame with one row per date (``scale`` shrinks per-row values, e.g. 1/7 for days)."""
    rng = np.random.default_rng(seed)
    n = len(dates)
    df = pd.DataFrame({"week": dates})
    df["tv_spend"] = np.round(rng.gamma(2.0, 5000.0, n) * scale, 2)
    df["weibo_spend"] = np.round(rng.gamma(2.0, 2000.0, n) * scale, 2)
    df["search_spend"] = np.round(rng.gamma(3.0, 1000.0, n) * scale, 2)
    df["wechat_posts_units"] = rng.poisson(5.0 * scale + 1, n).astype(float)
    df["social_mentions"] = rng.poisson(200.0 * scale + 5, n).astype(float)
    df["price_index"] = np.round(1.0 + 0.05 * rng.standard_normal(n), 3)
    df["promo_festival"] = (rng.random(n) < 0.1).astype(float)
    media = 0.8 * df["tv_spend"] + 1.5 * df["weibo_spend"] + 2.0 * df["search_spend"]
    df["revenue"] = np.round(50_000 * scale + media + rng.normal(0, 2000 * scale, n), 2)
    return df


def weekly_frame(weeks: int = 60, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """``weeks`` Monday-dated weekly rows."""
    return frame(pd.date_range(start, periods=weeks, freq="7D"), seed)


def daily_frame(days: int = 7 * 60, seed: int = 0, start: str = "2024-01-01") -> pd.DataFrame:
    """``days`` daily rows (2024-01-01 is a Monday), date column still called ``week``."""
    return frame(pd.date_range(start, periods=days, freq="D"), seed, scale=1 / 7)


@pytest.fixture
def weekly_df() -> pd.DataFrame:
    return weekly_frame()


@pytest.fixture
def cmap_dict() -> dict[str, Any]:
    return channel_map_dict()


@pytest.fixture
def issue_toml(tmp_path: Path) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(ISSUE_TOML, encoding="utf-8")
    return path


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write a frame to ``tmp_path/name`` as UTF-8 CSV and return the path."""

    def _write(df: pd.DataFrame, name: str = "data.csv") -> Path:
        path = tmp_path / name
        df.to_csv(path, index=False)
        return path

    return _write


@pytest.fixture
def make_weekly() -> Callable[..., pd.DataFrame]:
    return weekly_frame


@pytest.fixture
def make_daily() -> Callable[..., pd.DataFrame]:
    return daily_frame


@pytest.fixture
def make_frame() -> Callable[..., pd.DataFrame]:
    return frame


@pytest.fixture(scope="session", autouse=True)
def _own_figure_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Reports drawn by the tests cache their figures in a temporary folder, not ~/.cache."""
    import os

    os.environ["MMM_FIGURE_CACHE"] = str(tmp_path_factory.mktemp("figures"))
