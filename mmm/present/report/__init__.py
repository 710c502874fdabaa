"""The quarterly budget-review report: one self-contained HTML file plus a CSV per table.

>>> from mmm.present.report import build                                   # doctest: +SKIP
>>> build(result, allocation, out="reports/2024Q3.html", quarter="2024Q3")  # doctest: +SKIP

:mod:`~mmm.present.sections` computes the data of each section (with
:mod:`~mmm.present.evidence` for what the data can tell per channel and the lift tests to
run, and :mod:`~mmm.present.plan` for the budget plan), :mod:`mmm.present.plotting` draws the
charts, :mod:`~mmm.present.report.render` writes the page (Jinja2, autoescaped, inline SVG and
CSS, no JavaScript) out of :mod:`~mmm.present.report.blocks`, and :mod:`~mmm.present.text` holds
every word of it.
"""

from __future__ import annotations

from mmm.present.report.render import build

__all__ = ["build"]
