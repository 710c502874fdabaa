"""Manifests: defaults and overrides, paths relative to the manifest, variants, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmm.batch.jobs import Job, jobs_from_dict, read_manifest
from mmm.cli import main
from mmm.exceptions import ConfigError

MANIFEST = """\
[defaults]
draws = 500
seed = 1
[jobs.brand_a]
data = "brand_a.csv"
config = "brand_a.toml"
[jobs.brand_b_cn]
data = "sub/brand_b.parquet"
config = "brand_b.toml"
draws = 1000
roi_prior = [1.5, 0.5]
channel_priors = { tv = [0.8, 0.4] }
lift_tests = "tests.csv"
max_change = 0.2
report = false
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_overrides_and_paths_relative_to_the_manifest(tmp_path: Path) -> None:
    a, b = read_manifest(write(tmp_path, MANIFEST))
    assert (a.name, b.name) == ("brand_a", "brand_b_cn")
    assert a.data == str(tmp_path.resolve() / "brand_a.csv")
    assert b.data == str(tmp_path.resolve() / "sub" / "brand_b.parquet")
    assert b.spec["lift_tests"] == str(tmp_path.resolve() / "tests.csv")
    spec_a, spec_b = a.model_spec(), b.model_spec(read_tests=False)
    assert (spec_a.draws, spec_a.seed, spec_a.tune, spec_a.chains) == (
        500,
        1,
        None,  # mmm fit's default: 500 tuning steps, 1000 for a regional panel
        4,
    )  # mmm fit's defaults
    assert spec_a.resolved(panel=False).tune == 500 and spec_a.resolved(panel=True).tune == 1000
    assert spec_a.holdout_periods == 8 and spec_a.progress is False
    assert spec_b.draws == 1000 and spec_b.roi_prior == (1.5, 0.5)
    assert spec_b.channel_priors == {"tv": (0.8, 0.4)}
    assert b.budget_scenario().max_change == 0.2 and a.budget_scenario().weeks == 13
    assert a.report and not b.report
    assert a.model_spec(cores=3).cores == 3


def test_variants_expand_every_job(tmp_path: Path) -> None:
    text = (
        MANIFEST
        + '[variants.geo]\nadstock = "geometric"\n[variants.delayed]\nadstock = "delayed"\ndraws = 200\n'
    )
    jobs = read_manifest(write(tmp_path, text))
    assert [j.name for j in jobs] == [
        "brand_a__geo", "brand_a__delayed", "brand_b_cn__geo", "brand_b_cn__delayed",
    ]  # fmt: skip
    by = {j.name: j.model_spec(read_tests=False) for j in jobs}
    assert by["brand_a__delayed"].adstock == "delayed" and by["brand_a__delayed"].draws == 200
    assert by["brand_b_cn__geo"].draws == 1000  # the job's own value, not the default


def test_sql_source(tmp_path: Path) -> None:
    (job,) = jobs_from_dict(
        {"jobs": {"c": {"data": "sqlite:///brands.db", "query": "weekly", "config": "c.toml"}}},
        base=tmp_path,
    )
    assert job.data == f"sqlite:///{tmp_path.resolve() / 'brands.db'}" and job.query == "weekly"
    with pytest.raises(ConfigError, match="add query"):
        jobs_from_dict({"jobs": {"c": {"data": "postgresql://h/db", "config": "c.toml"}}})


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        ({"jobs": {}}, "no jobs"),
        ({"jobs": {"a": {"data": "a.csv"}}}, "missing config"),
        (
            {"jobs": {"a": {"data": "a.csv", "config": "a.toml", "draw": 5}}},
            r"unknown key\(s\) 'draw'; allowed: data",
        ),
        ({"jobs": {"a": {"data": "a.csv", "config": "a.toml", "draws": 0}}}, "Job 'a': draws == 0"),
        ({"jobs": {"a": {"data": "a.csv", "config": "a.toml", "sampler": "x"}}}, "sampler == 'x'"),
        ({"jobs": {"a": {"data": "a.csv", "config": "a.toml", "max_change": -1}}}, "max_change"),
        (
            {"jobs": {"a": {"data": "a.csv", "config": "a.toml", "folds": 4}}},
            "mmm.analysis.validate",
        ),
        ({"jobs": {"../a": {"data": "a.csv", "config": "a.toml"}}}, "cannot name a run directory"),
        ({"job": {}}, "unknown top-level"),
    ],
)
def test_bad_manifests_say_what_and_where(raw: dict, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        jobs_from_dict(raw)


def test_job_names_must_be_unique_after_expansion() -> None:
    raw = {
        "jobs": {"a__x": {"data": "d", "config": "c"}, "a": {"data": "d", "config": "c"}},
        "variants": {"y": {}, "x__y": {}},
    }
    with pytest.raises(ConfigError, match="unique; repeated: 'a__x__y'"):
        jobs_from_dict(raw)


def test_cli_bad_manifest_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "[jobs.a]\ndata = 'a.csv'\n")
    assert main(["fit-many", str(path), "--out", str(tmp_path / "out")]) == 2
    assert "missing config" in capsys.readouterr().err
    assert main(["fit-many", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]) == 2
    bad = write(tmp_path, "[jobs.a\n")
    assert main(["fit-many", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_job_to_dict_is_what_a_rerun_compares() -> None:
    a = Job("a", "/d.csv", "/c.toml", spec={"draws": 10, "roi_prior": (1.0, 0.5)})
    b = Job("a", "/d.csv", "/c.toml", spec={"roi_prior": [1.0, 0.5], "draws": 10})
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != Job("a", "/d.csv", "/c.toml", spec={"draws": 11}).to_dict()


def test_cli_parses_the_batch_commands() -> None:
    from mmm.cli import build_parser

    args = build_parser().parse_args(["fit-many", "jobs.toml", "--out", "o", "--workers", "3"])
    assert (args.manifest, args.out, args.workers, args.scheduler, args.force) == (
        "jobs.toml", "o", 3, None, False,
    )  # fmt: skip
    args = build_parser().parse_args(
        ["benchmark", "recovery", "--brands", "40", "--out", "d", "--scheduler", "tcp://h:8786"]
    )
    assert (args.brands, args.scheduler, args.draws, args.no_lift_tests) == (
        40,
        "tcp://h:8786",
        500,
        False,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["fit-many", "j.toml", "--out", "o", "--workers", "2",
                                   "--scheduler", "tcp://h:1"])  # fmt: skip
