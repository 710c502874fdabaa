"""mmm's regional model vs PyMC-Marketing 1.3's geo model (``MMM(dims=("geo",))``), same panel.

    .venv/bin/python benchmarks/vs_pymc_marketing_geo.py                 # 8 regions × 156 weeks
    .venv/bin/python benchmarks/vs_pymc_marketing_geo.py --runs 2 --pmm-priors shared

The driver generates one panel with ``mmm.data.regions.generate_panel`` (known national and
regional ROI; six paid channels, no owned or earned channels: PyMC-Marketing has no
earned-media path; national TV, staggered Weibo/Douyin launches) and writes it twice:

* for ``mmm``: the panel as generated (CSV + channel map TOML; TV is one national column that
  mmm splits to regions by population);
* for PyMC-Marketing: the same rows with TV split to regions by population (what the generator
  and mmm do), the controls standardised as mmm does (price, promotion weeks), a standardised
  time index as a control (a linear trend per region: mmm's default has one), and the
  recurring-holiday regressors mmm derives from the channel map's ``holidays = "CN"``
  (``mmm.model.design.holiday_features``), so both models see the same information.

Each library then fits it in a fresh process, alternating (``_worker_mmm_geo.py``,
``_worker_pmm_geo.py``): geometric adstock with the same ``l_max`` (8), logistic saturation
(``--saturation hill`` for Hill in both), yearly seasonality with 2 Fourier modes, nutpie, the
same chains, draws and seed. Printed per run and as medians: fit time (construction +
compilation + sampling), its compile/sample split, bulk ESS of the national ROI draws (min over
channels) and min bulk ESS over all free parameters, both per fit second, max R-hat,
divergences, peak RSS and the national ROI median absolute relative error against the truth
(PyMC-Marketing ROAS = ``channel_contribution`` × target scale summed over weeks and regions ÷
spend), 90% coverage and the regional ROI error; then the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HERE, code_version, fmt, median, run_worker, table  # noqa: E402
from vs_pymc_marketing import PMM_VENV, ensure_pmm_venv, split, venv_python  # noqa: E402

CHANNELS = ("tv", "search", "weibo", "douyin", "wechat_ads", "kol")
LIBRARIES = ("mmm", "pymc-marketing")


def write_panel(out: Path, seed: int, regions: int, weeks: int) -> dict[str, Any]:
    """Generate the panel and write both libraries' inputs to ``out``; returns the roles."""
    import numpy as np

    from mmm.data.regions import generate_panel
    from mmm.model.design import holiday_features

    brand = generate_panel(seed=seed, regions=regions, weeks=weeks, channels=list(CHANNELS))
    brand.to_files(out, "panel")
    cmap = brand.channel_map
    data = brand.data.copy()
    frame = data[[cmap.date, cmap.geo]].rename(columns={cmap.geo: "geo"})
    share = data[cmap.population] / data.groupby(cmap.date)[cmap.population].transform("sum")
    raw = cmap.to_dict()
    channels: list[str] = []
    for name, ch in raw["channels"].items():
        col = data[ch["spend"]].astype(float)
        frame[name] = col * share if ch.get("level") == "national" else col
        channels.append(name)
    controls: list[str] = []
    for col in raw["controls"]["columns"]:  # standardised over the panel, as mmm does
        x = data[col].astype(float)
        frame[col] = (x - x.mean()) / x.std(ddof=0)
        controls.append(col)
    dates = sorted(data[cmap.date].unique())
    t = np.linspace(-0.5, 0.5, len(dates))
    frame["t"] = data[cmap.date].map(dict(zip(dates, t, strict=True)))
    controls.append("t")
    import pandas as pd

    hol, names = holiday_features(pd.DatetimeIndex(dates), raw["controls"]["holidays"], "W")
    for j, name in enumerate(names):
        col = "hol_" + "".join(c if c.isalnum() else "_" for c in name.lower())
        frame[col] = data[cmap.date].map(dict(zip(dates, hol[:, j], strict=True)))
        controls.append(col)
    frame["y"] = data[cmap.kpi]
    frame.to_csv(out / "panel_pmm.csv", index=False, date_format="%Y-%m-%d")
    lags = {int(ch.get("max_lag", 8)) for ch in raw["channels"].values()}
    roles = {
        "date": cmap.date,
        "channels": channels,
        "controls": controls,
        "l_max": max(lags),
        "fourier_modes": 2,
        "regions": int(brand.n_regions),
        "weeks": len(dates),
    }
    (out / "roles.json").write_text(json.dumps(roles, indent=1), encoding="utf-8")
    return roles


