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
    assert small_result().info["compile"] in {"cache hit", "compiled, cached"}


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


def test_shared_data_models_fall_back_to_nutpie() -> None:
    """pm.Data lives outside the compiled code: such models take nutpie's own path and still sample."""
    import nutpie

    model, keep = tiny_model(data=True)
    compiled, how = compile_for_nutpie(model, keep)
    assert how == "compiled, not cached: the model has shared variables (pm.Data)"
    trace = nutpie.sample(compiled, draws=50, tune=50, chains=1, seed=1, progress_bar=False)
    assert trace.posterior["mu"].shape == (1, 50)


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
    monkeypatch.setattr(model_compile, "cache_dir", lambda: folder)
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
