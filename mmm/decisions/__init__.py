"""Decisions layer: next quarter's budget (:mod:`mmm.decisions.optimize`) and the experiments
that would settle what the data cannot tell (:mod:`mmm.decisions.experiments`).

Both take a :class:`~mmm.analysis.results.FitResult` and return data (an
:class:`~mmm.decisions.optimize.Allocation`, a table of test designs); wording and files are
the presentation layer's.
"""

from __future__ import annotations

from mmm.decisions.optimize import Allocation, BudgetScenario, evaluate_plan, optimize_budget

__all__ = ["Allocation", "BudgetScenario", "evaluate_plan", "optimize_budget"]
