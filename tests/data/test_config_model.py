"""The channel map's [model] table: known keys, types checked, round-trips through TOML."""

from __future__ import annotations

from typing import Any

import pytest

from mmm.data.config import MODEL_KEYS, ChannelMap
from mmm.exceptions import ConfigError


def _map(model: Any) -> dict[str, Any]:
    return {
        "date": "week",
        "kpi": "revenue",
        "channels": {"tv": {"media": "paid", "spend": "tv_spend"}},
        "model": model,
    }


def test_model_table_is_read_and_round_trips() -> None:
    text = """
date = "week"
kpi = "revenue"
[channels.tv]
media = "paid"
spend = "tv_spend"
[model]
trend = "piecewise"
n_changepoints = 6
likelihood = "normal"
fourier_modes = 3
target_accept = 0.95
holdout_periods = 8
max_lag = 6
roi_prior = [1.5, 0.6]
share_prior = [0.02, 1]
sampler = "pymc"
draws = 300
tune = 400
chains = 2
seed = 7
"""
    cmap = ChannelMap.from_toml(text)
    assert cmap.model["trend"] == "piecewise" and cmap.model["target_accept"] == 0.95
    assert cmap.model["roi_prior"] == (1.5, 0.6) and cmap.model["share_prior"] == (0.02, 1.0)
    assert ChannelMap.from_toml(cmap.to_toml()) == cmap
    assert ChannelMap.from_dict(_map({})).model == {}
    hash(cmap)  # still usable as a key


@pytest.mark.parametrize(
    ("model", "match"),
    [
        ({"trends": "none"}, r"Unknown key\(s\) 'trends' in \[model\].*trend \(str\)"),
        ({"draws": "many"}, r"draws = 'many'; expected an integer"),
        ({"chains": True}, r"chains = True; expected an integer"),
        ({"target_accept": "high"}, r"target_accept = 'high'; expected a number"),
        ({"trend": 1}, r"trend = 1; expected \"text\""),
        ({"roi_prior": [1.0]}, r"roi_prior = \[1.0\]; expected \[median, sigma\]"),
        ("none", r"\[model\].*expected a table"),
    ],
)
def test_bad_model_values_name_the_key_and_what_is_allowed(model: Any, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ChannelMap.from_dict(_map(model))


def test_every_key_says_what_it_sets() -> None:
    for key, (kind, what) in MODEL_KEYS.items():
        assert kind in {"str", "int", "float", "bool", "prior"} and what, key
