"""Presentation layer: words, tables, charts, the HTML report and run directories.

Importing it registers ``result.plot`` on :class:`~mmm.analysis.results.FitResult`
(:mod:`mmm.present.accessor`); matplotlib and Jinja2 load only when a chart or report is made.
"""

from __future__ import annotations

from mmm.present.accessor import ResultPlots

__all__ = ["ResultPlots"]
