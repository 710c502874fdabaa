"""Budget optimiser speed: ~10 channels, 1,000 posterior draws.

    .venv/bin/python benchmarks/optimizer.py              # fits once, then times 5 runs
    .venv/bin/python benchmarks/optimizer.py --refit      # ignore the cached fit

Fits the full synthetic preset (``mmm.data.synthetic.generate(seed=0, weeks=156)``: 7 paid
channels, 3 owned, 1 earned = 11 channels) with nutpie, 2 chains × 500 draws = 1,000
posterior samples, and caches the result (``--cache``, default a folder in the system temp
directory). Then it times :func:`mmm.decisions.optimize.optimize_budget` with the default scenario
(next 13 weeks, last 13 weeks' budget, ±30%) and with ±60% moves, and
:func:`mmm.decisions.optimize.evaluate_plan` on a what-if plan, printing the median and the fastest of
``--repeats`` runs, SLSQP iterations and whether it converged. Target: well under a second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mmm.analysis.results import FitResult  # noqa: E402
from mmm.decisions.optimize import BudgetScenario, current_spend, evaluate_plan, optimize_budget  # noqa: E402

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "mmm_bench_optimizer_fit"


def load_or_fit(cache: Path, refit: bool) -> FitResult:
    """The cached 11-channel fit, or a new one (about a minute) written to ``cache``."""
    if (cache / "result.json").exists() and not refit:
        return FitResult.load(cache)
    from mmm.analysis.fit import MediaMixModel
    from mmm.data.load import from_dataframe
    from mmm.data.synthetic import generate
    from mmm.model.spec import ModelSpec

    brand = generate(seed=0, weeks=156)
    spec = ModelSpec(chains=2, draws=500, tune=500, seed=0, progress=False)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = MediaMixModel(spec).fit(from_dataframe(brand.data, brand.channel_map))
    print(f"fit: {time.perf_counter() - t0:.1f} s (cached in {cache})")
    result.save(cache)
    return result


def timed(fn: Callable[[], Any], repeats: int) -> tuple[Any, list[float]]:
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="folder of the cached fit")
    ap.add_argument("--refit", action="store_true", help="fit again even if a cached fit exists")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)

    result = load_or_fit(args.cache, args.refit)
    paid = result.dataset.channels_of("paid")
    print(f"{len(result.channels)} channels ({len(paid)} paid), {result.n_samples} posterior draws")
    cur = current_spend(result)
    what_if = {paid[0]: cur[paid[0]] * 0.8, paid[-1]: cur[paid[-1]] + cur[paid[0]] * 0.2}
    cases: dict[str, Callable[[], Any]] = {
        "optimize_budget (±30%)": lambda: optimize_budget(result),
        "optimize_budget (±60%)": lambda: optimize_budget(result, BudgetScenario(max_change=0.6)),
        "optimize_budget (risk=lower)": lambda: optimize_budget(
            result, BudgetScenario(risk="lower")
        ),
        "evaluate_plan (what-if)": lambda: evaluate_plan(result, what_if),
    }
    print(f"{'case':32s} {'median s':>9s} {'min s':>7s} {'iters':>6s}  converged")
    headlines = []
    for name, fn in cases.items():
        alloc, times = timed(fn, args.repeats)
        headlines.append(alloc.headline)
        print(
            f"{name:32s} {statistics.median(times):9.3f} {min(times):7.3f} "
            f"{alloc.solver['iterations']:6d}  {alloc.solver['success']}"
        )
    print(f"\ndefault plan: {headlines[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
