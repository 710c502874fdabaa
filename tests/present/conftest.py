"""Shared fixtures of the presentation tests: one small real fit and its report, and a MAP fit
whose channel names are a script tag and Chinese (built once per test session)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from _fits import small_result

from mmm.analysis.fit import MediaMixModel
from mmm.data.config import ChannelMap
from mmm.data.load import from_dataframe
from mmm.data.synthetic import generate
from mmm.model.spec import ModelSpec
from mmm.present.report import build

EVIL = "<script>alert(1)</script>"
ZH = "微博"


@pytest.fixture(scope="session")
def result() -> Any:
    return small_result()


@pytest.fixture(scope="session")
def report(result: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(result, out=tmp_path_factory.mktemp("report") / "q.html", brand="Test & Co")


@pytest.fixture(scope="session")
def html(report: Path) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def evil_result() -> Any:
    """A MAP fit (seconds) whose channels are a script tag and a Chinese name."""
    brand = generate(seed=5, weeks=60, channels=["tv", "weibo", "mentions"])
    raw = brand.channel_map.to_dict()
    ch = raw["channels"]
    raw["channels"] = {
        EVIL: ch["tv"],
        ZH: ch["weibo"],
        "提及": {**ch["mentions"], "driven_by": [ZH]},
    }
    raw["controls"].pop("holidays", None)
    ds = from_dataframe(brand.data, ChannelMap.from_dict(raw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MediaMixModel(ModelSpec(method="map", seed=0, progress=False)).fit(ds)


@pytest.fixture(scope="session")
def evil_html(evil_result: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("evil") / "evil.html"
    path = build(
        evil_result, out=out, title="<b>Q1</b> & review", brand="<i>品牌</i>", currency="$"
    )
    return path, path.read_text(encoding="utf-8")
