"""xarray's dask check deferred (mmm._xarray): no dask.array import for a national fit's data,
and dask arrays still work as xarray's own check would have it."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
import numpy as np
from mmm.data.samples import sample_dataset
import xarray as xr
ds = sample_dataset()
print("dask.array" in sys.modules, xr.DataArray(np.ones(3)).chunks)
import dask.array as da
lazy = xr.DataArray(da.ones(6, chunks=3))
print(lazy.chunks, type(lazy.data).__name__, float(lazy.sum()))
print(xr.DataArray(np.arange(4.0)).chunk(2).chunks)
"""


def test_loading_data_does_not_import_dask_array_and_dask_arrays_still_work() -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "False None"
    assert out[1] == "((3, 3),) Array 6.0"
    assert out[2] == "((2, 2),)"
