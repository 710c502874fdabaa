"""mmm: Bayesian marketing-mix modelling for the social-media era.

The public names below are imported lazily, so ``import mmm`` (and the CLI) stay fast until
the model is actually needed.

>>> import mmm
>>> sorted(mmm.__all__)[:3]
['BudgetScenario', 'ChannelMap', 'DataValidationError']
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "ChannelMap": "mmm.config",
    "MMMDataset": "mmm.dataset",
    "load": "mmm.io",
    "from_dataframe": "mmm.io",
    "ModelSpec": "mmm.spec",
    "LiftTest": "mmm.spec",
    "MediaMixModel": "mmm.model",
    "FitResult": "mmm.results",
    "BudgetScenario": "mmm.optimize",
    "optimize_budget": "mmm.optimize",
    "evaluate_plan": "mmm.optimize",
    "generate": "mmm.synthetic",
    "DataValidationError": "mmm.exceptions",
    "ConvergenceWarning": "mmm.exceptions",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'mmm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
