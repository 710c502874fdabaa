"""Accuracy over a family of brands: fit many synthetic brands on Dask and score them against the truth.

:func:`recovery_study` draws ``brands`` brands of :func:`mmm.data.family.brand_family`, writes
them as files with a manifest (``OUT/data/``, ``OUT/jobs.toml``: ``mmm fit-many OUT/jobs.toml``
refits them), fits them all with :func:`mmm.batch.run.fit_many` (``OUT/fits/``), scores each
fit against the generator's truth on the workers, and, unless ``lift_tests=False``, runs the
lift tests each fit recommends on the brand's true response
(:func:`mmm.decisions.experiments.simulate_recommended_tests`), refits with them
(``OUT/fits_lift/``) and scores again. What is measured, per brand:

* **median ROI error**: median over paid channels with a non-zero true effect of
  ``|posterior mean ROI − true ROI| / true ROI`` (total ROI, incl. earned media);
* **90% coverage**: share of paid channels whose true ROI lies in the 90% interval, over all
  paid channels and over those with an effect (a zero-effect channel is never covered: the
  log-normal ROI prior puts no mass on 0);
* **rank correlation**: Spearman's ρ between posterior mean and true ROI over the paid
  channels (brands with 3 or more);
* **zero-effect false positives**: a channel with no true effect counts as a false
  positive when the lower end of its 90% ROI interval is above :data:`NULL_ROI_THRESHOLD`
  (0.2: the fit claims at least ¥0.20 back per ¥1 with 95% certainty). The ROI prior is
  log-normal, so no interval contains 0 itself: "excludes 0" would flag every channel;
* **plan capture**: next quarter's plan (the fit's ``allocation.json``: 13 weeks, ±30%, the
  identifiability bounds) valued by the generator's true response
  (:meth:`~mmm.data.synthetic.SyntheticBrand.expected_kpi`, the window and 14 weeks of
  carry-over after it): ``(true revenue of the recommended plan − of the current plan) /
  (of the true optimum − of the current plan)``. The true optimum is found with SciPy SLSQP
  on the true response under the same budget, weekly flighting and per-channel bounds as
  the optimiser used. 1 = the plan found the best move allowed; 0 = no better than
  standing still; below 0 = it lost revenue. Brands whose true optimum gains less than
  :data:`MIN_GAIN` of the budget are left out (nothing to capture).

Outputs: ``OUT/recovery_channels.csv`` (brand × channel × stage), ``OUT/recovery_brands.csv``
(brand × stage), ``OUT/recovery.md`` (the distribution over brands, with the settings and
timings) and :attr:`RecoveryStudy.report` (the same text).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mmm.batch.jobs import Job, job_from_keys
from mmm.batch.run import connect, fit_many
from mmm.data.family import family_brand

#: a zero-effect channel is a false positive when its 90% ROI interval starts above this
NULL_ROI_THRESHOLD = 0.2
#: plan capture is measured only where the true optimum gains more than this share of the budget
MIN_GAIN = 0.001
#: carry-over periods after the planning window counted in a plan's value (the optimiser's 2 × (8 − 1))
TAIL = 14
STAGES = ("fit", "fit + lift tests")


@dataclass(frozen=True)
class RecoverySettings:
    """What the study fits: how many brands of which family, and with which sampler settings."""

    brands: int = 40
    family_seed: int = 0
    chains: int = 2
    draws: int = 500
    tune: int = 500
    seed: int = 1
    holdout: int = 8
    weeks: int = 13
    max_change: float = 0.3
    lift_tests: bool = True

    def __post_init__(self) -> None:
        if self.brands < 1:
            raise ValueError(f"brands == {self.brands}, must be >= 1.")

    def job_keys(self) -> dict[str, Any]:
        """The manifest's ``[defaults]``: the same for every brand."""
        return {"chains": self.chains, "draws": self.draws, "tune": self.tune, "seed": self.seed,
                "holdout": self.holdout, "weeks": self.weeks, "max_change": self.max_change,
                "report": False}  # fmt: skip