def roi_cell(r: dict[str, Any], ch: str) -> str:
    v = r.get("roas", {}).get(ch)
    return "—" if not v else f"{v['mean']:.2f} [{v['lower']:.2f}, {v['upper']:.2f}]"


COLUMNS: list[tuple[str, str, Any]] = [
    ("library", "library", "s"),
    ("run", "run", "d"),
    ("fit_s", "fit s", ".1f"),
    ("split", "compile/sample/other s", "s"),
    ("n_free_params", "free params", ".0f"),
    ("min_roi_ess_bulk", "min ESS ROI", ".0f"),
    ("roi_ess_per_s", "ROI ESS/s", ".2f"),
    ("min_ess_bulk", "min ESS all", ".0f"),
    ("ess_per_s", "all ESS/s", ".2f"),
    ("max_rhat", "max R-hat", ".3f"),
    ("divergences", "div", ".0f"),
    ("roi_err_pct", "nat. ROI err %", ".1f"),
    ("coverage_pct", "90% cover %", ".0f"),
    ("geo_err_pct", "geo ROI err %", ".1f"),
    ("peak_rss_mb", "peak RSS MB", ".0f"),
    ("load_avg_1m", "load", ".1f"),
]
NUMERIC = [c[0] for c in COLUMNS[2:] if c[0] != "split"] + [
    "nutpie_compile_s",
    "nutpie_sample_s",
    "other_s",
]


def row(r: dict[str, Any]) -> dict[str, Any]:
    out = dict(r)
    out.update(
        split=split(r),
        roi_ess_per_s=r["min_roi_ess_bulk"] / r["fit_s"],
        ess_per_s=r["min_ess_bulk"] / r["fit_s"],
        roi_err_pct=100 * r["median_abs_roas_error"],
        coverage_pct=100 * r["coverage"],
        geo_err_pct=100 * r["median_abs_geo_roas_error"],
    )
    return out


