"""The cross-process compile cache (mmm.model.compile): right numbers, really cached, safe fallbacks."""

from __future__ import annotations

import ctypes
import logging

import numpy as np
import pytest
from _fits import small_brand, small_result, tiny_model

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.model import compile as model_compile
from mmm.model import kernel_cache
from mmm.model.compile import compile_for_nutpie
from mmm.model.graph import param_names
from mmm.model.spec import ModelSpec


def _mmm_model():  # type: ignore[no-untyped-def]
    brand = small_brand()
    ds = from_dataframe(brand.data, brand.channel_map)
    model = MediaMixModel(ModelSpec(progress=False)).build(ds)
    return model, param_names(model)


def _call_logp(compiled, x: np.ndarray) -> tuple[int, float, np.ndarray]:  # type: ignore[no-untyped-def]
    """Call the C callback nutpie calls, exactly as nutpie does (dim, x, grad out, logp out, data)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    grad = np.zeros_like(x)
    logp = np.zeros(())
    dbl = ctypes.POINTER(ctypes.c_double)
    fn = compiled.compiled_logp_func.ctypes
    rc = fn(
        ctypes.c_uint64(x.size),
        x.ctypes.data_as(dbl),
        grad.ctypes.data_as(dbl),
        logp.ctypes.data_as(dbl),
        ctypes.c_void_p(compiled.user_data.ctypes.data),
    )
    return rc, float(logp), grad


def test_cached_callback_matches_pymc_logp_and_gradient() -> None:
    """The cached C callback returns PyMC's own log-density and gradient at random points."""
    model, keep = _mmm_model()
    compiled, how = compile_for_nutpie(model, keep)
    assert how in {"cache hit", "compiled, cached"}
    logp_pm = model.compile_logp()
    dlogp_pm = model.compile_dlogp()
    n_free = len(model.value_vars)  # shape_info lists the free values first, then deterministics
    names, slices, shapes = (part[:n_free] for part in compiled.shape_info)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.normal(0, 0.3, compiled.n_dim)
        point = {n: x[s].reshape(shape) for n, s, shape in zip(names, slices, shapes, strict=True)}
        rc, logp, grad = _call_logp(compiled, x)
        assert rc == 0
        assert logp == pytest.approx(float(logp_pm(point)), rel=1e-7)
        np.testing.assert_allclose(grad, dlogp_pm(point), rtol=1e-6, atol=1e-8)
    # a wrong dimension is refused, as nutpie's own callback does
    rc, _, _ = _call_logp(compiled, np.zeros(compiled.n_dim + 1))
    assert rc == -1


def test_second_compile_of_the_same_model_loads_from_disk() -> None:
    """A new process (here: a new callback object) loads the machine code instead of compiling it."""
    model, keep = _mmm_model()
    compile_for_nutpie(model, keep)  # compiled (and saved) now or earlier
    again, how = compile_for_nutpie(model, keep)
    assert how == "cache hit"
    assert again.compiled_logp_func._cache_hits == 1


def test_fit_records_how_it_compiled() -> None:
    """Through the disk cache (or, when an earlier test of this session fitted the same
    structure, the model this process compiled for it)."""
    info = small_result().info
    how = info["compile"]
    assert how in {"cache hit", "compiled, cached", "reused (same structure, this process)"}
    # importing the sampler is start-up, timed apart from compiling
    assert info["import_s"] >= 0 and info["compile_s"] > 0 and info["sample_s"] > 0


def test_env_switch_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(model_compile.ENV_SWITCH, "0")
    model, keep = tiny_model()
    compiled, how = compile_for_nutpie(model, keep)
    assert how == "compiled, not cached: switched off by MMM_COMPILE_CACHE=0"
    rc, logp, _ = _call_logp(compiled, np.zeros(compiled.n_dim))
    assert rc == 0 and np.isfinite(logp)


def test_a_bad_env_switch_value_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from mmm.exceptions import ConfigError

    monkeypatch.setenv(model_compile.ENV_SWITCH, "maybe")
    model, keep = tiny_model()
    with pytest.raises(ConfigError, match=r"MMM_COMPILE_CACHE='maybe'.*0/off/false/no"):
        compile_for_nutpie(model, keep)


