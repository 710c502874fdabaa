"""Compile a PyMC model for nutpie with the compiled code cached on disk across processes.

``nutpie.compile_pymc_model`` wraps PyTensor's numba functions in ``numba.cfunc`` callbacks
that close over Python objects, so numba cannot cache them: every new process (a notebook
kernel, each ``mmm fit``) spends seconds in LLVM for a model it compiled before. Here the
same two callbacks (log-density + gradient, and the expansion to stored draws) are written as
plain source with no closures and kept on disk by :mod:`mmm.model.kernel_cache` under a key
made of PyTensor's own hash of the compiled graph, the callback source and the library
versions. A later process building an identical model loads the machine code instead of
compiling it.

**Data as runtime inputs.** A model whose data are ``pm.Data`` (shared variables) compiles to
a graph that takes the data as arguments; PyTensor's hash of it does not depend on the data's
values or lengths. The callbacks read each array from nutpie's ``user_data`` record (the
pointer, size and shape nutpie's own ``make_user_data`` lays out, under the fixed names
``s0``, ``s1``, …) at every call, so one compiled model serves every dataset of the same
structure: a new quarter's data, another cross-validation fold, more weeks. ``with_data`` of
the returned ``CompiledPyMCModel`` swaps arrays without recompiling, as nutpie's does.

**Same draws, compiled or loaded.** Code JIT-compiled in a process and the same code loaded
from disk can differ in the last bit of a result, and MCMC amplifies that; so a model new to
the cache is compiled and saved by forked child processes (one per callback, at once) and
every process, the first included, runs the code loaded from disk (Linux; elsewhere the first
process runs its own).

The result is nutpie's own ``CompiledPyMCModel``: sampling is unchanged. Anything this path
cannot handle (a non-tensor shared variable, an uncacheable graph, another nutpie's
internals) falls back to ``nutpie.compile_pymc_model``, so a fit never depends on the cache.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import time
import types
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from mmm import _progress
from mmm.model import kernel_cache

log = logging.getLogger(__name__)

#: set to 0 to compile every fit from scratch (as ``nutpie.compile_pymc_model`` does)
ENV_SWITCH = "MMM_COMPILE_CACHE"

#: nutpie releases whose callback ABI and ``CompiledPyMCModel`` fields this module was checked
#: against; another release falls back to ``nutpie.compile_pymc_model`` (and a test fails)
NUTPIE_CHECKED = ("0.16.",)

#: an entry's two callbacks, in nutpie's order; each has its own files and lock
CALLBACKS = ("logp", "expand")

_LOGP_SRC = """
def mmm_logp_{key}(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        x = carray(x_, ({n_dim},))
        out = carray(out_, ({n_dim},))
        logp = carray(logp_, ())
{unpack}        logp_val, grad = inner(x{args})
        logp[()] = logp_val
        out[...] = grad
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:  # noqa: BLE001
        return 1
    return 0
"""

_EXPAND_SRC = """
def mmm_expand_{key}(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        x = carray(x_, ({n_dim},))
{unpack}        (values,) = inner(x{args})
        if values.shape[0] != expanded:
            return -1
        out = carray(out_, (expanded,))
        out[...] = values
    except Exception:  # noqa: BLE001
        return -2
    return 0
"""

#: reads shared variable ``{name}`` (rank ``{ndim}``) from nutpie's user-data record
_UNPACK_SRC = (
    "        {name} = carray(as_pointer(shared['data']['{name}'][()]), "
    "int(shared['size']['{name}'][()]), np.{dtype}).reshape(({shape}))\n"
)


class CacheUnavailable(RuntimeError):
    """This model cannot go through the cached path (the caller falls back to nutpie's)."""


class _ArvizForNutpie(types.ModuleType):
    """Stands in for ``arviz`` while nutpie is imported (see :func:`import_nutpie`).

    nutpie's sampler module does ``import arviz`` at import time and later calls only
    ``arviz.from_dict`` and ``arviz.dict_to_dataset``, which are arviz_base's. Importing
    ``arviz`` itself also imports arviz_plots and with it matplotlib's pyplot (~0.4 s, a
    fourteenth of a small ``mmm fit``). Any other name is looked up on the real ``arviz``,
    imported then.
    """

    _BASE = frozenset({"from_dict", "dict_to_dataset"})

    def __getattr__(self, name: str) -> Any:
        if name in self._BASE:
            import arviz_base

            return getattr(arviz_base, name)
        if sys.modules.get("arviz") is self:  # asked during nutpie's import itself
            del sys.modules["arviz"]
        import arviz

        return getattr(arviz, name)


def import_nutpie() -> Any:
    """``nutpie``, imported without importing ``arviz`` (its plotting half) when this process
    has not imported it yet. ``sys.modules`` is left as it was: a later ``import arviz`` (a
    notebook, a test) imports the real package."""
    if "nutpie" in sys.modules or "arviz" in sys.modules:
        import nutpie

        return nutpie
    stand_in = _ArvizForNutpie("arviz")
    sys.modules["arviz"] = stand_in
    try:
        import nutpie
    finally:
        if sys.modules.get("arviz") is stand_in:
            del sys.modules["arviz"]
    return nutpie


#: said once, before the first compile on a machine whose kernel cache is cold
COLD_NOTE = "first run on this machine: compiling numerical kernels, a minute or two, once"


def compile_for_nutpie(
    model: Any, var_names: list[str], structure: Hashable | None = None
) -> tuple[Any, str]:
    """A nutpie ``CompiledPyMCModel`` for ``model``, and how it was obtained.

    The second item is ``"cache hit"`` (machine code loaded from disk), ``"compiled, cached"``
    (compiled now and saved for the next process) or ``"compiled, not cached: <reason>"``
    (``nutpie.compile_pymc_model`` did the work, as without this module).

    Models whose data are ``pm.Data`` go through the cache too, keyed by structure only: a
    model of the same structure with other data values or lengths is a cache hit. A model new
    to the cache is compiled in forked child processes and loaded from disk here, so its
    first fit draws exactly what every later fit of it will (:func:`_compile_cached`). Progress
    (and, on a machine that never compiled a model, :data:`COLD_NOTE`) goes to
    :mod:`mmm._progress`.

    ``structure`` (mmm passes :meth:`~mmm.model.design.Design.structure` and the kept names)
    names the model without building its PyTensor functions: the first compile of a structure
    records what loading its code needs, and a later model of that structure loads the code
    directly (:func:`_load_by_structure`), skipping PyTensor's graph rewrites (most of a cache
    hit's time otherwise).
    """
    import dataclasses

    with _progress.step("compiling the model") as step:
        nutpie = import_nutpie()

        centre = initial_centre(model)
        compiled: Any = None
        reason = (
            "" if cache_switched_on() else f"switched off by {ENV_SWITCH}={os.environ[ENV_SWITCH]}"
        )
        if not reason:
            try:
                if structure is not None:
                    compiled = _load_by_structure(model, var_names, structure, centre)
                    hit = compiled is not None
                if compiled is None:
                    compiled, hit = _compile_cached(model, var_names, centre, step.note, structure)
            except CacheUnavailable as exc:
                reason = str(exc)
                log.debug("compile cache not used: %s", reason)
            except Exception as exc:  # noqa: BLE001 - e.g. an unreadable cache file: never fail the fit
                reason = f"{type(exc).__name__}: {exc}"
                log.warning("compile cache failed, compiling without it (%s)", reason)
        if compiled is None:
            if not kernel_cache.machine_is_warm():
                step.note(COLD_NOTE)
            compiled = nutpie.compile_pymc_model(model, var_names=var_names)
            how = f"compiled, not cached: {reason}"
        else:
            how = "cache hit" if hit else "compiled, cached"
        kernel_cache.mark_warm()
        step.outcome(how.split(":")[0])
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


def _compile_cached(
    model: Any,
    var_names: list[str],
    centre: dict[str, Any],
    note: Callable[[str], None],
    structure: Hashable | None = None,
) -> tuple[Any, bool]:
    """nutpie's ``CompiledPyMCModel`` with cacheable callbacks, and whether both were loaded.

    A model not in the cache yet is compiled and saved by forked child processes (one per
    callback, at once), and this process loads the saved code like any later one. Code
    JIT-compiled in a process and the same code loaded from disk can differ in the last bit
    of some results (numba#10617; measured here on PyTensor's fastmath kernels: ~6% of
    log-densities differ by 1 ulp), and MCMC turns that into different draws; this way a
    seed gives the same draws whether or not the model was compiled before. (A spawned child
    rebuilding the model from a pickle does not work: the unpickled graph sorts in another
    order, so PyTensor keys it differently.)
    """
    try:
        import numba
        import numpy as np
        from nutpie.compile_pymc import (
            CompiledPyMCModel,
            _make_functions,
            _prepare_dims_and_coords,
            address_as_void_pointer,  # noqa: F401 - used by _callback_function
            make_user_data,
        )
        from pytensor import config as pt_config
        from pytensor.link.numba.cache import (
            CACHED_SRC_FUNCTIONS,
            compile_numba_function_src,  # noqa: F401 - used by _callback_function
        )
    except ImportError as exc:  # another nutpie / PyTensor layout
        raise CacheUnavailable(f"internals not found ({exc})") from None
    nutpie = import_nutpie()

    if not nutpie.__version__.startswith(NUTPIE_CHECKED):
        raise CacheUnavailable(f"nutpie {nutpie.__version__} is not checked with the compile cache")
    if not pt_config.numba__cache:
        raise CacheUnavailable("PyTensor's numba cache is switched off (numba__cache=False)")

    from mmm.model.graph import without_node_traces

    # nutpie only wraps this function; compile_for_nutpie puts the real (jittered) starts in
    with without_node_traces():
        n_dim, n_expanded, logp_pt, expand_pt, init_fn, shape_info, reparam = _make_functions(
            model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=lambda seed=None: centre,
            var_names=var_names,
        )
    shared_vars = shared_inputs(logp_pt, expand_pt)
    shared_data = {key: _frozen_copy(np, var.get_value()) for var, key in shared_vars.items()}
    user_data = make_user_data(shared_vars, shared_data)

    parts: list[str] = []
    sources = []
    for fn_pt, template in ((logp_pt, _LOGP_SRC), (expand_pt, _EXPAND_SRC)):
        inner = fn_pt.vm.jit_fn
        graph_key = CACHED_SRC_FUNCTIONS.get(inner.py_func)
        if graph_key is None:
            raise CacheUnavailable("PyTensor could not key the compiled graph")
        names = [shared_vars[v] for v in fn_pt.get_shared()]
        fields = {
            "n_dim": n_dim,
            "unpack": _unpack_source(np, fn_pt.get_shared(), shared_vars),
            "args": "".join(f", {n}" for n in names),
        }
        parts += [graph_key, template.format(key="", **fields)]
        sources.append((inner, template, fields))
    key = kernel_cache.entry_key(*parts, user_data.dtype)
    log.debug("compiled-model cache entry %s", key)

    signatures = _signatures(numba)

    def load_or_compile(which: tuple[int, ...] = (0, 1)) -> tuple[list[Any], list[bool]]:
        """Callbacks ``which`` (0 logp, 1 expand), each loaded from entry ``key`` or compiled
        and saved under its own lock."""
        callbacks, hits = [], []
        for i in which:
            inner, template, fields = sources[i]
            with kernel_cache.entry_lock(key, CALLBACKS[i]):
                py_func = _callback_function(template, key, fields, inner, user_data.dtype)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", numba.NumbaWarning)
                    callback, hit = kernel_cache.cached_cfunc(py_func, signatures[i])
                for w in caught:
                    if "Cannot cache" in str(w.message):  # compiled, but numba cannot save it
                        raise CacheUnavailable(str(w.message).splitlines()[0])
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            callbacks.append(callback)
            hits.append(hit)
        return callbacks, hits

    compiled_now = False
    if not kernel_cache.entry_exists(key):
        if not kernel_cache.machine_is_warm():
            note(COLD_NOTE)
        # one child per callback: they compile at once on two cores (the log-density's
        # callback takes ~8x the expansion's; measured on the bundled brand, cold: 82 s + 10 s)
        jobs = [functools.partial(load_or_compile, (i,)) for i in range(len(CALLBACKS))]
        compiled_now = _in_forked_children(jobs, note)
    callbacks, hits = load_or_compile()

    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    compiled = CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=callbacks[0],
        compiled_expand_func=callbacks[1],
        initial_point_func=init_fn,
        shared_data=shared_data,
        shared_var_keys=shared_vars,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=reparam,
    )
    if structure is not None:
        _save_structure(model, var_names, structure, key, compiled, [f for *_, f in sources])
    return compiled, all(hits) and not compiled_now


def _callback_function(
    template: str, key: str, fields: dict[str, Any], inner: Any, record_dtype: Any
) -> Any:
    """The Python function of one callback of entry ``key``, registered with PyTensor's cache
    locator (so numba looks for its machine code in :func:`kernel_cache.cache_dir`)."""
    import numba
    import numpy as np
    from nutpie.compile_pymc import address_as_void_pointer
    from pytensor.link.numba.cache import compile_numba_function_src

    code = template.format(key=key, **fields)
    return compile_numba_function_src(
        code,
        code.split("(")[0].split()[-1],
        global_env={
            "__name__": __name__,  # numba rebuilds a cached function's env from it
            "carray": numba.carray,
            "np": np,
            "inner": inner,
            "as_pointer": address_as_void_pointer,
            "record_dtype": record_dtype,
        },
        cache_key=kernel_cache.PREFIX + key,
    )


# ---------------------------------------------------------------------- by structure
def _structure_name(structure: Hashable, var_names: list[str]) -> str:
    """The record name of ``structure``: its repr, the kept names and a hash of the model
    layer's source (a graph changed without a change of ``Design.structure()`` never loads
    code compiled for the old graph), plus the library and format versions."""
    import hashlib
    from pathlib import Path

    root = Path(__file__).resolve().parent  # mmm/model
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return kernel_cache.entry_key(
        "structure", repr(structure), tuple(var_names), digest.hexdigest()
    )


def _named_shared(model: Any) -> dict[str, Any]:
    """The model's shared variables (``pm.Data``, mutable dimension lengths) by name; a name
    two of them share maps to None."""
    from pytensor.compile.sharedvalue import SharedVariable

    out: dict[str, Any] = {}
    for var in (*model.named_vars.values(), *model.dim_lengths.values()):
        if isinstance(var, SharedVariable) and var.name:
            out[var.name] = var if out.get(var.name, var) is var else None
    return out


def _kept_shape(model: Any, name: str) -> tuple[int, ...] | None:
    """The shape of kept variable ``name`` from its dims (or its static type), without
    compiling anything; None when neither says."""
    var = model[name]
    dims = model.named_vars_to_dims.get(name)
    if dims and len(dims) == var.type.ndim and all(d is not None for d in dims):
        sizes = []
        for d in dims:
            length = model.dim_lengths[d]
            value = (
                length.get_value()
                if hasattr(length, "get_value")
                else getattr(length, "data", None)
            )
            if value is None:
                return None
            sizes.append(int(value))
        return tuple(sizes)
    shape = var.type.shape
    return tuple(int(n) for n in shape) if all(n is not None for n in shape) else None


def _save_structure(
    model: Any,
    var_names: list[str],
    structure: Hashable,
    key: str,
    compiled: Any,
    fields: list[dict[str, Any]],
) -> None:
    """Record what :func:`_load_by_structure` needs to load entry ``key`` for ``structure``.

    Nothing is recorded when a shared variable cannot be found again by its name or a kept
    variable's shape cannot be read without compiling: such models take the full path.
    """
    named = _named_shared(model)
    shared = []
    for sv, slot in compiled.shared_var_keys.items():
        if not sv.name or id(named.get(sv.name)) != id(sv):
            log.debug("no structure record: shared variable %r is not found by name", sv.name)
            return
        shared.append((slot, sv.name, list(sv.type.shape), sv.type.dtype))
    names, slices, shapes = compiled.shape_info
    for n, sl, shape in zip(names, slices, shapes, strict=True):
        if sl.start >= compiled.n_dim and _kept_shape(model, n) != tuple(shape):
            log.debug("no structure record: the shape of %r is not known before compiling", n)
            return
    record = {
        "entry": key,
        "n_dim": compiled.n_dim,
        "n_expanded": compiled.n_expanded,
        "shape_info": (list(names), list(slices), [tuple(s) for s in shapes]),
        "reparam": list(compiled.reparameterized_names),
        "shared": shared,
        "fields": fields,
    }
    kernel_cache.save_record(_structure_name(structure, var_names), record)


def _load_by_structure(
    model: Any, var_names: list[str], structure: Hashable, centre: dict[str, Any]
) -> Any:
    """nutpie's ``CompiledPyMCModel`` for ``model`` loaded by its structure, or None.

    None (the caller takes the full path) when no record exists, the record does not fit this
    model (a shared variable, a parameter's or a kept variable's shape differs) or the
    callbacks' machine code is no longer on disk. The callbacks are the ones the full path
    loads, so the draws are the same either way.
    """
    import numba
    import numpy as np
    from nutpie.compile_pymc import (
        CompiledPyMCModel,
        _prepare_dims_and_coords,
        make_user_data,
    )

    record = kernel_cache.load_record(_structure_name(structure, var_names))
    if record is None:
        return None
    named = _named_shared(model)
    shared_vars: dict[Any, str] = {}
    for slot, name, shape, dtype in record["shared"]:
        var = named.get(name)
        if var is None or list(var.type.shape) != shape or var.type.dtype != dtype:
            log.debug("structure record does not fit: shared variable %r", name)
            return None
        shared_vars[var] = slot
    n_dim = record["n_dim"]
    names, slices, shapes = record["shape_info"]
    free = {n: s for n, sl, s in zip(names, slices, shapes, strict=True) if sl.stop <= n_dim}
    kept = {n: s for n, sl, s in zip(names, slices, shapes, strict=True) if sl.start >= n_dim}
    if set(free) != set(centre) or any(np.shape(centre[n]) != s for n, s in free.items()):
        log.debug("structure record does not fit: the parameters differ")
        return None
    if any(_kept_shape(model, n) != s for n, s in kept.items()):
        log.debug("structure record does not fit: a kept variable's shape differs")
        return None
    shared_data = {slot: _frozen_copy(np, var.get_value()) for var, slot in shared_vars.items()}
    user_data = make_user_data(shared_vars, shared_data)
    key = record["entry"]
    callbacks = []
    for part, template, fields, sig in zip(
        CALLBACKS,
        (_LOGP_SRC, _EXPAND_SRC),
        record["fields"],
        _signatures(numba),
        strict=True,
    ):
        with kernel_cache.entry_lock(key, part):
            # the machine code is loaded, never compiled here: the inner function is not needed
            py_func = _callback_function(template, key, fields, None, user_data.dtype)
            callback = kernel_cache.load_cfunc(py_func, sig)
        if callback is None:
            log.debug("structure record found, its machine code is not: full path")
            return None
        callbacks.append(callback)
    shape_info = (names, slices, shapes)
    dims, coords = _prepare_dims_and_coords(model, shape_info, record["reparam"])
    return CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, shape in zip(names, shapes, strict=True)},
        compiled_logp_func=callbacks[0],
        compiled_expand_func=callbacks[1],
        initial_point_func=lambda seed=None: centre,
        shared_data=shared_data,
        shared_var_keys=shared_vars,
        user_data=user_data,
        n_expanded=record["n_expanded"],
        shape_info=shape_info,
        logp_func=None,  # the PyTensor functions are what this path avoids building
        expand_func=None,
        reparameterized_names=record["reparam"],
    )


