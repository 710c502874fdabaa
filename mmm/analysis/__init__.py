"""Analysis layer: fit a dataset and read the posterior.

:class:`~mmm.analysis.fit.MediaMixModel` fits a dataset and returns a
:class:`~mmm.analysis.results.FitResult` (posterior + dataset + spec, saved and loaded without
pickle). Every reading of it is a function here that takes the result: attribution (ROI, mROI,
contributions, response curves), diagnostics, identifiability and forecasts; the result's
methods (``result.roi()`` …) are short forms of them.
"""

from __future__ import annotations

from mmm.analysis.fit import MediaMixModel
from mmm.analysis.identify import Identifiability, identifiability
from mmm.analysis.results import FitResult

__all__ = ["FitResult", "Identifiability", "MediaMixModel", "identifiability"]
