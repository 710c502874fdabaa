"""The one forward model (mmm.model.forward): the PyMC graph's namespace and NumPy agree.

Every function is evaluated on random parameters twice: through ``pytensor.tensor`` (as the
graph does) and through NumPy (as attribution, forecasts, experiments and the optimiser do).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from _fits import small_brand

from mmm.data.crisis import Crisis, CrisisBrand, generate_crisis, generate_crisis_panel
from mmm.data.load import from_dataframe
from mmm.data.regions import generate_panel
from mmm.model import forward as F
from mmm.model.design import Design
from mmm.model.graph import data_inputs
from mmm.model.spec import ModelSpec


@pytest.fixture(scope="module", params=["national", "panel"])
def design(request: pytest.FixtureRequest) -> Design:
    """The small national brand, and a three-region panel (the same maths with a region axis)."""
    if request.param == "national":
        brand = small_brand()
        ds = from_dataframe(brand.data, brand.channel_map)
    else:
        panel = generate_panel(seed=2, regions=3, weeks=60, channels=["tv", "search", "weibo", "mentions"])
        ds = from_dataframe(panel.data, panel.channel_map)
    spec = ModelSpec(channel_transforms={"tv": ("delayed", "logistic")})
    return Design.build(ds, spec)


def _random_params(design: Design, rng: np.random.Generator) -> dict[str, np.ndarray]:
    p: dict[str, np.ndarray] = {}
    for g in (*design.adstock_groups, *design.saturation_groups):
        for name in g.transform.params:
            lo, hi = (0.1, 0.9) if name == "alpha" else (0.3, 2.5)
            p[g.param_name(name)] = rng.uniform(lo, hi, len(g.channels))
    p["beta"] = rng.uniform(0.05, 0.5, (design.n_geos, len(design.channels)))
    return p


def _graph(design: Design, fn: Any, p: dict[str, np.ndarray]) -> np.ndarray:
    """``fn`` built on symbolic parameters, compiled and evaluated at ``p``."""
    sym = {k: pt.tensor(k, shape=(None,) * np.ndim(v)) for k, v in p.items()}
    out = fn(pt, sym)
    f = pytensor.function(list(sym.values()), out, on_unused_input="ignore")
    return np.asarray(f(*p.values()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_saturated_media_agrees_between_graph_and_numpy(design: Design, seed: int) -> None:
    p = _random_params(design, np.random.default_rng(seed))
    numpy_out = F.saturated_media(np, design, p)
    graph_out = _graph(design, lambda xp, q: F.saturated_media(xp, design, q), p)
    np.testing.assert_allclose(graph_out, numpy_out, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_earned_counterfactual_agrees_between_graph_and_numpy(design: Design, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = _random_params(design, rng)
    e = next(iter(design.earned))
    m = design.x[:, :, design.index(e)]
    removed = rng.uniform(0, 0.3, m.shape) * m
    beta_e = p["beta"][:, design.index(e)]

    def effect(xp: Any, q: dict[str, Any]) -> Any:
        m_x = xp.as_tensor(m) if xp is pt else m
        return F.earned_effect(xp, design, q, e, m_x, xp.maximum(m_x - removed, 0.0), beta_e)

    np.testing.assert_allclose(
        _graph(design, effect, p), effect(np, p), rtol=1e-10, atol=1e-12
    )


def test_weights_are_the_adstock_transforms_own(design: Design) -> None:
    """The fit's carry-over weights are ``Adstock.weights`` cut at each channel's max lag."""
    p = _random_params(design, np.random.default_rng(3))
    w = F.lag_weights(np, design, p)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0)
    for g in design.adstock_groups:
        own = g.transform.weights(np, mask=design.lag_mask[g.index], **F.group_params(g, p))
        np.testing.assert_array_equal(w[g.index], own)
    for ch in design.channels:
        np.testing.assert_allclose(F.channel_weights(np, design, p, ch), w[design.index(ch)])


def test_in_sample_effects_match_a_plan_simulated_with_the_same_history(design: Design) -> None:
    """Simulating the last 20 observed weeks from their own history reproduces the in-sample effects
    of channels that do not feed earned media."""
    rng = np.random.default_rng(4)
    p = {k: v[None, :] for k, v in _random_params(design, rng).items()}
    eff = F.in_sample_effects(design, {**p, **_baseline_params(design)})
    act = design.x * design.input_scale
    direct, _ = F.simulate(design, {**p, **_baseline_params(design)}, act[-20:], history=act[:-20])
    assert direct.shape == (1, 20, design.n_geos, len(design.channels))
    sources = {s for srcs in design.earned.values() for s in srcs}
    for ch in design.channels:
        if ch in sources or ch in design.earned:
            continue
        j = design.index(ch)
        np.testing.assert_allclose(direct[0, :, :, j], eff.direct[0, -20:, :, j], rtol=1e-9)


def test_a_plan_simulated_without_attribution_has_the_same_direct_effects(design: Design) -> None:
    """``attribute=False`` (experiments, response curves, forecasts): the direct effects, earned
    channels' included, exactly as with the attribution to sources; no via-earned part."""
    p = {k: v[None, :] for k, v in _random_params(design, np.random.default_rng(5)).items()}
    p |= _baseline_params(design)
    act = design.x * design.input_scale
    direct, via = F.simulate(design, p, act[-20:], history=act[:-20])
    alone, none = F.simulate(design, p, act[-20:], history=act[:-20], attribute=False)
    assert design.earned and np.abs(via).sum() > 0  # the fixture has sources of earned media
    np.testing.assert_array_equal(alone, direct)
    assert not none.any()


