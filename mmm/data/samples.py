"""The sample brands bundled with mmm, made by the synthetic generators.

The files in the repository's ``data/`` folder (``brand_weekly.csv``, ``brand_regional.csv`` …)
are written by ``python data/make_data.py`` from :data:`SAMPLES`; the generators are
deterministic, so :func:`sample_dataset` rebuilds the same data in memory wherever mmm is
installed (a wheel does not carry the repository's ``data/`` folder). A test checks the two
stay identical.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mmm.data.crisis import CrisisBrand, generate_crisis
from mmm.data.dataset import MMMDataset
from mmm.data.load import from_dataframe
from mmm.data.regions import RegionalBrand, generate_panel
from mmm.data.synthetic import SyntheticBrand, generate
from mmm.exceptions import ConfigError

#: bundled sample → (generator, keyword arguments)
SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "brand_weekly": ("generate", {"seed": 7, "weeks": 156}),
    "brand_weekly_zh": ("generate", {"seed": 8, "weeks": 104, "chinese": True}),
    "brand_regional": ("generate_panel", {"seed": 11, "regions": 20, "weeks": 156}),
    "brand_regional_zh": (
        "generate_panel",
        {"seed": 12, "regions": 20, "weeks": 156, "chinese": True},
    ),
    "brand_crisis_zh": ("generate_crisis", {"seed": 9, "weeks": 104, "chinese": True}),
}
#: the module of each generator (for the line that says what a sample is)
_MODULES = {"generate": "synthetic", "generate_panel": "regions", "generate_crisis": "crisis"}
_GENERATORS: dict[str, Callable[..., Any]] = {
    "generate": generate,
    "generate_panel": generate_panel,
    "generate_crisis": generate_crisis,
}
#: the samples ``mmm demo`` fits, and ``mmm demo --regions`` / ``--crisis``
DEMO = "brand_weekly"
DEMO_REGIONAL = "brand_regional"
DEMO_CRISIS = "brand_crisis_zh"


def sample_brand(name: str = DEMO) -> SyntheticBrand | RegionalBrand | CrisisBrand:
    """The synthetic brand behind a bundled sample (data, channel map and true ROI)."""
    if name not in SAMPLES:
        raise ConfigError(f"Unknown sample {name!r}; bundled samples are {', '.join(SAMPLES)}.")
    kind, kwargs = SAMPLES[name]
    brand: SyntheticBrand | RegionalBrand | CrisisBrand = _GENERATORS[kind](**kwargs)
    return brand


def sample_dataset(name: str = DEMO) -> tuple[MMMDataset, str]:
    """A bundled sample as a validated dataset, and a line saying what it is."""
    brand = sample_brand(name)
    kind, kwargs = SAMPLES[name]
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    return (
        from_dataframe(brand.data, brand.channel_map),
        f"data/{name}.csv (mmm.data.{_MODULES[kind]}.{kind}({args}))",
    )
