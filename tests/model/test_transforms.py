"""Transforms: closed-form oracles, a contract suite over the registry, and properties."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmm.exceptions import ConfigError
from mmm.model.transforms import (
    ADSTOCKS,
    SATURATIONS,
    DelayedAdstock,
    GeometricAdstock,
    HillSaturation,
    LogisticSaturation,
    get_transform,
    lag_matrix,
)

# geometric, alpha = 0.5, 3 lags, normalised: 1, 0.5, 0.25 over 1.75
GEOMETRIC_0_5_WEIGHTS = np.array([4 / 7, 2 / 7, 1 / 7])


def _param_values(cls: type, n: int = 2) -> dict[str, np.ndarray]:
    """Valid parameter values for any registered transform (the priors' typical values)."""
    typical = {"alpha": 0.5, "theta": 1.0, "half": 1.0, "slope": 1.5, "lam": 1.0}
    return {name: np.full(n, typical[name]) for name in cls.params}


def test_geometric_weights_match_closed_form() -> None:
    w = GeometricAdstock(max_lag=3).weights(np, alpha=np.array([0.5]))
    np.testing.assert_allclose(w[0], GEOMETRIC_0_5_WEIGHTS)


def test_geometric_adstock_of_a_pulse_is_the_weights() -> None:
    x = np.zeros((6, 1))
    x[0] = 7.0
    out = GeometricAdstock(max_lag=3).apply(np, lag_matrix(x, 3), alpha=np.array([0.5]))
    np.testing.assert_allclose(out[:, 0], [4, 2, 1, 0, 0, 0])


def test_delayed_adstock_peaks_at_theta() -> None:
    w = DelayedAdstock(max_lag=8).weights(np, alpha=np.array([0.5]), theta=np.array([2.0]))
    assert int(np.argmax(w[0])) == 2


def test_hill_half_saturation_and_logistic_closed_form() -> None:
    hill = HillSaturation().apply(np, np.array([0.0, 2.0]), half=np.array(2.0), slope=np.array(3.0))
    assert hill[0] == pytest.approx(0.0, abs=1e-12)
    assert hill[1] == pytest.approx(0.5)
    x = np.array([0.5, 1.0])
    lam = np.array(4.0)
    expected = (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))
    np.testing.assert_allclose(LogisticSaturation().apply(np, x, lam=lam), expected)


def test_lag_matrix_uses_history_for_carry_over() -> None:
    lagged = lag_matrix(np.array([[5.0]]), 3, history=np.array([[1.0], [2.0]]))
    assert lagged[0, 0].tolist() == [5.0, 2.0, 1.0]


@pytest.mark.parametrize("name", sorted(ADSTOCKS))
def test_adstock_contract_numpy_equals_pytensor_and_weights_normalised(name: str) -> None:
    cls = ADSTOCKS[name]
    tr = cls(max_lag=5)
    params = _param_values(cls)
    w_np = tr.weights(np, **params)
    assert w_np.shape == (2, 5)
    np.testing.assert_allclose(w_np.sum(axis=-1), 1.0)
    w_pt = tr.weights(pt, **{k: pt.as_tensor(v) for k, v in params.items()}).eval()
    np.testing.assert_allclose(w_np, w_pt, rtol=1e-6)
    assert set(tr.to_dict()) >= {"name", "max_lag"}


@pytest.mark.parametrize("name", sorted(SATURATIONS))
def test_saturation_contract_numpy_equals_pytensor_zero_at_zero(name: str) -> None:
    cls = SATURATIONS[name]
    tr = cls()
    params = _param_values(cls, 1)
    x = np.array([0.0, 0.5, 1.0, 3.0])
    y_np = tr.apply(np, x, **params)
    y_pt = tr.apply(pt, pt.as_tensor(x), **{k: pt.as_tensor(v) for k, v in params.items()}).eval()
    np.testing.assert_allclose(y_np, y_pt, rtol=1e-6, atol=1e-9)
    assert y_np[0] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("name", sorted(SATURATIONS))
def test_saturation_slope_is_the_derivative_of_the_curve(name: str) -> None:
    """The optimiser's gradients: each curve's closed-form slope equals the complex-step
    derivative of the same curve (the base class's), at zero input too."""
    from mmm.model.transforms.saturation import Saturation

    cls = SATURATIONS[name]
    tr = cls()
    rng = np.random.default_rng(0)
    x = np.concatenate([[0.0, 1e-6], rng.gamma(1.0, 1.5, size=(50,))])[:, None]
    params = {k: v * rng.uniform(0.5, 2.0, size=3) for k, v in _param_values(cls, 3).items()}
    y, slope = tr.value_and_slope(x, **params)
    y_ref, slope_ref = Saturation.value_and_slope(tr, x, **params)
    np.testing.assert_allclose(y, tr.apply(np, x, **params), rtol=1e-12)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(slope, slope_ref, rtol=1e-9, atol=1e-12)
    assert np.all(slope >= 0)


def test_unknown_transform_names_allowed_ones() -> None:
    with pytest.raises(ConfigError, match="allowed: delayed, geometric"):
        get_transform(ADSTOCKS, "weibul", "adstock")


@settings(max_examples=50, deadline=None)
@given(
    x=st.lists(st.floats(0, 1e3), min_size=12, max_size=40),
    alpha=st.floats(0.01, 0.95),
)
def test_normalised_adstock_conserves_total_input(x: list[float], alpha: float) -> None:
    arr = np.array(x + [0.0] * 8)[:, None]  # trailing zeros let the carry-over finish
    out = GeometricAdstock(max_lag=8).apply(np, lag_matrix(arr, 8), alpha=np.array([alpha]))
    assert out.sum() == pytest.approx(arr.sum(), rel=1e-9, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    half=st.floats(0.05, 10),
    slope=st.floats(0.3, 5),
    lam=st.floats(0.05, 10),
)
def test_saturation_monotone_and_bounded(half: float, slope: float, lam: float) -> None:
    x = np.linspace(0, 50, 200)
    for y in (
        HillSaturation().apply(np, x, half=np.array(half), slope=np.array(slope)),
        LogisticSaturation().apply(np, x, lam=np.array(lam)),
    ):
        assert np.all(np.diff(y) >= -1e-12)
        assert np.all((y >= 0) & (y <= 1))