#: compile new models in forked child processes (see :func:`_compile_cached`); where fork is
#: unavailable or unsafe (Windows, macOS) the fitting process compiles them itself
FORK_COMPILE = hasattr(os, "fork") and sys.platform.startswith("linux")


#: seconds between "still compiling" lines while a child compiles (a cold machine: ~1.5 min)
HEARTBEAT_S = 15.0


def _in_forked_children(
    jobs: Sequence[Callable[[], tuple[list[Any], list[bool]]]],
    note: Callable[[str], None] | None = None,
) -> bool:
    """Run each of ``jobs`` (a ``load_or_compile``) in its own forked copy of this process, all
    at once; True if any compiled and saved.

    A child inherits the model's functions as they are (no pickling, no imports, no graph
    rebuilt), compiles and saves its callback, says what it did through a pipe and exits;
    this process never JIT-compiles them and loads them from disk afterwards. False when the
    children found the entry saved by another process, or one failed (this process then
    compiles what is missing). Raises :class:`CacheUnavailable` when a child found the model
    uncacheable. While children work, ``note`` hears "still compiling (N s)" every
    :data:`HEARTBEAT_S` seconds.
    """
    if not FORK_COMPILE:
        return False
    children: list[tuple[int, int]] = []  # (pid, read end)
    for job in jobs:
        read_end, write_end = os.pipe()
        with warnings.catch_warnings():  # BLAS threads idle at this point; children only compile
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # a child: never returns into the caller
            said = "failed"
            try:
                os.close(read_end)
                for _, other in children:
                    os.close(other)
                with _progress.quiet():
                    _, hits = job()
                said = "loaded" if all(hits) else "compiled"
            except CacheUnavailable as exc:
                said = f"unavailable: {exc}"
            except kernel_cache.CacheBusy as exc:
                said = f"busy: {exc}"
            except BaseException as exc:  # noqa: BLE001 - reported to the parent, which compiles
                said = f"failed: {type(exc).__name__}: {exc}"
            finally:
                os.write(write_end, said.encode(errors="replace")[:4000])
                os._exit(0)
        os.close(write_end)
        children.append((pid, read_end))
    answers = _read_until_closed([fd for _, fd in children], note, HEARTBEAT_S)
    statuses = [os.waitpid(pid, 0)[1] for pid, _ in children]
    for said in answers:
        if said.startswith("unavailable: "):
            raise CacheUnavailable(said.removeprefix("unavailable: "))
    for said in answers:
        if said.startswith("busy: "):
            raise kernel_cache.CacheBusy(said.removeprefix("busy: "))
    for said, status in zip(answers, statuses, strict=True):
        if said not in {"compiled", "loaded"}:
            log.warning(
                "compiling in a child process failed (%s, exit status %s); compiling here",
                said or "no answer",
                status,
            )
    return "compiled" in answers


