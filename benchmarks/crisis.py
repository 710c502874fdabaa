"""A public-opinion crisis during a paid-social burst: the burst channel's ROI declared vs ignored.

    .venv/bin/python benchmarks/crisis.py                    # seeds 0-5, 2 chains × 400 draws
    .venv/bin/python benchmarks/crisis.py --seeds 0 1 --draws 300 --json out.json

For each seed, :func:`mmm.data.crisis.generate_crisis` draws a two-year weekly brand (TV,
search, Weibo, Douyin, KOL, mentions) with a crisis: negative mentions spike, the KPI dips for
five weeks, and Douyin answers with a four-fold burst from the week after. The same data is
fitted five ways:

* ``clean``: the same brand without the crisis (same spend, burst included; no dip, no
  negative mentions) — what the model gets when there is nothing to mistake;
* ``declared``: mentions split by sentiment and the crisis declared as an event (as generated);
* ``detected``: split by sentiment, the crisis declared from what the data checks found
  (:func:`mmm.data.detect.crisis_candidates`), never told the truth;
* ``sentiment only``: split by sentiment, no event;
* ``ignored``: neither — every mention is earned media, no event (a model without this feature).

Prints the burst channel's (Douyin's) total ROI per seed and fit — posterior mean, 90% interval,
whether the interval holds the truth — the crisis's KPI lost as estimated (declared fits)
against the truth, and a summary over seeds: mean error against the truth and against the
clean fit, coverage. The numbers are quoted in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
import warnings
from typing import Any

import numpy as np
import pandas as pd

from mmm.analysis.fit import MediaMixModel
from mmm.data.crisis import generate_crisis
from mmm.data.detect import crisis_candidates
from mmm.data.load import from_dataframe
from mmm.model.spec import ModelSpec

CHANNELS = ("tv", "search", "weibo", "douyin", "kol", "mentions")
BURST = "douyin"
FITS = ("clean", "declared", "detected", "sentiment only", "ignored")


def datasets(seed: int, weeks: int) -> tuple[Any, dict[str, Any]]:
    """The crisis brand and its five datasets (see the module docstring)."""
    b = generate_crisis(seed=seed, weeks=weeks, channels=list(CHANNELS))
    sentiment_only = from_dataframe(b.data, b.channel_map_as(declared=False))
    found = crisis_candidates(sentiment_only)
    detected = sentiment_only.channel_map.to_dict()
    if found:
        detected["events"] = tomllib.loads("\n\n".join(c.toml for c in found))["events"]
    out = {
        "clean": from_dataframe(b.base.data, b.base.channel_map),
        "declared": from_dataframe(b.data, b.channel_map),
        "detected": from_dataframe(b.data, detected),
        "sentiment only": sentiment_only,
        "ignored": from_dataframe(b.data, b.channel_map_as(declared=False, sentiment=False)),
    }
    return b, out


def fit_one(ds: Any, spec: ModelSpec) -> dict[str, Any]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = MediaMixModel(spec).fit(ds)
    roi = r.roi().to_dataframe().loc[BURST]
    out = {
        "roi_mean": float(roi["roi_mean"]),
        "roi_lower": float(roi["roi_lower"]),
        "roi_upper": float(roi["roi_upper"]),
        "divergent": int(r.sample_stats["diverging"].sum()) if "diverging" in r.sample_stats else 0,
        "seconds": time.perf_counter() - t0,
        "kpi_lost": None,
    }
    ev = r.events()
    crises = (
        [i for i, k in enumerate(ev["kind"].values) if k == "crisis"]
        if ev.sizes.get("event")
        else []
    )
    if crises:
        out["kpi_lost"] = [-float(ev["effect_mean"].values[crises].sum()),
                           -float(ev["effect_upper"].values[crises].sum()),
                           -float(ev["effect_lower"].values[crises].sum())]  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4, 5])
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--tune", type=int, default=400)
    ap.add_argument("--fits", nargs="+", default=list(FITS), choices=FITS)
    ap.add_argument("--json", help="write every row to this file")
    args = ap.parse_args()
    spec = ModelSpec(chains=args.chains, draws=args.draws, tune=args.tune, seed=1, progress=False)
    rows = []
    for seed in args.seeds:
        b, data = datasets(seed, args.weeks)
        truth = float(b.truth.set_index("channel").loc[BURST, "roi_total"])
        lost = float(b.crisis_truth["kpi_lost"].iloc[0])
        for name in args.fits:
            res = fit_one(data[name], spec)
            row = {"seed": seed, "fit": name, "true_roi": truth, "true_kpi_lost": lost} | res
            row["covered"] = res["roi_lower"] <= truth <= res["roi_upper"]
            rows.append(row)
            kl = res["kpi_lost"]
            lost_txt = (
                f"  KPI lost {kl[0] / 1e6:.1f}M [{kl[1] / 1e6:.1f}, {kl[2] / 1e6:.1f}] (true {lost / 1e6:.1f}M)"
                if kl
                else ""
            )
            print(f"seed {seed} {name:<15} {BURST} ROI {res['roi_mean']:.2f} [{res['roi_lower']:.2f}, "
                  f"{res['roi_upper']:.2f}] true {truth:.2f} {'in' if row['covered'] else 'OUT'}  "
                  f"{res['seconds']:.0f}s div {res['divergent']}{lost_txt}", flush=True)  # fmt: skip
    df = pd.DataFrame(rows)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=1)
    clean = df[df["fit"] == "clean"].set_index("seed")["roi_mean"]
    df["vs_truth"] = df["roi_mean"] / df["true_roi"] - 1
    df["vs_clean"] = [
        r.roi_mean / clean[r.seed] - 1 if r.seed in clean else np.nan for r in df.itertuples()
    ]
    summary = df.groupby("fit", sort=False).agg(
        mean_roi=("roi_mean", "mean"),
        true_roi=("true_roi", "mean"),
        error_vs_truth=("vs_truth", "mean"),
        abs_error_vs_truth=("vs_truth", lambda s: s.abs().mean()),
        error_vs_clean=("vs_clean", "mean"),
        coverage=("covered", "mean"),
    )
    print(
        f"\n{BURST} total ROI over seeds {args.seeds} ({args.chains} chains × {args.draws} draws):"
    )
    pct = {c: (lambda v: f"{v:+.1%}") for c in summary.columns if c not in ("mean_roi", "true_roi")}
    print(summary.to_string(formatters=pct, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
