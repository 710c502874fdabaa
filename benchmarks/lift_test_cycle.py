"""The lift-test cycle on the synthetic generator: fit → recommend tests → simulate outcomes → refit.

    .venv/bin/python benchmarks/lift_test_cycle.py                      # seeds 1 2 3, defaults below
    .venv/bin/python benchmarks/lift_test_cycle.py --seeds 1 --draws 500 --outcomes 1
    .venv/bin/python benchmarks/lift_test_cycle.py --panel 8 --draws 500   # the brand as an 8-region panel

For each brand seed:

1. Generate a 3-year weekly brand whose paid social channel ``douyin`` — a source of earned
   mentions — has spend that tracks the trend and seasonal baseline (``confounded="douyin"``,
   corr > 0.9), with a true ROI (3.0 direct) far from the ROI prior's median (1.0); TV is
   flighted with a large effect, search always on, weibo a second social source.
2. Fit; classify each channel (:func:`mmm.analysis.identify.identifiability`).
3. Recommend a lift test for each weakly identified or prior-dominated paid channel
   (:func:`mmm.decisions.experiments.experiments`: ``experiments.csv``), and on a panel a
   validation test for each well identified social channel (``purpose = "validate"``).
4. Run each recommended test on the generator's truth, inside the data window (the last year's
   weeks of typical spend), and measure it (:func:`mmm.decisions.experiments.simulate_recommended_tests`):
   truth + N(0, lift_se) noise with the recommended national standard error, and again with a
   standard error of 15% of the true lift (``--geo-se``: a matched-region test's precision),
   ``--outcomes`` noise draws each.
5. Refit with those lift tests; compare each calibrated channel's total ROI (direct + through
   earned media) with the truth before and after: relative error of the posterior mean,
   90% interval width and whether the interval covers the truth.

Prints the tests and a before/after table per seed, then the median relative error of the
calibrated channels over all seeds and outcomes; the numbers are quoted in
``docs/lift_test_cycle.md``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd

from mmm.analysis.attribution import effect_totals
from mmm.analysis.fit import MediaMixModel
from mmm.analysis.identify import identifiability
from mmm.analysis.lift_check import lift_test_check
from mmm.data.load import from_dataframe
from mmm.data.regions import generate_panel
from mmm.data.synthetic import generate
from mmm.decisions.experiments import experiments, simulate_recommended_tests
from mmm.model.spec import ModelSpec

CHANNELS = ("tv", "search", "weibo", "douyin", "mentions")
CONFOUNDED = "douyin"
ROI = {"tv": 2.0, "douyin": 3.0}


def brand(
    seed: int, weeks: int = 156, channels: Any = CHANNELS, confounded: str = CONFOUNDED
) -> Any:
    """The cycle's brand: a trend-confounded social channel that generates mentions."""
    return generate(seed=seed, weeks=weeks, channels=list(channels), confounded=confounded, roi=ROI)


def panel(seed: int, regions: int, weeks: int = 156, channels: Any = CHANNELS,
          confounded: str = CONFOUNDED) -> Any:  # fmt: skip
    """The cycle's brand as a regional panel: the same channels, ``confounded`` flighted
    nationally in every region along the national brand's confounded series (trend, season,
    festivals), so regional variation cannot separate it from the baseline; Weibo launched at
    staggered weeks; TV bought nationally."""
    national = brand(seed, weeks, channels, confounded)
    cfg = national.channel_map.channel(confounded)
    col = cfg.spend or cfg.activity
    shape = national.data[col].to_numpy(float)
    return generate_panel(
        seed=seed, regions=regions, weeks=weeks, channels=list(channels), roi=ROI,
        staggered=[c for c in ("weibo",) if c in channels and c != confounded],
        modulate={confounded: shape / shape.mean()},
    )  # fmt: skip


def fit(ds: Any, spec: ModelSpec) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MediaMixModel(spec).fit(ds)


def roi_draws(result: Any) -> pd.DataFrame:
    """Posterior draws of total ROI (samples × channels with a cost)."""
    tot = effect_totals(result)
    cost = list(result.design.cost_channels)
    tot = tot.sel(channel=cost)
    return pd.DataFrame((tot["total"] / tot["spend"]).values, columns=cost)


