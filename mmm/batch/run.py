"""Run many jobs on Dask distributed: one run directory per job, a summary, a portfolio page.

:func:`fit_many` sends each :class:`~mmm.batch.jobs.Job` to a Dask worker, which reads the
job's data itself (from its path or SQL URL: no data goes through the scheduler), fits it with
:func:`mmm.present.runs.fit_and_write` — what ``mmm fit`` runs — plans next quarter's budget
with :func:`mmm.present.runs.plan_and_write` (``mmm optimize``) and, unless the job says
``report = false``, writes ``report.html`` as ``mmm report`` does. So ``OUT/<job>/`` holds
what ``mmm fit`` and ``mmm optimize`` write, the report, ``log.txt`` (the job's messages)
and, once it succeeded, ``job.json`` (its settings).

* **Where it runs.** ``client=`` (a ``distributed.Client``) or ``scheduler="tcp://host:8786"``
  uses an existing cluster unchanged; otherwise a ``LocalCluster`` with ``workers`` worker
  processes of one thread each (default: the cores this process may use, affinity and cgroup
  quota respected). Each fit's chains get the cores of its host divided by the tasks that
  host runs at once (``ModelSpec.cores``), unless the job sets ``cores``.
* **Failures stay with their job.** Bad data, a fit that raises, or a worker that dies (Dask
  retries the task elsewhere a few times, then gives up) is recorded in ``OUT/summary.csv``
  (:data:`SUMMARY_COLUMNS`) with the error in one line; the other jobs finish.
* **Reruns** skip jobs whose ``OUT/<job>/job.json`` matches the job's settings (it is written
  only on success), unless ``force``; a job whose settings changed runs again.
* **Progress**: one line per finished job with the overall count, and the Dask dashboard
  link when the cluster serves one (its charts need ``bokeh``: the ``dashboard`` extra).

>>> from mmm.batch import fit_many, read_manifest  # doctest: +SKIP
>>> batch = fit_many(read_manifest("jobs.toml"), "runs/2024Q4", workers=2)  # doctest: +SKIP
>>> batch.failed  # doctest: +SKIP
('brand_c',)
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from mmm.batch.jobs import Job, check_unique
from mmm.batch.portfolio import write_portfolio
from mmm.exceptions import ConfigError
from mmm.model.sample import usable_cores

#: columns of ``OUT/summary.csv``
SUMMARY_COLUMNS = ("job", "status", "error", "seconds", "diagnostics", "stage", "compile",
                   "cores", "worker", "run_dir", "finished")  # fmt: skip
OK, FAILED = "ok", "failed"


@dataclass(frozen=True, eq=False)
class BatchResult:
    """What :func:`fit_many` did: the summary table (one row per job), failures and files."""

    summary: pd.DataFrame
    paths: dict[str, Path]
    dashboard: str | None = None

    @property
    def failed(self) -> tuple[str, ...]:
        """Names of the jobs that failed, in job order."""
        return tuple(self.summary.loc[self.summary["status"] != OK, "job"])

    @property
    def ok(self) -> bool:
        return not self.failed

    def __repr__(self) -> str:
        n = len(self.summary)
        return f"BatchResult({n - len(self.failed)} of {n} jobs ok, failed={list(self.failed)})"


# ---------------------------------------------------------------------- on the worker
def run_job(job: Job, out: str, threads_by_host: Mapping[str, int] | None = None) -> dict[str, Any]:
    """Run one job where it is called (a Dask worker) and return its summary row.

    Never raises for the job's own failures: they come back as a row with status
    ``failed``, the stage it failed in (load, fit, plan, report) and the error in one line.
    """
    t0 = time.perf_counter()
    run = Path(out) / job.name
    lines: list[str] = []
    row: dict[str, Any] = {"job": job.name, "status": FAILED, "error": "", "stage": "load",
                           "run_dir": str(run), "diagnostics": "", "compile": ""}  # fmt: skip
    if run.exists():
        shutil.rmtree(run)  # the run directory shows the latest attempt, nothing older
    run.mkdir(parents=True)
    try:
        row["cores"] = cores = fair_cores(job, threads_by_host or {})
        row["worker"] = _worker_address()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _run_stages(job, run, cores, row, lines.append)
        lines.extend(f"warning: {w.category.__name__}: {w.message}" for w in caught)
        row["status"] = OK
        (run / "job.json").write_text(json.dumps(job.to_dict(), indent=2, ensure_ascii=False))
    except Exception as exc:  # noqa: BLE001 - a job's failure is data for the summary
        row["error"] = " ".join(f"{type(exc).__name__}: {exc}".split())
        lines.append(f"FAILED in {row['stage']}: {row['error']}")
    row["seconds"] = round(time.perf_counter() - t0, 1)
    row["finished"] = pd.Timestamp.now().isoformat(timespec="seconds")
    (run / "log.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return row


def _run_stages(
    job: Job, run: Path, cores: int | None, row: dict[str, Any], say: Callable[[str], None]
) -> None:
    from mmm.present.report import build
    from mmm.present.runs import fit_and_write, plan_and_write

    dataset = job.load()
    row["stage"] = "fit"
    fit = fit_and_write(dataset, job.model_spec(cores), run, say=say, warn=say)
    row["diagnostics"] = fit.diagnostics.status
    row["compile"] = str(fit.result.info.get("compile", ""))
    row["stage"] = "plan"
    allocation = plan_and_write(fit.result, job.budget_scenario(), run, fit.identifiability, say)
    if job.report:
        row["stage"] = "report"
        build(
            fit.result,
            allocation,
            out=run / "report.html",
            identifiability=fit.identifiability,
            run=run,  # keeps the report's tables: a later `mmm report` on this run reads them
        )
        say(f"wrote {run / 'report.html'}")
    row["stage"] = ""


def fair_cores(job: Job, threads_by_host: Mapping[str, int]) -> int | None:
    """Cores for this job's chains: the job's own ``cores``, else this host's usable cores
    divided by the tasks its workers run at once (None outside a Dask worker)."""
    if job.spec.get("cores"):
        return int(job.spec["cores"])
    address = _worker_address()
    if not address:
        return None
    from distributed import get_worker

    threads = threads_by_host.get(urlparse(address).hostname or "") or get_worker().state.nthreads
    return max(1, usable_cores() // max(1, int(threads)))


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return ""


# ---------------------------------------------------------------------- on the driver
@contextmanager
def connect(
    client: Any = None, scheduler: str | None = None, workers: int | None = None
) -> Iterator[Any]:
    """A Dask client: ``client`` as given, one for ``scheduler``, or a new LocalCluster's.

    The LocalCluster has ``workers`` processes (default :func:`mmm.model.sample.usable_cores`)
    of one thread each, and is closed on exit; a given client or cluster is left running.
    """
    if scheduler and workers:
        raise ConfigError("Pass either a scheduler address or a number of workers, not both.")
    if workers is not None and workers < 1:
        raise ConfigError(f"workers == {workers}, must be >= 1.")
    if client is not None:
        yield client
        return
    import logging

    from distributed import Client, LocalCluster

    if scheduler:
        try:
            c = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ConfigError(f"Cannot reach the Dask scheduler at {scheduler!r}: {exc}") from None
        try:
            yield c
        finally:
            c.close()
        return
    cluster = LocalCluster(
        n_workers=workers or usable_cores(),
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    c = Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def dashboard_link(client: Any) -> str | None:
    """The cluster's dashboard URL, or None when it serves none."""
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:  # noqa: BLE001 - a link is a nicety, never a failure
        return None
    return str(client.dashboard_link) if "dashboard" in services else None


