"""Regenerate the bundled sample datasets in this folder.

Run from the repository root::

    python data/make_data.py

Writes ``brand_weekly.{csv,toml}`` + ``brand_weekly_truth.csv`` (seed 7, 156 weeks, full
preset, default options) and the Chinese variant ``brand_weekly_zh.*`` (seed 8, 104 weeks).
The generator is deterministic, so rerunning reproduces the committed files byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mmm.synthetic import generate

HERE = Path(__file__).resolve().parent

DATASETS: dict[str, dict[str, Any]] = {
    "brand_weekly": {"seed": 7, "weeks": 156},
    "brand_weekly_zh": {"seed": 8, "weeks": 104, "chinese": True},
}


def main() -> None:
    """Generate every bundled dataset and print what was written."""
    for stem, kwargs in DATASETS.items():
        brand = generate(**kwargs)
        paths = brand.to_files(HERE, stem)
        print(f"{stem}: {brand!r}")
        for path in paths.values():
            print(f"  wrote {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
