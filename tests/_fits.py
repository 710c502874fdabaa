"""One small real fit shared by the tests of downstream stages (attribution, optimiser, report).

The fit is computed once per test session (``lru_cache``) on the synthetic generator, with
few draws: enough for stages to run on a real posterior, not for recovery claims (those
live in the slow tests).
"""

from __future__ import annotations

from functools import lru_cache

from mmm.io import from_dataframe
from mmm.model import MediaMixModel
from mmm.spec import ModelSpec
from mmm.synthetic import SyntheticBrand, generate


@lru_cache(maxsize=1)
def small_brand() -> SyntheticBrand:
    """Two years of weekly data, four paid channels (two social), one owned, one earned."""
    return generate(
        seed=3, weeks=104, channels=["tv", "search", "weibo", "douyin", "wechat_posts", "mentions"]
    )


@lru_cache(maxsize=1)
def small_result():  # type: ignore[no-untyped-def]
    """A real nutpie fit of :func:`small_brand` with 2 chains × 150 draws and a 8-week holdout."""
    brand = small_brand()
    ds = from_dataframe(brand.data, brand.channel_map)
    spec = ModelSpec(chains=2, draws=150, tune=150, seed=1, progress=False, holdout_periods=8)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore"
        )  # convergence of a tiny test fit is not what these tests check
        return MediaMixModel(spec).fit(ds)
