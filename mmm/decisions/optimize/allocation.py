"""Allocation: current vs recommended plan, its headline sentence, and its files.

:class:`Allocation` is what :func:`~mmm.decisions.optimize.optimize_budget` and
:func:`~mmm.decisions.optimize.evaluate_plan` return; :func:`_allocation` values both plans over the
same posterior draws and assembles it; :func:`headline_text` words the result for people;
:func:`write_allocation` writes ``allocation.csv`` and ``allocation.json``.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm._format import iso, money, probability
from mmm.analysis.identify import PRIOR
from mmm.decisions.optimize.policy import MAX_CHANGE, annotate_moves
from mmm.exceptions import ConfigError

if TYPE_CHECKING:
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult
    from mmm.decisions.optimize.response import Response
    from mmm.decisions.optimize.scenario import BudgetScenario, Problem

PROB = 0.9
#: the required first columns of ``allocation.csv``; ``Allocation.table`` adds locked,
#: lower_bound, upper_bound, then :data:`IDENT_COLUMNS`
CSV_COLUMNS = ("channel", "media", "social", "current_spend", "recommended_spend", "change",
               "change_pct", "mroi_current", "mroi_recommended")  # fmt: skip
#: per-channel identifiability class and the note on its move (empty when not measured);
#: also written to ``allocation.csv`` after :data:`CSV_COLUMNS`
IDENT_COLUMNS = ("identifiability", "evidence")
#: the ``geo`` of the national total rows of a regional ``allocation.csv``
ALL_GEOS = "all"
#: the report section that lists the lift tests to run (caveats point to it)
TEST_SECTION = "What to test next quarter"
#: what ``allocation.json`` must hold for :meth:`Allocation.load`
SAVED_KEYS = ("channels", "groups", "window", "uplift", "weekly", "uplift_draws", "solver")


# ---------------------------------------------------------------------- allocation
@dataclass(frozen=True, eq=False)
class Allocation:
    """Current vs recommended split of the paid budget, with uncertainty.

    ``table`` has one row per paid channel: spend totals over the window in currency
    (``current_spend``, ``recommended_spend``, ``change``, ``change_pct``), the marginal
    ROI at each plan (extra expected revenue per extra unit of spend), ``locked``, the
    bounds, and each channel's ``identifiability`` class with the ``evidence`` note on its
    move (both empty when identifiability was not measured). ``caveats`` lists, in plain
    words, the moves that rest on weakly identified or prior-dominated channels.
    ``revenue_*`` are (mean, lower, upper) of each plan's expected incremental
    revenue; ``uplift_*`` of their difference, ``uplift_draws`` per posterior sample;
    ``prob_improvement`` is the probability that the new plan beats the current one on the
    objective (profit for ``objective="profit"``, else revenue). ``weekly_*`` hold the
    plans' spend per period (index: date, columns: channel).
    """

    table: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    weeks: int
    budget: float
    objective: str
    risk: str
    revenue_current: tuple[float, float, float]
    revenue_recommended: tuple[float, float, float]
    uplift_mean: float
    uplift_lower: float
    uplift_upper: float
    prob_improvement: float
    uplift_draws: np.ndarray
    group_totals: pd.DataFrame
    solver: dict[str, Any]
    headline: str
    weekly_current: pd.DataFrame
    weekly_recommended: pd.DataFrame
    currency: str = "¥"
    mode: str = "optimized"
    margin: float | None = None
    profit_uplift: tuple[float, float, float] | None = None
    prob: float = PROB
    caveats: tuple[str, ...] = ()
    #: regional fits: one row per region and paid channel (geo, channel, current_spend,
    #: recommended_spend, change, change_pct, mroi_current, mroi_recommended, locked)
    by_geo: pd.DataFrame | None = None

    def to_dataframe(self) -> pd.DataFrame:
        """The per-channel table (a copy)."""
        return self.table.copy()

    @classmethod
    def load(cls, run_dir: str | Path) -> Allocation:
        """The plan :func:`write_allocation` saved in ``run_dir`` (read from ``allocation.json``).

        Writing the loaded plan again gives the same files. ``allocation.csv`` is a copy for
        spreadsheets; editing it does not change the plan.

        Raises
        ------
        FileNotFoundError
            When ``run_dir`` holds no ``allocation.json``.
        ConfigError
            When the file lacks what a plan needs (it was written by an mmm before 0.3 or
            edited by hand): rerun ``mmm optimize`` to write it again.
        """
        path = Path(run_dir) / "allocation.json"
        if not path.exists():
            raise FileNotFoundError(f"{str(path)!r} does not exist: no saved budget plan.")
        d = json.loads(path.read_text(encoding="utf-8"))
        missing = [k for k in SAVED_KEYS if k not in d]
        if missing:
            raise ConfigError(
                f"{str(path)!r} lacks {', '.join(missing)}: it was written by an older mmm or "
                "edited by hand. Rerun `mmm optimize RUN` (or pass --replan to `mmm report`)."
            )
        weekly = d["weekly"]
        dates = pd.DatetimeIndex(pd.to_datetime(weekly["dates"]), name="date")
        win, up = d["window"], d["uplift"]
        return cls(
            table=_frame(d["channels"], bool_columns=("social", "locked")),
            start=pd.Timestamp(win["start"]),
            end=pd.Timestamp(win["end"]),
            weeks=int(win["weeks"]),
            budget=_float(d["budget"]),
            objective=d["objective"],
            risk=d["risk"],
            revenue_current=_untrio(d["revenue_current"]),
            revenue_recommended=_untrio(d["revenue_recommended"]),
            uplift_mean=_float(up["mean"]),
            uplift_lower=_float(up["lower"]),
            uplift_upper=_float(up["upper"]),
            prob_improvement=_float(d["prob_improvement"]),
            uplift_draws=np.array([_float(v) for v in d["uplift_draws"]]),
            group_totals=_frame(d["groups"]),
            solver=d["solver"],
            headline=d["headline"],
            weekly_current=pd.DataFrame(weekly["current"], index=dates),
            weekly_recommended=pd.DataFrame(weekly["recommended"], index=dates),
            currency=d["currency"],
            mode=d["mode"],
            margin=d["margin"],
            profit_uplift=None if d["profit_uplift"] is None else _untrio(d["profit_uplift"]),
            prob=float(up["prob"]),
            caveats=tuple(d["caveats"]),
            by_geo=None if d.get("regions") is None
            else _frame(d["regions"], bool_columns=("locked", "national")),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe summary: window, totals, revenue, uplift, probability, solver, groups, channels."""
        t = self.table
        uplift = (self.uplift_mean, self.uplift_lower, self.uplift_upper)
        return {
            "mode": self.mode,
            "objective": self.objective,
            "risk": self.risk,
            "margin": self.margin,
            "currency": self.currency,
            "window": {"start": iso(self.start), "end": iso(self.end), "weeks": self.weeks},
            "budget": _num(self.budget),
            "totals": {
                k: _num(t[k].sum()) for k in ("current_spend", "recommended_spend", "change")
            },
            "revenue_current": _trio(self.revenue_current),
            "revenue_recommended": _trio(self.revenue_recommended),
            "uplift": {**_trio(uplift), "prob": self.prob},
            "prob_improvement": _num(self.prob_improvement),
            "profit_uplift": None if self.profit_uplift is None else _trio(self.profit_uplift),
            "solver": {k: _num(v) if isinstance(v, float) else v for k, v in self.solver.items()},
            "headline": self.headline,
            "caveats": list(self.caveats),
            "groups": _records(self.group_totals),
            "channels": _records(t),
            "regions": None if self.by_geo is None else _records(self.by_geo),
        }

    def _formatted(self) -> pd.DataFrame:
        cols = list(CSV_COLUMNS)
        if "identifiability" in self.table and self.table["identifiability"].astype(bool).any():
            cols.append("identifiability")
        t = self.table[cols].copy()
        for c in ("current_spend", "recommended_spend", "change"):
            t[c] = [money(v, self.currency) for v in t[c]]
        t["change_pct"] = [f"{v:+.0%}" if np.isfinite(v) else "n/a" for v in t["change_pct"]]
        return t.round(2)

    def __str__(self) -> str:
        ok = "converged" if self.solver.get("success") else "DID NOT CONVERGE"
        text = (
            f"{self.headline}\nWindow {iso(self.start)}..{iso(self.end)} ({self.weeks} periods), "
            f"budget {money(self.budget, self.currency)}, objective {self.objective} ({self.risk}); "
            f"solver {ok}: {self.solver.get('message', '')}\n{self._formatted().to_string(index=False)}"
        )
        for title, items in (("Caveats", self.caveats), ("Notes", self.solver.get("notes", ()))):
            if items:
                text += f"\n{title}:" + "".join(f"\n  - {c}" for c in items)
        return text

    def _repr_html_(self) -> str:
        ok = self.solver.get("success")
        warn = "" if ok else "<p><strong>The optimiser did not converge.</strong></p>"
        table = self._formatted().to_html(index=False)
        extra = ""
        for title, items in (("Caveats", self.caveats), ("Notes", self.solver.get("notes", ()))):
            if items:
                lis = "".join(f"<li>{html.escape(c)}</li>" for c in items)
                extra += f"<p><strong>{title}</strong></p><ul>{lis}</ul>"
        return (
            f"<div><p><strong>{html.escape(self.headline)}</strong></p>{warn}{table}{extra}</div>"
        )


