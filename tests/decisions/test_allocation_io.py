"""A saved budget plan loads back exactly (``Allocation.load``), and old or missing files say so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fits import small_result

from mmm.decisions.optimize import Allocation, BudgetScenario, optimize_budget, write_allocation
from mmm.exceptions import ConfigError


@pytest.fixture(scope="module")
def plan() -> Allocation:
    return optimize_budget(small_result(), BudgetScenario(locked=("tv",), max_change=0.1, weeks=8))


def test_load_round_trips_what_write_allocation_writes(plan: Allocation, tmp_path: Path) -> None:
    write_allocation(plan, tmp_path / "a")
    back = Allocation.load(tmp_path / "a")
    pd.testing.assert_frame_equal(back.table, plan.table, check_exact=True)
    pd.testing.assert_frame_equal(back.group_totals, plan.group_totals, check_exact=True)
    for got, want in ((back.weekly_current, plan.weekly_current),
                      (back.weekly_recommended, plan.weekly_recommended)):  # fmt: skip
        pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=False)
    np.testing.assert_array_equal(back.uplift_draws, plan.uplift_draws)
    assert (back.start, back.end, back.weeks) == (plan.start, plan.end, plan.weeks)
    assert back.revenue_recommended == plan.revenue_recommended
    assert back.headline == plan.headline and back.caveats == plan.caveats
    assert str(back) == str(plan)
    # the locked channel stays locked at its current spend
    tv = back.table.set_index("channel").loc["tv"]
    assert bool(tv["locked"]) and tv["recommended_spend"] == pytest.approx(tv["current_spend"])
    # writing the loaded plan again gives byte-identical files
    write_allocation(back, tmp_path / "b")
    for name in ("allocation.csv", "allocation.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_allocation_csv_opens_in_excel_with_chinese_names(plan: Allocation, tmp_path: Path) -> None:
    renamed = plan.table.assign(channel=plan.table["channel"].replace({"weibo": "微博"}))
    from dataclasses import replace

    write_allocation(replace(plan, table=renamed), tmp_path)
    raw = (tmp_path / "allocation.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    assert "微博" in raw.decode("utf-8-sig")
    assert "微博" in set(pd.read_csv(tmp_path / "allocation.csv")["channel"])


def test_load_explains_missing_or_old_files(plan: Allocation, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no saved budget plan"):
        Allocation.load(tmp_path)
    write_allocation(plan, tmp_path)
    saved = json.loads((tmp_path / "allocation.json").read_text(encoding="utf-8"))
    del saved["uplift_draws"], saved["weekly"]  # as written before plans could be loaded
    (tmp_path / "allocation.json").write_text(json.dumps(saved), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lacks weekly, uplift_draws.*mmm optimize"):
        Allocation.load(tmp_path)
