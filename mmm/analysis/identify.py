"""Identifiability: how much the data moved each channel's ROI away from the prior.

Revenue data alone often cannot pin down a channel's ROI: always-on spend that follows the
season is confounded with seasonality, spend that ramps up over the years with the trend,
and a small channel's effect can sit below the noise. Its posterior ROI is then mostly the
prior, however well the sampler converged. :func:`identifiability` measures this per
channel by comparing the prior and the posterior of the same quantity, computed with the
same maths: ROI (total, incl. what flows through earned media) for channels with a cost,
share of KPI for the others.

**Width ratio.** ``width_ratio = log(post_upper / post_lower) / log(prior_upper /
prior_lower)`` over the 90% intervals: the ratio of interval widths on the log scale,
i.e. of *relative* precision. ROI priors are log-normal and budget questions are relative
("is it 0.5 or 4?"), so this is the scale on which "the data told us something" is
judged. A channel whose posterior is ``[0.08, 0.5]`` against a ``[0.23, 4.4]`` prior has a
linear width ratio of 0.1 but a log width ratio of 0.6: the data capped the ROI but cannot
say whether it is 0.1 or 0.5, and the class says so.

**Classes** (tuned on :func:`mmm.data.synthetic.generate`, 3 years weekly, 5% noise, 4 chains ×
1000 draws, three sampler seeds: a flighted TV with a large effect lands at 0.17–0.20, an
always-on channel with a real effect at 0.42–0.47, search spend that tracks the seasonal
baseline (``confounded=``) at 0.82–1.0, a channel with 5% of its designed effect
(``weak=``) at 0.60–0.81, a small always-on channel (2% of revenue) at 0.70–0.78):

* ``well identified``: width ratio ≤ :data:`WELL_MAX` (0.5) — the data shrank the relative
  width by at least half;
* ``weakly identified``: ≤ :data:`WEAK_MAX` (0.8);
* ``prior-dominated``: above that — the estimate is mostly the prior.

**Reasons** (from the data, for the channels not well identified): the channel's input
correlates (``|corr| ≥`` :data:`CORR_BASELINE`) with the fitted seasonal and/or trend
baseline; its input barely varies (coefficient of variation < :data:`LOW_CV`); its effect is
below the noise (signal-to-noise < :data:`LOW_SNR`, where signal-to-noise is the standard
deviation over weeks of its posterior-mean weekly effect × √weeks over the weekly KPI noise
σ × mean KPI — the t-statistic a regression on its known shape would reach); or its input
moves with another channel's (``|corr| ≥`` :data:`CORR_CHANNELS`).

Examples
--------
>>> ident = identifiability(result)  # doctest: +SKIP
>>> ident.table[["channel", "width_ratio", "class"]]  # doctest: +SKIP
>>> print(ident.sentence("search"))  # doctest: +SKIP
The data cannot distinguish an ROI of 0.41 from 5.8 for search; its estimate is mostly our prior …
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm import _progress
from mmm._checks import Check, Checks
from mmm.analysis.attribution import effect_totals, iter_effects
from mmm.exceptions import check_channels
from mmm.model.forward import baseline

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

#: fewest posterior draws identifiability is measured from (a MAP fit has one)
MIN_DRAWS = 20
#: width ratio (log scale) at or below which a channel is well identified
WELL_MAX = 0.5
#: width ratio at or below which a channel is weakly identified (above: prior-dominated)
WEAK_MAX = 0.8
#: |corr| of a channel's input with the fitted seasonal / trend baseline that counts as confounded
CORR_BASELINE = 0.7
#: |corr| between two channels' inputs that counts as collinear
CORR_CHANNELS = 0.7
#: coefficient of variation of the input below which it "barely varies"
LOW_CV = 0.25
#: signal-to-noise below which an effect "sits below the noise"
LOW_SNR = 3.0

WELL, WEAK, PRIOR = "well identified", "weakly identified", "prior-dominated"
CLASSES = (WELL, WEAK, PRIOR)
#: columns of ``identifiability.csv``
COLUMNS = ("channel", "media", "metric", "prior_lower", "prior_median", "prior_upper",
           "post_lower", "post_median", "post_upper", "width_ratio", "median_shift", "class",
           "reason")  # fmt: skip
#: columns of ``identifiability_by_geo.csv`` (regional fits)
GEO_COLUMNS = ("geo", "channel", "prior_lower", "prior_upper", "post_lower", "post_median",
               "post_upper", "width_ratio", "class")  # fmt: skip
#: the numbers behind the reasons (extra columns of :attr:`Identifiability.table`)
EVIDENCE = ("corr_season", "corr_trend", "corr_baseline", "cv", "signal_to_noise",
            "share_of_kpi", "collinear_with", "corr_channel", "noise")  # fmt: skip


# ---------------------------------------------------------------------- prior draws
def prior_samples(result: FitResult, draws: int = 500, seed: int | None = None) -> xr.Dataset:
    """Draws of the model's parameters from the prior, shaped like ``result.posterior``.

    The PyMC model is rebuilt from ``result.design``; every free random variable is drawn
    ``draws`` times in one vectorised call (:func:`pymc.distributions.shape_utils.change_dist_size`)
    and the deterministics the post-processing needs (``beta``, earned gains, …) are computed
    on those draws by the model's own graph, vectorised (:func:`pytensor.graph.replace.vectorize_graph`)
    and evaluated once without JIT compilation. This gives the same joint prior as
    :func:`pymc.sample_prior_predictive` (used instead when a prior depends on another random
    variable) at a fraction of the cost: no compiled function, no loop over draws. Returns a
    Dataset with dims ``(chain=1, draw=draws, …)``.
    """
    from mmm.model.graph import build_pymc_model, param_names, without_node_traces

    model = build_pymc_model(result.design)
    keep = param_names(model)
    seed = result.spec.seed if seed is None else seed
    with without_node_traces():
        values = _vectorised_prior(model, keep, draws, seed)
        if values is None:
            values = _looped_prior(model, keep, draws, seed)
    coords: dict[str, Any] = {"chain": [0], "draw": np.arange(draws)}
    data = {}
    for name, value in zip(keep, values, strict=True):
        dims = ("chain", "draw", *model.named_vars_to_dims.get(name, ()))
        if len(dims) != value.ndim + 1:
            dims = ("chain", "draw", *(f"{name}_dim_{i}" for i in range(value.ndim - 1)))
        data[name] = (dims, np.asarray(value)[None])
        for d in dims[2:]:
            if d in model.coords and d not in coords:
                coords[d] = list(model.coords[d])
    return xr.Dataset(data, coords=coords)


def _vectorised_prior(model: Any, keep: list[str], draws: int, seed: int) -> list[Any] | None:
    """``draws`` prior draws of ``keep`` in one call, or None when a prior depends on another."""
    import pymc as pm
    from pymc.distributions.shape_utils import change_dist_size
    from pytensor.graph.replace import vectorize_graph
    from pytensor.graph.traversal import ancestors

    free = list(model.free_RVs)
    for rv in free:
        if any(a in free for a in ancestors(rv.owner.inputs)):
            return None  # hierarchical: batching one RV would not batch its parent inside it
    batched = {rv: change_dist_size(rv, new_size=(draws,), expand=True) for rv in free}
    outputs = vectorize_graph([model[name] for name in keep], replace=batched)
    try:  # evaluated once: no graph rewrites, no C (~0.2 s instead of 0.6–1.7 s here)
        fn = pm.pytensorf.compile([], outputs, random_seed=seed, mode=_prior_mode())
        return list(fn())
    except (NotImplementedError, TypeError, ValueError):  # an op that needs rewriting to run
        fn = pm.pytensorf.compile([], outputs, random_seed=seed, mode="FAST_COMPILE")
        return list(fn())


def _prior_mode() -> Any:
    """PyTensor mode of the prior draws: the Python linker with no graph rewrites. The draws
    are the same as with ``FAST_COMPILE`` (same random generators, same ops; tested)."""
    from pytensor.compile.mode import Mode

    return Mode(linker="py", optimizer="None")  # "None": no rewrites (OPT_NONE)


def _looped_prior(model: Any, keep: list[str], draws: int, seed: int) -> list[Any]:
    import pymc as pm

    log = logging.getLogger("pymc")
    level = log.level
    log.setLevel(logging.WARNING)  # no "Sampling: [...]" line on every call
    try:
        with model:
            tree = pm.sample_prior_predictive(draws=draws, var_names=keep, random_seed=seed)
    finally:
        log.setLevel(level)
    prior = tree["prior"]
    return [np.asarray(prior[name].values[0]) for name in keep]


def prior_result(result: FitResult, draws: int = 500, seed: int | None = None) -> FitResult:
    """A FitResult whose ``posterior`` holds prior draws, so every attribution works on the prior."""
    return replace(result, posterior=prior_samples(result, draws, seed), info={"prior": True})


# ---------------------------------------------------------------------- the measurement
@dataclass(frozen=True, eq=False)
class Identifiability:
    """Per-channel identifiability: prior vs posterior interval, class, reason, evidence.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per non-earned channel (paid and owned; earned channels' effect is
        measured through the observed earned series): :data:`COLUMNS` then the evidence
        columns :data:`EVIDENCE`. ``metric`` is ``"roi"`` (channels with a cost) or
        ``"share"`` (share of KPI, for the others).
    prob : float
        Mass of the intervals (0.9).
    currency : str
        Currency symbol of the KPI.
    """

    table: pd.DataFrame
    prob: float = 0.9
    currency: str = "¥"
    #: regional fits: per region and channel (:func:`identifiability_by_geo`), else None
    by_geo: pd.DataFrame | None = None

    def to_dataframe(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.table.copy()

    @property
    def classes(self) -> dict[str, str]:
        """channel → class."""
        return dict(zip(self.table["channel"], self.table["class"], strict=True))

    @property
    def uncertain(self) -> tuple[str, ...]:
        """Channels that are weakly identified or prior-dominated."""
        return tuple(self.table.loc[self.table["class"] != WELL, "channel"])

    def row(self, channel: str) -> pd.Series:
        """The table row of one channel (KeyError naming the known channels otherwise)."""
        hit = self.table[self.table["channel"] == channel]
        if hit.empty:
            check_channels([channel], list(self.table["channel"]), "the identifiability table")
        return hit.iloc[0]

    def sentence(self, channel: str) -> str:
        """What the data says about ``channel``'s ROI (or share), in plain words."""
        return sentence(self.row(channel))

    def checks(self) -> Checks:
        """One PASS (well identified) / REVIEW (otherwise) check per channel, for diagnostics."""
        out = []
        for _, r in self.table.iterrows():
            ok = r["class"] == WELL
            out.append(
                Check(
                    name=f"identifiability: {r['channel']}",
                    status="PASS" if ok else "REVIEW",
                    message=sentence(r),
                    recommendation="" if ok else recommendation(r),
                    values={k: _plain(r[k]) for k in (*COLUMNS, *EVIDENCE)},
                )
            )
        return Checks(tuple(out), title="Identifiability (what the data can tell)")

    def __str__(self) -> str:
        lines = [f"Identifiability ({self.prob:.0%} intervals, prior → posterior):"]
        for _, r in self.table.iterrows():
            lines.append(
                f"  {r['channel']:<14} {r['metric']:<5} prior {_num(r.prior_lower, r.metric)}–"
                f"{_num(r.prior_upper, r.metric)}  posterior {_num(r.post_lower, r.metric)}–"
                f"{_num(r.post_upper, r.metric)}  width ratio {r.width_ratio:.2f}  {r['class']}"
            )
            if r["reason"]:
                lines.append(f"  {'':<14} → {r['reason']}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = self.table["class"].value_counts().to_dict()
        return "Identifiability(" + ", ".join(f"{counts.get(c, 0)} {c}" for c in CLASSES) + ")"

    def _repr_html_(self) -> str:
        colours = {WELL: "#1a7f37", WEAK: "#9a6700", PRIOR: "#cf222e"}
        rows = "".join(
            f"<tr><td>{html.escape(str(r['channel']))}</td>"
            f"<td>{_num(r.prior_lower, r.metric)}–{_num(r.prior_upper, r.metric)}</td>"
            f"<td>{_num(r.post_lower, r.metric)}–{_num(r.post_upper, r.metric)}</td>"
            f"<td>{r.width_ratio:.2f}</td>"
            f"<td style='color:{colours[r['class']]};font-weight:600'>{r['class']}</td>"
            f"<td>{html.escape(sentence(r))}</td></tr>"
            for _, r in self.table.iterrows()
        )
        return (
            "<div><strong>Identifiability</strong> "
            f"({self.prob:.0%} intervals of ROI, or share of KPI for channels without cost)"
            "<table><thead><tr><th>channel</th><th>prior</th><th>posterior</th>"
            "<th>width ratio</th><th>class</th><th>what the data says</th></tr></thead>"
            f"<tbody>{rows}</tbody></table></div>"
        )


def identifiability(
    result: FitResult, draws: int = 500, prob: float = 0.9, seed: int | None = None
) -> Identifiability:
    """Measure how much the data moved each channel's ROI (or share of KPI) from its prior.

    Parameters
    ----------
    result : FitResult
        A fit (MCMC; a MAP fit has no posterior interval and is classed from one point).
    draws : int
        Prior draws (sampled from the model, seeded by ``seed`` or the fit's seed).
    prob : float
        Mass of the equal-tailed intervals compared.
    seed : int, optional
        Seed of the prior draws; default ``result.spec.seed``.

    Returns
    -------
    Identifiability
        See the module docstring for the width ratio, classes and reasons.
    """
    if result.n_samples < MIN_DRAWS:
        raise ValueError(
            f"identifiability needs posterior draws; this fit has {result.n_samples} "
            f"(method={result.spec.method!r}). Fit with MCMC to measure what the data can tell."
        )
    design = result.design
    with _progress.step("identifiability (prior vs posterior of each channel)"):
        prior = prior_result(result, draws, seed)
        post_tot = effect_totals(result)
        prior_tot = effect_totals(prior)
        evidence = _evidence(result)
    kpi_total = float(result.dataset.data["kpi"].values[design.train].sum())
    rows = []
    lo_q, hi_q = (1 - prob) / 2, 1 - (1 - prob) / 2
    for i, ch in enumerate(design.channels):
        if design.media[i] == "earned":
            continue
        cost = bool(design.has_cost[i])
        denom = float(post_tot["spend"].values[i]) if cost else kpi_total
        if denom <= 0:
            continue
        pr = prior_tot["total"].values[:, i] / denom
        po = post_tot["total"].values[:, i] / denom
        (pl, pm_, pu), (ql, qm, qu) = (np.quantile(pr, [lo_q, 0.5, hi_q]),
                                       np.quantile(po, [lo_q, 0.5, hi_q]))  # fmt: skip
        ratio = _log_width(ql, qu) / _log_width(pl, pu)
        cls = WELL if ratio <= WELL_MAX else WEAK if ratio <= WEAK_MAX else PRIOR
        ev = evidence[ch]
        row = {
            "channel": ch,
            "media": design.media[i],
            "metric": "roi" if cost else "share",
            "prior_lower": pl,
            "prior_median": pm_,
            "prior_upper": pu,
            "post_lower": ql,
            "post_median": qm,
            "post_upper": qu,
            "width_ratio": float(ratio),
            "median_shift": float(np.log(max(qm, 1e-12) / max(pm_, 1e-12))),
            "class": cls,
            **ev,
        }
        row["reason"] = "" if cls == WELL else reason(row)
        rows.append(row)
    table = pd.DataFrame(rows, columns=[*COLUMNS, *EVIDENCE])
    by_geo = identifiability_by_geo(result, prob=prob, prior=prior) if design.is_panel else None
    return Identifiability(table, prob, result.dataset.channel_map.currency, by_geo)


def identifiability_by_geo(
    result: FitResult, draws: int = 500, prob: float = 0.9, seed: int | None = None,
    prior: FitResult | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per region and channel with a cost: prior vs posterior ROI interval, width ratio and class.

    The same measure as :func:`identifiability` (log-scale width ratio of the 90% intervals)
    on each region's ROI, for a regional fit. Columns: ``geo, channel, prior_lower,
    prior_upper, post_lower, post_median, post_upper, width_ratio, class``; regions where a
    channel had no spend are left out. ``prior`` reuses prior draws already made
    (:func:`prior_result`).
    """
    if result.n_samples < MIN_DRAWS:
        raise ValueError(
            f"identifiability needs posterior draws; this fit has {result.n_samples} "
            f"(method={result.spec.method!r}). Fit with MCMC to measure what the data can tell."
        )
    design = result.design
    prior = prior if prior is not None else prior_result(result, draws, seed)
    post_tot, prior_tot = effect_totals(result, by_geo=True), effect_totals(prior, by_geo=True)
    lo_q, hi_q = (1 - prob) / 2, 1 - (1 - prob) / 2
    rows = []
    for j, ch in enumerate(design.channels):
        if not design.has_cost[j]:
            continue
        for g, geo in enumerate(design.geos):
            spend = float(post_tot["spend"].values[g, j])
            if spend <= 0:
                continue
            pl, pu = np.quantile(prior_tot["total"].values[:, g, j] / spend, [lo_q, hi_q])
            ql, qm, qu = np.quantile(post_tot["total"].values[:, g, j] / spend, [lo_q, 0.5, hi_q])
            ratio = _log_width(ql, qu) / _log_width(pl, pu)
            cls = WELL if ratio <= WELL_MAX else WEAK if ratio <= WEAK_MAX else PRIOR
            rows.append({"geo": geo, "channel": ch, "prior_lower": pl, "prior_upper": pu,
                         "post_lower": ql, "post_median": qm, "post_upper": qu,
                         "width_ratio": float(ratio), "class": cls})  # fmt: skip
    return pd.DataFrame(rows, columns=list(GEO_COLUMNS))


def _log_width(lo: float, hi: float) -> float:
    lo = max(float(lo), abs(float(hi)) * 1e-6, 1e-12)
    return float(np.log(max(float(hi), lo * (1 + 1e-9)) / lo))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _evidence(result: FitResult) -> dict[str, dict[str, Any]]:
    """Per channel: correlations with the fitted baseline and other channels, variation, signal-to-noise."""
    design = result.design
    train = design.train
    mean_p = {
        str(k): np.asarray(v.mean(("chain", "draw")).values) for k, v in result.posterior.items()
    }
    scale = design.kpi_scale  # national series: regions summed in currency
    base = {
        k: (np.asarray(v) * scale).sum(axis=-1) for k, v in baseline(np, design, mean_p).items()
    }
    zero = np.zeros(design.n_periods)
    season = np.asarray(base.get("seasonality", zero)) + np.asarray(base.get("holidays", zero))
    trend = np.asarray(base.get("trend", zero)) * np.ones(design.n_periods)
    weekly = np.zeros((design.n_periods, len(design.channels)))
    n = 0
    for p, eff in iter_effects(result):
        weekly += (eff.direct + eff.via_earned).sum(axis=(0, 2))
        n += p["beta"].shape[0]
    weekly /= max(n, 1)
    kpi = result.dataset.kpi_total[train]
    noise = float(np.sqrt(np.sum((np.asarray(mean_p["sigma"]) * scale) ** 2)))
    x = result.dataset.activity_total[train]
    out = {}
    for i, ch in enumerate(design.channels):
        xi = x[:, i]
        others = [
            (abs(_corr(xi, x[:, j])), design.channels[j])
            for j in range(len(design.channels))
            if j != i and design.media[j] != "earned"
        ]
        cmax, cname = max(others) if others else (0.0, "")
        sd = float(np.std(weekly[train, i]))
        out[ch] = {
            "corr_season": _corr(xi, season[train]),
            "corr_trend": _corr(xi, trend[train]),
            "corr_baseline": _corr(xi, (season + trend)[train]),
            "cv": float(np.std(xi) / np.mean(xi)) if np.mean(xi) > 0 else 0.0,
            "signal_to_noise": sd * np.sqrt(train.sum()) / noise if noise > 0 else np.inf,
            "share_of_kpi": float(weekly[train, i].sum() / kpi.sum()),
            "collinear_with": cname,
            "corr_channel": cmax,
            "noise": noise / float(np.mean(kpi)),
        }
    return out


# ---------------------------------------------------------------------- wording (all of it)
def _num(v: float, metric: str = "roi") -> str:
    if metric == "share":
        return f"{100 * v:.2g}%" if v < 0.1 else f"{100 * v:.0f}%"
    if not np.isfinite(v):
        return "n/a"
    return f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def reason(row: Mapping[str, Any]) -> str:
    """Why the data cannot pin the channel down, from the evidence numbers (``; ``-joined)."""
    parts = []
    cs, ct, cb = abs(row["corr_season"]), abs(row["corr_trend"]), abs(row["corr_baseline"])
    if cs >= CORR_BASELINE and ct >= CORR_BASELINE:
        parts.append(
            f"its spend follows both the season and the trend (corr {cs:.2f} and {ct:.2f})"
        )
    elif cs >= CORR_BASELINE:
        parts.append(f"its spend rises and falls with the season (corr {cs:.2f})")
    elif ct >= CORR_BASELINE:
        parts.append(f"its spend moves with the trend (corr {ct:.2f})")
    elif cb >= CORR_BASELINE:
        parts.append(f"its spend follows the seasonal and trend baseline (corr {cb:.2f})")
    if row["cv"] < LOW_CV:
        parts.append(f"its input barely varies (coefficient of variation {row['cv']:.2f})")
    if row["signal_to_noise"] < LOW_SNR:
        parts.append(
            f"its effect is below the noise (about {100 * row['share_of_kpi']:.2g}% of the KPI "
            f"against weekly noise of about {100 * row['noise']:.2g}%; "
            f"signal-to-noise {row['signal_to_noise']:.1f})"
        )
    if row["corr_channel"] >= CORR_CHANNELS:
        parts.append(
            f"its input moves with {row['collinear_with']}'s (corr {row['corr_channel']:.2f})"
        )
    if not parts:
        parts.append(
            "the data holds little information on it: its carry-over and saturation trade off "
            "against the effect size"
        )
    return "; ".join(parts)


def sentence(row: Mapping[str, Any]) -> str:
    """The plain-words finding for one table row."""
    ch, m, cls = row["channel"], row["metric"], row["class"]
    what = "ROI" if m == "roi" else "share of KPI"
    lo, hi = _num(row["post_lower"], m), _num(row["post_upper"], m)
    plo, phi = _num(row["prior_lower"], m), _num(row["prior_upper"], m)
    if cls == PRIOR:
        return (
            f"The data cannot distinguish {'an ROI' if m == 'roi' else 'a share of KPI'} of {lo} "
            f"from {hi} for {ch}; its estimate is mostly our prior ({plo}–{phi}): {row['reason']}."
        )
    if cls == WEAK:
        return (
            f"The data narrows {ch}'s {what} only partly, to {lo}–{hi} (the prior allowed "
            f"{plo}–{phi}); treat it as indicative: {row['reason']}."
        )
    return f"The data pins {ch}'s {what} down to {lo}–{hi} (the prior allowed {plo}–{phi})."


def recommendation(row: Mapping[str, Any]) -> str:
    """What to do about a channel that is not well identified."""
    if row["metric"] == "roi":
        return (
            f"Run a lift test on {row['channel']} (see experiments.csv for the spend change and "
            "duration) and refit with its result (mmm fit --lift-tests tests.csv); until then "
            "the optimiser keeps its budget within tight bounds."
        )
    return (
        f"Treat {row['channel']}'s contribution as indicative; an experiment (pausing it for a "
        "few weeks, or in some regions) would pin it down."
    )