@dataclass(frozen=True, eq=False)
class RecoveryStudy:
    """Scores of a recovery study: per channel, per brand, their distribution, and the text."""

    settings: RecoverySettings
    channels: pd.DataFrame = field(repr=False)
    brands: pd.DataFrame = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    report: str = field(repr=False)
    failed: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)


# ---------------------------------------------------------------------- scoring (on a worker)
def score_fit(index: int, family_seed: int, run_dir: str, stage: str) -> dict[str, Any]:
    """Score one fitted brand against its truth: ``{"channels": [rows], "brand": row}``."""
    from mmm.analysis.results import FitResult

    fb = family_brand(index, family_seed)
    run = Path(run_dir)
    roi = pd.read_csv(run / "roi.csv")
    ident = pd.read_csv(run / "identifiability.csv")[["channel", "class"]]
    truth = fb.brand.truth[["channel", "roi_total", "contribution_total"]]
    tab = roi.merge(truth, on="channel").merge(ident, on="channel", how="left")
    tab["null"] = tab["contribution_total"] == 0
    tab["covered"] = (tab["roi_lower"] <= tab["roi_total"]) & (tab["roi_total"] <= tab["roi_upper"])
    tab["rel_error"] = np.where(
        tab["null"], np.nan, (tab["roi_mean"] - tab["roi_total"]).abs() / tab["roi_total"]
    )
    tab["false_positive"] = tab["null"] & (tab["roi_lower"] > NULL_ROI_THRESHOLD)
    tab.insert(0, "stage", stage)
    tab.insert(0, "brand", fb.name)
    live = tab[~tab["null"]]
    rho = np.nan
    if len(tab) >= 3 and tab["roi_total"].nunique() > 1:
        from scipy.stats import spearmanr

        rho = float(spearmanr(tab["roi_mean"], tab["roi_total"]).statistic)
    plan = plan_capture(
        fb.brand, FitResult.load(run), json.loads((run / "allocation.json").read_text())
    )
    brand = {
        "brand": fb.name, "stage": stage, "weeks": fb.settings["weeks"], "noise": fb.settings["noise"],
        "paid_channels": len(tab), "median_roi_error": float(live["rel_error"].median()) if len(live) else np.nan,
        "coverage": float(tab["covered"].mean()),
        "coverage_effect": float(live["covered"].mean()) if len(live) else np.nan, "spearman": rho, "null_channels": int(tab["null"].sum()),
        "null_false_positives": int(tab["false_positive"].sum()),
        "diagnostics": json.loads((run / "diagnostics.json").read_text()).get("status", ""), **plan,
    }  # fmt: skip
    return {"channels": tab.to_dict("records"), "brand": brand}


def plan_capture(brand: Any, result: Any, allocation: dict[str, Any]) -> dict[str, float]:
    """True revenue gain of the recommended plan and of the true optimum (see the module docstring)."""
    from scipy.optimize import minimize

    from mmm.decisions.optimize import BudgetScenario
    from mmm.decisions.optimize.scenario import prepare

    weeks = int(allocation["window"]["weeks"])
    prob = prepare(result, BudgetScenario(weeks=weeks, identifiability=False))
    chans = pd.DataFrame(allocation["channels"]).set_index("channel").loc[list(prob.channels)]
    cur, rec = chans["current_spend"].to_numpy(float), chans["recommended_spend"].to_numpy(float)
    lo, hi = chans["lower_bound"].to_numpy(float), chans["upper_bound"].to_numpy(float)
    value = true_value(brand, prob.dates, list(prob.channels), prob.shape)
    budget = float(cur.sum())
    r_cur, r_rec = value(cur), value(rec)

    def neg(y: np.ndarray) -> float:
        return -(value(y * budget) - r_cur) / budget

    free = hi - lo > 1e-9 * budget
    best, r_best = rec, r_rec
    if free.any():
        cons = [{"type": "eq", "fun": lambda y: y.sum() - 1.0}]
        for start in (cur, rec):
            res = minimize(neg, start / budget, method="SLSQP", bounds=list(zip(lo / budget, hi / budget, strict=True)),
                           constraints=cons, options={"ftol": 1e-12, "maxiter": 300, "eps": 1e-6})  # fmt: skip
            x = np.clip(res.x, lo / budget, hi / budget) * budget
            x *= budget / x.sum()
            r = value(x)
            if r > r_best:
                best, r_best = x, r
    gain_opt, gain_rec = r_best - r_cur, r_rec - r_cur
    capture = gain_rec / gain_opt if gain_opt > MIN_GAIN * budget else np.nan
    return {"budget": budget, "true_gain_recommended": gain_rec, "true_gain_optimum": gain_opt,
            "gain_optimum_pct_budget": gain_opt / budget, "plan_capture": capture,
            "optimum_moves": float(np.abs(best - cur).sum() / 2)}  # fmt: skip


