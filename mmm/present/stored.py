"""A report's tables kept beside its run, so that the next report of the run reads them.

Most of a report's time goes into the posterior passes behind its tables (contributions,
ROI, response curves, fitted values: :class:`~mmm.present.assemble.ResultTables`). They depend
on the fit and the reporting quarter only, so once a report of a run directory has computed
them, :func:`write_tables` keeps them there as ``report_tables.zip`` (Parquet tables and one
JSON file), and the next report (another title, the plan saved by ``mmm optimize``, a rerun of
``mmm report``) reads them back with :func:`read_tables`, exactly as they were computed.

They are never trusted silently. The file holds the key it was computed under
(:func:`tables_key`): this file's format, mmm's version and a hash of its source code, the
versions of Python and the numerical libraries, the reporting quarter, the number of samples
summarised, and a hash of every file of the saved result. A file written under another key
(a refit, another mmm, another quarter) is recomputed and replaced; one that cannot be read
(cut short, edited) is recomputed with a warning. A report from stored tables equals the one
computed afresh (``tests/present/test_stored.py``).

:func:`open_run` reads a run for its report without the posterior when its tables are stored
(:class:`StoredRun`), which is what makes ``mmm report`` quick.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mmm import __version__
from mmm.analysis import persist
from mmm.data.config import ChannelMap
from mmm.model.spec import ModelSpec
from mmm.present import assemble as A
from mmm.present import sections as S
from mmm.present.assemble import ReportData, ResultTables
from mmm.present.evidence import evidence_without_draws
from mmm.present.regions import RegionData
from mmm.present.sentiment import SentimentData

if TYPE_CHECKING:
    from mmm._checks import Checks
    from mmm.analysis.identify import Identifiability
    from mmm.analysis.results import FitResult
    from mmm.analysis.validate import CrossValidation
    from mmm.data.dataset import MMMDataset

#: the layout of ``report_tables.zip``; raise it whenever ResultTables or its encoding changes
TABLES_FORMAT = 1
#: the file in the run directory
TABLES_FILE = "report_tables.zip"
#: the files of a saved result (:func:`mmm.analysis.persist.save`) whose bytes the key hashes
RESULT_FILES = ("result.json", "channel_map.toml", "posterior.nc", "sample_stats.nc", "data.nc",
                "design.nc")  # fmt: skip
#: the value objects a stored file may hold, by name
_TYPES: dict[str, type] = {
    t.__name__: t for t in (ResultTables, S.Quarter, RegionData, SentimentData)
}


# ---------------------------------------------------------------------- key
def tables_key(run: str | Path, quarter: str | None, max_samples: int | None) -> dict[str, Any]:
    """What the tables of a report of ``run`` depend on (equal keys: equal tables).

    Raises
    ------
    FileNotFoundError
        When ``run`` holds no saved result.
    """
    d = Path(run)
    h = hashlib.sha256()
    for name in RESULT_FILES:
        if (d / name).exists():
            h.update(f"{name}\0".encode())
            h.update((d / name).read_bytes())
        elif name in ("result.json", "posterior.nc", "data.nc"):
            raise FileNotFoundError(f"{str(d)!r} holds no saved FitResult ({name} is missing).")
    return {
        "format": TABLES_FORMAT,
        "mmm": __version__,
        "code": _code_hash(),
        "python": platform.python_version(),
        "libraries": _versions(),
        "quarter": quarter,
        "max_samples": max_samples,
        "result": h.hexdigest(),
    }


@functools.cache
def _code_hash() -> str:
    """A hash of mmm's source: tables computed by other code are computed again."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {}
    for name in (*S.SOFTWARE, "h5netcdf"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = ""
    return out


# ---------------------------------------------------------------------- write / read
def write_tables(
    tables: ResultTables,
    run: str | Path,
    key: dict[str, Any],
    fingerprint: str,
    dataset: MMMDataset | RunData,
) -> Path | None:
    """Keep ``tables`` (of the result with ``fingerprint``, saved in ``run``) as ``run/report_tables.zip``.

    With them go the facts of ``dataset`` that a report shows (:class:`RunData`).

    The file is replaced in one step (written under a temporary name, then renamed). Returns
    None, writing nothing, when the tables do not read back exactly as they are (a column
    Parquet cannot hold) or the run directory is read-only.
    """
    frames: dict[str, bytes] = {}
    try:
        facts = _facts(dataset)
        meta = {"key": key, "fingerprint": fingerprint, "tables": _encode(tables, frames),
                "run": _encode(facts, frames)}  # fmt: skip
        back = _decode(meta["tables"], frames.__getitem__), _decode(meta["run"], frames.__getitem__)
        if not (_same(back[0], tables) and _same(back[1], facts)):
            return None
    except Exception:  # noqa: BLE001 - e.g. a column Parquet cannot hold: then not kept
        return None
    path = Path(run) / TABLES_FILE
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report_tables.", suffix=".tmp")
    except OSError:  # a read-only run: the report is still written, just not kept
        return None
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as z:
            for name, data in frames.items():
                z.writestr(f"{name}.parquet", data)
            z.writestr("tables.json", json.dumps(meta, ensure_ascii=False))
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return None
    return path


def read_tables(
    run: str | Path, key: dict[str, Any], fingerprint: str | None = None
) -> tuple[ResultTables, str, dict[str, Any]] | None:
    """The tables kept in ``run`` under ``key``, the fingerprint of their result and the data's facts.

    None when there are none, they were computed under another key, or for a result with
    another ``fingerprint`` (when given); a file that cannot be read is reported with a
    warning and ignored (the caller computes the tables again).
    """
    path = Path(run) / TABLES_FILE
    if not path.exists():
        return None
    try:
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("tables.json"))
            if meta.get("key") != key:
                return None
            if fingerprint is not None and meta.get("fingerprint") != fingerprint:
                return None
            tables = _decode(meta["tables"], lambda name: z.read(f"{name}.parquet"))
            facts = _decode(meta["run"], lambda name: z.read(f"{name}.parquet"))
    except Exception as exc:  # noqa: BLE001 - whatever is wrong with the file, it is not used
        warnings.warn(
            f"{path} cannot be read ({type(exc).__name__}: {exc}); the report's tables are "
            "computed again.",
            stacklevel=2,
        )
        return None
    if not isinstance(tables, ResultTables) or not isinstance(facts, dict):
        return None
    facts["dates"] = pd.DatetimeIndex(facts["dates"]["date"], name="date")
    return tables, str(meta["fingerprint"]), facts


