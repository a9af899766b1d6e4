"""Load a processed session folder back: the session (with its audio offset), labels and tables."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError
from ._state import SESSION_FILE, read_record

__all__ = ["SessionResult", "load_result"]


@dataclass
class SessionResult:
    """A finished session folder, loaded.

    Attributes
    ----------
    session : vtract.Session
        Sequence and audio re-read from the recorded input paths, with ``audio_offset_s`` from
        ``sync.json`` when the sync step ran.
    labels : ndarray of uint8, shape (n_frames, ny, nx), or None
        Label maps in the canonical view (``labels.nii.gz``).
    measures, acoustics, synced, contours : DataFrame or None
        The per-session tables, when written.
    sync : dict or None
        The ``sync.json`` report.
    record : dict
        ``session.json``.
    """

    session: Any
    labels: np.ndarray | None
    measures: pd.DataFrame | None
    acoustics: pd.DataFrame | None
    synced: pd.DataFrame | None
    contours: pd.DataFrame | None
    sync: dict[str, Any] | None
    record: dict[str, Any]


def load_result(session_dir: str | os.PathLike) -> SessionResult:
    """Load a session folder written by :func:`vtract.run_batch`.

    Parameters
    ----------
    session_dir : path
        ``DIR/<session_id>/`` with a ``session.json``.

    Returns
    -------
    SessionResult

    Raises
    ------
    FileFormatError
        When the folder holds no finished session (no ``session.json`` with status ``ok``).
    """
    from ..io import read_sequence
    from ._steps import STEPS, StepContext

    d = Path(session_dir)
    record = read_record(d)
    if not record or record.get("status") != "ok":
        raise FileFormatError(f"{d}: not a finished vtract session folder (no {SESSION_FILE} with "
                              "status 'ok'); run `vtract run` on its manifest first")
    ctx = StepContext(entry=dict(record["entry"]), out_dir=d)
    STEPS["read"].func(ctx)
    session = ctx.session
    sync = json.loads((d / "sync.json").read_text()) if (d / "sync.json").exists() else None
    if sync and sync.get("audio_offset_s") is not None:
        session = session.with_offset(sync["audio_offset_s"])
    labels = None
    if (d / "labels.nii.gz").exists():
        lab = read_sequence(d / "labels.nii.gz", fps=session.sequence.fps)
        labels = np.rint(lab.frames).astype(np.uint8)

    def table(name: str) -> pd.DataFrame | None:
        return pd.read_csv(d / name) if (d / name).exists() else None

    return SessionResult(session=session, labels=labels, measures=table("measures.csv"),
                         acoustics=table("acoustics.csv"), synced=table("synced.csv"),
                         contours=table("contours.csv"), sync=sync, record=record)