def _read_until_closed(
    fds: list[int], note: Callable[[str], None] | None, every: float
) -> list[str]:
    """Everything written to each pipe of ``fds`` until its writer closes it (each ``fd`` is
    then closed); ``note("still compiling (N s)")`` after each ``every`` seconds without news."""
    import select

    started = time.perf_counter()
    chunks: dict[int, list[bytes]] = {fd: [] for fd in fds}
    open_fds = list(fds)
    try:
        while open_fds:
            ready, _, _ = select.select(open_fds, [], [], every)
            if not ready:
                if note is not None:
                    note(f"still compiling ({time.perf_counter() - started:.0f} s)")
                continue
            for fd in ready:
                chunk = os.read(fd, 4096)
                if chunk:
                    chunks[fd].append(chunk)
                else:
                    open_fds.remove(fd)
                    os.close(fd)
    finally:
        for fd in open_fds:
            os.close(fd)
    return [b"".join(chunks[fd]).decode(errors="replace") for fd in fds]


def shared_inputs(*functions: Any) -> dict[Any, str]:
    """Shared variable → its name in the user-data record (``s0``, ``s1``, … in order of use).

    The names are fixed by the graph, not random as nutpie's, so the callbacks' source (and
    their cache key) is the same for every model of the same structure.
    """
    import pytensor.tensor as pt

    out: dict[Any, str] = {}
    for fn in functions:
        for var in fn.get_shared():
            if not isinstance(var.type, pt.TensorType):
                raise CacheUnavailable(f"shared variable {var.name!r} is not a tensor ({var.type})")
            out.setdefault(var, f"s{len(out)}")
    return out