def _facts(dataset: MMMDataset | RunData) -> dict[str, Any]:
    """What :class:`RunData` holds besides the channel map (read from ``channel_map.toml``)."""
    dates = pd.DataFrame({"date": dataset.dates})
    return {"frequency": dataset.frequency, "channels": list(dataset.channels), "dates": dates}


# ---------------------------------------------------------------------- a run read for its report
@dataclass(frozen=True)
class RunData:
    """What a report reads of a run's dataset (the attributes of :class:`~mmm.data.dataset.MMMDataset` it uses)."""

    channel_map: ChannelMap
    frequency: str
    dates: pd.DatetimeIndex
    channels: tuple[str, ...]

    @property
    def n_periods(self) -> int:
        return len(self.dates)



@dataclass(frozen=True, eq=False)
class StoredRun:
    """A run directory read for its report without its posterior or data: the stored tables.

    Stands in for the :class:`~mmm.analysis.results.FitResult` where a report needs only these
    (:func:`mmm.present.report.build`, :func:`mmm.present.runs.load_derived`,
    :func:`mmm.present.runs.saved_plan`); :attr:`result` reads the whole result for the rest.
    """

    run: Path
    dataset: RunData
    spec: ModelSpec
    info: dict[str, Any]
    tables: ResultTables
    quarter: str | None
    max_samples: int | None
    result_fingerprint: str

    @property
    def channels(self) -> tuple[str, ...]:
        return self.dataset.channels

    @property
    def is_approximate(self) -> bool:
        return self.spec.method != "mcmc"

    def fingerprint(self) -> str:
        """The saved result's :meth:`~mmm.analysis.results.FitResult.fingerprint` (stored with the tables)."""
        return self.result_fingerprint

    @functools.cached_property
    def result(self) -> FitResult:
        """The whole saved result (read on first use)."""
        from mmm.analysis.results import FitResult

        return FitResult.load(self.run)


def open_run(
    run: str | Path, quarter: str | None = None, max_samples: int | None = S.MAX_SAMPLES
) -> StoredRun | None:
    """``run`` read for a report of ``quarter``, or None when its tables are not stored there.

    Reads ``result.json``, ``channel_map.toml`` and the stored tables; not the posterior, nor
    the data (whose few facts the report shows are stored with the tables).
    """
    key = tables_key(run, quarter, max_samples)
    found = read_tables(run, key)
    if found is None:
        return None
    tables, fingerprint, facts = found
    meta = persist.read_meta(run)
    cmap = ChannelMap.from_toml((Path(run) / "channel_map.toml").read_text(encoding="utf-8"))
    data = RunData(cmap, facts["frequency"], facts["dates"], tuple(facts["channels"]))
    return StoredRun(Path(run), data, ModelSpec.from_dict(meta["spec"]), persist.fit_info(meta),
                     tables, quarter, max_samples, fingerprint)  # fmt: skip


def full_result(result: FitResult | StoredRun) -> FitResult:
    """The FitResult itself (read from the run directory for a :class:`StoredRun`)."""
    return result.result if isinstance(result, StoredRun) else result


