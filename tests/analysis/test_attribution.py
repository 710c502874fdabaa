"""Attribution's kept in-sample effects: the same numbers as a fresh computation, within a memory bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr
from _fits import small_result

from mmm.analysis import attribution
from mmm.analysis.results import FitResult
from mmm.decisions.experiments import experiments

WINDOWS = (None, "last:13", "2023Q2")


def _fresh(result: FitResult) -> FitResult:
    """The same fit with nothing memoised (design shared)."""
    out = replace(result)
    out.__dict__["design"] = result.design
    return out


def _summaries(result: FitResult) -> dict[str, xr.Dataset]:
    out: dict[str, xr.Dataset] = {}
    for w in WINDOWS:
        out[f"totals {w}"] = attribution.effect_totals(result, w)
        out[f"totals by geo {w}"] = attribution.effect_totals(result, w, by_geo=True)
        out[f"roi {w}"] = result.roi(w)
        out[f"contributions {w}"] = result.contributions(w)
        out[f"contributions by media {w}"] = result.contributions(w, by="media", geo=True)
        out[f"earned {w}"] = result.earned(w)
    out["fitted"] = result.fitted()
    out["fitted by geo"] = result.fitted(geo=True)
    return out


def test_kept_effects_give_exactly_the_numbers_of_a_fresh_computation(monkeypatch) -> None:
    res = small_result()
    kept = _fresh(res)
    fast = _summaries(kept)
    assert ("in_sample_effects",) in kept._memo  # the effects were kept and shared
    monkeypatch.setattr(attribution, "EFFECTS_MEMORY", 0)  # the computation as it was: per summary
    slow_result = _fresh(res)
    slow = _summaries(slow_result)
    assert ("in_sample_effects",) not in slow_result._memo
    for name, ds in fast.items():
        xr.testing.assert_identical(ds, slow[name])  # bit for bit, not within a tolerance
    # the other readers of the effects: identifiability (its evidence columns) and the experiments
    ident_slow = slow_result.identifiability(draws=100)
    exp_slow = experiments(slow_result, ident_slow)
    monkeypatch.undo()
    ident = kept.identifiability(draws=100)
    assert ident.table.equals(ident_slow.table)
    assert experiments(kept, ident).equals(exp_slow)


def test_effects_are_computed_once_and_kept_only_under_the_memory_bound(monkeypatch) -> None:
    res = small_result()
    calls: list[int] = []
    real = attribution.in_sample_effects
    monkeypatch.setattr(attribution, "in_sample_effects", lambda *a: calls.append(1) or real(*a))
    chunks = -(-res.n_samples // attribution.CHUNK)
    kept = _fresh(res)
    for w in WINDOWS:
        kept.roi(w)
        kept.contributions(w)
    kept.fitted()
    assert len(calls) == chunks  # one pass over the draws for every window and summary
    # the bound is an upper bound of what is kept
    held = sum(
        a.nbytes
        for _, eff in attribution.iter_effects(kept)
        for a in (eff.direct, eff.via_earned, eff.mu, *eff.baseline.values(), *eff.negative.values())
        if a.base is None or a.base.nbytes == a.nbytes  # broadcast views hold less
    )
    assert 0 < held <= attribution.effects_bytes(kept)
    # a result over the bound recomputes for each summary and keeps nothing
    monkeypatch.setattr(attribution, "EFFECTS_MEMORY", attribution.effects_bytes(res) - 1)
    calls.clear()
    big = _fresh(res)
    big.roi()
    big.fitted()
    assert len(calls) == 2 * chunks
    assert ("in_sample_effects",) not in big._memo


def test_kept_effects_cannot_be_changed_by_a_caller() -> None:
    kept = _fresh(small_result())
    p, eff = next(attribution.iter_effects(kept))
    with pytest.raises(ValueError, match="read-only"):
        eff.direct[...] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        p["beta"][...] = 0.0
    assert np.abs(next(attribution.iter_effects(kept))[1].direct).sum() > 0


def test_summaries_equal_the_nan_skipping_ones_and_still_skip_nan() -> None:
    rng = np.random.default_rng(0)
    draws = xr.DataArray(rng.lognormal(size=(400, 30, 3)), dims=("sample", "date", "channel"))
    got = attribution.summarise(draws)
    np.testing.assert_array_equal(got["mean"], draws.mean("sample", skipna=True))
    keep = np.arange(400) != 5
    with_nan = draws.where(xr.DataArray(keep, dims="sample"))  # one draw missing
    got = attribution.summarise(with_nan)
    np.testing.assert_allclose(got["mean"], draws.isel(sample=keep).mean("sample"), rtol=1e-12)
    assert not np.isnan(got["lower"]).any()