def threads_by_host(client: Any) -> dict[str, int]:
    """Host → tasks its workers run at once (sum of their threads)."""
    out: dict[str, int] = {}
    for addr, w in client.scheduler_info(n_workers=-1).get("workers", {}).items():
        host = urlparse(addr).hostname or ""
        out[host] = out.get(host, 0) + int(w.get("nthreads", 1))
    return out


def finished(job: Job, out: str | Path) -> bool:
    """Whether ``OUT/<job>/`` holds a successful run with exactly this job's settings."""
    path = Path(out) / job.name / "job.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) == json.loads(
            json.dumps(job.to_dict(), ensure_ascii=False)
        )
    except (OSError, ValueError):
        return False


def read_summary(out: str | Path) -> dict[str, dict[str, Any]]:
    """Rows of an existing ``OUT/summary.csv`` by job name (empty when there is none)."""
    path = Path(out) / "summary.csv"
    if not path.exists():
        return {}
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    return {r["job"]: r for r in frame.to_dict("records")}


def write_summary(out: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    path = out / "summary.csv"
    frame = pd.DataFrame(list(rows))
    frame = frame.reindex(columns=list(SUMMARY_COLUMNS))
    frame.to_csv(path, index=False, encoding="utf-8")
    return path


def fit_many(
    jobs: Iterable[Job],
    out: str | Path,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> BatchResult:
    """Fit every job on Dask; write ``OUT/<job>/``, ``OUT/summary.csv`` and the portfolio.

    Parameters
    ----------
    jobs : iterable of Job
        E.g. :func:`mmm.batch.jobs.read_manifest`; names must be unique.
    out : path
        Output directory (created).
    client : distributed.Client, optional
        Use this cluster as it is.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); used unchanged.
    workers : int, optional
        Worker processes of the LocalCluster started when neither of the above is given.
    force : bool
        Rerun jobs that finished before with the same settings.
    say : callable
        Where progress lines go.

    Returns
    -------
    BatchResult
        ``summary`` has the columns of :data:`SUMMARY_COLUMNS`, one row per job in order;
        ``paths`` the summary, ``portfolio_roi.csv`` and ``index.html``.
    """
    jobs = list(jobs)
    check_unique(j.name for j in jobs)
    if not jobs:
        raise ConfigError("No jobs to run.")
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    previous = read_summary(out)
    rows: dict[str, dict[str, Any]] = {}
    todo = []
    for job in jobs:
        if not force and finished(job, out) and previous.get(job.name, {}).get("status") == OK:
            rows[job.name] = previous[job.name]
        else:
            todo.append(job)
    skipped = len(jobs) - len(todo)
    say(
        f"{len(jobs)} jobs -> {out}: {len(todo)} to run"
        + (
            f", {skipped} finished earlier with the same settings (skipped; force reruns them)"
            if skipped
            else ""
        )
    )
    link = None
    if todo:
        with connect(client, scheduler, workers) as c:
            link = dashboard_link(c)
            info = c.scheduler_info(n_workers=-1)
            say(f"Dask cluster {info.get('address', '')}: {len(info.get('workers', {}))} workers"
                + (f"; dashboard {link}" if link else ""))  # fmt: skip
            shares = threads_by_host(c)
            token = uuid.uuid4().hex[:8]
            futures = {
                c.submit(run_job, job, str(out), shares, key=f"mmm-fit-{job.name}-{token}", pure=False): job
                for job in todo
            }  # fmt: skip
            from distributed import as_completed

            for k, fut in enumerate(as_completed(list(futures)), 1):
                job = futures[fut]
                rows[job.name] = collect_row(fut, job, out)
                write_summary(out, [rows[j.name] for j in jobs if j.name in rows])
                say(progress_line(rows[job.name], k + skipped, len(jobs)))
    ordered = [rows[j.name] for j in jobs]
    paths = {"summary": write_summary(out, ordered)}
    paths.update(write_portfolio(out, pd.DataFrame(ordered)))
    result = BatchResult(pd.read_csv(paths["summary"], keep_default_na=False), paths, link)
    say(
        f"{len(jobs) - len(result.failed)} of {len(jobs)} jobs ok; summary {paths['summary']}, portfolio {paths['index']}"
    )
    return result


def collect_row(fut: Any, job: Job, out: Path) -> dict[str, Any]:
    """A finished future's row; a lost worker or a cancelled task becomes a failed row."""
    try:
        return dict(fut.result())
    except Exception as exc:  # noqa: BLE001 - KilledWorker, CancelledError, a lost connection
        return {
            "job": job.name,
            "status": FAILED,
            "error": " ".join(f"{type(exc).__name__}: {exc}".split())
            + " (the worker running it died or was lost)",
            "stage": "worker",
            "run_dir": str(out / job.name),
            "finished": pd.Timestamp.now().isoformat(timespec="seconds"),
        }


def progress_line(row: Mapping[str, Any], k: int, n: int) -> str:
    """``[3/6] brand_a: ok in 42s, diagnostics PASS`` (or the error of a failed job)."""
    head = f"[{k}/{n}] {row['job']}: {row['status']}"
    if row.get("seconds") not in (None, ""):
        head += f" in {float(row['seconds']):.0f}s"
    if row["status"] == OK:
        return head + (f", diagnostics {row['diagnostics']}" if row.get("diagnostics") else "")
    return f"{head} ({row.get('stage', '')}): {row.get('error', '')}"
