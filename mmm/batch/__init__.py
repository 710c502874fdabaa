"""Batch layer: many jobs (brands, markets, model variants) at once on Dask distributed.

:func:`fit_many` runs :class:`Job` objects — usually from a TOML manifest
(:func:`read_manifest`) — each on a Dask worker that reads its own data and writes the run
directory ``mmm fit`` writes, then a summary and a portfolio page
(:mod:`mmm.batch.portfolio`). :mod:`mmm.batch.recovery` uses it to measure accuracy over a
family of synthetic brands (:mod:`mmm.data.family`).

It sits above :mod:`mmm.present` (it writes the same run directories and reports) and below
:mod:`mmm.cli` (``mmm fit-many``, ``mmm benchmark recovery``).
"""

from __future__ import annotations

from mmm.batch.jobs import Job, read_manifest
from mmm.batch.run import BatchResult, fit_many

__all__ = ["BatchResult", "Job", "fit_many", "read_manifest"]
