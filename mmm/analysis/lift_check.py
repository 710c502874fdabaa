"""Does the model agree with a lift test? Its own counterfactual against the measured lift.

A lift test measures what one spend change did; the model implies what that change should
have done (:func:`mmm.model.forward.change_effect`, the same counterfactual its lift likelihood
uses). Comparing the two answers the question a validation test asks — was the model right
about this channel? — and, after a refit with the test, whether the fit reproduces it or the
data keep pulling the other way (a sign that the model's shape for the channel is wrong).

>>> check = lift_test_check(result, tests)   # doctest: +SKIP
>>> check[["channel", "measured", "model_mean", "z", "agrees"]]   # doctest: +SKIP

``z`` is the gap in standard errors, ``(measured − model mean) / √(se² + model variance)``;
:data:`Z_REVIEW` or more is a disagreement. :func:`lift_test_diagnostic` turns the check of a
fit's own lift tests into a PASS / REVIEW line of its diagnostics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm._checks import Check
from mmm._format import money, number
from mmm.analysis.attribution import iter_effects, iter_params
from mmm.model.calibration import cells_of, first_period, input_change, lift_window
from mmm.model.forward import change_effect

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult
    from mmm.model.lift import LiftTest

#: gap (in standard errors) from which the model and a test disagree
Z_REVIEW = 2.0
#: columns of :func:`lift_test_check`
COLUMNS = ("channel", "window", "regions", "kind", "measured", "se", "model_mean", "model_lower",
           "model_upper", "z", "agrees")  # fmt: skip

DISAGREE_REC = (
    "The data and the test disagree about this channel. First check the test: its window, the "
    "spend change it made, the regions it ran in and how its standard error was computed. If it "
    "stands, the model's shape for the channel is probably wrong (carry-over, saturation, or for "
    "a social channel the split between its direct effect and the earned media it drives): "
    "weigh the test's number over the model's for budget decisions, and a second test at "
    "another spend level would pin the shape down."
)


def implied_lift(result: FitResult, test: LiftTest) -> np.ndarray:
    """The KPI change (currency) the model implies for ``test``, per posterior sample (S,).

    ``kind="counterfactual"``: KPI with the test's spend change minus KPI as in the data, in
    the test's regions, from its first period to the end of the data (window plus carry-over
    tail, earned media included). ``kind="contribution"``: the channel's contribution over the
    window in those regions, direct and through earned media.
    """
    design = result.design
    if test.kind == "counterfactual":
        delta = input_change(design, test)
        since = np.arange(design.n_periods) >= first_period(design, test)
        scale = np.asarray(design.kpi_scale, dtype=float)  # (G,)
        out = []
        for p in iter_params(result):
            eff = change_effect(np, design, p, test.channel, delta)  # (S, T, G) scaled
            out.append((eff * scale * since[:, None]).sum(axis=(1, 2)))
        return np.concatenate(out)
    j = design.index(test.channel)
    mask = lift_window(design, test)[:, None] & cells_of(design, test)[None, :]  # (T, G)
    return np.concatenate(
        [
            ((eff.direct[..., j] + eff.via_earned[..., j]) * mask).sum(axis=(1, 2))
            for _, eff in iter_effects(result)
        ]
    )


def lift_test_check(result: FitResult, tests: Sequence[LiftTest] | None = None) -> pd.DataFrame:
    """Each test's measured lift against the one ``result`` implies (columns :data:`COLUMNS`).

    Parameters
    ----------
    result : FitResult
        A fit whose data hold the tests' windows: one fitted without the tests (did the model
        predict them?) or with them (does the fit reproduce them?).
    tests : sequence of LiftTest, optional
        Default: the lift tests ``result`` was fitted with.
    """
    tests = tuple(result.spec.lift_tests if tests is None else tests)
    rows = []
    for test in tests:
        implied = implied_lift(result, test)
        mean, sd = float(implied.mean()), float(implied.std())
        lo, hi = np.quantile(implied, [0.05, 0.95])
        z = (test.lift - mean) / float(np.hypot(test.se, sd))
        rows.append(
            {
                "channel": test.channel,
                "window": test.window,
                "regions": ";".join(test.geo) if test.geo else "all",
                "kind": test.kind,
                "measured": float(test.lift),
                "se": float(test.se),
                "model_mean": mean,
                "model_lower": float(lo),
                "model_upper": float(hi),
                "z": float(z),
                "agrees": bool(abs(z) < Z_REVIEW),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))


def lift_test_diagnostic(result: FitResult) -> Check | None:
    """PASS when the fit reproduces every lift test it was given (within :data:`Z_REVIEW`
    standard errors), REVIEW naming those it does not; None for a fit without lift tests."""
    if not result.spec.lift_tests or result.is_approximate:
        return None
    table = lift_test_check(result)
    values = {"max_abs_z": float(table["z"].abs().max())}
    off = table[~table["agrees"]]
    if off.empty:
        n = len(table)
        return Check(
            "lift_tests",
            "PASS",
            f"The fit reproduces its {n} lift test{'s' if n > 1 else ''} (largest gap "
            f"{values['max_abs_z']:.1f} standard errors).",
            "",
            values,
        )
    lines = [describe(r, result.dataset.channel_map) for r in off.itertuples()]
    return Check(
        "lift_tests",
        "REVIEW",
        "The fit does not reproduce "
        + ("this lift test" if len(off) == 1 else f"{len(off)} of its lift tests")
        + ":\n  "
        + "\n  ".join(lines),
        DISAGREE_REC,
        values,
    )


def describe(row: Any, channel_map: Any) -> str:
    """One row of :func:`lift_test_check` in words: the test, both numbers and the gap."""

    def amount(v: float, signed: bool = True) -> str:
        if channel_map.kpi_type == "revenue":
            return money(v, channel_map.currency, signed=signed)
        return ("+" if signed and v > 0 else "") + number(v)

    where = "" if row.regions == "all" else f", in {row.regions.replace(';', ', ')}"
    return (
        f"{row.channel} ({row.window}{where}): measured {amount(row.measured)} ± "
        f"{amount(row.se, False)}, the model implies {amount(row.model_mean)} (90% "
        f"{amount(row.model_lower)} to {amount(row.model_upper)}), {abs(row.z):.1f} standard "
        "errors apart"
    )