def report(results: Sequence[dict[str, Any]]) -> None:
    """Print per-run rows, the national ROI per channel, medians and ratios."""
    ok = [row(r) for r in results if "error" not in r]
    print("\nPer run")
    print(table(ok, COLUMNS))
    chans = list(ok[0]["roas"]) if ok else []
    roi_cols: list[tuple[str, str, Any]] = [("library", "library", "s"), ("run", "run", "d")]
    for ch in chans:
        truth = ok[0]["roas"][ch]["truth"]
        roi_cols.append((f"roi_{ch}", f"{ch} ({truth:.2f})", "s"))
    print("\nNational ROI, mean [90% interval] (truth in the header)")
    print(table([{**r, **{f"roi_{c}": roi_cell(r, c) for c in chans}} for r in ok], roi_cols))
    meds = []
    for lib in LIBRARIES:
        mine = [r for r in ok if r["library"] == lib]
        if mine:
            m: dict[str, Any] = {"library": lib, "run": len(mine)}
            m.update({k: median([r.get(k) for r in mine]) for k in NUMERIC})
            m["split"] = split(m)
            meds.append(m)
    print("\nMedians (run = number of successful runs)")
    print(table(meds, COLUMNS))
    by = {m["library"]: m for m in meds}
    if len(by) == 2:
        ours, theirs = by["mmm"], by["pymc-marketing"]
        print("\nRatios (medians; > 1 means mmm is better)")
        ratios = [
            ("fit time, PyMC-Marketing / mmm", theirs["fit_s"] / ours["fit_s"]),
            ("ROI ESS per fit second, mmm / PyMC-Marketing", ours["roi_ess_per_s"] / theirs["roi_ess_per_s"]),
            ("min ESS (all params) per fit second, mmm / PMM", ours["ess_per_s"] / theirs["ess_per_s"]),
            ("peak RSS, PyMC-Marketing / mmm", theirs["peak_rss_mb"] / ours["peak_rss_mb"]),
            ("national ROI error, PyMC-Marketing / mmm", theirs["roi_err_pct"] / ours["roi_err_pct"]),
            ("regional ROI error, PyMC-Marketing / mmm", theirs["geo_err_pct"] / ours["geo_err_pct"]),
        ]  # fmt: skip
        for name, v in ratios:
            print(f"  {name:<48} {fmt(v, '.2f')}×")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--panel-seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--regions", type=int, default=8)
    p.add_argument("--weeks", type=int, default=156)
    p.add_argument("--runs", type=int, default=1, help="fresh-process runs per library")
    p.add_argument("--chains", type=int, default=2)
    p.add_argument("--draws", type=int, default=500)
    p.add_argument("--tune", type=int, default=500)
    p.add_argument("--saturation", choices=["logistic", "hill"], default="logistic")
    p.add_argument(
        "--pmm-priors",
        choices=["default", "shared"],
        default="default",
        help="PyMC-Marketing priors: the library's defaults (every parameter per region) or "
        "adstock/saturation shape shared per channel (see _worker_pmm_geo.py)",
    )
    p.add_argument(
        "--pmm-venv",
        type=Path,
        default=PMM_VENV,
        help=f"PyMC-Marketing's venv (default {PMM_VENV}; created there if missing)",
    )
    p.add_argument("--only", choices=LIBRARIES, help="run one library only")
    p.add_argument("--json", type=Path, help="also write every run's raw metrics to this file")
    p.add_argument("--log", type=Path, help="append the workers' stdout/stderr to this file")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per worker")
    p.add_argument("--from-json", type=Path, help="print the tables of a --json file; run nothing")
    args = p.parse_args(argv)
    if args.from_json:
        report(json.loads(args.from_json.read_text(encoding="utf-8")))
        return 0

    libs = [args.only] if args.only else list(LIBRARIES)
    common = ["--chains", str(args.chains), "--draws", str(args.draws), "--tune", str(args.tune),
              "--saturation", args.saturation]  # fmt: skip
    pmm_py = venv_python(args.pmm_venv)
    if "pymc-marketing" in libs:
        pmm_py = ensure_pmm_venv(args.pmm_venv)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        panel = Path(tmp)
        roles = write_panel(panel, args.panel_seed, args.regions, args.weeks)
        cmds = {
            "mmm": [sys.executable, str(HERE / "_worker_mmm_geo.py"), "--panel", str(panel), *common],
            "pymc-marketing": [str(pmm_py), str(HERE / "_worker_pmm_geo.py"), "--panel", str(panel),
                               *common, "--priors", args.pmm_priors],
        }  # fmt: skip
        print(
            f"panel seed {args.panel_seed}: {roles['regions']} regions × {roles['weeks']} weeks, "
            f"{len(roles['channels'])} paid channels; {args.saturation} saturation; "
            f"{args.chains} chains × {args.tune} tune + {args.draws} draws, nutpie; PyMC-Marketing "
            f"priors {args.pmm_priors}; {args.runs} run(s) per library, alternating; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {code_version()}; "
            f"started {time.strftime('%Y-%m-%d %H:%M')}",
            flush=True,
        )
        for i in range(args.runs):
            for lib in libs if i % 2 == 0 else libs[::-1]:
                r = run_worker(
                    [*cmds[lib], "--seed", str(i + 1)], log=args.log, timeout=args.timeout
                )
                r.update(library=lib, run=i + 1)
                if "fit_s" in r:
                    r["other_s"] = (
                        r["fit_s"] - r.get("nutpie_compile_s", 0.0) - r.get("nutpie_sample_s", 0.0)
                    )
                results.append(r)
                if "error" in r:
                    print(f"  run {i + 1} {lib}: FAILED {r['error']}", flush=True)
                else:
                    print(
                        f"  run {i + 1} {lib:>14}: fit {r['fit_s']:.1f}s ({split(r)}), ROI ESS "
                        f"{r['min_roi_ess_bulk']:.0f}, R-hat {r['max_rhat']:.3f}, div "
                        f"{r['divergences']}, ROI err {100 * r['median_abs_roas_error']:.1f}%, "
                        f"RSS {r['peak_rss_mb']:.0f} MB, load {r.get('load_avg_1m', 0):.1f}",
                        flush=True,
                    )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    report(results)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
