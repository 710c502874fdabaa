"""Sampling: nutpie (default), PyMC or NumPyro NUTS, a MAP preview, and stuck-chain reruns.

:func:`sample_posterior` takes a built PyMC model and returns the posterior and sampler
statistics as plain :class:`xarray.Dataset` objects (chain, draw, ...) plus timings. It knows
nothing about results, attribution or reports: :class:`~mmm.analysis.fit.MediaMixModel` wraps
its output in a :class:`~mmm.analysis.results.FitResult`.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from mmm import _progress
from mmm.exceptions import ConfigError
from mmm.model.compile import chain_starts, compile_for_nutpie, import_nutpie, initial_centre
from mmm.model.spec import ModelSpec

#: nutpie's mass-matrix adaptation of a national model and of a regional panel. Low rank learns
#: the posterior's correlations: ~2x fewer leapfrog steps on national models. On panels (500–
#: 1,000 parameters) it saved no steps (~31 per draw either way) and cost ~2.5x the time per
#: draw, and on the bundled 20-province brand 3 of 24 chains ended their tuning diverging on
#: every draw; with the diagonal one 0 of 12 (benchmarks/README.md, "Mass matrix on panels").
ADAPTATION = {"national": "low_rank", "panel": "diag"}

#: share of divergent draws at which a chain counts as stuck
STUCK_SHARE = 0.5

STAT_VARS = (
    "diverging",
    "step_size",
    "energy",
    "n_steps",
    "depth",
    "maxdepth_reached",
    "tree_depth",
    "reached_max_treedepth",
    "lp",
    "logp",
)


def usable_cores() -> int:
    """CPU cores this process may use: the CPU affinity mask and a cgroup CPU quota count,
    not the machine's total (``os.cpu_count()``), via :func:`dask.system.cpu_count`."""
    from dask.system import cpu_count

    return int(cpu_count())


#: compiled nutpie models of this process by structure (see :meth:`Design.structure`)
_COMPILED: dict[Any, Any] = {}


def compile_model(model: Any, keep: list[str], key: Any = None) -> tuple[Any, str]:
    """A nutpie model for ``model``: one compiled before for the same structure ``key`` with this
    model's data swapped in, or a new one (see :func:`mmm.model.compile.compile_for_nutpie`)."""
    base = _COMPILED.get(key) if key is not None else None
    known = {v.name: v for v in base.shared_var_keys} if base is not None else {}  # graph's inputs
    inputs = [v for v in shared_inputs(model) if v.name in known]
    if base is not None and all(v.type.shape == known[v.name].type.shape for v in inputs):
        import dataclasses

        values = {v.name: v.get_value() for v in inputs}
        compiled = base.with_data(**values)
        starts = chain_starts(initial_centre(model), compiled.shape_info, compiled.n_dim)
        return dataclasses.replace(
            compiled, initial_point_func=starts
        ), "reused (same structure, this process)"
    compiled, how = compile_for_nutpie(model, keep, key)
    if key is not None:
        _COMPILED[key] = compiled
    return compiled, how


def shared_inputs(model: Any) -> list[Any]:
    """The model's ``pm.Data`` inputs."""
    from pytensor.compile.sharedvalue import SharedVariable

    return [v for v in model.named_vars.values() if isinstance(v, SharedVariable)]


