"""Report blocks that appear only for some data: cross-validation folds (after ``mmm cv``) and
earned media by sentiment with named events (a channel map with ``negative``/``events``).

Split from :mod:`mmm.present.report.render` (which calls them while it builds its sections) to
keep modules small; each function takes the page being built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmm.present import plotting
from mmm.present import text as T
from mmm.present.report.blocks import Block, status_class

if TYPE_CHECKING:
    from mmm.present.report.render import ReportPage


def sentiment_blocks(page: ReportPage) -> list[Block]:
    """Mentions by sentiment with event windows shaded, each event's effect, the crisis response."""
    d = page.d.sentiment
    if d is None:
        return []
    k = page.kfmt
    blocks = []
    if len(d.tone):
        blocks += [Block("p", text=T.fill(T.TONE_INTRO, kpi=page.kpi)),
                   page._chart(plotting.draw_tone, d.tone, d.windows, csv=page.w.csv("sentiment", d.tone))]  # fmt: skip
    if len(d.events):
        ev = d.events.assign(effect_interval=[T.interval(a, b, k) for a, b in
                                              zip(d.events["effect_lower"], d.events["effect_upper"], strict=True)])  # fmt: skip
        blocks += [Block("p", text=T.fill(T.EVENTS_INTRO, kpi=page.kpi)),
                   Block("table", table=page.w.table("events", ev, page._cols(T.EVENTS_COLUMNS),
                                                     {"effect_mean": k, "shift_mean": k, "negative_mean": k}, raw=d.events))]  # fmt: skip
    if len(d.response):
        r = d.response
        shown = r.assign(
            returned_interval=[T.interval(a, b, k) for a, b in zip(r["returned_lower"], r["returned_upper"], strict=True)],
            roi_interval=[T.interval(a, b) for a, b in zip(r["roi_lower"], r["roi_upper"], strict=True)],
        )  # fmt: skip
        blocks += [Block("p", text=T.RESPONSE_INTRO),
                   Block("table", table=page.w.table("crisis_response", shown, page._cols(T.RESPONSE_COLUMNS),
                                                     {"spend": page.money, "spend_usual": page.money,
                                                      "returned_mean": k, "roi_mean": T.ratio}, raw=r))]  # fmt: skip
    return blocks


def cross_validation_blocks(page: ReportPage) -> list[Block]:
    """Rolling-origin cross-validation under model health: folds, accuracy, ROI stability."""
    cv = page.d.cross_validation
    if cv is None:
        return [Block("h3", text=T.CV_TITLE), Block("p", text=T.CV_NONE)]
    f = cv.folds
    intro = T.fill(T.CV_INTRO, folds=len(f), horizon=int(f["n_test"].iloc[0]), unit=page.unit[1],
                   mape=T.pct(cv.mape, digits=1), coverage=T.pct(cv.coverage), prob=T.pct(cv.prob),
                   kpi=page.kpi)  # fmt: skip
    st = cv.stability
    verdict = (T.fill(T.CV_UNSTABLE, channels=T.join_names(list(cv.unstable))) if cv.unstable
               else T.CV_STABLE)  # fmt: skip
    pcts = {"mape": lambda v: T.pct(v, digits=1), "coverage": T.pct}
    rois = {c: T.ratio for c in ("roi_mean", "roi_min", "roi_max")}
    shown = st.assign(unstable=[T.YES if v else T.NO for v in st["unstable"]])
    return [
        Block("h3", text=T.CV_TITLE),
        Block("p", text=intro),
        Block("table", table=page.w.table("cv_folds", f, T.CV_FOLD_COLUMNS, pcts,
                                          classes={"convergence": status_class})),
        Block("p", text=verdict),
        Block("table", table=page.w.table("cv_stability", shown, T.CV_STABILITY_COLUMNS, rois,
                                          raw=st)),
    ]  # fmt: skip
