"""Jobs: what one fit of a batch is, and the TOML manifest that lists them.

A :class:`Job` is a name, a data source (a file path, or a SQLAlchemy URL with a query), a
channel map, overrides of the model spec and of the budget scenario, and whether to write the
HTML report. It holds paths, never data: the worker that runs the job reads the data itself.

The manifest (:func:`read_manifest`)::

    [defaults]              # any key below, applied to every job
    draws = 500
    seed = 1
    [jobs.brand_a]
    data = "brand_a.csv"    # paths are relative to the manifest
    config = "brand_a.toml"
    [jobs.brand_b_cn]
    data = "brand_b.parquet"
    config = "brand_b.toml"
    draws = 1000            # overrides the default
    [jobs.brand_c]
    data = "sqlite:///brands.db"   # a SQLAlchemy URL: `query` is a table name or a SELECT
    query = "brand_c_weekly"
    config = "brand_c.toml"
    [variants.delayed]      # optional grid: every job × every variant
    adstock = "delayed"
    [variants.geometric]
    adstock = "geometric"

With ``[variants]``, job ``brand_a`` becomes ``brand_a__delayed`` and ``brand_a__geometric``
(defaults, then the job's keys, then the variant's). Keys (:data:`SPEC_KEYS` go to
:class:`~mmm.model.spec.ModelSpec`, :data:`SCENARIO_KEYS` to
:class:`~mmm.decisions.optimize.BudgetScenario`):

- ``data``, ``config`` (required), ``query`` (with a URL);
- ``chains``, ``draws``, ``tune``, ``seed``, ``sampler``, ``method``, ``holdout`` (periods),
  ``cores``, ``adstock``, ``saturation``, ``max_lag``, ``trend``, ``likelihood``,
  ``roi_prior`` / ``share_prior`` (``[median, sigma]``), ``channel_priors`` (a table
  channel → ``[median, sigma]``), ``target_accept``, ``lift_tests`` (a CSV path);
- ``weeks``, ``budget``, ``max_change``, ``objective``, ``margin``, ``identifiability``;
- ``report`` (default true: write ``report.html``; the budget plan is always written).

**Cross-validation folds** are the next grid dimension (``folds = N`` per job, one job per
fold of :mod:`mmm.analysis.validate`): that module does not exist in this version, so
``folds`` is refused with a :class:`~mmm.exceptions.ConfigError` that says so;
:func:`expand_folds` is where it goes.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmm.decisions.optimize import BudgetScenario
from mmm.exceptions import ConfigError, list_some
from mmm.model.spec import ModelSpec, read_lift_tests

#: manifest key → ModelSpec field
SPEC_KEYS = {
    "chains": "chains", "draws": "draws", "tune": "tune", "seed": "seed", "sampler": "sampler",
    "method": "method", "holdout": "holdout_periods", "cores": "cores", "adstock": "adstock",
    "saturation": "saturation", "max_lag": "max_lag", "trend": "trend",
    "likelihood": "likelihood", "roi_prior": "roi_prior", "share_prior": "share_prior",
    "channel_priors": "channel_priors", "target_accept": "target_accept",
}  # fmt: skip
#: manifest key → BudgetScenario field
SCENARIO_KEYS = {
    "weeks": "weeks", "budget": "budget", "max_change": "max_change", "objective": "objective",
    "margin": "margin", "identifiability": "identifiability",
}  # fmt: skip
SOURCE_KEYS = ("data", "config", "query")
ALLOWED = (*SOURCE_KEYS, *SPEC_KEYS, "lift_tests", *SCENARIO_KEYS, "report")
#: `mmm fit`'s defaults, so that a job equals `mmm fit` with the same options (as there,
#: ``tune`` is ModelSpec's default when only ``draws`` is set: 500, 1000 for a regional panel)
FIT_DEFAULTS: dict[str, Any] = {"chains": 4, "draws": 1000, "seed": 0, "holdout": 8}
VARIANT_SEP = "__"
_BAD_NAME = re.compile(r"[/\\\x00-\x1f]|^\.|^$")


@dataclass(frozen=True)
class Job:
    """One fit of a batch: where its data is, how to model it, what to write.

    Parameters
    ----------
    name : str
        Also the name of its run directory (``OUT/<name>/``).
    data : str
        Absolute path of a data file, or a SQLAlchemy URL (then ``query`` is required).
    config : str
        Absolute path of the channel map (TOML).
    query : str, optional
        Table name or SELECT statement, for a URL.
    spec : mapping
        ModelSpec fields (already renamed: ``holdout_periods``, …) and ``lift_tests`` (path).
    scenario : mapping
        BudgetScenario fields for the budget plan.
    report : bool
        Write ``report.html`` (the budget plan, ``allocation.csv``/``.json``, is always written).
    """

    name: str
    data: str
    config: str
    query: str | None = None
    spec: Mapping[str, Any] = field(default_factory=dict)
    scenario: Mapping[str, Any] = field(default_factory=dict)
    report: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or _BAD_NAME.search(self.name):
            raise ConfigError(
                f"Job name {self.name!r} cannot name a run directory: no '/', '\\', control "
                "characters or leading '.'."
            )
        if is_url(self.data) and not self.query:
            raise ConfigError(
                f"Job {self.name!r}: data {self.data!r} is a database URL; add query = "
                '"TABLE" or query = "SELECT …".'
            )

    def model_spec(self, cores: int | None = None, read_tests: bool = True) -> ModelSpec:
        """The ModelSpec of this job (no progress bar; ``cores`` unless the job sets its own).

        ``read_tests=False`` leaves the lift tests out (their CSV is read where the job runs).
        """
        kw = {k: v for k, v in self.spec.items() if k != "lift_tests"}
        for k in ("roi_prior", "share_prior"):
            if k in kw:
                kw[k] = tuple(kw[k])
        if "channel_priors" in kw:
            kw["channel_priors"] = {c: tuple(p) for c, p in kw["channel_priors"].items()}
        if read_tests and self.spec.get("lift_tests"):
            kw["lift_tests"] = read_lift_tests(self.spec["lift_tests"])
        kw.setdefault("cores", cores)
        return ModelSpec(progress=False, **kw)

    def budget_scenario(self) -> BudgetScenario:
        """The BudgetScenario of this job's plan (the CLI's defaults where the job says nothing)."""
        return BudgetScenario(**{"weeks": 13, "max_change": 0.3, **self.scenario})

    def load(self) -> Any:
        """Read and validate the job's data (a :class:`~mmm.data.dataset.MMMDataset`)."""
        from mmm.data.load import load, read_sql

        if is_url(self.data):
            return read_sql(str(self.query), self.data, self.config)
        return load(self.data, self.config)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (written as ``OUT/<name>/job.json``; a rerun compares it)."""
        return {
            "name": self.name,
            "data": self.data,
            "config": self.config,
            "query": self.query,
            "spec": {k: _plain(v) for k, v in sorted(self.spec.items())},
            "scenario": {k: _plain(v) for k, v in sorted(self.scenario.items())},
            "report": self.report,
        }


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


def is_url(source: str) -> bool:
    """Whether ``source`` is a SQLAlchemy URL (``dialect[+driver]://…``) rather than a path."""
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+]*://", str(source)))


