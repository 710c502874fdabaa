"""Model layer: what the media-mix model is and how it is sampled.

:class:`~mmm.model.spec.ModelSpec` (every modelling choice) and a dataset make a
:class:`~mmm.model.design.Design` (scaled arrays); :mod:`mmm.model.forward` is the one forward
model (transforms, earned path, baseline) shared by the PyMC graph (:mod:`mmm.model.graph`) and
all post-processing; :mod:`mmm.model.sample` runs nutpie / PyMC / NumPyro, with compiled models
cached across processes (:mod:`mmm.model.compile`). Fitting a dataset and reading the result
is the analysis layer's job: :class:`mmm.analysis.fit.MediaMixModel`.
"""

from __future__ import annotations

import warnings
from typing import Any

from mmm.model.design import Design
from mmm.model.spec import LiftTest, ModelSpec

__all__ = ["Design", "LiftTest", "ModelSpec"]


def __getattr__(name: str) -> Any:
    # Deprecated: until 0.1 `mmm.model` was a module holding MediaMixModel. It now lives one
    # layer up (mmm.analysis.fit) so that the model never depends on the result type built on
    # top of it. This shim is the one place a lower layer reaches up (by name, at first use);
    # tests/test_layers.py allows exactly this one.
    if name == "MediaMixModel":
        warnings.warn(
            "mmm.model.MediaMixModel moved: use `from mmm import MediaMixModel`.",
            DeprecationWarning,
            stacklevel=2,
        )
        import importlib

        return importlib.import_module("mmm.analysis.fit").MediaMixModel
    raise AttributeError(f"module 'mmm.model' has no attribute {name!r}")