def compare(before: Any, after: Any, truth: pd.Series, channels: list[str]) -> pd.DataFrame:
    """Per channel: true ROI, then for each fit the mean, 90% interval, relative error and coverage."""
    rows = []
    draws = {"before": roi_draws(before), "after": roi_draws(after)}
    for ch in channels:
        row: dict[str, Any] = {"channel": ch, "true_roi": float(truth[ch])}
        for label, d in draws.items():
            lo, hi = d[ch].quantile([0.05, 0.95])
            mean = float(d[ch].mean())
            row |= {
                f"{label}_mean": mean,
                f"{label}_interval": f"{lo:.2f}–{hi:.2f}",
                f"{label}_width": hi - lo,
                f"{label}_rel_error": abs(mean - row["true_roi"]) / row["true_roi"],
                f"{label}_covers": bool(lo <= row["true_roi"] <= hi),
            }
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="brand seeds")
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument(
        "--outcomes", type=int, default=2, help="noisy outcomes per brand and precision"
    )
    ap.add_argument(
        "--geo-se", type=float, default=0.15,
        help="also measure each test with this standard error relative to its true lift, the "
        "precision of a matched-region test (0 to skip)",
    )  # fmt: skip
    ap.add_argument(
        "--no-national-se",
        action="store_true",
        help="skip the outcomes measured at the recommended national standard error",
    )
    ap.add_argument("--confounded", default=CONFOUNDED)
    ap.add_argument(
        "--placement", choices=["typical", "busiest"], default="typical",
        help="where in the last year each test runs: weeks of typical spend (default) or the busiest",
    )  # fmt: skip
    ap.add_argument("--channels", default=",".join(CHANNELS))
    ap.add_argument(
        "--panel", type=int, default=0, metavar="REGIONS",
        help="run the cycle on a regional panel of this many regions instead (experiments.csv "
        "then prices matched-region geo tests from the data; --geo-se is ignored)",
    )  # fmt: skip
    args = ap.parse_args()
    pd.set_option("display.width", 220)
    pd.set_option("display.max_columns", 30)
    spec = ModelSpec(chains=args.chains, draws=args.draws, tune=args.draws, seed=1, progress=False)
    t0 = time.perf_counter()
    summary = []
    for seed in args.seeds:
        if args.panel:
            b = panel(seed, args.panel, args.weeks, args.channels.split(","), args.confounded)
            truth = b.truth.set_index("channel")["roi"]
        else:
            b = brand(seed, args.weeks, args.channels.split(","), args.confounded)
            truth = b.truth.set_index("channel")["roi_total"]
        ds = from_dataframe(b.data, b.channel_map)
        r0 = fit(ds, spec)
        ident = identifiability(r0)
        exp = experiments(r0, ident)
        print(f"=== brand seed {seed}: first fit {r0.convergence().status}", flush=True)
        print(
            ident.table[["channel", "width_ratio", "class", "corr_baseline"]]
            .round(2)
            .to_string(index=False)
        )
        show = ["channel", "purpose", "design", "scope", "spend_change", "expected_lift", "lift_se", "roi_interval_now",
                "roi_interval_after", "meets_target"]  # fmt: skip
        print(exp[show].round(0).to_string(index=False))
        tested = list(exp["channel"])
        if not tested:
            print("  every paid channel is well identified: no test to run")
            continue
        precisions = ([] if args.no_national_se else [("recommended se", None)]) + (
            [(f"se {args.geo_se:.0%} of lift", args.geo_se)]
            if args.geo_se > 0 and not args.panel
            else []
        )
        for label, rel in precisions:
            for k in range(args.outcomes):
                tests = simulate_recommended_tests(
                    r0, b, exp, seed=1000 * seed + 10 * k, relative_se=rel, placement=args.placement
                )
                r1 = fit(ds, spec.replace(lift_tests=tests))
                cmp = compare(r0, r1, truth, tested)
                print(f"--- {label}, outcome {k}: refit {r1.convergence().status}")
                before, after = lift_test_check(r0, tests), lift_test_check(r1)
                for t, b0, b1 in zip(tests, before.itertuples(), after.itertuples(), strict=True):
                    print(
                        f"  {t.channel}: {t.window} change {t.change:+.0%} lift {t.lift:,.0f} ± {t.se:,.0f}; "
                        f"first fit implied {b0.model_mean:,.0f} (z {b0.z:+.1f}), refit {b1.model_mean:,.0f} (z {b1.z:+.1f})"
                    )
                print(cmp.round(3).to_string(index=False), flush=True)
                purpose = dict(zip(exp["channel"], exp["purpose"], strict=True))
                summary.append(
                    cmp.assign(seed=seed, outcome=k, precision=label, purpose=cmp["channel"].map(purpose))
                )
    if not summary:
        print(f"\nNo brand needed a test (total {time.perf_counter() - t0:.0f}s)")
        return
    allr = pd.concat(summary, ignore_index=True)
    print("\nCalibrated channels, all seeds and outcomes:")
    cols = ["precision", "seed", "outcome", "channel", "purpose", "true_roi", "before_mean", "before_interval",
            "after_mean", "after_interval", "before_rel_error", "after_rel_error", "after_covers"]  # fmt: skip
    print(allr[cols].round(3).to_string(index=False))
    for precision, g in allr.groupby("precision", sort=False):
        print(f"{precision}:")
        for label in ("before", "after"):
            print(
                f"  {label:>6}: median relative ROI error {np.median(g[f'{label}_rel_error']):.1%}, "
                f"median 90% width {np.median(g[f'{label}_width']):.2f}, "
                f"truth covered {g[f'{label}_covers'].mean():.0%} ({g[f'{label}_covers'].sum()}/{len(g)})"
            )
    print(f"(total {time.perf_counter() - t0:.0f}s)")


if __name__ == "__main__":
    main()
