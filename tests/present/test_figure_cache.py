"""The report's figure cache (mmm.present.report.blocks.Writer.chart): equal inputs, same SVG, drawn once."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from mmm.present.report.blocks import Writer, figure_cache_dir, figure_key

CALLS: list[str] = []


def _draw_bars(table: pd.DataFrame, title: str) -> Figure:
    CALLS.append(title)
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.bar(table["channel"], table["value"])
    ax.set_title(title)
    return fig


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MMM_FIGURE_CACHE", str(tmp_path / "figures"))
    CALLS.clear()
    return tmp_path


def test_equal_inputs_are_drawn_once_and_give_the_same_svg(cache: Path) -> None:
    table = pd.DataFrame({"channel": ["tv", "抖音"], "value": [1.0, 2.5]})
    first = Writer(cache / "a.html").chart(_draw_bars, table, "ROI")
    again = Writer(cache / "b.html").chart(_draw_bars, table.copy(), "ROI")  # a later report
    assert CALLS == ["ROI"]
    assert str(first) == str(again) and "<svg" in str(first) and "抖音" in str(first)
    assert len(list(figure_cache_dir().glob("*.svg"))) == 1


def test_other_inputs_draw_again(cache: Path) -> None:
    table = pd.DataFrame({"channel": ["tv"], "value": [1.0]})
    w = Writer(cache / "a.html")
    w.chart(_draw_bars, table, "ROI")
    w.chart(_draw_bars, table.assign(value=[1.5]), "ROI")
    w.chart(_draw_bars, table, "another title")
    assert CALLS == ["ROI", "ROI", "another title"]
    assert figure_key(_draw_bars, (table, "ROI")) != figure_key(_draw_bars, (table, "ROI "))


def test_a_cut_cache_file_is_redrawn_and_ids_stay_unique_per_page(cache: Path) -> None:
    table = pd.DataFrame({"channel": ["tv"], "value": [1.0]})
    w = Writer(cache / "a.html")
    w.chart(_draw_bars, table, "ROI")
    (path,) = figure_cache_dir().glob("*.svg")
    path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")
    second = w.chart(_draw_bars, table, "ROI")
    assert CALLS == ["ROI", "ROI"]
    assert 'id="f2-' in str(second)  # the second figure of the page gets its own id prefix


def test_keys_follow_the_installed_fonts_without_loading_matplotlib(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mmm.present.report import blocks

    table = pd.DataFrame({"channel": ["tv"], "value": [1.0]})
    blocks._drawing_code_hash.cache_clear()
    before = figure_key(_draw_bars, (table, "ROI"))
    assert blocks._fonts_token().startswith(("fontconfig\n", "matplotlib "))
    monkeypatch.setattr(blocks, "_fonts_token", lambda: "fontconfig\n/usr/share/fonts/new.ttc")
    blocks._drawing_code_hash.cache_clear()
    try:
        assert figure_key(_draw_bars, (table, "ROI")) != before  # a font installed: drawn again
    finally:
        monkeypatch.undo()
        blocks._drawing_code_hash.cache_clear()
    assert figure_key(_draw_bars, (table, "ROI")) == before
