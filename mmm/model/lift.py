"""Lift tests: an experiment's design and measured outcome, as the model takes them.

A :class:`LiftTest` describes an experiment the brand ran, not a model quantity::

    LiftTest("weibo", "2024-10-07", "2024-12-23", lift=-1.2e6, se=3e5, change=-1.0)

says: weibo went dark (``change=-1.0``; ``+0.5`` = 50% more spend) from 7 October to 23
December, and the KPI over those weeks and the weeks its carry-over reached was ¥1.2M lower
than it would have been (standard error ¥0.3M). ``spend_change`` gives the change in currency
instead (``spend_change=-2.4e6``: ¥2.4M less spent over the window).

**What the model compares it with** (``kind="counterfactual"``, the default). The dataset holds
the channel's business-as-usual spend in the window: the spend the test changed. The model
computes KPI with the changed spend minus KPI as in the data, from the test's first period to
the end of the data (the window plus the carry-over tail, through earned media for a channel
that generates it), and the lift is a normal observation of that with standard error ``se``.
When the data already shows the test (a national go-dark test: zero spend in those weeks),
describe the test the other way round, as restoring the withheld spend:
``spend_change=+2.4e6`` with the measured drop as a positive ``lift``.

**The older form** (``kind="contribution"``): ``lift`` is the channel's whole contribution over
``start..end`` at the spend in the data (direct plus through earned media), with no spend
change. Experiments rarely measure that directly; it is kept for tables written before
version 0.3 (a CSV without ``kind``, ``change`` or ``spend_change`` columns is read so, with a
warning).

Tables: CSV (or a DataFrame) with columns ``channel, start, end, lift, se`` and any of
``change, spend_change, geo, kind`` (``geo``: region names separated by ``;``), or a TOML file
with one ``[[lift_tests]]`` table per test with the same keys (``geo`` a list).
"""

from __future__ import annotations

import tomllib
import warnings
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from mmm.exceptions import ConfigError, list_some

Kind = Literal["counterfactual", "contribution"]
KINDS = ("counterfactual", "contribution")
#: required columns / keys of a lift-test table
REQUIRED = ("channel", "start", "end", "lift", "se")
#: optional columns / keys
OPTIONAL = ("change", "spend_change", "geo", "kind")
#: separator of region names in a CSV ``geo`` cell
GEO_SEPARATOR = ";"


