"""``result.plot``: the plotting functions bound to one FitResult, registered on FitResult.

Registering (rather than FitResult importing the plots) keeps the analysis layer free of the
presentation layer; matplotlib is imported on the first plot, not with this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mmm.analysis.results import FitResult, register_accessor

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@register_accessor("plot")
class ResultPlots:
    """``result.plot``: the plotting functions bound to one FitResult.

    Examples
    --------
    >>> fig = result.plot.roi()            # doctest: +SKIP
    >>> fig = result.plot.waterfall("2024Q3")  # doctest: +SKIP
    """

    def __init__(self, result: FitResult) -> None:
        self._result = result

    def roi(self, window: Any = None, identifiability: Any = None) -> Figure:
        """See :func:`~mmm.present.plotting.plot_roi`."""
        from mmm.present import plotting

        return plotting.plot_roi(self._result, window, identifiability)

    def contributions(self) -> Figure:
        """See :func:`~mmm.present.plotting.plot_contributions`."""
        from mmm.present import plotting

        return plotting.plot_contributions(self._result)

    def waterfall(self, window: Any = "last:13") -> Figure:
        """See :func:`~mmm.present.plotting.plot_waterfall`."""
        from mmm.present import plotting

        return plotting.plot_waterfall(self._result, window)

    def fit(self) -> Figure:
        """See :func:`~mmm.present.plotting.plot_fit`."""
        from mmm.present import plotting

        return plotting.plot_fit(self._result)

    def response_curves(self, allocation: Any = None, window: Any = "last:13") -> Figure:
        """See :func:`~mmm.present.plotting.plot_response_curves`."""
        from mmm.present import plotting

        return plotting.plot_response_curves(self._result, allocation, window)

    def earned(self, window: Any = "last:13") -> Figure:
        """See :func:`~mmm.present.plotting.plot_earned`."""
        from mmm.present import plotting

        return plotting.plot_earned(self._result, window)

    def quarter(self, quarter: str | None = None) -> Figure:
        """See :func:`~mmm.present.plotting.plot_quarter`."""
        from mmm.present import plotting

        return plotting.plot_quarter(self._result, quarter)

    def __repr__(self) -> str:
        names = [n for n in dir(self) if not n.startswith("_")]
        return f"ResultPlots({', '.join(names)})"

    def roi_by_geo(self) -> Figure:
        """See :func:`~mmm.present.plotting.plot_roi_by_geo`."""
        from mmm.present import plotting

        return plotting.plot_roi_by_geo(self._result)
