"""mmm: Bayesian marketing-mix modelling for the social-media era.

The public names below are imported lazily, so ``import mmm`` (and the CLI) stay fast until
the model is actually needed. The package is layered, imports flowing one way
(``docs/architecture.md``)::

    data ← model ← analysis ← decisions ← present ← batch ← cli

>>> import mmm
>>> sorted(mmm.__all__)[:3]
['Allocation', 'BudgetScenario', 'ChannelMap']
"""

from __future__ import annotations

import importlib
from typing import Any

from mmm import _moved

__version__ = "0.2.0"

_PUBLIC = {
    "ChannelMap": "mmm.data.config",
    "MMMDataset": "mmm.data.dataset",
    "load": "mmm.data.load",
    "from_dataframe": "mmm.data.load",
    "generate": "mmm.data.synthetic",
    "generate_crisis": "mmm.data.crisis",
    "ModelSpec": "mmm.model.spec",
    "LiftTest": "mmm.model.spec",
    "MediaMixModel": "mmm.analysis.fit",
    "FitResult": "mmm.analysis.results",
    "identifiability": "mmm.analysis.identify",
    "compare": "mmm.analysis.validate",
    "BudgetScenario": "mmm.decisions.optimize",
    "Allocation": "mmm.decisions.optimize",
    "optimize_budget": "mmm.decisions.optimize",
    "evaluate_plan": "mmm.decisions.optimize",
    "build_report": "mmm.present.report",
    "DataValidationError": "mmm.exceptions",
    "ConfigError": "mmm.exceptions",
    "ConvergenceWarning": "mmm.exceptions",
}
#: names whose object is called differently in its module
_RENAMED = {"build_report": "build"}
__all__ = sorted(_PUBLIC)

_moved.install()


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        module = importlib.import_module(_PUBLIC[name])
        importlib.import_module("mmm.present")  # registers result.plot on FitResult
        return getattr(module, _RENAMED.get(name, name))
    raise AttributeError(f"module 'mmm' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])
