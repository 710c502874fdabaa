"""Realistic synthetic weekly brand data with known truth.

:func:`generate` draws a seeded weekly brand — revenue in ¥, paid spend, owned activity,
earned social mentions, price and promotion controls — from the same model family the
Bayesian model fits, and returns a :class:`SyntheticBrand` holding the data, its channel
map and the TRUE contribution and ROI of every channel (direct, via earned media, total).

The generating process, per week ``t``:

* adstock: geometric with *normalised* weights ``w_l = a**l / sum_k a**k`` over
  ``l = 0 .. MAX_LAG - 1`` (causal, zeros before the first week): :func:`geometric_adstock`;
  or, for a channel given a peak lag ``theta`` (``transforms=``), delayed with weights
  ``a**((l - theta)**2)``, normalised: :func:`carryover`;
* saturation: Hill on the adstocked input divided by the channel's **mean raw input over
  the generated data** (``params[ch]["scale"]``):
  ``s(z) = (z/m)**k / ((z/m)**k + h**k)`` with half-saturation ``h`` (a multiple of the
  mean input) and slope ``k``: :func:`hill`;
* channel effect (¥) ``beta_c * s_c(adstock(x_c))``; paid ``beta_c`` are set so the direct
  ROI over the data equals the design (``DEFAULT_ROI``), owned/earned ``beta_c`` so the
  channel's share of revenue matches ``DEFAULT_SHARE``;
* earned mentions ``M_t = (organic_t + sum_s gamma_s * s_s(adstock(x_s))) * exp(eps_m)``
  with ``eps_m ~ N(0, 0.08)``; the sources reuse their own adstock and Hill; mentions
  drive revenue through their own adstock and Hill (scale = mean observed mentions);
* baseline (additive ¥): intercept, linear trend, 2 yearly Fourier pairs, a Spring
  Festival week effect (week containing Chinese New Year, from the ``holidays`` package),
  promotion weeks (618, Double 11: control ``promo_festival``) and price (control
  ``price_index``, negative effect);
* ``revenue_t = mu_t * exp(eps_t)``, ``eps_t ~ N(0, noise)``, ``mu`` = baseline + media.

>>> from mmm.data.synthetic import generate
>>> bool((generate(seed=1, weeks=104).truth["contribution_total"] >= 0).all())
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.data.config import ChannelMap
from mmm.exceptions import UnknownChannelError

MAX_LAG = 8
DEFAULT_START = "2022-01-03"
MENTION_NOISE = 0.08
#: factor applied to a ``weak`` channel's effect (and, for sources, its earned effect)
WEAK_FACTOR = 0.05
#: mean weekly mentions generated at the design, and the organic part of it
MENTIONS_LEVEL = 50_000.0
ORGANIC_SHARE = 0.55


def geometric_adstock(x: Any, alpha: float, max_lag: int = MAX_LAG) -> np.ndarray:
    """Causal geometric adstock with normalised weights, along axis 0.

    Weight of lag ``l`` is ``alpha**l / sum_{k<max_lag} alpha**k``; periods before the
    first are zero.

    >>> geometric_adstock([7.0, 0.0, 0.0, 0.0], 0.5, 3).round(6).tolist()
    [4.0, 2.0, 1.0, 0.0]
    """
    x = np.asarray(x, dtype=float)
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha == {alpha}; must be in [0, 1).")
    return _convolve(x, adstock_weights(alpha, max_lag))


def _convolve(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    out = np.zeros_like(x)
    for lag in range(min(len(w), x.shape[0])):
        out[lag:] += w[lag] * x[: x.shape[0] - lag]
    return out


def adstock_weights(alpha: float, max_lag: int = MAX_LAG) -> np.ndarray:
    """Normalised geometric lag weights ``alpha**l / sum alpha**k`` (they sum to 1)."""
    w = float(alpha) ** np.arange(max_lag)
    return w / w.sum()


def carryover(
    x: Any, alpha: float, theta: float | None = None, max_lag: int = MAX_LAG
) -> np.ndarray:
    """Geometric adstock, or delayed adstock peaking at lag ``theta`` when it is given: weights
    ``alpha**((l - theta)**2)``, normalised (the model's ``delayed`` adstock).

    >>> carryover([1.0, 0.0, 0.0, 0.0], 0.5, theta=1.0, max_lag=3).round(3).tolist()
    [0.25, 0.5, 0.25, 0.0]
    """
    if theta is None:
        return geometric_adstock(x, alpha, max_lag)
    w = float(alpha) ** ((np.arange(max_lag) - float(theta)) ** 2)
    return _convolve(np.asarray(x, dtype=float), w / w.sum())


def _saturate(x: np.ndarray, q: Mapping[str, float]) -> np.ndarray:
    """Hill of the carried-over input relative to ``q["scale"]``, with ``q``'s parameters."""
    return hill(carryover(x, q["alpha"], q.get("theta")) / q["scale"], q["half"], q["slope"])


def hill(x_rel: Any, half: float, slope: float) -> np.ndarray:
    """Hill saturation ``x**slope / (x**slope + half**slope)`` of input relative to its mean.

    >>> float(hill(1.5, 1.5, 2.0))
    0.5
    """
    x = np.maximum(np.asarray(x_rel, dtype=float), 0.0)
    xk = x**slope
    return xk / (xk + half**slope)


# ---------------------------------------------------------------------------- preset
@dataclass(frozen=True)
class _Spec:
    media: str
    zh: str
    col: str
    col_zh: str
    platform: str
    platform_zh: str
    social: bool
    alpha: float
    half: float
    slope: float
    level: float  # mean weekly input of paid channels (¥); informative for the others
    mention_share: float = 0.0  # share of design mentions this source generates


PRESET: dict[str, _Spec] = {
    "tv": _Spec("paid", "电视", "tv_spend", "电视_spend", "TV", "电视", False, 0.6, 1.5, 1.5, 450_000),
    "search": _Spec("paid", "搜索", "search_spend", "搜索_spend", "Baidu", "百度", False, 0.15, 1.5, 1.3, 300_000),
    "outdoor": _Spec("paid", "户外", "outdoor_spend", "户外_spend", "Outdoor", "户外", False, 0.5, 1.5, 1.5, 200_000),
    "weibo": _Spec("paid", "微博", "weibo_spend", "微博_spend", "Weibo", "微博", True, 0.25, 1.5, 1.3, 200_000, 0.12),
    "douyin": _Spec("paid", "抖音", "douyin_spend", "抖音_spend", "Douyin", "抖音", True, 0.25, 1.5, 1.4, 250_000, 0.15),
    "wechat_ads": _Spec("paid", "微信广告", "wechat_ads_spend", "微信广告_spend", "WeChat", "微信", True, 0.2, 1.5, 1.2, 180_000),
    "kol": _Spec("paid", "达人KOL", "kol_spend", "达人KOL_spend", "KOL", "达人", True, 0.4, 1.5, 1.5, 130_000, 0.12),
    "wechat_posts": _Spec("owned", "公众号推文", "wechat_posts", "公众号推文_posts", "WeChat", "微信", True, 0.3, 1.0, 1.0, 4, 0.06),
    "email": _Spec("owned", "邮件", "email_sends", "邮件_sends", "Email", "邮件", False, 0.1, 1.0, 1.0, 100_000),
    "app_push": _Spec("owned", "APP推送", "app_pushes", "APP推送_pushes", "App", "APP", False, 0.1, 0.8, 1.2, 4),
    "mentions": _Spec("earned", "社交提及", "social_mentions", "社交提及_mentions", "Social", "社交平台", True, 0.3, 1.0, 1.5, MENTIONS_LEVEL),
}  # fmt: skip
#: designed direct ROI of the paid channels (¥ revenue per ¥ spent over the data)
DEFAULT_ROI = {"tv": 0.8, "search": 1.6, "outdoor": 0.5, "weibo": 2.2, "douyin": 3.0,
               "wechat_ads": 1.4, "kol": 1.9}  # fmt: skip
#: designed share of revenue of the owned and earned channels
DEFAULT_SHARE = {"wechat_posts": 0.03, "email": 0.015, "app_push": 0.02, "mentions": 0.07}
#: columns of :attr:`SyntheticBrand.truth`
TRUTH_COLUMNS = ("channel", "media", "social", "spend", "contribution_direct", "contribution_via_earned",
                 "contribution_total", "roi_direct", "roi_total", "share_of_kpi")  # fmt: skip
NAMES_EN = {"date": "week", "kpi": "revenue", "price": "price_index", "promo": "promo_festival"}
NAMES_ZH = {"date": "周", "kpi": "销售额", "price": "价格指数", "promo": "大促"}


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True)
class _State:
    """Everything needed to recompute the noise-free mean for any weekly frame."""

    keys: tuple[str, ...]
    names: dict[str, str]
    cols: dict[str, str]
    p: dict[str, dict[str, float]]
    base: dict[str, float]
    origin: pd.Timestamp
    dates: pd.DatetimeIndex
    mult: np.ndarray
    w_organic: np.ndarray
    sources: tuple[str, ...]
    earned: str | None
    price_col: str
    promo_col: str

    def sat(self, key: str, x: np.ndarray) -> np.ndarray:
        return _saturate(x, self.p[key])

    def organic_at(self, dates: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        """Organic mentions and the mentions noise multiplier (1 outside the data)."""
        pos = self.dates.get_indexer(dates)
        inside = pos >= 0
        w = np.where(dates > self.dates[-1], self.w_organic[-1], self.w_organic[0])
        w = np.where(inside, self.w_organic[np.maximum(pos, 0)], w)
        t = years_since(dates, self.origin)
        organic = self.base["organic_level"] * (1 + self.base["organic_growth"] * t) * np.exp(w)
        mult = np.where(inside, self.mult[np.maximum(pos, 0)], 1.0)
        return organic, mult

    def evaluate(
        self,
        dates: pd.DatetimeIndex,
        x: Mapping[str, np.ndarray],
        price: np.ndarray,
        promo: np.ndarray,
        *,
        drop_source: str | None = None,
    ) -> dict[str, np.ndarray]:
        """Components of mu (¥ per week) for inputs ``x`` (paid/owned keys); mentions recomputed."""
        parts = baseline_parts(dates, price, promo, self.base, self.origin)
        mu = parts["baseline"].copy()
        sats = {}
        for k in self.keys:
            if k == self.earned:
                continue
            sats[k] = self.sat(k, x[k])
            parts[k] = self.p[k]["beta"] * sats[k]
            mu = mu + parts[k]
        if self.earned is not None:
            organic, mult = self.organic_at(dates)
            gen = sum((self.p[s]["gamma"] * sats[s] for s in self.sources if s != drop_source), 0.0)
            parts["earned_activity"] = (organic + gen) * mult
            parts[self.earned] = self.p[self.earned]["beta"] * self.sat(
                self.earned, parts["earned_activity"]
            )
            mu = mu + parts[self.earned]
        parts["mu"] = mu
        return parts


@dataclass(frozen=True)
class SyntheticBrand:
    """A synthetic brand: data, channel map and the known truth.

    Attributes
    ----------
    data : pandas.DataFrame
        Wide weekly frame with the columns of ``channel_map`` (date, KPI, inputs, controls).
    channel_map : ChannelMap
        Validated channel map of ``data``.
    truth : pandas.DataFrame
        One row per channel: ``channel, media, social, spend, contribution_direct,
        contribution_via_earned, contribution_total, roi_direct, roi_total, share_of_kpi``.
        Contributions are noise-free counterfactual sums over the data window (¥);
        ``share_of_kpi`` is the direct contribution over total mu (with the baseline share
        these add up to 1). ROI is NaN for channels without cost.
    params : dict
        True parameters per channel (``alpha, half, slope, beta, scale, max_lag`` and
        ``gamma`` for sources; ``scale`` is the mean input the Hill is relative to) and
        ``params["baseline"]`` (intercept, trend, Fourier, holiday, promo, price, organic).
    components : pandas.DataFrame
        Noise-free weekly decomposition indexed by date: baseline parts (``intercept,
        trend, seasonality, holiday, price, promo, baseline``), each channel's direct
        effect (column = channel name), ``earned_activity`` (the mentions series; equals the
        data's mentions column in sample),
        ``mu`` and the KPI log-noise ``eps`` (``revenue = mu * exp(eps)``).
    """

    data: pd.DataFrame = field(repr=False)
    channel_map: ChannelMap = field(repr=False)
    truth: pd.DataFrame = field(repr=False)
    params: dict[str, dict[str, float]] = field(repr=False)
    components: pd.DataFrame = field(repr=False)
    _state: _State = field(repr=False)

    @property
    def mu(self) -> np.ndarray:
        """Noise-free expected revenue per week of the data (``revenue = mu * exp(eps)``)."""
        return self.components["mu"].to_numpy()

    @property
    def baseline_share(self) -> float:
        """Share of total mu that is baseline (everything but media)."""
        return float(self.components["baseline"].sum() / self.components["mu"].sum())

    def expected_kpi(self, inputs: pd.DataFrame) -> np.ndarray:
        """Noise-free revenue (mu, ¥) per row of a frame with the columns of :attr:`data`.

        See :meth:`expected_components` for how the frame is read.
        """
        return self.expected_components(inputs)["mu"].to_numpy()

    def expected_components(self, inputs: pd.DataFrame) -> pd.DataFrame:
        """Noise-free decomposition of revenue for a frame with the columns of :attr:`data`.

        Dates may run past the data (a future plan). The baseline comes from the dates
        (trend, season, Spring Festival) and the frame's controls; mentions are recomputed
        from the frame's source inputs (the mentions column is ignored) with the observed
        noise multiplier on in-sample weeks and none, plus extrapolated organic level,
        on later weeks. If the frame starts inside the data or the week after it, the data's
        earlier weeks are prepended so carry-over from history is kept. The KPI column, if
        present, is ignored.

        Returns
        -------
        pandas.DataFrame
            One row per row of ``inputs`` (indexed by date) with the columns of
            :attr:`components` except ``eps``.
        """
        st, cmap = self._state, self.channel_map
        frame = inputs.reset_index(drop=True)
        dates = pd.DatetimeIndex(pd.to_datetime(frame[cmap.date]))
        step = np.diff(dates.values).astype("timedelta64[D]").astype(int)
        if (step != 7).any():
            raise ValueError(f"Column {cmap.date!r} must hold consecutive weeks (7 days apart).")
        n_prev = 0
        if len(dates) and st.dates[0] < dates[0] <= st.dates[-1] + pd.Timedelta(days=7):
            hist = self.data[self.data[cmap.date] < dates[0]]
            n_prev = len(hist)
            frame = pd.concat([hist, frame], ignore_index=True)
            dates = pd.DatetimeIndex(pd.to_datetime(frame[cmap.date]))
        x = {}
        for k in st.keys:
            if k == st.earned:
                continue
            if st.cols[k] not in frame:
                raise KeyError(f"expected_kpi needs column {st.cols[k]!r} ({st.names[k]!r}).")
            x[k] = frame[st.cols[k]].to_numpy(dtype=float)
            if np.isnan(x[k]).any():
                raise ValueError(f"Column {st.cols[k]!r} has missing values.")
        price = frame[st.price_col].to_numpy(dtype=float)
        promo = frame[st.promo_col].to_numpy(dtype=float)
        return _components(st, dates, st.evaluate(dates, x, price, promo)).iloc[n_prev:]

    def to_files(self, directory: str | Path, stem: str) -> dict[str, Path]:
        """Write ``{stem}.csv``, ``{stem}.toml`` (channel map) and ``{stem}_truth.csv``.

        Returns
        -------
        dict
            ``{"data": path, "channel_map": path, "truth": path}``.
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "data": out / f"{stem}.csv",
            "channel_map": out / f"{stem}.toml",
            "truth": out / f"{stem}_truth.csv",
        }
        self.data.to_csv(paths["data"], index=False, date_format="%Y-%m-%d", encoding="utf-8")
        paths["channel_map"].write_text(self.channel_map.to_toml(), encoding="utf-8")
        truth = self.truth.copy()
        for col in truth.columns:
            if col.startswith(("contribution", "spend")):
                truth[col] = truth[col].round(2)
            elif col.startswith(("roi", "share")):
                truth[col] = truth[col].round(6)
        truth.to_csv(paths["truth"], index=False, encoding="utf-8")
        return paths

    def __repr__(self) -> str:
        d = self.data[self.channel_map.date]
        return (
            f"SyntheticBrand({len(self.data)} weeks {d.iloc[0].date()}..{d.iloc[-1].date()}, "
            f"channels={list(self.channel_map.channel_names)}, baseline share {self.baseline_share:.0%})"
        )


# ---------------------------------------------------------------------------- baseline
def years_since(dates: pd.DatetimeIndex, origin: pd.Timestamp) -> np.ndarray:
    return np.asarray((dates - origin).days, dtype=float) / 365.25


def _week_contains(dates: pd.DatetimeIndex, days: Sequence[pd.Timestamp]) -> np.ndarray:
    """Whether the week [date, date + 7 days) contains any of ``days``."""
    start = dates.values.astype("datetime64[D]")
    hit = np.zeros(len(dates), dtype=bool)
    for d in days:
        delta = (np.datetime64(d.date(), "D") - start).astype(int)
        hit |= (delta >= 0) & (delta < 7)
    return hit


def spring_festival_weeks(dates: pd.DatetimeIndex) -> np.ndarray:
    """Weeks containing the first day of Chinese New Year (from ``holidays``, CN)."""
    import holidays as hol

    dates = pd.DatetimeIndex(dates)
    years = range(dates.min().year - 1, dates.max().year + 2)
    cal = hol.country_holidays("CN", years=years, language="en_US")
    first: dict[int, pd.Timestamp] = {}
    for day, name in cal.items():
        if str(name).startswith("Chinese New Year (Spring Festival)"):
            ts = pd.Timestamp(day)
            first[ts.year] = min(first.get(ts.year, ts), ts)
    return _week_contains(dates, list(first.values()))


def promo_weeks(dates: pd.DatetimeIndex) -> np.ndarray:
    """618 and Double 11 festival weeks: the weeks containing Jun 11/18 and Nov 4/11."""
    dates = pd.DatetimeIndex(dates)
    days = [
        pd.Timestamp(y, m, d)
        for y in range(dates.min().year - 1, dates.max().year + 2)
        for m, d in ((6, 11), (6, 18), (11, 4), (11, 11))
    ]
    return _week_contains(dates, days)


def baseline_parts(dates: pd.DatetimeIndex, price: np.ndarray, promo: np.ndarray, b: Mapping[str, float],
              origin: pd.Timestamp) -> dict[str, np.ndarray]:  # fmt: skip
    i0 = b["intercept"]
    t = years_since(dates, origin)
    ang = 2 * np.pi * np.asarray((dates - pd.Timestamp("2000-01-01")).days, dtype=float) / 365.25
    season = np.zeros(len(dates))
    for k in (1, 2):
        season += b[f"season_sin{k}"] * np.sin(k * ang) + b[f"season_cos{k}"] * np.cos(k * ang)
    parts: dict[str, np.ndarray] = {
        "intercept": np.full(len(dates), i0),
        "trend": i0 * b["trend"] * t,
        "seasonality": i0 * season,
        "holiday": i0 * b["spring_festival"] * spring_festival_weeks(dates),
        "price": i0 * b["price"] * (np.asarray(price, dtype=float) - 1.0),
        "promo": i0 * b["promo"] * np.asarray(promo, dtype=float),
    }
    parts["baseline"] = np.sum(list(parts.values()), axis=0)
    return parts


# ---------------------------------------------------------------------------- flighting
@dataclass(frozen=True)
class FlightContext:
    n: int
    t: np.ndarray  # years since start
    seas: np.ndarray  # seasonality / intercept
    promo: np.ndarray
    cny: np.ndarray


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    e = rng.normal(0.0, sd, n)
    out = np.empty(n)
    out[0] = e[0] / np.sqrt(1 - phi**2)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + e[i]
    return out


def _bursts(rng: np.random.Generator, n: int, on: tuple[int, int], off: tuple[int, int],
            lvl: tuple[float, float]) -> np.ndarray:  # fmt: skip
    x = np.zeros(n)
    i = int(rng.integers(0, off[1]))
    while i < n:
        k = int(rng.integers(on[0], on[1] + 1))
        seg = x[i : i + k]
        seg[:] = rng.uniform(*lvl) * np.exp(rng.normal(0, 0.15, len(seg)))
        i += k + int(rng.integers(off[0], off[1] + 1))
    return x


def _tv(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    x = _bursts(rng, c.n, (4, 6), (3, 8), (0.6, 1.4))
    for j in np.flatnonzero(c.cny):  # a Spring Festival burst every year
        x[max(j - 2, 0) : j + 1] = np.maximum(x[max(j - 2, 0) : j + 1], rng.uniform(0.9, 1.3))
    return x


def _search(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    level = np.clip(1 + 3 * c.seas + 0.1 * c.t, 0.2, None)
    return level * np.exp(ar1(rng, c.n, 0.5, 0.5)) * np.where(c.promo, 1.5, 1.0)


def _outdoor(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    x = np.zeros(c.n)
    for q in range(0, c.n, 13):  # one flight per quarter, sometimes skipped
        if rng.random() < 0.15:
            continue
        s = q + int(rng.integers(0, 9))
        seg = x[s : s + int(rng.integers(3, 6))]
        seg[:] = rng.uniform(0.4, 1.6) * np.exp(rng.normal(0, 0.1, len(seg)))
    return x


def _weibo(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    return (1 + 0.25 * c.t) * np.exp(ar1(rng, c.n, 0.5, 0.6)) * np.where(c.promo, 1.4, 1.0)


def _douyin(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    return (1 + 0.5 * c.t) * np.exp(ar1(rng, c.n, 0.5, 0.5)) * np.where(c.promo, 1.5, 1.0)


def _wechat_ads(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    x = np.exp(rng.normal(0, 0.5, c.n)) * np.where(c.promo, 1.3, 1.0)
    x[rng.random(c.n) < 0.25] = 0.0  # dark weeks
    return x


def _kol(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    x = 0.2 * np.exp(rng.normal(0, 0.3, c.n))  # always-on seeding
    x += _bursts(rng, c.n, (1, 2), (4, 8), (2.0, 4.0))
    x += np.where(c.promo, rng.uniform(1.5, 3.0, c.n), 0.0)
    return x


def _wechat_posts(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    return np.where(c.promo, 6, rng.integers(2, 7, c.n)).astype(float)


def _email(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    blasts = rng.choice([0, 1, 2, 3], size=c.n, p=[0.2, 0.4, 0.3, 0.1])
    return np.round(blasts * 60_000 * (1 + 0.15 * c.t) * rng.uniform(0.9, 1.1, c.n))


def _app_push(rng: np.random.Generator, c: FlightContext) -> np.ndarray:
    return (rng.integers(1, 6, c.n) + 2 * c.promo).astype(float)


FLIGHTS: dict[str, Callable[[np.random.Generator, FlightContext], np.ndarray]] = {
    "tv": _tv, "search": _search, "outdoor": _outdoor, "weibo": _weibo, "douyin": _douyin,
    "wechat_ads": _wechat_ads, "kol": _kol, "wechat_posts": _wechat_posts, "email": _email,
    "app_push": _app_push,
}  # fmt: skip


# ---------------------------------------------------------------------------- generate
def preset_key(name: str, what: str) -> str:
    for k, s in PRESET.items():
        if name in (k, s.zh):
            return k
    allowed = ", ".join(f"{k} ({s.zh})" for k, s in PRESET.items())
    raise UnknownChannelError(f"Unknown channel {name!r} in {what}; preset channels are {allowed}.")


def generate(
    seed: int = 0,
    weeks: int = 156,
    start: str | pd.Timestamp = DEFAULT_START,
    *,
    channels: Sequence[str] | None = None,
    zero_effect: str | None = None,
    confounded: str | None = None,
    weak: str | None = None,
    chinese: bool = False,
    roi: Mapping[str, float] | None = None,
    share: Mapping[str, float] | None = None,
    noise: float = 0.05,
    transforms: Mapping[str, Mapping[str, float]] | None = None,
    modulate: Mapping[str, Any] | None = None,
    organic: float = ORGANIC_SHARE,
) -> SyntheticBrand:
    """Generate a seeded synthetic weekly brand with known truth.

    Parameters
    ----------
    seed : int
        Seed; the same arguments give an identical brand. Each channel draws from its own
        stream, so dropping a channel or changing an option leaves the others' inputs alone.
    weeks : int
        Number of weeks (W-MON).
    start : str or Timestamp
        First week (rolled forward to a Monday).
    channels : sequence of str, optional
        Subset of the preset (English keys or Chinese names); default all of ``PRESET``.
    zero_effect : str, optional
        Channel whose true effect (direct and via mentions) is exactly 0.
    confounded : str, optional
        Paid or owned channel whose input tracks the seasonal baseline
        (intercept + trend + seasonality + holiday) with corr > 0.9.
    weak : str, optional
        Channel whose effect is scaled by ``WEAK_FACTOR`` (far below the noise).
    chinese : bool
        Chinese channel names, column names, platforms and brand.
    roi : mapping, optional
        Direct ROI per paid channel, overriding ``DEFAULT_ROI``.
    share : mapping, optional
        Share of revenue per owned/earned channel, overriding ``DEFAULT_SHARE``.
    noise : float
        Standard deviation of the multiplicative (log) KPI noise.
    transforms : mapping, optional
        Per channel, true carry-over and saturation overriding the preset: ``alpha``,
        ``half``, ``slope`` and ``theta`` (peak lag: delayed instead of geometric carry-over).
    modulate : mapping, optional
        Per paid or owned channel, a weekly factor (one value per week, >= 0) multiplying
        its flighting before it is scaled to the preset level: a budget ramp, or a budget
        cycle several channels share (correlated budgets).
    organic : float
        Organic (not generated) weekly mentions at the start, as a share of ``MENTIONS_LEVEL``
        (all sources together generate 0.45 of it): how much of earned media paid buys.

    Returns
    -------
    SyntheticBrand
    """
    if weeks < 8 or organic < 0:
        raise ValueError(f"weeks == {weeks}, organic == {organic}; need weeks >= 8, organic >= 0.")
    wanted = PRESET if channels is None else {preset_key(c, "channels") for c in channels}
    keys = tuple(k for k in PRESET if k in wanted)  # preset order
    if all(PRESET[k].media == "earned" for k in keys):
        raise ValueError("channels must include at least one paid or owned channel.")
    zero = preset_key(zero_effect, "zero_effect") if zero_effect else None
    conf = preset_key(confounded, "confounded") if confounded else None
    weak_k = preset_key(weak, "weak") if weak else None
    for opt, k in (("zero_effect", zero), ("confounded", conf), ("weak", weak_k)):
        if k is not None and k not in keys:
            raise ValueError(f"{opt}={k!r} is not among the generated channels {list(keys)}.")
    if conf is not None and PRESET[conf].media == "earned":
        raise ValueError("confounded must be a paid or owned channel, not earned.")
    transforms = {preset_key(k, "transforms"): dict(v) for k, v in (transforms or {}).items()}
    modulate = {
        preset_key(k, "modulate"): np.asarray(v, dtype=float) for k, v in (modulate or {}).items()
    }
    _check_overrides(keys, weeks, transforms, modulate)
    rois = {**DEFAULT_ROI, **{preset_key(k, "roi"): float(v) for k, v in (roi or {}).items()}}
    shares = {**DEFAULT_SHARE, **{preset_key(k, "share"): float(v) for k, v in (share or {}).items()}}
    if set(rois) - set(DEFAULT_ROI) or set(shares) - set(DEFAULT_SHARE):
        raise ValueError("`roi` is for paid channels, `share` for owned and earned ones.")

    dates = pd.date_range(pd.Timestamp(start), periods=weeks, freq="W-MON")
    origin = dates[0]
    rb = np.random.default_rng([seed, 100])
    a1, a2 = rb.uniform(0.06, 0.09), rb.uniform(0.02, 0.04)
    ph1, ph2 = rb.uniform(0, 2 * np.pi, 2)
    base = {
        "intercept": 8_400_000.0,
        "trend": float(rb.uniform(0.03, 0.08)),  # share of intercept per year
        "season_sin1": float(a1 * np.sin(ph1)),
        "season_cos1": float(a1 * np.cos(ph1)),
        "season_sin2": float(a2 * np.sin(ph2)),
        "season_cos2": float(a2 * np.cos(ph2)),
        "spring_festival": 0.10,  # share of intercept in the week of Chinese New Year
        "promo": 0.20,  # share of intercept per promo_festival week
        "price": -1.5,  # share of intercept per unit of price_index above 1
        "organic_level": MENTIONS_LEVEL * organic,
        "organic_growth": 0.10,
        "origin_ordinal": float(origin.toordinal()),
    }
    promo = promo_weeks(dates).astype(float)
    price_noise = ar1(np.random.default_rng([seed, 104]), weeks, 0.8, 0.015)
    price = np.round(1 + price_noise - 0.06 * promo, 4)  # promotions cut the price
    parts0 = baseline_parts(dates, price, promo, base, origin)
    seasonal = parts0["intercept"] + parts0["trend"] + parts0["seasonality"] + parts0["holiday"]
    ctx = FlightContext(weeks, years_since(dates, origin), parts0["seasonality"] / base["intercept"], promo > 0,
               spring_festival_weeks(dates))  # fmt: skip

    x: dict[str, np.ndarray] = {}
    for i, k in enumerate(PRESET):
        spec = PRESET[k]
        if k not in keys or spec.media == "earned":
            continue
        rng = np.random.default_rng([seed, i])
        if k == conf:
            level = spec.level if spec.media == "paid" else float(FLIGHTS[k](rng, ctx).mean())
            xi = level * (seasonal / seasonal.mean()) ** 3 * np.exp(rng.normal(0, 0.02, weeks))
            x[k] = np.round(xi, 0 if spec.media == "paid" else 2)
            continue
        xi = FLIGHTS[k](rng, ctx) * modulate.get(k, 1.0)
        x[k] = np.round(xi / xi.mean() * spec.level) if spec.media == "paid" else xi

    names = {k: (PRESET[k].zh if chinese else k) for k in keys}
    cols = {k: (PRESET[k].col_zh if chinese else PRESET[k].col) for k in keys}
    earned = "mentions" if "mentions" in keys else None
    sources = tuple(k for k in keys if PRESET[k].mention_share > 0) if earned else ()
    p: dict[str, dict[str, float]] = {}
    sats: dict[str, np.ndarray] = {}
    for k in keys:
        s = PRESET[k]
        p[k] = {"alpha": s.alpha, "half": s.half, "slope": s.slope, "max_lag": float(MAX_LAG)}
        p[k].update(transforms.get(k, {}))
        if k in x:
            p[k]["scale"] = float(x[k].mean())
            sats[k] = _saturate(x[k], p[k])

    def factor(k: str) -> float:
        return 0.0 if k == zero else WEAK_FACTOR if k == weak_k else 1.0

    # earned mentions: organic level + what the sources generate, times observed noise
    w_org = mult = np.zeros(0)
    mentions = np.zeros(weeks)
    if earned:
        for k in sources:
            p[k]["gamma"] = (
                PRESET[k].mention_share * MENTIONS_LEVEL / float(sats[k].mean()) * factor(k)
            )
        w_org = ar1(np.random.default_rng([seed, 103]), weeks, 0.9, 0.07)
        organic_t = base["organic_level"] * (1 + base["organic_growth"] * ctx.t) * np.exp(w_org)
        clean = organic_t + sum((p[k]["gamma"] * sats[k] for k in sources), 0.0)
        eps_m = np.random.default_rng([seed, 102]).normal(0, MENTION_NOISE, weeks)
        mentions = np.round(clean * np.exp(eps_m))
        mult = mentions / clean
        p[earned]["scale"] = float(mentions.mean())
        sats[earned] = _saturate(mentions, p[earned])

    # effect sizes: paid from the designed ROI, owned/earned from the designed share
    paid_total = sum(rois[k] * x[k].sum() for k in keys if PRESET[k].media == "paid")
    other = sum(shares[k] for k in keys if PRESET[k].media != "paid")
    total = (parts0["baseline"].sum() + paid_total) / (1 - other)
    for k in keys:
        target = rois[k] * x[k].sum() if PRESET[k].media == "paid" else shares[k] * total
        p[k]["beta"] = float(target / sats[k].sum() * factor(k))

    st = _State(keys, names, cols, p, base, origin, dates, mult, w_org, sources, earned,
                NAMES_ZH["price"] if chinese else NAMES_EN["price"],
                NAMES_ZH["promo"] if chinese else NAMES_EN["promo"])  # fmt: skip
    parts = st.evaluate(dates, x, price, promo)
    mu = parts["mu"]
    eps = np.random.default_rng([seed, 101]).normal(0, noise, weeks)
    revenue = np.round(mu * np.exp(eps), 2)

    label = NAMES_ZH if chinese else NAMES_EN
    data = pd.DataFrame({label["date"]: dates, label["kpi"]: revenue})
    for k in keys:
        col = mentions if k == earned else x[k]
        data[cols[k]] = col.astype(np.int64) if np.array_equal(col, np.round(col)) else col
    data[label["price"]] = price
    data[label["promo"]] = promo.astype(int)

    cmap = _channel_map(keys, names, cols, sources, label, chinese)
    truth = _truth(st, dates, x, price, promo, parts)
    comp = _components(st, dates, parts)
    comp["eps"] = eps
    params = {names[k]: dict(v) for k, v in p.items()} | {
        "baseline": base,
        "noise": {"sigma": noise, "sigma_mentions": MENTION_NOISE},
    }
    return SyntheticBrand(data, cmap, truth, params, comp, st)


def _check_overrides(keys: Sequence[str], weeks: int, transforms: Mapping[str, Mapping[str, float]],
                     modulate: Mapping[str, np.ndarray]) -> None:  # fmt: skip
    allowed = ("alpha", "half", "slope", "theta")
    for k, q in transforms.items():
        bad = sorted(set(q) - set(allowed))
        if k not in keys or bad:
            raise ValueError(
                f"transforms[{k!r}]: unknown channel or key(s) {bad}; allowed {allowed}."
            )
        if not (0 < q.get("alpha", 0.5) < 1 and q.get("half", 1.0) > 0 and q.get("slope", 1.0) > 0
                and 0 <= q.get("theta", 0.0) < MAX_LAG):  # fmt: skip
            raise ValueError(
                f"transforms[{k!r}] == {dict(q)}; need 0 < alpha < 1, half > 0, slope > 0, 0 <= theta < {MAX_LAG}."
            )
    for k, m in modulate.items():
        if k not in keys or PRESET[k].media == "earned":
            raise ValueError(f"modulate[{k!r}]: only generated paid or owned channels.")
        if m.shape != (weeks,) or not np.isfinite(m).all() or (m < 0).any() or m.sum() <= 0:
            raise ValueError(f"modulate[{k!r}] must hold {weeks} finite values >= 0, not all 0.")


def _components(
    st: _State, dates: pd.DatetimeIndex, parts: Mapping[str, np.ndarray]
) -> pd.DataFrame:
    base = ("intercept", "trend", "seasonality", "holiday", "price", "promo", "baseline")
    comp = pd.DataFrame({c: parts[c] for c in base}, index=pd.DatetimeIndex(dates, name="date"))
    for k in st.keys:
        comp[st.names[k]] = parts[k]
    if st.earned is not None:
        comp["earned_activity"] = parts["earned_activity"]
    comp["mu"] = parts["mu"]
    return comp


def _channel_map(
    keys: Sequence[str], names: Mapping[str, str], cols: Mapping[str, str], sources: Sequence[str],
    label: Mapping[str, str], chinese: bool,
) -> ChannelMap:  # fmt: skip
    chans: dict[str, Any] = {}
    for k in keys:
        s = PRESET[k]
        d: dict[str, Any] = {
            "media": s.media,
            ("spend" if s.media == "paid" else "activity"): cols[k],
        }
        d |= {"social": True} if s.social else {}
        d["platform"] = s.platform_zh if chinese else s.platform
        if s.media == "earned":
            d["driven_by"] = [names[src] for src in sources]
        chans[names[k]] = d
    raw = {
        "date": label["date"],
        "kpi": label["kpi"],
        "frequency": "W",
        "currency": "¥",
        "brand": "示例品牌" if chinese else "Demo Brand",
        "channels": chans,
        "controls": {"columns": [label["price"], label["promo"]], "holidays": "CN"},
    }
    return ChannelMap.from_dict(raw, where="(synthetic)")


def _truth(
    st: _State, dates: pd.DatetimeIndex, x: Mapping[str, np.ndarray], price: np.ndarray,
    promo: np.ndarray, parts: Mapping[str, np.ndarray],
) -> pd.DataFrame:  # fmt: skip
    mu = parts["mu"]
    mu_total = float(mu.sum())
    rows = []
    for k in st.keys:
        s = PRESET[k]
        direct = float(parts[k].sum())
        via = 0.0
        if k in st.sources:
            via = float((mu - st.evaluate(dates, x, price, promo, drop_source=k)["mu"]).sum())
        if k == st.earned:
            total = direct
        else:
            zeroed = {**x, k: np.zeros_like(x[k])}
            total = float((mu - st.evaluate(dates, zeroed, price, promo)["mu"]).sum())
        spend = float(x[k].sum()) if s.media == "paid" else 0.0
        roi_d, roi_t = (direct / spend, total / spend) if spend > 0 else (np.nan, np.nan)
        share = direct / mu_total
        rows.append(
            (st.names[k], s.media, s.social, spend, direct, via, total, roi_d, roi_t, share)
        )
    return pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
