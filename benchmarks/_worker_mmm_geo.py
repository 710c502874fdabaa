"""One regional ``mmm`` fit in a fresh process; prints one tagged JSON line of metrics.

Run by ``vs_pymc_marketing_geo.py`` (not meant to be run by hand):

    python benchmarks/_worker_mmm_geo.py --panel DIR --seed 1

``DIR`` holds the panel the driver generated (``panel.csv``, ``panel.toml``, ``panel_truth.csv``,
``panel_truth_by_geo.csv``). ``fit_s`` is the wall time of ``MediaMixModel(spec).fit(dataset)``:
design, PyMC graph, compilation (or a compile-cache hit), sampling and the post-fit checks.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Clock, emit, geo_fit_metrics, peak_rss_mb, time_nutpie  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--panel", type=Path, required=True, help="directory the driver wrote")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--saturation", choices=["logistic", "hill"], default="logistic")
    args = p.parse_args(argv)

    clock = Clock()
    with clock("import_s"):
        import numpy as np
        import nutpie  # noqa: F401
        import pandas as pd
        import pymc  # noqa: F401
        import xarray as xr

        from mmm.analysis.attribution import effect_totals
        from mmm.analysis.fit import MediaMixModel
        from mmm.data.load import load
        from mmm.model.spec import ModelSpec
    time_nutpie(clock)

    with clock("load_s"):
        ds = load(args.panel / "panel.csv", args.panel / "panel.toml")
        truth = pd.read_csv(args.panel / "panel_truth.csv")
        truth_geo = pd.read_csv(args.panel / "panel_truth_by_geo.csv")
    spec = ModelSpec(
        adstock="geometric",
        saturation=args.saturation,
        chains=args.chains,
        draws=args.draws,
        tune=args.tune,
        seed=args.seed,
        progress=False,
    )
    rss_before_fit = peak_rss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with clock("fit_s"):
            result = MediaMixModel(spec).fit(ds)
    with clock("roas_s"):
        roi = result.roi().to_dataframe()
        roi_geo = result.roi(by="geo").to_dataframe().reset_index()
        tot = effect_totals(result)  # (sample, channel), sample = chain × draw
    post = result.posterior
    cost = list(roi.index.astype(str))
    nat = (tot["total"] / tot["spend"]).sel(channel=cost).values
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    nat_draws = xr.DataArray(
        nat.reshape(n_chain, n_draw, len(cost)),
        dims=("chain", "draw", "channel"),
        coords={"channel": cost},
    )
    true_roi = dict(zip(truth["channel"].astype(str), truth["roi"], strict=True))
    roas = {
        str(ch): {
            "mean": float(r.roi_mean),
            "lower": float(r.roi_lower),
            "upper": float(r.roi_upper),
            "truth": float(true_roi[str(ch)]),
        }
        for ch, r in roi.iterrows()
    }
    with clock("diag_s"):
        free = post[[v for v in post.data_vars if v != "beta"]]  # beta is deterministic
        metrics = geo_fit_metrics(free, nat_draws, roas)
        div = int(np.asarray(result.sample_stats["diverging"].values, dtype=bool).sum())
    peak = peak_rss_mb()
    times = dict(clock.times)
    times.setdefault("nutpie_compile_s", float(result.info.get("compile_s", 0.0)))
    merged = roi_geo.merge(truth_geo, on=["geo", "channel"]).dropna(subset=["roi"])
    geo_err = (merged["roi_mean"] / merged["roi"] - 1).abs()
    emit(
        {
            "library": "mmm",
            "seed": args.seed,
            "regions": int(ds.n_geos),
            "weeks": int(ds.n_periods),
            "chains": args.chains,
            "draws": args.draws,
            "tune": args.tune,
            **times,
            "compile_path": result.info.get("compile"),
            **metrics,
            "divergences": div,
            "median_abs_geo_roas_error": float(geo_err.median()),
            "peak_rss_mb": peak,
            "rss_before_fit_mb": rss_before_fit,
            "finished": time.time(),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