def _data_model(n: int, seed: int, scale: float = 1.0):  # type: ignore[no-untyped-def]
    """A regression whose data (float matrix, int index, outcome) are pm.Data of length ``n``."""
    import pymc as pm

    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 1.0, size=(n, 2))
    group = rng.integers(0, 3, n)
    y = x @ [0.5, 0.2] + 0.3 * group + rng.normal(0, 0.1, n)
    with pm.Model(coords={"date": np.arange(n), "channel": ["a", "b"]}) as model:
        xd = pm.Data("x", x, dims=("date", "channel"))
        gd = pm.Data("group", group, dims="date")
        yd = pm.Data("y", y, dims="date")
        b = pm.HalfNormal("b", scale, dims="channel")
        a = pm.Normal("a", 0, 1, shape=3)
        sigma = pm.HalfNormal("sigma", 1)
        mu = pm.Deterministic("mu", (xd * b).sum(-1) + a[gd], dims="date")
        pm.Normal("obs", mu, sigma, observed=yd, dims="date")
    return model, ["b", "a", "sigma", "mu"]


def _check_logp(model, compiled) -> None:  # type: ignore[no-untyped-def]
    logp_pm = model.compile_logp()
    names, slices, shapes = (part[: len(model.value_vars)] for part in compiled.shape_info)
    x = np.random.default_rng(1).normal(0, 0.3, compiled.n_dim)
    rc, logp, _ = _call_logp(compiled, x)
    point = {n: x[s].reshape(shape) for n, s, shape in zip(names, slices, shapes, strict=True)}
    assert rc == 0
    assert logp == pytest.approx(float(logp_pm(point)), rel=1e-9)


def test_data_models_are_cached_by_structure_not_data() -> None:
    """pm.Data are inputs of the compiled code: other values and another length reuse it."""
    import nutpie

    first, keep = _data_model(40, seed=0)
    compiled, how = compile_for_nutpie(first, keep)
    assert how in {"cache hit", "compiled, cached"}
    _check_logp(first, compiled)

    longer, keep = _data_model(67, seed=5)  # new values, new length, same structure
    again, how = compile_for_nutpie(longer, keep)
    assert how == "cache hit"
    _check_logp(longer, again)
    trace = nutpie.sample(again, draws=50, tune=50, chains=1, seed=1, progress_bar=False)
    assert trace.posterior["mu"].shape == (1, 50, 67)

    # nutpie's with_data swaps the arrays of a compiled model without recompiling
    swapped = compiled.with_data(**{k: longer[k].get_value() for k in ("x", "group", "y")})
    assert _call_logp(swapped, np.zeros(compiled.n_dim))[1] == pytest.approx(
        _call_logp(again, np.zeros(compiled.n_dim))[1], rel=1e-12
    )


def test_a_different_structure_is_a_different_entry() -> None:
    """A changed prior constant changes the graph, so it is not served the other model's code."""
    model, keep = _data_model(30, seed=0, scale=2.5)
    base, _ = compile_for_nutpie(_data_model(30, seed=0)[0], keep)
    other, _ = compile_for_nutpie(model, keep)
    assert base.compiled_logp_func.__name__ != other.compiled_logp_func.__name__
    _check_logp(model, other)


