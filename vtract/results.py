"""Read a batch run's outputs back: :func:`load_result` (one session) and :func:`load_run` (the run).

This module is the one place that knows the layout of a ``vtract run`` output folder; the CLI
(``vtract video``), :mod:`vtract.compare`, the demo, the notebooks and the HTML report read results
through it::

    OUT_DIR/
      sessions.csv  failures.csv  measures.parquet  acoustics.parquet  synced.parquet  frames.parquet
      <session_id>/
        session.json   (completion record, written last: entry, steps, summary incl. qc_* flags)
        labels.nii.gz  contours.csv  measures.csv  acoustics.csv  frames.csv
        sync.json      synced.csv    qc.png        video.mp4
        failure.json   (instead of session.json when the session failed)

Tables and label maps are read on first access, so loading a result to look at its record or its
sync report costs no image I/O.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import FileFormatError

__all__ = ["SESSION_FILES", "RUN_FILES", "SessionResult", "RunResult", "load_result", "load_run",
           "is_result_folder"]

#: files of a session folder, by kind (``SessionResult.paths`` uses these keys)
SESSION_FILES: dict[str, str] = {
    "record": "session.json",
    "failure": "failure.json",
    "labels": "labels.nii.gz",
    "contours": "contours.csv",
    "measures": "measures.csv",
    "acoustics": "acoustics.csv",
    "frames": "frames.csv",
    "sync": "sync.json",
    "synced": "synced.csv",
    "qc_figure": "qc.png",
    "video": "video.mp4",
}

#: files of the run folder, by kind (``RunResult.paths`` uses these keys)
RUN_FILES: dict[str, str] = {
    "sessions": "sessions.csv",
    "failures": "failures.csv",
    "measures": "measures.parquet",
    "acoustics": "acoustics.parquet",
    "synced": "synced.parquet",
    "frames": "frames.parquet",
}


def _read_json(path: Path) -> dict[str, Any] | None:
    """Read a JSON object; None when the file is absent or unreadable (a half-written record)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_result_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a ``vtract run`` session folder or a run folder holding sessions.

    Parameters
    ----------
    path : path
        Any path.

    Returns
    -------
    bool
        True for ``OUT_DIR/<session_id>/`` (finished or failed) and for ``OUT_DIR`` itself.
    """
    p = Path(path)
    if not p.is_dir():
        return False
    if (p / SESSION_FILES["record"]).is_file() or (p / SESSION_FILES["failure"]).is_file():
        return True
    return any((c / SESSION_FILES["record"]).is_file() for c in p.iterdir() if c.is_dir())


def _session_dir(out_dir: Path, session_id: str | None) -> Path:
    """Return the session folder meant by ``(out_dir, session_id)``; see :func:`load_result`."""
    record = SESSION_FILES["record"]
    if session_id is not None:
        d = out_dir / session_id
        if not d.is_dir():
            have = sorted(p.name for p in out_dir.iterdir() if (p / record).is_file()) \
                if out_dir.is_dir() else []
            raise FileFormatError(f"{out_dir}: no session folder {session_id!r}"
                                  + (f"; finished sessions: {', '.join(have[:10])}" if have
                                     else "; run `vtract run` on its manifest first"))
        return d
    if (out_dir / record).is_file() or (out_dir / SESSION_FILES["failure"]).is_file():
        return out_dir
    subs = sorted(p for p in out_dir.iterdir() if (p / record).is_file()) if out_dir.is_dir() else []
    if len(subs) == 1:
        return subs[0]
    if len(subs) > 1:
        raise FileFormatError(
            f"{out_dir}: holds {len(subs)} sessions ({', '.join(p.name for p in subs[:8])}"
            f"{' ...' if len(subs) > 8 else ''}); give one of them, e.g. "
            f"load_result({str(out_dir)!r}, {subs[0].name!r})")
    return out_dir


class SessionResult:
    """One finished session of a batch run, loaded from its folder.

    Built by :func:`load_result`; tables, label maps and the session (sequence and audio) are read
    on first access.

    Attributes
    ----------
    session_id : str
        The session's id (its folder name).
    session_dir : Path
        ``OUT_DIR/<session_id>/``.
    record : dict
        ``session.json``: the resolved manifest ``entry``, ``steps``, ``settings``, ``summary``,
        ``outputs``, ``notes``, ``step_errors``, ``warnings``, timings and versions.
    sync : dict or None
        ``sync.json`` (:meth:`vtract.SyncResult.to_dict`): ``audio_offset_s`` (s), ``drift_ppm``
        (ppm), ``method``, ``confidence`` (0-1), ``warnings``, ``details``; None when the sync step
        did not run or failed (see ``record["step_errors"]``).
    qc : dict
        The QC flags and scalars of the segmentation (``qc_*`` fields of the record's summary,
        e.g. ``qc_n_flagged``), plus ``max_frame_change`` when frame statistics were computed.
    paths : dict of str -> Path
        Every file of the folder that exists, by kind (keys of :data:`SESSION_FILES`).
    """

    def __init__(self, session_dir: Path, record: dict[str, Any]) -> None:
        self.session_dir = session_dir
        self.record = record
        self.session_id = str(record.get("session_id") or session_dir.name)
        self.paths = {k: session_dir / name for k, name in SESSION_FILES.items()
                      if (session_dir / name).is_file()}
        self.sync = _read_json(self.paths["sync"]) if "sync" in self.paths else None
        summary = record.get("summary") or {}
        self.qc = {k: v for k, v in summary.items()
                   if str(k).startswith("qc_") or k == "max_frame_change"}

    def __repr__(self) -> str:
        files = ", ".join(sorted(self.paths))
        return f"<SessionResult {self.session_id!r} in {self.session_dir} ({files})>"

    @property
    def entry(self) -> dict[str, Any]:
        """The resolved manifest entry the session was run with (absolute paths)."""
        return dict(self.record.get("entry") or {})

    @cached_property
    def session(self):
        """The :class:`vtract.Session`, re-read from the recorded inputs, on the run's clock.

        Its ``audio_offset_s`` and ``drift_ppm`` come from ``sync.json`` when the sync step ran
        (else the manifest's offset), so ``session.clock`` is the measured clock.
        """
        from .manifest import session_from_entry

        session = session_from_entry(self.entry)
        if self.sync and self.sync.get("audio_offset_s") is not None:
            session = session.with_sync(self.sync)
        return session

    @cached_property
    def labels(self) -> np.ndarray | None:
        """Label maps, shape (n_frames, ny, nx), uint8, canonical view (``labels.nii.gz``)."""
        path = self.paths.get("labels")
        if path is None:
            return None
        return read_label_maps(path, self.session.sequence)

    def _table(self, kind: str) -> pd.DataFrame | None:
        path = self.paths.get(kind)
        return pd.read_csv(path) if path is not None else None

    @cached_property
    def measures(self) -> pd.DataFrame | None:
        """Per-frame measures (``measures.csv``; ``time_s`` image clock, s; mm, mm²)."""
        return self._table("measures")

    @cached_property
    def acoustics(self) -> pd.DataFrame | None:
        """Acoustic features (``acoustics.csv``; ``time_s`` on the AUDIO clock, s)."""
        return self._table("acoustics")

    @cached_property
    def synced(self) -> pd.DataFrame | None:
        """One row per frame: measures plus frame-averaged acoustics (``synced.csv``)."""
        return self._table("synced")

    @cached_property
    def contours(self) -> pd.DataFrame | None:
        """Contour points per frame and structure (``contours.csv``; mm)."""
        return self._table("contours")

    @cached_property
    def frames(self) -> pd.DataFrame | None:
        """Per-frame image statistics (``frames.csv``)."""
        return self._table("frames")


def read_label_maps(path: str | os.PathLike, sequence) -> np.ndarray:
    """Read label maps that belong to ``sequence`` (checked shape) as uint8.

    Parameters
    ----------
    path : path
        Label file (NIfTI, as written by :func:`vtract.write_labels`).
    sequence : Sequence
        The sequence the labels belong to (its fps is used to read the file).

    Returns
    -------
    ndarray, shape (n_frames, ny, nx), uint8
        Label values (:mod:`vtract.labels`) in the canonical view.

    Raises
    ------
    FileFormatError
        When the label maps do not have the sequence's shape.
    """
    from .io import read_sequence

    lab = read_sequence(path, fps=sequence.fps)
    if lab.frames.shape != sequence.frames.shape:
        raise FileFormatError(f"{path}: label maps have shape {lab.frames.shape}, the sequence "
                              f"{sequence.frames.shape}; they belong to another sequence")
    return np.rint(lab.frames).astype(np.uint8)


def load_result(out_dir: str | os.PathLike, session_id: str | None = None) -> SessionResult:
    """Load one finished session of a ``vtract run`` output folder.

    The signature is stable: ``load_result(OUT_DIR, session_id)``; the returned object's
    attributes are documented in :class:`SessionResult`.

    Parameters
    ----------
    out_dir : path
        The run folder given to ``vtract run`` / :func:`vtract.run_batch`. With ``session_id``
        None it may also be a session folder (``OUT_DIR/<session_id>/``) or a run folder holding
        exactly one session.
    session_id : str, optional
        The session (its folder name under ``out_dir``).

    Returns
    -------
    SessionResult
        ``session`` (a :class:`vtract.Session` with the measured offset and drift), ``labels``
        (uint8 label maps or None), ``measures``, ``acoustics``, ``synced``, ``contours``,
        ``frames`` (DataFrames or None), ``sync`` (the sync report or None), ``qc`` (QC flags),
        ``record`` (``session.json``) and ``paths`` (every file, by kind).

    Raises
    ------
    FileFormatError
        When there is no such session folder, or it holds no finished session (no
        ``session.json`` with status ``ok``; a failed session's error is quoted).

    Examples
    --------
    >>> r = vtract.load_result("out", "s01_classical_1")         # doctest: +SKIP
    >>> r.synced.plot(x="time_s", y=["lip_aperture_mm", "f0_hz"])  # doctest: +SKIP
    """
    d = _session_dir(Path(out_dir), session_id)
    record = _read_json(d / SESSION_FILES["record"])
    if not record or record.get("status") != "ok":
        failure = _read_json(d / SESSION_FILES["failure"])
        why = (f"; it failed in step {failure.get('step')!r}: {failure.get('error_type')}: "
               f"{failure.get('message')}") if failure else ""
        raise FileFormatError(f"{d}: not a finished vtract session folder (no "
                              f"{SESSION_FILES['record']} with status 'ok'){why}; run `vtract run` "
                              "on its manifest first")
    return SessionResult(d, record)


class RunResult:
    """A whole ``vtract run`` output folder: its combined tables and its sessions.

    Attributes
    ----------
    out_dir : Path
        The run folder.
    paths : dict of str -> Path
        Every run-level file that exists, by kind (keys of :data:`RUN_FILES`).
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.paths = {k: out_dir / name for k, name in RUN_FILES.items() if (out_dir / name).is_file()}

    def __repr__(self) -> str:
        return f"<RunResult {self.out_dir} ({', '.join(sorted(self.paths))})>"

    def _combined(self, kind: str) -> pd.DataFrame | None:
        path = self.paths.get(kind)
        return pd.read_parquet(path) if path is not None else None

    @property
    def sessions(self) -> pd.DataFrame:
        """``sessions.csv``: one row per manifest session (status, summary, ``sync_*``, ``qc_*``)."""
        path = self.paths.get("sessions")
        if path is None:
            raise FileFormatError(f"{self.out_dir}: no {RUN_FILES['sessions']}; run `vtract run` first")
        return pd.read_csv(path)

    @property
    def failures(self) -> pd.DataFrame:
        """``failures.csv``: one row per failed session (empty when none)."""
        from .batch._combine import FAILURE_COLUMNS

        path = self.paths.get("failures")
        return pd.read_csv(path) if path is not None else pd.DataFrame(columns=FAILURE_COLUMNS)

    @property
    def measures(self) -> pd.DataFrame | None:
        """Combined per-frame measures (``measures.parquet``) with metadata columns."""
        return self._combined("measures")

    @property
    def acoustics(self) -> pd.DataFrame | None:
        """Combined acoustic tables (``acoustics.parquet``; audio clock)."""
        return self._combined("acoustics")

    @property
    def synced(self) -> pd.DataFrame | None:
        """Combined synchronised tables (``synced.parquet``)."""
        return self._combined("synced")

    @property
    def frames(self) -> pd.DataFrame | None:
        """Combined frame statistics (``frames.parquet``)."""
        return self._combined("frames")

    def session_ids(self) -> list[str]:
        """Ids of the finished sessions (folders with a ``session.json``), sorted.

        Returns
        -------
        list of str
            Session ids.
        """
        rec = SESSION_FILES["record"]
        return sorted(p.name for p in self.out_dir.iterdir() if (p / rec).is_file())

    def result(self, session_id: str) -> SessionResult:
        """:func:`load_result` of one session of this run.

        Parameters
        ----------
        session_id : str
            The session.

        Returns
        -------
        SessionResult
            See :func:`load_result`.
        """
        return load_result(self.out_dir, session_id)

    def sync_reports(self) -> dict[str, Mapping[str, Any]]:
        """Sync reports (``sync.json``) of the finished sessions that have one, by session id.

        Returns
        -------
        dict of str -> dict
            ``audio_offset_s`` (s), ``drift_ppm`` (ppm), ``method``, ``confidence`` ... per session.
        """
        out = {}
        for sid in self.session_ids():
            rep = _read_json(self.out_dir / sid / SESSION_FILES["sync"])
            if rep is not None:
                out[sid] = rep
        return out


def load_run(out_dir: str | os.PathLike) -> RunResult:
    """Open a ``vtract run`` output folder.

    Parameters
    ----------
    out_dir : path
        The run folder.

    Returns
    -------
    RunResult
        Combined tables (``measures``, ``acoustics``, ``synced``, ``frames``: DataFrames or None),
        ``sessions`` and ``failures`` tables, ``session_ids()``, ``result(session_id)``.

    Raises
    ------
    FileFormatError
        When ``out_dir`` is not a folder.
    """
    d = Path(out_dir)
    if not d.is_dir():
        raise FileFormatError(f"{d}: no such run folder; run `vtract run MANIFEST -o {d}` first")
    return RunResult(d)