@dataclass(frozen=True)
class LiftTest:
    """A measured experiment on one channel (see the module docstring for what the model does with it).

    Parameters
    ----------
    channel : str
        The channel whose spend the test changed (paid, or owned).
    start, end : date-like
        First and last period of the test (inclusive).
    lift : float
        Measured incremental KPI (currency for revenue): KPI with the changed spend minus KPI
        without the change, over the test window and its carry-over tail. Negative for a
        spend cut.
    se : float
        Its standard error (> 0).
    spend_change : float, optional
        The change in spend over the window, in currency (negative = less spent); spread
        over the window's periods in proportion to the spend in the data (evenly when it
        spent nothing there).
    change : float, optional
        The change as a fraction of the spend in the data: ``-1.0`` = go dark, ``0.5`` = +50%.
        Give exactly one of ``spend_change`` and ``change``.
    geo : tuple of str, optional
        Regions in the test cell, for a regional dataset; a national dataset rejects it.
    kind : {"counterfactual", "contribution"}
        ``"counterfactual"`` (default): the lift of the spend change. ``"contribution"``: the
        older form, ``lift`` = the channel's contribution over the window (no spend change).

    Examples
    --------
    >>> LiftTest("weibo", "2024-10-07", "2024-12-23", -1.2e6, 3e5, change=-1.0).window
    '2024-10-07..2024-12-23'
    """

    channel: str
    start: pd.Timestamp
    end: pd.Timestamp
    lift: float
    se: float
    _: KW_ONLY
    spend_change: float | None = None
    change: float | None = None
    geo: tuple[str, ...] | None = None
    kind: Kind = "counterfactual"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", pd.Timestamp(self.start))
        object.__setattr__(self, "end", pd.Timestamp(self.end))
        if isinstance(self.geo, str):
            object.__setattr__(self, "geo", (self.geo,))
        elif self.geo is not None:
            object.__setattr__(self, "geo", tuple(self.geo))
        for step in (self._validate_numbers, self._validate_kind, self._validate_geo):
            step()

    @property
    def window(self) -> str:
        """``"start..end"`` as ISO dates (for messages)."""
        return f"{self.start.date()}..{self.end.date()}"

    def _where(self) -> str:
        return f"Lift test for channel {self.channel!r} ({self.window})"

    def _validate_numbers(self) -> None:
        if self.end < self.start:
            raise ConfigError(
                f"Lift test for channel {self.channel!r}: end {self.end.date()} is before start {self.start.date()}."
            )
        if not (np.isfinite(self.se) and self.se > 0):
            raise ConfigError(f"{self._where()}: se == {self.se}, must be > 0.")
        if not np.isfinite(self.lift):
            raise ConfigError(
                f"{self._where()}: lift == {self.lift}; it must be a finite number in KPI units."
            )

    def _validate_kind(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(
                f"{self._where()}: kind == {self.kind!r}; allowed: {', '.join(KINDS)}."
            )
        given = [n for n in ("spend_change", "change") if getattr(self, n) is not None]
        if self.kind == "contribution":
            if given:
                raise ConfigError(
                    f"{self._where()}: kind='contribution' takes no {given[0]} (its lift is the channel's "
                    "contribution at the spend in the data); drop it, or use kind='counterfactual'."
                )
            return
        if len(given) != 1:
            what = "both" if given else "neither of"
            raise ConfigError(
                f"{self._where()}: gives {what} spend_change and change; give exactly one: "
                "spend_change in currency (e.g. -2400000) or change as a fraction of the spend "
                "(-1.0 = go dark, 0.5 = +50%). For a lift that is the channel's contribution over "
                "the window, set kind='contribution'."
            )
        if self.change is not None and not (
            np.isfinite(self.change) and self.change >= -1 and self.change != 0
        ):
            raise ConfigError(
                f"{self._where()}: change == {self.change}; it must be >= -1.0 (go dark) and not 0."
            )
        if self.spend_change is not None and not (
            np.isfinite(self.spend_change) and self.spend_change != 0
        ):
            raise ConfigError(
                f"{self._where()}: spend_change == {self.spend_change}; it must be a non-zero amount of currency."
            )

    def _validate_geo(self) -> None:
        if self.geo is None:
            return
        bad = [g for g in self.geo if not isinstance(g, str) or not g.strip()]
        if not self.geo or bad:
            raise ConfigError(
                f"{self._where()}: geo == {self.geo!r}; it must list at least one region name "
                "(or be left out for a national test)."
            )
        dupes = sorted({g for g in self.geo if self.geo.count(g) > 1})
        if dupes:
            raise ConfigError(f"{self._where()}: geo names {list_some(dupes)} more than once.")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "channel": self.channel,
            "start": self.start.date().isoformat(),
            "end": self.end.date().isoformat(),
            "lift": self.lift,
            "se": self.se,
            "kind": self.kind,
        }
        for name in ("spend_change", "change"):
            if getattr(self, name) is not None:
                d[name] = getattr(self, name)
        if self.geo is not None:
            d["geo"] = list(self.geo)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LiftTest:
        """Inverse of :meth:`to_dict`; a dict without ``kind`` and without a change is the older form."""
        d = dict(d)
        if "kind" not in d and d.get("change") is None and d.get("spend_change") is None:
            d["kind"] = "contribution"  # results saved before version 0.3
        return cls(**d)


# ---------------------------------------------------------------------- tables
def read_lift_tests(source: Any) -> tuple[LiftTest, ...]:
    """Lift tests from a CSV or TOML path, or a DataFrame (see the module docstring for the columns).

    A bad row is named by its number and channel. A table with none of the columns
    ``kind``, ``change`` and ``spend_change`` is the older form (``kind="contribution"``):
    it is read so, with a ``FutureWarning``.
    """
    if isinstance(source, pd.DataFrame):
        return _from_frame(source, "the lift-test table")
    path = Path(source)
    if path.suffix.lower() == ".toml":
        return _from_toml(path)
    return _from_frame(pd.read_csv(path), str(path))


