"""Building blocks of the report page: tables, blocks, sections, and the writer of CSVs and SVGs.

:mod:`mmm.present.report.render` assembles sections out of these; nothing here knows what a
section says.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from markupsafe import Markup

from mmm.present import plotting
from mmm.present import text as T

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Fmt = Callable[[Any], str]


# ---------------------------------------------------------------------- building blocks
@dataclass
class Table:
    """A table as shown (formatted strings) and its CSV file (raw values)."""

    key: str
    headers: list[tuple[str, str]]  # (heading, css class) per column
    rows: list[list[tuple[str, str]]]  # (text, css class) per cell
    csv: str = ""
    caption: str = ""
    details: list[str] = field(default_factory=list)  # a line under each row ("" for none)


@dataclass
class Block:
    """One piece of a section: a paragraph, a list, tiles, a figure or a table."""

    kind: str
    text: str = ""
    items: list[Any] = field(default_factory=list)
    svg: Markup | None = None
    table: Table | None = None
    csv: str = ""


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)


class Writer:
    """Collects the tables of one report, writes their CSVs and turns figures into SVG."""

    def __init__(self, html_path: Path) -> None:
        self.dir = html_path.parent
        self.stem = html_path.stem
        self.files: dict[str, Path] = {}
        #: every table written, by key, for the workbook (``<stem>.xlsx``)
        self.frames: dict[str, pd.DataFrame] = {}
        self._n = 0

    def csv(self, key: str, frame: pd.DataFrame) -> str:
        """Write ``frame`` as ``<stem>_<key>.csv`` (UTF-8 with BOM, opens in Excel) and return its name."""
        name = f"{self.stem}_{key}.csv"
        frame.to_csv(self.dir / name, index=False, encoding="utf-8-sig")
        self.files[key] = self.dir / name
        self.frames[key] = frame
        return name

    def table(self, key: str, shown: pd.DataFrame, headers: Mapping[str, str], formats: Mapping[str, Fmt] | None = None,
              raw: pd.DataFrame | None = None, classes: Mapping[str, Callable[[Any], str]] | None = None,
              details: str | None = None) -> Table:  # fmt: skip
        """Format the columns of ``shown`` named in ``headers``; write ``raw`` (default ``shown``) as CSV.

        ``details`` names a column of ``shown`` whose text (if any) is shown on a line of its
        own under the row, across the whole table (for sentences too long for a cell).
        """
        formats, classes = formats or {}, classes or {}
        cols = [c for c in headers if c in shown.columns]
        col_class = {c: "num" if c in formats and c not in classes else "" for c in cols}
        rows = []
        for rec in shown[cols].to_dict("records"):
            rows.append(
                [
                    (
                        formats.get(c, plain)(rec[c]),
                        classes[c](rec[c]) if c in classes else col_class[c],
                    )
                    for c in cols
                ]
            )
        heads = [(headers[c], col_class[c]) for c in cols]
        table = Table(key, heads, rows, self.csv(key, shown if raw is None else raw))
        if details is not None and details in shown.columns:
            table.details = [_text(v) for v in shown[details]]
        return table

    def svg(self, fig: Figure) -> Markup:
        """The figure as inline SVG: text as text, no XML prolog, metadata or namespace URLs, unique ids."""
        self._n += 1
        buf = io.StringIO()
        with mpl.rc_context(plotting.style()), warnings.catch_warnings():
            # text stays text in SVG and the browser picks a font that has the glyph
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
            fig.savefig(buf, format="svg", metadata={"Date": None})
        return Markup(clean_svg(buf.getvalue(), f"f{self._n}-"))


_ID_ATTR = re.compile(r'(<[^<>]*?\s)id="')
_NS_ATTR = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def clean_svg(svg: str, prefix: str) -> str:
    """Make matplotlib's SVG safe to inline several times in one HTML page.

    Drops the XML prolog, DOCTYPE and RDF metadata (they name external URLs), the
    namespace attributes (implicit in HTML), uses plain ``href``, and prefixes every id and
    reference with ``prefix`` so figures never share ids.
    """
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _NS_ATTR.sub("", svg)
    svg = svg.replace("xlink:href=", "href=")
    svg = _ID_ATTR.sub(rf'\1id="{prefix}', svg)
    svg = svg.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    return svg.replace("<svg ", '<svg role="img" ', 1)


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and not np.isfinite(v)) else str(v)


def plain(v: Any) -> str:
    """Default cell format: ``–`` for missing, yes / no, two decimals for floats."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return T.DASH
    if isinstance(v, bool | np.bool_):
        return T.YES if v else T.NO
    if isinstance(v, float | np.floating):
        return T.number(v, 2)
    return str(v)


def status_class(v: Any) -> str:
    """CSS class of a PASS / REVIEW / FAIL cell."""
    return f"status status-{v}"


def pre(_v: Any) -> str:
    """CSS class of a cell whose line breaks are kept."""
    return "pre"


#: CSS modifier of each identifiability class (see :mod:`mmm.analysis.identify`)
IDENT_CSS = {"well identified": "well", "weakly identified": "weak", "prior-dominated": "prior"}


def ident_class(v: Any) -> str:
    """CSS class of an identifiability cell: a coloured badge per class, nothing when unknown."""
    return f"ident ident-{IDENT_CSS[v]}" if v in IDENT_CSS else ""
