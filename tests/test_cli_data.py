"""`mmm validate` and `mmm init`, run in-process through ``main``."""

from __future__ import annotations

import numpy as np
import pytest

from mmm.cli import build_parser, main
from mmm.data.config import ChannelMap
from mmm.data.load import load


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


def test_validate_good_data(weekly_df, write_csv, issue_toml, capsys):
    path = write_csv(weekly_df)
    assert main(["validate", str(path), "--config", str(issue_toml)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert "60 weeks, 2024-01-01 to 2025-02-17" in out
    assert "wechat_posts" in out and "Data checks: PASS" in out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.drop(columns=["tv_spend"]), "'tv_spend'"),
        (lambda d: d.assign(revenue=1.0), "constant"),
        (lambda d: d.assign(weibo_spend=0.0), "Paid channel 'weibo'"),
        (lambda d: d.head(30), "at least 52"),
    ],
)
def test_validate_bad_data_exits_2_with_one_line(
    weekly_df, write_csv, issue_toml, capsys, change, expected
):
    path = write_csv(change(weekly_df))
    assert main(["validate", str(path), "--config", str(issue_toml)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in _one_error_line(err)


def test_validate_bad_map_and_missing_file(tmp_path, weekly_df, write_csv, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('date = "week"\n[channels.tv\n', encoding="utf-8")
    path = write_csv(weekly_df)
    assert main(["validate", str(path), "--config", str(bad)]) == 2
    assert "line 2" in _one_error_line(capsys.readouterr().err)
    assert main(["validate", str(tmp_path / "nope.csv"), "--config", str(bad)]) == 2
    assert "nope.csv" in _one_error_line(capsys.readouterr().err)


def test_validate_daily_partial_weeks(make_daily, write_csv, issue_toml, capsys):
    path = write_csv(make_daily(7 * 60 + 2))
    assert main(["validate", str(path), "-c", str(issue_toml)]) == 2
    assert "allow_partial_weeks" in _one_error_line(capsys.readouterr().err)
    assert main(["validate", str(path), "-c", str(issue_toml), "--allow-partial-weeks"]) == 0
    out, err = capsys.readouterr()
    assert err.startswith("warning: Dropped partial week") and "summed to weeks starting MON" in out


def test_init_drafts_a_map_that_loads(weekly_df, write_csv, tmp_path, capsys):
    df = weekly_df.rename(columns={"wechat_posts_units": "wechat_posts"}).assign(notes="ok")
    data = write_csv(df)
    out = tmp_path / "draft.toml"
    assert main(["init", str(data), "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "CHECK IT" in text
    cmap = ChannelMap.from_toml(out)
    assert (cmap.date, cmap.kpi) == ("week", "revenue")
    assert [c.name for c in cmap.by_media("paid")] == ["tv", "weibo", "search"]
    assert cmap.channel("weibo").social and not cmap.channel("tv").social
    assert cmap.channel("wechat").media == "owned" and cmap.channel("wechat").social
    assert cmap.channel("social").media == "earned"
    assert cmap.channel("social").driven_by == ("weibo", "wechat")
    assert cmap.controls == ("price_index", "promo_festival")
    assert "notes" in text  # listed as unused
    assert load(data, out).n_channels == 5
    assert main(["validate", str(data), "--config", str(out)]) == 0
    capsys.readouterr()
    assert main(["init", str(data), "--out", str(out)]) == 2  # no overwrite without --force
    assert "--force" in _one_error_line(capsys.readouterr().err)
    assert main(["init", str(data), "--out", str(out), "--force"]) == 0


def test_init_chinese_columns_to_stdout(weekly_df, write_csv, capsys):
    df = weekly_df.rename(
        columns={
            "week": "日期",
            "revenue": "销售额",
            "tv_spend": "电视_花费",
            "weibo_spend": "微博_投放",
            "search_spend": "达人_spend",
            "wechat_posts_units": "微信_推文",
            "social_mentions": "小红书_提及",
            "price_index": "价格",
        }
    )
    assert main(["init", str(write_csv(df, "数据.csv"))]) == 0
    text = capsys.readouterr().out
    cmap = ChannelMap.from_toml(text)
    assert cmap.channel_names == ("电视", "微博", "达人", "微信", "小红书")
    assert cmap.channel("小红书").driven_by == ("微博", "达人", "微信")
    assert not cmap.channel("电视").social
    assert np.isclose(load(df, cmap).data["spend"].sel(channel="微博").sum(), df["微博_投放"].sum())


def test_init_without_kpi_or_date_is_an_error(weekly_df, write_csv, capsys):
    assert main(["init", str(write_csv(weekly_df.drop(columns=["revenue"])))]) == 2
    assert "No KPI column" in _one_error_line(capsys.readouterr().err)
    assert main(["init", str(write_csv(weekly_df.drop(columns=["week"])))]) == 2
    assert "parses as dates" in _one_error_line(capsys.readouterr().err)


def test_parser_and_usage(capsys):
    assert build_parser().parse_args(["validate", "d.csv", "-c", "m.toml"]).command == "validate"
    assert main([]) == 2
    assert "validate" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "init" in capsys.readouterr().out
    assert main(["validate", "d.csv"]) == 2  # --config is required
    assert "--config" in capsys.readouterr().err


def test_the_mmm_executable_exits_fast_with_its_status_and_all_its_output(tmp_path) -> None:
    """The console script ends without CPython's module teardown (``exit_now``): its exit
    status and every line it printed (stdout to a file: block-buffered) still arrive."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    run = [sys.executable, "-c", "from mmm.cli import console; console()", "validate"]
    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        ok = subprocess.run(
            [
                *run,
                str(repo / "data/brand_weekly.csv"),
                "--config",
                str(repo / "data/brand_weekly.toml"),
            ],
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert ok.returncode == 0, ok.stderr
    text = out.read_text()
    assert "Data checks: PASS" in text and text.endswith("\n")
    bad = subprocess.run(
        [*run, str(tmp_path / "missing.csv"), "--config", str(repo / "data/brand_weekly.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "missing.csv" in bad.stderr


def test_single_model_commands_run_without_the_cyclic_gc_and_batch_commands_keep_it() -> None:
    import subprocess
    import sys

    script = (
        "import gc, sys\n"
        "import mmm.cli as cli\n"
        "cli.exit_now = lambda code: print(sys.argv[1], gc.isenabled(), code)\n"
        "sys.argv = ['mmm', *sys.argv[1:]]\n"
        "cli.console()\n"
    )
    seen = [
        subprocess.run(
            [sys.executable, "-c", script, cmd, "--help"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        for cmd in ("fit", "demo", "fit-many", "cv")
    ]
    assert seen == ["fit False 0", "demo False 0", "fit-many True 0", "cv True 0"]


def test_a_closed_pipe_on_stdout_ends_quietly(weekly_df, write_csv, issue_toml, capsys, monkeypatch):
    """`mmm validate … | head`: the reader went away; no "error: Broken pipe", status 141."""

    class ClosedPipe:
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    path = write_csv(weekly_df)
    monkeypatch.setattr("sys.stdout", ClosedPipe())
    assert main(["validate", str(path), "--config", str(issue_toml)]) == 141
    monkeypatch.undo()
    assert capsys.readouterr().err == ""
