"""The report's only reader of a batch output folder, through :func:`vtract.load_result` / ``load_run``.

Every file the report needs is read here (the batch layout itself is known only to
:mod:`vtract.results`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SessionData", "StudyData", "read_session", "read_study", "session_ids", "video_path"]

#: files the batch writes for the whole study (read for the study page)
STUDY_FILES = ("sessions.csv", "failures.csv", "measures.parquet", "acoustics.parquet",
               "synced.parquet")


@dataclass
class SessionData:
    """One session folder, as the report needs it.

    Attributes
    ----------
    session_id : str
        The session's id (its folder name).
    folder : Path
        ``OUT_DIR/<session_id>``.
    record : dict
        ``session.json`` for a finished session, ``failure.json`` for a failed one, ``{}`` otherwise.
    status : {"ok", "failed", "pending"}
        Whether the batch finished the session.
    session : vtract.Session or None
        Sequence and audio, with the synchronised clock (offset and drift) when ``sync.json`` exists.
    labels : ndarray of uint8, shape (n_frames, ny, nx), or None
        Label maps.
    measures, acoustics : DataFrame or None
        ``measures.csv`` (image clock) and ``acoustics.csv`` (audio clock).
    sync : dict or None
        ``sync.json``.
    files : list of Path
        Every regular file in the folder (sorted), for the page's data-file links.
    video : Path or None
        The articulation video: the batch's ``video.mp4`` in the session folder, else the one
        ``vtract demo`` renders into ``OUT_DIR/videos/<session_id>.mp4``.
    """

    session_id: str
    folder: Path
    record: dict[str, Any]
    status: str
    session: Any = None
    labels: np.ndarray | None = None
    measures: pd.DataFrame | None = None
    acoustics: pd.DataFrame | None = None
    sync: dict[str, Any] | None = None
    files: list[Path] = field(default_factory=list)
    video: Path | None = None


@dataclass
class StudyData:
    """The study-level tables of a run folder (``None`` where a file is absent)."""

    out_dir: Path
    sessions: pd.DataFrame | None
    failures: pd.DataFrame | None
    measures: pd.DataFrame | None
    acoustics: pd.DataFrame | None
    figures: list[Path] = field(default_factory=list)
    #: session id -> (status, manifest group dict) of every session with a record
    groups: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)


def session_ids(out_dir: str | os.PathLike) -> list[str]:
    """Session ids of a run folder: ``sessions.csv`` order, else every finished session folder."""
    from ..results import load_run

    run = load_run(out_dir)
    if "sessions" in run.paths:
        return [str(s) for s in run.sessions["session_id"]]
    return run.session_ids()


def video_path(out_dir: str | os.PathLike, session_id: str) -> Path | None:
    """Return the session's articulation video (batch ``video`` step first, then the demo's), or None."""
    for p in (Path(out_dir) / session_id / "video.mp4", Path(out_dir) / "videos" / f"{session_id}.mp4"):
        if p.is_file():
            return p
    return None


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def read_session(out_dir: str | os.PathLike, session_id: str) -> SessionData:
    """Read one session of a batch run (:func:`vtract.load_result`), or its failure record.

    Parameters
    ----------
    out_dir : path
        The run folder (``vtract run --out``).
    session_id : str
        The session's id.

    Returns
    -------
    SessionData
        Loaded outputs for a finished session (the session on the measured clock: offset and
        drift from ``sync.json``); the failure record and file list otherwise.
    """
    from ..errors import FileFormatError
    from ..results import SESSION_FILES, load_result

    folder = Path(out_dir) / session_id
    files = _files(folder)
    try:
        r = load_result(out_dir, session_id)
    except FileFormatError:
        fail = folder / SESSION_FILES["failure"]
        if fail.is_file():
            return SessionData(session_id, folder, json.loads(fail.read_text(encoding="utf-8")),
                               "failed", files=files)
        return SessionData(session_id, folder, {}, "pending", files=files)
    return SessionData(session_id, folder, r.record, "ok", session=r.session, labels=r.labels,
                       measures=r.measures, acoustics=r.acoustics, sync=r.sync, files=files,
                       video=video_path(out_dir, session_id))


def read_study(out_dir: str | os.PathLike) -> StudyData:
    """Read the study-level tables of a run folder (:func:`vtract.results.load_run`) and figures.

    Parameters
    ----------
    out_dir : path
        The run folder.

    Returns
    -------
    StudyData
    """
    from ..results import load_result, load_run

    out = Path(out_dir)
    run = load_run(out)
    figures = sorted((out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
    groups = {}
    for sid in run.session_ids():
        rec = load_result(out, sid).record
        groups[sid] = (str(rec.get("status")), dict((rec.get("entry") or {}).get("group") or {}))
    return StudyData(out, run.sessions if "sessions" in run.paths else None, run.failures,
                     run.measures, run.acoustics, figures, groups)
