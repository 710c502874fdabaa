"""All wording of the report and the charts, and the number formats.

Nothing else in :mod:`mmm.present.report` or :mod:`mmm.present.plotting` holds a user-facing sentence:
section titles, explanations, banners, table headings and axis labels live here, so the
report can be reworded (or translated) in one place. Money is written the way a budget
review reads it: ``¥1.2M``, ``¥350K``, ``-¥80K``, with the currency of the channel map.

Examples
--------
>>> money(1_234_567, "¥")
'¥1.2M'
>>> money(350_000, "¥")
'¥350K'
>>> money(-80_400, "$", signed=True)
'-$80.4K'
>>> pct(0.123, signed=True)
'+12%'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mmm._format import DASH, interval, money, number, pct, probability, ratio

__all__ = ["DASH", "interval", "money", "number", "pct", "probability", "ratio"]


def prob_label(prob: float) -> str:
    """``0.9`` → ``90%``."""
    return f"{prob:.0%}"


# ---------------------------------------------------------------------- report frame

DEFAULT_TITLE = "Marketing mix report"
GENERATED = "Generated {when} by mmm {version}"
DATA_RANGE = "Data {start} to {end} ({n} {unit})"
QUARTER_LINE = "Reporting quarter {label}: {start} to {end} ({n} {unit}), compared with {prev_start} to {prev_end}"
UNITS = {"W": ("week", "weeks"), "M": ("month", "months")}
CONTENTS = "Contents"
VS_LAST_QUARTER = "{change} vs last quarter"
INTERVAL_NOTE = "90% interval {interval}"
OF_KPI = "{share} of {kpi}"
DATA_COLUMNS = {"item": "Item", "value": "Value"}
CSV_LINK = "CSV"
CSV_TITLE = "Download this table as CSV"
NOT_AVAILABLE = "Not available."

#: the sections in page order; their numbers follow from it
SECTION_ORDER = ("summary", "quarter", "contributions", "roi", "earned", "curves", "plan",
                 "experiments", "health", "appendix")  # fmt: skip
_TITLES = {
    "summary": "Executive summary",
    "quarter": "Spend and results: this quarter vs last quarter",
    "contributions": "What drove revenue",
    "roi": "Return on investment by channel",
    "earned": "Earned media",
    "curves": "Response curves and marginal ROI",
    "plan": "Recommended budget for next quarter",
    "experiments": "What to test next quarter",
    "health": "Model health",
    "appendix": "Method and data",
}
#: a regional fit's report adds its regional section before the appendix
SECTION_ORDER_REGIONAL = (*SECTION_ORDER[:-1], "regions", "appendix")
_TITLES["regions"] = "Regions"
#: section id → its number on the page
NUMBER = {key: i for i, key in enumerate(SECTION_ORDER, 1)}
SECTIONS: dict[str, str] = {key: f"{NUMBER[key]}. {_TITLES[key]}" for key in SECTION_ORDER}
#: titles of a regional report (only the last two sections differ)
SECTIONS_REGIONAL: dict[str, str] = {key: f"{i}. {_TITLES[key]}"
                                     for i, key in enumerate(SECTION_ORDER_REGIONAL, 1)}  # fmt: skip
_HEALTH, _PLAN, _ROI, _TESTS = (
    NUMBER["health"],
    NUMBER["plan"],
    NUMBER["roi"],
    NUMBER["experiments"],
)

BADGE = "Model health: {status}"
BADGE_HELP = {
    "PASS": "All checks passed: the estimates can be used as they are.",
    "REVIEW": f"Some checks need a look before the numbers are used (see section {_HEALTH}).",
    "FAIL": f"At least one check failed: do not base decisions on these numbers yet (see section {_HEALTH}).",
}
FAIL_BANNER = "Model health FAIL — do not act on this report yet."
FAIL_BANNER_DETAIL = (
    f"Failed checks: {{checks}}. What to do is in section {_HEALTH}, {_TITLES['health']}."
)
APPROX_BANNER = "APPROXIMATE — a quick point estimate (MAP), not a full Bayesian fit."
APPROX_BANNER_DETAIL = (
    "Intervals and probabilities are not available and every number may be off. "
    "Refit with full sampling (method='mcmc': mmm fit without --method map, or method = \"mcmc\" "
    "under [model] in the channel map) before using ROI or budget advice."
)

# ---------------------------------------------------------------------- identifiability

#: how each identifiability class (mmm.analysis.identify) is named on the page
IDENT_CLASSES = {
    "well identified": "Well identified",
    "weakly identified": "Weakly identified",
    "prior-dominated": "Prior-dominated",
}
IDENT_NEEDS_FULL_FIT = (
    "Whether the data pins each channel's ROI down (or whether it is mostly our prior) needs a "
    "full Bayesian fit: this approximate (MAP) fit has no posterior interval to compare with "
    "the prior. Refit with method='mcmc' (mmm fit without --method map) to see it, and the "
    "lift tests that would settle the uncertain channels."
)
IDENT_FAILED = "The identifiability of each channel could not be measured: {error}"
IDENT_ROI_NOTE = (
    "Evidence: how far the data moved each ROI away from the prior we started from. "
    "Well identified: the data pins it down. Weakly identified: the data narrows it only "
    "partly; treat it as indicative. Prior-dominated: the data cannot tell; the number is "
    f"mostly our prior assumption, and section {_TESTS} names the test that would settle it."
)
SUMMARY_PRIOR = (
    "The data cannot pin down the ROI of {channels}: {their} estimate is mostly our prior. "
    "The budget plan keeps moves on {them} small until a lift test settles {them} "
    f"(section {_TESTS})."
)
SUMMARY_PRIOR_NO_PLAN = (
    "The data cannot pin down the ROI of {channels}: {their} estimate is mostly our prior. "
    "Keep budget moves on {them} small until a lift test settles {them} "
    f"(section {_TESTS})."
)

# ---------------------------------------------------------------------- 1. summary

SUMMARY_SPEND = "This quarter ({label}) the brand spent {spend} on media ({spend_change} vs last quarter) and earned {revenue} in {kpi} ({revenue_change})."
SUMMARY_MEDIA = "Media drove an estimated {media} of it ({share} of {kpi}); the rest is baseline demand (brand, season, price, promotions)."
SUMMARY_MEDIA_UNITS = (
    "Media drove an estimated {media} {kpi} ({share}); the rest is baseline demand."
)
SUMMARY_PAID = "Paid media returned {roi} per {currency}1 spent (90% interval {interval})."
SUMMARY_BEST = "Best return: {channel} at {roi} per {currency}1 ({interval})."
SUMMARY_BELOW = "Below break-even with at least 95% probability: {channels}."
SUMMARY_SOCIAL = "Paid and owned social activity generated earned media worth {value} this quarter."
SUMMARY_PLAN = "Top recommendation: {text}"
SUMMARY_NO_PLAN = f"No budget plan was computed for this report (see section {_PLAN})."
PLAN_MOVE = "move {amount} from {source} to {target}: {uplift} expected {kpi} (90% interval {lo} to {hi}), {prob} probability of improvement."
PLAN_MOVE_MORE = "{name} and {n} other channel(s)"
PLAN_KEEP = "keep the current split: no shift improves expected {kpi} ({uplift}, {prob} probability of improvement)."
MEDIA_TABLE = "What each media type drove this quarter"
MEDIA_COLUMNS = {
    "media": "Media",
    "spend": "Spend",
    "revenue": "Incremental {kpi}",
    "revenue_interval": "90% interval",
    "share": "Share of {kpi}",
    "roi": "ROI",
    "roi_interval": "ROI 90% interval",
}
MEDIA_NAMES = {"paid": "Paid", "owned": "Owned", "earned": "Earned", "baseline": "Baseline"}
MEDIA_NOTE = "Incremental {kpi} counts each channel's direct effect, so earned media bought by paid social appears under earned. Owned and earned media without a cost have no ROI; their share of {kpi} is shown instead."

# ---------------------------------------------------------------------- 2. quarter

QUARTER_INTRO = "Spend, activity and attributed {kpi} by channel in {label} compared with the quarter before. ROI includes the earned media a channel generated."
QUARTER_COLUMNS = {
    "channel": "Channel",
    "media": "Media",
    "spend_previous": "Spend (last Q)",
    "spend_current": "Spend (this Q)",
    "spend_change_pct": "Spend change",
    "activity_previous": "Activity (last Q)",
    "activity_current": "Activity (this Q)",
    "revenue_previous": "Attributed (last Q)",
    "revenue_current": "Attributed (this Q)",
    "revenue_change_pct": "Change",
    "roi_previous": "ROI (last Q)",
    "roi_current": "ROI (this Q)",
}
QUARTER_TOTAL = "All channels"
QUARTER_KPI = "Total {kpi}"

# ---------------------------------------------------------------------- 3. contributions

CONTRIB_INTRO = (
    "Weekly {kpi} split into baseline demand and the part each media type drove (posterior means)."
)
WATERFALL_INTRO = "How this quarter's expected {kpi} ({total}) builds up from baseline demand and each channel, grouped paid / owned / earned."
WATERFALL_COLUMNS = {
    "step": "Component",
    "media": "Group",
    "value": "Contribution",
    "share": "Share",
}
WATERFALL_TOTAL = "Expected total"

# ---------------------------------------------------------------------- 4. ROI

ROI_INTRO = "ROI over the whole modelled period ({start} to {end}): {kpi} per {currency}1 spent, with 90% credible intervals, sorted. Right of the break-even line a channel earns back more than it costs. For social channels the light marker is the direct ROI and the bar the total including the earned media they generated."
ROI_INTRO_UNITS = "Incremental {kpi} per {currency}1 spent over the whole modelled period, with 90% credible intervals."
ROI_COLUMNS = {
    "channel": "Channel",
    "media": "Media",
    "social": "Social",
    "spend": "Spend",
    "contribution_mean": "Incremental {kpi}",
    "roi_mean": "ROI",
    "roi_interval": "90% interval",
    "roi_direct_mean": "Direct ROI",
    "roi_via_earned_mean": "Via earned",
    "p_above_breakeven": "P(ROI > 1)",
    "identifiability": "Evidence",
}
NO_COST_INTRO = "Channels without a cost have no ROI; their share of {kpi} over the same period:"
NO_COST_COLUMNS = {
    "channel": "Channel",
    "media": "Media",
    "contribution_mean": "Incremental {kpi}",
    "share": "Share of {kpi}",
    "share_interval": "90% interval",
    "identifiability": "Evidence",
}

# ---------------------------------------------------------------------- 5. earned

EARNED_INTRO = "Earned media (shares, mentions, UGC) each source generated this quarter, and the {kpi} that earned media was worth. The rest of the earned activity is organic."
EARNED_NONE = "The channel map has no earned channel driven by paid or owned media, so there is nothing to show here."
EARNED_COLUMNS = {
    "source": "Source",
    "earned": "Earned channel",
    "generated_mean": "Earned activity generated",
    "generated_interval": "90% interval",
    "value_mean": "Worth",
    "value_interval": "90% interval",
    "value_per_spend": "Worth per {currency}1 of source spend",
}
EARNED_TOTALS_COLUMNS = {
    "earned": "Earned channel",
    "activity": "Activity this quarter",
    "generated": "Generated by sources",
    "organic_share": "Organic share",
    "contribution": "Worth (all earned activity)",
}

TONE_INTRO = "Mentions split by sentiment: the negative ones reach {kpi} through an effect of their own (expected to be negative), apart from the earned media paid and owned social generate. Shaded: the named events, which the model treats as shifts of the baseline, never as media effects."
EVENTS_INTRO = "What each named event did to {kpi} over its window (90% interval): a shift of the baseline, plus for a crisis the effect of its negative mentions above their usual level. A crisis's cost is minus its effect."
RESPONSE_INTRO = "What the paid social spend during each crisis returned (carry-over and the earned media it generated included), judged on what it generated, not on the crisis."
EVENTS_COLUMNS = {
    "event": "Event",
    "kind": "Kind",
    "start": "From",
    "end": "To",
    "effect_mean": "Effect on {kpi}",
    "effect_interval": "90% interval",
    "shift_mean": "Of which baseline shift",
    "negative_mean": "Of which negative mentions",
}
RESPONSE_COLUMNS = {
    "channel": "Channel",
    "event": "During",
    "spend": "Spend",
    "spend_usual": "Usual spend for the period",
    "returned_mean": "{kpi} it returned",
    "returned_interval": "90% interval",
    "roi_mean": "ROI",
    "roi_interval": "90% interval",
}
LEGEND_OTHER_MENTIONS = "{channel}: not negative"
LEGEND_NEGATIVE_MENTIONS = "{channel}: negative"
AXIS_MENTIONS = "Mentions per period"
TITLE_TONE = "Earned media by sentiment, with named events"

# ---------------------------------------------------------------------- 6. curves

CURVES_INTRO = "Expected incremental {kpi} this quarter at different spend levels for each channel with a cost (90% band). The dot is this quarter's spend, the diamond the recommended spend. The slope is the marginal ROI: what the next {currency}1 returns."
CURVES_NONE = "No channel with a cost had spend this quarter."
MROI_COLUMNS = {
    "channel": "Channel",
    "spend_current": "Spend this quarter",
    "mroi_mean": "Marginal ROI this quarter",
    "mroi_interval": "90% interval",
    "spend_recommended": "Recommended (same length)",
    "mroi_recommended": "Marginal ROI at recommended",
}

# ---------------------------------------------------------------------- 7. plan

PLAN_INTRO = (
    "Budget plan for {start} to {end} ({weeks} weeks), total {budget}, objective: {objective}."
)
PLAN_NONE = "No budget plan was computed for this report. Run mmm optimize on the fit (or mmm.decisions.optimize.optimize_budget(result, BudgetScenario()) in Python) and pass the allocation to the report to fill this section."
PLAN_UPLIFT = "Expected change in {kpi}: {uplift} (90% interval {lo} to {hi}); probability that the plan beats the current split: {prob}."
PLAN_SOLVER = "The optimiser did not report success: {message}"
#: which plan the section shows (``mmm report``): the one saved by ``mmm optimize``, or a new one
PLAN_SAVED = (
    "This is the plan saved by mmm optimize ({file}, written {when}){locked}. "
    "mmm report --replan re-optimises it."
)
PLAN_NEW = "This plan was optimised for this report{locked}; the run directory held no saved plan."
PLAN_REPLANNED = "This plan was re-optimised for this report (mmm report --replan){locked}."
PLAN_LOCKED = "; kept at current spend: {channels}"
PLAN_CAVEATS = "Caveats of this plan:"
PLAN_EVIDENCE_NOTE = (
    "Evidence is how well the data pins down each channel's ROI (see section "
    f"{_ROI}); the line under a channel says when its move rests on the prior rather than the data."
)
PLAN_COLUMNS = {
    "channel": "Channel",
    "media": "Media",
    "social": "Social",
    "current_spend": "Current",
    "recommended_spend": "Recommended",
    "change": "Change",
    "change_pct": "Change %",
    "mroi_current": "mROI (current plan)",
    "mroi_recommended": "mROI (recommended)",
    "locked": "Locked",
    "bounds": "Allowed range",
    "identifiability": "Evidence",
}
GROUP_COLUMNS = {
    "group": "Group",
    "current_spend": "Current",
    "recommended_spend": "Recommended",
    "change": "Change",
    "change_pct": "Change %",
}
SHIFTS_INTRO = "Shifts by channel: social channels in colour, others in grey."
UPLIFT_INTRO = "Distribution of the expected change in {kpi} under the plan (posterior draws)."

# ---------------------------------------------------------------------- 8. experiments

TESTS_INTRO = (
    "Where the data cannot pin a channel's ROI down (section {roi}), an experiment can: change "
    "its spend for a few weeks, measure the incremental {kpi}, and feed the result into the "
    "next fit. For each such channel, the test that narrows its 90% ROI interval to about "
    "±{target} of its median while moving the least spend (or, where none gets there, the most "
    "precise one), with the {kpi} it should measure and the ROI interval expected after it. "
    "On a regional dataset, well identified social channels (and channels whose spend follows "
    "the trend and season) also get a validation test: their ROI rests on the model separating "
    "them from the baseline, a panel can be confidently wrong about that, and a matched-region "
    "test that measures the change to about ±10% would show it before the plan moves money."
)
TESTS_VALIDATE_WHY = (
    "Validation: the data identifies it, but the estimate rests on separating it from the baseline"
)
TESTS_NONE = (
    "No test is needed: the data pins down the ROI of every channel with a cost "
    "(all are well identified)."
)
TESTS_NO_COST = (
    "Channels without a cost have no ROI to test: {channels}. Their contribution is not well "
    "identified either; pausing such a channel for a few weeks, or in some regions, would pin it down."
)
TESTS_COLUMNS = {
    "channel": "Channel",
    "class": "Evidence",
    "reason": "Why",
    "design": "Test",
    "spend_change": "Spend change",
    "lift": "Expected {kpi} change ± se",
    "roi_now_after": "ROI 90% interval: now → after",
}
TESTS_LIFT = "{lift} ± {se}"
TESTS_ROI = "{now} → {after}"
TESTS_LOOP = (
    "How the results come back: record each finished test as a row of a CSV with the columns "
    "channel,start,end,change,lift,se (the test's first and last week, the spend change it made: "
    "-1.0 for going dark, 0.5 for +50%, or a spend_change column in currency instead, the {kpi} "
    "it changed over the test weeks and the carry-over weeks after them, and the standard error "
    "of that measurement) and refit with mmm fit DATA --config MAP --out RUN --lift-tests "
    "tests.csv. The model compares each measured change with the change it implies itself. The "
    "data's spend is read as the spend the test changed; where the data already shows the test "
    "(zero spend in the dark weeks), record it as restoring the spend: spend_change = what was "
    "withheld, lift = the {kpi} that was lost. The next report then shows how far each interval "
    "narrowed."
)
TESTS_NOTE = (
    "Design: go dark = pause the channel; +x% = raise its spend by that much, on the whole market. "
    "Run it in weeks of typical spend: the ROI interval after the test assumes that level, and a "
    "test at unusually high or low spend says less about the channel's average return. Measure "
    "the {kpi} change over the test weeks and the carry-over weeks after them (measure_weeks in "
    "the CSV). The standard error assumes a control as noisy as the test (as many comparison "
    "weeks); matched regions that share most shocks measure more precisely."
)

# ---------------------------------------------------------------------- 9. health

HEALTH_INTRO = "Every check is PASS, REVIEW or FAIL with what to do about it. Overall: {status}."
HEALTH_COLUMNS = {
    "check": "Check",
    "status": "Status",
    "message": "Finding",
    "recommendation": "What to do",
}
IDENT_CHECKS = "What the data can tell about each channel"
IDENT_CHECKS_INTRO = (
    "PASS when the data pins a channel's ROI (or share of {kpi}) down, REVIEW when it is "
    "weakly identified or prior-dominated. These checks describe what the data can tell, not "
    "whether the fit worked, so they do not change the model-health status."
)
FIT_INTRO = (
    "Actual {kpi} against the model's expectation with its 90% predictive interval. {holdout}"
)
FIT_HOLDOUT = "The shaded final {n} {unit} were held out of the fit: holdout MAPE {mape}, {cover} of them inside the interval."
FIT_NO_HOLDOUT = "No periods were held out, so out-of-sample accuracy is unmeasured."
ACCURACY_COLUMNS = {"measure": "Measure", "value": "Value"}
ACCURACY_ROWS = {
    "r2": "In-sample R²",
    "mape": "In-sample MAPE",
    "coverage": "Share of periods inside the 90% predictive interval",
    "holdout_mape": "Holdout MAPE",
    "holdout_coverage": "Holdout periods inside the interval",
    "holdout_periods": "Holdout periods",
}

CV_TITLE = "Out-of-sample validation"
CV_INTRO = (
    "The model was refitted {folds} times, each time on the data up to a cut-off, and asked to "
    "forecast the next {horizon} {unit} it had not seen (rolling-origin cross-validation). "
    "Across the folds its forecasts were off by {mape} on average (MAPE), and {coverage} of "
    "the actual {kpi} fell inside the {prob} predictive interval."
)
CV_STABLE = "Every channel's ROI stayed consistent from fold to fold."
CV_UNSTABLE = (
    "The ROI of {channels} swung between folds (intervals that do not overlap, or estimates "
    "that vary by more than half their mean): treat it with care and test it before moving money."
)
CV_NONE = (
    "Out-of-sample validation has not been run for this fit: mmm cv DATA --config MAP --out RUN "
    "refits the model on earlier data and scores its forecasts of the periods that followed."
)
CV_FOLD_COLUMNS = {
    "fold": "Fold",
    "train_end": "Fitted up to",
    "test_start": "Forecast from",
    "test_end": "Forecast to",
    "mape": "MAPE",
    "coverage": "Inside the interval",
    "convergence": "Fit",
}
CV_STABILITY_COLUMNS = {
    "channel": "Channel",
    "roi_mean": "ROI (mean over folds)",
    "roi_min": "Lowest fold",
    "roi_max": "Highest fold",
    "unstable": "Swings",
    "reason": "Why",
}

# ---------------------------------------------------------------------- 10. appendix

APPENDIX_DATA = "Data"
APPENDIX_CHANNELS = "Channel map"
APPENDIX_PRIORS = "Priors"
APPENDIX_PRIORS_INTRO = "Effect priors are log-normal, stated on ROI for channels with a cost and on share of {kpi} for the others (median and log-scale sigma)."
APPENDIX_SETTINGS = "Model and sampler settings"
APPENDIX_VERSIONS = "Software"
DATA_ROWS = {
    "range": "Date range",
    "periods": "Periods",
    "frequency": "Frequency",
    "kpi": "KPI column",
    "kpi_type": "KPI type",
    "controls": "Controls",
    "holidays": "Holiday calendar",
    "currency": "Currency",
}
FREQUENCY_NAMES = {"W": "weekly", "M": "monthly"}
CHANNEL_COLUMNS = {
    "channel": "Channel",
    "media": "Media",
    "social": "Social",
    "platform": "Platform",
    "spend_column": "Spend / cost column",
    "activity_column": "Activity column",
    "driven_by": "Driven by",
}
PRIOR_COLUMNS = {
    "channel": "Channel",
    "kind": "Prior on",
    "median": "Median",
    "sigma": "Sigma",
    "source": "Set by",
}
PRIOR_KINDS = {"roi": "ROI", "share": "share of KPI"}
PRIOR_SOURCES = {"spec": "model spec (per channel)", "map": "channel map", "default": "default"}
SETTING_COLUMNS = {"setting": "Setting", "value": "Value"}
VERSION_COLUMNS = {"package": "Package", "version": "Version"}
YES, NO = "yes", "no"

# ---------------------------------------------------------------------- charts

AXIS_WEEK = "Week"
AXIS_SPEND = "Spend ({currency})"
AXIS_KPI = "{kpi} ({currency})"
AXIS_ROI = "ROI ({kpi} per {currency}1)"
AXIS_CHANGE = "Change in spend ({currency})"
AXIS_UPLIFT = "Change in {kpi} ({currency})"
AXIS_DRAWS = "Share of draws"
AXIS_ACTIVITY = "Earned activity generated"
LEGEND_ACTUAL = "Actual"
LEGEND_EXPECTED = "Expected"
LEGEND_INTERVAL = "90% predictive interval"
LEGEND_HOLDOUT = "Holdout"
LEGEND_BREAKEVEN = "Break-even"
LEGEND_TOTAL_ROI = "Total ROI"
LEGEND_DIRECT_ROI = "Direct ROI (social)"
LEGEND_CURRENT = "Current spend"
LEGEND_RECOMMENDED = "Recommended spend"
LEGEND_LAST_Q = "Last quarter"
LEGEND_THIS_Q = "This quarter"
LEGEND_ZERO = "No change"
LEGEND_MEAN = "Mean"
LEGEND_PRIOR = "Prior-dominated: mostly our prior"
TITLE_CONTRIB = "Baseline vs media"
TITLE_WATERFALL = "Contributions this quarter"
TITLE_ROI = "ROI with 90% intervals"
TITLE_ROI_BY_GEO = "ROI by region (colour: above or below the channel's national ROI)"
TITLE_FIT = "Actual vs fitted"
TITLE_QUARTER = "Spend by channel"
TITLE_QUARTER_KPI = "Attributed {kpi}"
TITLE_EARNED = "What earned media was worth"
TITLE_SHIFTS = "Recommended shifts"
TITLE_UPLIFT = "Expected uplift: {prob} probability of improvement"
TITLE_CURVE = "{channel}: mROI {mroi}"


def fill(template: str, **values: Any) -> str:
    """``template.format(**values)`` that leaves unknown placeholders visible instead of failing."""

    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(_Keep(values))


def columns(spec: Mapping[str, str], **values: Any) -> dict[str, str]:
    """Column headings with placeholders (``{kpi}``, ``{currency}``) filled in."""
    return {k: fill(v, **values) for k, v in spec.items()}


def join_names(names: Sequence[str], limit: int = 5) -> str:
    """``a, b and c`` (at most ``limit`` names, then ``and N more``)."""
    names = [str(n) for n in names]
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------- regions
REGIONS_NONE = "A national fit has no regional breakdown."
REGIONS_INTRO = (
    "The model was fitted to {n} regions at once: each channel's ROI may differ between regions "
    "around a national value, and regions that ramp or flight a channel at different times tell "
    "the model more than one national series could. National ROI = contribution over all regions "
    "÷ total spend."
)
REGIONS_SPLIT = {
    "population": "Channels bought nationally ({channels}) were split to regions by population.",
    "kpi": "Channels bought nationally ({channels}) were split to regions by their share of {kpi}.",
}
REGIONS_HEAT = "ROI by region and channel; the last row is the national ROI."
REGIONS_PLAN = "Where the recommended plan moves money between regions (spend over the planning window):"
REGIONS_LEAST = (
    "The data says least about {regions}: their ROI intervals shrank least from the prior "
    "(mean width ratio {ratio}); treat their regional figures as indicative."
)
REGIONS_COLUMNS = {"geo": "Region", "current_spend": "Current", "recommended_spend": "Recommended",
                   "change": "Change", "change_pct": "Change %"}  # fmt: skip
