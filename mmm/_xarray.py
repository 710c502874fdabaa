"""xarray without importing ``dask.array`` before anything uses dask arrays.

Creating its first variable, xarray asks whether the data are a dask array and, dask being
installed (``mmm fit-many`` runs on Dask distributed), imports ``dask.array`` to find out:
with SciPy's sparse matrices, Jinja2 and the rest that comes with it, 0.35–0.4 s of every
``mmm`` process on a 2-core machine, a twelfth of fitting new data. Nothing can be a dask
array before ``dask.array`` is imported, so :func:`defer_dask_array_check` gives xarray a
record of dask whose array type is looked up only once ``dask.array`` is in ``sys.modules``
(other projects made the same check lazy: unyt, napari). Every answer xarray gets is the one
it would compute itself; a process that imports dask arrays gets the real type from then on.
"""

from __future__ import annotations

import sys
from typing import Any


class _DaskWhenImported:
    """What xarray's ``_cached_duck_array_modules["dask"]`` holds, resolved at each use."""

    @property
    def module(self) -> Any:
        return sys.modules.get("dask") if "dask.array" in sys.modules else None

    @property
    def available(self) -> bool:
        return self.module is not None

    @property
    def type(self) -> tuple[type, ...]:
        array = sys.modules.get("dask.array")
        cls = getattr(array, "Array", None)  # None while dask.array itself is being imported
        return (cls,) if isinstance(cls, type) else ()

    @property
    def version(self) -> Any:
        from packaging.version import Version

        module = self.module
        return Version(getattr(module, "__version__", "0.0.0") if module else "0.0.0")


def defer_dask_array_check() -> bool:
    """Install the lazy dask record in xarray's cache of duck-array libraries (once).

    Returns whether xarray's dask check is now deferred: False when xarray keeps that cache
    elsewhere (another release; nothing is changed then) or already resolved dask.
    """
    try:
        from xarray.namedarray import pycompat
    except ImportError:
        return False
    cache = getattr(pycompat, "_cached_duck_array_modules", None)
    if not isinstance(cache, dict) or not hasattr(pycompat, "DuckArrayModule"):
        return False
    current = cache.get("dask")
    if current is None and "dask.array" not in sys.modules:
        cache["dask"] = _DaskWhenImported()
        return True
    return isinstance(current, _DaskWhenImported)
