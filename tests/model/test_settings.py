"""Model settings: one default (ModelSpec's), a flag and a [model] key for each, flag > map > default.

Also: every piece of advice mmm gives names a setting, flag or key that exists.
"""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from mmm.analysis.fit import MediaMixModel
from mmm.cli import _spec_from_args, build_parser, main
from mmm.data.config import MODEL_KEYS, ChannelMap
from mmm.exceptions import ConfigError, ConfigWarning
from mmm.model import settings
from mmm.model.spec import ModelSpec

ROOT = Path(__file__).resolve().parents[2]

#: a value other than the default for every setting
OTHER: dict[str, Any] = {
    "adstock": "delayed",
    "saturation": "logistic",
    "max_lag": 5,
    "roi_prior": (1.5, 0.6),
    "share_prior": (0.02, 0.8),
    "trend": "piecewise",
    "n_changepoints": 6,
    "fourier_modes": 3,
    "likelihood": "normal",
    "holdout_periods": 8,
    "sampler": "pymc",
    "method": "map",
    "chains": 2,
    "draws": 300,
    "tune": 400,
    "seed": 7,
    "target_accept": 0.95,
    "national_effect": False,
    "geo_spread": 0.5,
}
#: a third value, for the flag in "flag beats map"
THIRD: dict[str, Any] = {
    "adstock": "geometric", "saturation": "hill", "max_lag": 3, "roi_prior": (2.0, 0.5),
    "share_prior": (0.1, 0.5), "trend": "none", "n_changepoints": 2, "fourier_modes": 1,
    "likelihood": "lognormal", "holdout_periods": 4, "sampler": "numpyro", "method": "mcmc",
    "chains": 3, "draws": 500, "tune": 600, "seed": 11, "target_accept": 0.85,
    "national_effect": True, "geo_spread": 0.2,
}  # fmt: skip


def _cmap(model: dict[str, Any] | None = None) -> ChannelMap:
    return ChannelMap.from_dict(
        {
            "date": "week",
            "kpi": "revenue",
            "channels": {"tv": {"media": "paid", "spend": "tv_spend"}},
            "model": {k: list(v) if isinstance(v, tuple) else v for k, v in (model or {}).items()},
        }
    )


def _flags(name: str, value: Any) -> list[str]:
    if isinstance(value, bool):
        return [settings.FLAGS[name], "on" if value else "off"]
    vals = value if isinstance(value, tuple) else (value,)
    return [settings.FLAGS[name], *map(str, vals)]


def _spec(cmap: ChannelMap, argv: list[str]) -> tuple[ModelSpec, dict[str, str]]:
    args = build_parser().parse_args(["fit", "d.csv", "-c", "m.toml", *argv])
    return _spec_from_args(cmap, args)


def test_every_setting_has_one_default_a_flag_and_a_map_key() -> None:
    spec_fields = {f.name for f in fields(ModelSpec)}
    assert set(settings.FLAGS) == set(MODEL_KEYS) <= spec_fields
    assert set(OTHER) == set(THIRD) == set(settings.FLAGS)
    parser = build_parser()
    for cmd in ("fit", "demo"):
        args = parser.parse_args([cmd, "d.csv", "-c", "m.toml"] if cmd == "fit" else [cmd])
        # the CLI has no defaults of its own: unset flags leave the value to the map, then ModelSpec
        assert all(getattr(args, name) is None for name in settings.FLAGS), cmd
    spec, sources = _spec(_cmap(), [])
    assert spec.replace(progress=True) == ModelSpec()
    assert set(sources.values()) == {settings.DEFAULT}
    assert ModelSpec().holdout_periods == 0  # the one holdout default (the CLI had 8)


@pytest.mark.parametrize("name", list(settings.FLAGS))
def test_flag_beats_map_beats_default(name: str) -> None:
    assert getattr(ModelSpec(), name) != OTHER[name] != THIRD[name]
    from_map, src = _spec(_cmap({name: OTHER[name]}), [])
    assert getattr(from_map, name) == OTHER[name] and src[name] == settings.MAP
    from_flag, src = _spec(_cmap(), _flags(name, OTHER[name]))
    assert getattr(from_flag, name) == OTHER[name] and src[name] == settings.FLAG
    both, src = _spec(_cmap({name: OTHER[name]}), _flags(name, THIRD[name]))
    assert getattr(both, name) == THIRD[name] and src[name] == settings.FLAG
    # the notebook gets the same spec from the same map
    assert ModelSpec.from_channel_map(_cmap({name: OTHER[name]})) == from_map.replace(progress=True)


def test_bad_values_name_their_source() -> None:
    with pytest.raises(ConfigError, match=r"--target-accept 1.5: target_accept == 1.5"):
        _spec(_cmap(), ["--target-accept", "1.5"])
    with pytest.raises(ConfigError, match=r"\[model\] table: target_accept == 1.5"):
        _spec(_cmap({"target_accept": 1.5}), [])
    with pytest.raises(ConfigError, match=r"\[model\] table: trend == 'cubic'; allowed: linear"):
        ModelSpec.from_channel_map(_cmap({"trend": "cubic"}))


