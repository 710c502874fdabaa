"""One PyMC-Marketing 1.3 geo-panel fit (``MMM(dims=("geo",))``, nutpie) in a fresh process.

Runs in ``benchmarks/.venv-pymc-marketing`` (see ``vs_pymc_marketing_geo.py``, which writes the
panel and calls this):

    benchmarks/.venv-pymc-marketing/bin/python benchmarks/_worker_pmm_geo.py --panel DIR --seed 1

``DIR`` holds ``panel_pmm.csv`` (one row per week and region; national channels already split
to regions by population; controls standardised; holiday regressors as columns),
``roles.json`` (which column is what) and the truth tables. The model:
``pymc_marketing.mmm.MMM`` (in 1.3 ``pymc_marketing.mmm.multidimensional.MMM`` is a deprecated
alias of it) with ``dims=("geo",)``, geometric adstock with the same ``l_max``, logistic (or Hill)
saturation, yearly seasonality, the controls. ``--priors default`` keeps the library's default
priors, which with ``dims=("geo",)`` give every region its own adstock, saturation and
coefficient per channel (no pooling); ``--priors shared`` shares adstock and saturation shape
per channel across regions and keeps a coefficient per region and channel, closer to mmm's
structure. ``fit_s`` is the wall time of constructing ``MMM`` and calling ``fit``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Clock, emit, geo_fit_metrics, peak_rss_mb, time_nutpie  # noqa: E402


def _dataset(node: Any) -> Any:
    """An xarray Dataset from a DataTree node (or a Dataset as it is)."""
    return node.to_dataset() if hasattr(node, "to_dataset") else node


def quantiles(draws: Any, prob: float) -> tuple[float, float]:
    """Equal-tailed interval holding ``prob`` of the draws (as mmm reports)."""
    import numpy as np

    lo, hi = np.quantile(np.asarray(draws, dtype=float).ravel(), [(1 - prob) / 2, (1 + prob) / 2])
    return float(lo), float(hi)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--panel", type=Path, required=True)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--saturation", choices=["logistic", "hill"], default="logistic")
    p.add_argument("--priors", choices=["default", "shared"], default="default")
    args = p.parse_args(argv)

    clock = Clock()
    with clock("import_s"):
        import numpy as np
        import nutpie  # noqa: F401
        import pandas as pd
        import pymc  # noqa: F401
        import pymc_marketing
        import xarray as xr
        from pymc_extras.prior import Prior
        from pymc_marketing.mmm import (
            MMM,
            GeometricAdstock,
            HillSaturation,
            LogisticSaturation,
        )
    time_nutpie(clock)

    with clock("load_s"):
        roles = json.loads((args.panel / "roles.json").read_text(encoding="utf-8"))
        data = pd.read_csv(args.panel / "panel_pmm.csv", parse_dates=[roles["date"]])
        channels: list[str] = list(roles["channels"])  # column = channel name here
        controls: list[str] = list(roles["controls"])
        X = data[[roles["date"], "geo", *channels, *controls]]
        y = data["y"]
        truth = pd.read_csv(args.panel / "panel_truth.csv")
        truth_geo = pd.read_csv(args.panel / "panel_truth_by_geo.csv")

    saturation = LogisticSaturation() if args.saturation == "logistic" else HillSaturation()
    model_config: dict[str, Any] | None = None
    if args.priors == "shared":
        # the library's default distributions, with the shape parameters per channel (shared
        # by the regions) and the coefficient per region and channel
        shape = saturation.default_priors
        model_config = {
            "adstock_alpha": Prior("Beta", alpha=1, beta=3, dims="channel"),
            **{
                f"saturation_{k}": Prior(v.distribution, **v.parameters, dims="channel")
                for k, v in shape.items()
                if k != "beta"
            },
            "saturation_beta": Prior(
                shape["beta"].distribution, **shape["beta"].parameters, dims=("geo", "channel")
            ),
        }

    def fit(seed: int) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with clock("fit_s"):
                mmm = MMM(
                    date_column=roles["date"],
                    channel_columns=channels,
                    control_columns=controls,
                    target_column="y",
                    dims=("geo",),
                    adstock=GeometricAdstock(l_max=int(roles["l_max"])),
                    saturation=saturation,
                    yearly_seasonality=int(roles["fourier_modes"]),
                    model_config=model_config,
                )
                mmm.fit(
                    X,
                    y,
                    nuts_sampler="nutpie",
                    chains=args.chains,
                    draws=args.draws,
                    tune=args.tune,
                    random_seed=seed,
                    progressbar=False,
                )
        return mmm

    rss_before_fit = peak_rss_mb()
    mmm = fit(args.seed)

    post = _dataset(mmm.idata["posterior"])
    stats = _dataset(mmm.idata["sample_stats"])
    with clock("roas_s"):
        # ROAS = contribution summed over weeks (and regions) in original units / spend
        target_scale = mmm.get_scales_as_xarray()["target_scale"]  # per geo
        contrib = (post["channel_contribution"] * target_scale).sum("date")  # chain, draw, geo, ch
        spend_geo = data.groupby("geo")[channels].sum()
        spend_da = xr.DataArray(
            spend_geo.values,
            dims=("geo", "channel"),
            coords={"geo": spend_geo.index.astype(str), "channel": channels},
        )
        contrib = contrib.assign_coords(geo=contrib["geo"].astype(str))
        nat = contrib.sum("geo") / spend_da.sum("geo")  # chain, draw, channel
        by_geo = (contrib / spend_da).mean(("chain", "draw"))
    true_roi = dict(zip(truth["channel"].astype(str), truth["roi"], strict=True))
    roas = {}
    for ch in channels:
        draws = nat.sel(channel=ch).values
        lo, hi = quantiles(draws, 0.9)
        roas[ch] = {"mean": float(draws.mean()), "lower": lo, "upper": hi, "truth": true_roi[ch]}
    with clock("diag_s"):
        free = [rv.name for rv in mmm.model.free_RVs]
        metrics = geo_fit_metrics(post[free], nat, roas)
        div = int(np.asarray(stats["diverging"].values, dtype=bool).sum())
    peak = peak_rss_mb()
    est = by_geo.to_dataframe(name="roi_mean").reset_index()
    merged = est.merge(truth_geo, on=["geo", "channel"]).dropna(subset=["roi"])
    merged = merged[np.isfinite(merged["roi_mean"])]
    geo_err = (merged["roi_mean"] / merged["roi"] - 1).abs()
    emit(
        {
            "library": "pymc-marketing",
            "version": pymc_marketing.__version__,
            "priors": args.priors,
            "seed": args.seed,
            "regions": int(data["geo"].nunique()),
            "weeks": int(data[roles["date"]].nunique()),
            "chains": args.chains,
            "draws": args.draws,
            "tune": args.tune,
            **clock.times,
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
