"""One small real fit shared by the tests of downstream stages (attribution, optimiser, report).

The fit is computed once per test session (``lru_cache``) on the synthetic generator, with
few draws: enough for stages to run on a real posterior, not for recovery claims (those
live in the slow tests).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.data.synthetic import SyntheticBrand, generate
from mmm.model.spec import ModelSpec


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


def tiny_model(data: bool = False):  # type: ignore[no-untyped-def]
    """A two-parameter PyMC model (observations as pm.Data when ``data``): quick to compile."""
    import pymc as pm

    y = np.array([0.1, -0.3, 0.4, 0.2])
    with pm.Model() as model:
        obs = pm.Data("y", y) if data else y
        mu = pm.Normal("mu", 0, 1)
        sigma = pm.HalfNormal("sigma", 1)
        pm.Normal("obs", mu, sigma, observed=obs)
    return model, ["mu", "sigma"]
