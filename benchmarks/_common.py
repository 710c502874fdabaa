"""Helpers shared by the benchmark drivers and workers (standard library only).

The workers run in different virtual environments (ours and PyMC-Marketing's), so this
module must not import anything outside the standard library.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ANCHORS = REPO.parent / "shared" / "anchors"
EXAMPLE_CSV = ANCHORS / "data" / "pymc_marketing" / "mmm_example.csv"
#: prefix of the one line of JSON a worker prints on stdout
RESULT_TAG = "BENCH_RESULT "

# Processes timed here run as an installed package runs: with bytecode cached. An environment
# that sets PYTHONDONTWRITEBYTECODE (some sandboxes and CI images do) makes every process
# compile mmm's editable-installed source again (~0.3 s of an `mmm fit` on this machine),
# while the site-packages of both venvs were compiled by pip at install time.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


# ---------------------------------------------------------------------- inside a worker
def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def dir_bytes(path: str | Path) -> int:
    """Total size of a file, or of every file under a directory."""
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def emit(result: Mapping[str, Any]) -> None:
    """Print the worker's result as one tagged JSON line (the driver reads the last one).

    Adds the machine's 1-minute load average at the end of the run, so that timings
    taken while other processes compete for the cores can be told apart.
    """
    out = dict(result)
    if hasattr(os, "getloadavg"):  # other work on the machine slows every number here
        out.setdefault("load_avg_1m", os.getloadavg()[0])
    sys.stdout.flush()
    print(RESULT_TAG + json.dumps(out, default=float), flush=True)


class Clock:
    """Named wall-clock intervals: ``with clock("fit"): ...``."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}

    def __call__(self, name: str) -> _Interval:
        return _Interval(self, name)


class _Interval:
    def __init__(self, clock: Clock, name: str) -> None:
        self.clock, self.name, self.t0 = clock, name, 0.0

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.clock.times[self.name] = time.perf_counter() - self.t0


def time_nutpie(clock: Clock) -> None:
    """Time ``nutpie.compile_pymc_model`` and ``nutpie.sample`` wherever they are called.

    Both libraries import nutpie inside their sampling function and call these two
    module attributes, so wrapping them splits fit time into compile and sampling for
    either library without touching its code. Adds ``nutpie_compile_s`` and
    ``nutpie_sample_s`` (summed over calls) to ``clock.times``.
    """
    import functools

    import nutpie

    def wrap(name: str, key: str) -> None:
        fn = getattr(nutpie, name)

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                clock.times[key] = clock.times.get(key, 0.0) + time.perf_counter() - t0

        setattr(nutpie, name, timed)

    wrap("compile_pymc_model", "nutpie_compile_s")
    wrap("sample", "nutpie_sample_s")


def geo_fit_metrics(
    free: Any, roi_draws: Any, roas: Mapping[str, Mapping[str, float]]
) -> dict[str, Any]:
    """Convergence and accuracy of one regional fit, the same way for either library.

    ``free`` is an xarray Dataset of the model's free parameters (dims chain, draw, ...);
    ``roi_draws`` the national ROI per draw as a DataArray (chain, draw, channel); ``roas``
    per channel ``mean``, ``lower``, ``upper`` (90% interval) and ``truth``. Imports ArviZ
    and NumPy when called (both benchmark environments have them).
    """
    import arviz as az
    import numpy as np

    ess = az.ess(free, method="bulk")
    rhat = az.rhat(free)
    draws = roi_draws.transpose("chain", "draw", "channel").to_dataset(name="roi")
    roi_ess = az.ess(draws, method="bulk")["roi"].values
    roi_rhat = az.rhat(draws)["roi"].values
    errs = [abs(v["mean"] - v["truth"]) / v["truth"] for v in roas.values()]
    cover = [v["lower"] <= v["truth"] <= v["upper"] for v in roas.values()]
    return {
        "min_ess_bulk": float(min(np.nanmin(v.values) for v in ess.data_vars.values())),
        "max_rhat": float(max(np.nanmax(v.values) for v in rhat.data_vars.values())),
        "n_free_params": int(sum(v.values.size for v in ess.data_vars.values())),
        "min_roi_ess_bulk": float(np.min(roi_ess)),
        "median_roi_ess_bulk": float(np.median(roi_ess)),
        "max_roi_rhat": float(np.max(roi_rhat)),
        "roas": dict(roas),
        "roas_interval": "90% equal-tailed",
        "median_abs_roas_error": statistics.median(errs),
        "coverage": sum(cover) / len(cover),
    }


