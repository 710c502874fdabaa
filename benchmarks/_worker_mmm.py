"""One fit with ``mmm`` in a fresh process; prints one tagged JSON line of metrics.

Run by ``vs_pymc_marketing.py`` and ``scaling.py`` (not meant to be run by hand):

    python benchmarks/_worker_mmm.py example --data mmm_example.csv --seed 1
    python benchmarks/_worker_mmm.py synthetic --weeks 156 --channels 10 --seed 1

``fit_s`` is the wall time of ``MediaMixModel(spec).fit(dataset)``: design, PyMC graph,
nutpie/numba compilation, sampling and the post-fit convergence check. Importing the
libraries (``import_s``) and loading the data (``load_s``) are reported separately.
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

#: true ROAS of the PyMC-Marketing example (sum of contribution / sum of spend)
EXAMPLE_TRUTH = {"x1": 4967.8, "x2": 2274.9}
#: paid channels of one synthetic sub-brand (the generator's preset has 7 paid channels)
SUB_BRAND = ("tv", "search", "outdoor", "weibo", "douyin")


def example_dataset(path: Path) -> Any:
    """The PyMC-Marketing quickstart data with x1, x2 as paid spend and three controls."""
    from mmm.data.load import load

    cmap = {
        "date": "date_week",
        "kpi": "y",
        "channels": {
            "x1": {"media": "paid", "spend": "x1"},
            "x2": {"media": "paid", "spend": "x2"},
        },
        "controls": {"columns": ["event_1", "event_2", "t"]},
    }
    return load(path, cmap)


def synthetic_dataset(weeks: int, channels: int, seed: int) -> tuple[Any, dict[str, float]]:
    """``channels // 5`` synthetic sub-brands of 5 paid channels each, KPI summed.

    The generator's preset has 7 paid channels, so larger panels are built by stacking
    sub-brands (seeds ``seed``, ``seed + 1``, …) side by side: their revenues add up, each
    keeps its own spend series, price control and known ROI. Returns the dataset and the
    true ROI of each channel.
    """
    import pandas as pd

    from mmm.data.config import ChannelMap
    from mmm.data.load import from_dataframe
    from mmm.data.synthetic import generate

    if channels % len(SUB_BRAND):
        raise SystemExit(f"--channels must be a multiple of {len(SUB_BRAND)}, not {channels}")
    frame: pd.DataFrame | None = None
    raw: dict[str, Any] = {}
    truth: dict[str, float] = {}
    for i in range(channels // len(SUB_BRAND)):
        brand = generate(seed=seed + i, weeks=weeks, channels=list(SUB_BRAND))
        sfx = "" if i == 0 else f"_{i}"
        m = brand.channel_map.to_dict()
        data = brand.data.rename(
            columns={
                **{ch["spend"]: ch["spend"] + sfx for ch in m["channels"].values()},
                "price_index": "price_index" + sfx,
            }
        )
        for _, row in brand.truth.iterrows():
            truth[f"{row['channel']}{sfx}"] = float(row["roi_total"])
        if frame is None:
            frame, raw = data, m
            raw["channels"] = dict(m["channels"])
            continue
        frame[m["kpi"]] = frame[m["kpi"]] + data[m["kpi"]]
        frame["price_index" + sfx] = data["price_index" + sfx]
        for name, ch in m["channels"].items():
            frame[ch["spend"] + sfx] = data[ch["spend"] + sfx]
            raw["channels"][name + sfx] = {**ch, "spend": ch["spend"] + sfx}
        raw["controls"] = {
            **raw["controls"],
            "columns": [*raw["controls"]["columns"], "price_index" + sfx],
        }
    assert frame is not None
    return from_dataframe(frame, ChannelMap.from_dict(raw)), truth


def convergence(result: Any) -> dict[str, float]:
    """Min bulk ESS and max R-hat over all free parameters; divergences."""
    import arviz as az
    import numpy as np

    post = result.posterior
    free = post[[v for v in post.data_vars if v != "beta"]]  # beta is deterministic
    ess = az.ess(free, method="bulk")
    rhat = az.rhat(free)
    div = result.sample_stats["diverging"].values if "diverging" in result.sample_stats else None
    return {
        "min_ess_bulk": float(min(np.nanmin(v.values) for v in ess.data_vars.values())),
        "max_rhat": float(max(np.nanmax(v.values) for v in rhat.data_vars.values())),
        "divergences": int(np.asarray(div, dtype=bool).sum()) if div is not None else -1,
        "n_free_params": int(sum(v.values.size for v in ess.data_vars.values())),
    }


def gradient_cost(ds: Any, spec: Any, result: Any) -> dict[str, float]:
    """Cost of one log-density + gradient evaluation, and how many the sampler needed per draw.

    Sampling time = gradients per draw × draws × cost per gradient. The first factor is the
    posterior's geometry (statistics); the second is the implementation, which should grow
    about linearly with weeks × channels. The model is rebuilt and compiled again (a cache hit)
    and its compiled log-density called directly at a chain start.
    """
    import numpy as np

    from mmm.analysis.fit import MediaMixModel
    from mmm.model.compile import compile_for_nutpie
    from mmm.model.graph import param_names

    model = MediaMixModel(spec).build(ds)
    compiled, _ = compile_for_nutpie(model, param_names(model))
    fn = compiled.logp_func.vm.jit_fn
    data = [v.get_value() for v in compiled.logp_func.get_shared()]  # pm.Data inputs
    x = compiled.initial_point_func(0)
    fn(x, *data)
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        fn(x, *data)
    per_grad = (time.perf_counter() - t0) / n
    steps = result.sample_stats.get("n_steps")
    return {
        "grad_us": 1e6 * per_grad,
        "grads_per_draw": float(np.mean(steps.values)) if steps is not None else float("nan"),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=["example", "synthetic"])
    p.add_argument("--data", type=Path, default=EXAMPLE_CSV, help="example mode: CSV path")
    p.add_argument("--weeks", type=int, default=156, help="synthetic mode: weeks")
    p.add_argument(
        "--channels", type=int, default=10, help="synthetic mode: channels (multiple of 5)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument(
        "--roi-prior",
        type=float,
        nargs=2,
        metavar=("MEDIAN", "SIGMA"),
        help="log-normal ROI prior (default: the library's, (1.0, 0.9))",
    )
    p.add_argument("--save-dir", type=Path, help="where to save the result (default: a temp dir)")
    p.add_argument(
        "--refit",
        action="store_true",
        help="then fit again in the same process (seed + 1000) and report it as refit_*",
    )
    args = p.parse_args(argv)

    clock = Clock()
    with clock("import_s"):
        import arviz  # noqa: F401
        import nutpie  # noqa: F401
        import pymc  # noqa: F401

        from mmm.analysis.fit import MediaMixModel
        from mmm.model.spec import ModelSpec
    time_nutpie(clock)

    truth: dict[str, float]
    with clock("load_s"):
        if args.mode == "example":
            ds, truth = example_dataset(args.data), EXAMPLE_TRUTH
        else:
            ds, truth = synthetic_dataset(args.weeks, args.channels, args.seed)
    if args.mode == "example":
        spec = ModelSpec(
            adstock="geometric",
            saturation="logistic",
            max_lag=8,
            fourier_modes=2,
            trend="none",
            likelihood="normal",
            chains=args.chains,
            draws=args.draws,
            tune=args.tune,
            seed=args.seed,
            progress=False,
        )
    else:  # the library's default model (geometric + Hill, log-normal, linear trend)
        spec = ModelSpec(
            chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed, progress=False
        )
    if args.roi_prior:
        spec = spec.replace(roi_prior=tuple(args.roi_prior))
    rss_before_fit = peak_rss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with clock("fit_s"):
            result = MediaMixModel(spec).fit(ds)
    with clock("roas_s"):
        roi = result.roi().to_dataframe()
    with clock("diag_s"):
        conv = convergence(result)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.save_dir or Path(tmp) / "fit"
        with clock("save_s"):
            result.save(out)
        saved = dir_bytes(out)
    peak = peak_rss_mb()
    grads = gradient_cost(ds, spec, result)
    times = dict(clock.times)
    # mmm compiles through mmm.model.compile (nutpie's model, cached callbacks), not through
    # nutpie.compile_pymc_model, so the compile time comes from the result itself
    times.setdefault("nutpie_compile_s", float(result.info.get("compile_s", 0.0)))
    refit: dict[str, float] = {}
    if args.refit:  # a warm refit: the analyst's second fit in the same session
        clock.times.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with clock("fit_s"):
                MediaMixModel(spec.replace(seed=args.seed + 1000)).fit(ds)
        refit = {f"refit_{k}": v for k, v in clock.times.items()}

    roas: dict[str, dict[str, Any]] = {
        str(ch): {
            "mean": float(r.roi_mean),
            "lower": float(r.roi_lower),
            "upper": float(r.roi_upper),
            "truth": truth.get(str(ch)),
        }
        for ch, r in roi.iterrows()
    }
    errs = [
        abs(v["mean"] - t) / t for v in roas.values() if (t := v["truth"]) is not None and t > 0
    ]
    emit(
        {
            "library": "mmm",
            "mode": args.mode,
            "seed": args.seed,
            "weeks": int(ds.n_periods),
            "channels": len(ds.channels),
            "chains": args.chains,
            "draws": args.draws,
            "tune": args.tune,
            **times,
            **refit,
            **{f"info_{k}": float(v) for k, v in result.info.items() if k.endswith("_s")},
            **conv,
            "compile_path": result.info.get("compile"),
            **grads,
            "roas": roas,
            "roas_interval": "90%",
            "roi_prior": list(spec.roi_prior),
            "median_abs_roas_error": statistics.median(errs) if errs else None,
            "saved_bytes": saved,
            "peak_rss_mb": peak,
            "rss_before_fit_mb": rss_before_fit,
            "finished": time.time(),
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