def _from_frame(df: pd.DataFrame, where: str) -> tuple[LiftTest, ...]:
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ConfigError(
            f"{where} lacks column(s) {list_some(missing)}; it needs {list(REQUIRED)}."
        )
    unknown = [c for c in df.columns if c not in (*REQUIRED, *OPTIONAL)]
    if unknown:
        raise ConfigError(
            f"{where} has unknown column(s) {list_some(unknown)}; allowed: {list(REQUIRED + OPTIONAL)}."
        )
    legacy = not any(c in df.columns for c in ("kind", "change", "spend_change"))
    if legacy and len(df):
        warnings.warn(
            f"{where} has no change, spend_change or kind column: read as kind='contribution' "
            "(each lift is the channel's contribution over its window). Add a change column "
            "(-1.0 = went dark, 0.5 = +50%) or spend_change (currency) to describe the experiment.",
            FutureWarning,
            stacklevel=3,
        )
    out = []
    for i, row in enumerate(df.to_dict("records")):
        rec = {k: v for k, v in row.items() if not _blank(v)}
        if "geo" in rec:
            rec["geo"] = tuple(g.strip() for g in str(rec["geo"]).split(GEO_SEPARATOR))
        if legacy:
            rec["kind"] = "contribution"
        out.append(_make(rec, f"{where}, row {i + 1}"))
    return tuple(out)


def _from_toml(path: Path) -> tuple[LiftTest, ...]:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}).") from None
    extra = [k for k in raw if k != "lift_tests"]
    tests = raw.get("lift_tests")
    if extra or not isinstance(tests, list):
        raise ConfigError(
            f"{path}: expected one [[lift_tests]] table per test (keys {list(REQUIRED + OPTIONAL)}); "
            f"found {list_some(list(raw)) or 'nothing'}."
        )
    out = []
    for i, rec in enumerate(tests):
        where = f"{path}, [[lift_tests]] number {i + 1}"
        missing = [k for k in REQUIRED if k not in rec]
        unknown = [k for k in rec if k not in (*REQUIRED, *OPTIONAL)]
        if missing or unknown:
            raise ConfigError(
                f"{where}: "
                + (
                    f"lacks {list_some(missing)}"
                    if missing
                    else f"has unknown key(s) {list_some(unknown)}"
                )
                + f"; keys: {list(REQUIRED)} and optionally {list(OPTIONAL)}."
            )
        out.append(_make(dict(rec), where))
    return tuple(out)


def _make(rec: dict[str, Any], where: str) -> LiftTest:
    try:
        for k in ("lift", "se", "change", "spend_change"):
            if k in rec:
                rec[k] = float(rec[k])
        rec["channel"] = str(rec["channel"])
        return LiftTest(**rec)
    except (TypeError, ValueError) as exc:  # a ConfigError is a ValueError: named with its row
        raise ConfigError(f"{where} (channel {rec.get('channel')!r}): {exc}") from None


def _blank(v: Any) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
    )


# ---------------------------------------------------------------------- the spend change
def spread_change(
    series: np.ndarray,
    mask: np.ndarray,
    *,
    change: float | None = None,
    amount: float | None = None,
) -> np.ndarray:
    """The per-period change a test makes to ``series`` (any units): zero outside ``mask``.

    ``change``: a fraction of the series in the window. ``amount``: a total, spread over the
    window in proportion to the series there, or evenly when the series is zero there.

    >>> spread_change(np.array([1.0, 2.0, 3.0, 4.0]), np.array([False, True, True, False]), amount=10.0).tolist()
    [0.0, 4.0, 6.0, 0.0]
    >>> spread_change(np.zeros(3), np.array([True, True, False]), amount=4.0).tolist()
    [2.0, 2.0, 0.0]
    """
    series = np.asarray(series, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    if (change is None) == (amount is None):
        raise ValueError("give exactly one of change and amount")
    if change is not None:
        return np.where(mask, series * change, 0.0)
    inside = series[mask].sum()
    share = series / inside if inside > 0 else np.ones_like(series) / mask.sum()
    return np.where(mask, share * float(amount), 0.0)  # type: ignore[arg-type]
