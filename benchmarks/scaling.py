"""How fit time and peak memory grow with weeks and channels (synthetic data).

    .venv/bin/python benchmarks/scaling.py            # full grid, 4 chains × 1000 tune + 1000 draws
    .venv/bin/python benchmarks/scaling.py --quick    # full grid, 2 chains × 500 tune + 500 draws

Grid: weeks 104 / 156 / 260 / 520 × channels 5 / 10 / 20 (``--weeks``/``--channels`` pick a
subset). Data come from ``mmm.data.synthetic.generate``: a panel of N channels is N / 5 synthetic
sub-brands of 5 paid channels each (TV, search, outdoor, Weibo, Douyin; seeds 1, 2, …), side
by side with their revenues added, each with its own price control, so every channel has a
known ROI. The model is the library's default (geometric adstock, Hill saturation, log-normal
likelihood, linear trend, 2 Fourier modes, CN holidays). Each fit runs in a fresh process;
``fit s`` includes compilation (a cache hit when the same grid ran before; see
``compile_path``). Peak RSS is that process's maximum resident memory. Sampling time splits
into gradient evaluations per draw (the posterior's geometry: more channels, more correlated
parameters, longer trajectories) × the cost of one evaluation (the implementation: should grow
about linearly with weeks × channels), both printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import HERE, code_version, fmt, run_worker, table  # noqa: E402

WEEKS = (104, 156, 260, 520)
CHANNELS = (5, 10, 20)

COLUMNS: list[tuple[str, str, Any]] = [
    ("weeks", "weeks", "d"),
    ("channels", "channels", "d"),
    ("n_free_params", "free params", "d"),
    ("fit_s", "fit s", ".1f"),
    ("nutpie_compile_s", "compile s", ".1f"),
    ("nutpie_sample_s", "sample s", ".1f"),
    ("ms_per_step", "ms / step", ".1f"),
    ("grads_per_draw", "grads / draw", ".0f"),
    ("grad_us", "µs / grad", ".0f"),
    ("min_ess_bulk", "min ESS bulk", ".0f"),
    ("max_rhat", "max R-hat", ".3f"),
    ("divergences", "div", "d"),
    ("roas_err_pct", "ROI err %", ".0f"),
    ("rss_before_fit_mb", "RSS before fit MB", ".0f"),
    ("peak_rss_mb", "peak RSS MB", ".0f"),
    ("saved_mb", "saved MB", ".2f"),
    ("load_avg_1m", "load", ".1f"),
]


def grid(
    rows: Sequence[dict[str, Any]],
    key: str,
    spec: str,
    weeks: Sequence[int],
    channels: Sequence[int],
) -> str:
    """``key`` as a weeks × channels grid."""
    by = {(r["weeks"], r["channels"]): r.get(key) for r in rows}
    out = [{"weeks": w, **{f"c{c}": by.get((w, c)) for c in channels}} for w in weeks]
    return table(
        out, [("weeks", "weeks", "d"), *[(f"c{c}", f"{c} channels", spec) for c in channels]]
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--weeks",
        type=int,
        nargs="+",
        default=list(WEEKS),
        help="weeks to fit (default 104 156 260 520)",
    )
    p.add_argument(
        "--channels",
        type=int,
        nargs="+",
        default=list(CHANNELS),
        help="channels, multiples of 5 (default 5 10 20)",
    )
    p.add_argument(
        "--quick", action="store_true", help="2 chains × 500 tune + 500 draws (unless set below)"
    )
    p.add_argument("--chains", type=int, help="chains (default 4; 2 with --quick)")
    p.add_argument("--draws", type=int, help="draws per chain (default 1000; 500 with --quick)")
    p.add_argument(
        "--tune", type=int, help="tuning steps per chain (default 1000; 500 with --quick)"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", type=Path, help="also write every fit's raw metrics to this file")
    p.add_argument("--log", type=Path, help="append the workers' stdout/stderr to this file")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per fit (default 1800)")
    args = p.parse_args(argv)
    chains = args.chains or (2 if args.quick else 4)
    draws = args.draws or (500 if args.quick else 1000)
    tune = args.tune if args.tune is not None else (500 if args.quick else 1000)

    print(
        f"scaling: {chains} chains × {tune} tune + {draws} draws, nutpie, fresh process per fit, "
        f"{os.cpu_count()} CPUs; {code_version()}; "
        f"started {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    rows: list[dict[str, Any]] = []
    for c in args.channels:
        for w in args.weeks:
            cmd = [
                sys.executable,
                str(HERE / "_worker_mmm.py"),
                "synthetic",
                "--weeks",
                str(w),
                "--channels",
                str(c),
                "--seed",
                str(args.seed),
                "--chains",
                str(chains),
                "--draws",
                str(draws),
                "--tune",
                str(tune),
            ]
            r = run_worker(cmd, log=args.log, timeout=args.timeout)
            r.update(weeks=w, channels=c)
            if "error" in r:
                print(f"  {w:>4} weeks × {c:>2} channels: FAILED {r['error']}", flush=True)
            else:
                r["saved_mb"] = r["saved_bytes"] / 1e6
                r["roas_err_pct"] = 100 * r["median_abs_roas_error"]
                r["ms_per_step"] = 1000 * r["nutpie_sample_s"] / (draws + tune)
                print(
                    f"  {w:>4} weeks × {c:>2} channels: fit {r['fit_s']:.1f}s "
                    f"(compile {r['nutpie_compile_s']:.1f}s, sample {r['nutpie_sample_s']:.1f}s), "
                    f"ESS {r['min_ess_bulk']:.0f}, R-hat {r['max_rhat']:.3f}, RSS {r['peak_rss_mb']:.0f} MB",
                    flush=True,
                )
            rows.append(r)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2, default=float), encoding="utf-8")
    ok = [r for r in rows if "error" not in r]
    print(
        f"\nAll fits ({chains} chains × {tune} tune + {draws} draws; ROI err = median |ROI − truth| / truth)"
    )
    print(table(ok, COLUMNS))
    for key, name, spec in (
        ("fit_s", "Fit wall time, s (incl. compilation)", ".1f"),
        ("nutpie_sample_s", "Sampling only, s", ".1f"),
        ("grad_us", "One log-density + gradient evaluation, µs (the implementation's cost)", ".0f"),
        ("grads_per_draw", "Gradient evaluations per draw (the posterior's geometry)", ".0f"),
        ("peak_rss_mb", "Peak RSS, MB", ".0f"),
    ):
        print(f"\n{name}")
        print(grid(ok, key, spec, args.weeks, args.channels))
    failed = [r for r in rows if "error" in r]
    if failed:
        print(
            f"\n{len(failed)} fit(s) failed: "
            + "; ".join(f"{r['weeks']}×{r['channels']}: {fmt(r['error'])}" for r in failed)
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
