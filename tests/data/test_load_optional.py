"""Optional readers: .xls needs xlrd and says so; a DB-API connection needs no SQLAlchemy.

Each case runs in a fresh interpreter so that "not imported" and "not installed" are real
(an installed package is hidden by a ``sys.modules`` entry of None, which makes importing it fail).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmm.cli import main
from mmm.data.load import read_frame
from mmm.exceptions import MissingDependencyError

ROOT = Path(__file__).resolve().parents[2]
#: the first bytes of an OLE2 compound file, which is what an .xls is
OLE2 = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)


def test_a_dbapi_connection_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    code = f"""
import sqlite3, sys
from conftest import channel_map_dict, weekly_frame
from mmm.data.load import read_sql
con = sqlite3.connect({str(tmp_path / "b.db")!r})
weekly_frame().to_sql("weekly", con, index=False)
ds = read_sql("weekly", con, channel_map_dict())
assert ds.n_periods == 60
print("sqlalchemy" in sys.modules)
"""
    run = _python(code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_without_sqlalchemy_a_dbapi_connection_works_and_a_url_says_what_to_install(
    tmp_path: Path,
) -> None:
    code = f"""
import sqlite3, sys
sys.modules["sqlalchemy"] = None  # as if not installed
from conftest import channel_map_dict, weekly_frame
from mmm.data.load import read_sql
from mmm.exceptions import MissingDependencyError
path = {str(tmp_path / "b.db")!r}
con = sqlite3.connect(path)
weekly_frame().to_sql("weekly", con, index=False)
assert read_sql("SELECT * FROM weekly", con, channel_map_dict()).n_periods == 60
try:
    read_sql("weekly", "sqlite:///" + path, channel_map_dict())
except MissingDependencyError as exc:
    print(exc)
"""
    run = _python(code)
    assert run.returncode == 0, run.stderr
    assert "needs the `sqlalchemy` package" in run.stdout
    assert "pip install 'mediamix[sql]'" in run.stdout


def test_xls_without_xlrd_says_what_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "xlrd", None)  # as if not installed (it is not by default)
    path = tmp_path / "brand.xls"
    path.write_bytes(OLE2)
    with pytest.raises(MissingDependencyError, match=r"\.xls.*`xlrd`.*mediamix\[xls\].*\.xlsx"):
        read_frame(path)
    assert isinstance(MissingDependencyError("x"), ImportError)
    # on the command line: one line, exit 2, no traceback
    assert main(["init", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "mediamix[xls]" in err and "Traceback" not in err
