"""Building blocks of the report page: tables, blocks, sections, and the writer of CSVs and SVGs.

:mod:`mmm.present.report.render` assembles sections out of these; nothing here knows what a
section says.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
        return Markup(clean_svg(_svg_text(fig), f"f{self._n}-"))

    def chart(self, draw: Callable[..., Figure], *args: Any) -> Markup:
        """``self.svg(draw(*args))``, reusing the SVG of an earlier report drawn from equal inputs.

        Drawing is most of a report's time (matplotlib lays out and renders each figure
        twice). A figure is a function of the drawing code and its inputs, so its SVG is kept
        in :func:`figure_cache_dir` under a hash of both (:func:`figure_key`); a report of
        the same run (another title, another budget: the charts that do not show the plan)
        draws only what changed. Inputs that cannot be hashed are drawn every time.
        """
        key = figure_key(draw, args)
        path = None if key is None else figure_cache_dir() / f"{key}.svg"
        text = _read(path) if path is not None else None
        if text is None:
            text = _svg_text(draw(*args))
            if path is not None:
                _write_cached(path, text)
        self._n += 1
        return Markup(clean_svg(text, f"f{self._n}-"))


#: figures kept in the cache (oldest dropped first)
FIGURE_CACHE_SIZE = 400


def figure_cache_dir() -> Path:
    """``$MMM_FIGURE_CACHE``, else ``$XDG_CACHE_HOME/mmm/figures`` (``~/.cache/mmm/figures``)."""
    import os

    if os.environ.get("MMM_FIGURE_CACHE"):
        return Path(os.environ["MMM_FIGURE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mmm" / "figures"


def figure_key(draw: Callable[..., Any], args: tuple[Any, ...]) -> str | None:
    """Hash of a figure's inputs, its drawing code, the chart style and the library versions.

    None when an input does not pickle (the figure is then simply drawn).
    """
    import hashlib
    import pickle

    try:
        payload = pickle.dumps(_canonical(args), protocol=5)
    except Exception:  # noqa: BLE001 - e.g. an input holding a lambda: draw it, do not cache
        return None
    h = hashlib.sha256(payload)
    h.update(f"{getattr(draw, '__module__', '')}.{getattr(draw, '__qualname__', draw)!r}".encode())
    h.update(_drawing_code_hash().encode())
    return h.hexdigest()[:32]


def _canonical(obj: Any) -> Any:
    """``obj`` for hashing: dates in one unit (ns), floats to single precision, dataclasses as tuples.

    The same chart's inputs differ in such details between the process that fitted (dates
    parsed to microseconds) and one that loaded the saved result (nanoseconds; seasonal
    terms then differ in the 16th digit). An SVG draws coordinates to far fewer digits, so
    inputs equal to single precision draw the same figure.
    """
    import dataclasses

    if isinstance(obj, pd.DataFrame):  # its values, not pandas' layout of them in memory
        columns = [_canonical(obj.iloc[:, j]) for j in range(obj.shape[1])]
        return ("DataFrame", list(obj.columns), list(obj.columns.names), _values(obj.index), columns)
    if isinstance(obj, pd.Series):
        return ("Series", obj.name, _values(obj.index), _values(obj))
    if isinstance(obj, np.ndarray):
        if np.issubdtype(obj.dtype, np.datetime64):
            return obj.astype("datetime64[ns]")
        return obj.astype("float32") if np.issubdtype(obj.dtype, np.floating) else obj
    if isinstance(obj, float | np.floating):
        return np.float32(obj)
    if isinstance(obj, pd.Timestamp):
        return obj.as_unit("ns")
    if isinstance(obj, list | tuple):
        return type(obj)(_canonical(v) for v in obj)
    if isinstance(obj, dict):
        return {k: _canonical(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = dataclasses.fields(obj)
        return (type(obj).__qualname__, *(_canonical(getattr(obj, f.name)) for f in fields))
    return obj


def _values(values: pd.Series | pd.Index) -> np.ndarray:
    """The values of a Series or an Index as one NumPy array (dates in ns, floats in single precision)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return np.asarray(pd.Series(values).dt.as_unit("ns").to_numpy())
    if pd.api.types.is_float_dtype(values):
        return np.asarray(values.to_numpy(), dtype="float32")
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_integer_dtype(values):
        return np.asarray(values.to_numpy())
    return np.array([_plain(v) for v in values.to_numpy(dtype=object)], dtype=object)


def _plain(v: Any) -> Any:
    """A Python scalar for a NumPy one (``np.str_("tv")`` pickles unlike ``"tv"``)."""
    if isinstance(v, np.generic):
        return v.item()
    return str(v) if isinstance(v, str) else v


@functools.cache
def _drawing_code_hash() -> str:
    """What else a figure depends on: the drawing and wording code, the style, the versions, the fonts.

    Found without loading matplotlib (its version from the package metadata, the fonts from
    :func:`_fonts_token`), so that a report whose figures are all cached never loads it.
    """
    import hashlib
    import inspect
    from importlib import metadata

    from mmm import __version__
    from mmm.present import sections

    h = hashlib.sha256(f"mmm {__version__} matplotlib {metadata.version('matplotlib')}".encode())
    for module in (plotting, T, sections):
        h.update(inspect.getsource(module).encode())
    h.update(repr(sorted(plotting.STYLE.items(), key=str)).encode())
    h.update(_fonts_token().encode())
    return h.hexdigest()


def _fonts_token() -> str:
    """What the fonts of a chart depend on: the font files fontconfig knows (a few milliseconds).

    Matplotlib finds a system's fonts through fontconfig, so a font installed or removed
    changes this list, and with it every figure's key. Without fontconfig: the families
    matplotlib resolves (:func:`mmm.present.plotting.chart_fonts`, which loads matplotlib).
    """
    import shutil
    import subprocess

    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        try:
            found = subprocess.run(
                [fc_list, "-f", "%{file}\\n"],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found.strip():
            return "fontconfig\n" + "\n".join(sorted(set(found.splitlines())))
    return f"matplotlib {plotting.chart_fonts()!r}"


def _svg_text(fig: Figure) -> str:
    import matplotlib as mpl

    buf = io.StringIO()
    with mpl.rc_context(plotting.style()), warnings.catch_warnings():
        # text stays text in SVG and the browser picks a font that has the glyph
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text if text.rstrip().endswith("</svg>") else None  # a cut file is redrawn


def _write_cached(path: Path, text: str) -> None:
    """Save atomically (temporary name, then rename); keep the cache to FIGURE_CACHE_SIZE files."""
    import os

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        files = sorted(path.parent.glob("*.svg"), key=lambda p: p.stat().st_mtime)
        for old in files[:-FIGURE_CACHE_SIZE]:
            old.unlink(missing_ok=True)
    except OSError:  # a read-only home: the report is still written, just not cached
        return


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
