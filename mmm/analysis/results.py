"""FitResult: the immutable outcome of a fit — posterior, data and spec — and its views.

It is the only place that touches the sampler's container type: the posterior is kept as a
plain :class:`xarray.Dataset` of parameters (chain, draw, …). Everything derived —
contributions, ROI, curves — is recomputed from parameters on demand, so saved results stay
small. Save/load uses netCDF + JSON + TOML, never pickle.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._checks import Checks
from mmm.analysis import attribution
from mmm.data.config import ChannelMap
from mmm.data.dataset import MMMDataset
from mmm.model.design import Design
from mmm.model.spec import ModelSpec

FORMAT_VERSION = 1

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

    # ------------------------------------------------------------------ basics
    @cached_property
    def design(self) -> Design:
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
    def roi(self, window: Any = None, prob: float = attribution.PROB) -> xr.Dataset:
        """ROI per channel with a cost (total incl. earned amplification, and direct); dims: channel."""
        return attribution.roi(self, window, prob)

    def mroi(self, window: Any = "last:13", prob: float = attribution.PROB) -> xr.Dataset:
        """Marginal ROI of the next unit of spend at the spend level in ``window``; dims: channel."""
        return attribution.mroi(self, window, prob=prob)

    def contributions(
        self, window: Any = None, by: str = "channel", prob: float = attribution.PROB
    ) -> xr.Dataset:
        """Weekly contributions (mean, lower, upper) by channel and baseline part, or by media type."""
        return attribution.contributions(self, window, by, prob)

    def response_curves(
        self,
        channels: Any = None,
        n_points: int = 25,
        max_multiple: float = 2.0,
        window: Any = "last:13",
    ) -> xr.Dataset:
        """Incremental KPI vs spend for each channel over ``window``; dims: channel, multiple."""
        return attribution.response_curves(self, channels, n_points, max_multiple, window)

    def fitted(self, prob: float = attribution.PROB) -> xr.Dataset:
        """Actual vs expected KPI with credible and predictive intervals; dims: date."""
        return attribution.fitted(self, prob)

    def earned(self, window: Any = None, prob: float = attribution.PROB) -> xr.Dataset:
        """Earned media generated by each source and the KPI it was worth; dims: source."""
        return attribution.earned_summary(self, window, prob)

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
        """Sampler checks only (R-hat, ESS, divergences, stuck chains, BFMI)."""
        from mmm.analysis.diagnostics import convergence_checks

        return convergence_checks(self)

    def diagnostics(self) -> Checks:
        """Every check: convergence, fit quality in sample and on the holdout, coverage."""
        from mmm.analysis.diagnostics import diagnose

        return diagnose(self)

    def identifiability(self, draws: int = 500) -> Any:
        """How far the data moved each channel's ROI from its prior (mmm.analysis.identify.Identifiability)."""
        from mmm.analysis.identify import identifiability

        return identifiability(self, draws=draws)

    # ------------------------------------------------------------------ presentation
    def summary(self) -> pd.DataFrame:
        """ROI table (one row per channel with a cost)."""
        return self.roi().to_dataframe().reset_index()

    def __repr__(self) -> str:
        approx = " (APPROXIMATE: MAP point estimate)" if self.is_approximate else ""
        return (
            f"FitResult({self.dataset.n_periods} periods, {len(self.channels)} channels, "
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
        """Write the result to ``directory`` (netCDF for arrays, JSON/TOML for the rest)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        enc = {v: {"zlib": True, "complevel": 4} for v in self.posterior.data_vars}
        self.posterior.to_netcdf(d / "posterior.nc", engine="h5netcdf", encoding=enc)
        stats = self.sample_stats
        if len(stats.data_vars):
            stats = stats.assign(
                {k: v.astype("int8") for k, v in stats.data_vars.items() if v.dtype == bool}
            )
            stats.to_netcdf(
                d / "sample_stats.nc",
                engine="h5netcdf",
                encoding={v: {"zlib": True} for v in stats.data_vars},
            )
        data = self.dataset.data.copy()
        data = data.assign_coords(
            social=data["social"].astype("int8"), has_cost=data["has_cost"].astype("int8")
        )
        data.to_netcdf(d / "data.nc", engine="h5netcdf")
        (d / "channel_map.toml").write_text(self.dataset.channel_map.to_toml(), encoding="utf-8")
        meta = {
            "format_version": FORMAT_VERSION,
            "spec": self.spec.to_dict(),
            "info": jsonable(self.info),
        }
        (d / "result.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        return d

    @classmethod
    def load(cls, directory: str | Path) -> FitResult:
        """Read a result written by :meth:`save`."""
        d = Path(directory)
        if not (d / "result.json").exists():
            raise FileNotFoundError(
                f"{str(d)!r} holds no saved FitResult (result.json is missing)."
            )
        meta = json.loads((d / "result.json").read_text(encoding="utf-8"))
        posterior = xr.load_dataset(d / "posterior.nc", engine="h5netcdf")
        stats = (
            xr.load_dataset(d / "sample_stats.nc", engine="h5netcdf")
            if (d / "sample_stats.nc").exists()
            else xr.Dataset()
        )
        if "diverging" in stats:
            stats["diverging"] = stats["diverging"].astype(bool)
        data = xr.load_dataset(d / "data.nc", engine="h5netcdf")
        data = data.assign_coords(
            social=data["social"].astype(bool), has_cost=data["has_cost"].astype(bool)
        )
        for c in ("channel", "control", "media", "platform"):
            if c in data.coords:
                data = data.assign_coords({c: data[c].astype(str)})
        cmap = ChannelMap.from_toml((d / "channel_map.toml").read_text(encoding="utf-8"))
        dataset = MMMDataset(data, cmap)
        return cls(
            posterior, stats, dataset, ModelSpec.from_dict(meta["spec"]), meta.get("info", {})
        )


def jsonable(obj: Any) -> Any:
    """Plain JSON-safe values: str keys, lists, Python scalars, and None for NaN/inf."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