def _num(v: Any) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None


def _trio(v: Sequence[float]) -> dict[str, float | None]:
    return {k: _num(x) for k, x in zip(("mean", "lower", "upper"), v, strict=True)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows with full float precision (NaN as None), so a saved plan loads back exactly."""

    def plain(v: Any) -> Any:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.integer | np.floating):
            return _num(v)
        return v if v is None else str(v)

    return [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _float(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _untrio(d: Mapping[str, float | None]) -> tuple[float, float, float]:
    return (_float(d["mean"]), _float(d["lower"]), _float(d["upper"]))


def _frame(records: list[dict[str, Any]], bool_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A table from JSON records: None back to NaN in number columns, flags back to bool."""
    frame = pd.DataFrame.from_records(records)
    for col in frame.columns:
        if col in bool_columns:
            frame[col] = frame[col].astype(bool)
        elif frame[col].map(lambda v: v is None or isinstance(v, int | float)).all():
            frame[col] = frame[col].astype(float)
    return frame


# ---------------------------------------------------------------------- wording
def _names(channels: Sequence[str]) -> str:
    items = list(channels)
    if len(items) > 3:
        items = [*items[:3], f"{len(channels) - 3} more"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def headline_text(table: pd.DataFrame, uplift: tuple[float, float, float], prob_improvement: float, *,
                  currency: str = "¥", prob: float = PROB, mode: str = "optimized", solver_ok: bool = True,
                  measure: str = "revenue", revenue_change: float | None = None,
                  approximate: bool = False) -> str:  # fmt: skip
    """One sentence for people: what moves where, what it is worth, how sure we are.

    ``uplift`` is (mean, lower, upper) of the change in ``measure`` ("revenue" or
    "profit"); ``revenue_change`` adds the expected revenue change when the measure is profit.
    ``approximate`` (a MAP point estimate, one draw) drops the interval and the probability,
    which a single draw cannot give.

    >>> t = pd.DataFrame({"channel": ["tv", "douyin"], "change": [-1.2e6, 1.2e6]})
    >>> headline_text(t, (9e5, 3e5, 1.5e6), 0.87)
    'Move ¥1.2M from tv to douyin: +¥900K expected revenue (90% interval ¥300K to ¥1.5M), 87% probability of improvement.'
    """
    warn = "" if solver_ok else "WARNING: the optimiser did not converge; check before use. "
    tol = 1e-3 * max(float(table["change"].abs().sum()), 1.0)
    cut = table[table["change"] < -tol].sort_values("change")
    add = table[table["change"] > tol].sort_values("change", ascending=False)
    what_if = mode != "optimized"
    if cut.empty and add.empty:
        keep = f"Keep the current split: no move within the bounds is expected to add {measure}."
        return warn + ("The plan matches the current one." if what_if else keep)
    if cut.empty or add.empty:
        adding = (
            not add.empty
        )  # the side that moved beyond the tolerance, whatever the tiny rest sums to
        total = float((add if adding else cut)["change"].sum())
        word = ("Adding" if what_if else "Add") if adding else ("Cutting" if what_if else "Cut")
        names = _names(list((add if adding else cut)["channel"]))
        move = f"{word} {money(abs(total), currency)} {'to' if adding else 'from'} {names}"
    else:
        moved = min(float(add["change"].sum()), float(-cut["change"].sum()))
        names = f"from {_names(list(cut['channel']))} to {_names(list(add['channel']))}"
        move = f"{'Moving' if what_if else 'Move'} {money(moved, currency)} {names}"
    m, lo, hi = uplift
    signed = ("+" if m >= 0 else "-") + money(abs(m), currency)
    extra = ""
    if revenue_change is not None:
        extra = f" (expected revenue {'+' if revenue_change >= 0 else '-'}{money(abs(revenue_change), currency)})"
    if approximate:
        return f"{warn}{move}: {signed} {measure} at the APPROXIMATE point estimate (no interval, no probability){extra}."
    return (
        f"{warn}{move}: {signed} expected {measure} ({prob:.0%} interval {money(lo, currency)} to "
        f"{money(hi, currency)}), {probability(prob_improvement)} probability of improvement{extra}."
    )


def caveat(channel: str, change: float, cls: str, currency: str = "¥", beyond: str = "") -> str:
    """One plain-words caveat on a move that rests on a channel the data cannot pin down.

    ``beyond`` (e.g. ``"±15%"``) adds that the move exceeds the bound the optimiser would allow.

    >>> caveat("search", 3e5, "weakly identified")
    "The +¥300K to search rests on a weakly identified ROI: the data cannot pin it down; see 'What to test next quarter'."
    >>> caveat("tv", -1.2e6, "prior-dominated")[:60]
    'The ¥1.2M cut from tv rests on a prior-dominated ROI: the es'
    """
    amount = money(abs(change), currency)
    move = f"+{amount} to {channel}" if change >= 0 else f"{amount} cut from {channel}"
    why = (
        "a prior-dominated ROI: the estimate is mostly our prior, not the data"
        if cls == PRIOR
        else "a weakly identified ROI: the data cannot pin it down"
    )
    text = f"The {move} rests on {why}; see '{TEST_SECTION}'."
    if beyond:
        text += f" The move goes beyond the {beyond} the optimiser allows for {channel}."
    return text


# ---------------------------------------------------------------------- assembly
def _annotate(
    table: pd.DataFrame, ident: Identifiability | None, currency: str, mode: str
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Add :data:`IDENT_COLUMNS` (empty without ``ident``) and list the caveats on the moves."""
    if ident is None:
        return table.assign(identifiability="", evidence=""), ()
    # growth from zero spend has no percentage but is a move
    pct = table["change_pct"].where(table["change_pct"].notna() | (table["change"] == 0), np.inf)
    notes = annotate_moves(table.assign(change_pct=pct), ident)
    out = table.assign(identifiability=notes["identifiability"], evidence=notes["evidence"])
    caveats = []
    for _, r in out[out["evidence"] != ""].iterrows():
        cap = MAX_CHANGE.get(r["identifiability"])
        over = mode != "optimized" and cap is not None and abs(pct[r.name]) > cap + 1e-9
        beyond = f"±{cap:.0%}" if over and cap is not None else ""
        caveats.append(caveat(r["channel"], r["change"], r["identifiability"], currency, beyond))
    return out, tuple(caveats)


def build_allocation(result: FitResult, sc: BudgetScenario, prob: Problem, resp: Response, shapes: tuple[np.ndarray, np.ndarray],
                plans: tuple[np.ndarray, np.ndarray], solver: dict[str, Any], mode: str,
                ident: Identifiability | None = None) -> Allocation:  # fmt: skip
    """Value both plans over the same draws and assemble the tables and the headline."""
    ds, (cells_cur, cells_new) = result.dataset, plans
    b_cur, b_new = resp.basis(shapes[0]), resp.basis(shapes[1])
    r0 = resp.evaluate(np.zeros_like(cells_cur), b_cur)[0]
    r_cur, gc_cur = resp.evaluate(cells_cur, b_cur, grad=True)
    r_new, gc_new = resp.evaluate(cells_new, b_new, grad=True)
    x_cur, x_new = prob.channel_totals(cells_cur), prob.channel_totals(cells_new)
    g_cur, g_new = _channel_mroi(prob, cells_cur, gc_cur), _channel_mroi(prob, cells_new, gc_new)

    def trio(v: np.ndarray) -> tuple[float, float, float]:
        lo, hi = np.quantile(v, [(1 - PROB) / 2, (1 + PROB) / 2])
        return float(v.mean()), float(lo), float(hi)

    media = ds.data["media"].values[prob.index].astype(str)
    social = ds.data["social"].values[prob.index].astype(bool)
    change = x_new - x_cur
    pct = np.divide(change, x_cur, out=np.where(change == 0, 0.0, np.nan), where=x_cur > 0)
    table = pd.DataFrame({
        "channel": list(prob.channels), "media": media, "social": social,
        "current_spend": x_cur, "recommended_spend": x_new, "change": change, "change_pct": pct,
        "mroi_current": g_cur, "mroi_recommended": g_new,
        "locked": np.bincount(prob.cell_channel, weights=~prob.locked, minlength=len(prob.channels)) == 0,
        "lower_bound": prob.channel_totals(prob.lower), "upper_bound": prob.channel_totals(prob.upper),
    })  # fmt: skip
    currency = ds.channel_map.currency
    table, caveats = _annotate(table, ident, currency, mode)
    groups = []
    kinds = {
        "media": media,
        "social": np.where(social, "social", "non-social"),
        "total": np.full(len(media), "all paid"),
    }
    for kind, labels in kinds.items():
        for name in dict.fromkeys(labels):
            sel = labels == name
            c, r = float(x_cur[sel].sum()), float(x_new[sel].sum())
            groups.append({"kind": kind, "group": str(name), "channels": ", ".join(np.array(prob.channels)[sel]),
                           "current_spend": c, "recommended_spend": r, "change": r - c, "change_pct": (r - c) / c if c > 0 else np.nan})  # fmt: skip
    uplift = r_new - r_cur
    u = trio(uplift)
    profit = None if sc.margin is None else sc.margin * uplift - change.sum()
    on_profit = profit is not None and sc.objective == "profit" and mode == "optimized"
    gain = profit if on_profit and profit is not None else uplift
    kw: dict[str, Any] = {"measure": "profit", "revenue_change": u[0]} if on_profit else {}
    head = headline_text(
        table,
        trio(gain),
        float((gain > 0).mean()),
        currency=currency,
        mode=mode,
        solver_ok=bool(solver["success"]),
        approximate=len(gain) < 2,
        **kw,
    )
    dates = pd.DatetimeIndex(prob.dates, name="date")
    return Allocation(
        table=table, start=dates[0], end=dates[-1], weeks=len(dates), budget=prob.budget if mode == "optimized" else float(x_new.sum()),
        objective=sc.objective if mode == "optimized" else "what-if", risk=sc.risk,
        revenue_current=trio(r_cur - r0), revenue_recommended=trio(r_new - r0),
        uplift_mean=u[0], uplift_lower=u[1], uplift_upper=u[2], prob_improvement=float((gain > 0).mean()),
        uplift_draws=uplift, group_totals=pd.DataFrame(groups), solver=solver, headline=head,
        weekly_current=pd.DataFrame(shapes[0] * x_cur, index=dates, columns=list(prob.channels)),
        weekly_recommended=pd.DataFrame(shapes[1] * x_new, index=dates, columns=list(prob.channels)),
        currency=currency, mode=mode, margin=sc.margin, profit_uplift=None if profit is None else trio(profit),
        caveats=caveats, by_geo=_by_geo(result, prob, resp, (cells_cur, cells_new), (gc_cur, gc_new)),
    )  # fmt: skip


def _channel_mroi(prob: Problem, cells: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Marginal ROI per paid channel: the cells' posterior-mean mROI weighted by their spend."""
    g = grad.mean(axis=0)  # (K,)
    n = len(prob.channels)
    spend = np.bincount(prob.cell_channel, weights=cells, minlength=n)
    weighted = np.bincount(prob.cell_channel, weights=g * cells, minlength=n)
    plain = np.bincount(prob.cell_channel, weights=g, minlength=n) / np.bincount(prob.cell_channel, minlength=n)
    return np.where(spend > 0, weighted / np.where(spend > 0, spend, 1.0), plain)


def _by_geo(
    result: FitResult, prob: Problem, resp: Response, cells: tuple[np.ndarray, np.ndarray],
    grads: tuple[np.ndarray, np.ndarray],
) -> pd.DataFrame | None:  # fmt: skip
    """One row per region and paid channel of a regional fit (None for a national one)."""
    if not result.dataset.is_panel:
        return None
    cur, new = resp.grid(cells[0]), resp.grid(cells[1])  # (G, P)
    rows = []
    for k in range(len(prob.cell_channel)):
        p, g_cell = int(prob.cell_channel[k]), int(prob.cell_geo[k])
        for g in ([g_cell] if g_cell >= 0 else range(len(prob.geos))):
            c, r = float(cur[g, p]), float(new[g, p])
            rows.append({"geo": prob.geos[g], "channel": prob.channels[p], "current_spend": c,
                         "recommended_spend": r, "change": r - c,
                         "change_pct": (r - c) / c if c > 0 else (0.0 if r == c else np.nan),
                         "mroi_current": float(grads[0][:, k].mean()),
                         "mroi_recommended": float(grads[1][:, k].mean()),
                         "locked": bool(prob.locked[k]), "national": g_cell < 0})  # fmt: skip
    return pd.DataFrame(rows)


def write_allocation(
    allocation: Allocation, run_dir: str | Path, fit_id: str | None = None
) -> dict[str, Path]:
    """Write ``allocation.csv`` (per channel, spend totals over the window) and ``allocation.json``.

    The CSV (UTF-8 with a byte-order mark, so Excel shows Chinese channel names) has the
    columns of ``CSV_COLUMNS`` then ``IDENT_COLUMNS``; the JSON is :meth:`Allocation.to_dict`
    (planning window, totals, expected revenue and uplift with 90% intervals, probability of
    improvement, solver status and notes, headline, caveats) plus ``weekly`` (both plans per
    period) and ``uplift_draws`` (one per posterior sample), so that :meth:`Allocation.load`
    reads the whole plan back. ``fit_id`` (``FitResult.info["fit_id"]``) records which fit
    the plan was optimised on, so that a plan left over from an earlier fit is not mistaken
    for one of the current fit.

    Returns
    -------
    dict
        ``{"csv": path, "json": path}``.
    """
    d = Path(run_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"csv": d / "allocation.csv", "json": d / "allocation.json"}
    cols = [*CSV_COLUMNS, *(c for c in IDENT_COLUMNS if c in allocation.table)]
    table = allocation.table[cols]
    if allocation.by_geo is not None:  # regional rows, then the national totals (geo "all")
        regional = allocation.by_geo.drop(columns=["locked", "national"])
        table = pd.concat([regional, table.assign(geo=ALL_GEOS)], ignore_index=True)
        table = table[["geo", *cols]]
    table.to_csv(paths["csv"], index=False, encoding="utf-8-sig")
    saved = allocation.to_dict()
    wc, wr = allocation.weekly_current, allocation.weekly_recommended
    saved["weekly"] = {
        "dates": [iso(d) for d in wc.index],
        "current": {str(c): [_num(v) for v in wc[c]] for c in wc.columns},
        "recommended": {str(c): [_num(v) for v in wr[c]] for c in wr.columns},
    }
    saved["uplift_draws"] = [_num(v) for v in np.asarray(allocation.uplift_draws).ravel()]
    if fit_id is not None:
        saved["fit_id"] = fit_id
    text = json.dumps(saved, indent=2, ensure_ascii=False)
    paths["json"].write_text(text, encoding="utf-8")
    return paths