def report_data(
    result: FitResult | StoredRun,
    allocation: Any = None,
    quarter: str | None = None,
    max_samples: int | None = S.MAX_SAMPLES,
    identifiability: Identifiability | None = None,
    experiments: pd.DataFrame | None = None,
    diagnostics: Checks | None = None,
    cross_validation: CrossValidation | None = None,
    run: str | Path | None = None,
) -> ReportData:
    """:func:`mmm.present.assemble.collect`, reading and keeping the tables in ``run`` (when given).

    A :class:`StoredRun` answers from its tables, without its posterior, when they are for
    this ``quarter`` and ``max_samples``, reach this plan's recommendation, and the
    diagnostics (and identifiability with its tests, for a full fit) are given; otherwise its
    whole result is read. For a FitResult saved in ``run``, the tables kept there for it
    are used, and tables computed here are kept there.
    """
    given = (identifiability, experiments, diagnostics, cross_validation)
    if isinstance(result, StoredRun):
        data = _from_tables(result, allocation, quarter, max_samples, *given)
        if data is not None:
            return data
        run = run or result.run
        result = result.result
    src = S.Source(result, max_samples, diagnostics)
    tables, key, fingerprint = None, {}, ""
    if run is not None:
        key, fingerprint = tables_key(run, quarter, max_samples), result.fingerprint()
        found = read_tables(run, key, fingerprint)
        tables = found[0] if found else None
    if tables is None or tables.curve_top_for(allocation) != tables.curve_top:
        tables = A.tables_for(src, quarter, allocation)
        if run is not None and _saved_here(run, fingerprint):
            write_tables(tables, run, key, fingerprint, result.dataset)
    return A.collect(src, allocation, quarter, max_samples, *given, tables=tables)


def _from_tables(
    stored: StoredRun,
    allocation: Any,
    quarter: str | None,
    max_samples: int | None,
    identifiability: Identifiability | None,
    experiments: pd.DataFrame | None,
    diagnostics: Checks | None,
    cross_validation: CrossValidation | None,
) -> ReportData | None:
    t = stored.tables
    if (quarter, max_samples) != (stored.quarter, stored.max_samples) or diagnostics is None:
        return None
    if t.curve_top_for(allocation) != t.curve_top:
        return None
    evidence = evidence_without_draws(
        identifiability, experiments, t.approximate, t.evidence_samples
    )
    if evidence is None:
        return None
    return A.report_data(t, allocation, evidence, diagnostics, cross_validation)


def _saved_here(run: str | Path, fingerprint: str) -> bool:
    """Whether ``run`` holds the result with ``fingerprint`` (its ``diagnostics.json`` says so)."""
    try:
        diag = json.loads((Path(run) / "diagnostics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no record of which result it holds: keep nothing
        return False
    return bool(diag.get("fingerprint") == fingerprint)


# ---------------------------------------------------------------------- encoding
def _encode(obj: Any, frames: dict[str, bytes]) -> Any:
    """``obj`` as JSON values; DataFrames go to ``frames`` (Parquet bytes) and are named."""
    if isinstance(obj, pd.DataFrame):
        name = f"t{len(frames)}"
        buf = io.BytesIO()
        obj.to_parquet(buf, engine="pyarrow")
        frames[name] = buf.getvalue()
        return {"$frame": name}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {f.name: _encode(getattr(obj, f.name), frames) for f in dataclasses.fields(obj)}
        return {"$type": type(obj).__name__, "fields": fields}
    if isinstance(obj, pd.Timestamp):
        return {"$timestamp": obj.isoformat(), "unit": obj.unit}
    if isinstance(obj, np.generic):
        return {"$numpy": obj.dtype.str, "value": obj.item()}
    if isinstance(obj, tuple):
        return {"$tuple": [_encode(v, frames) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, frames) for v in obj]
    if isinstance(obj, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in obj):
            raise TypeError("only text keys are kept")
        return {k: _encode(v, frames) for k, v in obj.items()}
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"cannot keep a {type(obj).__name__}")


def _decode(obj: Any, frame: Any) -> Any:
    if isinstance(obj, list):
        return [_decode(v, frame) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "$frame" in obj:
        return pd.read_parquet(io.BytesIO(frame(obj["$frame"])), engine="pyarrow")
    if "$type" in obj:
        return _TYPES[obj["$type"]](**{k: _decode(v, frame) for k, v in obj["fields"].items()})
    if "$timestamp" in obj:
        return pd.Timestamp(obj["$timestamp"]).as_unit(obj["unit"])
    if "$numpy" in obj:
        return np.dtype(obj["$numpy"]).type(obj["value"])
    if "$tuple" in obj:
        return tuple(_decode(v, frame) for v in obj["$tuple"])
    return {k: _decode(v, frame) for k, v in obj.items()}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored values: frames to the bit (dtypes, index and column names included)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, pd.DataFrame):
        try:
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        except AssertionError:
            return False
        # assert_frame_equal takes None for NaN in columns of Python objects; a report may not
        columns = [(a.index, b.index)] + [(a.iloc[:, j], b.iloc[:, j]) for j in range(a.shape[1])]
        for x, y in columns:
            if x.dtype == object and [type(v) for v in x] != [type(v) for v in y]:
                return False
        return a.columns.names == b.columns.names and a.index.names == b.index.names
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | np.floating) and np.isnan(a):
        return bool(np.isnan(b))
    if isinstance(a, pd.Timestamp):
        return a == b and a.unit == b.unit
    return bool(a == b)
