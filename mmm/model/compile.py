"""Compile a PyMC model for nutpie with the compiled code cached on disk across processes.

``nutpie.compile_pymc_model`` wraps PyTensor's numba functions in ``numba.cfunc`` callbacks
that close over Python objects, so numba cannot cache them: every new process (a notebook
kernel, each ``mmm fit``) spends seconds in LLVM for a model it compiled before. Here the
same two callbacks (log-density + gradient, and the expansion to stored draws) are written as
plain source with no closures and registered with PyTensor's numba cache under a key made of
PyTensor's own hash of the compiled graph (every op, every constant, the data included) and the
parameter count. A later process building an identical model loads the machine code from
``~/.pytensor/numba`` instead of compiling it.

The result is nutpie's own ``CompiledPyMCModel``: sampling is unchanged. Anything this path
cannot handle (shared variables, an uncacheable graph, another nutpie's internals) falls back
to ``nutpie.compile_pymc_model``, so a fit never depends on the cache.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

log = logging.getLogger(__name__)

#: set to 0 to compile every fit from scratch (as ``nutpie.compile_pymc_model`` does)
ENV_SWITCH = "MMM_COMPILE_CACHE"

#: nutpie releases whose callback ABI and ``CompiledPyMCModel`` fields this module was checked
#: against; another release falls back to ``nutpie.compile_pymc_model`` (and a test fails)
NUTPIE_CHECKED = ("0.16.",)

#: bump when the generated callback source changes, so old cache entries are not reused
_CALLBACK_VERSION = 2

_LOGP_SRC = """
def mmm_logp_{key}(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    x = carray(x_, ({n_dim},))
    out = carray(out_, ({n_dim},))
    logp = carray(logp_, ())
    logp_val, grad = inner(x)
    logp[()] = logp_val
    out[...] = grad
    if not np.all(np.isfinite(out)):
        return 3
    if not np.isfinite(logp_val):
        return 4
    return 0
"""

_EXPAND_SRC = """
def mmm_expand_{key}(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    x = carray(x_, ({n_dim},))
    out = carray(out_, ({n_expanded},))
    (values,) = inner(x)
    out[...] = values
    return 0
"""


class CacheUnavailable(RuntimeError):
    """This model cannot go through the cached path (the caller falls back to nutpie's)."""


def compile_for_nutpie(model: Any, var_names: list[str]) -> tuple[Any, str]:
    """A nutpie ``CompiledPyMCModel`` for ``model``, and how it was obtained.

    The second item is ``"cache hit"`` (machine code loaded from disk), ``"compiled, cached"``
    (compiled now and saved for the next process) or ``"compiled, not cached: <reason>"``
    (``nutpie.compile_pymc_model`` did the work, as without this module).
    """
    import dataclasses

    import nutpie

    centre = initial_centre(model)
    compiled: Any = None
    reason = "" if cache_switched_on() else f"switched off by {ENV_SWITCH}={os.environ[ENV_SWITCH]}"
    if not reason:
        try:
            compiled = _compile_cached(model, var_names, centre)
        except CacheUnavailable as exc:
            reason = str(exc)
            log.debug("compile cache not used: %s", reason)
        except Exception as exc:  # noqa: BLE001 - e.g. an unreadable cache file: never fail the fit
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("compile cache failed, compiling without it (%s)", reason)
    if compiled is None:
        compiled = nutpie.compile_pymc_model(model, var_names=var_names)
        how = f"compiled, not cached: {reason}"
    else:
        hit = all(
            f._cache_hits for f in (compiled.compiled_logp_func, compiled.compiled_expand_func)
        )
        how = "cache hit" if hit else "compiled, cached"
    starts = chain_starts(centre, compiled.shape_info, compiled.n_dim)
    return dataclasses.replace(compiled, initial_point_func=starts), how


def initial_centre(model: Any) -> dict[str, Any]:
    """The prior's support point on the unconstrained scale (value-variable name → value)."""
    from pymc.initial_point import make_initial_point_fn

    return make_initial_point_fn(
        model=model, default_strategy="support_point", jitter_rvs=set(), return_transformed=True
    )(0)


def cache_switched_on() -> bool:
    """``MMM_COMPILE_CACHE``: unset, 1/on/true/yes → True; 0/off/false/no → False; else an error."""
    raw = os.environ.get(ENV_SWITCH)
    if raw is None:
        return True
    value = raw.strip().lower()
    if value in {"1", "on", "true", "yes"}:
        return True
    if value in {"0", "off", "false", "no"}:
        return False
    from mmm.exceptions import ConfigError

    raise ConfigError(
        f"Environment variable {ENV_SWITCH}={raw!r} is not understood; "
        "use 1/on/true/yes to keep the compile cache or 0/off/false/no to switch it off."
    )


#: half-width of the uniform jitter added to the prior's central point (unconstrained scale)
#: to start each chain. PyMC's default is 1; on the bundled brand one such start (Hill
#: half-saturations far out in their tails) left a chain stuck with a step size of 1e-22
#: after tuning. 0.5 keeps the chains dispersed, which R-hat needs.
INIT_JITTER = 0.5


def chain_starts(centre: dict[str, Any], shape_info: Any, n_dim: int) -> Any:
    """``seed -> flat start``: the prior's support point ``centre`` (value-variable name →
    unconstrained value) plus uniform(±INIT_JITTER) jitter."""
    import numpy as np

    names, slices, shapes = shape_info
    free = [
        (n, shape) for n, sl, shape in zip(names, slices, shapes, strict=True) if sl.stop <= n_dim
    ]
    flat = np.concatenate(
        [np.asarray(centre[n], dtype=float).reshape(shape).ravel() for n, shape in free]
    )
    if flat.size != n_dim:
        raise RuntimeError(f"start vector has {flat.size} values for {n_dim} parameters")

    def start(seed: Any = None) -> Any:
        return flat + np.random.default_rng(seed).uniform(-INIT_JITTER, INIT_JITTER, flat.size)

    return start


def _compile_cached(model: Any, var_names: list[str], centre: dict[str, Any]) -> Any:
    try:
        import numba
        import numpy as np
        from nutpie.compile_pymc import (
            CompiledPyMCModel,
            _make_functions,
            _prepare_dims_and_coords,
            make_user_data,
        )
        from pytensor import config as pt_config
        from pytensor.link.numba.cache import CACHED_SRC_FUNCTIONS, compile_numba_function_src
    except ImportError as exc:  # another nutpie / PyTensor layout
        raise CacheUnavailable(f"internals not found ({exc})") from None
    import nutpie

    if not nutpie.__version__.startswith(NUTPIE_CHECKED):
        raise CacheUnavailable(f"nutpie {nutpie.__version__} is not checked with the compile cache")
    if not pt_config.numba__cache:
        raise CacheUnavailable("PyTensor's numba cache is switched off (numba__cache=False)")

    # nutpie only wraps this function; compile_for_nutpie puts the real (jittered) starts in
    n_dim, n_expanded, logp_pt, expand_pt, init_fn, shape_info, reparam = _make_functions(
        model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=lambda seed=None: centre,
        var_names=var_names,
    )
    if logp_pt.get_shared() or expand_pt.get_shared():
        raise CacheUnavailable("the model has shared variables (pm.Data)")

    callbacks = []
    for fn_pt, src, sig in (
        (logp_pt, _LOGP_SRC, _logp_signature(numba)),
        (expand_pt, _EXPAND_SRC, _expand_signature(numba)),
    ):
        inner = fn_pt.vm.jit_fn
        graph_key = CACHED_SRC_FUNCTIONS.get(inner.py_func)
        if graph_key is None:
            raise CacheUnavailable("PyTensor could not key the compiled graph")
        key = _short_hash(f"{graph_key}|{n_dim}|{n_expanded}|{_CALLBACK_VERSION}")
        code = src.format(key=key, n_dim=n_dim, n_expanded=n_expanded)
        name = code.split("(")[0].split()[-1]
        py_func = compile_numba_function_src(
            code,
            name,
            global_env={
                "__name__": __name__,  # numba rebuilds a cached function's env from it
                "carray": numba.carray,
                "np": np,
                "inner": inner,
            },
            cache_key=f"mmm_callback_{key}",
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", numba.NumbaWarning)
            callback = numba.cfunc(sig, cache=True)(py_func)
        for w in caught:
            if "Cannot cache" in str(w.message):  # numba compiled it but could not save it
                raise CacheUnavailable(str(w.message).splitlines()[0])
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        callbacks.append(callback)

    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    return CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=callbacks[0],
        compiled_expand_func=callbacks[1],
        initial_point_func=init_fn,
        shared_data={},
        shared_var_keys={},
        user_data=make_user_data({}, {}),
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=reparam,
    )


def _logp_signature(numba: Any) -> Any:
    t = numba.types
    return t.int64(
        t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.CPointer(t.double), t.voidptr
    )


def _expand_signature(numba: Any) -> Any:
    t = numba.types
    return t.int64(t.uint64, t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.voidptr)


def _short_hash(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:32]


# ---------------------------------------------------------------------- the cache on disk
def cache_dir() -> Any:
    """Where the compiled callbacks live: PyTensor's numba cache (``~/.pytensor/numba`` by default)."""
    from pytensor.link.numba.cache import NUMBA_CACHE_PATH

    return NUMBA_CACHE_PATH


def cache_files() -> list[Any]:
    """mmm's own entries in :func:`cache_dir` (an index and a data file per compiled callback)."""
    return sorted(p for p in cache_dir().glob("*mmm_callback_*") if p.is_file())


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
