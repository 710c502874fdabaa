"""The quarterly budget-review report: one self-contained HTML file plus a CSV per table.

>>> from mmm.report import build                                   # doctest: +SKIP
>>> build(result, allocation, out="reports/2024Q3.html", quarter="2024Q3")  # doctest: +SKIP

:mod:`~mmm.report.sections` computes the data of each section, :mod:`mmm.plotting` draws
the charts, :mod:`~mmm.report.render` writes the page (Jinja2, autoescaped, inline SVG and
CSS, no JavaScript) and :mod:`~mmm.report.text` holds every word of it.
"""

from __future__ import annotations

from mmm.report.render import build

__all__ = ["build"]
