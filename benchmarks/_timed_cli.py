"""Run the ``mmm`` command line with wall-clock timestamps of its stages (a benchmark wrapper).

    python benchmarks/_timed_cli.py OUT.json fit data.csv --config map.toml --out RUN

Works on any mmm checkout: this one, or the source tree named by ``MMM_BENCH_SRC`` (then
imported instead of the installed one), because it times public functions the commands call, by patching them where the commands
look them up: loading a result, fitting (and inside it compiling and sampling), measuring
identifiability, writing the tables, optimising and writing the report. At exit it writes
``{"total": s, "stages": {stage: {"first": s since start, "seconds": s, "cpu": s}}}`` to
OUT.json (``cpu``: the process's CPU time during the stage, every thread's).
Standard library only, apart from what it wraps.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import atexit  # noqa: E402
import functools  # noqa: E402
import importlib.abc  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from typing import Any  # noqa: E402

#: stage → (module, attribute path) of the function whose calls it times
WRAPPED = {
    "load": ("mmm.analysis.results", "FitResult.load"),
    "fit": ("mmm.analysis.fit", "MediaMixModel.fit"),
    "compile": ("mmm.model.sample", "compile_for_nutpie"),
    "sample": ("nutpie", "sample"),
    "identifiability": ("mmm.present.runs", "identify_or_none"),
    "save": ("mmm.analysis.results", "FitResult.save"),
    "tables": ("mmm.present.runs", "write_fit_tables"),
    "fit_and_write": ("mmm.present.runs", "fit_and_write"),
    "optimize": ("mmm.decisions.optimize", "optimize_budget"),
    "report": ("mmm.present.report", "build"),
}
STAGES: dict[str, dict[str, float]] = {}


def _wrap(stage: str, fn: Any) -> Any:
    @functools.wraps(fn)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start, cpu = time.perf_counter(), time.process_time()
        rec = STAGES.setdefault(stage, {"first": start - T0, "seconds": 0.0, "cpu": 0.0})
        try:
            return fn(*args, **kwargs)
        finally:
            rec["seconds"] += time.perf_counter() - start
            rec["cpu"] += time.process_time() - cpu

    return timed


def _patch(module: Any) -> None:
    for stage, (name, path) in WRAPPED.items():
        if name != module.__name__:
            continue
        owner: Any = module
        *parents, attr = path.split(".")
        for p in parents:
            owner = getattr(owner, p)
        fn = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        if isinstance(fn, classmethod):
            setattr(owner, attr, classmethod(_wrap(stage, fn.__func__)))
        else:
            setattr(owner, attr, _wrap(stage, fn))


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patches a module of :data:`WRAPPED` right after it is imported, and imports nothing itself
    (importing ahead would count a command's unneeded imports as its start-up)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in {m for m, _ in WRAPPED.values()}:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                run = spec.loader.exec_module

                def exec_module(module: Any, run: Any = run) -> None:
                    run(module)
                    _patch(module)

                spec.loader.exec_module = exec_module  # type: ignore[method-assign]
                return spec
        return None


def _use_source_tree() -> None:
    """Import mmm from ``$MMM_BENCH_SRC`` instead of the editable install of this checkout."""
    import os

    src = os.environ.get("MMM_BENCH_SRC")
    if src:
        sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
        sys.path.insert(0, src)


def main() -> int:
    out, argv = sys.argv[1], sys.argv[2:]
    _use_source_tree()

    def dump() -> None:
        with open(out, "w", encoding="utf-8") as f:
            json.dump({"total": time.perf_counter() - T0, "stages": STAGES}, f)

    atexit.register(dump)
    sys.meta_path.insert(0, _PatchOnImport())
    import mmm.cli as cli

    if hasattr(cli, "console"):  # run and end as the `mmm` executable does (exit handlers run)
        sys.argv = ["mmm", *argv]
        cli.console()
    return int(cli.main(argv))


if __name__ == "__main__":
    sys.exit(main())
