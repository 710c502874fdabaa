"""`mmm fit` on new data vs PyMC-Marketing's fit, both as whole processes (issue 14).

    .venv/bin/python benchmarks/new_data_vs_pmm.py               # 3 runs each, alternating
    .venv/bin/python benchmarks/new_data_vs_pmm.py --runs 2 --log /tmp/new_data.log

What a user waits for each quarter: new weeks of data, so no fit of that exact data was ever
run. Each run perturbs PyMC-Marketing's example (``mmm_example.csv``): the KPI ``y`` times
(1 + 0.1% noise), a new noise seed per run, written to a new CSV that both libraries read.
Both fit the same model as ``vs_pymc_marketing.py`` (geometric adstock l_max 8, logistic
saturation, x1 and x2, controls event_1, event_2 and t, 2 Fourier modes, normal likelihood,
nutpie 4 chains × 1000 tuning + 1000 draws, same seed), each in a fresh process timed from
start to exit (start-up and imports, reading the data, building, compiling, sampling, writing
its outputs):

- ``mmm``: ``mmm fit DATA --config MAP --out RUN --quiet`` with the model settings under
  ``[model]`` in the channel map (``roi_prior = [1, 3]``: the example's spend is an index, see
  README.md); it writes the saved result, roi.csv, contributions.csv, diagnostics.json,
  identifiability.csv and experiments.csv;
- ``pymc-marketing``: ``_worker_pmm.py`` in ``benchmarks/.venv-pymc-marketing``: imports, its
  ``MMM(...).fit(...)``, ROAS, convergence and ``mmm.save``.

Min bulk ESS and max R-hat are over all free parameters of each model (read from ``mmm``'s run
directory after the timed process; PyMC-Marketing's worker reports its own); ROAS against the
known truth (x1 4967.8, x2 2274.9). Before the timed runs one ``mmm fit`` of the unperturbed
example is run (untimed) so that the model's *structure* is in mmm's compile cache, as it is
for every quarter after the first; its time is printed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import EXAMPLE_CSV, HERE, REPO, RESULT_TAG, code_version, median, table  # noqa: E402

TRUTH = {"x1": 4967.8, "x2": 2274.9}
MMM = Path(sys.executable).with_name("mmm")
CHANNEL_MAP = """\
date = "date_week"
kpi = "y"

[channels.x1]
media = "paid"
spend = "x1"

[channels.x2]
media = "paid"
spend = "x2"

[controls]
columns = ["event_1", "event_2", "t"]

[model]
adstock = "geometric"
saturation = "logistic"
max_lag = 8
fourier_modes = 2
trend = "none"
likelihood = "normal"
roi_prior = [1.0, 3.0]
chains = {chains}
draws = {draws}
tune = {tune}
seed = {seed}
"""


def perturbed_copy(src: Path, dest: Path, seed: int, noise: float = 0.001) -> Path:
    """``src`` with its KPI ``y`` times (1 + ``noise`` × N(0, 1)), seeded: new data each run."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(src)
    rng = np.random.default_rng(seed)
    frame["y"] = frame["y"] * (1 + noise * rng.standard_normal(len(frame)))
    frame.to_csv(dest, index=False)
    return dest