def test_future_time_index_continues_the_data(design: Design) -> None:
    step = design.t[1] - design.t[0]
    np.testing.assert_allclose(design.future_t(3), design.t[-1] + step * np.arange(1, 4))


def _baseline_params(design: Design) -> dict[str, np.ndarray]:
    g = design.n_geos
    out = {"intercept": np.full((1, g), 0.5), "trend_slope": np.full((1, g), 0.1)}
    if design.fourier.shape[1]:
        out["season"] = np.zeros((1, g, design.fourier.shape[1]))
    if design.controls.shape[-1]:
        out["control_coef"] = np.zeros((1, design.controls.shape[-1]))
    if design.holidays.shape[1]:
        out["holiday_coef"] = np.zeros((1, design.holidays.shape[1]))
    for e in design.earned:
        out[f"{e}_gain"] = np.full((1, len(design.earned[e])), 0.1)
        out[f"{e}_organic"] = np.full((1, g), 0.5)
        out[f"{e}_drift"] = np.array([0.0])
    return out


# ---------------------------------------------------------------------- the counterfactual of a spend change
def _with_gains(design: Design, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return p | {f"{e}_gain": rng.uniform(0.1, 0.5, len(s)) for e, s in design.earned.items()}


@pytest.mark.parametrize("seed", [0, 1])
def test_change_effect_agrees_between_graph_and_numpy(design: Design, seed: int) -> None:
    p = _with_gains(design, _random_params(design, np.random.default_rng(seed)))
    j = design.index("weibo")  # a source of earned media
    delta = np.zeros(design.x.shape[:2])  # (period, geo)
    delta[40:52] = 0.5 * design.x[40:52, :, j]
    graph = _graph(design, lambda xp, q: F.change_effect(xp, design, q, "weibo", delta), p)
    numpy_out = F.change_effect(np, design, p, "weibo", delta)
    np.testing.assert_allclose(graph, numpy_out, rtol=1e-8, atol=1e-12)
    assert graph.sum() > 0 and np.allclose(graph[:40], 0.0)


@pytest.mark.parametrize("channel", ["tv", "weibo"])
def test_going_dark_throughout_loses_the_whole_contribution(design: Design, channel: str) -> None:
    """Oracle: removing all of a channel's input loses its direct effect and, for a source of
    earned media, the value of the mentions it generated (attribution's own split)."""
    one = _with_gains(design, _random_params(design, np.random.default_rng(3)))
    p = {**_baseline_params(design), **{k: v[None, :] for k, v in one.items()}}
    eff = F.in_sample_effects(design, p)
    j = design.index(channel)
    lost = (F.change_effect(np, design, p, channel, -design.x[:, :, j]) * design.kpi_scale).sum()
    assert lost == pytest.approx(-(eff.direct[0, ..., j] + eff.via_earned[0, ..., j]).sum(), rel=1e-9)
    assert (eff.via_earned[0, ..., j].sum() > 0) == (channel == "weibo")


# ---------------------------------------------------------------------- sentiment and events
CRISIS_CHANNELS = ["tv", "weibo", "douyin", "mentions"]


@pytest.fixture(scope="module", params=["national", "panel"])
def crisis_brand(request: pytest.FixtureRequest) -> CrisisBrand:
    """A crisis brand (mentions split by sentiment, the crisis declared), national and regional."""
    if request.param == "national":
        return generate_crisis(seed=1, weeks=60, channels=CRISIS_CHANNELS)
    crisis = Crisis(geo=("Guangdong", "Henan"))  # two of the three regions
    return generate_crisis_panel(seed=1, regions=3, weeks=60, channels=CRISIS_CHANNELS, crisis=crisis)


@pytest.fixture(scope="module")
def crisis_design(crisis_brand: CrisisBrand) -> Design:
    return Design.build(from_dataframe(crisis_brand.data, crisis_brand.channel_map), ModelSpec())


def _sentiment_params(design: Design, rng: np.random.Generator) -> dict[str, np.ndarray]:
    p = _random_params(design, rng)
    p["negative_coef"] = rng.uniform(-0.3, 0.1, len(design.negative_channels))
    p["event_coef"] = rng.uniform(-0.5, 0.5, design.n_events)
    return p


def test_crisis_design_splits_mentions_and_declares_the_event(crisis_design: Design) -> None:
    d = crisis_design
    assert d.negative_channels == ("mentions",) and d.event_kinds == ("crisis",)
    assert d.negative is not None and d.negative.shape == (d.n_periods, d.n_geos, 1)
    assert d.events is not None and d.events.shape == (d.n_periods, d.n_geos, 1)
    assert 0 < (d.events[..., 0].any(axis=1)).sum() < d.n_periods
    if d.is_panel:  # the event shifts only the regions it hit
        assert (d.events[..., 0].max(axis=0) > 0).tolist() == [g != "Shandong" for g in d.geos]
    # the excess negative mentions peak inside the crisis window
    peak = int(np.argmax(d.negative[..., 0].sum(axis=1)))
    assert d.events[peak, :, 0].max() > 0
    # the earned path keeps only the mentions that are not negative
    assert np.all(d.x[:, :, d.index("mentions")] >= 0)


def test_structure_and_data_inputs_know_sentiment_and_events(
    crisis_brand: CrisisBrand, crisis_design: Design
) -> None:
    """A compiled graph is reused only for data of the same shape of model: sentiment and events
    are part of the structure and enter as data."""
    cmap = crisis_brand.channel_map_as(declared=False, sentiment=False)
    plain = Design.build(from_dataframe(crisis_brand.data, cmap), ModelSpec())
    assert crisis_design.structure() != plain.structure()
    values = data_inputs(crisis_design)
    np.testing.assert_array_equal(values["negative"], crisis_design.negative)
    np.testing.assert_array_equal(values["events"], crisis_design.events)
    assert "negative" not in data_inputs(plain) and "events" not in data_inputs(plain)


@pytest.mark.parametrize("seed", [0, 1])
def test_negative_effect_agrees_between_graph_and_numpy(crisis_design: Design, seed: int) -> None:
    d = crisis_design
    p = _sentiment_params(d, np.random.default_rng(seed))
    neg = d.negative

    def effect(xp: Any, q: dict[str, Any]) -> Any:
        return F.negative_media(xp, d, q, xp.as_tensor(neg) if xp is pt else neg)

    out = effect(np, p)
    assert out.shape == (d.n_periods, d.n_geos)
    np.testing.assert_allclose(_graph(d, effect, p), out, rtol=1e-10, atol=1e-12)
    # a negative coefficient and a spike of negative mentions: the KPI is lower in the crisis
    q = {**p, "negative_coef": np.array([-0.2])}
    assert d.events is not None
    assert F.negative_media(np, d, q)[d.events[..., 0] > 0].mean() < 0
    assert F.negative_effect(np, d, q, "mentions", np.ones_like(neg[..., 0])).max() < 0


def test_events_are_baseline_shifts_in_graph_and_numpy(crisis_design: Design) -> None:
    d = crisis_design
    p = {k: v[None] for k, v in _sentiment_params(d, np.random.default_rng(5)).items()}
    p |= _baseline_params(d)
    base = F.baseline(np, d, p)
    np.testing.assert_allclose(base["events"][0], p["event_coef"][0, 0] * d.events[..., 0])
    rows = {"t": d.t, "fourier": d.fourier, "controls": d.controls, "holidays": d.holidays,
            "changepoints": d.changepoints, "in_sample": True}  # fmt: skip
    flat = {k: v[0] for k, v in p.items()}

    def shift(xp: Any, q: dict[str, Any]) -> Any:
        r = rows | {"events": xp.as_tensor(d.events) if xp is pt else d.events}
        return F.baseline(xp, d, q, rows=r)["events"]

    np.testing.assert_allclose(_graph(d, shift, flat), shift(np, flat), rtol=1e-10, atol=1e-12)
    # in-sample effects: the event is a baseline part, the negative mentions are in mu, and no
    # channel's direct or earned-path effect depends on either
    eff = F.in_sample_effects(d, p)
    assert "events" in eff.baseline and set(eff.negative) == {"mentions"}
    parts = sum(eff.baseline.values()) + eff.direct.sum(axis=-1) + eff.negative["mentions"]
    np.testing.assert_allclose(eff.mu, parts)
    q = p | {"event_coef": p["event_coef"] * 0, "negative_coef": p["negative_coef"] * 0}
    eff0 = F.in_sample_effects(d, q)
    np.testing.assert_array_equal(eff0.direct, eff.direct)
    np.testing.assert_array_equal(eff0.via_earned, eff.via_earned)