def test_unexpected_cache_failure_never_fails_the_fit(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unreadable cache entry or a changed nutpie internal costs time, not the fit."""

    def broken(*args: object) -> None:
        raise OSError("cache file truncated")

    monkeypatch.setattr(model_compile, "_compile_cached", broken)
    model, keep = tiny_model()
    with caplog.at_level(logging.WARNING, logger="mmm.model.compile"):
        compiled, how = compile_for_nutpie(model, keep)
    assert how == "compiled, not cached: OSError: cache file truncated"
    assert "compile cache failed" in caplog.text
    assert compiled.n_dim > 0


def test_a_new_process_loads_the_model_compiled_by_an_earlier_one() -> None:
    """What the cache is for: the second `mmm fit` / notebook kernel skips compilation."""
    import subprocess
    import sys

    script = (
        "from tests._fits import tiny_model\n"
        "from mmm.model.compile import compile_for_nutpie\n"
        "print(compile_for_nutpie(*tiny_model())[1])\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(2)
    ]
    assert runs[0] in {"cache hit", "compiled, cached"}
    assert runs[1] == "cache hit"


def test_cli_cache_shows_and_clears_only_mmm_entries(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from pathlib import Path

    from mmm.cli import main

    folder = Path(str(tmp_path))
    for name in (
        "string.mmm_logp_ab-mmm_callback_ab.py312.nbi",
        "string.mmm_logp_ab-mmm_callback_ab.py312.1.nbc",
        "string.mmm_expand_cd-mmm_callback_cd.py312.nbi",
        "string.add-774d_fastmath1.py312.nbi",  # PyTensor's own entry: not ours to delete
    ):
        (folder / name).write_bytes(b"x" * 1000)
    monkeypatch.setattr(kernel_cache, "cache_dir", lambda: folder)
    assert main(["cache"]) == 0
    assert capsys.readouterr().out.strip() == f"{folder}: 1 compiled models, 0.0 MB"
    assert main(["cache", "--clear"]) == 0
    assert "removed 3 files" in capsys.readouterr().out
    assert [p.name for p in folder.iterdir()] == ["string.add-774d_fastmath1.py312.nbi"]


def test_an_unchecked_nutpie_release_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The callbacks mirror nutpie's C interface: a release not checked against it is not trusted."""
    import nutpie

    monkeypatch.setattr(nutpie, "__version__", "0.17.0")
    model, keep = tiny_model()
    _, how = compile_for_nutpie(model, keep)
    assert how == "compiled, not cached: nutpie 0.17.0 is not checked with the compile cache"


def test_uncacheable_code_is_reported_and_falls_back() -> None:
    """Numba keeps arrays over 1 MB as process addresses, which it cannot save: say so, go on."""
    import pymc as pm

    y = np.random.default_rng(0).normal(size=200_000)  # 1.6 MB, embedded in the compiled code
    with pm.Model() as model:
        mu = pm.Normal("mu", 0, 1)
        pm.Normal("obs", mu, 1, observed=y)
    compiled, how = compile_for_nutpie(model, ["mu"])
    assert how.startswith("compiled, not cached: Cannot cache compiled function")
    rc, logp, _ = _call_logp(compiled, np.zeros(1))
    assert rc == 0 and np.isfinite(logp)


# ---------------------------------------------------------------------- a hardened cache
_FIT_SCRIPT = """
import sys, hashlib
import numpy as np, pymc as pm, nutpie
from mmm.model.compile import compile_for_nutpie
with pm.Model() as model:
    mu = pm.Normal("mu", float(sys.argv[1]), 1)
    sigma = pm.HalfNormal("sigma", 1)
    pm.Normal("obs", mu, sigma, observed=np.array([0.1, -0.3, 0.4, 0.2]))
compiled, how = compile_for_nutpie(model, ["mu", "sigma"])
trace = nutpie.sample(compiled, draws=100, tune=100, chains=2, seed=3, progress_bar=False)
values = np.ascontiguousarray(trace.posterior["mu"].values)
print(how + "|" + hashlib.sha256(values.tobytes()).hexdigest())
"""


def _new_model_constant() -> str:
    """A prior mean no earlier run used, so the model is new to the cache."""
    import uuid

    return repr(uuid.uuid4().int % 10**9 / 10**9)


def _new_toy_model():  # type: ignore[no-untyped-def]
    """One parameter ``mu`` and two observations, new to the cache (see :func:`_new_model_constant`)."""
    import pymc as pm

    with pm.Model() as model:
        mu = pm.Normal("mu", float(_new_model_constant()), 1)
        pm.Normal("obs", mu, 1, observed=np.array([0.3, 0.1]))
    return model


def test_two_processes_fitting_the_same_new_model_at_once_agree() -> None:
    """Parallel folds / a cluster's workers: one compiles, the other waits and loads its code."""
    import subprocess
    import sys

    constant = _new_model_constant()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _FIT_SCRIPT, constant],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    results = [out.strip().splitlines()[-1].split("|") for out, _ in outs]
    assert sorted(how for how, _ in results) == ["cache hit", "compiled, cached"]
    assert results[0][1] == results[1][1]  # identical draws


