"""The channel map: which columns hold the KPI, the dates and each channel's inputs.

The map is a small TOML file (parsed with the standard library's ``tomllib``)::

    date = "week"            # date column
    kpi = "revenue"          # sales / revenue column
    # frequency = "W"        # optional: "D", "W" or "M"; inferred otherwise
    [channels.tv]
    media = "paid"           # paid | owned | earned
    spend = "tv_spend"
    [channels.wechat_posts]
    media = "owned"
    activity = "wechat_posts_units"
    social = true
    [channels.mentions]
    media = "earned"
    activity = "social_mentions"
    driven_by = ["weibo", "wechat_posts"]
    negative = "negative_mentions"   # optional: negative mentions among them
    [controls]
    columns = ["price_index"]
    [events.crisis_2024_03]  # optional: named events, modelled as baseline shifts
    kind = "crisis"
    start = "2024-03-04"
    end = "2024-03-31"
    [model]                  # optional: model and sampler settings (ModelSpec field names)
    trend = "piecewise"
    target_accept = 0.95

This module is the one place that knows the schema; everything else receives a
validated :class:`ChannelMap`. The ``[model]`` values are checked for type here and for
range by :class:`mmm.model.spec.ModelSpec` (``ModelSpec.from_channel_map``).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from mmm._dims import MEDIA_TYPES, MediaType
from mmm.data.events import EventConfig, events_to_dict, parse_events
from mmm.exceptions import ConfigError, check_channels, list_some

TOP_KEYS = {
    "date": "name of the date column (required)",
    "kpi": "name of the sales / revenue column (required)",
    "kpi_type": '"revenue" (default) or "units"',
    "frequency": '"D", "W" or "M"; inferred from the dates when absent',
    "week_start": 'weekday a week starts on when daily data is aggregated: "MON" (default) … "SUN"',
    "currency": 'currency symbol or code used in reports, e.g. "¥" (default) or "USD"',
    "brand": "brand name shown in reports",
    "geo": 'region column of a regional panel, e.g. geo = "province" (or a [geo] table with `column` and `population`)',
    "population": "region population: a column name, or a [population] table of region = number",
    "channels": "one [channels.NAME] table per channel",
    "controls": "[controls] table with `columns` and optional `holidays`",
    "events": "one [events.NAME] table per named event (crisis | launch | outage | promotion) with `kind`, `start`, `end` and optional `geo`",
    "model": "[model] table of model and sampler settings (see MODEL_KEYS)",
}
CHANNEL_KEYS = {
    "media": "paid | owned | earned (required)",
    "spend": "spend column in currency (paid channels; required for them)",
    "activity": "activity column, e.g. posts, impressions, mentions (owned and earned; optional for paid)",
    "cost": "cost column for owned channels that have one (gives them an ROI)",
    "social": "true for social-media channels (default false)",
    "platform": 'platform name shown in reports, e.g. "Weibo"',
    "driven_by": "earned channels: channels whose activity generates this earned media",
    "negative": "earned channels: column of negative mentions (`activity` then counts all mentions)",
    "positive": "earned channels with `negative`: column of positive mentions (the rest are neutral)",
    "sentiment": "earned channels: column of a net sentiment score in [-1, 1], (positive − negative) / all mentions",
    "roi_prior": "[median, sigma] of a log-normal prior on ROI (paid, or owned with a cost)",
    "share_prior": "[median, sigma] of a log-normal prior on the share of KPI (owned / earned)",
    "adstock": "carry-over transform name (see mmm.model.transforms.ADSTOCKS)",
    "saturation": "saturation transform name (see mmm.model.transforms.SATURATIONS)",
    "max_lag": "longest carry-over in periods",
    "level": '"regional" (default) or "national": a channel bought nationally, whose column repeats the national figure on every region\'s row; it is split to regions by population (or KPI share)',
}
GEO_KEYS = {
    "column": "the region column (required)",
    "population": "a population column, or a table of region = population",
}
LEVELS = ("regional", "national")
CONTROL_KEYS = {
    "columns": "list of control columns (price, promotions, …)",
    "holidays": 'country code for holiday regressors from the `holidays` package, e.g. "CN"',
}
#: keys of the ``[model]`` table: ModelSpec field names → (kind, what it sets); the defaults
#: live in :class:`mmm.model.spec.ModelSpec` only (``mmm fit --print-spec`` shows them)
MODEL_KEYS: dict[str, tuple[str, str]] = {
    "adstock": ("str", "carry-over transform of every channel (a channel's own `adstock` wins)"),
    "saturation": ("str", "saturation transform of every channel (a channel's own wins)"),
    "max_lag": ("int", "longest carry-over in periods (a channel's own `max_lag` wins)"),
    "roi_prior": ("prior", "[median, sigma] of the ROI prior of channels with a cost"),
    "share_prior": ("prior", "[median, sigma] of the share-of-KPI prior of channels without"),
    "trend": ("str", '"linear", "piecewise" or "none"'),
    "n_changepoints": ("int", "changepoints of a piecewise trend"),
    "fourier_modes": ("int", "yearly Fourier modes of the seasonality (0: none)"),
    "likelihood": ("str", '"lognormal" (multiplicative noise) or "normal"'),
    "holdout_periods": ("int", "last periods kept out of the fit to measure forecasts"),
    "sampler": ("str", '"nutpie", "pymc" or "numpyro"'),
    "method": ("str", '"mcmc", or "map" for an APPROXIMATE preview'),
    "chains": ("int", "MCMC chains"),
    "draws": ("int", "draws per chain"),
    "tune": ("int", "tuning steps per chain"),
    "seed": ("int", "random seed"),
    "national_effect": ("bool", "regional fits: a weekly effect shared by every region (true/false)"),
    "geo_spread": ("float", "regional fits: scale of how far a region's log-ROI may sit from the national one"),
    "target_accept": ("float", "NUTS target acceptance rate in (0, 1); higher: smaller steps"),
}
FREQUENCIES = ("D", "W", "M")
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
KPI_TYPES = ("revenue", "units")


@dataclass(frozen=True)
class ChannelConfig:
    """One channel of the map.

    Paid channels carry ``spend`` (and optionally ``activity``, e.g. impressions, which
    then drives the model while spend stays the cost). Owned and earned channels carry
    ``activity``; owned channels may add a ``cost`` column and then get an ROI. Earned
    channels list the channels that generate them in ``driven_by``, and may say how their
    mentions split by sentiment: ``negative`` (a column of negative mentions; ``activity``
    counts all of them), optionally ``positive``, or ``sentiment`` (a net score in [-1, 1]).
    """

    name: str
    media: MediaType
    spend: str | None = None
    activity: str | None = None
    cost: str | None = None
    social: bool = False
    platform: str | None = None
    driven_by: tuple[str, ...] = ()
    roi_prior: tuple[float, float] | None = None
    share_prior: tuple[float, float] | None = None
    adstock: str | None = None
    saturation: str | None = None
    max_lag: int | None = None
    level: str = "regional"
    negative: str | None = None
    positive: str | None = None
    sentiment: str | None = None

    @property
    def has_sentiment(self) -> bool:
        """Whether the channel's mentions are split by sentiment (``negative`` or ``sentiment``)."""
        return bool(self.negative or self.sentiment)

    @property
    def input_column(self) -> str:
        """Column that drives the model: activity if given, else spend."""
        col = self.activity or self.spend
        assert col is not None  # guaranteed by ChannelMap validation
        return col

    @property
    def cost_column(self) -> str | None:
        """Column holding what the channel cost (spend for paid, cost for owned)."""
        return self.spend if self.media == "paid" else self.cost

    @property
    def columns(self) -> tuple[str, ...]:
        """Every data column this channel reads."""
        cols = (self.spend, self.activity, self.cost, self.negative, self.positive, self.sentiment)
        return tuple(c for c in cols if c)


