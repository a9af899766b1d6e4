"""Two runs on one folder (the run lock) and a worker killed mid-session (no partial outputs)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from vtract.batch import RunLockedError, run_batch
from vtract.batch._lock import LOCK_FILE, run_lock
from vtract.cli import main

from .conftest import make_study


def test_second_run_on_the_same_folder_is_refused(tmp_path, capsys):
    manifest = make_study(tmp_path / "data", n_sessions=1)
    out = tmp_path / "out"
    out.mkdir()
    with run_lock(out):  # another run holds the folder (flock: a second open file conflicts)
        with pytest.raises(RunLockedError, match=rf"\.vtract-run\.lock: another vtract run \(PID "
                                                 rf"{os.getpid()} on .*\) is writing into"):
            run_batch(manifest, out, workers=0, steps="framestats", quiet=True)
        assert main(["run", str(manifest), "--out", str(out), "--workers", "0", "--steps",
                     "framestats", "--quiet"]) == 1
        err = capsys.readouterr().err
        assert LOCK_FILE in err and f"PID {os.getpid()}" in err and len(err.strip().splitlines()) == 1
        assert not (out / "sub01_s00").exists()  # nothing was written
    # released: the run goes ahead (a lock file left by a dead process does not block either)
    assert (out / LOCK_FILE).exists()
    assert run_batch(manifest, out, workers=0, steps="framestats", quiet=True).ok


@pytest.mark.slow
def test_worker_killed_mid_session_leaves_no_partial_outputs(tmp_path):
    """SIGKILL the Dask worker (not the client) while it computes a session, then run again."""
    import dask

    manifest = make_study(tmp_path / "data", n_sessions=2, n_frames=160)
    out = tmp_path / "out"
    killed: dict[str, int] = {}

    def kill_first_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for stage in out.glob(".*.partial-*"):  # a session is being computed by this worker
                sid, pid = stage.name[1:].split(".partial-")[0], int(stage.name.split("-")[-2])
                os.kill(pid, signal.SIGKILL)
                killed[sid] = pid
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    # no automatic re-submission by Dask: the killed session must be picked up by the NEXT run
    with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                          "distributed.scheduler.worker-saturation": 1.0}):
        first = run_batch(manifest, out, workers=1, steps="framestats,acoustics", quiet=True)
    killer.join()
    assert len(killed) == 1, "the worker was not caught mid-session"
    (sid,) = killed
    assert sid in first.failed
    for failed in first.failed:  # the failure record and nothing else; no session.json
        assert sorted(p.name for p in (out / failed).iterdir()) == ["failure.json"]
        assert json.loads((out / failed / "failure.json").read_text())["step"] == "worker"
    assert list(out.glob(f".{sid}.partial-*"))  # the abandoned staging folder, hidden
    second = run_batch(manifest, out, workers=0, steps="framestats,acoustics", quiet=True)
    assert sorted(second.processed) == sorted(first.failed) and second.ok
    assert not list(out.glob(".*.partial-*"))  # cleaned up by the next run
    rec = json.loads((out / sid / "session.json").read_text())
    assert rec["status"] == "ok" and {"frames.csv", "acoustics.csv", "qc.png"} <= set(rec["outputs"])
    assert not (out / sid / "failure.json").exists()
