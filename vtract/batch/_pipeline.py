"""One session through the pipeline: the function a Dask worker (or the plain loop) runs.

:func:`process_session` takes and returns plain dicts only (paths, numbers, strings), so it pickles
cleanly to any worker; the sequence, audio, segmentation and Parselmouth objects live and die inside it.
It never raises for a session's own problems: errors come back as ``status="failed"`` with the step,
the exception type and the message, and are also written to ``failure.json`` in the session folder.

Every output is written into a hidden staging folder beside the session folder
(``DIR/.<session_id>.partial-<pid>-<n>/``) and moved into place in one rename when the session has
finished, ``session.json`` included. A worker killed mid-session (out of memory, a cluster
pre-empting it) therefore leaves no partial outputs in ``DIR/<session_id>/``: the session has no
``session.json`` and is recomputed by the next run, which also removes the abandoned staging folder
(:func:`remove_stale_staging`).
"""

from __future__ import annotations

import os
import resource
import sys
import time
import traceback
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._version import __version__
from ._state import FAILURE_FILE, clear_partial, write_record
from ._steps import STEPS, StepContext

__all__ = ["process_session", "peak_rss_mb", "staging_dir", "remove_stale_staging"]

#: marker in the names of staging folders (``.<session_id>.partial-<pid>-<n>``)
_STAGING = ".partial-"
_OLD = ".replaced-"


def staging_dir(session_dir: Path) -> Path:
    """Return a fresh, hidden staging folder beside ``session_dir`` for one attempt at a session.

    Parameters
    ----------
    session_dir : Path
        ``DIR/<session_id>/``.

    Returns
    -------
    Path
        ``DIR/.<session_id>.partial-<pid>-<time_ns>/`` (created, empty); the PID is the worker's.
    """
    d = session_dir.parent / f".{session_dir.name}{_STAGING}{os.getpid()}-{time.time_ns()}"
    d.mkdir(parents=True)
    return d


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Delete staging folders left by killed workers (call only while holding the run lock).

    Parameters
    ----------
    out_dir : Path
        The run folder.

    Returns
    -------
    list of Path
        The folders removed.
    """
    import shutil

    gone = []
    for d in sorted(Path(out_dir).glob(".*")):
        if d.is_dir() and (_STAGING in d.name or _OLD in d.name):
            shutil.rmtree(d, ignore_errors=True)
            gone.append(d)
    return gone


def _commit(staging: Path, final: Path) -> None:
    """Move a finished staging folder into place (the previous folder goes away in one rename)."""
    import shutil

    old = None
    if final.exists():
        old = final.parent / f".{final.name}{_OLD}{os.getpid()}-{time.time_ns()}"
        os.replace(final, old)
    os.replace(staging, final)  # a kill between the two renames leaves no folder: recomputed
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (``getrusage``; Linux reports KiB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def process_session(task: dict[str, Any]) -> dict[str, Any]:
    """Run every step of one session and write its folder; ``session.json`` is written last.

    Parameters
    ----------
    task : dict
        ``session_id``; ``entry`` (resolved manifest entry, absolute paths); ``out_dir`` (the session
        folder); ``steps`` (resolved step names); ``settings`` (per-step dicts); ``input_checksums``;
        ``settings_fingerprint``; ``manifest`` (path or None); ``study``.

    Returns
    -------
    dict
        ``session_id``, ``status`` ("ok" or "failed"), ``runtime_s`` (wall), ``cpu_s`` (CPU time of
        the worker process during the task; ok only), ``n_frames``, ``peak_rss_mb``,
        ``pid``, ``host`` and, when failed, ``step``, ``error_type``, ``message``, ``time``.
    """
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    started = _now()
    out_dir = Path(task["out_dir"])
    stage = staging_dir(out_dir)
    ctx = StepContext(entry=dict(task["entry"]), out_dir=stage, settings=dict(task.get("settings") or {}))
    runtimes: dict[str, float] = {}
    step_errors: dict[str, dict[str, str]] = {}
    order = ["read", *task["steps"], "qc"]
    current = "read"
    caught: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as wlist:
            warnings.simplefilter("always")
            for current in order:
                t0 = time.perf_counter()
                try:
                    STEPS[current].func(ctx)
                except Exception as exc:
                    if type(exc).__name__ not in STEPS[current].soft_errors:
                        raise
                    message = " ".join(str(exc).split()) or type(exc).__name__
                    step_errors[current] = {"error_type": type(exc).__name__, "message": message}
                    ctx.summary[f"{current}_error"] = f"{type(exc).__name__}: {message}"
                    ctx.notes.append(f"{current} failed ({type(exc).__name__}: {message}); its "
                                     "outputs are missing, the other steps' results are complete")
                runtimes[current] = round(time.perf_counter() - t0, 4)
            caught = sorted({f"{w.category.__name__}: {w.message}" for w in wlist})
    except Exception as exc:  # failure isolation: any error of this session is recorded, not raised
        message = " ".join(str(exc).split()) or type(exc).__name__
        failure = {"session_id": task["session_id"], "step": current, "error_type": type(exc).__name__,
                   "message": message, "time": _now(), "traceback": traceback.format_exc(limit=8),
                   "input_checksums": task.get("input_checksums"),
                   "settings_fingerprint": task.get("settings_fingerprint")}
        import shutil

        shutil.rmtree(stage, ignore_errors=True)
        out_dir.mkdir(parents=True, exist_ok=True)
        clear_partial(out_dir)  # no outputs of an earlier run vouch for this failed attempt
        write_record(out_dir, failure, FAILURE_FILE)
        return {**{k: failure[k] for k in ("session_id", "step", "error_type", "message", "time")},
                "status": "failed", "runtime_s": time.perf_counter() - t_start,
                "n_frames": ctx.summary.get("n_frames"), "peak_rss_mb": peak_rss_mb(),
                "pid": os.getpid(), "host": os.uname().nodename}
    runtime = time.perf_counter() - t_start
    record = {
        "status": "ok",
        "session_id": task["session_id"],
        "study": task.get("study"),
        "manifest": task.get("manifest"),
        "entry": ctx.entry,
        "steps": list(task["steps"]),
        "settings": ctx.settings,
        "settings_fingerprint": task.get("settings_fingerprint"),
        "input_checksums": task.get("input_checksums"),
        "input_stats": task.get("input_stats"),
        "summary": ctx.summary,
        "outputs": sorted(set(ctx.outputs)),
        "notes": ctx.notes,
        "step_errors": step_errors,
        "warnings": caught,
        "vtract_version": __version__,
        "started": started,
        "finished": _now(),
        "runtime_s": round(runtime, 4),
        "cpu_s": round(time.process_time() - cpu_start, 4),
        "step_runtimes_s": runtimes,
        "worker": {"pid": os.getpid(), "host": os.uname().nodename, "peak_rss_mb": round(peak_rss_mb(), 1)},
    }
    write_record(stage, record)  # the completion marker: last
    _commit(stage, out_dir)
    return {"session_id": task["session_id"], "status": "ok", "runtime_s": runtime,
            "cpu_s": record["cpu_s"],
            "step_errors": {k: f"{v['error_type']}: {v['message']}" for k, v in step_errors.items()},
            "n_frames": ctx.summary.get("n_frames"), "peak_rss_mb": record["worker"]["peak_rss_mb"],
            "pid": os.getpid(), "host": os.uname().nodename}
