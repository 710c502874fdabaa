"""Saved results load back identically in a fresh process, whatever `holidays` release is installed.

The fresh process is a real subprocess (nothing cached from the fit). A `holidays` upgrade is
simulated there, after a first load, by wrapping ``holidays.country_holidays`` so every holiday
moves a week and one is renamed, as releases do when they correct a calendar.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from _fits import small_result

from mmm.analysis.persist import FORMAT_VERSION, LIBRARIES
from mmm.analysis.results import FitResult
from mmm.exceptions import SavedResultError

ROOT = Path(__file__).resolve().parents[2]

#: run in a fresh interpreter: load and summarise, then "upgrade" holidays and do it again
SCRIPT = r"""
import json, sys
import pandas as pd
from mmm.analysis.results import FitResult

def summary(path):
    try:
        r = FitResult.load(path)
    except Exception as exc:
        return {"error": type(exc).__name__, "message": str(exc)}
    roi = r.roi().to_dataframe()
    return {
        "roi": roi["roi_mean"].tolist(), "roi_upper": roi["roi_upper"].tolist(),
        "contributions": r.contributions()["mean"].values.ravel().tolist(),
        "holidays": [str(h) for h in r.design.holiday_names],
        "saved_with": r.info["saved_with"], "format": r.info["format_version"],
    }

out = {"installed": summary(sys.argv[1])}
import holidays
real = holidays.country_holidays
def upgraded(country, years=None, language=None, **kw):
    cal = real(country, years=years, language=language, **kw)
    out = {}
    for day, name in cal.items():
        name = "Spring Festival" if name == "Chinese New Year (Spring Festival)" else name
        out[day + pd.Timedelta(days=7)] = name
    return out
holidays.country_holidays = upgraded
out["upgraded"] = summary(sys.argv[1])
print(json.dumps(out))
"""


def _fresh(path: Path) -> dict:
    """What a fresh process loads from ``path``: as installed, and after a `holidays` upgrade."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_saved_result_round_trips_through_a_fresh_process_and_a_holidays_upgrade(
    tmp_path: Path,
) -> None:
    result = small_result()  # its channel map has holidays = "CN"
    assert "Chinese New Year (Spring Festival)" in result.design.holiday_names
    result.save(tmp_path / "r")
    fresh = _fresh(tmp_path / "r")
    got = fresh["installed"]
    roi = result.roi().to_dataframe()
    assert got["roi"] == roi["roi_mean"].tolist() and got["roi_upper"] == roi["roi_upper"].tolist()
    assert np.array_equal(got["contributions"], result.contributions()["mean"].values.ravel())
    assert got["format"] == FORMAT_VERSION
    assert set(got["saved_with"]) == {"python", *LIBRARIES}
    assert got["saved_with"]["holidays"] not in ("", "not installed")
    meta = json.loads((tmp_path / "r" / "result.json").read_text(encoding="utf-8"))
    assert meta["info"]["versions"]["pymc"] == meta["versions"]["pymc"]  # fit time = save time
    # after the upgrade: the stored holiday matrix, not the new calendar
    assert fresh["upgraded"]["roi"] == roi["roi_mean"].tolist()
    assert fresh["upgraded"]["holidays"] == list(result.design.holiday_names)


def test_old_format_recomputes_and_refuses_mismatched_holidays(tmp_path: Path) -> None:
    """Format 1 (mmm 0.2) had no stored features: a renamed holiday is caught, not misapplied."""
    result = small_result()
    result.save(tmp_path / "r")
    (tmp_path / "r" / "design.nc").unlink()
    meta_path = tmp_path / "r" / "result.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "format_version": 1}), encoding="utf-8")
    fresh = _fresh(tmp_path / "r")
    assert fresh["installed"]["roi"] == result.roi().to_dataframe()["roi_mean"].tolist()
    upgraded = fresh["upgraded"]
    assert upgraded["error"] == "SavedResultError"
    assert "Chinese New Year (Spring Festival)" in upgraded["message"]
    assert "Spring Festival" in upgraded["message"] and "holidays" in upgraded["message"]


def test_format_versions_are_checked_and_explained(tmp_path: Path) -> None:
    small_result().save(tmp_path / "r")
    meta_path = tmp_path / "r" / "result.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "format_version": 99}), encoding="utf-8")
    with pytest.raises(
        SavedResultError, match=r"saved by mmm .* in result format 99; .*Upgrade mmm"
    ):
        FitResult.load(tmp_path / "r")
    meta_path.write_text(json.dumps({**meta, "format_version": "2"}), encoding="utf-8")
    with pytest.raises(SavedResultError, match="no valid format_version"):
        FitResult.load(tmp_path / "r")
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    FitResult.load(tmp_path / "r")


def test_features_that_do_not_match_the_posterior_are_refused(tmp_path: Path) -> None:
    small_result().save(tmp_path / "r")
    path = tmp_path / "r" / "design.nc"
    features = xr.load_dataset(path, engine="h5netcdf")
    features.isel(holiday=slice(1, None)).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(SavedResultError, match=r"holiday coefficients were fitted on 7 .* has 6"):
        FitResult.load(tmp_path / "r")
    features.isel(date=slice(0, 50)).to_netcdf(path, engine="h5netcdf")
    with pytest.raises(SavedResultError, match="cover 50 periods but the saved data has 104"):
        FitResult.load(tmp_path / "r")
