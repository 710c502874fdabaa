"""Number formats shared by headlines and the report (mmm._format via mmm.present.text)."""

from __future__ import annotations

from mmm.present import text as T


# ---------------------------------------------------------------------- wording
def test_money_and_percent_formats() -> None:
    assert T.money(1_234_567, "¥") == "¥1.2M"
    assert T.money(350_000, "¥") == "¥350K"
    assert T.money(999_950, "¥") == "¥1.0M"
    assert T.money(12_000_000, "¥") == "¥12M"
    assert T.money(2.5e9, "$") == "$2.5B"
    assert T.money(-80_400, "¥") == "-¥80.4K"
    assert T.money(900_000, "¥", signed=True) == "+¥900K"
    assert T.money(float("nan")) == T.DASH
    assert T.pct(0.123, signed=True) == "+12%"
    assert T.probability(0.999) == ">99%" and T.probability(0.87) == "87%"
    assert T.interval(1.0, 2.5) == "1.00 – 2.50"
    assert T.join_names(["a", "b", "c"]) == "a, b and c"
