"""Carry-over (adstock) and saturation transforms.

Each transform is a small declarative class: a registered name, its parameters with
default priors, and one pure function written against an array namespace ``xp`` — NumPy
for reference computations and post-processing, ``pytensor.tensor`` inside the model —
so the model and every downstream number use the same mathematics.

Parameters broadcast over leading dimensions: in the model a parameter has shape
``(channel,)``; in post-processing ``(sample, channel)``.
"""

from __future__ import annotations

from mmm.model.transforms.adstock import (
    ADSTOCKS,
    Adstock,
    DelayedAdstock,
    GeometricAdstock,
    lag_matrix,
)
from mmm.model.transforms.base import Prior, Transform, get_transform
from mmm.model.transforms.saturation import (
    SATURATIONS,
    HillSaturation,
    LogisticSaturation,
    Saturation,
)

__all__ = [
    "ADSTOCKS",
    "SATURATIONS",
    "Adstock",
    "DelayedAdstock",
    "GeometricAdstock",
    "HillSaturation",
    "LogisticSaturation",
    "Prior",
    "Saturation",
    "Transform",
    "get_transform",
    "lag_matrix",
]
