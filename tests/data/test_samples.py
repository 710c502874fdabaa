"""The bundled samples: data/*.csv and what mmm.data.samples rebuilds in memory are the same data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmm.data.load import load
from mmm.data.samples import SAMPLES, sample_dataset
from mmm.exceptions import ConfigError

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_in_memory_equals_the_bundled_files(name: str) -> None:
    from_files = load(DATA / f"{name}.csv", DATA / f"{name}.toml")
    in_memory, label = sample_dataset(name)
    assert label.startswith(f"data/{name}.csv")
    assert in_memory.data.identical(from_files.data)
    assert in_memory.channel_map == from_files.channel_map


def test_unknown_sample_is_named() -> None:
    with pytest.raises(ConfigError, match="Unknown sample 'nope'; bundled samples are brand_weekly"):
        sample_dataset("nope")
