"""What the data can tell about each channel, and the tests that would tell more.

The report shows each channel's identifiability class next to its ROI (section 4), the
lift test recommended for each channel the data cannot pin down ("What to test next
quarter"), the PASS / REVIEW identifiability checks under model health, and a line in the
executive summary when a paid channel's ROI is mostly the prior. The measurement is
:func:`mmm.analysis.identify.identifiability` and the tests :func:`mmm.decisions.experiments.experiments`,
each computed once per report (or passed in). A MAP fit has no posterior interval to set
against the prior, so for it the report says that the classification needs a full fit.

Nothing here formats or writes: :mod:`mmm.present.report.render` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mmm.analysis.identify import MIN_DRAWS, PRIOR, WELL, Identifiability, identifiability
from mmm.decisions.experiments import TARGET
from mmm.decisions.experiments import experiments as recommend_tests
from mmm.decisions.optimize.policy import annotate_moves
from mmm.present import text as T

if TYPE_CHECKING:
    from mmm.analysis.results import FitResult
    from mmm.present.plan import Plan
    from mmm.present.sections import Source

#: fewest posterior samples identifiability is measured on (the report's thinned draws, or more)
MIN_SAMPLES = 200
#: why there is no classification: an approximate (MAP) fit
APPROXIMATE = "approximate"
#: columns of the report's test table (its CSV is the full :data:`mmm.decisions.experiments.COLUMNS`)
TEST_COLUMNS = ("channel", "class", "reason", "design", "change", "weeks", "spend_change",
                "expected_lift", "lift_se", "roi_lower_now", "roi_upper_now", "roi_lower_after",
                "roi_upper_after", "meets_target", "note")  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """Identifiability and recommended tests for one report.

    Attributes
    ----------
    ident : Identifiability or None
        None when it could not be measured (see ``missing``).
    tests : pandas.DataFrame
        :func:`mmm.decisions.experiments.experiments`' table (no rows when no channel needs a test).
    missing : str
        Empty when measured; :data:`APPROXIMATE` for a MAP fit; else the error's message.
    target : float
        The precision the tests aim for (90% ROI half-width over the median).
    """

    ident: Identifiability | None
    tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing: str = ""
    target: float = TARGET

    @property
    def available(self) -> bool:
        return self.ident is not None

    def classes(self) -> dict[str, str]:
        """channel → class (empty when not measured)."""
        return {} if self.ident is None else self.ident.classes

    def sentence(self, channel: str) -> str:
        """The plain-words finding for ``channel`` when it is not well identified, else ``""``."""
        if self.ident is None or self.classes().get(channel, WELL) == WELL:
            return ""
        return self.ident.sentence(channel)

    def annotate(self, table: pd.DataFrame) -> pd.DataFrame:
        """``table`` (with a ``channel`` column) plus ``identifiability`` and ``identifiability_note``.

        ``identifiability`` is the class ("" for a channel not measured, e.g. earned);
        ``identifiability_note`` the sentence for channels that are not well identified.
        """
        out = table.copy()
        classes = self.classes()
        chans = out["channel"].astype(str)
        out["identifiability"] = [classes.get(c, "") for c in chans]
        out["identifiability_note"] = [self.sentence(c) for c in chans]
        return out

    def prior_dominated(self, media: str = "paid") -> list[str]:
        """Channels of ``media`` whose ROI (or share) is mostly the prior."""
        if self.ident is None:
            return []
        t = self.ident.table
        return [str(c) for c in t.loc[(t["class"] == PRIOR) & (t["media"] == media), "channel"]]

    def uncertain_without_cost(self) -> list[str]:
        """Channels without a cost that are not well identified (no ROI, so no lift test here)."""
        if self.ident is None:
            return []
        t = self.ident.table
        return [str(c) for c in t.loc[(t["class"] != WELL) & (t["metric"] != "roi"), "channel"]]

    def test_table(self) -> pd.DataFrame:
        """One row per recommended test (:data:`TEST_COLUMNS`), with the class's reason."""
        t = self.tests
        if t is None or t.empty:
            return pd.DataFrame(columns=list(TEST_COLUMNS))
        out = t.copy()
        out["channel"] = out["channel"].astype(str)
        if "class" not in out:
            out["class"] = [self.classes().get(c, "") for c in out["channel"]]
        purpose = out["purpose"] if "purpose" in out else pd.Series("", index=out.index)
        out["reason"] = [
            T.TESTS_VALIDATE_WHY if p == "validate" else self._reason(c)
            for c, p in zip(out["channel"], purpose, strict=True)
        ]
        for col in TEST_COLUMNS:
            if col not in out:
                out[col] = "" if col in ("design", "note") else np.nan
        return out[list(TEST_COLUMNS)].reset_index(drop=True)

    def _reason(self, channel: str) -> str:
        if self.ident is None:
            return ""
        try:
            return str(self.ident.row(channel)["reason"] or "")
        except KeyError:
            return ""