def loadavg() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def run_mmm(data: Path, work: Path, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """One ``mmm fit`` process, timed; then its run directory read for ESS, R-hat and ROAS."""
    cmap = work / f"map-{seed}.toml"
    cmap.write_text(
        CHANNEL_MAP.format(chains=args.chains, draws=args.draws, tune=args.tune, seed=seed),
        encoding="utf-8",
    )
    run = work / f"run-{seed}-{time.monotonic_ns()}"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(MMM), "fit", str(data), "--config", str(cmap), "--out", str(run), "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    log(args, f"$ mmm fit {data.name} (seed {seed})\n{proc.stdout}{proc.stderr}")
    if proc.returncode:
        raise SystemExit(f"mmm fit exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    import _worker_mmm  # the same ESS/R-hat/ROAS definitions as vs_pymc_marketing.py

    from mmm.analysis.results import FitResult

    result = FitResult.load(run)
    roi = result.roi().to_dataframe()
    row = {"wall": wall, **_worker_mmm.convergence(result)}
    for ch in TRUTH:
        row[f"roas_{ch}"] = float(roi.loc[ch, "roi_mean"])
    row["compile"] = result.info.get("compile", "")
    row["compile_s"] = result.info.get("compile_s", float("nan"))
    row["sample_s"] = result.info.get("sample_s", float("nan"))
    return row


def run_pmm(py: Path, data: Path, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """One PyMC-Marketing worker process, timed from start to exit."""
    cmd = [str(py), str(HERE / "_worker_pmm.py"), "--data", str(data), "--seed", str(seed),
           "--chains", str(args.chains), "--draws", str(args.draws), "--tune", str(args.tune)]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    wall = time.perf_counter() - t0
    log(args, f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    if proc.returncode:
        raise SystemExit(f"PyMC-Marketing worker exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    metrics = _tagged_json(proc.stdout)
    row = {"wall": wall}
    for k in ("min_ess_bulk", "max_rhat", "divergences", "compile_s", "sample_s"):
        row[k] = metrics.get(k, float("nan"))
    for ch in TRUTH:
        row[f"roas_{ch}"] = metrics["roas"][ch]["mean"]
    row["compile"] = ""
    return row


def _tagged_json(stdout: str) -> dict[str, Any]:
    for line in reversed(stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return dict(json.loads(line.removeprefix(RESULT_TAG)))
    raise SystemExit(f"no JSON metrics in the worker's output:\n{stdout[-2000:]}")


def log(args: argparse.Namespace, text: str) -> None:
    if args.log:
        with open(args.log, "a", encoding="utf-8") as f:
            f.write(text + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", type=Path, default=EXAMPLE_CSV)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--chains", type=int, default=4)
    p.add_argument("--draws", type=int, default=1000)
    p.add_argument("--tune", type=int, default=1000)
    p.add_argument("--log", type=Path, help="append every process's output to this file")
    p.add_argument("--json", type=Path, help="also write the rows to this file")
    args = p.parse_args(argv)

    from vs_pymc_marketing import ensure_pmm_venv

    py = ensure_pmm_venv()
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="mmm-newdata-") as tmp:
        work = Path(tmp)
        first = run_mmm(args.data, work, args, seed=0)  # the structure into the compile cache
        print(f"warm-up mmm fit of the unperturbed example: {first['wall']:.1f} s "
              f"(model {first['compile']}, {first['compile_s']:.1f} s)", flush=True)  # fmt: skip
        for i in range(1, args.runs + 1):
            data = perturbed_copy(args.data, work / f"example-{i}.csv", seed=1000 + i)
            order = ("mmm", "pymc-marketing") if i % 2 else ("pymc-marketing", "mmm")
            for lib in order:
                row = run_mmm(data, work, args, i) if lib == "mmm" else run_pmm(py, data, args, i)
                row.update(library=lib, run=i, load=loadavg())
                row["roas_err"] = 100 * max(abs(row[f"roas_{c}"] / t - 1) for c, t in TRUTH.items())
                rows.append(row)
                print(f"  {lib:15s} run {i}: {row['wall']:.1f} s, min ESS {row['min_ess_bulk']:.0f}, "
                      f"ROAS err {row['roas_err']:.1f}% (load {row['load']:.1f})", flush=True)  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str), encoding="utf-8")
    cols = [("library", "library", "s"), ("run", "run", "d"), ("wall", "process s", ".1f"),
            ("compile", "mmm compile", "s"), ("compile_s", "compile s", ".1f"),
            ("sample_s", "sample s", ".1f"), ("min_ess_bulk", "min ESS bulk", ".0f"),
            ("max_rhat", "max R-hat", ".3f"), ("divergences", "div", "d"),
            ("roas_x1", "ROAS x1 (4968)", ".0f"), ("roas_x2", "ROAS x2 (2275)", ".0f"),
            ("roas_err", "max ROAS err %", ".1f"), ("load", "load", ".1f")]  # fmt: skip
    print(f"\n{code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{args.chains} chains × {args.tune} + {args.draws}; whole processes on new data")  # fmt: skip
    print(table(rows, cols))
    med = {
        lib: median([r["wall"] for r in rows if r["library"] == lib])
        for lib in ("mmm", "pymc-marketing")
    }
    ess = {lib: median([r["min_ess_bulk"] for r in rows if r["library"] == lib]) for lib in med}
    print(f"\nmedian process time: mmm {med['mmm']:.1f} s, PyMC-Marketing {med['pymc-marketing']:.1f} s; "
          f"mmm / PyMC-Marketing = {med['mmm'] / med['pymc-marketing']:.2f} (target ≤ 0.33)")  # fmt: skip
    print(f"median min bulk ESS: mmm {ess['mmm']:.0f}, PyMC-Marketing {ess['pymc-marketing']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
