"""Lift tests against the data: the input change each one makes, and the checks that need the data.

:func:`input_change` turns a :class:`~mmm.model.lift.LiftTest`'s spend change into the change of
the channel's model input per period (scaled units), after checking it against the data; the
PyMC graph (:func:`mmm.model.graph.build_pymc_model`) and the NumPy post-processing
(:mod:`mmm.decisions.experiments`) both feed it to :func:`mmm.model.forward.change_effect`.

Regional tests: :func:`check_geo` checks a test's ``geo`` against the dataset's regions (a
national dataset has none, so a test naming regions is rejected); the change applies to the
test's regions only (:func:`cells_of`; every region when ``geo`` is not given).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mmm.exceptions import ConfigError, check_channels, list_some
from mmm.model.design import Design
from mmm.model.lift import LiftTest, spread_change

#: tolerance (scaled input units) below which a changed input counts as zero, not negative
NEGATIVE_TOL = 1e-9


def check_geo(test: LiftTest, regions: Sequence[str]) -> None:
    """Raise :class:`~mmm.exceptions.ConfigError` when ``test.geo`` names regions the data lacks.

    ``regions`` are the dataset's region names; ``()`` for a national dataset, where any
    ``geo`` is an error.
    """
    if test.geo is None:
        return
    if not regions:
        raise ConfigError(
            f"Lift test for channel {test.channel!r} ({test.window}) names regions "
            f"{list_some(test.geo)}: regional lift tests need a regional dataset, and this one is "
            "national. Leave geo out for a test of the whole market."
        )
    unknown = [g for g in test.geo if g not in regions]
    if unknown:
        raise ConfigError(
            f"Lift test for channel {test.channel!r} ({test.window}): region(s) {list_some(unknown)} "
            f"are not in the data; regions: {list_some(regions, 50)}."
        )


def regions_of(design: Design) -> tuple[str, ...]:
    """The design's region names, or ``()`` for a national design."""
    return design.geos if design.is_panel else ()


def cells_of(design: Design, test: LiftTest) -> np.ndarray:
    """(G,) bool: the regions a test ran in (all of them when it names none)."""
    check_geo(test, regions_of(design))
    if test.geo is None:
        return np.ones(design.n_geos, dtype=bool)
    return np.isin(np.asarray(design.geos), list(test.geo))


def lift_window(design: Design, test: LiftTest) -> np.ndarray:
    """Boolean mask of the periods that start inside the test (already checked to be non-empty)."""
    return np.asarray((design.dates >= test.start) & (design.dates <= test.end))


def input_change(design: Design, test: LiftTest) -> np.ndarray:
    """Change of ``test.channel``'s scaled model input (period, geo) that the test made.

    ``change`` scales the input in the window, in the test's regions; ``spend_change``
    (currency) is shared among the test's regions in proportion to the channel's spend there
    over the data (evenly where it had none), becomes input units with each region's input per
    unit of spend, and is spread over the window in proportion to the input there (evenly where
    there was none).

    Raises
    ------
    ConfigError
        For an earned channel (earned media is not a spend lever: its value is in its
        sources' tests), ``spend_change`` on a channel without a cost, ``change`` on a
        window where the channel did nothing, a change that would leave the input negative,
        or regions the data lacks (:func:`check_geo`).
    """
    cells = cells_of(design, test)
    levers = [c for c, m in zip(design.channels, design.media, strict=True) if m != "earned"]
    check_channels([test.channel], levers, f"the lift test {test.window} (paid and owned channels)")
    j = design.index(test.channel)
    mask = lift_window(design, test)
    x = design.x[:, :, j]  # (T, G)
    where = f"Lift test for channel {test.channel!r} ({test.window})"
    delta = np.zeros_like(x)
    if test.change is not None:
        if x[mask][:, cells].sum() <= 0:
            raise ConfigError(
                f"{where}: the channel has no activity in the data in that window, so change == "
                f"{test.change} changes nothing; give spend_change (currency) instead."
            )
        for g in np.flatnonzero(cells):
            delta[:, g] = spread_change(x[:, g], mask, change=test.change)
        return delta
    if not design.has_cost[j]:
        raise ConfigError(
            f"{where}: spend_change needs a channel with a cost, and {test.channel!r} has none; "
            "give change (a fraction of its activity) instead."
        )
    spend = design.spend_total[:, j]  # (G,) currency over the data
    units = x.sum(axis=0)  # scaled input over the data
    per_unit = np.where(units > 0, spend / np.where(units > 0, units, 1.0), spend.sum() / max(units.sum(), 1e-12))
    share = np.where(cells, spend, 0.0)
    share = share / share.sum() if share.sum() > 0 else cells / cells.sum()
    spent = 0.0
    for g in np.flatnonzero(cells):
        amount = float(test.spend_change) * share[g] / per_unit[g]  # type: ignore[arg-type]
        delta[:, g] = spread_change(x[:, g], mask, amount=amount)
        spent += float(x[mask, g].sum() * per_unit[g])
    if (x + delta < -NEGATIVE_TOL).any():
        raise ConfigError(
            f"{where}: spend_change == {test.spend_change:,.0f} would make the spend negative: the "
            f"data shows {spent:,.0f} spent in that window, the most a test there can withhold."
        )
    return delta


def check_lift_test(design: Design, test: LiftTest) -> None:
    """Check one lift test against the data: channel, window, numbers, regions and spend change.

    Raises :class:`~mmm.exceptions.UnknownChannelError` or :class:`~mmm.exceptions.ConfigError`
    naming the test and what is allowed.
    """
    d0, d1 = design.dates[0], design.dates[-1]
    check_channels([test.channel], design.channels, f"the lift test {test.window}")
    step = design.dates[1] - design.dates[0] if len(design.dates) > 1 else pd.Timedelta(0)
    if test.start < d0 or test.end > d1 + step:
        raise ConfigError(
            f"Lift test for {test.channel!r} runs {test.window}, outside the data "
            f"({d0.date()}..{d1.date()}); tests must fall inside the modelled period."
        )
    if not (np.isfinite(test.lift) and np.isfinite(test.se)):
        raise ConfigError(
            f"Lift test for {test.channel!r} ({test.window}): lift == {test.lift}, se == {test.se}; "
            "both must be finite numbers (lift in KPI units, se > 0)."
        )
    if not lift_window(design, test).any():
        raise ConfigError(
            f"Lift test for {test.channel!r} covers no period start between {test.start.date()} and {test.end.date()}."
        )
    if test.kind == "counterfactual":
        input_change(design, test)
    else:
        cells_of(design, test)


def first_period(design: Design, test: LiftTest) -> int:
    """Index of the test's first period: a counterfactual lift is summed from here to the data's end."""
    return int(np.flatnonzero(lift_window(design, test))[0])
