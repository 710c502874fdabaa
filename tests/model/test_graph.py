"""The PyMC graph and ModelSpec: lift-test inputs and likelihood, spec validation, samplers."""

from __future__ import annotations

import pytest
from _fits import small_brand

from mmm.analysis.fit import MediaMixModel
from mmm.data.load import from_dataframe
from mmm.exceptions import ConfigError, UnknownChannelError
from mmm.model.spec import LiftTest, ModelSpec


def _dataset():
    b = small_brand()
    return from_dataframe(b.data, b.channel_map)


def test_lift_test_bad_input_is_named() -> None:
    ds = _dataset()
    with pytest.raises(UnknownChannelError, match="Unknown channel 'radio' in the lift test"):
        MediaMixModel(
            ModelSpec(
                lift_tests=(LiftTest("radio", "2022-03-07", "2022-04-04", 1e5, 1e4, change=-1.0),)
            )
        ).build(ds)
    with pytest.raises(ConfigError, match="outside the data"):
        MediaMixModel(
            ModelSpec(
                lift_tests=(LiftTest("tv", "2030-01-07", "2030-02-04", 1e5, 1e4, change=-1.0),)
            )
        ).build(ds)
    with pytest.raises(ConfigError, match="se == -1"):
        LiftTest("tv", "2022-03-07", "2022-04-04", 1e5, -1, change=-1.0)


def test_lift_tests_of_both_kinds_enter_the_likelihood() -> None:
    ds = _dataset()
    tests = (
        LiftTest("weibo", "2022-03-07", "2022-05-30", -2e6, 2e5, change=-1.0),
        LiftTest("weibo", "2022-03-07", "2022-05-30", 2e6, 2e5, kind="contribution"),
    )
    model = MediaMixModel(ModelSpec(lift_tests=tests)).build(ds)
    assert {"lift_0", "lift_1"} <= set(model.named_vars)


def test_inputs_fix_every_length_but_time() -> None:
    """Lengths other than time are part of the structure: declared static (cheaper gradients);
    the time axis stays open, so a new quarter's data reuses the compiled model."""
    ds = _dataset()
    tests = (
        LiftTest("weibo", "2022-03-07", "2022-05-30", -2e6, 2e5, change=-1.0),
        LiftTest("weibo", "2022-03-07", "2022-05-30", 2e6, 2e5, kind="contribution"),
    )
    model = MediaMixModel(ModelSpec(lift_tests=tests)).build(ds)
    shapes = {
        v.name.removeprefix("data_"): v.type.shape
        for v in model.named_vars.values()
        if v.name.startswith("data_")
    }
    n_geo, n_ch = 1, ds.data.sizes["channel"]
    assert shapes["lagged"][0] is None and None not in shapes["lagged"][1:]
    assert shapes["lagged"][1:3] == (n_geo, n_ch)
    assert shapes["kpi_obs"] == (None, n_geo)
    assert shapes["spend_total"] == (n_geo, n_ch)
    assert shapes["lift_0_delta"] == (None, n_geo) and shapes["lift_0_value"] == ()
    assert shapes["lift_1_window"] == (None,) and shapes["lift_1_geo"] == (n_geo,)
    for name, shape in shapes.items():
        fixed = shape[1:] if shape and shape[0] is None else shape
        assert None not in fixed, name


def test_spec_rejects_bad_settings_with_allowed_values() -> None:
    with pytest.raises(ConfigError, match="allowed: nutpie, pymc, numpyro"):
        ModelSpec(sampler="stan")
    with pytest.raises(ConfigError, match="chains == 0, must be >= 1"):
        ModelSpec(chains=0)
    spec = ModelSpec(channel_priors={"tv": (0.5, 0.4)})
    assert ModelSpec.from_dict(spec.to_dict()) == spec


def test_numpyro_without_jax_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_numpyro(name: str, *args: object, **kwargs: object) -> object:
        if name == "numpyro":
            raise ImportError("no numpyro here")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_numpyro)
    with pytest.raises(ConfigError, match=r"pip install 'mediamix\[numpyro\]'"):
        MediaMixModel(ModelSpec(sampler="numpyro", chains=1, draws=5, tune=5, progress=False)).fit(
            _dataset()
        )


@pytest.mark.parametrize("sources", [["weibo"], ["weibo", "douyin", "kol"]])
def test_prior_organic_share_of_mentions_does_not_depend_on_how_many_sources(
    sources: list[str],
) -> None:
    """Listing more channels as drivers of mentions must not, by itself, hand more of earned
    media to paid: the prior organic share is uniform (mean 1/2) with one source or three."""
    import numpy as np
    import pymc as pm

    from mmm.data.synthetic import generate

    b = generate(seed=2, weeks=60, channels=["tv", *sources, "mentions"])
    model = MediaMixModel(ModelSpec()).build(from_dataframe(b.data, b.channel_map))
    share = pm.draw(model["mentions_organic_share"], draws=4000, random_seed=1)
    assert abs(float(np.mean(share)) - 0.5) < 0.02
    assert abs(float(np.mean(share < 0.25)) - 0.25) < 0.03  # uniform, not piled at either end


def test_panel_level_holds_every_channel_and_keeps_the_intercept_prior() -> None:
    """In a panel the sampled level includes every channel's mean contribution (paid ones too,
    so an always-on paid channel does not trade off against every region's level); the
    intercept it implies keeps its prior, Normal(0.6, 0.4) in units of the region's mean KPI."""
    import numpy as np
    import pymc as pm

    from mmm.data.regions import generate_panel
    from mmm.model.design import Design
    from mmm.model.graph import INTERCEPT_PRIOR, in_level, level_shift

    panel = generate_panel(seed=2, regions=3, weeks=60, channels=["tv", "search", "weibo", "mentions"])
    ds = from_dataframe(panel.data, panel.channel_map)
    design = Design.build(ds, ModelSpec())
    assert in_level(design).tolist() == [1.0] * len(design.channels)
    national = Design.build(_dataset(), ModelSpec())
    assert in_level(national).tolist() == [0.0 if c else 1.0 for c in national.has_cost]
    assert level_shift(design) > level_shift(Design.build(ds.national(), ModelSpec()))
    # the regional spread is a constant of the graph: another spread is another compiled model
    assert Design.build(ds, ModelSpec(geo_spread=0.5)).structure() != design.structure()

    model = MediaMixModel(ModelSpec()).build(ds)
    with model:
        prior = pm.sample_prior_predictive(draws=2000, var_names=["intercept"], random_seed=1)
    intercept = prior.prior["intercept"].values.ravel()
    loc, scale = INTERCEPT_PRIOR
    assert abs(np.median(intercept) - loc) < 0.1  # without the paid channels' shift: 0.45
    assert 0.6 * scale < np.std(intercept) < 2.0 * scale
