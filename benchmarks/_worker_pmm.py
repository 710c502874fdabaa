"""One PyMC-Marketing 1.3 fit (nutpie) in a fresh process; prints one tagged JSON line.

Runs in ``benchmarks/.venv-pymc-marketing`` (PyMC-Marketing 1.3 pins pymc < 6.4, so it
cannot share our environment); ``vs_pymc_marketing.py`` creates that venv and calls:

    benchmarks/.venv-pymc-marketing/bin/python benchmarks/_worker_pmm.py --data mmm_example.csv --seed 1

The model is PyMC-Marketing's own quickstart: geometric adstock (l_max 8), logistic
saturation, channels x1 and x2, controls event_1, event_2 and t, yearly seasonality with
2 Fourier modes, default priors. ``fit_s`` is the wall time of constructing ``MMM`` and
calling ``fit`` (graph build, nutpie/numba compilation, sampling and PyMC-Marketing's
post-processing); importing the libraries (``import_s``) is reported separately.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import EXAMPLE_CSV, Clock, dir_bytes, emit, peak_rss_mb, time_nutpie  # noqa: E402

EXAMPLE_TRUTH = {"x1": 4967.8, "x2": 2274.9}
CHANNELS = ["x1", "x2"]
CONTROLS = ["event_1", "event_2", "t"]


def _dataset(node: Any) -> Any:
    """An xarray Dataset from a DataTree node (or a Dataset as it is)."""
    return node.to_dataset() if hasattr(node, "to_dataset") else node


def hdi(draws: Any, prob: float) -> tuple[float, float]:
    """Narrowest interval holding ``prob`` of the draws (PyMC-Marketing reports HDIs)."""
    import numpy as np

    x = np.sort(np.asarray(draws, dtype=float).ravel())
    k = int(np.floor(prob * len(x)))
    widths = x[k:] - x[: len(x) - k]
    i = int(np.argmin(widths))
    return float(x[i]), float(x[i + k])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--data", type=Path, default=EXAMPLE_CSV)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--save-dir", type=Path, help="where to save the model (default: a temp dir)")
    p.add_argument(
        "--refit",
        action="store_true",
        help="then fit again in the same process (seed + 1000) and report it as refit_*",
    )
    args = p.parse_args(argv)

    clock = Clock()
    with clock("import_s"):
        import arviz as az
        import numpy as np
        import nutpie  # noqa: F401
        import pandas as pd
        import pymc  # noqa: F401
        import pymc_marketing
        from pymc_marketing.mmm import MMM, GeometricAdstock, LogisticSaturation
    time_nutpie(clock)

    with clock("load_s"):
        data = pd.read_csv(args.data, parse_dates=["date_week"])
        X = data[["date_week", *CHANNELS, *CONTROLS]]
        y = data["y"]

    def fit(seed: int) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with clock("fit_s"):
                mmm = MMM(
                    date_column="date_week",
                    channel_columns=CHANNELS,
                    control_columns=CONTROLS,
                    adstock=GeometricAdstock(l_max=8),
                    saturation=LogisticSaturation(),
                    yearly_seasonality=2,
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
        # ROAS = sum of the channel's contribution (original scale) / sum of its spend
        target_scale = float(np.asarray(mmm.get_scales_as_xarray()["target_scale"]).ravel()[0])
        contrib = post["channel_contribution"].sum("date") * target_scale
        roas = {}
        for ch in CHANNELS:
            draws = contrib.sel(channel=ch).values / float(data[ch].sum())
            lo, hi = hdi(draws, 0.94)
            roas[ch] = {
                "mean": float(draws.mean()),
                "lower": lo,
                "upper": hi,
                "truth": EXAMPLE_TRUTH[ch],
            }
    with clock("diag_s"):
        # a wrapper with .graph in some releases, the pm.Model itself in others
        model = getattr(mmm.model, "graph", mmm.model)
        free = [rv.name for rv in model.free_RVs]
        ess = az.ess(post[free], method="bulk")
        rhat = az.rhat(post[free])
        div = int(np.asarray(stats["diverging"].values, dtype=bool).sum())
    with tempfile.TemporaryDirectory() as tmp:
        out = args.save_dir or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        with clock("save_s"):
            mmm.save(str(out / "model.nc"))
        saved = dir_bytes(out / "model.nc")
    peak = peak_rss_mb()
    times = dict(clock.times)
    refit: dict[str, float] = {}
    if args.refit:  # a warm refit: the analyst's second fit in the same session
        clock.times.clear()
        fit(args.seed + 1000)
        refit = {f"refit_{k}": v for k, v in clock.times.items()}

    errs = [abs(v["mean"] - v["truth"]) / v["truth"] for v in roas.values()]
    emit(
        {
            "library": "pymc-marketing",
            "version": pymc_marketing.__version__,
            "mode": "example",
            "seed": args.seed,
            "weeks": len(data),
            "channels": len(CHANNELS),
            "chains": args.chains,
            "draws": args.draws,
            "tune": args.tune,
            **times,
            **refit,
            "min_ess_bulk": float(min(np.nanmin(v.values) for v in ess.data_vars.values())),
            "max_rhat": float(max(np.nanmax(v.values) for v in rhat.data_vars.values())),
            "divergences": div,
            "n_free_params": int(sum(v.values.size for v in ess.data_vars.values())),
            "roas": roas,
            "roas_interval": "94% HDI",
            "median_abs_roas_error": statistics.median(errs),
            "saved_bytes": saved,
            "posterior_vars": len(post.data_vars),
            "peak_rss_mb": peak,
            "rss_before_fit_mb": rss_before_fit,
            "finished": time.time(),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
