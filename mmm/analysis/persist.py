"""Saving and loading fits so that a result loads back the same in any later process.

A saved result is a folder: ``posterior.nc``, ``sample_stats.nc`` and ``data.nc`` (netCDF),
``design.nc`` (the baseline features the model was fitted with), ``channel_map.toml`` and
``result.json`` (format version, library versions, spec, fit info). Never pickle.

The baseline features are stored, not recomputed, because they come from outside the data:
holiday regressors from the ``holidays`` package (whose calendars change between releases, and
whose coefficients would then land on the wrong days), Fourier terms, the trend's time index
and changepoints, and the standardised controls from code that may change. Loading puts them back into the design, so ROI,
contributions and forecasts of a loaded result are those of the fit, whatever is installed.

Formats: 2 (this module; ``design.nc`` and library versions) and 1 (mmm 0.2: no ``design.nc``;
the features are recomputed and the holiday names checked against the posterior's). A newer
format than :data:`FORMAT_VERSION` is refused with what to do.
"""

from __future__ import annotations

import json
import platform
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from mmm.data.config import ChannelMap
from mmm.data.dataset import NATIONAL, MMMDataset
from mmm.exceptions import SavedResultError, list_some
from mmm.model.design import Design
from mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

#: the format :func:`save` writes; :func:`load` reads this one and every older one listed here
#: 1: mmm 0.1; 2: baseline features and library versions stored; 3: a region axis on the data
#: and on regional parameters (formats 1 and 2 are read as one-region results)
FORMAT_VERSION = 3
READABLE_FORMATS = (1, 2, 3)
#: libraries whose versions a saved result records (``result.json`` → ``versions``)
LIBRARIES = ("mediamix", "numpy", "scipy", "pandas", "xarray", "pymc", "pytensor", "nutpie",
             "arviz", "holidays", "h5netcdf")  # fmt: skip
#: the design's baseline features kept in ``design.nc``: Design field → (variable, dims)
FEATURES = {
    "t": ("trend_time", ("date",)),
    "changepoints": ("trend_changepoints", ("changepoint",)),
    "fourier": ("fourier_terms", ("date", "fourier")),
    "holidays": ("holiday_share", ("date", "holiday")),
    "controls": ("controls_standardised", ("date", "geo", "control")),
}
#: posterior variables that gained a leading region axis in format 3 (a suffix for earned ones)
REGIONAL_PARAMS = ("beta", "intercept", "trend_slope", "season", "level", "sigma", "_organic")


