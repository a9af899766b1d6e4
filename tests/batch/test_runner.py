"""run_batch on a LocalCluster and in a plain loop: outputs, combined tables, metadata columns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vtract.batch import resolve_steps, run_batch
from vtract.errors import VtractError

from .conftest import make_study


def test_local_cluster_two_workers(study, tmp_path):
    out = tmp_path / "out"
    res = run_batch(study, out, workers=2, steps="framestats", quiet=True)
    assert res.scheduler == "local:2"
    assert res.ok and res.exit_code == 0
    assert sorted(res.processed) == ["sub01_s00", "sub01_s02", "sub02_s01"]
    # both worker processes did work (one task per session, 3 sessions on 2 workers)
    assert len({r["pid"] for r in res.results}) == 2
    for sid in res.processed:
        d = out / sid
        assert {"frames.csv", "qc.png", "session.json"} <= {p.name for p in d.iterdir()}
        rec = json.loads((d / "session.json").read_text())
        assert rec["status"] == "ok"
        assert rec["entry"]["sequence"].endswith(f"{sid}.nii.gz")
        assert rec["input_checksums"]["sequence"].startswith("sha256:")
        assert rec["summary"]["n_frames"] == 12
        assert rec["worker"]["peak_rss_mb"] > 10

    frames = pd.read_parquet(out / "frames.parquet")
    # metadata columns first (the union of the sessions' group keys), then the per-frame columns
    assert list(frames.columns[:6]) == ["session_id", "subject", "task", "style", "instrument",
                                        "frame"]
    assert len(frames) == 3 * 12
    # the synthetic square has intensity 100 + 10*i + k in session i, frame k
    s1 = frames[frames.session_id == "sub02_s01"].sort_values("frame")
    np.testing.assert_allclose(s1["p99_intensity"], 110 + np.arange(12), rtol=1e-5)
    assert s1["style"].iloc[0] == "belting" and s1["subject"].iloc[0] == "sub02"
    assert frames.loc[frames.session_id == "sub01_s02", "instrument"].eq("trumpet").all()

    sessions = pd.read_csv(out / "sessions.csv")
    assert sessions["status"].tolist() == ["ok", "ok", "ok"]
    assert sessions["n_frames"].tolist() == [12, 12, 12]
    np.testing.assert_allclose(sessions["duration_s"], 0.6)
    assert (sessions["runtime_s"] > 0).all()
    assert pd.read_csv(out / "failures.csv").empty

    # the in-process loop (workers=0) gives the same combined table
    loop = run_batch(study, tmp_path / "loop", workers=0, steps=["framestats"], quiet=True)
    assert loop.scheduler == "loop"
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "loop" / "frames.parquet"), frames)


def test_steps_are_validated():
    assert resolve_steps("framestats") == ("framestats",)
    with pytest.raises(VtractError, match="unknown batch step 'segmnt'"):
        resolve_steps("segmnt")
    assert resolve_steps([]) == ()


def test_session_without_audio(tmp_path):
    manifest = make_study(tmp_path / "data", n_sessions=1, audio=False)
    res = run_batch(manifest, tmp_path / "out", workers=0, steps="framestats", quiet=True)
    rec = json.loads((tmp_path / "out" / "sub01_s00" / "session.json").read_text())
    assert res.ok and rec["entry"]["audio"] is None and rec["summary"]["audio_duration_s"] is None


def test_existing_scheduler_address(study, tmp_path):
    """--scheduler: connect to a running cluster (here a LocalCluster started by the test)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        res = run_batch(study, tmp_path / "out", scheduler=cluster.scheduler_address,
                        steps="framestats", quiet=True)
        assert res.scheduler == cluster.scheduler_address
        assert res.ok and len(res.processed) == 3
        # a cluster object works too (dask-jobqueue style); it stays up for its owner
        res = run_batch(study, tmp_path / "out", scheduler=cluster, steps="framestats",
                        quiet=True, force=True)
        assert res.ok and res.scheduler == cluster.scheduler_address
        assert len(cluster.workers) == 1
        # a scheduler file, as `dask scheduler --scheduler-file` writes it
        sfile = tmp_path / "scheduler.json"
        sfile.write_text(json.dumps({"address": cluster.scheduler_address}))
        res = run_batch(study, tmp_path / "out", scheduler=str(sfile), steps="framestats",
                        quiet=True, force=True)
        assert res.ok and res.scheduler == cluster.scheduler_address
    assert len(pd.read_parquet(tmp_path / "out" / "frames.parquet")) == 36


def test_acoustics_and_sync_steps(tmp_path):
    from .conftest import TONE_HZ

    manifest = make_study(tmp_path / "data", n_sessions=2, n_frames=40)
    out = tmp_path / "out"
    res = run_batch(manifest, out, workers=0, steps="acoustics,sync", quiet=True)
    assert res.ok, res.failures.to_dict("records")
    sync = json.loads((out / "sub01_s00" / "sync.json").read_text())
    assert sync["audio_offset_s"] == 0.0 and sync["method"] == "metadata"
    synced = pd.read_parquet(out / "synced.parquet")
    assert len(synced) == 2 * 40
    assert list(synced.columns[:4]) == ["session_id", "subject", "task", "style"]
    np.testing.assert_allclose(synced["audio_time_s"], synced["time_s"])
    voiced = synced["f0_hz"].dropna()
    assert len(voiced) > 60
    np.testing.assert_allclose(voiced.median(), TONE_HZ, rtol=0.01)
    acoustics = pd.read_parquet(out / "acoustics.parquet")
    assert {"session_id", "f0_hz", "f1_hz", "intensity_db"} <= set(acoustics.columns)
    sessions = pd.read_csv(out / "sessions.csv")
    assert sessions["sync_method"].tolist() == ["metadata", "metadata"]


def test_load_result(tmp_path):
    from vtract.batch import load_result
    from vtract.errors import FileFormatError

    manifest = make_study(tmp_path / "data", n_sessions=2, n_frames=40)
    out = tmp_path / "out"
    run_batch(manifest, out, workers=0, steps="acoustics,sync", quiet=True)
    r = load_result(out / "sub02_s01")
    assert r.session.session_id == "sub02_s01" and r.session.audio_offset_s == 0.0
    assert r.session.sequence.n_frames == 40 and r.session.group == {"style": "belting"}
    assert r.labels is None and r.measures is None
    assert len(r.synced) == 40 and r.sync["method"] == "metadata"
    assert r.acoustics["time_s"].is_monotonic_increasing
    with pytest.raises(FileFormatError, match="not a finished vtract session folder"):
        load_result(tmp_path / "data")
