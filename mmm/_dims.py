"""Dimension and coordinate names shared by every stage.

Every labelled array in the package uses these names, so results from different stages
line up without renaming.
"""

from __future__ import annotations

from typing import Literal, get_args

DATE = "date"
CHANNEL = "channel"
CONTROL = "control"
GEO = "geo"
CHAIN = "chain"
DRAW = "draw"
SAMPLE = "sample"

MediaType = Literal["paid", "owned", "earned"]
MEDIA_TYPES: tuple[str, ...] = get_args(MediaType)

#: periods per year for the supported model frequencies
PERIODS_PER_YEAR = {"W": 52.1775, "M": 12.0}
#: fewest periods a dataset must have for the model to separate trend, season and media
MIN_PERIODS = {"W": 52, "M": 24}