@dataclass(frozen=True)
class ChannelMap:
    """Validated channel map. Build it with :meth:`from_toml` or :meth:`from_dict`.

    Examples
    --------
    >>> cmap = ChannelMap.from_dict({
    ...     "date": "week", "kpi": "revenue",
    ...     "channels": {"tv": {"media": "paid", "spend": "tv_spend"}},
    ... })
    >>> cmap.channel_names
    ('tv',)
    """

    date: str
    kpi: str
    channels: tuple[ChannelConfig, ...]
    controls: tuple[str, ...] = ()
    holidays: str | None = None
    kpi_type: str = "revenue"
    frequency: str | None = None
    week_start: str = "MON"
    currency: str = "¥"
    brand: str | None = None
    #: region column of a regional panel (None: one national series)
    geo: str | None = None
    #: population per region: a column name …
    population: str | None = None
    #: … or a table region → population
    population_table: Mapping[str, float] | None = None
    #: the ``[model]`` table: ModelSpec settings by field name (type-checked, see MODEL_KEYS)
    model: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: named events (crisis, launch, outage, promotion), one entry per window
    events: tuple[EventConfig, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_toml(cls, source: str | Path) -> ChannelMap:
        """Read a channel map from a TOML file path or TOML text.

        Raises
        ------
        ConfigError
            With the line and column for TOML syntax errors, or naming the key and what
            is allowed for schema errors.
        """
        text, where = _read_source(source)
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = getattr(exc, "lineno", None)
            loc = f" at line {line}" if line else ""
            raise ConfigError(f"Channel map {where} is not valid TOML{loc}: {exc}.") from None
        return cls.from_dict(raw, where=where)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], where: str = "") -> ChannelMap:
        """Build and validate a channel map from a plain mapping (as TOML parses it)."""
        where = where or "(dict)"
        _check_keys(raw, TOP_KEYS, f"channel map {where}")
        for key in ("date", "kpi"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise ConfigError(
                    f"Channel map {where}: `{key}` is required and must be a column name "
                    f'(a string), e.g. {key} = "{"week" if key == "date" else "revenue"}".'
                )
        chans_raw = raw.get("channels")
        if not isinstance(chans_raw, Mapping) or not chans_raw:
            raise ConfigError(
                f"Channel map {where}: at least one [channels.NAME] table is required, "
                'e.g.\n[channels.tv]\nmedia = "paid"\nspend = "tv_spend"'
            )
        channels = tuple(_channel(name, spec, where) for name, spec in chans_raw.items())
        names = [c.name for c in channels]
        for ch in channels:
            unknown = [s for s in ch.driven_by if s not in names]
            if unknown:
                raise ConfigError(
                    f"Channel map {where}: earned channel {ch.name!r} is driven_by unknown "
                    f"channel(s) {list_some(unknown)}; known channels are {list_some(names, 50)}."
                )
            bad = [s for s in ch.driven_by if s == ch.name]
            if bad:
                raise ConfigError(f"Channel map {where}: channel {ch.name!r} cannot drive itself.")
            earned_src = [s for s in ch.driven_by if _by_name(channels, s).media == "earned"]
            if earned_src:
                raise ConfigError(
                    f"Channel map {where}: earned channel {ch.name!r} is driven_by earned "
                    f"channel(s) {list_some(earned_src)}; sources must be paid or owned."
                )
        if not any(c.media != "earned" for c in channels):
            raise ConfigError(
                f"Channel map {where}: at least one paid or owned channel is required."
            )

        ctrl = raw.get("controls", {})
        if not isinstance(ctrl, Mapping):
            raise ConfigError(f"Channel map {where}: [controls] must be a table with `columns`.")
        _check_keys(ctrl, CONTROL_KEYS, f"[controls] of {where}")
        columns = ctrl.get("columns", [])
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ConfigError(
                f"Channel map {where}: controls.columns must be a list of column names."
            )
        holidays = ctrl.get("holidays")
        if holidays is not None:
            holidays = _holiday_country(holidays, where)

        freq = raw.get("frequency")
        if freq is not None:
            freq = str(freq).upper()
            if freq not in FREQUENCIES:
                raise ConfigError(
                    f"Channel map {where}: frequency = {raw['frequency']!r} is not allowed; "
                    f"use one of {', '.join(FREQUENCIES)} (daily data is aggregated to weeks)."
                )
        week_start = str(raw.get("week_start", "MON")).upper()[:3]
        if week_start not in WEEKDAYS:
            raise ConfigError(
                f"Channel map {where}: week_start = {raw.get('week_start')!r} is not a weekday; "
                f"use one of {', '.join(WEEKDAYS)}."
            )
        kpi_type = str(raw.get("kpi_type", "revenue"))
        if kpi_type not in KPI_TYPES:
            raise ConfigError(
                f"Channel map {where}: kpi_type = {kpi_type!r}; allowed: {', '.join(KPI_TYPES)}."
            )
        geo, population, population_table = _geo(raw, where)
        national = [c.name for c in channels if c.level == "national"]
        if national and geo is None:
            raise ConfigError(
                f"Channel map {where}: channel(s) {list_some(national)} have level = \"national\", "
                "which only means something for a regional panel; set `geo` (the region column) "
                "or remove `level`."
            )
        events = parse_events(raw.get("events"), where)
        regional = [e.label for e in events if e.geo]
        if regional and geo is None:
            raise ConfigError(
                f"Channel map {where}: event(s) {list_some(regional)} name regions (`geo`), which "
                "only means something for a regional panel; set `geo` (the region column) or "
                "remove the event's `geo`."
            )
        used = [raw["date"], raw["kpi"], *columns] + [c for ch in channels for c in ch.columns]
        used += [c for c in (geo, population) if c]
        dupes = sorted({c for c in used if used.count(c) > 1})
        if dupes:
            raise ConfigError(
                f"Channel map {where}: column(s) {list_some(dupes)} are used more than once; "
                "each column may feed one role only."
            )
        return cls(
            date=raw["date"],
            kpi=raw["kpi"],
            channels=channels,
            controls=tuple(columns),
            holidays=holidays,
            kpi_type=kpi_type,
            frequency=freq,
            week_start=week_start,
            currency=str(raw.get("currency", "¥")),
            brand=raw.get("brand"),
            geo=geo,
            population=population,
            population_table=population_table,
            model=model_section(raw.get("model", {}), where),
            events=events,
        )

    # ------------------------------------------------------------------ accessors
    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    def channel(self, name: str) -> ChannelConfig:
        """The channel called ``name`` (KeyError naming the known channels otherwise)."""
        for c in self.channels:
            if c.name == name:
                return c
        check_channels([name], self.channel_names, "the channel map")
        raise AssertionError("unreachable")  # pragma: no cover

    @property
    def sentiment_channels(self) -> tuple[str, ...]:
        """Earned channels whose mentions are split by sentiment."""
        return tuple(c.name for c in self.channels if c.has_sentiment)

    def by_media(self, media: str) -> tuple[ChannelConfig, ...]:
        return tuple(c for c in self.channels if c.media == media)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every data column the map reads, in a stable order."""
        cols = [self.date, self.kpi]
        for ch in self.channels:
            cols.extend(ch.columns)
        cols.extend(self.controls)
        return tuple(cols)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A plain mapping that :meth:`from_dict` accepts (round-trips)."""
        out: dict[str, Any] = {"date": self.date, "kpi": self.kpi}
        for key in ("kpi_type", "frequency", "week_start", "currency", "brand", "geo"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        if self.population is not None:
            out["population"] = self.population
        chans: dict[str, Any] = {}
        for ch in self.channels:
            d = {k: v for k, v in asdict(ch).items() if k != "name" and v not in (None, (), False)}
            if d.get("level") == "regional":
                del d["level"]
            for k in ("driven_by", "roi_prior", "share_prior"):
                if k in d:
                    d[k] = list(d[k])
            chans[ch.name] = d
        out["channels"] = chans
        ctrl: dict[str, Any] = {"columns": list(self.controls)}
        if self.holidays:
            ctrl["holidays"] = self.holidays
        out["controls"] = ctrl
        if self.population_table is not None:
            out["population"] = dict(self.population_table)
        if self.model:
            out["model"] = {
                k: list(v) if isinstance(v, tuple) else v for k, v in self.model.items()
            }
        if self.events:
            out["events"] = events_to_dict(self.events)
        return out

    def to_toml(self) -> str:
        """TOML text for this map (readable by :meth:`from_toml`)."""
        return dict_to_toml(self.to_dict())


# ---------------------------------------------------------------------- helpers
def _read_source(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and source.endswith(".toml")
    ):
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"Channel map file {str(path)!r} does not exist.")
        return path.read_text(encoding="utf-8"), repr(str(path))
    return str(source), "(text)"


def _check_keys(raw: Mapping[str, Any], allowed: Mapping[str, str], where: str) -> None:
    unknown = [k for k in raw if k not in allowed]
    if unknown:
        allowed_txt = "; ".join(f"{k}: {v}" for k, v in allowed.items())
        raise ConfigError(
            f"Unknown key(s) {list_some(unknown)} in {where}. Allowed keys — {allowed_txt}."
        )


def _channel(name: str, spec: Any, where: str) -> ChannelConfig:
    ctx = f"channel map {where}, [channels.{_toml_key(name)}]"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"In {ctx}: expected a table of keys, got {spec!r}.")
    _check_keys(spec, CHANNEL_KEYS, ctx)
    media = spec.get("media")
    if media not in MEDIA_TYPES:
        raise ConfigError(
            f"In {ctx}: media = {media!r} is not a media type; allowed: {', '.join(MEDIA_TYPES)}."
        )
    for key in ("spend", "activity", "cost", "platform", "adstock", "saturation"):
        if key in spec and not (isinstance(spec[key], str) and spec[key]):
            raise ConfigError(f"In {ctx}: `{key}` must be a non-empty string, got {spec[key]!r}.")
    if media == "paid" and not spec.get("spend"):
        raise ConfigError(f"In {ctx}: paid channels need a `spend` column.")
    if media == "earned":
        for key in ("spend", "cost"):
            if key in spec:
                raise ConfigError(
                    f"In {ctx}: earned channel {name!r} was given a `{key}` column ({spec[key]!r}); "
                    "earned media is not bought — give its `activity` (mentions, shares) and the "
                    "channels that drive it in `driven_by`."
                )
    if media in ("owned", "earned") and not spec.get("activity"):
        raise ConfigError(
            f"In {ctx}: {media} channels need an `activity` column (posts, mentions, …)."
        )
    if media == "paid" and "cost" in spec:
        raise ConfigError(f"In {ctx}: paid channels state their cost in `spend`, not `cost`.")
    _sentiment_keys(spec, media, ctx)
    driven_by = spec.get("driven_by", [])
    if isinstance(driven_by, str):
        driven_by = [driven_by]
    if driven_by and media != "earned":
        raise ConfigError(f"In {ctx}: only earned channels take `driven_by` (this one is {media}).")
    if not isinstance(driven_by, list) or not all(isinstance(s, str) for s in driven_by):
        raise ConfigError(f"In {ctx}: driven_by must be a list of channel names.")
    social = spec.get("social", False)
    if not isinstance(social, bool):
        raise ConfigError(f"In {ctx}: social must be true or false, got {social!r}.")
    level = spec.get("level", "regional")
    if level not in LEVELS:
        raise ConfigError(f"In {ctx}: level = {level!r}; allowed: {', '.join(LEVELS)}.")
    if level == "national" and media == "earned":
        raise ConfigError(
            f"In {ctx}: earned channels are measured where they happen; level = \"national\" is for "
            "paid or owned channels bought nationally."
        )
    max_lag = spec.get("max_lag")
    if max_lag is not None and (
        not isinstance(max_lag, int) or isinstance(max_lag, bool) or max_lag < 1
    ):
        raise ConfigError(f"In {ctx}: max_lag must be a positive integer, got {max_lag!r}.")
    return ChannelConfig(
        name=str(name),
        media=cast(MediaType, media),
        spend=spec.get("spend"),
        activity=spec.get("activity"),
        cost=spec.get("cost"),
        social=social,
        platform=spec.get("platform"),
        driven_by=tuple(driven_by),
        roi_prior=_prior(spec, "roi_prior", ctx),
        share_prior=_prior(spec, "share_prior", ctx),
        adstock=spec.get("adstock"),
        saturation=spec.get("saturation"),
        max_lag=max_lag,
        level=level,
        negative=spec.get("negative"),
        positive=spec.get("positive"),
        sentiment=spec.get("sentiment"),
    )


