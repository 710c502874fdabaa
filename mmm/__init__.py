"""mmm: Bayesian marketing-mix modelling for the social-media era."""

from __future__ import annotations

__version__ = "0.1.0"
