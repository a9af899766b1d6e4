"""``vtract run`` and ``vtract demo`` from the command line."""

from __future__ import annotations

import pandas as pd

from vtract.cli import main

from .conftest import make_study


def test_cli_run_ok_then_skip(study, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["run", str(study), "--out", str(out), "--workers", "0", "--steps", "framestats",
               "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "3 processed, 0 skipped" in text and "sessions.csv" in text
    assert len(pd.read_parquet(out / "frames.parquet")) == 36
    rc = main(["run", str(study), "--out", str(out), "--workers", "0", "--steps", "framestats"])
    assert rc == 0
    assert "0 processed, 3 skipped" in capsys.readouterr().out


def test_cli_run_failure_exit_code(tmp_path, capsys):
    manifest = make_study(tmp_path / "data", n_sessions=2, corrupt="sub01_s00")
    rc = main(["run", str(manifest), "--out", str(tmp_path / "out"), "--workers", "0",
               "--steps", "framestats", "--quiet"])
    assert rc == 1
    captured = capsys.readouterr()
    assert "1 failed" in captured.out and "failures.csv" in captured.err


def test_cli_run_bad_step_and_settings(study, tmp_path, capsys):
    rc = main(["run", str(study), "--out", str(tmp_path / "o"), "--steps", "bogus"])
    assert rc == 1
    assert "unknown batch step 'bogus'" in capsys.readouterr().err
    bad = tmp_path / "settings.yaml"
    bad.write_text("- just a list\n")
    rc = main(["run", str(study), "--out", str(tmp_path / "o"), "--steps", "framestats",
               "--settings", str(bad)])
    assert rc == 1
    assert "settings must map step names" in capsys.readouterr().err


def test_cli_run_settings_file(study, tmp_path):
    s = tmp_path / "settings.yaml"
    s.write_text("framestats: {note: test}\n")
    out = tmp_path / "out"
    assert main(["run", str(study), "--out", str(out), "--workers", "0", "--steps", "framestats",
                 "--settings", str(s), "--quiet"]) == 0
    import json

    assert json.loads((out / "sub01_s00" / "session.json").read_text())["settings"] == {
        "framestats": {"note": "test"}}


def test_progress_lines_when_not_a_terminal(study, tmp_path, caplog):
    """Without a terminal (CI, log files) progress becomes one log line per session with counts."""
    import logging

    from vtract.batch import run_batch

    with caplog.at_level(logging.INFO, logger="vtract.batch"):
        run_batch(study, tmp_path / "out", workers=0, steps="framestats", quiet=False)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("[")]
    assert len(lines) == 3
    assert lines[-1].startswith("[3/3]") and "done 3 / failed 0 / remaining 0" in lines[-1]
    assert "ETA" in lines[0]
