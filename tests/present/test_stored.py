"""A report's tables kept beside the run (mmm.present.stored): read back exactly, never trusted blindly."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from mmm.analysis.results import FitResult
from mmm.present import stored
from mmm.present.report import build
from mmm.present.runs import Derived, identify_or_none, load_derived, write_fit_tables

_GENERATED = re.compile(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d")


@pytest.fixture(scope="module")
def run(result: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small fit saved as `mmm fit` saves it (result, diagnostics, identifiability, tests)."""
    d = tmp_path_factory.mktemp("stored") / "run"
    result.save(d)
    write_fit_tables(result, d, identify_or_none(result), result.diagnostics())
    return d


@pytest.fixture(scope="module")
def derived(run: Path) -> Derived:
    found = load_derived(FitResult.load(run), run)
    assert found is not None
    return found


def _report(result: Any, out: Path, derived: Derived, **kw: Any) -> dict[str, Any]:
    """Build a report into ``out`` and return everything it wrote, ready to compare."""
    path = build(
        result,
        out=out / "report.html",
        brand="Test & Co",
        identifiability=derived.identifiability,
        experiments=derived.experiments,
        diagnostics=derived.diagnostics,
        **kw,
    )
    files: dict[str, Any] = {"html": _GENERATED.sub("", path.read_text(encoding="utf-8"))}
    for csv in sorted(out.glob("report_*.csv")):
        files[csv.name] = csv.read_bytes()
    book = load_workbook(path.with_suffix(".xlsx"))
    files["xlsx"] = {
        ws.title: [[(c.value, c.number_format, c.font.b) for c in row] for row in ws.iter_rows()]
        for ws in book.worksheets
    }
    return files


def test_a_report_from_stored_tables_equals_the_fresh_one(
    result: Any, run: Path, derived: Derived, tmp_path: Path
) -> None:
    (run / stored.TABLES_FILE).unlink(missing_ok=True)
    fresh = _report(FitResult.load(run), tmp_path / "fresh", derived)  # no run: nothing kept
    assert not (run / stored.TABLES_FILE).exists()
    # the process that fitted keeps the tables (as `mmm demo` does) ...
    _report(result, tmp_path / "fitted", derived, run=run)
    assert (run / stored.TABLES_FILE).exists()
    # ... and a later process reads them instead of the posterior
    again = stored.open_run(run)
    assert again is not None
    from_tables = _report(again, tmp_path / "stored", derived, run=run)
    assert "result" not in vars(again), "the posterior was read"
    assert from_tables.keys() == fresh.keys()
    for name, content in fresh.items():
        assert from_tables[name] == content, name


def test_tables_read_back_exactly(result: Any, run: Path) -> None:
    src = stored.S.Source(result)
    tables = stored.A.result_tables(src)
    key = stored.tables_key(run, None, stored.S.MAX_SAMPLES)
    fingerprint = result.fingerprint()
    assert stored.write_tables(tables, run, key, fingerprint, result.dataset) is not None
    found = stored.read_tables(run, key, fingerprint)
    assert found is not None
    back, back_fingerprint, facts = found
    assert back_fingerprint == fingerprint
    assert stored._same(back, tables)
    assert facts["dates"].equals(result.dataset.dates) and facts["dates"].dtype == result.dataset.dates.dtype
    assert tuple(facts["channels"]) == result.channels and facts["frequency"] == "W"
    assert not stored._same(back, stored.A.result_tables(src, top=3.0))  # a real comparison


def test_stale_or_foreign_tables_are_not_used(
    result: Any, run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = stored.A.result_tables(stored.S.Source(result))
    key = stored.tables_key(run, None, stored.S.MAX_SAMPLES)
    stored.write_tables(tables, run, key, result.fingerprint(), result.dataset)
    assert stored.open_run(run) is not None
    assert stored.open_run(run, quarter="2023Q3") is None  # another quarter
    assert stored.open_run(run, max_samples=50) is None
    assert stored.read_tables(run, key, "another fit") is None
    monkeypatch.setattr(stored, "TABLES_FORMAT", stored.TABLES_FORMAT + 1)
    assert stored.open_run(run) is None  # another layout
    monkeypatch.undo()
    meta = run / "result.json"
    original = meta.read_bytes()
    try:
        meta.write_bytes(original + b" ")  # the saved result changed (a refit writes it anew)
        assert stored.open_run(run) is None
    finally:
        meta.write_bytes(original)
    assert stored.open_run(run) is not None


def test_a_damaged_file_is_reported_and_recomputed(
    result: Any, run: Path, derived: Derived, tmp_path: Path
) -> None:
    path = run / stored.TABLES_FILE
    build(result, out=tmp_path / "a.html", diagnostics=derived.diagnostics, run=run)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.warns(UserWarning, match="cannot be read"):
        assert stored.open_run(run) is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        build(result, out=tmp_path / "b.html", diagnostics=derived.diagnostics, run=run)
    assert zipfile.ZipFile(path).testzip() is None  # written anew, whole
    assert stored.open_run(run) is not None


def test_tables_of_another_result_are_not_kept_in_its_run(
    result: Any, run: Path, derived: Derived, tmp_path: Path
) -> None:
    other = result.thin(100)  # not the result saved in `run`
    path = run / stored.TABLES_FILE
    path.unlink(missing_ok=True)
    build(other, out=tmp_path / "a.html", diagnostics=derived.diagnostics, run=run)
    assert not path.exists()


def test_a_plan_beyond_the_stored_curves_reads_the_posterior(
    result: Any, run: Path, derived: Derived, tmp_path: Path
) -> None:
    build(result, out=tmp_path / "a.html", diagnostics=derived.diagnostics, run=run)
    again = stored.open_run(run)
    assert again is not None
    points = again.tables.curve_points
    far = type("Plan", (), {"weeks": again.tables.curve_periods, "table": pd.DataFrame({
        "channel": points["channel"], "recommended_spend": 3 * points["spend_current"]})})()  # fmt: skip
    assert again.tables.curve_top_for(far) > again.tables.curve_top
    data = stored.report_data(
        again, far, identifiability=derived.identifiability, experiments=derived.experiments,
        diagnostics=derived.diagnostics,
    )  # fmt: skip
    assert "result" in vars(again)  # computed from the posterior: the stored curves stop short
    assert data.curves["multiple"].max() == pytest.approx(again.tables.curve_top_for(far))


def test_a_stored_report_loads_neither_matplotlib_nor_dask(run: Path, tmp_path: Path) -> None:
    """What makes `mmm report` quick: no posterior, no data, no drawing (figures cached)."""
    from mmm.cli import main

    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    assert main(["optimize", str(copy), "-q"]) == 0
    assert main(["report", str(copy), "-q"]) == 0  # draws the plan's charts, keeps the tables
    code = (
        "import sys\n"
        "from mmm.cli import main\n"
        f"assert main(['report', {str(copy)!r}, '-q']) == 0\n"
        "heavy = [m for m in ('matplotlib', 'dask.array', 'pymc', 'pytensor') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
