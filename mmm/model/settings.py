"""The model settings a person may change, each with its ``mmm fit`` flag and ``[model]`` key.

One set of defaults: :class:`~mmm.model.spec.ModelSpec`'s. A ``[model]`` key is the ModelSpec
field's name (kinds and meanings in :data:`mmm.data.config.MODEL_KEYS`); the command line
adds the flag in :data:`FLAGS`. Precedence: flag > channel map ``[model]`` > ModelSpec default
(:func:`resolve`). Advice that names a setting goes through :func:`how_to_set`, which fails
for a setting that does not exist, so no recommendation names one the user cannot set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from mmm.data.config import MODEL_KEYS, ChannelMap
from mmm.exceptions import ConfigError
from mmm.model.design import DEFAULT_MAX_LAG
from mmm.model.spec import (
    LIKELIHOODS,
    METHODS,
    SAMPLERS,
    TRENDS,
    TUNE_DEFAULT,
    ModelSpec,
)
from mmm.model.transforms import ADSTOCKS, SATURATIONS

#: ModelSpec field (= ``[model]`` key) → ``mmm fit`` flag
FLAGS: dict[str, str] = {
    "adstock": "--adstock",
    "saturation": "--saturation",
    "max_lag": "--max-lag",
    "roi_prior": "--roi-prior",
    "share_prior": "--share-prior",
    "trend": "--trend",
    "n_changepoints": "--changepoints",
    "fourier_modes": "--fourier-modes",
    "likelihood": "--likelihood",
    "holdout_periods": "--holdout",
    "sampler": "--sampler",
    "method": "--method",
    "chains": "--chains",
    "draws": "--draws",
    "tune": "--tune",
    "seed": "--seed",
    "target_accept": "--target-accept",
    "national_effect": "--national-effect",
    "geo_spread": "--geo-spread",
}
#: allowed values of the settings that take a name
CHOICES: dict[str, tuple[str, ...]] = {
    "adstock": tuple(ADSTOCKS),
    "saturation": tuple(SATURATIONS),
    "trend": TRENDS,
    "likelihood": LIKELIHOODS,
    "sampler": SAMPLERS,
    "method": METHODS,
}
_PER_FREQUENCY = "per frequency: " + ", ".join(f"{k} {v}" for k, v in DEFAULT_MAX_LAG.items())
#: what a setting whose default is None means
NONE_MEANS = {"max_lag": _PER_FREQUENCY, "tune": TUNE_DEFAULT}
#: where a setting's value came from, as :func:`resolve` reports it
DEFAULT, MAP, FLAG = "default", "channel map [model]", "command line"


def default(name: str) -> Any:
    """ModelSpec's default for setting ``name`` (the one default the CLI and library share)."""
    return {f.name: f.default for f in fields(ModelSpec)}[name]


def kind(name: str) -> str:
    """ "str", "int", "float" or "prior" (a (median, sigma) pair)."""
    return MODEL_KEYS[name][0]


def help_text(name: str) -> str:
    """What setting ``name`` does, with its default."""
    value = default(name)
    shown = NONE_MEANS[name] if value is None else _cli(value)
    return f"{MODEL_KEYS[name][1]} (default {shown}; [model] key {name})"


def how_to_set(name: str, value: Any) -> str:
    """How to set ``name`` to ``value`` from the command line and the channel map.

    >>> how_to_set("target_accept", 0.95)
    'mmm fit --target-accept 0.95, or target_accept = 0.95 under [model] in the channel map'

    Raises
    ------
    KeyError
        For a name that is not a setting: advice must name a setting that exists.
    """
    flag = FLAGS[name]
    return (
        f"mmm fit {flag} {_cli(value)}, or {name} = {_toml(value)} under [model] in the channel map"
    )


def resolve(channel_map: ChannelMap, given: Mapping[str, Any]) -> tuple[ModelSpec, dict[str, str]]:
    """The effective spec and where each setting came from: flag > ``[model]`` > default.

    ``given`` holds the settings passed on the command line (by ModelSpec field name) and any
    other ModelSpec fields the caller sets (lift tests, progress bar).
    """
    for name, value in given.items():  # name the flag of a value ModelSpec refuses
        try:
            ModelSpec().replace(**{name: value})
        except ConfigError as exc:
            raise ConfigError(f"{FLAGS.get(name, name)} {_cli(value)}: {exc}") from None
    spec = ModelSpec.from_channel_map(channel_map, **given)
    sources = {
        name: FLAG if name in given else MAP if name in channel_map.model else DEFAULT
        for name in FLAGS
    }
    return spec, sources


def spec_text(spec: ModelSpec, sources: Mapping[str, str] | None = None) -> str:
    """The settings of ``spec`` as a ``[model]`` table (paste it into a channel map), each with its source."""
    sources = sources or {}
    rows = []
    for name in FLAGS:
        value = getattr(spec, name)
        key = f"{name} = {_toml(value)}" if value is not None else f"# {name}: {NONE_MEANS[name]}"
        rows.append((key, f"# {sources.get(name, DEFAULT)}; {FLAGS[name]}"))
    width = max(len(k) for k, _ in rows)
    lines = ["[model]", *(f"{k.ljust(width)}  {note}" for k, note in rows)]
    if spec.lift_tests:
        lines.append(f"# lift tests: {len(spec.lift_tests)} (--lift-tests)")
    for label, per_channel in (
        ("channel priors", spec.channel_priors),
        ("channel transforms", spec.channel_transforms),
        ("parameter priors", spec.param_priors),
    ):
        if per_channel:
            lines.append(f"# {label} (ModelSpec): {', '.join(map(str, per_channel))}")
    return "\n".join(lines) + "\n"


def _cli(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return " ".join(map(str, value)) if isinstance(value, tuple | list) else str(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)