def evidence_data(
    src: Source,
    ident: Identifiability | None = None,
    tests: pd.DataFrame | None = None,
    target: float = TARGET,
) -> Evidence:
    """Identifiability and recommended tests for the report on ``src``, each computed once.

    Parameters
    ----------
    src : Source
        The report's fit. Both are measured on its thinned draws (at least
        :data:`MIN_SAMPLES`, when the fit has them), so the intervals in the sentences are the
        ROI table's.
    ident : Identifiability, optional
        Use this instead of measuring (e.g. the one ``mmm fit`` computed on all draws).
    tests : DataFrame, optional
        Use this instead of :func:`mmm.decisions.experiments.experiments`.
    target : float
        Precision the recommended tests aim for.
    """
    res = evidence_source(src)
    known = evidence_without_draws(ident, tests, res.is_approximate, res.n_samples, target)
    if known is not None:
        return known
    if ident is None:
        ident = identifiability(res)
    if tests is None:
        tests = recommend_tests(res, ident, target=target)
    return Evidence(ident, tests.copy(), "", target)


def evidence_source(src: Source) -> FitResult:
    """The draws identifiability is measured on: the report's, or more when it has too few."""
    return src.result if src.result.n_samples >= MIN_SAMPLES else src.full.thin(2 * MIN_SAMPLES)


def evidence_without_draws(
    ident: Identifiability | None,
    tests: pd.DataFrame | None,
    approximate: bool,
    n_samples: int,
    target: float = TARGET,
) -> Evidence | None:
    """:func:`evidence_data` when it needs no posterior draws, else None.

    ``approximate`` and ``n_samples`` describe the draws of :func:`evidence_source`. Nothing is
    measured here: a MAP fit or one with too few draws says why there is no classification;
    otherwise both ``ident`` and ``tests`` must be given.
    """
    missing = ""
    if ident is None:
        if approximate:
            missing = APPROXIMATE
        elif n_samples < MIN_DRAWS:  # too few draws: said in the report, not raised
            missing = (
                f"identifiability needs at least {MIN_DRAWS} posterior draws; "
                f"this fit has {n_samples}"
            )
        else:
            return None
    if tests is None:
        if ident is not None and not approximate:
            return None
        tests = pd.DataFrame()
    return Evidence(ident, tests.copy(), missing, target)


def annotate_plan(plan: Plan | None, ev: Evidence) -> Plan | None:
    """The plan with ``identifiability`` and ``evidence`` columns (from ``ev``) when it has none.

    An Allocation from an optimiser that measured identifiability brings its own; for one
    that did not (no columns, or empty ones), the report adds them with
    :func:`mmm.analysis.identify.annotate_moves`.
    """
    if plan is None or ev.ident is None:
        return plan
    t = plan.table
    if "identifiability" in t and t["identifiability"].fillna("").astype(str).str.len().gt(0).any():
        return plan
    if not {"channel", "change", "change_pct"} <= set(t.columns):
        return plan
    # growth from zero spend has no percentage but is a move
    pct = t["change_pct"].where(t["change_pct"].notna() | (t["change"] == 0), np.inf)
    notes = annotate_moves(t.assign(change_pct=pct), ev.ident)
    return replace(
        plan, table=t.assign(identifiability=notes["identifiability"], evidence=notes["evidence"])
    )
