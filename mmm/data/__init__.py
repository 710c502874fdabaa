"""Data layer: the channel map, loaders, the validated dataset, data checks and synthetic brands.

Nothing here knows about models: it turns files, DataFrames or SQL into an
:class:`~mmm.data.dataset.MMMDataset` (date × channel, paid / owned / earned) and says
clearly what is wrong with input it cannot use.
"""

from __future__ import annotations

from mmm.data.config import ChannelMap
from mmm.data.dataset import MMMDataset
from mmm.data.load import from_dataframe, load

__all__ = ["ChannelMap", "MMMDataset", "from_dataframe", "load"]