def _entry_files(compiled) -> list:  # type: ignore[no-untyped-def]
    key = compiled.compiled_logp_func.__name__.rsplit("_", 1)[-1]
    return sorted(
        p for p in kernel_cache.cache_dir().glob(f"*{key}*") if p.suffix in {".nbi", ".nbc"}
    )


@pytest.mark.parametrize("damage", ["flip a byte", "swap data files"])
def test_a_corrupted_entry_is_recompiled_with_a_warning(damage: str) -> None:

    from mmm.exceptions import CompileCacheWarning

    model = _new_toy_model()
    compiled, how = compile_for_nutpie(model, ["mu"])
    assert how == "compiled, cached"
    _, expected, _ = _call_logp(compiled, np.array([0.2]))
    data = [p for p in _entry_files(compiled) if p.suffix == ".nbc"]
    assert len(data) == 2  # log-density and expansion
    if damage == "flip a byte":
        blob = bytearray(data[0].read_bytes())
        blob[len(blob) // 2] ^= 0xFF
        data[0].write_bytes(bytes(blob))
    else:  # each data file now holds the other callback's code
        a, b = data[0].read_bytes(), data[1].read_bytes()
        data[0].write_bytes(b)
        data[1].write_bytes(a)
    with pytest.warns(CompileCacheWarning, match="corrupted.*compiling again"):
        again, how = compile_for_nutpie(model, ["mu"])
    assert how == "compiled, cached"
    assert _call_logp(again, np.array([0.2]))[1] == pytest.approx(expected, rel=1e-12)
    assert compile_for_nutpie(model, ["mu"])[1] == "cache hit"  # repaired


def test_without_fork_the_fitting_process_compiles_and_caches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where fork is unavailable (Windows, macOS) a new model is compiled in-process."""

    monkeypatch.setattr(model_compile, "FORK_COMPILE", False)
    model = _new_toy_model()
    compiled, how = compile_for_nutpie(model, ["mu"])
    assert how == "compiled, cached"
    assert _call_logp(compiled, np.array([0.2]))[0] == 0
    assert compile_for_nutpie(model, ["mu"])[1] == "cache hit"


def test_entries_are_keyed_by_library_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    key = kernel_cache.entry_key("graph")
    monkeypatch.setattr(
        kernel_cache, "library_versions", lambda: {"pytensor": "9", "nutpie": "9", "numba": "9"}
    )
    assert kernel_cache.entry_key("graph") != key
    monkeypatch.setattr(kernel_cache, "FORMAT_VERSION", kernel_cache.FORMAT_VERSION + 1)
    assert len({key, kernel_cache.entry_key("graph")}) == 2


def test_a_model_another_python_cached_is_compiled_in_a_child_by_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python 3.12 and 3.13 sharing one ``~/.pytensor``: an entry 3.13 saved is not 3.12's.

    numba names its files by Python version, so 3.12 cannot load 3.13's code. When the entry's
    key ignored the Python, 3.12 took the entry for its own, skipped the forked child and
    compiled in the fitting process: that first fit drew other numbers than every later one
    (the cluster test's batch and single fits disagreed on a fresh 3.12 clone).
    """

    model = _new_toy_model()
    before = set(kernel_cache.cache_files())
    try:
        with monkeypatch.context() as other:
            other.setattr(kernel_cache, "interpreter", lambda: "cpython-399")
            assert compile_for_nutpie(model, ["mu"])[1] == "compiled, cached"
        children: list[bool] = []
        in_children = model_compile._in_forked_children

        def record(jobs, note=None):  # type: ignore[no-untyped-def]
            children.append(in_children(jobs, note))
            return children[-1]

        monkeypatch.setattr(model_compile, "_in_forked_children", record)
        compiled, how = compile_for_nutpie(model, ["mu"])
        assert how == "compiled, cached"
        assert children == [True] or not model_compile.FORK_COMPILE  # compiled by the child
        assert _call_logp(compiled, np.array([0.2]))[0] == 0
    finally:  # leave the shared cache as it was
        for p in set(kernel_cache.cache_files()) - before:
            p.unlink(missing_ok=True)


@pytest.mark.skipif(not model_compile.FORK_COMPILE, reason="compiles in-process without fork")
def test_a_new_model_compiles_each_callback_in_its_own_child(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The log-density's callback and the expansion's compile in two children at once (two
    cores on a cold machine), and this process loads both from disk."""
    import os

    log_file = tmp_path / "compiled_by"
    real = kernel_cache.cached_cfunc

    def logged(py_func, sig):  # type: ignore[no-untyped-def]
        callback, hit = real(py_func, sig)
        with open(log_file, "a") as f:
            f.write(f"{os.getpid()} {py_func.__name__.split('_')[1]} {hit}\n")
        return callback, hit

    monkeypatch.setattr(kernel_cache, "cached_cfunc", logged)
    model = _new_toy_model()
    compiled, how = compile_for_nutpie(model, ["mu"])
    assert how == "compiled, cached"
    rows = [line.split() for line in log_file.read_text().splitlines()]
    children = {pid: (part, hit) for pid, part, hit in rows if int(pid) != os.getpid()}
    assert sorted(children.values()) == [("expand", "False"), ("logp", "False")]
    assert sorted((part, hit) for pid, part, hit in rows if int(pid) == os.getpid()) == [
        ("expand", "True"),
        ("logp", "True"),
    ]
    assert _call_logp(compiled, np.array([0.2]))[0] == 0


def test_a_lock_held_too_long_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process stuck while compiling does not block every other fit for ever."""
    import filelock

    monkeypatch.setattr(kernel_cache, "LOCK_TIMEOUT_S", 0.05)
    monkeypatch.setattr(kernel_cache, "entry_key", lambda *parts: "held-by-a-test")
    held = filelock.FileLock(
        str(kernel_cache.cache_dir() / "mmm_callback_held-by-a-test.logp.lock")
    )
    model, keep = tiny_model()
    with held:
        compiled, how = compile_for_nutpie(model, keep)
    assert how.startswith("compiled, not cached: CacheBusy: another process has been compiling")
    assert compiled.n_dim == 2


# ---------------------------------------------------------------------- by structure
def _refuse_full_path(*args: object) -> None:
    raise model_compile.CacheUnavailable("the full path was taken")


def _record_path(structure: object, keep: list[str]):  # type: ignore[no-untyped-def]
    name = model_compile._structure_name(structure, keep)  # type: ignore[arg-type]
    return kernel_cache.cache_dir() / f"{kernel_cache.RECORD_PREFIX}{name}.pkl"


def test_a_known_structure_loads_its_code_without_building_the_model_functions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Other data (values and length) of a recorded structure: loaded without PyTensor's
    functions, right log-density; a kept variable whose shape follows the data does not fit."""
    structure = ("toy regression", _new_model_constant())
    keep = ["b", "a", "sigma"]
    first, _ = _data_model(40, seed=0)
    compiled, how = compile_for_nutpie(first, keep, structure)  # the full path records it
    assert how in {"cache hit", "compiled, cached"}
    assert _record_path(structure, keep).exists()

    monkeypatch.setattr(model_compile, "_compile_cached", _refuse_full_path)
    longer, _ = _data_model(67, seed=5)
    again, how = compile_for_nutpie(longer, keep, structure)
    assert how == "cache hit"
    assert again.logp_func is None  # no PyTensor function was built
    _check_logp(longer, again)
    trace = __import__("nutpie").sample(again, draws=30, tune=30, chains=1, progress_bar=False)
    assert trace.posterior["a"].shape == (1, 30, 3)

    monkeypatch.undo()
    with_mu = [*keep, "mu"]  # mu is (date,): its length is the data's
    compile_for_nutpie(first, with_mu, structure)
    monkeypatch.setattr(model_compile, "_compile_cached", _refuse_full_path)
    assert compile_for_nutpie(_data_model(40, seed=9)[0], with_mu, structure)[1] == "cache hit"
    _, how = compile_for_nutpie(longer, with_mu, structure)
    assert how == "compiled, not cached: the full path was taken"


def test_a_corrupted_structure_record_is_dropped_with_a_warning() -> None:
    from mmm.exceptions import CompileCacheWarning

    structure = ("toy regression", _new_model_constant())
    keep = ["b", "a", "sigma"]
    model, _ = _data_model(30, seed=0)
    compile_for_nutpie(model, keep, structure)
    path = _record_path(structure, keep)
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.warns(CompileCacheWarning, match="record.*corrupted"):
        again, how = compile_for_nutpie(model, keep, structure)
    assert how == "cache hit"  # by the full path, which records the structure again
    _check_logp(model, again)
    assert kernel_cache.load_record(path.stem.removeprefix(kernel_cache.RECORD_PREFIX))


_NEW_DATA_SCRIPT = """
import hashlib, sys, warnings
warnings.simplefilter("ignore")
from tests._fits import small_brand
from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.model import compile as model_compile, sample
from mmm.model.spec import ModelSpec

def refuse(*args):
    raise model_compile.CacheUnavailable("the full path was taken")

model_compile._compile_cached = refuse  # only the structure's record may serve these fits
brand = small_brand()
for weeks, seed in ((None, 1), (100, 2)):
    data = brand.data if weeks is None else brand.data.head(weeks)
    spec = ModelSpec(chains=2, draws=60, tune=60, seed=seed, progress=False)
    result = MediaMixModel(spec).fit(from_dataframe(data, brand.channel_map))
    post = result.posterior
    digest = hashlib.sha256(b"".join(post[v].values.tobytes() for v in sorted(post.data_vars)))
    print(result.info["compile"] + "|" + digest.hexdigest())
    sample._COMPILED.clear()  # the next fit as a new process would do it: from disk
"""


def test_new_data_of_a_compiled_structure_is_a_cache_hit_in_a_new_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the structure key is for: other weeks of data (four fewer here), another seed, in a
    fresh process, loads the compiled model; the same data and seed draw the same numbers.
    (Fewer weeks may also drop a holiday the window lacks: that is another structure.)"""
    import hashlib
    import subprocess
    import sys
    import warnings
    from pathlib import Path

    from mmm.model import sample

    monkeypatch.setattr(sample, "_COMPILED", {})  # this process compiles or loads it from disk
    brand = small_brand()
    spec = ModelSpec(chains=2, draws=60, tune=60, seed=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = MediaMixModel(spec).fit(from_dataframe(brand.data, brand.channel_map))
    assert result.info["compile"] in {"cache hit", "compiled, cached"}
    post = result.posterior
    digest = hashlib.sha256(b"".join(post[v].values.tobytes() for v in sorted(post.data_vars)))

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", _NEW_DATA_SCRIPT], cwd=root, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    same, fewer = (line.split("|") for line in out.stdout.strip().splitlines()[-2:])
    assert same == ["cache hit", digest.hexdigest()]  # loaded, and the very same draws
    assert fewer[0] == "cache hit"  # other data of the same structure


def test_nutpie_is_imported_without_arviz_plots_and_arviz_stays_importable() -> None:
    """A fit does not pay for ArviZ's plotting half (matplotlib's pyplot) through nutpie's
    ``import arviz``; a later ``import arviz`` (a notebook) still gets the whole package."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from mmm.model.compile import import_nutpie\n"
        "import arviz_base\n"
        "nutpie = import_nutpie()\n"
        "nutpie_sample = sys.modules['nutpie.sample']\n"
        "print('arviz' in sys.modules, 'arviz_plots' in sys.modules,\n"
        "      nutpie_sample.arviz.from_dict is arviz_base.from_dict)\n"
        "import arviz\n"
        "print(hasattr(arviz, 'plot_forest'), nutpie_sample.arviz.ess is arviz.ess)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "False False True"
    assert out[1] == "True True"


def test_a_long_compile_in_the_child_says_it_is_still_compiling() -> None:
    """A cold machine compiles for about a minute and a half: the wait is not silent."""
    import os

    pipes = [os.pipe(), os.pipe()]  # one child per callback
    heard: list[str] = []

    def note(text: str) -> None:  # the children "finish" one after the other
        heard.append(text)
        if len(heard) in (2, 3):
            write_end = pipes[len(heard) - 2][1]
            os.write(write_end, b"compiled" if len(heard) == 2 else b"loaded")
            os.close(write_end)

    said = model_compile._read_until_closed([r for r, _ in pipes], note, every=0.001)
    assert said == ["compiled", "loaded"]
    assert len(heard) == 3 and all(h.startswith("still compiling (") for h in heard)
