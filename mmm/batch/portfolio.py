"""Portfolio outputs of a batch: one ROI table across jobs and one page comparing them.

* ``OUT/portfolio_roi.csv`` (:data:`PORTFOLIO_COLUMNS`): one row per job and channel with a
  cost, from each finished job's ``roi.csv`` and ``identifiability.csv``: job, channel,
  media, social, spend, ROI mean with its 90% interval (total, incl. earned media) and the
  identifiability class.
* ``OUT/index.html``: one self-contained page (the report's CSS inlined, inline SVG, no
  JavaScript): every job with its status, diagnostics and a link to its ``report.html``;
  which jobs failed or did not pass the diagnostics; ROI by channel across jobs, as a table
  and as one interval chart per channel.

A portfolio budget question — how much each brand should get — is not answered here: each
job's plan splits that brand's own budget.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.present import text as T

PORTFOLIO_COLUMNS = ("job", "channel", "media", "social", "spend", "roi_mean", "roi_lower",
                     "roi_upper", "identifiability")  # fmt: skip
#: css class of each identifiability class in the report's stylesheet
IDENT_CSS = {"well identified": "ident-well", "weakly identified": "ident-weak",
             "prior-dominated": "ident-prior"}  # fmt: skip


def portfolio_roi(out: str | Path, summary: pd.DataFrame) -> pd.DataFrame:
    """ROI per job and channel (:data:`PORTFOLIO_COLUMNS`) of the jobs whose status is ok."""
    out = Path(out)
    frames = []
    for job in summary.loc[summary["status"] == "ok", "job"]:
        run = out / str(job)
        if not (run / "roi.csv").exists():
            continue
        roi = pd.read_csv(run / "roi.csv")
        roi.insert(0, "job", job)
        ident_path = run / "identifiability.csv"
        if ident_path.exists():
            ident = pd.read_csv(ident_path)[["channel", "class"]]
            roi = roi.merge(
                ident.rename(columns={"class": "identifiability"}), on="channel", how="left"
            )
        frames.append(roi.reindex(columns=list(PORTFOLIO_COLUMNS)))
    if not frames:
        return pd.DataFrame(columns=list(PORTFOLIO_COLUMNS))
    table = pd.concat(frames, ignore_index=True)
    table["identifiability"] = table["identifiability"].fillna("")
    return table


def write_portfolio(out: str | Path, summary: pd.DataFrame) -> dict[str, Path]:
    """Write ``portfolio_roi.csv`` and ``index.html`` into ``out``; returns their paths."""
    out = Path(out)
    roi = portfolio_roi(out, summary)
    paths = {"portfolio_roi": out / "portfolio_roi.csv", "index": out / "index.html"}
    roi.to_csv(paths["portfolio_roi"], index=False, encoding="utf-8")
    paths["index"].write_text(render_index(out, summary, roi), encoding="utf-8")
    return paths


# ---------------------------------------------------------------------- the page
def render_index(out: Path, summary: pd.DataFrame, roi: pd.DataFrame) -> str:
    """The HTML of ``index.html`` (see the module docstring)."""
    from jinja2 import Environment, StrictUndefined
    from markupsafe import Markup

    report = resources.files("mmm.present.report")
    css = report.joinpath("static", "report.css").read_text(encoding="utf-8")
    template = resources.files("mmm.batch").joinpath("templates", "index.html.j2")
    env = Environment(
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    jobs = _job_rows(out, summary)
    context = {
        "css": Markup(css),
        "generated": pd.Timestamp.now().strftime("%Y-%m-%d %H:%M"),
        "jobs": jobs,
        "n_ok": sum(j["status"] == "ok" for j in jobs),
        "failed": [j for j in jobs if j["status"] != "ok"],
        "not_pass": [
            j for j in jobs if j["status"] == "ok" and j["diagnostics"] not in ("PASS", "")
        ],
        "matrix": _matrix(roi),
        "charts": [(ch, Markup(_interval_svg(g))) for ch, g in roi.groupby("channel", sort=False)],
        "ident_names": T.IDENT_CLASSES,
    }
    return env.from_string(template.read_text(encoding="utf-8")).render(**context)


def _job_rows(out: Path, summary: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in summary.fillna("").to_dict("records"):
        name = str(r["job"])
        report = out / name / "report.html"
        rows.append({
            "name": name,
            "status": str(r.get("status", "")),
            "diagnostics": str(r.get("diagnostics", "")),
            "seconds": _seconds(r.get("seconds")),
            "error": str(r.get("error", "")),
            "stage": str(r.get("stage", "")),
            "report": f"{name}/report.html" if report.exists() else "",
            "run": f"{name}/",
        })  # fmt: skip
    return rows


def _seconds(v: Any) -> str:
    try:
        return f"{float(v):.0f} s"
    except (TypeError, ValueError):
        return ""


def _matrix(roi: pd.DataFrame) -> dict[str, Any]:
    """Channels × jobs: ROI mean, 90% interval and identifiability class per cell."""
    jobs = list(dict.fromkeys(roi["job"].astype(str)))
    channels = list(dict.fromkeys(roi["channel"].astype(str)))
    cells: dict[str, dict[str, dict[str, str]]] = {c: {} for c in channels}
    for r in roi.to_dict("records"):
        cells[str(r["channel"])][str(r["job"])] = {
            "mean": T.ratio(r["roi_mean"]),
            "interval": T.interval(r["roi_lower"], r["roi_upper"]),
            "css": IDENT_CSS.get(str(r["identifiability"]), ""),
            "title": T.IDENT_CLASSES.get(str(r["identifiability"]), str(r["identifiability"])),
        }
    return {"jobs": jobs, "channels": channels, "cells": cells}


def _interval_svg(g: pd.DataFrame, width: int = 640, row: int = 18) -> str:
    """One channel's ROI across jobs: a dot at the mean on a line from lower to upper."""
    g = g.reset_index(drop=True)
    hi = float(np.nanmax(g["roi_upper"].to_numpy(dtype=float))) if len(g) else 1.0
    top = max(1.0, hi if np.isfinite(hi) else 1.0) * 1.05
    left, right, pad = 150, 20, 22
    height = pad + row * len(g) + 20

    def x(v: float) -> float:
        return left + (width - left - right) * min(max(v, 0.0), top) / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img">']
    colour = {"ident-well": "#1a7f37", "ident-weak": "#9a6700", "ident-prior": "#cf222e"}
    for tick in np.linspace(0, top, 5):
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{pad - 6}" y2="{height - 18}" stroke="#d9dee5"/>'
        )
        parts.append(
            f'<text x="{x(tick):.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#5b6675">{tick:.1f}</text>'
        )
    one = x(1.0)
    parts.append(
        f'<line x1="{one:.1f}" x2="{one:.1f}" y1="{pad - 6}" y2="{height - 18}" stroke="#5b6675" stroke-dasharray="3 3"/>'
    )
    for i, r in g.iterrows():
        y = pad + row * int(i) + row / 2
        c = colour.get(IDENT_CSS.get(str(r["identifiability"]), ""), "#3b6fb6")
        name = html.escape(str(r["job"]))
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="12" text-anchor="end" fill="#1f2733">{name}</text>'
        )
        parts.append(
            f'<line x1="{x(r["roi_lower"]):.1f}" x2="{x(r["roi_upper"]):.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{c}" stroke-width="3"/>'
        )
        parts.append(
            f'<circle cx="{x(r["roi_mean"]):.1f}" cy="{y:.1f}" r="4.5" fill="{c}"><title>{name}: {T.ratio(r["roi_mean"])} ({T.interval(r["roi_lower"], r["roi_upper"])})</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
