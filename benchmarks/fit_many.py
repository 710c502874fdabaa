"""Speed-up of ``mmm fit-many`` over running the same jobs one after another.

Writes JOBS synthetic brands (104 weeks, 4 paid + 1 owned + earned mentions; generator seeds
3, 4, …) and a manifest, fits them once to fill the compile cache (not timed: every mode
below then loads the same compiled models), and times, each in a fresh process:

* ``sequential``: ``mmm fit`` then ``mmm report`` for each job, one after another (each
  fit's chains on every usable core);
* ``fit-many --workers 1``: one Dask worker, one job at a time, all cores for its chains;
* ``fit-many --workers W``: W workers of one core each, jobs side by side.

Usage: ``.venv/bin/python benchmarks/fit_many.py [--jobs 4] [--workers 2] [--draws 500]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MMM = [sys.executable, "-m", "mmm.cli"]
CHANNELS = ["tv", "search", "weibo", "douyin", "wechat_posts", "mentions"]


def write_jobs(d: Path, n: int, chains: int, draws: int) -> Path:
    from mmm.data.synthetic import generate

    lines = [
        "[defaults]",
        f"chains = {chains}",
        f"draws = {draws}",
        f"tune = {draws}",
        "holdout = 8",
    ]
    for i in range(n):
        generate(seed=3 + i, weeks=104, channels=CHANNELS).to_files(d, f"brand{i}")
        lines += [
            f"[jobs.brand{i}]",
            f'data = "brand{i}.csv"',
            f'config = "brand{i}.toml"',
            f"seed = {i}",
        ]
    path = d / "jobs.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--draws", type=int, default=500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        manifest = write_jobs(d, args.jobs, args.chains, args.draws)
        print(f"{args.jobs} jobs, {args.chains} chains x {args.draws} draws + {args.draws} tune, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; warming the compile cache …", flush=True)  # fmt: skip
        timed(
            [
                *MMM,
                "fit-many",
                str(manifest),
                "--out",
                str(d / "warm"),
                "--workers",
                str(args.workers),
            ]
        )
        rows: list[tuple[str, float, float]] = []
        t = 0.0
        for i in range(args.jobs):
            run = d / "seq" / f"brand{i}"
            fit = [
                "fit",
                str(d / f"brand{i}.csv"),
                "--config",
                str(d / f"brand{i}.toml"),
                "--out",
                str(run),
            ]
            opts = ["--chains", str(args.chains), "--draws", str(args.draws), "--tune", str(args.draws),
                    "--seed", str(i), "--quiet"]  # fmt: skip
            t += timed([*MMM, *fit, *opts]) + timed([*MMM, "report", str(run)])
        rows.append(("sequential (mmm fit + mmm report per job)", t, os.getloadavg()[0]))
        for w in (1, args.workers):
            out = d / f"many{w}"
            cmd = [*MMM, "fit-many", str(manifest), "--out", str(out), "--workers", str(w)]
            rows.append((f"fit-many --workers {w}", timed(cmd), os.getloadavg()[0]))
        print(f"\n{'mode':<44} {'wall s':>7} {'speed-up':>9}  load")
        for name, s, load in rows:
            print(f"{name:<44} {s:7.1f} {rows[0][1] / s:8.2f}x  {load:.1f}")


if __name__ == "__main__":
    main()
