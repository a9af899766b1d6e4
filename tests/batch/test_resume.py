"""Re-runs skip finished sessions; changed inputs or settings recompute; a killed run resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from vtract import Sequence
from vtract.batch import run_batch
from vtract.io import write_sequence

from .conftest import make_study


def _mtimes(out, ids):
    return {sid: (out / sid / "session.json").stat().st_mtime_ns for sid in ids}


def test_rerun_skips_everything(study, tmp_path):
    out = tmp_path / "out"
    first = run_batch(study, out, workers=0, steps="framestats", quiet=True)
    before = _mtimes(out, first.processed)
    second = run_batch(study, out, workers=2, steps="framestats", quiet=True)
    assert second.processed == [] and sorted(second.skipped) == sorted(first.processed)
    assert second.scheduler == "none"  # nothing to do: no cluster is started
    assert _mtimes(out, first.processed) == before
    assert len(pd.read_parquet(out / "frames.parquet")) == 36


def test_changed_settings_steps_inputs_and_force_recompute(study, tmp_path):
    out = tmp_path / "out"
    run_batch(study, out, workers=0, steps="framestats", quiet=True)
    res = run_batch(study, out, workers=0, steps="framestats", quiet=True,
                    settings={"framestats": {"note": "v2"}})
    assert len(res.processed) == 3
    rec = json.loads((out / "sub01_s00" / "session.json").read_text())
    assert rec["settings"] == {"framestats": {"note": "v2"}}
    # a changed input file recomputes only that session
    seq = Sequence(np.ones((12, 16, 16), np.float32) * 7, fps=20.0, pixel_spacing_mm=(2.0, 2.0))
    write_sequence(seq, study.parent / "sub02_s01.nii.gz")
    res = run_batch(study, out, workers=0, steps="framestats", quiet=True,
                    settings={"framestats": {"note": "v2"}})
    assert res.processed == ["sub02_s01"] and len(res.skipped) == 2
    frames = pd.read_parquet(out / "frames.parquet")
    np.testing.assert_allclose(frames.loc[frames.session_id == "sub02_s01", "mean_intensity"], 7.0)
    # different steps recompute; --force recomputes everything
    res = run_batch(study, out, workers=0, steps=[], quiet=True)
    assert len(res.processed) == 3
    assert not (out / "frames.parquet").exists()  # no session has frames.csv for this run's record
    res = run_batch(study, out, workers=0, steps=[], quiet=True, force=True)
    assert len(res.processed) == 3 and res.skipped == []


def test_kill_and_resume(tmp_path):
    """SIGKILL a `vtract run` (driver and workers) after the first session, then resume."""
    manifest = make_study(tmp_path / "data", n_sessions=8, n_frames=40)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "vtract", "run", str(manifest), "--out", str(out), "--workers", "1",
           "--steps", "framestats", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if list(out.glob("[!.]*/session.json")):
                break
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole job, as a cluster scheduler would
        proc.wait()
    done = sorted(p.parent.name for p in out.glob("[!.]*/session.json"))
    assert 1 <= len(done) < 8, f"expected a partial run, got {len(done)} finished sessions"
    before = _mtimes(out, done)
    stamps = {sid: json.loads((out / sid / "session.json").read_text())["finished"] for sid in done}

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(done)} skipped" in rerun.stdout
    assert _mtimes(out, done) == before  # finished sessions were not recomputed
    assert {sid: json.loads((out / sid / "session.json").read_text())["finished"]
            for sid in done} == stamps
    frames = pd.read_parquet(out / "frames.parquet")
    assert frames.groupby("session_id").size().to_dict() == {f"sub{i % 2 + 1:02d}_s{i:02d}": 40
                                                             for i in range(8)}
    sessions = pd.read_csv(out / "sessions.csv")
    assert (sessions["status"] == "ok").all() and len(sessions) == 8
    assert not list(out.glob("*/.*.tmp*"))  # no temp files left behind
    assert not list(out.glob(".*.partial-*"))  # staging folders of the killed run were removed


def test_unchanged_inputs_are_not_rehashed(study, tmp_path, monkeypatch):
    from vtract.batch import _state

    out = tmp_path / "out"
    run_batch(study, out, workers=0, steps="framestats", quiet=True)
    rec = json.loads((out / "sub01_s00" / "session.json").read_text())
    assert rec["input_checksums"]["sequence"] == _state.file_checksum(
        study.parent / "sub01_s00.nii.gz")
    calls = []
    real = _state.file_checksum
    monkeypatch.setattr(_state, "file_checksum", lambda p: calls.append(p) or real(p))
    res = run_batch(study, out, workers=0, steps="framestats", quiet=True)
    assert len(res.skipped) == 3 and calls == []  # size + mtime unchanged: recorded sums reused
    os.utime(study.parent / "sub01_s00.wav")  # touched: re-hashed, same content -> still skipped
    res = run_batch(study, out, workers=0, steps="framestats", quiet=True)
    assert len(res.skipped) == 3 and [os.path.basename(p) for p in calls] == ["sub01_s00.wav"]


def test_changed_manifest_entry_recomputes(study, tmp_path):
    import yaml

    out = tmp_path / "out"
    run_batch(study, out, workers=0, steps="framestats", quiet=True)
    data = yaml.safe_load(study.read_text())
    data["sessions"][2]["pixel_spacing_mm"] = [1.5, 1.5]
    study.write_text(yaml.safe_dump(data))
    res = run_batch(study, out, workers=0, steps="framestats", quiet=True)
    assert res.processed == ["sub01_s02"] and len(res.skipped) == 2
    rec = json.loads((out / "sub01_s02" / "session.json").read_text())
    assert rec["summary"]["pixel_spacing_mm"] == [1.5, 1.5]
