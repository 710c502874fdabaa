"""`mmm fit`, `mmm demo` and `mmm report` as a user runs them: whole processes, split by stage.

    .venv/bin/python benchmarks/whole_command.py                      # this checkout
    .venv/bin/python benchmarks/whole_command.py --baseline main      # and git ref `main`, with ratios
    .venv/bin/python benchmarks/whole_command.py --baseline c1b8adc --runs 2 --draws 500

Each command runs in a fresh process through ``_timed_cli.py``, which times the stages the
command goes through (start-up = Python start and imports until the first stage; compile and
sampling inside the fit; identifiability; tables; optimise; report). Commands, in order; with
a baseline, the two versions alternate run by run, so that drifting load hits both alike:

0. with ``--cold``, ``mmm demo`` on a machine that never compiled anything: PyTensor's cache
   pointed at an empty folder (``PYTENSOR_FLAGS=base_compiledir=...``), once;
1. ``mmm demo`` once to warm up (compiles the demo model if this version never did; its
   output is also the run directory ``mmm report`` is timed on), then ``--runs`` timed runs;
2. ``mmm report`` on that run directory;
3. ``mmm fit`` of the bundled brand (``data/brand_weekly.csv``; the demo's model, so the
   compile cache is warm);
4. ``mmm fit`` of *new data*: the bundled brand with its KPI perturbed by 0.1% noise, a new
   seed each run, so no fit of that exact data was compiled before (``--no-new-data`` skips it).

The baseline is ``git archive REF`` unpacked in a temporary folder and imported from there
with this checkout's virtual environment. Wall times on a shared 2-core machine move with
the load (printed); CPU time (user + sys of the process) moves less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, code_version, median, table, versions_to_time  # noqa: E402

WRAPPER = Path(__file__).resolve().parent / "_timed_cli.py"
DATA = REPO / "data" / "brand_weekly.csv"
CHANNEL_MAP = REPO / "data" / "brand_weekly.toml"
SPLIT = ("compile", "sample", "identifiability", "tables", "optimize", "report")


def run_command(
    argv: list[str], src: Path | None, work: Path, env_extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """One fresh ``mmm`` process: wall and CPU seconds and its stages."""
    out = work / f"stages-{time.monotonic_ns()}.json"
    env = dict(os.environ) | (env_extra or {})
    if src is not None:
        env["MMM_BENCH_SRC"] = str(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(WRAPPER), str(out), *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(
            f"error: {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        )
    stages = json.loads(out.read_text(encoding="utf-8"))["stages"]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    row: dict[str, Any] = {"wall": wall, "cpu": cpu}
    first = min((s["first"] for s in stages.values()), default=wall)
    row["startup"] = first
    for name in SPLIT:
        row[name] = stages.get(name, {}).get("seconds")
    fit = stages.get("fit", {}).get("seconds")
    if fit is not None:
        row["fit_other"] = fit - (row["compile"] or 0.0) - (row["sample"] or 0.0)
    save = stages.get("save", {}).get("seconds")
    if save is not None and row["tables"] is not None:
        row["tables"] += save
    if "load" in stages:
        row["load"] = stages["load"]["seconds"]
    counted = first + sum(row.get(k) or 0.0 for k in (*SPLIT, "fit_other", "load"))
    row["other"] = wall - counted
    return row


def new_data(work: Path, seed: int) -> Path:
    """The bundled brand with its KPI perturbed by 0.1% noise: data no fit has seen."""
    import numpy as np
    import pandas as pd

    df = pd.read_csv(DATA)
    kpi = str(_kpi_column())
    noise = np.random.default_rng(seed).normal(0.0, 1e-3, len(df))
    df[kpi] = df[kpi] * (1.0 + noise)
    path = work / f"brand_new_{seed}.csv"
    if not path.exists():
        df.to_csv(path, index=False)
    return path


def _kpi_column() -> str:
    import tomllib

    return str(tomllib.loads(CHANNEL_MAP.read_text(encoding="utf-8"))["kpi"])


def bench(
    versions: list[tuple[str, Path | None]],
    work: Path,
    runs: int,
    sampler: list[str],
    fresh_data: bool,
    cold: bool,
) -> list[dict[str, Any]]:
    """Every command for every version, the versions alternating run by run (the machine's
    load drifts; alternating spreads it evenly)."""
    rows: list[dict[str, Any]] = []

    def timed(command: str, label: str, src: Path | None, argv: list[str], run: int,
              env: dict[str, str] | None = None) -> None:  # fmt: skip
        row = run_command(argv, src, work, env)
        row.update(command=command, version=label, run=run, loadavg=os.getloadavg()[0])
        rows.append(row)
        print(
            f"  {label:<10} {command:<24} run {run}: {row['wall']:6.1f} s wall, "
            f"{row['cpu']:6.1f} s CPU (load {row['loadavg']:.1f})",
            flush=True,
        )

    if cold:
        for label, src in versions:
            flags = f"base_compiledir={work / f'pytensor-{label}'}"
            env = {"PYTENSOR_FLAGS": f"{os.environ.get('PYTENSOR_FLAGS', '')},{flags}".strip(",")}
            argv = ["demo", "--out", str(work / f"cold-{label}"), *sampler]
            timed("mmm demo (cold machine)", label, src, argv, 1, env)
    for label, src in versions:
        print(f"  {label:<10} warm-up: mmm demo", flush=True)
        run_command(["demo", "--out", str(work / f"demo-{label}"), *sampler], src, work)

    def fit_args(label: str) -> list[str]:
        return ["--config", str(CHANNEL_MAP), "--out", str(work / f"fit-{label}"), *sampler]

    commands: list[tuple[str, Any]] = [
        (
            "mmm demo (cache warm)",
            lambda lb, i: ["demo", "--out", str(work / f"demo-{lb}"), *sampler],
        ),
        ("mmm report (demo run)", lambda lb, i: ["report", str(work / f"demo-{lb}")]),
        ("mmm fit (cache warm)", lambda lb, i: ["fit", str(DATA), *fit_args(lb)]),
    ]
    if fresh_data:
        commands.append(
            ("mmm fit (new data)", lambda lb, i: ["fit", str(new_data(work, i)), *fit_args(lb)])
        )
    for command, argv in commands:
        for i in range(runs):
            for k, (label, src) in enumerate(versions):
                # new data: new for each run and each version (versions share PyTensor's own
                # kernel cache, so one version's compile would otherwise serve the other)
                timed(command, label, src, argv(label, int(time.time()) + 1000 * k + i), i + 1)
    return rows


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median over runs of each (command, version)."""
    keys = ("wall", "cpu", "startup", "compile", "sample", "fit_other", "identifiability",
            "tables", "load", "optimize", "report", "other")  # fmt: skip
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["command"], r["version"]), []).append(r)
    out = []
    for (command, version), rs in groups.items():
        med = {k: median([r.get(k) for r in rs]) for k in keys}
        med.update(command=command, version=version, runs=len(rs))
        med["loadavg"] = median([r["loadavg"] for r in rs])
        out.append(med)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--baseline", metavar="REF", help="also time git ref REF (e.g. main)")
    p.add_argument("--runs", type=int, default=1, help="timed runs of each command (default 1)")
    p.add_argument("--draws", type=int, help="draws and tuning steps per chain (default: mmm's)")
    p.add_argument("--no-new-data", action="store_true", help="skip the fit of new data")
    p.add_argument(
        "--cold", action="store_true", help="also time mmm demo with an empty PyTensor cache"
    )
    p.add_argument("--json", type=Path, help="write every run's numbers here")
    args = p.parse_args(argv)
    sampler = ["--draws", str(args.draws), "--tune", str(args.draws)] if args.draws else []

    print(f"{code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.1f}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        versions = versions_to_time(args.baseline, work)
        rows = bench(versions, work, args.runs, sampler, not args.no_new_data, args.cold)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=float), encoding="utf-8")

    summary = summarise(rows)
    cols: list[tuple[str, str, str]] = [
        ("command", "command", "s"),
        ("version", "version", "s"),
        ("wall", "wall s", ".1f"),
        ("cpu", "CPU s", ".1f"),
        ("startup", "start-up", ".1f"),
        ("compile", "compile", ".1f"),
        ("sample", "sample", ".1f"),
        ("fit_other", "fit other", ".1f"),
        ("identifiability", "identif.", ".1f"),
        ("tables", "tables+save", ".1f"),
        ("load", "load run", ".1f"),
        ("optimize", "optimize", ".1f"),
        ("report", "report", ".1f"),
        ("other", "other", ".1f"),
        ("loadavg", "loadavg", ".1f"),
    ]
    print("\nMedians (seconds; stages are wall time inside the process)")
    print(table(sorted(summary, key=lambda r: (r["command"], r["version"] != "this")), cols))
    if args.baseline:
        ratios = []
        by = {(r["command"], r["version"]): r for r in summary}
        for (command, version), r in by.items():
            if version != "this" or (command, args.baseline) not in by:
                continue
            b = by[(command, args.baseline)]
            ratios.append(
                {
                    "command": command,
                    "wall": r["wall"] / b["wall"],
                    "cpu": r["cpu"] / b["cpu"],
                    "startup": r["startup"] / b["startup"],
                }
            )
        print(f"\nthis / {args.baseline} (below 1: faster)")
        print(
            table(
                ratios,
                [
                    ("command", "command", "s"),
                    ("wall", "wall", ".2f"),
                    ("cpu", "CPU", ".2f"),
                    ("startup", "start-up", ".2f"),
                ],
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
