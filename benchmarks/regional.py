"""Regional panels: does one hierarchical model recover national and regional ROI, and better
than the national model fitted to the same data summed over regions?

For each generated panel (``mmm.data.regions.generate_panel``: staggered social launches,
national TV, regional ROI spread, a shared weekly shock) the script fits

* the regional model on the panel, and
* the national model on the same data summed over regions (``MMMDataset.national()``),

and prints, per panel and overall: median absolute relative error of the national total ROI
of the paid channels, 90% interval coverage of the true national ROI, the same for the
regional ROIs (regional model only), and fit time, max R-hat and divergences.

    .venv/bin/python benchmarks/regional.py                       # 20 regions x 156 weeks, 3 seeds
    .venv/bin/python benchmarks/regional.py --seeds 1 2 --noise 0.03 0.08 --regions 24
    .venv/bin/python benchmarks/regional.py --quick               # 8 regions, 2 x 300 draws

Each fit runs in this process one after another; fit time includes compilation (the first
fit of a structure) and is noisy on a shared machine: compare within a run.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path
from typing import Any

import arviz as az
import numpy as np
import pandas as pd

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.data.regions import DEFAULT_CHANNELS, RegionalBrand, generate_panel
from mmm.model.spec import ModelSpec


def _scores(result: Any, truth: pd.DataFrame, by: str | None = None) -> dict[str, float]:
    roi = result.roi(by=by).to_dataframe().reset_index()
    keys = ["geo", "channel"] if by else ["channel"]
    merged = roi.merge(truth, on=keys, suffixes=("", "_true")).dropna(subset=["roi"])
    err = (merged["roi_mean"] / merged["roi"] - 1).abs()
    cover = (merged["roi_lower"] <= merged["roi"]) & (merged["roi"] <= merged["roi_upper"])
    return {"median_error": float(err.median()), "coverage": float(cover.mean()), "n": len(merged)}


def _health(result: Any) -> dict[str, float]:
    post = result.posterior
    rhat = az.rhat(post)
    worst = max(float(np.nanmax(rhat[v].values)) for v in rhat.data_vars)
    div = int(np.asarray(result.sample_stats["diverging"].values).sum())
    return {"max_rhat": worst, "divergences": div}


def run_one(brand: RegionalBrand, spec: ModelSpec) -> list[dict[str, Any]]:
    ds = from_dataframe(brand.data, brand.channel_map)
    rows = []
    for label, data in (("regional", ds), ("national (summed)", ds.national())):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = MediaMixModel(spec).fit(data)
        seconds = time.perf_counter() - t0
        row = {"model": label, "seconds": seconds, **_health(result)}
        nat = _scores(result, brand.truth[["channel", "roi"]])
        row |= {"roi_error": nat["median_error"], "coverage": nat["coverage"]}
        if label == "regional":
            geo = _scores(result, brand.truth_by_geo[["geo", "channel", "roi"]], by="geo")
            row |= {"geo_roi_error": geo["median_error"], "geo_coverage": geo["coverage"]}
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--regions", type=int, default=20)
    parser.add_argument("--weeks", type=int, default=156)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--noise", type=float, nargs="+", default=[0.05])
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, help="tuning steps (default: max(800, draws))")
    parser.add_argument("--quick", action="store_true", help="8 regions, 2 chains x 300 draws")
    parser.add_argument("--out", type=Path, help="write the table as CSV here")
    args = parser.parse_args(argv)
    if args.quick:
        args.regions, args.chains, args.draws = 8, 2, 300
    tune = args.tune if args.tune is not None else max(800, args.draws)
    spec = ModelSpec(chains=args.chains, draws=args.draws, tune=tune, seed=1, progress=False)
    rows = []
    for seed in args.seeds:
        for noise in args.noise:
            brand = generate_panel(seed=seed, regions=args.regions, weeks=args.weeks,
                                   channels=DEFAULT_CHANNELS, noise=noise)  # fmt: skip
            for row in run_one(brand, spec):
                rows.append({"seed": seed, "noise": noise, **row})
                print({k: round(v, 3) if isinstance(v, float) else v for k, v in rows[-1].items()},
                      flush=True)  # fmt: skip
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print(f"\n{args.regions} regions x {args.weeks} weeks, {args.chains} chains x {args.draws} draws"
          f" ({tune} tuning)")  # fmt: skip
    print(table.round(3).to_string(index=False))
    summary = table.groupby("model")[["roi_error", "coverage", "geo_roi_error", "seconds"]].median()
    print("\nmedians over panels:\n" + summary.round(3).to_string())
    if args.out:
        table.to_csv(args.out, index=False)


if __name__ == "__main__":
    main()
