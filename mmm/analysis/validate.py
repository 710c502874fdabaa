"""Out-of-sample validation and model comparison: "how do I know the model is right?".

**Rolling-origin cross-validation** (:func:`cross_validate`, CLI ``mmm cv``). scikit-learn's
:class:`~sklearn.model_selection.TimeSeriesSplit` cuts the data into ``folds`` expanding training
windows, each followed by ``horizon`` test periods (the last fold's test ends with the data).
Each fold is an independent fit on its training periods only; its forecast of the test periods
(:func:`mmm.analysis.forecast.predict_draws`: planned spend as it ran, controls as observed,
earned media predicted from its sources, carry-over from the training periods) is scored
against the KPI that happened:

* ``mape``: mean absolute percentage error of the expected KPI;
* ``coverage``: share of test periods inside the ``prob`` (90%) posterior predictive interval
  (expected KPI plus the likelihood's noise);
* each channel's ROI (total, over the fold's training periods) with its interval.

**ROI stability rule.** A channel's ROI is flagged *unstable* when its fold intervals do not all
overlap (some fold's data rules out another fold's estimate; for intervals on a line,
overlapping pairwise and sharing a common point are the same) or when the coefficient of
variation of its fold means exceeds :data:`CV_MAX` (0.5). The training windows share most of
their data, so a stable channel's estimates move little between folds; one that swings has an
effect that changed over time, or an estimate held up by a few periods.

**Model comparison** (:func:`compare`, ``mmm.compare``): PSIS-LOO (ArviZ ``az.compare``) on the
pointwise log-likelihood of the KPI per training period (:func:`pointwise_loglik`), computed
from the posterior with the model's own forward maths.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from mmm._checks import Check, Checks, Status
from mmm._dims import DATE
from mmm.analysis.attribution import PROB, iter_params
from mmm.analysis.forecast import predict_draws, predictive_draws
from mmm.data.dataset import MMMDataset
from mmm.exceptions import ConfigError, DataValidationError, MMMError
from mmm.model.forward import in_sample_effects
from mmm.model.graph import SOFT_FLOOR
from mmm.model.sample import usable_cores
from mmm.model.spec import ModelSpec

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult

#: coefficient of variation of a channel's fold ROI means above which it is flagged
CV_MAX = 0.5
#: out-of-sample MAPE up to which the forecasts PASS, and up to which they are REVIEW (else FAIL)
MAPE_PASS, MAPE_REVIEW = 0.15, 0.3
#: |coverage − prob| above which the predictive interval is REVIEW
COVERAGE_TOL = 0.15
#: files a cross-validation writes into a run directory
FOLDS_FILE, ROI_FILE, STABILITY_FILE = "cv.csv", "cv_roi.csv", "cv_stability.csv"
FOLD_COLUMNS = ("fold", "train_start", "train_end", "test_start", "test_end", "n_train",
                "n_test", "mape", "coverage", "bias", "convergence", "fit_s")  # fmt: skip
ROI_COLUMNS = ("fold", "channel", "roi_mean", "roi_lower", "roi_upper")
STABILITY_COLUMNS = ("channel", "roi_mean", "roi_min", "roi_max", "roi_cv", "overlap",
                     "unstable", "reason")  # fmt: skip


# ---------------------------------------------------------------------- results
@dataclass(frozen=True)
class CrossValidation:
    """Per-fold accuracy and ROI of a rolling-origin cross-validation (see the module docstring).

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold: :data:`FOLD_COLUMNS` (``bias``: mean (forecast − actual) / actual;
        ``convergence``: the fold fit's PASS / REVIEW / FAIL).
    roi : pandas.DataFrame
        One row per fold and channel with a cost: :data:`ROI_COLUMNS`.
    prob : float
        Interval probability of ``coverage`` and the ROI intervals.
    """

    folds: pd.DataFrame
    roi: pd.DataFrame
    prob: float = PROB

    @property
    def stability(self) -> pd.DataFrame:
        """One row per channel: :data:`STABILITY_COLUMNS`, ``unstable`` by the rule of the module docstring."""
        return roi_stability(self.roi)

    @property
    def unstable(self) -> tuple[str, ...]:
        """Channels whose ROI swings between folds."""
        st = self.stability
        return tuple(st.loc[st["unstable"], "channel"])

    @property
    def mape(self) -> float:
        """Mean out-of-sample MAPE over the folds."""
        return float(self.folds["mape"].mean())

    @property
    def coverage(self) -> float:
        """Share of all test periods inside the predictive interval."""
        f = self.folds
        return float((f["coverage"] * f["n_test"]).sum() / f["n_test"].sum())

    def checks(self) -> Checks:
        """Out-of-sample accuracy, interval coverage and ROI stability as PASS / REVIEW / FAIL."""
        return Checks(
            (self._accuracy(), self._coverage(), self._stability()), title="Cross-validation"
        )

    def _accuracy(self) -> Check:
        worst = float(self.folds["mape"].max())
        vals = {"cv_mape": self.mape, "worst_fold_mape": worst, "folds": len(self.folds)}
        msg = (f"Out-of-sample MAPE {self.mape:.1%} over {len(self.folds)} folds of "
               f"{int(self.folds['n_test'].iloc[0])} periods (worst fold {worst:.1%}).")  # fmt: skip
        if self.mape <= MAPE_PASS:
            return Check("cv_accuracy", "PASS", msg, "", vals)
        status: Status = "REVIEW" if self.mape <= MAPE_REVIEW else "FAIL"
        return Check("cv_accuracy", status, msg,
                     "The model forecasts poorly out of sample: look for structural breaks or "
                     "missing drivers (add them as [controls] columns in the channel map) before "
                     "trusting ROI.", vals)  # fmt: skip

    def _coverage(self) -> Check:
        vals = {"cv_coverage": self.coverage, "nominal": self.prob}
        msg = f"{self.coverage:.0%} of test periods inside the {self.prob:.0%} predictive interval."
        if abs(self.coverage - self.prob) <= COVERAGE_TOL:
            return Check("cv_coverage", "PASS", msg, "", vals)
        rec = ("Intervals are too narrow out of sample: the noise or the trend is understated; "
               "try trend='piecewise' (ModelSpec) or add the missing driver as a control."
               if self.coverage < self.prob else
               "Intervals are wider than needed out of sample; nothing to fix for decisions.")  # fmt: skip
        return Check("cv_coverage", "REVIEW", msg, rec, vals)

    def _stability(self) -> Check:
        st = self.stability
        bad = st[st["unstable"]]
        vals = {"unstable": list(bad["channel"]), "cv_max": CV_MAX}
        if bad.empty:
            return Check("roi_stability", "PASS",
                         f"Every channel's ROI is stable across the {len(self.folds)} folds.", "", vals)  # fmt: skip
        detail = "; ".join(f"{r.channel}: {r.reason}" for r in bad.itertuples())
        return Check("roi_stability", "REVIEW", f"ROI swings between folds for {detail}.",
                     "Do not move budget on these channels' ROI alone: check whether their effect "
                     "changed over the data (a creative, a platform change) and run a lift test "
                     "(see experiments.csv) to pin them down.", vals)  # fmt: skip

    def __str__(self) -> str:
        show = self.folds[["fold", "train_end", "test_start", "test_end", "mape", "coverage"]]
        return "\n".join([str(self.checks()), "", show.to_string(index=False), "",
                          self.stability.round(3).to_string(index=False)])  # fmt: skip

    def _repr_html_(self) -> str:
        return (self.checks()._repr_html_() + self.folds.to_html(index=False)
                + self.stability.to_html(index=False, escape=True))  # fmt: skip

    # ------------------------------------------------------------------ files
    def save(self, directory: str | Path) -> dict[str, Path]:
        """Write ``cv.csv`` (folds), ``cv_roi.csv`` and ``cv_stability.csv`` into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {"folds": d / FOLDS_FILE, "roi": d / ROI_FILE, "stability": d / STABILITY_FILE}
        self.folds.assign(prob=self.prob).to_csv(paths["folds"], index=False)
        self.roi.to_csv(paths["roi"], index=False)
        self.stability.to_csv(paths["stability"], index=False)
        return paths

    @classmethod
    def load(cls, directory: str | Path) -> CrossValidation | None:
        """Read what :meth:`save` wrote; None when ``directory`` holds no cross-validation."""
        d = Path(directory)
        if not (d / FOLDS_FILE).exists() or not (d / ROI_FILE).exists():
            return None
        folds = pd.read_csv(d / FOLDS_FILE)
        prob = float(folds["prob"].iloc[0]) if "prob" in folds and len(folds) else PROB
        roi = pd.read_csv(d / ROI_FILE)
        roi["channel"] = roi["channel"].astype(str)
        return cls(folds.drop(columns="prob", errors="ignore"), roi, prob)


def roi_stability(roi: pd.DataFrame) -> pd.DataFrame:
    """Per channel, how much its fold ROI moves (columns :data:`STABILITY_COLUMNS`).

    ``overlap``: every fold's interval shares a point with every other's (max of the lower
    bounds ≤ min of the upper bounds); ``roi_cv``: standard deviation of the fold means over
    their mean. ``unstable`` = no overlap, or ``roi_cv`` > :data:`CV_MAX`.
    """
    rows = []
    for ch, g in roi.groupby("channel", sort=False):
        m = g["roi_mean"].to_numpy(dtype=float)
        lo, hi = float(g["roi_lower"].max()), float(g["roi_upper"].min())
        overlap = lo <= hi
        cv = float(np.std(m, ddof=1) / abs(np.mean(m))) if len(m) > 1 and np.mean(m) != 0 else 0.0
        reasons = []
        if not overlap:
            reasons.append(f"fold intervals do not overlap (one fold's lower bound {lo:.2f} is above "
                           f"another's upper bound {hi:.2f})")  # fmt: skip
        if cv > CV_MAX:
            reasons.append(f"fold means vary by {cv:.0%} of their mean (more than {CV_MAX:.0%})")
        rows.append((str(ch), float(m.mean()), float(m.min()), float(m.max()), cv, overlap,
                     bool(reasons), "; ".join(reasons)))  # fmt: skip
    return pd.DataFrame(rows, columns=list(STABILITY_COLUMNS))


# ---------------------------------------------------------------------- cross-validation
def cross_validate(
    ds: MMMDataset,
    spec: ModelSpec | None = None,
    folds: int = 4,
    horizon: int = 13,
    jobs: int | None = None,
    prob: float = PROB,
) -> CrossValidation:
    """Rolling-origin time-series cross-validation with scikit-learn's ``TimeSeriesSplit``.

    Parameters
    ----------
    ds : MMMDataset
    spec : ModelSpec, optional
        The specification every fold fits (its ``holdout_periods`` is set to 0: the folds are
        the holdout). Lift tests that end after a fold's training periods are left out of it.
    folds : int
        Number of folds (training windows), at least 2.
    horizon : int
        Test periods after each training window.
    jobs : int, optional
        Folds fitted at once in separate processes (default: one per core, at most ``folds``);
        1 fits them one after another in this process. Compiling a fold's model is
        single-threaded, so folds overlap well even when their chains share the cores: on 2
        cores, 4 folds of the bundled brand took 136 s with ``jobs=2`` and 238 s with 1.
    prob : float
        Probability of the predictive and ROI intervals.

    Returns
    -------
    CrossValidation

    Examples
    --------
    >>> cv = cross_validate(ds, ModelSpec(chains=2, draws=300, tune=300), folds=4, horizon=13)  # doctest: +SKIP
    >>> print(cv.checks())  # doctest: +SKIP
    """
    from sklearn.model_selection import TimeSeriesSplit

    spec = (spec or ModelSpec()).replace(holdout_periods=0, progress=False)
    if folds < 2 or horizon < 1:
        raise ConfigError(
            f"folds == {folds}, horizon == {horizon}; need folds >= 2 and horizon >= 1."
        )
    n = ds.n_periods
    if n - folds * horizon < 1:
        raise DataValidationError(
            f"{folds} folds of {horizon} periods need more than {folds * horizon} periods; the data "
            f"has {n}. Use fewer folds or a shorter horizon."
        )
    splits = TimeSeriesSplit(n_splits=folds, test_size=horizon).split(np.arange(n))
    tasks = [(ds, spec, int(tr[-1]) + 1, int(te[-1]) + 1, prob, k + 1)
             for k, (tr, te) in enumerate(splits)]  # fmt: skip
    for t in tasks:  # validate every training window before any fit
        ds.isel_dates(slice(0, t[2]))
    jobs = max(1, min(int(jobs if jobs is not None else usable_cores()), folds))
    if jobs == 1:
        out = [_fit_fold(*t) for t in tasks]
    else:
        try:
            with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
                out = list(pool.map(_fit_fold, *zip(*tasks, strict=True)))
        except BrokenProcessPool:
            raise MMMError(
                f"The {jobs} processes that fit the folds stopped before finishing. A script that "
                "calls cross_validate with jobs > 1 must call it under "
                '`if __name__ == "__main__":` (each process re-imports the script); otherwise '
                "pass jobs=1, or look above for the error a fold raised."
            ) from None
    fold_rows = [f for f, _ in out]
    roi_rows = [r for _, rs in out for r in rs]
    return CrossValidation(
        pd.DataFrame(fold_rows, columns=list(FOLD_COLUMNS)),
        pd.DataFrame(roi_rows, columns=list(ROI_COLUMNS)),
        prob,
    )


def _fit_fold(
    ds: MMMDataset, spec: ModelSpec, n_train: int, n_end: int, prob: float, fold: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Fit one fold on periods ``[0, n_train)`` and score its forecast of ``[n_train, n_end)``."""
    import time
    import warnings

    from mmm.analysis.fit import MediaMixModel

    train = ds.isel_dates(slice(0, n_train))
    last = train.dates[-1]
    spec = spec.replace(lift_tests=tuple(t for t in spec.lift_tests if t.end <= last))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence is reported per fold below
        result = MediaMixModel(spec).fit(train)
    fit_s = time.perf_counter() - t0
    future = ds.to_dataframe().iloc[n_train:n_end]
    dates, mu, _ = predict_draws(result, future)
    sigma = np.concatenate([p["sigma"] for p in iter_params(result)])
    y = predictive_draws(result, mu, sigma, np.random.default_rng(spec.seed + fold)).sum(axis=2)
    lo, hi = np.quantile(y, [(1 - prob) / 2, 1 - (1 - prob) / 2], axis=0)
    actual = ds.kpi_total[n_train:n_end].astype(float)
    mean = mu.sum(axis=2).mean(axis=0)
    fold_row = {
        "fold": fold,
        "train_start": train.dates[0].date().isoformat(),
        "train_end": last.date().isoformat(),
        "test_start": dates[0].date().isoformat(),
        "test_end": dates[-1].date().isoformat(),
        "n_train": n_train,
        "n_test": n_end - n_train,
        "mape": float(np.mean(np.abs(mean - actual) / np.abs(actual))),
        "coverage": float(np.mean((actual >= lo) & (actual <= hi))),
        "bias": float(np.mean((mean - actual) / np.abs(actual))),
        "convergence": result.convergence().status,
        "fit_s": fit_s,
    }
    roi = result.roi(prob=prob)
    roi_rows = [
        {"fold": fold, "channel": str(ch), "roi_mean": float(roi["roi_mean"].sel(channel=ch)),
         "roi_lower": float(roi["roi_lower"].sel(channel=ch)),
         "roi_upper": float(roi["roi_upper"].sel(channel=ch))}
        for ch in roi["channel"].values
    ]  # fmt: skip
    return fold_row, roi_rows


# ---------------------------------------------------------------------- comparison
def pointwise_loglik(result: FitResult) -> xr.DataArray:
    """Log-likelihood of the KPI in each training period under each posterior draw (dims: chain, draw, date).

    Computed in NumPy from the posterior with the model's own forward maths
    (:func:`mmm.model.forward.in_sample_effects`): the density of the scaled KPI ``y / kpi_scale``
    under the fit's likelihood — log-normal around the smoothly floored mean (including the
    Jacobian ``−log y``, so that specifications with different likelihoods compare on one scale;
    within one likelihood it is a constant) or normal. Holdout periods are left out: they were
    not fitted.
    """
    design = result.design
    train = design.train
    y = design.y[train]
    parts = []
    for p in iter_params(result):
        mu = in_sample_effects(design, p).mu[:, train] / design.kpi_scale
        sig = p["sigma"][:, None]
        if result.spec.likelihood == "lognormal":
            mu_pos = np.logaddexp(0, SOFT_FLOOR * mu) / SOFT_FLOOR
            z = (np.log(y) - np.log(mu_pos)) / sig
            parts.append(-0.5 * z**2 - np.log(sig) - 0.5 * np.log(2 * np.pi) - np.log(y))
        else:
            z = (y - mu) / sig
            parts.append(-0.5 * z**2 - np.log(sig) - 0.5 * np.log(2 * np.pi))
    n_chain, n_draw = result.posterior.sizes["chain"], result.posterior.sizes["draw"]
    ll = np.concatenate(parts).reshape(n_chain, n_draw, int(train.sum()))
    return xr.DataArray(
        ll,
        dims=("chain", "draw", DATE),
        coords={"chain": result.posterior["chain"].values, "draw": result.posterior["draw"].values,
                DATE: design.dates[train]},
        name="kpi",
    )  # fmt: skip


def compare(
    results: Sequence[FitResult] | Mapping[str, FitResult], names: Sequence[str] | None = None
) -> pd.DataFrame:
    """Rank specifications fitted to the same data by PSIS-LOO (ArviZ ``az.compare``).

    Parameters
    ----------
    results : sequence of FitResult, or mapping name → FitResult
        At least two full (MCMC) fits of the same data and training periods.
    names : sequence of str, optional
        Labels; by default the settings in which the specifications differ
        (e.g. ``"max_lag=1"``), or ``model_1``, ``model_2``, … when that does not tell them apart.

    Returns
    -------
    pandas.DataFrame
        ArviZ's comparison table, best first: ``rank``, ``elpd`` (expected log pointwise
        predictive density), ``elpd_diff`` and its standard error ``dse`` against the best,
        ``p`` (effective parameters), ``weight`` (stacking), ``diag_elpd`` / ``diag_diff``
        (Pareto-k warnings).

    Examples
    --------
    >>> import mmm
    >>> mmm.compare([result, result_no_carryover])  # doctest: +SKIP
    """
    import arviz as az

    if isinstance(results, Mapping):
        names, fits = list(results), list(results.values())
    else:
        fits = list(results)
        names = list(names) if names is not None else _spec_names(fits)
    if len(fits) < 2 or len(names) != len(fits) or len(set(names)) != len(names):
        raise ConfigError(
            f"compare needs at least two results with distinct names; got {len(fits)} result(s) "
            f"and names {list(names)}."
        )
    ref = fits[0]
    for name, r in zip(names, fits, strict=True):
        if r.is_approximate:
            raise ConfigError(
                f"{name!r} is a MAP preview: PSIS-LOO needs posterior draws (method='mcmc')."
            )
        same = (r.dataset.dates.equals(ref.dataset.dates)
                and np.array_equal(r.dataset.data["kpi"].values, ref.dataset.data["kpi"].values)
                and np.array_equal(r.design.train, ref.design.train))  # fmt: skip
        if not same:
            raise ConfigError(
                f"{name!r} was fitted to other data or training periods than {names[0]!r}; "
                "specifications can only be compared on the same KPI and periods."
            )
    trees = {
        name: xr.DataTree.from_dict(
            {"posterior": r.posterior, "log_likelihood": pointwise_loglik(r).to_dataset()}
        )
        for name, r in zip(names, fits, strict=True)
    }
    return az.compare(trees)


def _spec_names(fits: Sequence[FitResult]) -> list[str]:
    """Each spec's settings that differ between the specs, e.g. ``"max_lag=1"``."""
    dicts = [r.spec.to_dict() for r in fits]
    skip = {"seed", "progress", "draws", "tune", "chains"}
    keys = [k for k in dicts[0] if k not in skip and len({repr(d.get(k)) for d in dicts}) > 1]
    names = [", ".join(f"{k}={d[k]}" for k in keys)[:60] for d in dicts]
    if all(names) and len(set(names)) == len(names):
        return names
    return [f"model_{i + 1}" for i in range(len(fits))]


def describe(table: pd.DataFrame) -> str:
    """One sentence on a :func:`compare` table: which specification won and by how much."""
    best = str(table.index[0])
    if len(table) < 2:
        return f"{best} is the only specification."
    second = table.iloc[1]
    diff, dse = abs(float(second["elpd_diff"])), float(second["dse"])
    strength = "clearly" if diff > 2 * dse else "not clearly (within two standard errors)"
    return (f"{best} predicts held-out periods best (PSIS-LOO): {diff:.1f} ± {dse:.1f} "
            f"log-density ahead of {table.index[1]}, {strength}.")  # fmt: skip
