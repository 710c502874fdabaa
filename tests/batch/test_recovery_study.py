"""The recovery study's scoring: plan capture against the generator's true response, the summary."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand, small_result

from mmm.batch.jobs import Job
from mmm.batch.recovery import format_table, plan_capture, summarise, true_value
from mmm.batch.run import fair_cores
from mmm.decisions.optimize import BudgetScenario, optimize_budget
from mmm.decisions.optimize.scenario import prepare
from mmm.exceptions import ConfigError
from mmm.model.sample import usable_cores
from mmm.model.spec import ModelSpec


def test_true_optimum_beats_the_plan_and_every_random_feasible_plan() -> None:
    brand, result = small_brand(), small_result()
    alloc = json.loads(json.dumps(optimize_budget(result, BudgetScenario(weeks=13)).to_dict()))
    got = plan_capture(brand, result, alloc)
    budget = got["budget"]
    assert got["true_gain_optimum"] >= got["true_gain_recommended"] - 1e-9 * budget
    assert got["true_gain_optimum"] > 0
    assert got["plan_capture"] <= 1 + 1e-6

    prob = prepare(result, BudgetScenario(weeks=13, identifiability=False))
    value = true_value(brand, prob.dates, list(prob.channels), prob.shape)
    chans = pd.DataFrame(alloc["channels"]).set_index("channel").loc[list(prob.channels)]
    lo, hi = chans["lower_bound"].to_numpy(), chans["upper_bound"].to_numpy()
    cur = chans["current_spend"].to_numpy()
    best = value(cur) + got["true_gain_optimum"]
    rng = np.random.default_rng(0)
    for _ in range(30):  # random plans within the bounds that spend the same budget
        x = lo + rng.random(len(lo)) * (hi - lo)
        x = np.clip(x * cur.sum() / x.sum(), lo, hi)
        if abs(x.sum() - cur.sum()) < 1e-6 * cur.sum():
            assert value(x) <= best + 1e-7 * abs(best)


def test_true_value_counts_the_spend_of_the_window() -> None:
    brand, result = small_brand(), small_result()
    prob = prepare(result, BudgetScenario(weeks=13, identifiability=False))
    value = true_value(brand, prob.dates, list(prob.channels), prob.shape)
    assert value(prob.current * 1.2) > value(prob.current) > value(prob.current * 0.0)


def test_summary_distribution_and_pooled_rates() -> None:
    brands = pd.DataFrame({
        "brand": ["b0", "b1", "b2", "b3"], "stage": ["fit"] * 4,
        "median_roi_error": [0.1, 0.2, 0.3, 0.4], "coverage": [1.0, 0.5, 0.5, 1.0],
        "coverage_effect": [1.0, 0.5, 1.0, 1.0],
        "spearman": [0.9, 0.5, np.nan, 0.1], "null_channels": [1, 0, 2, 1],
        "null_false_positives": [1, 0, 0, 0], "plan_capture": [0.9, 0.5, np.nan, 1.0],
        "gain_optimum_pct_budget": [0.1, 0.05, 0.0, 0.2],
    })  # fmt: skip
    channels = pd.DataFrame({
        "stage": ["fit"] * 5, "covered": [True, True, False, True, False],
        "null": [True, False, True, True, False], "false_positive": [True, False, False, False, False],
    })  # fmt: skip
    table = summarise(brands, channels).set_index("metric")
    err = table.loc["median ROI error (non-zero channels)"]
    assert err["median"] == pytest.approx(0.25) and err["brands"] == 4
    assert table.loc["Spearman rank correlation", "brands"] == 3
    assert table.loc["90% interval coverage", "pooled"] == pytest.approx(3 / 5)
    assert table.loc["90% coverage, channels with an effect", "pooled"] == pytest.approx(1 / 2)
    fp = table.loc["zero-effect channels flagged (lower > 0.2)"]
    assert fp["brands"] == 3 and fp["pooled"] == pytest.approx(1 / 3)
    text = format_table(summarise(brands, channels))
    assert "25%" in text and "plan capture" in text


def test_cores_usable_and_shared_fairly() -> None:
    assert 1 <= usable_cores() <= len(os.sched_getaffinity(0))
    with pytest.raises(ConfigError, match="cores == 0"):
        ModelSpec(cores=0)
    assert fair_cores(Job("a", "/d.csv", "/c.toml", spec={"cores": 3}), {}) == 3
    assert fair_cores(Job("a", "/d.csv", "/c.toml"), {}) is None  # not on a Dask worker
