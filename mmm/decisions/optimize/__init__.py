"""Budget optimiser: split next quarter's paid budget where the posterior's marginal ROI says so.

:func:`optimize_budget` turns a :class:`~mmm.analysis.results.FitResult` and a :class:`BudgetScenario`
into an :class:`Allocation`: current vs recommended spend per paid channel, marginal ROI
before and after, each plan's expected incremental revenue and the uplift with its 90%
interval and the probability that the new plan beats the current one.
:func:`evaluate_plan` values a given plan (what-if) with the same outputs.

* **Current plan**: each paid channel's spend over the last ``weeks`` periods, flighted on
  the window like the same weeks one year earlier (or, without them, the last ``weeks``).
  A plan is one total per paid channel with that channel's weekly shape. Paid channels
  with an activity column get ``activity = spend × activity/spend`` of those weeks; owned
  channels keep their recent activity; earned media is predicted from its sources, so
  social channels are credited with the earned media they generate.
* **Incremental revenue** per posterior sample: media effect over the window and
  ``2 × (max_lag - 1)`` carry-over periods after it, minus the same without paid spend in
  the window. It equals :func:`mmm.analysis.attribution.simulate_window` summed (tested), computed
  through the linearity of adstock so values and exact gradients are cheap.
* **Solver**: SciPy SLSQP from the current plan, on the posterior mean or, with
  ``risk="lower"``, on mean − 1.645 sd of the uplift; convergence is checked and reported.
* **Identifiability**: the optimiser does not move large amounts of budget on the strength
  of a prior alone. Channels that :func:`mmm.analysis.identify.identifiability` classes weakly
  identified or prior-dominated keep tighter default bounds (±15% / ±10%; explicit
  ``bounds`` win; ``BudgetScenario(identifiability=False)`` turns this off), and the
  allocation's ``identifiability`` / ``evidence`` columns and ``caveats`` say which moves
  rest on them. Pass a precomputed ``ident=`` to skip measuring it again.

>>> alloc = optimize_budget(result, BudgetScenario(max_change=0.3))  # doctest: +SKIP
>>> alloc.headline  # doctest: +SKIP
'Move ¥3.6M from search and tv to douyin and weibo: +¥1.8M expected revenue (…)'

Layout: :mod:`~mmm.decisions.optimize.scenario` (:class:`BudgetScenario`, its validation and its
resolution against the data: window, current plan, bounds), :mod:`~mmm.decisions.optimize.response`
(posterior response of a plan, with gradients), :mod:`~mmm.decisions.optimize.solve` (SLSQP and the
entry points) and :mod:`~mmm.decisions.optimize.allocation` (:class:`Allocation`, headline wording,
:func:`write_allocation`).
"""

from mmm.decisions.optimize.allocation import (
    CSV_COLUMNS,
    IDENT_COLUMNS,
    PROB,
    Allocation,
    caveat,
    headline_text,
    write_allocation,
)
from mmm.decisions.optimize.scenario import MAX_GAP, OBJECTIVES, RISKS, BudgetScenario
from mmm.decisions.optimize.solve import (
    Z_LOWER,
    SolverWarning,
    current_spend,
    evaluate_plan,
    optimize_budget,
)

__all__ = [
    "CSV_COLUMNS",
    "IDENT_COLUMNS",
    "MAX_GAP",
    "OBJECTIVES",
    "PROB",
    "RISKS",
    "Z_LOWER",
    "Allocation",
    "BudgetScenario",
    "SolverWarning",
    "caveat",
    "current_spend",
    "evaluate_plan",
    "headline_text",
    "optimize_budget",
    "write_allocation",
]
