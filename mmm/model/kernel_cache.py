"""mmm's compiled kernels on disk: keyed, checksummed, written atomically, compiled once at a time.

:mod:`mmm.model.compile` turns a model into two C callbacks for nutpie; this module keeps their
machine code in PyTensor's numba cache folder (``~/.pytensor/numba``) so that a later process
loads it instead of compiling it. It adds to numba's own cache what a shared, long-lived cache
needs:

* **Keys that change when the code would.** An entry's name is a hash of the caller's key
  (PyTensor's hash of the compiled graph and the callback source), of the versions of
  PyTensor, nutpie, numba and llvmlite, of the Python (:func:`interpreter`) and of
  :data:`FORMAT_VERSION`. Another release of any of them uses new entries; it never loads code
  compiled by the old one. (numba names its files by Python version, so without the Python in
  the key an entry saved by Python 3.13 in a shared ``~/.pytensor`` counted as saved for 3.12:
  3.12 then compiled the model in the fitting process, which draws differently from every
  later process that loads the code.)
* **Atomic writes.** numba already writes each index (``.nbi``) and data (``.nbc``) file to a
  temporary name and renames it (``IndexDataCacheFile._open_for_write``: ``os.replace``), so a
  reader never sees half a file. What it does not protect is the read-modify-write of the
  index when two processes save at once, nor a reader that finds an index entry whose data
  file is not written yet. So each callback of an entry is compiled and saved under its own
  file lock (:func:`entry_lock`, ``filelock``, which PyTensor itself depends on): the second of two
  processes fitting the same new model (parallel folds, a cluster's workers) waits for the
  first, then loads its code instead of compiling it again. The lock is ``flock``-based, so a
  process that dies releases it.
* **Checksums.** Every file carries a magic tag and the SHA-256 of its payload, and the data
  file repeats the index key it was saved under. A truncated, overwritten or mixed-up entry
  is detected before anything is unpickled, reported with a :class:`~mmm.exceptions.CompileCacheWarning`,
  deleted and compiled again; it is never used.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mmm.exceptions import CompileCacheWarning

#: bump when the layout of mmm's entries or the callbacks' source changes
FORMAT_VERSION = 3

#: libraries whose versions key every entry
KEYED_LIBRARIES = ("pytensor", "nutpie", "numba", "llvmlite")

#: seconds a process waits for another that is compiling the same model before it gives up
#: on the cache (it then compiles without it)
LOCK_TIMEOUT_S = 900.0

_MAGIC = b"mmm-kernel-v1\x00"
#: start of the cache key of every mmm entry (PyTensor's locator puts it in the file names)
PREFIX = "mmm_callback_"


class CacheBusy(RuntimeError):
    """Another process held an entry's lock for longer than :data:`LOCK_TIMEOUT_S`."""


