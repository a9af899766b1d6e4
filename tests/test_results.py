"""load_result / load_run (vtract.results): the one reader of a batch output folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import vtract
from vtract.batch import run_batch
from vtract.errors import FileFormatError
from vtract.results import SESSION_FILES, load_result, load_run

from .batch.conftest import make_study


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    manifest = make_study(root / "data", n_sessions=2, n_frames=40)
    out = root / "out"
    run_batch(manifest, out, workers=0, steps="framestats,acoustics,sync", quiet=True)
    return out


def test_load_result_reads_every_output(run):
    r = vtract.load_result(run, "sub02_s01")
    assert r.session_id == "sub02_s01" and r.session_dir == run / "sub02_s01"
    s = r.session
    assert s.session_id == "sub02_s01" and s.sequence.n_frames == 40
    assert s.group == {"style": "belting"} and s.audio_offset_s == 0.0 and s.drift_ppm == 0.0
    assert r.labels is None and r.measures is None and r.contours is None
    assert len(r.synced) == 40 and r.sync["method"] == "metadata"
    assert r.acoustics["time_s"].is_monotonic_increasing
    assert len(r.frames) == 40 and "max_frame_change" in r.qc
    assert {"record", "acoustics", "synced", "sync", "frames", "qc_figure"} <= set(r.paths)
    assert all(p.is_file() for p in r.paths.values())
    assert r.record["status"] == "ok" and r.entry["id"] == "sub02_s01"


def test_session_folder_alone_and_batch_alias(run):
    assert load_result(run / "sub02_s01").session_id == "sub02_s01"
    assert vtract.batch.load_result is load_result


def test_measured_drift_reaches_the_session(run, tmp_path):
    import shutil

    d = tmp_path / "copy"
    shutil.copytree(run / "sub01_s00", d / "sub01_s00")
    rep = json.loads((d / "sub01_s00" / "sync.json").read_text())
    rep.update(audio_offset_s=0.125, drift_ppm=250.0)
    (d / "sub01_s00" / "sync.json").write_text(json.dumps(rep))
    s = load_result(d, "sub01_s00").session
    assert (s.audio_offset_s, s.drift_ppm) == (0.125, 250.0)
    np.testing.assert_allclose(s.clock.frame_start_audio_s(2), 0.125 + np.array([0, 1.00025 / 20]))


def test_errors_name_the_folder(run, tmp_path):
    with pytest.raises(FileFormatError, match="no session folder 'nope'.*sub01_s00, sub02_s01"):
        load_result(run, "nope")
    with pytest.raises(FileFormatError, match="holds 2 sessions"):
        load_result(run)
    failed = tmp_path / "out" / "bad"
    failed.mkdir(parents=True)
    (failed / SESSION_FILES["failure"]).write_text(json.dumps(
        {"status": "failed", "step": "read", "error_type": "FileFormatError", "message": "x.nii: bad"}))
    with pytest.raises(FileFormatError, match=r"bad: not a finished.*failed in step 'read'.*x.nii: bad"):
        load_result(tmp_path / "out", "bad")


def test_load_run_combined_tables(run):
    r = vtract.load_run(run)
    assert r.session_ids() == ["sub01_s00", "sub02_s01"]
    assert r.measures is None
    assert set(r.synced["session_id"]) == {"sub01_s00", "sub02_s01"} and len(r.synced) == 80
    assert r.sessions["status"].tolist() == ["ok", "ok"]
    assert r.failures.empty
    assert set(r.sync_reports()) == {"sub01_s00", "sub02_s01"}
    pd.testing.assert_frame_equal(r.result("sub01_s00").synced.reset_index(drop=True),
                                  r.synced.query("session_id == 'sub01_s00'")
                                  .drop(columns=["session_id", "subject", "task", "style"])
                                  .reset_index(drop=True), check_dtype=False)
    with pytest.raises(FileFormatError, match="no such run folder"):
        load_run(run / "missing")