def sample_posterior(
    model: Any, keep: list[str], spec: ModelSpec, key: Any = None, panel: bool = False
) -> tuple[Any, Any, dict[str, Any]]:
    """Sample ``model`` with ``spec``'s sampler; returns (posterior, sample stats, timings).

    ``key`` (the design's structure) lets nutpie reuse a model compiled earlier in this process.
    With nutpie the timings are ``import_s`` (importing nutpie and ArviZ), ``compile_s`` (the
    compiled model built or loaded: :func:`compile_model`) and ``sample_s``.
    """
    if spec.tune is None:
        raise ValueError("sample_posterior needs a resolved spec: ModelSpec.resolved(panel)")
    timing: dict[str, Any] = {}
    cores = max(1, min(spec.chains, spec.cores or usable_cores()))
    t0 = time.perf_counter()
    if spec.sampler == "nutpie":
        nutpie = import_nutpie()  # ~0.15 s after PyMC: start-up, not compiling

        timing["import_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        compiled, how = compile_model(model, keep, key)
        timing["compile_s"] = time.perf_counter() - t0
        timing["compile"] = how
        t1 = time.perf_counter()

        def run(chains: int, seed: int) -> tuple[Any, Any]:
            trace = nutpie.sample(
                compiled,
                draws=spec.draws,
                tune=spec.tune,
                chains=chains,
                cores=min(cores, chains),
                seed=seed,
                progress_bar=spec.progress,
                save_warmup=False,
                target_accept=spec.target_accept,
                adaptation=ADAPTATION["panel" if panel else "national"],
            )
            return trace["posterior"].to_dataset(), trace["sample_stats"].to_dataset()

        with _progress.step(f"sampling {spec.chains} chains × {spec.tune} + {spec.draws} draws"):
            posterior, stats = run(spec.chains, spec.seed)
            posterior, stats, restarted = _rerun_stuck_chains(run, posterior, stats, spec)
        if restarted:
            timing["restarted_chains"] = restarted
        timing["sample_s"] = time.perf_counter() - t1
    else:
        import pymc as pm

        if spec.sampler == "numpyro":
            try:
                import numpyro  # noqa: F401
            except ImportError:
                raise ConfigError(
                    "sampler='numpyro' needs JAX and NumPyro: pip install 'mediamix[numpyro]'."
                ) from None
        with model, _progress.step(f"sampling with {spec.sampler}"):
            trace = pm.sample(
                draws=spec.draws,
                tune=spec.tune,
                chains=spec.chains,
                cores=cores,
                random_seed=spec.seed,
                progressbar=spec.progress,
                nuts_sampler=spec.sampler,
                target_accept=spec.target_accept,
                compute_convergence_checks=False,
                var_names=keep,
            )
        timing["sample_s"] = time.perf_counter() - t0
        posterior = trace["posterior"].to_dataset()
        stats = trace["sample_stats"].to_dataset()
    posterior = posterior[keep]
    stats = stats[[v for v in STAT_VARS if v in stats]]
    return posterior, stats, timing


#: how many times a stuck chain is rerun from a new start before the fit reports it as stuck
MAX_RERUNS = 2


def _rerun_stuck_chains(
    run: Any, posterior: Any, stats: Any, spec: ModelSpec
) -> tuple[Any, Any, list[str]]:
    """Rerun chains that got stuck (see ``find_stuck_chains``) from new starts, at most twice.

    A stuck chain adapted its step size to almost zero in some pathological corner and barely
    moved; its draws describe its start, not the posterior. Rerunning it from a new start
    (seed ``spec.seed + 1000 * attempt``) is what an analyst would do by hand. Each rerun is
    recorded in ``info["restarted_chains"]`` and shown by the ``stuck_chains`` diagnostic; a
    chain still stuck after ``MAX_RERUNS`` stays in the result and fails the diagnostics.
    """
    import xarray as xr

    restarted: list[str] = []
    for attempt in range(1, MAX_RERUNS + 1):
        stuck = find_stuck_chains(stats)
        if not stuck or len(stuck) * 2 > spec.chains:  # most chains stuck: a model problem
            break
        seed = spec.seed + 1000 * attempt
        new_post, new_stats = run(len(stuck), seed)
        for i, (c, reason) in enumerate(stuck.items()):
            restarted.append(f"{reason} (rerun with seed {seed})")
            posterior = _replace_chain(xr, posterior, c, new_post.isel(chain=i))
            stats = _replace_chain(xr, stats, c, new_stats.isel(chain=i))
    return posterior, stats, restarted


def _replace_chain(xr: Any, ds: Any, chain: int, new: Any) -> Any:
    parts = [new if c == chain else ds.isel(chain=c) for c in range(ds.sizes["chain"])]
    return xr.concat(parts, dim="chain", coords="minimal", compat="override").assign_coords(
        chain=ds["chain"].values
    )


def fit_map(model: Any, keep: list[str], spec: ModelSpec) -> tuple[Any, Any]:
    """Maximum a posteriori point as a one-draw 'posterior' (chain=1, draw=1)."""
    import pymc as pm
    import xarray as xr

    with model:
        found = pm.find_MAP(
            progressbar=spec.progress,
            random_seed=spec.seed,
            jitter=False,
            return_inferencedata=True,
        )
    posterior = found["posterior"].to_dataset()[keep]
    posterior.attrs = {}
    opt = found["optimizer_result"]
    stats = xr.Dataset(
        attrs={"map_success": int(bool(opt["success"])), "map_message": str(opt["message"].values)}
    )
    return posterior, stats


def find_stuck_chains(stats: Any) -> dict[int, str]:
    """Chains that did not explore, with the reason: most draws divergent, or a step size
    below 1/20 of the median chain's (it adapted to a pathological corner and barely moves).
    """
    stuck: dict[int, str] = {}
    if "diverging" in stats:
        per_chain = np.asarray(stats["diverging"].values, dtype=bool).mean(axis=1)
        for c, share in enumerate(per_chain):
            if share >= STUCK_SHARE:
                stuck[c] = f"chain {c}: {share:.0%} of draws divergent"
    if "step_size" in stats and stats.sizes.get("chain", 1) > 1:
        step = np.asarray(stats["step_size"].values, dtype=float)
        per_chain = np.nanmedian(step, axis=1)
        med = np.median(per_chain)
        for c, s in enumerate(per_chain):
            if med > 0 and s < med / 20 and c not in stuck:
                stuck[c] = f"chain {c}: step size {s:.2g} vs median {med:.2g}"
    return stuck
