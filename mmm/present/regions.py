"""Data of the report's regional section: ROI by region and channel, the plan by region, and the
regions the data says least about (regional fits only).

Nothing here draws or writes HTML: :func:`mmm.present.plotting.draw_roi_by_geo` draws the
heat map and :mod:`mmm.present.report.render` lays the section out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm.analysis import attribution

if TYPE_CHECKING:
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult

#: regions listed as the ones the data says least about
LEAST_KNOWN = 3


@dataclass(frozen=True)
class RegionData:
    """What the regional section shows.

    ``roi`` is long (geo, channel, spend, contribution_mean, roi_mean, roi_lower, roi_upper);
    ``heat`` the ROI means wide (index: geo, columns: channel) with the national ROI as the last
    row; ``plan`` one row per region (current, recommended, change) when a plan was made;
    ``least_known`` the regions with the widest ROI intervals relative to their prior (geo,
    width_ratio), when identifiability was measured.
    """

    roi: pd.DataFrame
    heat: pd.DataFrame
    national: str
    plan: pd.DataFrame | None = None
    least_known: pd.DataFrame | None = None
    split: str = ""


def region_data(
    result: FitResult, allocation: Any = None, ident: Identifiability | None = None
) -> RegionData | None:
    """The regional section's data, or None for a national fit."""
    base = region_base(result)
    return None if base is None else with_plan(base, allocation, ident)


def region_base(result: FitResult) -> RegionData | None:
    """What the regional section shows of the fit alone (no plan, no identifiability), or None."""
    ds = result.dataset
    if not ds.is_panel:
        return None
    by_geo = attribution.roi(result, by="geo").to_dataframe().reset_index()
    nat = attribution.roi(result).to_dataframe()
    national = "全国" if _cjk(ds.geos) else "national"
    heat = by_geo.pivot(index="geo", columns="channel", values="roi_mean")
    heat = heat.loc[list(ds.geos), list(nat.index)]
    heat.loc[national] = nat["roi_mean"].to_numpy()
    split = str(ds.data.attrs.get("national_split", ""))
    return RegionData(
        roi=by_geo[["geo", "channel", "spend", "contribution_mean", "roi_mean", "roi_lower", "roi_upper"]],
        heat=heat, national=national, split=split,
    )  # fmt: skip


def with_plan(
    base: RegionData, allocation: Any = None, ident: Identifiability | None = None
) -> RegionData:
    """``base`` (:func:`region_base`) with the plan by region and the regions least known."""
    plan = None
    table = getattr(allocation, "by_geo", None)
    if table is not None and len(table):
        plan = (
            table.groupby("geo", sort=False)[["current_spend", "recommended_spend"]]
            .sum()
            .reset_index()
        )
        plan["change"] = plan["recommended_spend"] - plan["current_spend"]
        plan["change_pct"] = np.where(plan["current_spend"] > 0,
                                      plan["change"] / plan["current_spend"].where(plan["current_spend"] > 0),
                                      np.nan)  # fmt: skip
    least = None
    geo_ident = getattr(ident, "by_geo", None)
    if geo_ident is not None and len(geo_ident):
        least = (
            geo_ident.groupby("geo", sort=False)["width_ratio"].mean()
            .sort_values(ascending=False).head(LEAST_KNOWN).reset_index()
        )  # fmt: skip
    return replace(base, plan=plan, least_known=least)


def _cjk(names: tuple[str, ...]) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for name in names for ch in name)
