"""The model's design: scaled inputs, lag tensors and baseline features of one dataset.

:class:`Design` holds every array the model needs, built once from an
:class:`~mmm.data.dataset.MMMDataset` and a :class:`~mmm.model.spec.ModelSpec`; the
forward model that uses them is :mod:`mmm.model.forward`.

Units: each region's KPI is divided by its mean (``kpi_scale``, per region), each channel's
activity by the national mean weekly activity × the region's weight (``input_scale``, so a
half-saturation is a multiple of a typical week's input for a region of that size);
contributions come back in currency by multiplying by the region's ``kpi_scale``.

Sentiment: an earned channel split by sentiment enters the earned path with its mentions that
are not negative (all − negative; its ``input_scale`` is their mean), and its negative mentions
enter apart, as ``negative``: the excess over their usual level (the median over the fitted
periods, per region), in units of the national mean negative mentions × the region's weight.
Named events enter as ``events``, the share of each period's days inside each event's windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.dataset import MMMDataset
from mmm.data.events import event_names, event_regressors
from mmm.exceptions import DataValidationError, list_some
from mmm.model.spec import ModelSpec
from mmm.model.transforms import ADSTOCKS, SATURATIONS, lag_matrix

DEFAULT_MAX_LAG = {"W": 8, "M": 3}
#: bump when the graph built from a design changes, so cached compiled models are not reused
STRUCTURE_VERSION = 1


@dataclass(frozen=True)
class TransformGroup:
    """Channels sharing one transform class; parameters are vectors over ``channels``."""

    transform: Any  # an Adstock or a Saturation instance
    index: np.ndarray  # positions in the full channel list
    channels: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.transform.kind}_{self.transform.name}"

    @property
    def dim(self) -> str:
        return f"{self.key}_channel"

    def param_name(self, param: str) -> str:
        return f"{self.transform.name}_{param}"


@dataclass(frozen=True, eq=False)
class Design:
    """Arrays of the model for one dataset and spec (see the module docstring for units).

    Every data array carries a region axis ``geo`` (length 1 for a national dataset), so the
    model and every downstream computation treat a national series as the one-region panel.
    """

    dates: pd.DatetimeIndex
    geos: tuple[str, ...]
    channels: tuple[str, ...]
    media: tuple[str, ...]
    has_cost: np.ndarray  # (C,) bool
    y: np.ndarray  # (T, G) KPI / kpi_scale of the region
    x: np.ndarray  # (T, G, C) activity / input_scale
    lagged: np.ndarray  # (T, G, C, L)
    lag_mask: np.ndarray  # (C, L): 1 where lag < channel max_lag
    spend_total: np.ndarray  # (G, C) currency over the whole data
    kpi_scale: np.ndarray  # (G,) mean KPI per period of each region
    input_scale: np.ndarray  # (G, C) national mean activity per period × the region's weight
    geo_weight: np.ndarray  # (G,) the region's share of population (or of KPI)
    t: np.ndarray  # (T,) centred time in [-0.5, 0.5] over the data
    changepoints: np.ndarray  # (K,) in t units
    fourier: np.ndarray  # (T, 2M)
    controls: np.ndarray  # (T, G, N) standardised
    control_names: tuple[str, ...]
    holidays: np.ndarray  # (T, H)
    holiday_names: tuple[str, ...]
    adstock_groups: tuple[TransformGroup, ...]
    saturation_groups: tuple[TransformGroup, ...]
    earned: Mapping[str, tuple[str, ...]]  # earned channel → source channels
    train: np.ndarray  # (T,) bool: periods in the likelihood
    max_lag: int
    priors: Mapping[str, tuple[float, float]]  # channel → (median, sigma) of ROI or share prior
    spec: ModelSpec
    negative_channels: tuple[str, ...] = ()  # earned channels split by sentiment
    negative: np.ndarray | None = None  # (T, G, K) excess negative mentions, scaled
    negative_scale: np.ndarray | None = None  # (G, K) national mean negative mentions × weight
    negative_ref: np.ndarray | None = None  # (G, K) usual (median) negative mentions per period
    events: np.ndarray | None = None  # (T, G, V) share of each period inside each named event
    event_names: tuple[str, ...] = ()
    event_kinds: tuple[str, ...] = ()

    # ---------------------------------------------------------------- construction
    @classmethod
    def build(cls, ds: MMMDataset, spec: ModelSpec) -> Design:
        cmap = ds.channel_map
        channels = ds.channels
        freq = ds.frequency
        lags = []
        for ch in channels:
            cfg = cmap.channel(ch)
            lags.append(cfg.max_lag or spec.max_lag or DEFAULT_MAX_LAG[freq])
        max_lag = max(lags)
        lag_mask = (np.arange(max_lag)[None, :] < np.array(lags)[:, None]).astype(float)

        weight = ds.geo_weight
        n = ds.n_periods
        train = np.ones(n, dtype=bool)
        if spec.holdout_periods:
            train[-spec.holdout_periods :] = False
        tone = _sentiment(ds, train)
        mean_activity = ds.input_scale.values.astype(float)
        for j in tone["index"]:  # earned channels split by sentiment: their other mentions
            mean_activity[j] = tone["activity"][:, :, j].sum(axis=1).mean()
        input_scale = weight[:, None] * mean_activity[None, :]
        x = tone["activity"] / input_scale[None, :, :]
        t = np.linspace(-0.5, 0.5, n)
        if spec.holdout_periods >= n - 26:
            raise DataValidationError(
                f"holdout_periods == {spec.holdout_periods} leaves {n - spec.holdout_periods} periods to fit; "
                f"keep at least 26 (the data has {n})."
            )
        ctrl_mean, ctrl_sd = ds.control_scale
        controls = (
            ((ds.data["controls"] - ctrl_mean) / ctrl_sd).values
            if ds.controls
            else np.zeros((n, ds.n_geos, 0))
        )
        country = spec.holidays or cmap.holidays
        hol, hol_names = (
            holiday_features(ds.dates, country, freq) if country else (np.zeros((n, 0)), ())
        )

        return cls(
            dates=ds.dates,
            geos=ds.geos,
            channels=channels,
            media=tuple(str(m) for m in ds.data["media"].values),
            has_cost=ds.data["has_cost"].values.astype(bool),
            y=ds.data["kpi"].values / ds.geo_kpi_scale[None, :],
            x=x,
            lagged=lag_matrix(x, max_lag),
            lag_mask=lag_mask,
            spend_total=ds.data["spend"].values.sum(axis=0).astype(float),
            kpi_scale=ds.geo_kpi_scale.astype(float),
            input_scale=input_scale,
            geo_weight=weight,
            t=t,
            changepoints=np.linspace(-0.5, 0.5, spec.n_changepoints + 2)[1:-1]
            if spec.trend == "piecewise"
            else np.zeros(0),
            fourier=fourier_features(ds.dates, ds.periods_per_year, spec.fourier_modes),
            controls=np.asarray(controls, dtype=float),
            control_names=ds.controls,
            holidays=hol,
            holiday_names=hol_names,
            adstock_groups=_groups(channels, cmap, spec, "adstock", max_lag),
            saturation_groups=_groups(channels, cmap, spec, "saturation", max_lag),
            earned=ds.driven_by,
            train=train,
            max_lag=max_lag,
            priors={
                ch: _prior(ch, cmap, spec, bool(ds.data["has_cost"].values[i]))
                for i, ch in enumerate(channels)
            },
            spec=spec,
            negative_channels=tone["channels"],
            negative=tone["excess"],
            negative_scale=tone["scale"],
            negative_ref=tone["ref"],
            events=event_regressors(cmap.events, ds.dates, freq, ds.geos),
            event_names=event_names(cmap.events),
            event_kinds=tuple(next(e.kind for e in cmap.events if e.name == v) for v in event_names(cmap.events)),
        )

    # ---------------------------------------------------------------- helpers
    @property
    def n_periods(self) -> int:
        return len(self.dates)

    @property
    def n_geos(self) -> int:
        return len(self.geos)

    @property
    def is_panel(self) -> bool:
        """More than one region: the model pools regions hierarchically."""
        return self.n_geos > 1

    def index(self, channel: str) -> int:
        return self.channels.index(channel)

    def earned_in_logs(self, earned: str) -> bool:
        """Whether the earned channel's likelihood is on the log scale: every fitted period
        has activity above 0 (otherwise on the original scale)."""
        m = self.x[: int(self.train.sum()), :, self.index(earned)]
        return bool(np.all(m > 0))

    def future_t(self, n: int) -> np.ndarray:
        """Time index ``t`` of the ``n`` periods after the data, continuing its spacing."""
        return self.t[-1] + np.arange(1, n + 1) / max(self.n_periods - 1, 1)

    @property
    def cost_channels(self) -> tuple[str, ...]:
        return tuple(c for c, h in zip(self.channels, self.has_cost, strict=True) if h)

    @property
    def share_channels(self) -> tuple[str, ...]:
        return tuple(c for c, h in zip(self.channels, self.has_cost, strict=True) if not h)

    def prior_for(self, channel: str) -> tuple[float, float]:
        """(median, sigma) of the channel's ROI (with a cost) or share-of-KPI prior (without)."""
        return self.priors[channel]

    def structure(self) -> tuple[Any, ...]:
        """What the compiled model depends on besides data and prior values.

        Two designs with the same structure build graphs that differ only in their inputs
        (``pm.Data``), so one compiled model serves both: whatever the graph builder reads
        from the design or spec to choose its form (each lift test's channel, whether earned
        activity is modelled on the log scale, a panel's regional spread) belongs here. The
        number of periods is part of a panel's structure (its national time effect has one
        parameter per period) but not of a national model's.
        """
        spec = self.spec
        return (
            STRUCTURE_VERSION,
            self.channels, self.media, tuple(self.has_cost.tolist()), self.n_geos,
            tuple((g.key, g.channels, tuple(sorted(spec.param_priors.get(g.param_name(p), d).to_dict().items())))
                  for g in (*self.adstock_groups, *self.saturation_groups) for p, d in g.transform.params.items()),
            self.max_lag, tuple(map(tuple, self.lag_mask.tolist())),
            tuple((e, s, self.earned_in_logs(e)) for e, s in self.earned.items()),
            self.fourier.shape[1], len(self.control_names), len(self.holiday_names),
            spec.trend, len(self.changepoints), spec.likelihood,
            tuple((t.kind, t.channel) for t in spec.lift_tests),  # the channel picks graph paths
            self.n_periods if self.is_panel and spec.national_effect else None,
            (spec.national_effect, spec.geo_spread) if self.is_panel else None,
        ) + ((self.negative_channels, self.event_names) if self.negative_channels or self.event_names else ())  # fmt: skip

    def coords(self) -> dict[str, Any]:
        c: dict[str, Any] = {
            "geo": list(self.geos),
            "channel": list(self.channels),
            "cost_channel": list(self.cost_channels),
            "share_channel": list(self.share_channels),
            "fourier": [
                f"{k}{m}" for m in range(1, self.fourier.shape[1] // 2 + 1) for k in ("sin", "cos")
            ],
            "control": list(self.control_names),
            "holiday": list(self.holiday_names),
            "changepoint": [f"cp{i}" for i in range(len(self.changepoints))],
        }
        if self.is_panel and self.spec.national_effect:
            c["date"] = self.dates
        for g in (*self.adstock_groups, *self.saturation_groups):
            c[g.dim] = list(g.channels)
        for e, sources in self.earned.items():
            c[f"{e}_source"] = list(sources)
        if self.negative_channels:
            c["negative_channel"] = list(self.negative_channels)
        if self.event_names:
            c["event"] = list(self.event_names)
        return c

    @property
    def n_events(self) -> int:
        return len(self.event_names)

    def negative_index(self, channel: str) -> int:
        """Position of an earned channel split by sentiment in ``negative_channels``."""
        return self.negative_channels.index(channel)


def _sentiment(ds: MMMDataset, train: np.ndarray) -> dict[str, Any]:
    """The model's activity (negative mentions taken out of earned channels split by sentiment)
    and the scaled excess negative mentions of those channels (see the module docstring)."""
    activity = ds.data["activity"].values.astype(float)
    chans = ds.channel_map.sentiment_channels
    if not chans:
        return {"activity": activity, "channels": (), "index": [], "excess": None, "scale": None, "ref": None}
    idx = [ds.channels.index(c) for c in chans]
    neg = ds.negative[:, :, idx]  # (T, G, K)
    activity = activity.copy()
    activity[:, :, idx] -= neg
    mean = neg.sum(axis=1).mean(axis=0)  # (K,) national mean per period
    scale = ds.geo_weight[:, None] * np.where(mean > 0, mean, 1.0)[None, :]
    ref = np.median(neg[train], axis=0)  # (G, K)
    excess = (neg - ref[None]) / scale[None]
    return {"activity": activity, "channels": chans, "index": idx, "excess": excess, "scale": scale, "ref": ref}


def _prior(channel: str, cmap: Any, spec: ModelSpec, has_cost: bool) -> tuple[float, float]:
    """Prior precedence: ModelSpec.channel_priors, then the channel map, then the spec default."""
    if channel in spec.channel_priors:
        return tuple(spec.channel_priors[channel])  # type: ignore[return-value]
    cfg = cmap.channel(channel)
    from_map = cfg.roi_prior if has_cost else cfg.share_prior
    return from_map or (spec.roi_prior if has_cost else spec.share_prior)


def _groups(
    channels: tuple[str, ...], cmap: Any, spec: ModelSpec, kind: str, max_lag: int
) -> tuple[TransformGroup, ...]:
    names = []
    for ch in channels:
        cfg = cmap.channel(ch)
        override = spec.channel_transforms.get(ch)
        if kind == "adstock":
            names.append((override[0] if override else None) or cfg.adstock or spec.adstock)
        else:
            names.append((override[1] if override else None) or cfg.saturation or spec.saturation)
    registry: Mapping[str, type] = ADSTOCKS if kind == "adstock" else SATURATIONS
    unknown = sorted({n for n in names if n not in registry})
    if unknown:
        raise DataValidationError(
            f"Unknown {kind} {list_some(unknown)} in the channel map; allowed: {', '.join(registry)}."
        )
    groups = []
    for name in dict.fromkeys(names):
        idx = np.array([i for i, n in enumerate(names) if n == name])
        tr = registry[name](max_lag=max_lag) if kind == "adstock" else registry[name]()
        groups.append(TransformGroup(tr, idx, tuple(channels[i] for i in idx)))
    return tuple(groups)


def fourier_features(dates: pd.DatetimeIndex, periods_per_year: float, modes: int) -> np.ndarray:
    """Yearly Fourier terms (periods, 2·modes) from the calendar (day of year), so they extrapolate."""
    if modes == 0:
        return np.zeros((len(dates), 0))
    year_frac = (dates.day_of_year.values - 1) / 365.25
    cols = []
    for m in range(1, modes + 1):
        cols += [np.sin(2 * np.pi * m * year_frac), np.cos(2 * np.pi * m * year_frac)]
    return np.column_stack(cols)


def holiday_features(
    dates: pd.DatetimeIndex, country: str, freq: str
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Share of each period's days that fall on each recurring public holiday of ``country``.

    Only holidays that occur in at least two calendar years of the data become regressors:
    one-off entries (the ``holidays`` package lists every "Day off (substituted from …)" in
    China separately) would each add a parameter that a single week cannot identify.
    """
    import holidays as hol

    step = pd.Timedelta(days=7) if freq == "W" else None
    years = range(dates[0].year - 1, dates[-1].year + 2)
    cal = hol.country_holidays(country, years=years, language="en_US")
    by_name: dict[str, list[pd.Timestamp]] = {}
    for day, name in cal.items():
        for part in str(name).split(";"):
            base = part.replace(" (observed)", "").strip()
            if "substituted" in base.lower():
                continue
            by_name.setdefault(base, []).append(pd.Timestamp(day))
    ends = dates + step if step is not None else dates + pd.offsets.MonthBegin(1)
    length = 7.0 if step is not None else 30.0
    feats, names = [], []
    for name, days in sorted(by_name.items()):
        d = pd.DatetimeIndex(days)
        inside = d[(d >= dates[0]) & (d < ends[-1])]
        if inside.year.nunique() < 2:
            continue
        counts = np.array(
            [((d >= s) & (d < e)).sum() for s, e in zip(dates, ends, strict=True)], dtype=float
        )
        feats.append(counts / length)
        names.append(name)
    if not feats:
        return np.zeros((len(dates), 0)), ()
    return np.column_stack(feats), tuple(names)
