"""fit-many on a real Dask cluster: a scheduler and two workers, each its own process on localhost.

The manifest has four small jobs, one with broken data. The fits must equal single ``mmm fit``
runs with the same seeds, the broken job must be in summary.csv as failed (exit code 1), a
rerun must skip the finished jobs, and two workers compiling the same new model at once must
leave a usable compile-cache entry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _fits import small_brand

from mmm.cli import main
from mmm.model import kernel_cache as model_compile

BIN = Path(sys.executable).parent
FAST = {"chains": 2, "draws": 100, "tune": 100, "holdout": 4}


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Address of a `dask scheduler` with two `dask worker` processes (one thread each)."""
    from distributed import Client

    d = tmp_path_factory.mktemp("cluster")
    file = d / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    common = {"cwd": d, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [
                str(BIN / "dask"),
                "scheduler",
                "--scheduler-file",
                str(file),
                "--port",
                "0",
                "--no-dashboard",
            ],
            **common,
        )  # fmt: skip
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(BIN / "dask"),
                        "worker",
                        "--scheduler-file",
                        str(file),
                        "--nthreads",
                        "1",
                        "--nworkers",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(d),
                    ],
                    **common,
                )  # fmt: skip
            )
        with Client(scheduler_file=str(file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            yield str(client.scheduler.address)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def brand_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("brands")
    small_brand().to_files(d, "brand_a")
    data = pd.read_csv(d / "brand_a.csv")
    broken = data.copy()
    broken.loc[10, "revenue"] = -5.0  # a negative KPI: the loader must refuse it
    broken.to_csv(d / "broken.csv", index=False)
    return d


def manifest(d: Path, jobs: dict[str, dict[str, object]]) -> Path:
    lines = ["[defaults]", *(f"{k} = {v}" for k, v in FAST.items())]
    for name, keys in jobs.items():
        lines.append(f'[jobs."{name}"]')
        lines += [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    path = d / f"jobs_{uuid.uuid4().hex[:6]}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_manifest_on_a_real_cluster(
    scheduler: str, brand_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = {"data": "brand_a.csv", "config": "brand_a.toml"}
    jobs = {
        "a_seed1": {**a, "seed": 1},
        "a_seed2": {**a, "seed": 2, "report": False},
        "品牌_a": {**a, "seed": 1, "report": False},
        "broken": {"data": "broken.csv", "config": "brand_a.toml", "seed": 1},
    }
    path = manifest(brand_dir, jobs)
    out = tmp_path / "out"
    assert main(["fit-many", str(path), "--out", str(out), "--scheduler", scheduler]) == 1
    err = capsys.readouterr().err
    assert "failed: broken" in err

    summary = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("job")
    assert list(summary.index) == list(jobs)
    assert (summary.loc[["a_seed1", "a_seed2", "品牌_a"], "status"] == "ok").all()
    assert summary.loc["broken", "status"] == "failed"
    assert summary.loc["broken", "stage"] == "load" and "negative" in summary.loc["broken", "error"]
    assert summary.loc["a_seed1", "diagnostics"] in {"PASS", "REVIEW", "FAIL"}
    assert set(summary["worker"]) - {""} <= set(_workers(scheduler))
    assert (out / "a_seed1" / "report.html").exists() and (
        out / "a_seed1" / "allocation.csv"
    ).exists()
    assert (out / "a_seed1" / "report_tables.zip").exists()  # `mmm report` on it is quick
    assert not (out / "a_seed2" / "report.html").exists()

    # the same as a single `mmm fit` with the same options and seed
    single = tmp_path / "single"
    args = [
        "--chains",
        "2",
        "--draws",
        "100",
        "--tune",
        "100",
        "--holdout",
        "4",
        "--seed",
        "1",
        "-q",
    ]
    assert main(["fit", str(brand_dir / "brand_a.csv"), "--config", str(brand_dir / "brand_a.toml"),
                 "--out", str(single), *args]) == 0  # fmt: skip
    expected = pd.read_csv(single / "roi.csv")
    pd.testing.assert_frame_equal(pd.read_csv(out / "a_seed1" / "roi.csv"), expected)
    pd.testing.assert_frame_equal(pd.read_csv(out / "品牌_a" / "roi.csv"), expected)
    other = pd.read_csv(out / "a_seed2" / "roi.csv")
    assert not np.allclose(other["roi_mean"], expected["roi_mean"])  # another seed, another draw

    portfolio = pd.read_csv(out / "portfolio_roi.csv")
    assert set(portfolio.job) == {"a_seed1", "a_seed2", "品牌_a"}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="a_seed1/report.html"' in page and "broken" in page

    # a rerun skips the finished jobs (their files stay as they were) and retries the broken one
    stamp = (out / "a_seed1" / "result.json").stat().st_mtime_ns
    assert main(["fit-many", str(path), "--out", str(out), "--scheduler", scheduler]) == 1
    printed = capsys.readouterr().out
    assert "1 to run, 3 finished earlier" in printed
    assert (out / "a_seed1" / "result.json").stat().st_mtime_ns == stamp
    again = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("job")
    assert again.loc["a_seed1", "finished"] == summary.loc["a_seed1", "finished"]
    # a fixed job then runs, and --force reruns everything
    (brand_dir / "broken.csv").write_bytes((brand_dir / "brand_a.csv").read_bytes())
    assert main(["fit-many", str(path), "--out", str(out), "--scheduler", scheduler]) == 0


def _workers(address: str) -> list[str]:
    from distributed import Client

    with Client(address, timeout="30s") as c:
        return list(c.scheduler_info(n_workers=-1)["workers"])


def test_two_workers_compiling_the_same_new_model_share_the_cache(
    scheduler: str, brand_dir: Path, tmp_path: Path
) -> None:
    """Both workers start on one model never seen before at the same time: one compiles and
    writes the cache entry (the other compiles too, or waits for the entry and loads it); both
    succeed with identical results, and a later fit in a fresh process loads the entry and
    draws the same numbers with the same seed (a model is compiled in a forked child and every
    process runs the code loaded from disk).
    """
    (tmp_path / "new.csv").write_bytes((brand_dir / "brand_a.csv").read_bytes())
    (tmp_path / "new.toml").write_bytes((brand_dir / "brand_a.toml").read_bytes())
    # compiled models are keyed by the model's structure (new data reuses them): settings no
    # other test uses make a structure no cache holds (this test removes what it writes)
    odd = {"adstock": "delayed", "saturation": "logistic", "max_lag": 7}
    before = set(model_compile.cache_files())
    job = {"data": "new.csv", "config": "new.toml", "seed": 3, "report": False, **odd}
    path = manifest(tmp_path, {"first": job, "second": job})
    out = tmp_path / "out"
    try:
        assert main(["fit-many", str(path), "--out", str(out), "--scheduler", scheduler]) == 0
        summary = pd.read_csv(out / "summary.csv", keep_default_na=False).set_index("job")
        assert summary.loc["first", "worker"] != summary.loc["second", "worker"]  # side by side
        # one compiles and writes the entry; the other compiles too or waits for it and loads it
        assert "compiled, cached" in set(summary["compile"])
        assert set(summary["compile"]) <= {"compiled, cached", "cache hit"}
        first = pd.read_csv(out / "first" / "roi.csv")
        pd.testing.assert_frame_equal(first, pd.read_csv(out / "second" / "roi.csv"))
        assert set(model_compile.cache_files()) - before  # the entry was written

        run = subprocess.run(
            [str(BIN / "mmm"), "fit", str(tmp_path / "new.csv"), "--config", str(tmp_path / "new.toml"),
             "--out", str(tmp_path / "third"), "--chains", "2", "--draws", "100", "--tune", "100",
             "--holdout", "4", "--seed", "3", "--adstock", "delayed", "--saturation", "logistic",
             "--max-lag", "7", "-q"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "model cache hit" in run.stdout
        # the same seed draws the same numbers, compiled now or loaded
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "third" / "roi.csv"), first)
    finally:  # leave the shared cache as it was
        for p in set(model_compile.cache_files()) - before:
            p.unlink(missing_ok=True)