# ---------------------------------------------------------------------- building jobs
def job_from_keys(name: str, keys: Mapping[str, Any], base: str | Path = ".") -> Job:
    """A Job from manifest keys (defaults already merged); relative paths against ``base``."""
    base = Path(base)
    unknown = [k for k in keys if k not in ALLOWED]
    if unknown:
        raise ConfigError(
            f"Job {name!r}: unknown key(s) {list_some(unknown)}; allowed: {', '.join(ALLOWED)}."
        )
    missing = [k for k in ("data", "config") if not keys.get(k)]
    if missing:
        raise ConfigError(f"Job {name!r}: missing {' and '.join(missing)} (a path each).")
    merged = {**FIT_DEFAULTS, **keys}
    spec = {SPEC_KEYS[k]: v for k, v in merged.items() if k in SPEC_KEYS}
    if keys.get("lift_tests"):
        spec["lift_tests"] = str(_resolve(keys["lift_tests"], base))
    scenario = {SCENARIO_KEYS[k]: v for k, v in keys.items() if k in SCENARIO_KEYS}
    report = keys.get("report", True)
    if not isinstance(report, bool):
        raise ConfigError(f"Job {name!r}: report == {report!r}; allowed: true or false.")
    data = str(keys["data"])
    job = Job(
        name=name,
        data=_resolve_url(data, base) if is_url(data) else str(_resolve(data, base)),
        config=str(_resolve(keys["config"], base)),
        query=keys.get("query"),
        spec=spec,
        scenario=scenario,
        report=report,
    )
    _check(job)
    return job