def library_versions() -> dict[str, str]:
    """Installed versions of :data:`KEYED_LIBRARIES` (``"missing"`` for one not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in KEYED_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "missing"
    return out


def interpreter() -> str:
    """This Python as numba tells its cache files apart: implementation, version, ABI flags
    (``cpython-312``, ``cpython-313t``)."""
    return f"{sys.implementation.cache_tag}{getattr(sys, 'abiflags', '')}"


def entry_key(*parts: object) -> str:
    """The name of an entry: a hash of ``parts``, the library versions, the Python and the
    format version."""
    versions = "|".join(f"{k}={v}" for k, v in library_versions().items())
    text = (
        "|".join(str(p) for p in parts)
        + f"|{versions}|python={interpreter()}|format={FORMAT_VERSION}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@contextmanager
def entry_lock(key: str, part: str) -> Iterator[None]:
    """Hold the file lock of callback ``part`` of entry ``key``: one process at a time loads,
    compiles or saves it (each callback has its own lock, so two processes can compile an
    entry's two callbacks at once).

    Raises :class:`CacheBusy` when another process has held it for :data:`LOCK_TIMEOUT_S`.
    """
    import filelock

    lock = filelock.FileLock(str(cache_dir() / f"{PREFIX}{key}.{part}.lock"))
    try:
        lock.acquire(timeout=LOCK_TIMEOUT_S)
    except filelock.Timeout:
        raise CacheBusy(
            f"another process has been compiling this model for over {LOCK_TIMEOUT_S:.0f} s"
        ) from None
    try:
        yield
    finally:
        lock.release()


def cached_cfunc(py_func: Any, sig: Any) -> tuple[Any, bool]:
    """``numba.cfunc(sig, cache=True)(py_func)`` over mmm's checked cache files.

    ``py_func`` must be registered with PyTensor's cache locator under ``PREFIX + key``
    (``compile_numba_function_src(..., cache_key=...)``), which points numba at
    :func:`cache_dir`; call it inside :func:`entry_lock` of that key. Returns the compiled
    callback and whether it was loaded from disk.
    """
    from numba.core import sigutils
    from numba.core.ccallback import CFunc

    def build() -> Any:
        callback = CFunc(py_func, sigutils.normalize_signature(sig), locals={}, options={})
        callback._cache = _checked_cache(py_func)  # type: ignore[attr-defined]
        callback.compile()
        return callback

    callback = build()
    if callback._cache_hits:
        return callback, True
    # Code JIT-compiled in this process and the same code loaded from its saved object file
    # can differ in the last bit of some results (measured: ~6% of log-densities, 1 ulp), and
    # MCMC amplifies that. Reloading what was just saved is not enough to hide it: measured on
    # the bundled brand, the reload here was a cache hit and a seed still drew other numbers
    # than in a later process. So mmm.model.compile compiles new models in a forked child and
    # only falls back to this process where it cannot.
    reloaded = build()
    return (reloaded if reloaded._cache_hits else callback), False


def load_cfunc(py_func: Any, sig: Any) -> Any:
    """The callback of ``py_func`` loaded from the cache, or None when it is not there.

    Never compiles (``py_func`` may lack what compiling needs; see :func:`cached_cfunc` for
    the registration and the lock it expects).
    """
    from numba.core import sigutils
    from numba.core.ccallback import CFunc

    class _NotCached(Exception):
        pass

    def refuse() -> Any:
        raise _NotCached

    callback = CFunc(py_func, sigutils.normalize_signature(sig), locals={}, options={})
    callback._cache = _checked_cache(py_func)  # type: ignore[attr-defined]
    callback._compile_uncached = refuse  # type: ignore[attr-defined]
    try:
        callback.compile()
    except _NotCached:
        return None
    return callback


#: start of the file name of a structure record (see :func:`save_record`)
RECORD_PREFIX = PREFIX + "record_"


def save_record(name: str, record: Any) -> None:
    """Save ``record`` (picklable) as ``name``: sealed with a checksum, written atomically."""
    path = cache_dir() / f"{RECORD_PREFIX}{name}.pkl"
    tmp = path.with_name(f"{path.name}.tmp.{os.getpid()}")
    tmp.write_bytes(_sealed(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)))
    os.replace(tmp, path)


def load_record(name: str) -> Any:
    """The record saved as ``name``, or None when there is none; a damaged one is reported
    with a :class:`~mmm.exceptions.CompileCacheWarning`, deleted and read as None."""
    path = cache_dir() / f"{RECORD_PREFIX}{name}.pkl"
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return pickle.loads(_unsealed(blob, str(path)))
    except Exception as exc:  # noqa: BLE001 - any unreadable record: drop it, compile again
        warnings.warn(
            f"compiled-model cache record {path.name} is corrupted ({type(exc).__name__}: "
            f"{exc}); deleting it and compiling again",
            CompileCacheWarning,
            stacklevel=2,
        )
        path.unlink(missing_ok=True)
        return None


# ---------------------------------------------------------------------- checked numba cache
class _CorruptEntry(Exception):
    pass


def _sealed(payload: bytes) -> bytes:
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _unsealed(blob: bytes, path: str) -> bytes:
    head = len(_MAGIC)
    payload = blob[head + 32 :]
    if blob[:head] != _MAGIC or hashlib.sha256(payload).digest() != blob[head : head + 32]:
        raise _CorruptEntry(f"{os.path.basename(path)} fails its checksum")
    return payload


def _checked_file_class() -> Any:
    from numba.core.caching import IndexDataCacheFile

    class CheckedFile(IndexDataCacheFile):  # type: ignore[misc]
        """numba's index + data files, each sealed with a checksum; data tagged with its key."""

        def _dump(self, obj: Any) -> bytes:
            return _sealed(super()._dump(obj))

        def _load_index(self) -> dict[Any, str]:
            try:
                with open(self._index_path, "rb") as f:
                    version = pickle.load(f)
                    blob = f.read()
            except FileNotFoundError:
                return {}
            if version != self._version:
                return {}
            stamp, overloads = pickle.loads(_unsealed(blob, self._index_path))
            return overloads if stamp == self._source_stamp else {}

        def _load_data(self, name: str) -> Any:
            path = self._data_path(name)
            with open(path, "rb") as f:
                blob = f.read()
            return pickle.loads(_unsealed(blob, path))

        def save(self, key: Any, data: Any) -> None:
            super().save(key, (key, data))

        def load(self, key: Any) -> Any:
            got = super().load(key)
            if got is None:
                return None
            saved_key, data = got
            if saved_key != key:
                raise _CorruptEntry("its data file belongs to another index entry")
            return data

    return CheckedFile


def _checked_cache_class() -> Any:
    from numba.core.caching import FunctionCache

    checked_file = _checked_file_class()

    class CheckedCache(FunctionCache):  # type: ignore[misc]
        """numba's function cache over :class:`CheckedFile`; a bad entry is dropped, not used."""

        def __init__(self, py_func: Any) -> None:
            super().__init__(py_func)
            self._cache_file = checked_file(
                cache_path=self._cache_path,
                filename_base=self._impl.filename_base,
                source_stamp=self._impl.locator.get_source_stamp(),
            )

        def load_overload(self, sig: Any, target_context: Any) -> Any:
            try:
                return super().load_overload(sig, target_context)
            except Exception as exc:  # noqa: BLE001 - any unreadable entry: recompile it
                files = self._entry_files()
                warnings.warn(
                    f"compiled-model cache entry {self._impl.filename_base} is corrupted "
                    f"({type(exc).__name__}: {exc}); deleting it and compiling again",
                    CompileCacheWarning,
                    stacklevel=2,
                )
                for p in files:
                    p.unlink(missing_ok=True)
                return None

        def _entry_files(self) -> list[Path]:
            base = self._impl.filename_base
            return [p for p in Path(self._cache_path).glob(f"{base}.*") if p.is_file()]

    return CheckedCache


_CLASSES: dict[str, Any] = {}


def _checked_cache(py_func: Any) -> Any:
    """A ``CheckedCache`` for ``py_func`` (the class is built on first use: numba is slow to import)."""
    if "cache" not in _CLASSES:
        _CLASSES["cache"] = _checked_cache_class()
    return _CLASSES["cache"](py_func)


# ---------------------------------------------------------------------- the folder
def cache_dir() -> Path:
    """Where the compiled callbacks live: PyTensor's numba cache (``~/.pytensor/numba`` by default)."""
    from pytensor.link.numba.cache import NUMBA_CACHE_PATH

    return Path(NUMBA_CACHE_PATH)


def cache_files() -> list[Path]:
    """mmm's own files in :func:`cache_dir`: an index, a data file and a lock file per
    compiled callback, and the warm-machine marker."""
    return sorted(p for p in cache_dir().glob("*mmm_*") if p.is_file() and _is_ours(p.name))


def _is_ours(name: str) -> bool:
    return PREFIX in name or name.startswith("mmm_kernels_")


def cache_summary() -> tuple[int, int]:
    """(compiled models, bytes) of mmm's entries in :func:`cache_dir`."""
    files = cache_files()
    models = {p.name.split(".")[1] for p in files if ".mmm_logp_" in p.name}
    return len(models), sum(p.stat().st_size for p in files)


def clear_cache() -> tuple[int, int]:
    """Delete mmm's cached callbacks; returns (files, bytes) removed.

    Safe at any time: the next fit of each model compiles again and re-caches it. PyTensor's
    own entries in the same folder are left alone.
    """
    files = cache_files()
    size = 0
    for p in files:
        size += p.stat().st_size
        p.unlink(missing_ok=True)
    return len(files), size


def entry_exists(key: str) -> bool:
    """Whether a callback was saved under ``key`` (a hint for progress messages, not a promise)."""
    return any(cache_dir().glob(f"*{PREFIX}{key}.*.nbi"))


def machine_is_warm() -> bool:
    """Whether mmm has compiled a model on this machine with the installed libraries before.

    The first compile with a cold PyTensor cache also compiles PyTensor's numerical kernels
    (a minute or two, once); later models reuse them and compile in seconds.
    """
    return _warm_marker().exists()


def mark_warm() -> None:
    """Record that this machine's kernels are compiled (see :func:`machine_is_warm`)."""
    marker = _warm_marker()
    if not marker.exists():
        tmp = marker.with_name(f"{marker.name}.tmp.{os.getpid()}")
        tmp.write_text("PyTensor's numerical kernels were compiled by mmm with these versions\n")
        os.replace(tmp, marker)


def _warm_marker() -> Path:
    return cache_dir() / f"mmm_kernels_{entry_key('warm')}"
