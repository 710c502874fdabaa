"""Exceptions and warnings raised by mmm.

`DataValidationError` messages always say *what* is wrong, *where* (column, channel,
dates or line) and *what is allowed*, listing at most five offenders.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_LISTED = 5


class MMMError(Exception):
    """Base class of every error raised on purpose by mmm."""


class DataValidationError(MMMError, ValueError):
    """Input data or a channel map that the model cannot use as given."""


class ConfigError(DataValidationError):
    """A channel map (TOML) or model specification that is invalid."""


class UnknownChannelError(DataValidationError, KeyError):
    """A channel name that is not in the data (a lift test, a lock, a bound, a lookup).

    One type for this one mistake wherever it is made; it is a ``ValueError`` (bad input) and a
    ``KeyError`` (a failed lookup by name), so either ``except`` catches it.
    """

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def check_channels(names: Iterable[str], allowed: Iterable[str], where: str) -> None:
    """Raise :class:`UnknownChannelError` naming the channels of ``names`` not in ``allowed``.

    >>> check_channels(["tv", "radio"], ["tv", "search"], "locked")
    Traceback (most recent call last):
    ...
    mmm.exceptions.UnknownChannelError: Unknown channel 'radio' in locked; allowed: 'tv', 'search'.
    """
    allowed = list(allowed)
    bad = [n for n in names if n not in allowed]
    if bad:
        word = "channel" if len(bad) == 1 else "channels"
        raise UnknownChannelError(
            f"Unknown {word} {list_some(bad)} in {where}; allowed: {list_some(allowed, 50)}."
        )


class ScenarioError(MMMError, ValueError):
    """A budget scenario that cannot be optimised as asked."""


class MissingDependencyError(MMMError, ImportError):
    """An optional package a feature needs is not installed (the message says how to add it)."""


class SavedResultError(MMMError, ValueError):
    """A saved result this mmm cannot load faithfully (newer format, mismatched features)."""


class ConvergenceWarning(UserWarning):
    """The sampler did not converge; estimates must not be trusted as they are."""


class ConfigWarning(UserWarning):
    """Settings that disagree (a ModelSpec that overrides the channel map's [model] table)."""


class ApproximationWarning(UserWarning):
    """Results come from a fast approximation (MAP or Pathfinder), not full MCMC."""


class CompileCacheWarning(UserWarning):
    """A compiled model on disk was unreadable or corrupted; it was deleted and compiled again."""


def list_some(items: Iterable[Any], limit: int = MAX_LISTED) -> str:
    """Format up to ``limit`` offenders, saying how many more there are.

    >>> list_some(["a", "b", "c", "d", "e", "f", "g"])
    "'a', 'b', 'c', 'd', 'e' and 2 more"
    """
    items = list(items)
    shown = ", ".join(repr(_plain(i)) for i in items[:limit])
    if len(items) > limit:
        return f"{shown} and {len(items) - limit} more"
    return shown


def list_dates(dates: Iterable[Any], limit: int = MAX_LISTED) -> str:
    """Format dates as ISO strings (at most ``limit`` of them)."""
    import pandas as pd

    iso = [pd.Timestamp(d).date().isoformat() for d in dates]
    return list_some(iso, limit).replace("'", "")


def _plain(x: Any) -> Any:
    """Turn numpy scalars into Python ones so ``repr`` stays readable."""
    return x.item() if hasattr(x, "item") and not isinstance(x, str) else x
