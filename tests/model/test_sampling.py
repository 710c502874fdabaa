"""Chain starts and the rerun of stuck chains (mmm.model.graph._rerun_stuck_chains)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from _fits import small_result, tiny_model

from mmm.analysis.diagnostics import convergence_checks
from mmm.model.compile import INIT_JITTER, chain_starts
from mmm.model.sample import MAX_RERUNS, _rerun_stuck_chains, find_stuck_chains
from mmm.model.spec import ModelSpec


def posterior_draws(
    step_sizes: list[float], seed: int = 0, draws: int = 50
) -> tuple[xr.Dataset, xr.Dataset]:
    """A posterior (one parameter ``mu`` = chain's own label) and sample stats per chain."""
    chains = len(step_sizes)
    rng = np.random.default_rng(seed)
    post = xr.Dataset(
        {"mu": (("chain", "draw"), np.repeat(np.arange(chains)[:, None] + 10 * seed, draws, 1))},
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    stats = xr.Dataset(
        {
            "step_size": (("chain", "draw"), np.repeat(np.asarray(step_sizes)[:, None], draws, 1)),
            "diverging": (("chain", "draw"), rng.random((chains, draws)) < 0.001),
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws)},
    )
    return post, stats


def test_a_collapsed_step_size_marks_the_chain_stuck() -> None:
    _, stats = posterior_draws([0.2, 0.21, 0.19, 3e-22])
    assert list(find_stuck_chains(stats)) == [3]
    assert "step size 3e-22" in find_stuck_chains(stats)[3]


def test_a_stuck_chain_is_rerun_from_a_new_start_and_replaced() -> None:
    calls = []

    def run(chains: int, seed: int) -> tuple[xr.Dataset, xr.Dataset]:
        calls.append((chains, seed))
        return posterior_draws([0.2] * chains, seed=seed)

    post, stats = posterior_draws([0.2, 0.21, 3e-22, 0.19])
    spec = ModelSpec(chains=4, seed=7)
    post2, stats2, restarted = _rerun_stuck_chains(run, post, stats, spec)
    assert calls == [(1, 1007)]
    assert restarted == ["chain 2: step size 3e-22 vs median 0.2 (rerun with seed 1007)"]
    # chain 2 now holds the rerun's draws; the healthy chains are untouched
    assert post2["mu"].sel(chain=2).values[0] == 10 * 1007
    np.testing.assert_array_equal(post2["mu"].sel(chain=[0, 1, 3]), post["mu"].sel(chain=[0, 1, 3]))
    assert list(post2["chain"].values) == [0, 1, 2, 3]
    assert find_stuck_chains(stats2) == {}


def test_a_chain_stuck_again_is_left_in_and_reported() -> None:
    def run(chains: int, seed: int) -> tuple[xr.Dataset, xr.Dataset]:
        return posterior_draws([1e-20] * chains, seed=seed)  # every rerun gets stuck too

    post, stats = posterior_draws([0.2, 0.21, 3e-22, 0.19])
    _, stats2, restarted = _rerun_stuck_chains(run, post, stats, ModelSpec(chains=4, seed=0))
    assert len(restarted) == MAX_RERUNS
    assert list(find_stuck_chains(stats2)) == [2]  # the diagnostics will FAIL the fit


def test_most_chains_stuck_is_not_papered_over() -> None:
    """If most chains are stuck the model is the problem: no reruns, the fit FAILs."""

    def run(chains: int, seed: int) -> tuple[xr.Dataset, xr.Dataset]:
        raise AssertionError("must not rerun")

    post, stats = posterior_draws([0.2, 1e-20, 3e-22, 2e-21])
    _, _, restarted = _rerun_stuck_chains(run, post, stats, ModelSpec(chains=4))
    assert restarted == []


def test_restarted_chains_show_as_review_in_the_diagnostics() -> None:
    result = small_result()
    if find_stuck_chains(result.sample_stats):
        pytest.skip("the small test fit has a stuck chain of its own")
    marked = type(result)(
        posterior=result.posterior,
        sample_stats=result.sample_stats,
        dataset=result.dataset,
        spec=result.spec,
        info={**result.info, "restarted_chains": ["chain 1: step size 1e-22 vs median 0.2"]},
    )
    check = convergence_checks(marked)["stuck_chains"]
    assert check.status == "REVIEW"
    assert "1 chain(s) got stuck and were rerun" in check.message


def test_chain_starts_jitter_around_the_prior_centre() -> None:
    """Each chain starts within ±INIT_JITTER of the prior's support point, at its own place."""
    from pymc.initial_point import make_initial_point_fn

    from mmm.model.compile import compile_for_nutpie

    model, keep = tiny_model()
    compiled, _ = compile_for_nutpie(model, keep)
    centre = make_initial_point_fn(model=model, jitter_rvs=set(), return_transformed=True)(0)
    start = chain_starts(centre, compiled.shape_info, compiled.n_dim)
    flat = np.array([centre["mu"], centre["sigma_log__"]], dtype=float)
    a, b = start(1), start(2)
    assert np.all(np.abs(a - flat) <= INIT_JITTER) and np.all(np.abs(b - flat) <= INIT_JITTER)
    assert not np.allclose(a, b)
    np.testing.assert_array_equal(start(1), a)  # a seed gives the same start
    assert compiled.initial_point_func(3).shape == (compiled.n_dim,)


@pytest.mark.parametrize(("panel", "adaptation"), [(False, "low_rank"), (True, "diag")])
def test_panels_sample_with_a_diagonal_mass_matrix(
    panel: bool, adaptation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national model learns the posterior's correlations (low rank: ~2x fewer leapfrog
    steps); a regional panel uses nutpie's diagonal adaptation, which on the bundled 20-province
    brand sampled 2-4x faster and left no chain diverging on every draw (benchmarks/README.md)."""
    from mmm.model.compile import import_nutpie
    from mmm.model.sample import sample_posterior

    nutpie = import_nutpie()
    seen: dict[str, object] = {}

    class Called(Exception):
        pass

    def fake_sample(compiled: object, **kwargs: object) -> None:
        seen.update(kwargs)
        raise Called

    monkeypatch.setattr(nutpie, "sample", fake_sample)
    model, keep = tiny_model()
    with pytest.raises(Called):
        sample_posterior(model, keep, ModelSpec(tune=100, draws=10), panel=panel)
    assert seen["adaptation"] == adaptation and seen["tune"] == 100
    with pytest.raises(ValueError, match="resolved spec"):
        sample_posterior(model, keep, ModelSpec(draws=10), panel=panel)
