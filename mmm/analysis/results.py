"""FitResult: the immutable outcome of a fit — posterior, data and spec — and its views.

It is the only place that touches the sampler's container type: the posterior is kept as a
plain :class:`xarray.Dataset` of parameters (chain, draw, …). Everything derived —
contributions, ROI, curves — is recomputed from parameters on demand, so saved results stay
small. Save/load uses netCDF + JSON + TOML, never pickle.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import xarray as xr

from mmm._checks import Checks
from mmm.analysis import attribution, persist
from mmm.analysis.persist import FORMAT_VERSION, jsonable
from mmm.data.dataset import MMMDataset
from mmm.model.design import Design
from mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    from mmm.analysis.identify import Identifiability

T = TypeVar("T")

__all__ = ["ACCESSORS", "FORMAT_VERSION", "FitResult", "jsonable", "register_accessor"]

#: accessor name → factory taking a FitResult, filled in by higher layers (see :func:`register_accessor`)
ACCESSORS: dict[str, Callable[[FitResult], Any]] = {}


def register_accessor(name: str) -> Callable[[Any], Any]:
    """Class decorator: ``result.<name>`` returns ``cls(result)`` (used by :mod:`mmm.present` for ``plot``)."""

    def register(cls: Any) -> Any:
        ACCESSORS[name] = cls
        return cls

    return register


@dataclass(frozen=True, eq=False)
class FitResult:
    """Posterior of a media-mix model with the dataset and spec it came from.

    Methods return labelled xarray objects in currency; call ``.to_dataframe()`` on them
    for tidy tables. Windows (``window=``) accept None (all data), ``(start, end)``,
    a period string such as ``"2024Q3"``, or ``"last:13"``.
    """

    posterior: xr.Dataset
    sample_stats: xr.Dataset
    dataset: MMMDataset
    spec: ModelSpec
    info: dict[str, Any] = field(default_factory=dict)
    #: the baseline features the model was fitted with (see :mod:`mmm.analysis.persist`);
    #: None: recompute them from the dataset and spec
    features: xr.Dataset | None = None

    # ------------------------------------------------------------------ basics
    @cached_property
    def design(self) -> Design:
        """The model's constant arrays; baseline features as fitted when ``features`` is set."""
        if self.features is not None:
            return persist.restore_design(self.dataset, self.spec, self.features)
        return Design.build(self.dataset, self.spec)

    @property
    def channels(self) -> tuple[str, ...]:
        return self.dataset.channels

    @property
    def n_samples(self) -> int:
        return int(self.posterior.sizes["chain"] * self.posterior.sizes["draw"])

    @property
    def is_approximate(self) -> bool:
        return self.spec.method != "mcmc"

    def fingerprint(self) -> str:
        """A short hash of the draws, the data, the spec and mmm's version.

        Everything computed from a result depends on these and nothing else, so tables saved
        beside a result (``diagnostics.json`` of a run directory) are reused only while the
        result they were computed from has this fingerprint.
        """
        import hashlib
        import json

        import numpy as np

        from mmm import __version__

        h = hashlib.sha256(f"mmm {__version__} format {FORMAT_VERSION}".encode())
        h.update(json.dumps(self.spec.to_dict(), sort_keys=True, default=str).encode())
        for part in (self.posterior, self.dataset.data):
            for name in sorted(map(str, part.data_vars)):
                h.update(name.encode())
                h.update(np.ascontiguousarray(part[name].values).tobytes())
        return h.hexdigest()[:24]

    def thin(self, max_samples: int | None) -> FitResult:
        """This result with every k-th draw of each chain, so that at most ``max_samples`` remain."""
        n = self.n_samples
        if max_samples is None or n <= max_samples:
            return self
        keep = slice(None, None, -(-n // max_samples))
        stats = self.sample_stats
        if "draw" in stats.dims:
            stats = stats.isel(draw=keep)
        thinned = replace(self, posterior=self.posterior.isel(draw=keep), sample_stats=stats)
        if "design" in self.__dict__:  # same data and spec: share the built design (~0.3 s)
            thinned.__dict__["design"] = self.__dict__["design"]
        return thinned

    # ------------------------------------------------------------------ attribution
    def roi(
        self, window: Any = None, prob: float = attribution.PROB, by: str | None = None
    ) -> xr.Dataset:
        """ROI per channel with a cost (total incl. earned amplification, and direct); dims: channel.

        ``by="geo"``: per region, dims (geo, channel).
        """
        return attribution.roi(self, window, prob, by)

    def mroi(self, window: Any = "last:13", prob: float = attribution.PROB) -> xr.Dataset:
        """Marginal ROI of the next unit of spend at the spend level in ``window``; dims: channel."""
        return attribution.mroi(self, window, prob=prob)

    def contributions(
        self, window: Any = None, by: str = "channel", prob: float = attribution.PROB,
        geo: bool = False,
    ) -> xr.Dataset:  # fmt: skip
        """Weekly contributions (mean, lower, upper) by channel and baseline part, or by media type.

        National totals; ``geo=True`` keeps the region axis.
        """
        return attribution.contributions(self, window, by, prob, geo)

    def response_curves(
        self,
        channels: Any = None,
        n_points: int = 25,
        max_multiple: float = 2.0,
        window: Any = "last:13",
    ) -> xr.Dataset:
        """Incremental KPI vs spend for each channel over ``window``; dims: channel, multiple."""
        return attribution.response_curves(self, channels, n_points, max_multiple, window)

    def fitted(self, prob: float = attribution.PROB, geo: bool = False) -> xr.Dataset:
        """Actual vs expected KPI with credible and predictive intervals; dims: date (and geo)."""
        return attribution.fitted(self, prob, geo=geo)

    def earned(self, window: Any = None, prob: float = attribution.PROB) -> xr.Dataset:
        """Earned media generated by each source and the KPI it was worth; dims: source."""
        return attribution.earned_summary(self, window, prob)

    def events(self, prob: float = attribution.PROB) -> xr.Dataset:
        """Each named event's effect on the KPI (a crisis's cost: ``-effect``); dims: event."""
        from mmm.analysis.events import event_summary

        return event_summary(self, prob)

    def crisis_response(self, prob: float = attribution.PROB) -> xr.Dataset:
        """What paid social spent during each declared crisis returned; dims: response."""
        from mmm.analysis.events import response_summary

        return response_summary(self, prob)

    def predict(self, future: pd.DataFrame, prob: float = attribution.PROB) -> xr.Dataset:
        """Expected KPI for future periods given their inputs, with carry-over from the data.

        ``future`` has the date column and every channel's spend/activity column of the
        channel map (earned activity is predicted from its sources and may be omitted) and
        the control columns. Returns mean/lower/upper over ``date`` in currency.
        """
        from mmm.analysis.forecast import predict

        return predict(self, future, prob)

    # ------------------------------------------------------------------ diagnostics
    def convergence(self) -> Checks:
        """Sampler checks only (R-hat, ESS, divergences, stuck chains, BFMI).

        Computed once per result (the draws never change): the fit, :meth:`diagnostics` and
        the report share them.
        """
        return self._convergence

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` the first time ``key`` is asked for, the same value after.

        For summaries of the draws (they never change) that several outputs need: the
        tables, the identifiability evidence and the report each ask for the same totals.
        """
        memo = self._memo
        if key not in memo:
            memo[key] = compute()
        return memo[key]  # type: ignore[no-any-return]

    @cached_property
    def _memo(self) -> dict[Hashable, Any]:
        return {}

    @cached_property
    def _convergence(self) -> Checks:
        from mmm.analysis.diagnostics import convergence_checks

        return convergence_checks(self)

    def diagnostics(self) -> Checks:
        """Every check: convergence, fit quality in sample and on the holdout, coverage."""
        from mmm.analysis.diagnostics import diagnose

        return diagnose(self)

    def identifiability(self, draws: int = 500) -> Identifiability:
        """How far the data moved each channel's ROI from its prior."""
        from mmm.analysis.identify import identifiability

        return identifiability(self, draws=draws)

    # ------------------------------------------------------------------ ArviZ
    def to_datatree(
        self, *, log_likelihood: bool = True, posterior_predictive: bool = True
    ) -> xr.DataTree:
        """The fit as an ArviZ 1.x ``xarray.DataTree`` (the ``idata`` of PyMC users).

        Groups: posterior, sample_stats, observed_data, constant_data, and (computed from
        the posterior) posterior_predictive and log_likelihood; see
        :mod:`mmm.analysis.datatree`. So ``az.summary(dt)``, ``az.plot_trace(dt)``,
        ``az.plot_ppc_dist(dt)`` and ``az.loo(dt)`` work on it.
        """
        from mmm.analysis.datatree import to_datatree

        return to_datatree(
            self, log_likelihood=log_likelihood, posterior_predictive=posterior_predictive
        )

    # ------------------------------------------------------------------ presentation
    def summary(self) -> pd.DataFrame:
        """ROI table (one row per channel with a cost)."""
        return self.roi().to_dataframe().reset_index()

    def __repr__(self) -> str:
        approx = " (APPROXIMATE: MAP point estimate)" if self.is_approximate else ""
        regions = f"{self.dataset.n_geos} regions, " if self.dataset.is_panel else ""
        return (
            f"FitResult({self.dataset.n_periods} periods, {regions}{len(self.channels)} channels, "
            f"{self.posterior.sizes['chain']}×{self.posterior.sizes['draw']} draws, "
            f"sampler={self.spec.sampler}{approx})"
        )

    def _repr_html_(self) -> str:
        table = self.summary()
        cur = self.dataset.channel_map.currency
        cols = [
            "channel",
            "media",
            "spend",
            "contribution_mean",
            "roi_mean",
            "roi_lower",
            "roi_upper",
        ]
        body = table[cols].to_html(
            index=False,
            float_format=lambda v: f"{v:,.2f}",
            formatters={
                "spend": lambda v: f"{cur}{v:,.0f}",
                "contribution_mean": lambda v: f"{cur}{v:,.0f}",
            },
        )
        status = self.convergence().status
        return f"<div><p>{html.escape(repr(self))} — convergence: <strong>{status}</strong></p>{body}</div>"

    @property
    def plot(self) -> Any:
        """Plot accessor: ``result.plot.roi()``, ``.contributions()``, ``.fit()``, ``.response_curves()``.

        Registered by :mod:`mmm.present` (the pandas/xarray accessor pattern), so that results
        never import the presentation layer; ``import mmm`` registers it on first use.
        """
        make = ACCESSORS.get("plot")
        if make is None:
            raise AttributeError(
                "result.plot is provided by mmm.present: run `import mmm.present` first "
                "(`import mmm` does it when you use mmm.load, mmm.MediaMixModel, …)."
            )
        return make(self)

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path) -> Path:
        """Write the result to ``directory`` (netCDF for arrays, JSON/TOML for the rest).

        Besides the posterior and the data it stores the baseline features the model was
        fitted with (holidays, Fourier terms, trend), the result format version and the
        library versions, so that :meth:`load` gives the same numbers in any later process.
        """
        return persist.save(self, directory)

    @classmethod
    def load(cls, directory: str | Path) -> FitResult:
        """Read a result written by :meth:`save` (or by mmm 0.2, result format 1).

        ``info["saved_with"]`` holds the library versions recorded when it was saved.

        Raises
        ------
        SavedResultError
            A newer result format than this mmm reads (upgrade mmm), or baseline features
            that no longer match the posterior (format 1 after a ``holidays`` upgrade).
        """
        return cls(**persist.load(directory))
