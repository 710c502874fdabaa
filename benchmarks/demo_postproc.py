"""`mmm demo`'s post-processing (what runs between the fit and the report) in CPU seconds.

    .venv/bin/python benchmarks/demo_postproc.py --baseline main --runs 3

Each run is ``mmm demo`` as a fresh process through ``_timed_cli.py``, which records every
stage's wall and CPU time (``time.process_time``: all the process's threads). Post-processing
is everything ``mmm demo`` does after ``MediaMixModel.fit`` returns and before the report:
saving the result, identifiability (prior draws and the effect totals it compares), the
diagnostics, the tables (ROI, contributions, recommended experiments) and the budget
optimiser, i.e. CPU(``fit_and_write``) − CPU(``fit``) + CPU(``optimize_budget``). With
``--baseline REF`` the same demo runs on ``git archive REF`` (imported with this ``.venv``),
the two versions alternating run by run so that the shared machine's drifting load hits both
alike; each version first runs once untimed (compile cache warm). Medians over ``--runs``.
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


def run_demo(out_dir: Path, src: Path | None, work: Path) -> dict[str, float]:
    """One ``mmm demo`` process: wall and CPU seconds of the whole and of its stages."""
    stages_json = work / f"stages-{time.monotonic_ns()}.json"
    env = dict(os.environ)
    if src is not None:
        env["MMM_BENCH_SRC"] = str(src)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    argv = [sys.executable, str(WRAPPER), str(stages_json), "demo", "--quiet", "--out", str(out_dir)]
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"error: mmm demo exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    st = json.loads(stages_json.read_text(encoding="utf-8"))["stages"]

    def cpu(name: str) -> float:
        return float(st.get(name, {}).get("cpu", 0.0))

    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "sample": float(st["sample"]["seconds"]),
        "fit_cpu": cpu("fit"),
        "post_cpu": cpu("fit_and_write") - cpu("fit") + cpu("optimize"),
        "identify_cpu": cpu("identifiability"),
        "tables_cpu": cpu("tables") + cpu("save"),
        "report_cpu": cpu("report"),
        "loadavg": os.getloadavg()[0],
    }


COLUMNS = [
    ("version", "version", "s"),
    ("runs", "runs", "d"),
    ("wall", "wall s", ".1f"),
    ("cpu", "CPU s", ".1f"),
    ("sample", "sample (wall)", ".1f"),
    ("fit_cpu", "fit CPU", ".1f"),
    ("post_cpu", "post-processing CPU", ".2f"),
    ("identify_cpu", "identif. CPU", ".2f"),
    ("tables_cpu", "tables+save CPU", ".2f"),
    ("report_cpu", "report CPU", ".2f"),
    ("loadavg", "loadavg", ".1f"),
]


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", metavar="REF", help="also time git ref REF (e.g. main)")
    p.add_argument("--runs", type=int, default=3, help="timed runs per version (default 3)")
    args = p.parse_args(argv)
    print(f"{code_version()}, {time.strftime('%Y-%m-%d %H:%M')}, load {os.getloadavg()[0]:.1f}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        versions = versions_to_time(args.baseline, work)
        for label, src in versions:
            print(f"  {label:<8} warm-up", flush=True)
            run_demo(work / f"demo-{label}", src, work)
        for i in range(args.runs):
            for label, src in versions:
                row = run_demo(work / f"demo-{label}", src, work) | {"version": label}
                rows.append(row)
                print(
                    f"  {label:<8} run {i + 1}: {row['wall']:5.1f} s wall, {row['cpu']:5.1f} s CPU, "
                    f"post-processing {row['post_cpu']:.2f} s CPU, report {row['report_cpu']:.2f} s CPU "
                    f"(load {row['loadavg']:.1f})",
                    flush=True,
                )
    summary = []
    for label, _ in versions:
        rs = [r for r in rows if r["version"] == label]
        med: dict[str, Any] = {k: median([r[k] for r in rs]) for k, _, f in COLUMNS if f != "s" and k != "runs"}
        summary.append(med | {"version": label, "runs": len(rs)})
    print("\nMedians (seconds)")
    print(table(summary, COLUMNS))
    if args.baseline:
        this, base = summary
        print(
            f"\nthis / {args.baseline}: post-processing CPU {this['post_cpu'] / base['post_cpu']:.2f}, "
            f"whole demo CPU {this['cpu'] / base['cpu']:.2f}, wall {this['wall'] / base['wall']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
