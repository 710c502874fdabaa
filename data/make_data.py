"""Regenerate the bundled sample datasets in this folder.

Run from the repository root::

    python data/make_data.py

Writes every sample of :data:`mmm.data.samples.SAMPLES`: ``brand_weekly.{csv,toml}`` +
``brand_weekly_truth.csv`` (seed 7, 156 weeks, full preset, default options), the Chinese
variant ``brand_weekly_zh.*`` (seed 8, 104 weeks) and the regional panels
``brand_regional(_zh).*`` (20 provinces × 156 weeks, seeds 11 and 12, with ``_truth_by_geo.csv``)
and the crisis brand ``brand_crisis_zh.*`` (seed 9, 104 weeks, with ``_crisis_truth.csv``).
The generator is deterministic, so rerunning reproduces the committed files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from mmm.data.samples import SAMPLES, sample_brand

HERE = Path(__file__).resolve().parent


def main() -> None:
    """Generate every bundled dataset and print what was written."""
    for stem in SAMPLES:
        brand = sample_brand(stem)
        paths = brand.to_files(HERE, stem)
        print(f"{stem}: {brand!r}")
        for path in paths.values():
            print(f"  wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
