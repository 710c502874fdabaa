"""Run directories: the tables mmm fit writes (mmm.present.runs)."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import pandas as pd
from _fits import small_result

from mmm.analysis.identify import COLUMNS, PRIOR, Identifiability, identifiability
from mmm.decisions.experiments import COLUMNS as EXP_COLUMNS
from mmm.present.runs import ROI_COLUMNS, write_fit_tables, write_identifiability


@lru_cache(maxsize=1)
def _ident() -> Identifiability:
    return identifiability(small_result(), draws=400)


def _forced(cls: str) -> Identifiability:
    """The small fit's identifiability with every channel set to ``cls``."""
    ident = _ident()
    table = ident.table.assign(**{"class": cls, "reason": "forced in a test"})
    return replace(ident, table=table)


def test_write_identifiability_writes_both_tables(tmp_path) -> None:
    paths = write_identifiability(small_result(), tmp_path, ident=_forced(PRIOR))
    ident = pd.read_csv(paths["identifiability"])
    assert list(ident.columns[: len(COLUMNS)]) == list(COLUMNS)
    exp = pd.read_csv(paths["experiments"])
    assert list(exp.columns) == list(EXP_COLUMNS) and len(exp) == 4



def test_write_fit_tables_contract(tmp_path) -> None:
    paths = write_fit_tables(small_result(), tmp_path)
    roi = pd.read_csv(paths["roi"])
    assert list(roi.columns[: len(ROI_COLUMNS)]) == ROI_COLUMNS
    contrib = pd.read_csv(paths["contributions"])
    assert {"date", "component", "mean", "lower", "upper"} <= set(contrib.columns)
    import json

    diag = json.loads(paths["diagnostics"].read_text())
    assert diag["status"] in {"PASS", "REVIEW", "FAIL"} and diag["checks"]