def _sentiment_keys(spec: Mapping[str, Any], media: str, ctx: str) -> None:
    """``negative`` / ``positive`` / ``sentiment``: earned channels only, one way of saying it."""
    given = [k for k in ("negative", "positive", "sentiment") if k in spec]
    if not given:
        return
    if media != "earned":
        raise ConfigError(
            f"In {ctx}: sentiment column(s) {list_some(given)} may only be set on an earned "
            f"channel (mentions split by sentiment); this one is {media}. Put them on the earned "
            "channel that counts the mentions."
        )
    for key in given:
        if not (isinstance(spec[key], str) and spec[key]):
            raise ConfigError(f"In {ctx}: `{key}` must be a column name, got {spec[key]!r}.")
    if "sentiment" in spec and ("negative" in spec or "positive" in spec):
        raise ConfigError(
            f"In {ctx}: give either counts (`negative`, optionally `positive`) or a net score "
            "(`sentiment`), not both."
        )
    if "positive" in spec and "negative" not in spec:
        raise ConfigError(
            f"In {ctx}: `positive` needs `negative` too (the model separates negative mentions); "
            "with positive counts only, give the negative ones as well."
        )


def _geo(raw: Mapping[str, Any], where: str) -> tuple[str | None, str | None, dict[str, float] | None]:
    """(region column, population column, population table) from `geo` / `population` / [geo]."""
    geo, population = raw.get("geo"), raw.get("population")
    if isinstance(geo, Mapping):
        _check_keys(geo, GEO_KEYS, f"[geo] of {where}")
        if population is not None and "population" in geo:
            raise ConfigError(
                f"Channel map {where}: population is given twice (top level and in [geo]); keep one."
            )
        population = geo.get("population", population)
        geo = geo.get("column")
    if geo is not None and not (isinstance(geo, str) and geo):
        raise ConfigError(
            f'Channel map {where}: geo = {geo!r}; expected the region column name, e.g. geo = "province".'
        )
    if population is None:
        return geo, None, None
    if geo is None:
        raise ConfigError(
            f"Channel map {where}: population is only used with a regional panel; set `geo` too."
        )
    if isinstance(population, str) and population:
        return geo, population, None
    if isinstance(population, Mapping) and population:
        table = {}
        for region, value in population.items():
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            if not ok:
                raise ConfigError(
                    f"Channel map {where}: population of region {region!r} is {value!r}; "
                    "it must be a positive number."
                )
            table[str(region)] = float(value)
        return geo, None, table
    raise ConfigError(
        f"Channel map {where}: population = {population!r}; expected a column name or a table "
        "of region = population."
    )