def true_value(
    brand: Any, dates: pd.DatetimeIndex, channels: Sequence[str], shape: np.ndarray
) -> Callable[[np.ndarray], float]:
    """``totals → true revenue`` of a plan: weekly spend ``shape × totals`` over ``dates``,
    nothing after it (``TAIL`` weeks of carry-over counted), owned activity at its level of
    the last ``len(dates)`` weeks, price at its recent mean, promotions on their weeks."""
    from mmm.data.synthetic import promo_weeks

    cmap, data = brand.channel_map, brand.data
    all_dates = pd.date_range(dates[0], periods=len(dates) + TAIL, freq=dates[1] - dates[0])
    frame = pd.DataFrame({cmap.date: all_dates})
    recent = data.tail(len(dates))
    for ch in cmap.channel_names:
        col = cmap.channel(ch).input_column
        frame[col] = 0.0 if cmap.channel(ch).media == "paid" else float(recent[col].mean())
    price, promo = cmap.controls
    frame[price] = float(recent[price].mean())
    frame[promo] = promo_weeks(all_dates).astype(float)
    cols = [cmap.channel(c).input_column for c in channels]
    w = len(dates)

    def value(totals: np.ndarray) -> float:
        f = frame.copy()
        f.loc[: w - 1, cols] = shape * np.asarray(totals, dtype=float)
        return float(brand.expected_kpi(f).sum())

    return value


def lift_tests_for(index: int, family_seed: int, run_dir: str, out_csv: str, seed: int) -> int:
    """Run the fit's recommended lift tests on the brand's truth; write them as CSV. Returns how many."""
    from mmm.analysis.results import FitResult
    from mmm.decisions.experiments import simulate_recommended_tests

    table = pd.read_csv(Path(run_dir) / "experiments.csv")
    if table.empty:
        return 0
    result = FitResult.load(run_dir)
    tests = simulate_recommended_tests(
        result, family_brand(index, family_seed).brand, table, seed=seed
    )
    pd.DataFrame([t.to_dict() for t in tests]).to_csv(out_csv, index=False, encoding="utf-8")
    return len(tests)


