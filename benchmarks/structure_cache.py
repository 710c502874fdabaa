"""The on-disk compile cache keyed by model structure, measured as fresh processes.

    .venv/bin/python benchmarks/structure_cache.py [--draws 200] [--weeks 140]

Fits the bundled brand (``data/brand_weekly.csv``) in five fresh Python processes, each a new
notebook kernel or ``mmm fit`` would be:

1. ``new structure``  — a structure no process compiled before (the geometric adstock's Beta
   prior gets a parameter drawn for this run, which is part of the structure): compiles;
2. ``same, seed 1``   — the same model with another seed: must load the compiled model;
3. ``first N weeks``  — other data (the first ``--weeks`` weeks) of the same structure: must load;
4. ``same as 1``      — run 1 again: must load, and draw exactly what run 1 drew;
5. ``cache off``      — run 1 with ``MMM_COMPILE_CACHE=0`` (``nutpie.compile_pymc_model``).

Prints each run's ``info["compile"]``, compile and process wall seconds, and compile-time
ratios against run 1. Small draws (2 chains): compiling does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

WORKER = """
import hashlib, json, sys, time
t0 = time.perf_counter()
import pandas as pd
from mmm.analysis.fit import MediaMixModel
from mmm.data.load import load
from mmm.model.spec import ModelSpec
from mmm.model.transforms.base import Prior

beta, seed, weeks, draws = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
frame = pd.read_csv("data/brand_weekly.csv")
ds = load(frame.head(weeks) if weeks else frame, "data/brand_weekly.toml")
spec = ModelSpec(chains=2, draws=draws, tune=draws, seed=seed, progress=False,
                 param_priors={"geometric_alpha": Prior("Beta", alpha=2.0, beta=beta)})
result = MediaMixModel(spec).fit(ds)
post = result.posterior
digest = hashlib.sha256(b"".join(post[v].values.tobytes() for v in sorted(post.data_vars))).hexdigest()
print(json.dumps({"compile": result.info["compile"], "compile_s": result.info["compile_s"],
                  "sample_s": result.info["sample_s"], "wall_s": time.perf_counter() - t0,
                  "periods": ds.n_periods, "posterior": digest[:16]}))
"""


def run(beta: float, seed: int, weeks: int, draws: int, cache: bool = True) -> dict:
    env = {**os.environ, "MMM_COMPILE_CACHE": "1" if cache else "0"}
    args = [sys.executable, "-c", WORKER, str(beta), str(seed), str(weeks), str(draws)]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200, help="tune and draws per chain")
    parser.add_argument("--weeks", type=int, default=140, help="weeks of the 'other data' run")
    args = parser.parse_args()
    beta = round(2.0 + (time.time_ns() % 10**6) / 10**9, 9)  # a structure new to the cache
    plan = [
        ("1 new structure", dict(seed=0, weeks=0)),
        ("2 same, seed 1", dict(seed=1, weeks=0)),
        (f"3 first {args.weeks} weeks", dict(seed=0, weeks=args.weeks)),
        ("4 same as 1", dict(seed=0, weeks=0)),
        ("5 cache off", dict(seed=0, weeks=0, cache=False)),
    ]
    rows = []
    for name, kw in plan:
        rows.append((name, run(beta, draws=args.draws, **kw)))
        r = rows[-1][1]
        print(
            f"{name:<22} {r['compile']:<32} periods {r['periods']:>3}  compile {r['compile_s']:6.2f} s"
            f"  sample {r['sample_s']:6.2f} s  process {r['wall_s']:6.2f} s  posterior {r['posterior']}"
        )
    first = rows[0][1]["compile_s"]
    print("\ncompile time / run 1's (new structure, compiled and saved):")
    for name, r in rows[1:]:
        print(f"  {name:<22} {r['compile_s'] / first:5.3f}")
    same = rows[0][1]["posterior"] == rows[3][1]["posterior"]
    print(f"\nrun 4 drew exactly what run 1 drew (seed 0, compiled vs loaded): {same}")


if __name__ == "__main__":
    main()
