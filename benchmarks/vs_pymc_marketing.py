"""mmm vs PyMC-Marketing 1.3 (nutpie) on PyMC-Marketing's own quickstart data and model.

    .venv/bin/python benchmarks/vs_pymc_marketing.py            # 3 alternating runs each

Both libraries fit the same model to ``../shared/anchors/data/pymc_marketing/mmm_example.csv``
(179 weeks): geometric adstock (l_max 8), logistic saturation, channels x1 and x2, controls
event_1, event_2 and t, yearly seasonality with 2 Fourier modes, a normal likelihood, nutpie
with 4 chains × 1000 tuning + 1000 draws. Each fit runs in a fresh process, as a new notebook
or CLI call does, alternating between the libraries. ``mmm`` keeps compiled models on disk
(``mmm.model.compile``), so its first run may compile and cache the model and later runs load it;
the row "mmm, no cache" runs with ``MMM_COMPILE_CACHE=0``: what a model ``mmm`` has not
compiled before costs (new data, a changed spec). ``--skip-no-cache`` leaves those runs out.
PyMC-Marketing needs pymc < 6.4, so it runs in its own virtual environment
(``benchmarks/.venv-pymc-marketing``), created here on first use.

Printed per run and as medians: fit wall time (model construction + compilation +
sampling; imports excluded and shown apart), its compile/sample split, min bulk ESS and
max R-hat over all free parameters, divergences, ROAS with its interval against the known
truth (x1 4967.8, x2 2274.9), peak RSS of the worker process and the size of the saved
result; then the ratios PyMC-Marketing / mmm.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import EXAMPLE_CSV, HERE, code_version, find_python, fmt, median, run_worker, table  # noqa: E402

PMM_VENV = HERE / ".venv-pymc-marketing"
PMM_REQUIREMENTS = ["pymc-marketing==1.3.0", "nutpie"]
PMM_VERSION = "1.3.0"
#: the example's spend columns are 0–1 indices, not currency; see README.md
DEFAULT_ROI_PRIOR = "1,3"
#: mmm with its cross-process compile cache switched off: what a model it has never seen costs
NOCACHE = "mmm, no cache"
LIBRARIES = ("mmm", NOCACHE, "pymc-marketing")


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def ensure_pmm_venv(venv: Path = PMM_VENV) -> Path:
    """PyMC-Marketing's virtual environment, created and installed if missing or broken."""
    py = venv_python(venv)
    check = f"import pymc_marketing, nutpie; assert pymc_marketing.__version__ == {PMM_VERSION!r}"
    if py.exists() and subprocess.run([str(py), "-c", check], capture_output=True).returncode == 0:
        return py
    base = find_python()
    print(f"Creating {venv} with {base} and installing {' '.join(PMM_REQUIREMENTS)} …", flush=True)
    subprocess.run([base, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", *PMM_REQUIREMENTS], check=True)
    subprocess.run([str(py), "-c", check], check=True)
    return py


def parse_prior(text: str) -> list[str]:
    """``"1,3"`` → worker flags; ``"library"`` → none (the library's default ROI prior)."""
    if text == "library":
        return []
    median_, sigma = (float(v) for v in text.split(","))
    return ["--roi-prior", str(median_), str(sigma)]


def roas_cell(r: dict[str, Any], ch: str) -> str:
    v = r.get("roas", {}).get(ch)
    if not v:
        return "—"
    return f"{v['mean']:.0f} [{v['lower']:.0f}, {v['upper']:.0f}]"


def split(r: dict[str, Any]) -> str:
    """compile / sample / rest of fit_s, in seconds."""
    c, s, o = r.get("nutpie_compile_s"), r.get("nutpie_sample_s"), r.get("other_s")
    if c is None or s is None or o is None:
        return "—"
    return f"{c:.1f}/{s:.1f}/{o:.1f}"


COLUMNS: list[tuple[str, str, Any]] = [
    ("library", "library", "s"),
    ("run", "run", "d"),
    ("fit_s", "fit s", ".2f"),
    ("split", "compile/sample/other s", "s"),
    ("refit_fit_s", "warm refit s", ".2f"),
    ("import_s", "import s", ".2f"),
    ("min_ess_bulk", "min ESS bulk", ".0f"),
    ("max_rhat", "max R-hat", ".3f"),
    ("divergences", "div", ".0f"),
    ("roas_x1", "ROAS x1 (truth 4968)", "s"),
    ("roas_x2", "ROAS x2 (truth 2275)", "s"),
    ("roas_err_pct", "ROAS err %", ".1f"),
    ("peak_rss_mb", "peak RSS MB", ".0f"),
    ("rss_fit_mb", "RSS added by fit MB", ".0f"),
    ("saved_mb", "saved MB", ".2f"),
    ("load_avg_1m", "load", ".1f"),
]
NUMERIC = [
    "fit_s",
    "nutpie_compile_s",
    "nutpie_sample_s",
    "other_s",
    "refit_fit_s",
    "import_s",
    "min_ess_bulk",
    "max_rhat",
    "divergences",
    "roas_err_pct",
    "peak_rss_mb",
    "rss_fit_mb",
    "saved_mb",
    "load_avg_1m",
]


def row(r: dict[str, Any], run: int) -> dict[str, Any]:
    out = dict(r)
    out.update(
        run=run,
        split=split(r),
        roas_x1=roas_cell(r, "x1"),
        roas_x2=roas_cell(r, "x2"),
        saved_mb=r["saved_bytes"] / 1e6 if "saved_bytes" in r else None,
        rss_fit_mb=r["peak_rss_mb"] - r["rss_before_fit_mb"] if "rss_before_fit_mb" in r else None,
        roas_err_pct=100 * r["median_abs_roas_error"]
        if r.get("median_abs_roas_error") is not None
        else None,
    )
    return out


def medians(rows: Sequence[dict[str, Any]], library: str) -> dict[str, Any]:
    mine = [r for r in rows if r["library"] == library and "error" not in r]
    m: dict[str, Any] = {"library": library, "run": len(mine)}
    for k in NUMERIC:
        m[k] = median([r.get(k) for r in mine])
    for ch in ("x1", "x2"):
        vals = [r["roas"][ch] for r in mine if ch in r.get("roas", {})]
        if vals:
            m[f"roas_{ch}"] = (
                f"{median([v['mean'] for v in vals]):.0f} "
                f"[{median([v['lower'] for v in vals]):.0f}, {median([v['upper'] for v in vals]):.0f}]"
            )
    m["split"] = split(m)
    return m


def report(results: Sequence[dict[str, Any]]) -> None:
    """Print the per-run table, the medians and the ratios."""
    libs = [lib for lib in LIBRARIES if any(r["library"] == lib for r in results)]
    ok = [row(r, r["run"]) for r in results if "error" not in r]
    print("\nPer run")
    print(table(ok, COLUMNS))
    meds = [medians(ok, lib) for lib in libs]
    print("\nMedians (run = number of successful runs)")
    print(table(meds, COLUMNS))
    intervals = {r["library"]: r.get("roas_interval") for r in ok}
    print(f"\nROAS intervals: {', '.join(f'{k} {v}' for k, v in intervals.items())}.")
    by_lib = {m["library"]: m for m in meds if m["run"]}
    if "mmm" in by_lib and "pymc-marketing" in by_lib:
        ours, theirs = by_lib["mmm"], by_lib["pymc-marketing"]
        print("\nRatios, PyMC-Marketing / mmm (medians; > 1 means mmm is better)")
        ratios = [
            ("fit wall time", theirs["fit_s"] / ours["fit_s"]),
            *(
                [("fit wall time, compile cache off", theirs["fit_s"] / by_lib[NOCACHE]["fit_s"])]
                if NOCACHE in by_lib
                else []
            ),
            ("warm refit time", theirs["refit_fit_s"] / ours["refit_fit_s"]),
            ("peak RSS", theirs["peak_rss_mb"] / ours["peak_rss_mb"]),
            ("RSS added by the fit (peak − before fit)", theirs["rss_fit_mb"] / ours["rss_fit_mb"]),
            ("saved size", theirs["saved_mb"] / ours["saved_mb"]),
            (
                "min bulk ESS per fit second (mmm / PyMC-Marketing)",
                (ours["min_ess_bulk"] / ours["fit_s"]) / (theirs["min_ess_bulk"] / theirs["fit_s"]),
            ),
        ]
        for name, v in ratios:
            print(f"  {name:<52} {fmt(v, '.2f')}×")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--data", type=Path, default=EXAMPLE_CSV, help=f"example CSV (default {EXAMPLE_CSV})"
    )
    p.add_argument("--runs", type=int, default=3, help="fresh-process runs per library (default 3)")
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument(
        "--roi-prior",
        default=DEFAULT_ROI_PRIOR,
        metavar="MEDIAN,SIGMA|library",
        help="mmm's log-normal ROI prior (default 1,3: vague, since the example's spend is a 0-1 "
        "index, not currency); 'library' uses mmm's default (1.0, 0.9)",
    )
    p.add_argument("--no-refit", action="store_true", help="skip the warm refit in each worker")
    p.add_argument("--only", choices=["mmm", "pymc-marketing"], help="run one library only")
    p.add_argument(
        "--skip-no-cache",
        action="store_true",
        help=f"skip the runs of mmm with MMM_COMPILE_CACHE=0 (row '{NOCACHE}': the cost of a "
        "model mmm has not compiled before, e.g. after new data or a changed spec)",
    )
    p.add_argument("--json", type=Path, help="also write every run's raw metrics to this file")
    p.add_argument("--log", type=Path, help="append the workers' stdout/stderr to this file")
    p.add_argument("--timeout", type=float, default=900, help="seconds per worker (default 900)")
    p.add_argument("--from-json", type=Path, help="print the tables of a --json file; run nothing")
    args = p.parse_args(argv)
    if args.from_json:
        report(json.loads(args.from_json.read_text(encoding="utf-8")))
        return 0

    data = args.data.resolve()
    if not data.exists():
        sys.exit(f"error: {data} not found; pass --data PATH to mmm_example.csv")
    common = [
        "--data",
        str(data),
        "--chains",
        str(args.chains),
        "--draws",
        str(args.draws),
        "--tune",
        str(args.tune),
    ]
    if not args.no_refit:
        common.append("--refit")
    libs = [args.only] if args.only else ["mmm", "pymc-marketing"]
    if not args.skip_no_cache and "mmm" in libs:
        libs.insert(1, NOCACHE)
    cmds = {
        "mmm": [
            sys.executable,
            str(HERE / "_worker_mmm.py"),
            "example",
            *common,
            *parse_prior(args.roi_prior),
        ]
    }
    cmds[NOCACHE] = cmds["mmm"]
    env = {NOCACHE: {"MMM_COMPILE_CACHE": "0"}}
    if "pymc-marketing" in libs:
        cmds["pymc-marketing"] = [str(ensure_pmm_venv()), str(HERE / "_worker_pmm.py"), *common]
    print(
        f"{data.name}: {args.chains} chains × {args.tune} tune + {args.draws} draws, nutpie, "
        f"{args.runs} fresh-process runs per library, alternating; {os.cpu_count()} CPUs; {code_version()}; "
        f"started {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    for i in range(args.runs):
        order = libs if i % 2 == 0 else libs[::-1]
        for lib in order:
            seed = i + 1
            r = run_worker(
                [*cmds[lib], "--seed", str(seed)],
                log=args.log,
                timeout=args.timeout,
                extra_env=env.get(lib),
            )
            r["library"] = lib
            if "fit_s" in r:  # graph build, data prep and post-processing around nutpie
                r["other_s"] = (
                    r["fit_s"] - r.get("nutpie_compile_s", 0.0) - r.get("nutpie_sample_s", 0.0)
                )
            r["run"] = i + 1
            results.append(r)
            if "error" in r:
                print(f"  run {i + 1} {lib}: FAILED {r['error']}", flush=True)
            else:
                print(
                    f"  run {i + 1} {lib:>14}: fit {r['fit_s']:.1f}s (compile/sample/other {split(r)}), "
                    f"ESS {r['min_ess_bulk']:.0f}, R-hat {r['max_rhat']:.3f}, ROAS x1 {roas_cell(r, 'x1')}, "
                    f"x2 {roas_cell(r, 'x2')}, RSS {r['peak_rss_mb']:.0f} MB"
                    + (f", compile: {r['compile_path']}" if r.get("compile_path") else ""),
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    report(results)
    failed = [r for r in results if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