def _prior(spec: Mapping[str, Any], key: str, ctx: str) -> tuple[float, float] | None:
    val = spec.get(key)
    if val is None:
        return None
    ok = (
        isinstance(val, list)
        and len(val) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in val)
        and val[0] > 0
        and val[1] > 0
    )
    if not ok:
        raise ConfigError(
            f"In {ctx}: {key} = {val!r}; expected [median, sigma] of a log-normal prior, "
            "both positive, e.g. [1.5, 0.7]."
        )
    return (float(val[0]), float(val[1]))


def model_section(section: Any, where: str = "(dict)") -> dict[str, Any]:
    """The ``[model]`` table, type-checked against :data:`MODEL_KEYS` (priors become tuples).

    Ranges and allowed names are checked by ``ModelSpec`` when the spec is built from the map.

    >>> model_section({"trend": "none", "roi_prior": [1.5, 0.5]})
    {'trend': 'none', 'roi_prior': (1.5, 0.5)}
    """
    ctx = f"[model] of channel map {where}"
    if not isinstance(section, Mapping):
        raise ConfigError(f"In {ctx}: expected a table of settings, got {section!r}.")
    unknown = [k for k in section if k not in MODEL_KEYS]
    if unknown:
        allowed = "; ".join(f"{k} ({kind}): {what}" for k, (kind, what) in MODEL_KEYS.items())
        raise ConfigError(
            f"Unknown key(s) {list_some(unknown)} in {ctx}. Allowed keys — {allowed}."
        )
    out: dict[str, Any] = {}
    for key, val in section.items():
        kind = MODEL_KEYS[key][0]
        if kind == "prior":
            out[key] = _prior(section, key, ctx)
            continue
        ok = {
            "str": isinstance(val, str),
            "int": isinstance(val, int) and not isinstance(val, bool),
            "float": isinstance(val, int | float) and not isinstance(val, bool),
            "bool": isinstance(val, bool),
        }[kind]
        if not ok:
            example = {"str": '"text"', "int": "an integer", "float": "a number", "bool": "true or false"}[kind]
            raise ConfigError(
                f"In {ctx}: {key} = {val!r}; expected {example} ({MODEL_KEYS[key][1]})."
            )
        out[key] = float(val) if kind == "float" else val
    return out