def test_print_spec_shows_values_and_where_they_came_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], weekly_df: Any, cmap_dict: dict[str, Any]
) -> None:
    import tomllib

    data = tmp_path / "d.csv"
    weekly_df.to_csv(data, index=False)
    cmap = tmp_path / "m.toml"
    cmap.write_text(
        ChannelMap.from_dict({**cmap_dict, "model": {"trend": "none", "draws": 300}}).to_toml(),
        encoding="utf-8",
    )
    argv = ["fit", str(data), "-c", str(cmap), "--print-spec", "--draws", "200", "--holdout", "4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r'^trend = "none" +# channel map \[model\]; --trend$', out, re.M)
    assert re.search(r"^draws = 200 +# command line; --draws$", out, re.M)
    assert re.search(r"^holdout_periods = 4 +# command line; --holdout$", out, re.M)
    assert re.search(r"^target_accept = 0.9 +# default; --target-accept$", out, re.M)
    # the output is a [model] table that a channel map accepts as it is
    table = tomllib.loads(out)["model"]
    assert ModelSpec(**{k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}) == (
        ModelSpec(trend="none", draws=200, holdout_periods=4)
    )
    assert not (tmp_path / "RUN").exists()


def test_library_fit_uses_the_maps_model_table_and_warns_when_a_spec_overrides_it(
    weekly_df: Any, cmap_dict: dict[str, Any]
) -> None:
    from mmm.data.load import from_dataframe

    cmap = {**cmap_dict, "model": {"trend": "none", "fourier_modes": 0}}
    ds = from_dataframe(weekly_df, cmap)
    assert MediaMixModel().spec_for(ds) == ModelSpec(trend="none", fourier_modes=0, tune=500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        agreed = ModelSpec.from_channel_map(ds.channel_map, draws=50, tune=300)
        assert MediaMixModel(agreed).spec_for(ds) is agreed
    with pytest.warns(ConfigWarning, match=r"sets trend = 'none' \(spec: 'linear'\)"):
        assert MediaMixModel(ModelSpec(fourier_modes=0)).spec_for(ds).trend == "linear"


# ---------------------------------------------------------------------- advice names real settings
def _strings(path: Path) -> list[str]:
    """Every string literal in a module, f-string pieces included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def _all_flags() -> set[str]:
    parser = build_parser()
    flags = set(parser._option_string_actions)
    todo = [parser]
    while todo:  # subcommands, and theirs (mmm benchmark recovery)
        p = todo.pop()
        flags |= set(p._option_string_actions)
        for action in getattr(p._subparsers, "_group_actions", []):
            todo.extend(action.choices.values())
    return flags


def test_every_flag_and_model_key_named_in_mmm_exists() -> None:
    flags = _all_flags()
    named_flags: dict[str, set[str]] = {}
    named_keys: dict[str, set[str]] = {}
    for path in sorted((ROOT / "mmm").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        for text in _strings(path):
            for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*[a-z]", text):
                named_flags.setdefault(flag, set()).add(rel)
            for key in re.findall(r"(\w+) = [^,;)]+ under \[model\]", text):
                named_keys.setdefault(key, set()).add(rel)
    assert {"--lift-tests", "--method", "--replan"} <= set(named_flags)  # the scan sees advice
    unknown = {f: sorted(w) for f, w in named_flags.items() if f not in flags}
    assert not unknown, f"strings name flags no mmm command has: {unknown}"
    assert not {k: w for k, w in named_keys.items() if k not in MODEL_KEYS}


@pytest.mark.parametrize("name", list(settings.FLAGS))
def test_how_to_set_names_a_flag_and_key_that_set_the_value(name: str) -> None:
    advice = settings.how_to_set(name, OTHER[name])
    flag, *vals = re.search(r"mmm fit (--[a-z-]+(?: [^ ,]+)*),", advice).group(1).split()  # type: ignore[union-attr]
    spec, _ = _spec(_cmap(), [flag, *vals])
    assert getattr(spec, name) == OTHER[name]
    key = re.search(r"or (\w+) = (.+) under \[model\]", advice)
    assert key is not None and key.group(1) == name
    import tomllib

    parsed = tomllib.loads(f"v = {key.group(2)}")["v"]
    assert ModelSpec.from_channel_map(_cmap({name: parsed})).__getattribute__(name) == OTHER[name]
    with pytest.raises(KeyError):
        settings.how_to_set("target_acceptance", 0.95)


def test_diagnostics_advice_goes_through_how_to_set() -> None:
    from mmm.analysis import diagnostics

    text = "\n".join(diagnostics.CONVERGENCE_CAUSES)
    assert settings.how_to_set("target_accept", 0.95) in text
    assert settings.how_to_set("tune", 2000) in text
    source = (ROOT / "mmm/analysis/diagnostics.py").read_text(encoding="utf-8")
    # the advice the issue found unfollowable now names the setting, its flag and its key
    for name in ("target_accept", "trend", "holdout_periods", "draws", "chains", "method"):
        assert f"how_to_set('{name}'" in source, name


def test_tuning_steps_default_to_500_national_and_1000_for_a_regional_panel() -> None:
    """A panel's low-rank mass matrix needs more tuning (500 left a chain of the bundled
    regional brand diverging on every draw); a tune the user sets is kept either way."""
    from mmm.data.samples import DEMO, DEMO_REGIONAL, sample_dataset

    national, _ = sample_dataset(DEMO)
    panel, _ = sample_dataset(DEMO_REGIONAL)
    assert ModelSpec().tune is None
    assert MediaMixModel().spec_for(national).tune == 500
    assert MediaMixModel().spec_for(panel).tune == 1000
    assert MediaMixModel(ModelSpec(draws=50)).spec_for(panel).tune == 1000
    assert MediaMixModel(ModelSpec(tune=200)).spec_for(panel).tune == 200
    assert "500, 1000 for a regional panel" in settings.help_text("tune")
    with pytest.raises(ConfigError, match=r"tune == -1, must be >= 0 \(or None: 500, 1000"):
        ModelSpec(tune=-1)