def _check(job: Job) -> None:
    """Build the job's spec and scenario once, so that a bad value is a manifest error."""
    try:
        job.model_spec(read_tests=False)
        job.budget_scenario()
    except (ConfigError, ValueError, TypeError) as exc:
        raise ConfigError(f"Job {job.name!r}: {exc}") from None


def _resolve(path: Any, base: Path) -> Path:
    p = Path(str(path)).expanduser()
    return p if p.is_absolute() else (base / p).resolve()


def _resolve_url(url: str, base: Path) -> str:
    """``sqlite:///relative.db`` → an absolute path against ``base``; other URLs as they are."""
    m = re.match(r"^(sqlite(?:\+\w+)?:///)([^/].*)$", url)
    if m and not m.group(2).startswith(":memory:"):
        return m.group(1) + str((base / m.group(2)).resolve())
    return url


# ---------------------------------------------------------------------- the manifest
def read_manifest(path: str | Path) -> list[Job]:
    """The jobs of a TOML manifest (see the module docstring).

    Raises
    ------
    ConfigError
        Unreadable TOML, no ``[jobs.*]``, unknown or missing keys, a value ModelSpec or
        BudgetScenario refuses, or two jobs with the same name after expansion.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"Manifest {str(path)!r} does not exist.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Manifest {str(path)!r} is not valid TOML: {exc}") from None
    return jobs_from_dict(raw, base=path.parent.resolve(), where=str(path))


def jobs_from_dict(
    raw: Mapping[str, Any], base: str | Path = ".", where: str = "manifest"
) -> list[Job]:
    """The jobs of a parsed manifest (``[defaults]``, ``[jobs.NAME]``, ``[variants.NAME]``)."""
    top = [k for k in raw if k not in ("defaults", "jobs", "variants")]
    if top:
        raise ConfigError(
            f"{where}: unknown top-level key(s) {list_some(top)}; allowed: [defaults], "
            "[jobs.NAME], [variants.NAME]."
        )
    jobs = raw.get("jobs")
    if not isinstance(jobs, Mapping) or not jobs:
        raise ConfigError(
            f"{where}: no jobs; add at least one [jobs.NAME] table with data and config."
        )
    defaults = _table(raw.get("defaults", {}), f"{where} [defaults]")
    variants = _table(raw.get("variants", {}), f"{where} [variants]")
    out = []
    for name, keys in jobs.items():
        keys = _table(keys, f"{where} [jobs.{name}]")
        if "folds" in keys or "folds" in defaults:
            expand_folds(name, keys)
        if not variants:
            out.append(job_from_keys(str(name), {**defaults, **keys}, base))
            continue
        for vname, vkeys in variants.items():
            vkeys = _table(vkeys, f"{where} [variants.{vname}]")
            out.append(
                job_from_keys(f"{name}{VARIANT_SEP}{vname}", {**defaults, **keys, **vkeys}, base)
            )
    check_unique(j.name for j in out)
    return out


def expand_folds(name: str, keys: Mapping[str, Any]) -> list[Job]:
    """One job per cross-validation fold: needs :mod:`mmm.analysis.validate` (not in this version)."""
    raise ConfigError(
        f"Job {name!r}: folds = {keys.get('folds')!r} needs cross-validation (mmm.analysis.validate), "
        "which this version of mmm does not have; remove `folds`."
    )


def check_unique(names: Iterable[str]) -> None:
    """Raise ConfigError if two jobs share a name."""
    seen: set[str] = set()
    dup = [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
    if dup:
        raise ConfigError(f"Job names must be unique; repeated: {list_some(dup)}.")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table of keys, not {type(value).__name__}.")
    return dict(value)
