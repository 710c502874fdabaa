"""`mmm report` on the demo run as a user runs it: a fresh process each time, this checkout vs a git ref.

    .venv/bin/python benchmarks/report.py                     # vs main, 7 runs each
    .venv/bin/python benchmarks/report.py --baseline c1b8adc --runs 11
    .venv/bin/python benchmarks/report.py --run reports/demo  # an existing demo run

A demo run is made once (``mmm demo``, this checkout) unless ``--run`` names one. Each version
gets its own copy of it and renders its report once untimed (which fills the figure cache,
and for this checkout keeps the report's tables beside the run, as ``mmm demo`` does). Then
each version's ``mmm report RUN`` runs ``--runs`` times, alternating run by run so that
drifting load hits both alike. The case ``first report`` times this checkout on a copy of
the run without its stored tables (``report_tables.zip``): the report of a run ``mmm fit``
wrote and no report has read yet.

Printed: wall and CPU (user + sys) seconds of each process, median and minimum, the start-up
(everything before the first stage ``whole_command.py`` times: Python, imports and, when the
tables are stored, opening the run), and the ratios. On a shared 2-core machine wall time moves with the load (printed); the minimum CPU
time moves least.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, code_version, table  # noqa: E402
from whole_command import run_command  # noqa: E402


def mmm(args: list[str], src: Path | None, work: Path) -> dict[str, float]:
    """One fresh ``mmm`` process (``whole_command.run_command``): wall and CPU seconds, start-up."""
    row = run_command(args, src, work)
    return {"wall": row["wall"], "cpu": row["cpu"], "startup": row["startup"],
            "load": os.getloadavg()[0]}  # fmt: skip


def checkout(ref: str, into: Path) -> Path:
    """``git archive REF`` unpacked in ``into``."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", default="main", metavar="REF", help="git ref to compare with (default main)")
    p.add_argument("--runs", type=int, default=7, help="timed runs of each case (default 7)")
    p.add_argument("--run", type=Path, help="an existing demo run directory (default: make one)")
    args = p.parse_args(argv)

    print(f"{code_version()} vs {args.baseline}, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = args.run
        if demo is None:
            demo = work / "demo"
            print("making the demo run (mmm demo) …", flush=True)
            mmm(["demo", "--out", str(demo), "--quiet"], None, work)
        base = checkout(args.baseline, work / "baseline")
        cases: list[tuple[str, str, Path | None, Path]] = []
        for label, src in (("this", None), (args.baseline, base)):
            run = work / f"run-{label}"
            shutil.copytree(demo, run)
            (run / "report_tables.zip").unlink(missing_ok=True)
            mmm(["report", str(run), "--quiet"], src, work)  # untimed: fills the caches
            cases.append(("mmm report (demo run)", label, src, run))
        first = work / "run-first"
        cases.append(("first report (no stored tables)", "this", None, first))
        for i in range(args.runs):
            for case, label, src, run in cases:
                if run == first:
                    shutil.rmtree(first, ignore_errors=True)
                    shutil.copytree(work / "run-this", first)
                    (first / "report_tables.zip").unlink()
                row = mmm(["report", str(run), "--quiet"], src, work)
                row.update(case=case, version=label, run=i + 1)
                rows.append(row)
                print(f"  {label:<8} {case:<32} run {i + 1}: {row['wall']:5.2f} s wall, "
                      f"{row['cpu']:5.2f} s CPU (load {row['load']:.1f})", flush=True)  # fmt: skip

    summary = []
    for case, label in dict.fromkeys((r["case"], r["version"]) for r in rows):
        rs = [r for r in rows if (r["case"], r["version"]) == (case, label)]
        summary.append({
            "case": case, "version": label, "runs": len(rs),
            "wall": statistics.median(r["wall"] for r in rs), "wall_min": min(r["wall"] for r in rs),
            "cpu": statistics.median(r["cpu"] for r in rs), "cpu_min": min(r["cpu"] for r in rs),
            "startup": statistics.median(r["startup"] for r in rs),
            "load": statistics.median(r["load"] for r in rs),
        })  # fmt: skip
    print("\nSeconds per `mmm report` process")
    print(table(summary, [("case", "case", "s"), ("version", "version", "s"), ("runs", "runs", "d"),
                          ("wall", "wall median", ".2f"), ("wall_min", "wall min", ".2f"),
                          ("cpu", "CPU median", ".2f"), ("cpu_min", "CPU min", ".2f"),
                          ("startup", "start-up", ".2f"),
                          ("load", "load", ".1f")]))  # fmt: skip
    by = {(r["case"], r["version"]): r for r in summary}
    old = by[("mmm report (demo run)", args.baseline)]
    print(f"\n{args.baseline} / this (above 1: this is faster)")
    for case in ("mmm report (demo run)", "first report (no stored tables)"):
        new = by[(case, "this")]
        print(f"  {case:<32} wall {old['wall'] / new['wall']:.2f}×  CPU {old['cpu'] / new['cpu']:.2f}×  "
              f"(min CPU {old['cpu_min'] / new['cpu_min']:.2f}×)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
