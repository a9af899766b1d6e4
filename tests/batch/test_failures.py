"""A failing session is recorded and isolated; the others complete; exit status 1."""

from __future__ import annotations

import json

import pandas as pd

from vtract.batch import run_batch

from .conftest import make_study


def test_corrupt_file_is_isolated(tmp_path):
    manifest = make_study(tmp_path / "data", n_sessions=4, corrupt="sub02_s01")
    out = tmp_path / "out"
    res = run_batch(manifest, out, workers=1, steps="framestats", quiet=True)
    assert res.scheduler == "local:1"  # the error is caught inside the Dask worker's task
    assert res.failed == ["sub02_s01"] and res.exit_code == 1
    assert sorted(res.processed) == ["sub01_s00", "sub01_s02", "sub02_s03"]
    fail = pd.read_csv(out / "failures.csv")
    assert list(fail.columns) == ["session_id", "step", "error_type", "message", "time"]
    assert fail.loc[0, "session_id"] == "sub02_s01" and fail.loc[0, "step"] == "read"
    assert fail.loc[0, "error_type"] == "FileFormatError"
    assert "sub02_s01.nii.gz" in fail.loc[0, "message"]
    assert not (out / "sub02_s01" / "session.json").exists()
    assert json.loads((out / "sub02_s01" / "failure.json").read_text())["step"] == "read"
    sessions = pd.read_csv(out / "sessions.csv").set_index("session_id")
    assert sessions.loc["sub02_s01", "status"] == "failed"
    assert "FileFormatError" in sessions.loc["sub02_s01", "error"]
    assert set(pd.read_parquet(out / "frames.parquet").session_id) == set(res.processed)

    # fix the file: the re-run computes only that session and clears the failure
    make_study(tmp_path / "data", n_sessions=4)
    res = run_batch(manifest, out, workers=0, steps="framestats", quiet=True)
    assert res.processed == ["sub02_s01"] and res.ok
    assert pd.read_csv(out / "failures.csv").empty
    assert not (out / "sub02_s01" / "failure.json").exists()


def test_missing_audio_file_fails_that_session(tmp_path):
    manifest = make_study(tmp_path / "data", n_sessions=2)
    (tmp_path / "data" / "sub02_s01.wav").unlink()
    res = run_batch(manifest, tmp_path / "out", workers=0, steps="framestats", quiet=True)
    assert res.failed == ["sub02_s01"] and res.processed == ["sub01_s00"]
    fail = res.failures
    assert fail.loc[0, "step"] == "read" and "sub02_s01.wav" in fail.loc[0, "message"]


def test_sync_error_keeps_the_session(tmp_path):
    """No offset in the manifest and no gradient noise: SyncError is soft, the rest is kept."""
    import yaml

    manifest = make_study(tmp_path / "data", n_sessions=2, n_frames=40)
    data = yaml.safe_load(manifest.read_text())
    del data["sessions"][1]["audio_offset_s"]
    manifest.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    res = run_batch(manifest, out, workers=0, steps="acoustics,sync", quiet=True)
    assert res.ok and res.failed == [] and len(res.processed) == 2
    assert list(res.partial) == ["sub02_s01"] and "SyncError" in res.partial["sub02_s01"]["sync"]
    rec = json.loads((out / "sub02_s01" / "session.json").read_text())
    assert rec["step_errors"]["sync"]["error_type"] == "SyncError"
    assert "acoustics.csv" in rec["outputs"] and "synced.csv" not in rec["outputs"]
    sessions = pd.read_csv(out / "sessions.csv").set_index("session_id")
    assert sessions.loc["sub02_s01", "sync_error"].startswith("SyncError")
    assert pd.isna(sessions.loc["sub01_s00", "sync_error"])
    synced = pd.read_parquet(out / "synced.parquet")
    assert set(synced.session_id) == {"sub01_s00"}
    assert set(pd.read_parquet(out / "acoustics.parquet").session_id) == {"sub01_s00", "sub02_s01"}