# ---------------------------------------------------------------------- versions
def library_versions() -> dict[str, str]:
    """Installed versions of Python and of :data:`LIBRARIES` ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ---------------------------------------------------------------------- design features
def design_features(design: Design) -> xr.Dataset:
    """The baseline features of ``design`` (time index, changepoints, Fourier terms, holidays).

    Variables (see :data:`FEATURES`) over the dims ``date``, ``changepoint``, ``fourier`` and
    ``holiday`` (labelled with the holiday names, which are also the coordinates of the
    posterior's ``holiday_coef``).
    """
    coords = design.coords()
    data = {
        var: (dims, np.asarray(getattr(design, name), dtype=float))
        for name, (var, dims) in FEATURES.items()
    }
    return xr.Dataset(
        data,
        coords={
            "date": design.dates,
            "changepoint": coords["changepoint"],
            "fourier": coords["fourier"],
            "holiday": list(design.holiday_names),
            "control": list(design.control_names),
            "geo": list(design.geos),
        },
    )


def restore_design(dataset: MMMDataset, spec: ModelSpec, features: xr.Dataset) -> Design:
    """The design of a saved fit: inputs from ``dataset``, baseline features as stored.

    The holiday calendar is not consulted (a ``holidays`` release that renamed, moved or
    dropped a holiday cannot change the loaded result).
    """
    no_calendar = MMMDataset(dataset.data, replace(dataset.channel_map, holidays=None))
    design = Design.build(no_calendar, spec.replace(holidays=None))
    n = design.n_periods
    if features.sizes.get("date") != n:
        raise SavedResultError(
            f"The saved design features cover {features.sizes.get('date')} periods but the saved "
            f"data has {n}: the result folder is inconsistent (files from different fits?)."
        )
    stored: dict[str, Any] = {
        name: np.asarray(features[var].values, dtype=float) for name, (var, _) in FEATURES.items()
    }
    stored["holidays"] = stored["holidays"].reshape(n, -1)
    stored["controls"] = stored["controls"].reshape(n, design.n_geos, -1)
    names = tuple(str(h) for h in features["holiday"].values)
    return replace(design, **stored, holiday_names=names, spec=spec)


def check_coordinates(posterior: xr.Dataset, design: Design, where: str) -> None:
    """The posterior's labelled baseline coefficients must match the design's features."""
    coords = design.coords()
    for var, dim in (
        ("holiday_coef", "holiday"),
        ("season", "fourier"),
        ("trend_delta", "changepoint"),
        ("control_coef", "control"),
    ):
        # a coefficient the fit did not have means it had no such feature
        fitted = [str(v) for v in posterior[dim].values] if var in posterior else []
        now = [str(v) for v in coords[dim]]
        if fitted != now:
            gone = [v for v in fitted if v not in now]
            new = [v for v in now if v not in fitted]
            raise SavedResultError(
                f"{where}: the posterior's {dim} coefficients were fitted on {len(fitted)} "
                f"{dim} features, but the recomputed design has {len(now)} "
                f"(missing now: {list_some(gone) or 'none'}; new: {list_some(new) or 'none'}). "
                "The installed libraries (e.g. the `holidays` package) give different features "
                "than the fit used; install the versions in result.json, or refit."
            )


# ---------------------------------------------------------------------- save / load
def save(result: FitResult, directory: str | Path) -> Path:
    """Write ``result`` to ``directory`` (see the module docstring for the files)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    enc = {v: {"zlib": True, "complevel": 4} for v in result.posterior.data_vars}
    result.posterior.to_netcdf(d / "posterior.nc", engine="h5netcdf", encoding=enc)
    stats = result.sample_stats
    if len(stats.data_vars):
        stats = stats.assign(
            {k: v.astype("int8") for k, v in stats.data_vars.items() if v.dtype == bool}
        )
        stats.to_netcdf(
            d / "sample_stats.nc",
            engine="h5netcdf",
            encoding={v: {"zlib": True} for v in stats.data_vars},
        )
    data = result.dataset.data.copy()
    data = data.assign_coords(
        social=data["social"].astype("int8"), has_cost=data["has_cost"].astype("int8")
    )
    data.to_netcdf(d / "data.nc", engine="h5netcdf")
    features = design_features(result.design)
    features.to_netcdf(
        d / "design.nc", engine="h5netcdf", encoding={v: {"zlib": True} for v in features.data_vars}
    )
    (d / "channel_map.toml").write_text(result.dataset.channel_map.to_toml(), encoding="utf-8")
    meta = {
        "format_version": FORMAT_VERSION,
        "versions": library_versions(),
        "spec": result.spec.to_dict(),
        "info": jsonable(result.info),
    }
    (d / "result.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    return d


def load(directory: str | Path) -> dict[str, Any]:
    """The parts of a result saved by :func:`save` (FitResult's fields), checked.

    Raises
    ------
    FileNotFoundError
        When ``directory`` holds no ``result.json``.
    SavedResultError
        For a format this mmm cannot read (saying which mmm wrote it and what to do), or
        baseline features that no longer match the posterior (format 1).
    """
    d = Path(directory)
    meta = read_meta(d)
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
    if int(meta["format_version"]) < 3:
        data, posterior = one_region(data, posterior)
    for c in ("channel", "control", "media", "platform", "geo", "level"):
        if c in data.coords:
            data = data.assign_coords({c: data[c].astype(str)})
    cmap = ChannelMap.from_toml((d / "channel_map.toml").read_text(encoding="utf-8"))
    dataset = MMMDataset(data, cmap)
    spec = ModelSpec.from_dict(meta["spec"])
    features = None
    if (d / "design.nc").exists():
        features = xr.load_dataset(d / "design.nc", engine="h5netcdf")
        if "geo" not in features["controls_standardised"].dims:
            features["controls_standardised"] = features["controls_standardised"].expand_dims(
                {"geo": [NATIONAL]}, axis=1
            )
        features = features.assign_coords(
            {c: features[c].astype(str) for c in ("holiday", "fourier", "changepoint", "control", "geo")
             if c in features.coords}
        )  # fmt: skip
        design = restore_design(dataset, spec, features)
    else:
        design = Design.build(dataset, spec)
    check_coordinates(posterior, design, str(d))
    return {
        "posterior": posterior,
        "sample_stats": stats,
        "dataset": dataset,
        "spec": spec,
        "info": fit_info(meta),
        "features": features,
    }


def read_meta(directory: str | Path) -> dict[str, Any]:
    """``result.json`` of a saved result (format, library versions, spec, fit info), checked.

    Raises
    ------
    FileNotFoundError, SavedResultError
        As :func:`load`.
    """
    d = Path(directory)
    if not (d / "result.json").exists():
        raise FileNotFoundError(f"{str(d)!r} holds no saved FitResult (result.json is missing).")
    meta = json.loads((d / "result.json").read_text(encoding="utf-8"))
    check_format(meta, str(d))
    return dict(meta)


def fit_info(meta: dict[str, Any]) -> dict[str, Any]:
    """The loaded result's ``info``: the fit's, the library versions it was saved with, its format."""
    info = dict(meta.get("info", {}))
    info["saved_with"] = meta.get("versions", {})
    info["format_version"] = int(meta["format_version"])
    return info


def one_region(data: xr.Dataset, posterior: xr.Dataset) -> tuple[xr.Dataset, xr.Dataset]:
    """A result saved before regions (formats 1, 2) as the one-region result it is.

    Arrays that already carry the region axis are left as they are.
    """
    if "geo" in data.dims:
        return data, posterior
    axes = {"kpi": 1, "spend": 1, "activity": 1, "controls": 1}
    data = data.assign({v: data[v].expand_dims({"geo": [NATIONAL]}, axis=a) for v, a in axes.items()})
    if "level" not in data.coords:
        data = data.assign_coords(level=("channel", ["regional"] * data.sizes["channel"]))
    regional = [v for v in posterior.data_vars if v in REGIONAL_PARAMS or str(v).endswith("_organic")]
    posterior = posterior.assign(
        {v: posterior[v].expand_dims({"geo": [NATIONAL]}, axis=2) for v in regional}
    )
    return data, posterior


def check_format(meta: dict[str, Any], where: str) -> None:
    """Refuse a format this mmm cannot read, saying who wrote it and what to do."""
    version = meta.get("format_version")
    saved_by = meta.get("versions", {}).get("mediamix", "an unknown version")
    installed = library_versions()["mediamix"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise SavedResultError(
            f"{where}/result.json has no valid format_version ({version!r}); it was not written "
            "by FitResult.save, or was edited by hand."
        )
    if version > FORMAT_VERSION:
        raise SavedResultError(
            f"{where} was saved by mmm {saved_by} in result format {version}; this mmm "
            f"({installed}) reads formats {', '.join(map(str, READABLE_FORMATS))}. Upgrade mmm "
            "(pip install -U mediamix) to load it."
        )
    if version not in READABLE_FORMATS:
        raise SavedResultError(
            f"{where} is in result format {version}, which this mmm ({installed}) cannot read "
            f"(it reads {', '.join(map(str, READABLE_FORMATS))}). Refit the model."
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