# ---------------------------------------------------------------------- in the driver
def run_worker(
    cmd: Sequence[str],
    log: Path | None = None,
    timeout: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run a worker as a fresh process and return its JSON result (plus ``process_wall_s``).

    ``extra_env`` is added to the worker's environment (e.g. ``MMM_COMPILE_CACHE=0``).

    The worker's stdout and stderr go to ``log`` (if given); a failed run returns
    ``{"error": ...}`` instead of raising, so one failure does not end a benchmark.
    """
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            list(cmd), capture_output=True, text=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {
            "error": f"timed out after {timeout:.0f}s",
            "process_wall_s": time.perf_counter() - t0,
        }
    wall = time.perf_counter() - t0
    if log is not None:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}\n")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_TAG)]
    if proc.returncode != 0 or not lines:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        return {"error": f"exit {proc.returncode}: {tail}", "process_wall_s": wall}
    out: dict[str, Any] = json.loads(lines[-1][len(RESULT_TAG) :])
    out["process_wall_s"] = wall
    return out


def code_version() -> str:
    """``mmm`` commit under test, e.g. ``ee41369`` or ``ee41369+local changes``."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "mmm"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"mmm {head}" + ("+local changes" if dirty else "")


def baseline_tree(ref: str, work: Path) -> Path:
    """``git archive REF`` of this repository unpacked in ``work/baseline`` (a version to time against)."""
    base = work / "baseline"
    base.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
    return base


def versions_to_time(ref: str | None, work: Path) -> list[tuple[str, Path | None]]:
    """This checkout (``("this", None)``) and, with ``ref``, ``(ref, baseline_tree(ref, work))``."""
    versions: list[tuple[str, Path | None]] = [("this", None)]
    if ref:
        versions.append((ref, baseline_tree(ref, work)))
    return versions


def python_ok(exe: str | Path) -> bool:
    """Whether ``exe`` runs and is Python >= 3.12."""
    try:
        r = subprocess.run(
            [str(exe), "-c", "import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return r.returncode == 0


def find_python() -> str:
    """A Python >= 3.12 interpreter, searched as ``scripts/bootstrap.sh`` does.

    Order: ``$MMM_PYTHON``, the base interpreter of the Python running this script,
    ``python3.13``/``python3.12``/``python3``/``python`` on PATH, then pyenv installs.
    """
    import shutil

    cands: list[str] = []
    if os.environ.get("MMM_PYTHON"):
        cands.append(os.environ["MMM_PYTHON"])
    base = getattr(sys, "_base_executable", None)
    if base:
        cands.append(base)
    for name in ("python3.13", "python3.12", "python3", "python"):
        found = shutil.which(name)
        if found:
            cands.append(found)
    for root in (os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv"), "/root/.pyenv"):
        if root and (Path(root) / "versions").is_dir():
            vers = sorted(Path(root, "versions").glob("3.1[2-9]*/bin/python3"), reverse=True)
            cands.extend(str(v) for v in vers)
    for c in cands:
        if python_ok(c):
            return c
    raise SystemExit(
        "error: need Python >= 3.12 for the benchmark venv; set MMM_PYTHON=/path/to/python3.12"
    )


def median(values: Sequence[float | None]) -> float:
    vals = [float(v) for v in values if v is not None]
    return statistics.median(vals) if vals else float("nan")


def fmt(v: Any, spec: str = ".2f") -> str:
    if v is None or (isinstance(v, float) and v != v):  # None or NaN
        return "—"
    if isinstance(v, str):
        return v
    try:
        return format(v, spec)
    except (TypeError, ValueError):
        return str(v)


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[tuple[str, str, str | Callable[[Any], str]]],
) -> str:
    """A plain-text table; ``columns`` are (key, header, format spec or formatter)."""
    cells = [[h for _, h, _ in columns]]
    for row in rows:
        line = []
        for key, _, f in columns:
            v = row.get(key)
            line.append(f(v) if callable(f) else fmt(v, f))
        cells.append(line)
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    out = []
    for k, r in enumerate(cells):
        # first column (labels) left-aligned, numbers right-aligned
        cols = enumerate(zip(r, widths, strict=True))
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in cols).rstrip())
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