# ---------------------------------------------------------------------- the study
def write_family(settings: RecoverySettings, out: Path) -> list[Job]:
    """Write the brands (``OUT/data/``) and the manifest ``OUT/jobs.toml``; return the jobs."""
    data = out / "data"
    data.mkdir(parents=True, exist_ok=True)
    lines = [
        "# mmm benchmark recovery: the family's brands; `mmm fit-many` refits them",
        "[defaults]",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.job_keys().items()]
    jobs = []
    for i in range(settings.brands):
        fb = family_brand(i, settings.family_seed)
        paths = fb.brand.to_files(data, fb.name)
        (data / f"{fb.name}_settings.json").write_text(json.dumps(fb.settings, indent=1))
        keys = {"data": f"data/{paths['data'].name}", "config": f"data/{paths['channel_map'].name}"}
        lines += ["", f"[jobs.{fb.name}]"] + [f'{k} = "{v}"' for k, v in keys.items()]
        jobs.append(job_from_keys(fb.name, {**settings.job_keys(), **keys}, out))
    (out / "jobs.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return jobs


def recovery_study(
    settings: RecoverySettings,
    out: str | Path,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    force: bool = False,
    say: Callable[[str], None] = print,
) -> RecoveryStudy:
    """Run the study (see the module docstring) and write its outputs into ``out``."""
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    jobs = write_family(settings, out)
    index = {j.name: i for i, j in enumerate(jobs)}
    seconds: dict[str, float] = {}
    scores: list[dict[str, Any]] = []
    failed: list[str] = []
    with connect(client, scheduler, workers) as c:
        t = time.perf_counter()
        batch = fit_many(jobs, out / "fits", client=c, force=force, say=say)
        seconds["fit"] = time.perf_counter() - t
        ok = [j for j in jobs if j.name not in batch.failed]
        failed += [f"{n} (fit)" for n in batch.failed]
        say(f"scoring {len(ok)} fits against the truth …")
        scores += _gather([c.submit(score_fit, index[j.name], settings.family_seed, str(out / "fits" / j.name),
                                    STAGES[0], key=f"score-{j.name}", pure=False) for j in ok], failed, "scoring")  # fmt: skip
        if settings.lift_tests and ok:
            t = time.perf_counter()
            scores += _lift_stage(c, settings, out, ok, index, force, say, failed)
            seconds["lift tests"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    return _finish(settings, out, scores, tuple(failed), seconds)


def _gather(futures: Sequence[Any], failed: list[str], what: str) -> list[Any]:
    """Results of ``futures``; a task that raised is named in ``failed`` and left out."""
    out = []
    for f in futures:
        try:
            out.append(f.result())
        except Exception as exc:  # noqa: BLE001 - one brand's failure must not end the study
            failed.append(f"{f.key} ({what}: {' '.join(f'{type(exc).__name__}: {exc}'.split())})")
    return out


def _lift_stage(c: Any, settings: RecoverySettings, out: Path, ok: list[Job], index: dict[str, int],
                force: bool, say: Callable[[str], None], failed: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    """Simulate each fit's recommended tests, refit the brands that got some, score the refits."""
    lift = out / "lift_tests"
    lift.mkdir(exist_ok=True)
    futs = [c.submit(lift_tests_for, index[j.name], settings.family_seed, str(out / "fits" / j.name),
                     str(lift / f"{j.name}.csv"), settings.seed, key=f"lift-tests-{j.name}", pure=False) for j in ok]  # fmt: skip
    counts = {}
    for j, f in zip(ok, futs, strict=True):
        got = _gather([f], failed, "simulating lift tests")
        if got:
            counts[j.name] = got[0]
    tested = [j for j in ok if counts.get(j.name)]
    say(
        f"{len(tested)} of {len(ok)} fits recommend lift tests; refitting those with the tests applied"
    )
    scores: list[dict[str, Any]] = []
    if tested:
        jobs2 = [_with_tests(j, lift / f"{j.name}.csv") for j in tested]
        batch = fit_many(jobs2, out / "fits_lift", client=c, force=force, say=say)
        failed += [f"{n} (fit with lift tests)" for n in batch.failed]
        refit = [j for j in tested if j.name not in batch.failed]
        scores += _gather([c.submit(score_fit, index[j.name], settings.family_seed, str(out / "fits_lift" / j.name),
                                    STAGES[1], key=f"score-lift-{j.name}", pure=False) for j in refit], failed, "scoring")  # fmt: skip
    for j in ok:  # brands without a recommended test keep their fit: the tests would not change it
        if counts.get(j.name) == 0:
            scores.append(
                score_fit(
                    index[j.name], settings.family_seed, str(out / "fits" / j.name), STAGES[1]
                )
            )
    return scores


def _with_tests(job: Job, csv: Path) -> Job:
    return Job(
        job.name,
        job.data,
        job.config,
        job.query,
        {**job.spec, "lift_tests": str(csv)},
        job.scenario,
        job.report,
    )


# ---------------------------------------------------------------------- summarising
#: brand-level metric → (label, how its distribution is shown)
METRICS = {
    "median_roi_error": "median ROI error (non-zero channels)",
    "coverage": "90% interval coverage",
    "coverage_effect": "90% coverage, channels with an effect",
    "spearman": "Spearman rank correlation",
    "null_fp_rate": "zero-effect channels flagged (lower > 0.2)",
    "plan_capture": "plan capture of true optimum gain",
    "gain_optimum_pct_budget": "true optimum gain, % of budget",
}


def summarise(brands: pd.DataFrame, channels: pd.DataFrame) -> pd.DataFrame:
    """Distribution over brands of each metric, per stage; pooled rates over channels."""
    rows = []
    b = brands.assign(
        null_fp_rate=brands["null_false_positives"] / brands["null_channels"].replace(0, np.nan)
    )
    for stage, g in b.groupby("stage", sort=False):
        ch = channels[channels["stage"] == stage]
        for key, label in METRICS.items():
            v = g[key].dropna().astype(float)
            q = np.quantile(v, [0.1, 0.25, 0.5, 0.75, 0.9]) if len(v) else [np.nan] * 5
            pooled = {"coverage": ch["covered"].mean(), "coverage_effect": ch.loc[~ch["null"], "covered"].mean(),
                      "null_fp_rate": ch.loc[ch["null"], "false_positive"].mean()}.get(key, np.nan)  # fmt: skip
            rows.append({"stage": stage, "metric": label, "brands": len(v), "p10": q[0], "p25": q[1],
                         "median": q[2], "p75": q[3], "p90": q[4], "mean": v.mean(), "pooled": pooled})  # fmt: skip
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame) -> str:
    """The distribution table as fixed-width text (percentages for rates and errors)."""
    head = f"{'stage':<17} {'metric':<43} {'brands':>6} {'p10':>7} {'p25':>7} {'median':>7} {'p75':>7} {'p90':>7} {'mean':>7} {'pooled':>7}"
    lines = [head, "-" * len(head)]
    for r in table.to_dict("records"):
        pct = "Spearman" not in r["metric"]

        def f(v: float, pct: bool = pct) -> str:
            return "" if not np.isfinite(v) else (f"{v:.0%}" if pct else f"{v:.2f}")

        vals = " ".join(
            f"{f(r[k]):>7}" for k in ("p10", "p25", "median", "p75", "p90", "mean", "pooled")
        )
        lines.append(f"{r['stage']:<17} {r['metric']:<43} {r['brands']:>6} {vals}")
    return "\n".join(lines)


def _finish(settings: RecoverySettings, out: Path, scores: list[dict[str, Any]], failed: tuple[str, ...],
            seconds: dict[str, float]) -> RecoveryStudy:  # fmt: skip
    channels = pd.DataFrame([r for s in scores for r in s["channels"]])
    brands = pd.DataFrame([s["brand"] for s in scores])
    if brands.empty:
        table = pd.DataFrame()
        text = "No brand was fitted and scored."
    else:
        order = {s: i for i, s in enumerate(STAGES)}
        brands = brands.sort_values(
            ["stage", "brand"], key=lambda c: c.map(order) if c.name == "stage" else c
        )
        channels = channels.sort_values(
            ["stage", "brand"], key=lambda c: c.map(order) if c.name == "stage" else c
        )
        table = summarise(brands, channels)
        text = format_table(table)
    timing = ", ".join(f"{k} {v / 60:.1f} min" for k, v in seconds.items())
    header = (f"Recovery over {settings.brands} brands of family {settings.family_seed} "
              f"({settings.chains} chains x {settings.draws} draws + {settings.tune} tune, seed {settings.seed}); "
              f"{timing}. Failed: {', '.join(failed) or 'none'}.")  # fmt: skip
    report = f"{header}\n\n{text}\n"
    paths = {"channels": out / "recovery_channels.csv", "brands": out / "recovery_brands.csv",
             "report": out / "recovery.md", "settings": out / "recovery_settings.json"}  # fmt: skip
    channels.to_csv(paths["channels"], index=False)
    brands.to_csv(paths["brands"], index=False)
    paths["report"].write_text(f"```\n{report}```\n", encoding="utf-8")
    paths["settings"].write_text(json.dumps({**asdict(settings), "seconds": seconds}, indent=2))
    return RecoveryStudy(settings, channels, brands, table, report, failed, seconds, paths)
