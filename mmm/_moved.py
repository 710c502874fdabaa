"""Module paths of mmm 0.1 that moved into the layered packages, kept importable for a while.

``import mmm.io`` (0.1) still works and gives :mod:`mmm.data.load`, with a
:class:`DeprecationWarning` naming the new path. The table below is the whole list; new code
should use ``from mmm import …`` (the public names) or the new module paths.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType
from typing import Any

#: old module path → new module path (submodules follow their package)
MOVED = {
    "mmm.io": "mmm.data.load",
    "mmm.config": "mmm.data.config",
    "mmm.dataset": "mmm.data.dataset",
    "mmm.synthetic": "mmm.data.synthetic",
    "mmm.spec": "mmm.model.spec",
    "mmm.design": "mmm.model.design",
    "mmm.transforms": "mmm.model.transforms",
    "mmm.results": "mmm.analysis.results",
    "mmm.attribution": "mmm.analysis.attribution",
    "mmm.diagnostics": "mmm.analysis.diagnostics",
    "mmm.identify": "mmm.analysis.identify",
    "mmm.forecast": "mmm.analysis.forecast",
    "mmm.optimize": "mmm.decisions.optimize",
    "mmm.experiments": "mmm.decisions.experiments",
    "mmm.plotting": "mmm.present.plotting",
    "mmm.report": "mmm.present.report",
    "mmm.runs": "mmm.present.runs",
}


def new_path(fullname: str) -> str | None:
    """Where an old module path lives now (None if it did not move)."""
    for old, new in MOVED.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old) :]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, new: str) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(
            f"{spec.name} moved to {self.new}; import from there (or use `from mmm import …`).",
            DeprecationWarning,
            stacklevel=2,
        )
        return importlib.import_module(self.new)

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module is the one at its new path."""


class MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths of :data:`MOVED` and hands out the modules at the new ones."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        new = new_path(fullname)
        if new is None:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedFinder())
