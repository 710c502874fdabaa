"""The lift-test cycle on the synthetic generator: fit → test recommended → outcome → refit.

    .venv/bin/python benchmarks/lift_test_cycle.py                 # defaults below
    .venv/bin/python benchmarks/lift_test_cycle.py --seed 5 --draws 500

1. Generate a 3-year weekly brand whose search spend tracks the seasonal baseline
   (``confounded="search"``), whose outdoor effect is 5% of its design (``weak="outdoor"``)
   and whose TV is flighted with a large effect. Search's true ROI is 2.5, away from the
   prior's mean (about 1.5), so a prior-dominated estimate is visibly wrong.
2. Fit; classify each channel (:func:`mmm.analysis.identify.identifiability`).
3. Recommend a lift test for each weakly identified or prior-dominated paid channel
   (:func:`mmm.decisions.experiments.experiments`).
4. Simulate each test's outcome on the generator's truth, inside the data window, with the
   recommended standard error (:func:`mmm.decisions.experiments.simulate_recommended_tests`).
5. Refit with those lift tests and compare 90% ROI intervals and errors against the truth.

Prints the classification table, the recommended tests and a before/after table; the
numbers are quoted in ``docs/lift_test_cycle.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import pandas as pd

from mmm.analysis.attribution import effect_totals
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.identify import identifiability
from mmm.data.load import from_dataframe
from mmm.data.synthetic import generate
from mmm.decisions.experiments import experiments, simulate_recommended_tests
from mmm.model.spec import ModelSpec

CHANNELS = ("tv", "search", "douyin", "wechat_ads")


def brand(seed: int = 5, weeks: int = 156, channels: Any = CHANNELS, weak: str = "douyin") -> Any:
    """The cycle's brand: search confounded with the season, a weak channel, TV flighted and large."""
    return generate(
        seed=seed, weeks=weeks, channels=list(channels), confounded="search", weak=weak,
        roi={"tv": 2.0, "search": 2.5},
    )  # fmt: skip


def fit(ds: Any, spec: ModelSpec) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MediaMixModel(spec).fit(ds)


def roi_draws(result: Any) -> pd.DataFrame:
    """Posterior draws of total ROI (samples × channels with a cost)."""
    tot = effect_totals(result)
    cost = [c for c, h in zip(result.design.channels, result.design.has_cost, strict=True) if h]
    tot = tot.sel(channel=cost)
    return pd.DataFrame((tot["total"] / tot["spend"]).values, columns=cost)


def compare(before: Any, after: Any, truth: pd.DataFrame) -> pd.DataFrame:
    """Per channel: 90% ROI interval and its width, |mean − truth| and E|ROI − truth| (posterior MAE)."""
    rows = []
    for label, res in (("before", before), ("after", after)):
        d = roi_draws(res)
        for ch in d.columns:
            t = float(truth.loc[ch, "roi_total"])
            lo, hi = d[ch].quantile([0.05, 0.95])
            rows.append({
                "channel": ch, "fit": label, "true_roi": t, "interval": f"{lo:.2f}–{hi:.2f}",
                "width": hi - lo, "error": abs(d[ch].mean() - t), "mae": (d[ch] - t).abs().mean(),
            })  # fmt: skip
    return pd.DataFrame(rows).pivot(index="channel", columns="fit").swaplevel(axis=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--weak", default="douyin")
    ap.add_argument("--outcomes", type=int, default=3, help="noisy outcome replicates")
    ap.add_argument("--channels", default=",".join(CHANNELS))
    args = ap.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)

    b = brand(args.seed, args.weeks, args.channels.split(","), args.weak)
    ds = from_dataframe(b.data, b.channel_map)
    spec = ModelSpec(chains=args.chains, draws=args.draws, tune=args.draws, seed=1, progress=False)
    t0 = time.perf_counter()
    r0 = fit(ds, spec)
    ident = identifiability(r0)
    print(ident, "\n")
    cols = ["channel", "width_ratio", "median_shift", "class", "corr_baseline", "cv",
            "signal_to_noise"]  # fmt: skip
    print(ident.table[cols].round(2).to_string(index=False), "\n")
    exp = experiments(r0, ident)
    print("Recommended tests:")
    show = ["channel", "design", "spend_change", "expected_lift", "lift_se",
            "roi_interval_now", "roi_interval_after", "meets_target"]  # fmt: skip
    print(exp[show].round(0).to_string(index=False), "\n")
    truth = b.truth.set_index("channel")
    runs = [("expected outcome", False, args.seed)] + [
        (f"noisy outcome, seed {args.seed + 100 * k}", True, args.seed + 100 * k)
        for k in range(args.outcomes)
    ]
    summary = []
    for label, noisy, seed in runs:
        tests = simulate_recommended_tests(r0, b, exp, seed=seed, noisy=noisy)
        print(f"Lift tests ({label}):")
        for t in tests:
            print(
                f"  {t.channel}: {t.start.date()}..{t.end.date()} lift {t.lift:,.0f} ± {t.se:,.0f}"
            )
        r1 = fit(ds, spec.replace(lift_tests=tests))
        cmp = compare(r0, r1, truth)
        print("ROI before → after calibration (90% intervals; error = |mean − truth|, "
              "mae = posterior mean of |ROI − truth|):")  # fmt: skip
        print(cmp.round(3).to_string(), "\n")
        for ch in exp["channel"]:
            summary.append({"outcome": label, "channel": ch,
                            **{f"{m}_{f}": cmp.loc[ch, (f, m)] for m in ("width", "error", "mae")
                               for f in ("before", "after")}})  # fmt: skip
        if not noisy:
            print(identifiability(r1), "\n")
    print("Tested channels, all outcomes:")
    print(pd.DataFrame(summary).round(3).to_string(index=False))
    print(f"\n(total {time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
