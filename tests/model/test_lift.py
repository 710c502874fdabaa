"""Lift tests as experiments (mmm.model.lift), checked against the data (mmm.model.calibration),
and the input change the model's counterfactual is computed on (tests/model/test_forward.py
checks that counterfactual, mmm.model.forward.change_effect)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand

from mmm.data.load import from_dataframe
from mmm.exceptions import ConfigError, UnknownChannelError
from mmm.model.calibration import check_geo, check_lift_test, input_change
from mmm.model.design import Design
from mmm.model.spec import LiftTest, ModelSpec, read_lift_tests

START, END = "2022-03-07", "2022-05-30"


@pytest.fixture(scope="module")
def design() -> Design:
    brand = small_brand()
    return Design.build(from_dataframe(brand.data, brand.channel_map), ModelSpec())


# ---------------------------------------------------------------------- the experiment
def test_a_lift_test_states_one_spend_change() -> None:
    t = LiftTest("weibo", START, END, -2e6, 3e5, change=-1.0)
    assert (t.kind, t.window) == ("counterfactual", "2022-03-07..2022-05-30")
    with pytest.raises(
        ConfigError, match="neither of spend_change and change.*kind='contribution'"
    ):
        LiftTest("weibo", START, END, -2e6, 3e5)
    with pytest.raises(ConfigError, match="both spend_change and change"):
        LiftTest("weibo", START, END, -2e6, 3e5, change=-1.0, spend_change=-1e6)
    with pytest.raises(ConfigError, match=r"change == -1.5; it must be >= -1.0"):
        LiftTest("weibo", START, END, -2e6, 3e5, change=-1.5)
    with pytest.raises(ConfigError, match="se == 0"):
        LiftTest("weibo", START, END, -2e6, 0.0, change=-1.0)
    with pytest.raises(ConfigError, match="kind == 'total'; allowed: counterfactual, contribution"):
        LiftTest("weibo", START, END, 2e6, 3e5, kind="total")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="kind='contribution' takes no change"):
        LiftTest("weibo", START, END, 2e6, 3e5, change=0.5, kind="contribution")
    with pytest.raises(ConfigError, match="names 'north' more than once"):
        LiftTest("weibo", START, END, 2e6, 3e5, change=0.5, geo=["north", "north"])
    assert LiftTest("weibo", START, END, 2e6, 3e5, change=0.5, geo="north").geo == ("north",)


def test_a_lift_test_round_trips_and_old_saved_tests_stay_contributions() -> None:
    t = LiftTest("weibo", START, END, -2e6, 3e5, spend_change=-1.5e6, geo=("north", "east"))
    assert LiftTest.from_dict(t.to_dict()) == t
    spec = ModelSpec(lift_tests=(t,))
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    old = {"channel": "tv", "start": START, "end": END, "lift": 1e6, "se": 1e5}  # before 0.3
    assert LiftTest.from_dict(old).kind == "contribution"


# ---------------------------------------------------------------------- tables
def test_lift_tests_are_read_from_csv_and_toml(tmp_path: Any) -> None:
    csv = tmp_path / "tests.csv"
    csv.write_text(
        "channel,start,end,lift,se,change,spend_change,geo\n"
        f"weibo,{START},{END},-2000000,300000,-1.0,,\n"
        f"tv,{START},{END},500000,200000,,1000000,north;east\n",
        encoding="utf-8",
    )
    a, b = read_lift_tests(csv)
    assert (a.change, a.spend_change, a.geo) == (-1.0, None, None)
    assert (b.spend_change, b.geo) == (1e6, ("north", "east"))
    toml = tmp_path / "tests.toml"
    toml.write_text(
        f'[[lift_tests]]\nchannel = "weibo"\nstart = "{START}"\nend = "{END}"\nlift = -2e6\n'
        "se = 3e5\nchange = -1.0\n\n"
        f'[[lift_tests]]\nchannel = "tv"\nstart = "{START}"\nend = "{END}"\nlift = 5e5\n'
        'se = 2e5\nspend_change = 1e6\ngeo = ["north", "east"]\n',
        encoding="utf-8",
    )
    assert read_lift_tests(toml) == (a, b)


def test_bad_lift_test_tables_are_named(tmp_path: Any) -> None:
    frame = pd.DataFrame(
        {"channel": ["tv", "weibo"], "start": START, "end": END, "lift": 1e5, "se": [1e4, -1.0],
         "change": -1.0}
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"row 2 \(channel 'weibo'\).*se == -1.0, must be > 0"):
        read_lift_tests(frame)
    with pytest.raises(ConfigError, match=r"unknown column\(s\) 'region'"):
        read_lift_tests(frame.rename(columns={"change": "region"}))
    with pytest.raises(ConfigError, match=r"lacks column\(s\) 'se'"):
        read_lift_tests(frame.drop(columns="se"))
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[lift_tests]]\nchannel = "tv"\nstart = "{START}"\nlift = 1.0\nse = 1.0\n')
    with pytest.raises(ConfigError, match=r"number 1: lacks 'end'"):
        read_lift_tests(bad)
    bad.write_text('channel = "tv"\n')
    with pytest.raises(ConfigError, match=r"one \[\[lift_tests\]\] table per test"):
        read_lift_tests(bad)


def test_an_old_style_table_is_read_as_contributions_with_a_warning() -> None:
    frame = pd.DataFrame({"channel": ["tv"], "start": [START], "end": [END], "lift": [1e5],
                          "se": [1e4]})  # fmt: skip
    with pytest.warns(FutureWarning, match="read as kind='contribution'"):
        (t,) = read_lift_tests(frame)
    assert t.kind == "contribution" and t.change is None


# ---------------------------------------------------------------------- against the data
def test_the_input_change_follows_the_spend_change(design: Design) -> None:
    j = design.index("weibo")
    x = design.x[:, 0, j]  # a national dataset: one region
    window = np.asarray((design.dates >= START) & (design.dates <= END))
    dark = input_change(design, LiftTest("weibo", START, END, -1.0, 1.0, change=-1.0))
    assert dark.shape == (design.n_periods, 1)
    np.testing.assert_allclose(dark[:, 0], np.where(window, -x, 0.0))
    spent = x[window].sum() * design.spend_total[0, j] / x.sum()  # currency
    same = input_change(design, LiftTest("weibo", START, END, -1.0, 1.0, spend_change=-spent))
    np.testing.assert_allclose(same, dark, atol=1e-12)
    half = input_change(design, LiftTest("weibo", START, END, 1.0, 1.0, spend_change=spent / 2))
    np.testing.assert_allclose(half, -dark / 2, atol=1e-12)


def test_lift_tests_the_data_cannot_take_are_named(design: Design) -> None:
    def check(**kw: Any) -> None:
        args = {"channel": "weibo", "start": START, "end": END, "lift": -1.0, "se": 1.0} | kw
        check_lift_test(design, LiftTest(**args))

    with pytest.raises(ConfigError, match="would make the spend negative"):
        check(spend_change=-1e12)
    with pytest.raises(UnknownChannelError, match="Unknown channel 'mentions'.*paid and owned"):
        check(channel="mentions", change=-1.0)
    with pytest.raises(ConfigError, match="spend_change needs a channel with a cost"):
        check(channel="wechat_posts", spend_change=-10.0)
    with pytest.raises(ConfigError, match="outside the data"):
        check(start="2030-01-07", end="2030-02-04", change=-1.0)
    with pytest.raises(ConfigError, match="regional lift tests need a regional dataset"):
        check(change=-1.0, geo=("north",))
    with pytest.raises(ConfigError, match="regional lift tests need a regional dataset"):
        check(lift=1.0, geo=("north",), kind="contribution")
    # the hook for regional datasets: regions in the data pass, others are named
    check_geo(
        LiftTest("weibo", START, END, -1.0, 1.0, change=-1.0, geo="north"), ("north", "south")
    )
    test = LiftTest("weibo", START, END, -1.0, 1.0, change=-1.0, geo=("north", "mars"))
    with pytest.raises(
        ConfigError, match=r"region\(s\) 'mars' are not in the data; regions: 'north'"
    ):
        check_geo(test, ("north", "south"))


def test_a_change_on_a_window_without_activity_asks_for_spend_change() -> None:
    brand = small_brand()
    data = brand.data.copy()
    data.loc[10:14, "weibo_spend"] = 0
    design = Design.build(from_dataframe(data, brand.channel_map), ModelSpec())
    d = design.dates
    with pytest.raises(ConfigError, match="no activity .* give spend_change"):
        check_lift_test(design, LiftTest("weibo", d[10], d[14], 1e5, 1e4, change=-1.0))
    restore = LiftTest("weibo", d[10], d[14], 1e5, 1e4, spend_change=5e5)
    j = design.index("weibo")
    per_unit = design.spend_total[0, j] / design.x[:, 0, j].sum()
    np.testing.assert_allclose(input_change(design, restore)[10:15].sum() * per_unit, 5e5)


# ---------------------------------------------------------------------- the compiled model
def test_a_compiled_model_is_reused_only_for_the_same_lift_test_channels() -> None:
    """The structure key decides which compiled model a fit reuses (in this process and from
    the disk cache): a kernel compiled for one design, fed another design's data inputs, must
    compute that design's log density whenever the two share a structure. A lift test's
    numbers and window are inputs; its channel is not (it picks the input column and, for a
    source of earned media, the earned path), so it is part of the structure. (It was not: a
    refit with a go-dark test on douyin reused a kernel compiled for a test on search, and
    nutpie could not start: the reused kernel's gradient was NaN.)"""
    from mmm.model.compile import initial_centre
    from mmm.model.graph import build_pymc_model
    from mmm.model.sample import shared_inputs

    brand = small_brand()
    ds = from_dataframe(brand.data, brand.channel_map)

    def built(channel: str, start: str, lift: float) -> Design:
        test = LiftTest(channel, start, END, lift, 3e5, change=-1.0)
        return Design.build(ds, ModelSpec(lift_tests=(test,)))

    weibo = built("weibo", START, -2e6)
    weibo_later = built("weibo", "2022-04-04", -1e6)  # other numbers and window
    assert weibo.structure() == weibo_later.structure()
    assert built("search", START, -2e6).structure() != weibo.structure()
    assert built("douyin", START, -2e6).structure() != weibo.structure()
    # the other choices the graph builder reads from the data or the spec
    quiet = brand.data.copy()
    quiet.loc[5, brand.channel_map.channel("mentions").activity] = 0  # a week without mentions
    no_logs = Design.build(from_dataframe(quiet, brand.channel_map), weibo.spec)
    assert weibo.earned_in_logs("mentions") and not no_logs.earned_in_logs("mentions")
    assert no_logs.structure() != weibo.structure()

    first, second = build_pymc_model(weibo), build_pymc_model(weibo_later)
    kernel = first.compile_logp()
    point = initial_centre(first)
    own = second.compile_logp()(point)
    inputs = {v.name: v for v in shared_inputs(first)}
    for v in shared_inputs(second):  # what reuse does: this design's data into the kernel
        inputs[v.name].set_value(v.get_value())
    assert np.isfinite(own)
    assert kernel(point) == pytest.approx(own, rel=1e-9)