def _frozen_copy(np: Any, value: Any) -> Any:
    arr = np.array(value, order="C", copy=True)
    arr.flags.writeable = False
    return arr


def _unpack_source(np: Any, variables: list[Any], names: dict[Any, str]) -> str:
    """Source lines reading each of ``variables`` from the user-data record, shape at run time."""
    if not variables:
        return ""
    lines = ["        shared = carray(user_data_, (), record_dtype)['shared']\n"]
    for var in variables:
        name, ndim = names[var], var.type.ndim
        dims = [f"int(shared['shape']['{name}'][{i}])" for i in range(ndim)]
        shape = ", ".join(dims) + ("," if ndim == 1 else "")
        dtype = np.dtype(var.type.dtype).name
        lines.append(_UNPACK_SRC.format(name=name, dtype=dtype, shape=shape))
    return "".join(lines)


def _logp_signature(numba: Any) -> Any:
    t = numba.types
    return t.int64(
        t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.CPointer(t.double), t.voidptr
    )


def _expand_signature(numba: Any) -> Any:
    t = numba.types
    return t.int64(t.uint64, t.uint64, t.CPointer(t.double), t.CPointer(t.double), t.voidptr)


def _signatures(numba: Any) -> tuple[Any, Any]:
    """The two callbacks' numba signatures, in :data:`CALLBACKS` order."""
    return _logp_signature(numba), _expand_signature(numba)