def _holiday_country(code: Any, where: str) -> str:
    from holidays.registry import COUNTRIES  # the codes, without importing every country

    countries = {c for v in COUNTRIES.values() for c in v[1:] if c.isupper() and len(c) in (2, 3)}
    if not isinstance(code, str) or code.upper() not in countries:
        raise ConfigError(
            f"Channel map {where}: controls.holidays = {code!r} is not a country code known "
            f'to the `holidays` package; use an ISO code such as "CN", "US", "GB".'
        )
    return code.upper()


def _by_name(channels: Sequence[ChannelConfig], name: str) -> ChannelConfig:
    return next(c for c in channels if c.name == name)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(key: str) -> str:
    return (
        key if _BARE_KEY.match(key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} to TOML")


def dict_to_toml(d: Mapping[str, Any]) -> str:
    """Write the channel-map subset of TOML (scalars, lists, one level of tables)."""
    lines = [
        f"{_toml_key(k)} = {_toml_value(v)}" for k, v in d.items() if not isinstance(v, Mapping)
    ]
    for k, v in d.items():
        if not isinstance(v, Mapping):
            continue
        if k == "channels":
            for name, spec in v.items():
                lines.append("")
                lines.append(f"[channels.{_toml_key(name)}]")
                lines.extend(f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in spec.items())
        elif k == "events":
            for name, spec in v.items():
                for window in spec if isinstance(spec, list) else [spec]:
                    head = f"events.{_toml_key(name)}"
                    lines.append("")
                    lines.append(f"[[{head}]]" if isinstance(spec, list) else f"[{head}]")
                    lines.extend(f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in window.items())
        else:
            lines.append("")
            lines.append(f"[{_toml_key(k)}]")  # [controls], [population]
            lines.extend(f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in v.items())
    return "\n".join(lines) + "\n"
