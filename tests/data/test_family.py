"""The family of synthetic brands: seeded, varied as promised, truth consistent with the data."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.data.family import brand_family, draw_settings, family_brand
from mmm.data.synthetic import carryover, generate
from mmm.model.transforms import DelayedAdstock


def test_same_index_same_brand_whatever_the_family_size() -> None:
    a, b = family_brand(3, 0), brand_family(5, 0)[3]
    assert a.settings == b.settings
    assert a.brand.data.equals(b.brand.data)
    assert not family_brand(3, 1).brand.data.equals(a.brand.data)


def test_settings_cover_the_promised_ranges() -> None:
    s = [draw_settings(i, 0) for i in range(60)]
    weeks = [x["weeks"] for x in s]
    noise = [x["noise"] for x in s]
    assert min(weeks) >= 104 and max(weeks) <= 208 and max(weeks) - min(weeks) > 60
    assert min(noise) >= 0.03 and max(noise) <= 0.12
    assert sum(bool(x["null_channels"]) for x in s) > 20  # zero-effect channels are common
    assert any(len(x["null_channels"]) == 2 for x in s)
    delayed = [t for x in s for t in x["transforms"].values() if "theta" in t]
    assert len(delayed) > 20 and all(1 <= t["theta"] <= 3 for t in delayed)
    assert sum("mentions" in x["channels"] for x in s) > 40
    assert any(x["chinese"] for x in s) and any(x["confounded"] for x in s)
    for x in s:
        paid = [k for k in x["channels"] if k in x["roi"]]
        assert 3 <= len(paid) <= 6


def test_truth_is_zero_for_null_channels_and_follows_the_drawn_roi() -> None:
    fb = next(b for b in brand_family(12) if len(b.settings["null_channels"]) == 2)
    truth = fb.brand.truth.set_index("channel")
    assert len(fb.null_channels) == 2
    assert (truth.loc[list(fb.null_channels), "roi_total"] == 0).all()
    live = [k for k, r in fb.settings["roi"].items() if r > 0 and not fb.settings["chinese"]]
    for k in live:
        if k not in fb.null_channels:
            assert truth.loc[k, "roi_direct"] == pytest.approx(fb.settings["roi"][k], rel=1e-6)


def test_delayed_carryover_matches_the_models_delayed_adstock() -> None:
    x = np.zeros(12)
    x[2] = 5.0
    w = DelayedAdstock(max_lag=8).weights(np, alpha=np.array([0.5]), theta=np.array([2.0]))[0]
    expected = np.zeros(12)
    expected[2:10] = 5.0 * w
    np.testing.assert_allclose(carryover(x, 0.5, theta=2.0), expected)
    assert int(np.argmax(carryover(x, 0.5, theta=2.0))) == 4  # the peak comes two weeks later


def test_modulate_shapes_budgets_and_bad_overrides_are_refused() -> None:
    n = 104
    up = np.exp(np.linspace(0, 1, n))
    plain = generate(seed=2, weeks=n, channels=["tv", "search", "weibo"])
    ramped = generate(seed=2, weeks=n, channels=["tv", "search", "weibo"], modulate={"search": up})
    a, b = plain.data["search_spend"], ramped.data["search_spend"]
    assert b.iloc[-26:].mean() / b.iloc[:26].mean() > 1.8 * a.iloc[-26:].mean() / a.iloc[:26].mean()
    assert plain.data["tv_spend"].equals(ramped.data["tv_spend"])  # other channels untouched
    with pytest.raises(ValueError, match="modulate"):
        generate(seed=2, weeks=n, channels=["tv"], modulate={"tv": np.ones(3)})
    with pytest.raises(ValueError, match="transforms"):
        generate(seed=2, weeks=n, channels=["tv"], transforms={"tv": {"beta": 1.0}})
