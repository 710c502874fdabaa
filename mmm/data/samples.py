"""The sample brands bundled with mmm, made by the synthetic generator.

The files in the repository's ``data/`` folder (``brand_weekly.csv`` …) are written by
``python data/make_data.py`` from :data:`SAMPLES`; the generator is deterministic, so
:func:`sample_dataset` rebuilds the same data in memory wherever mmm is installed (a wheel
does not carry the repository's ``data/`` folder). A test checks the two stay identical.
"""

from __future__ import annotations

from typing import Any

from mmm.data.dataset import MMMDataset
from mmm.data.load import from_dataframe
from mmm.data.synthetic import SyntheticBrand, generate
from mmm.exceptions import ConfigError

#: bundled sample → keyword arguments of :func:`mmm.data.synthetic.generate`
SAMPLES: dict[str, dict[str, Any]] = {
    "brand_weekly": {"seed": 7, "weeks": 156},
    "brand_weekly_zh": {"seed": 8, "weeks": 104, "chinese": True},
}
#: the sample ``mmm demo`` fits
DEMO = "brand_weekly"


def sample_brand(name: str = DEMO) -> SyntheticBrand:
    """The synthetic brand behind a bundled sample (data, channel map and true ROI)."""
    if name not in SAMPLES:
        raise ConfigError(f"Unknown sample {name!r}; bundled samples are {', '.join(SAMPLES)}.")
    return generate(**SAMPLES[name])


def sample_dataset(name: str = DEMO) -> tuple[MMMDataset, str]:
    """A bundled sample as a validated dataset, and a line saying what it is."""
    brand = sample_brand(name)
    kwargs = ", ".join(f"{k}={v}" for k, v in SAMPLES[name].items())
    return (
        from_dataframe(brand.data, brand.channel_map),
        f"data/{name}.csv (mmm.data.synthetic.generate({kwargs}))",
    )
