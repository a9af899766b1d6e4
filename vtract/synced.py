"""The synchronised table: per-frame measures plus acoustic features averaged over each frame's audio span.

Frame ``k``'s audio span comes from the session's :class:`~vtract.clock.Clock` (audio offset and
drift, ``shared/DESIGN.md``: "acoustic features resampled to frames are averaged over each frame's
span, not point-sampled"). The offset itself is estimated by :func:`vtract.synchronize`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .clock import Clock
from .errors import DataValueError, VtractWarning
from .session import Session

__all__ = ["synced_table", "frame_spans", "session_clock"]


def session_clock(session: Session, sync: Any = None, *, assume_zero: bool = False) -> Clock:
    """Return the clock of a session: from a sync result when given, else ``session.clock``.

    Parameters
    ----------
    session : Session
        Provides the sequence's ``t0_s`` (s) and ``fps`` (frames/s), and the clock when ``sync`` is
        None.
    sync : SyncResult or mapping, optional
        :func:`vtract.synchronize` output or its ``sync.json`` report (``audio_offset_s`` in s,
        ``drift_ppm`` in ppm).
    assume_zero : bool
        When neither ``sync`` nor ``session.audio_offset_s`` is known, return a clock with offset
        0 s and no drift (audio and frames start together) instead of raising.

    Returns
    -------
    Clock
        Offset and drift applied on the sequence's image clock.

    Raises
    ------
    MissingMetadataError
        When the offset is unknown and ``assume_zero`` is false.
    """
    seq = session.sequence
    if sync is not None:
        return Clock.from_sync(sync, t0_s=seq.t0_s, fps=seq.fps)
    if session.audio_offset_s is None and assume_zero:
        return Clock(audio_offset_s=0.0, fps=seq.fps, t0_s=seq.t0_s)
    return session.clock


def frame_spans(clock: Clock | Any, n_frames: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Audio-clock start and end (s) of every frame.

    Parameters
    ----------
    clock : Clock or SyncResult
        The session's clock, or a :class:`vtract.sync.SyncResult` (its ``n_frames`` is the default
        ``n_frames``).
    n_frames : int, optional
        Number of frames (required with a :class:`Clock`).

    Returns
    -------
    start, end : ndarray, shape (n_frames,)
        Audio-clock span of each frame (s), drift included.
    """
    if n_frames is None:
        n_frames = int(getattr(clock, "n_frames", 0) or 0)
        if not n_frames:
            raise DataValueError("frame_spans: give n_frames (the clock does not know it)")
    if not isinstance(clock, Clock):
        clock = Clock.from_sync(clock)
    return clock.frame_spans_audio_s(int(n_frames))


def _frame_average(times: np.ndarray, values: np.ndarray, start: np.ndarray,
                   end: np.ndarray) -> np.ndarray:
    """Mean of ``values`` whose ``times`` fall in each [start, end); NaN-aware.

    Frames too short to contain an analysis frame get the linearly interpolated value at their
    centre instead. Written with cumulative sums (not ``pandas.cut``/``groupby``) because it is
    vectorised over frames and keeps the half-open span convention exactly.
    """
    v = np.asarray(values, dtype=float)
    ok = np.isfinite(v)
    cs = np.concatenate([[0.0], np.cumsum(np.where(ok, v, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    i0 = np.searchsorted(times, start, side="left")
    i1 = np.searchsorted(times, end, side="left")
    cnt = cn[i1] - cn[i0]
    tot = i1 - i0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (cs[i1] - cs[i0]) / cnt
    mean[cnt == 0] = np.nan
    empty = tot == 0
    if np.any(empty) and times.size > 1:
        c = 0.5 * (start[empty] + end[empty])
        j = np.clip(np.searchsorted(times, c) - 1, 0, times.size - 2)
        w = (c - times[j]) / (times[j + 1] - times[j])
        interp = v[j] * (1 - w) + v[j + 1] * w
        interp[(w < 0) | (w > 1)] = np.nan
        mean[empty] = interp
    return mean


def synced_table(session: Session, measures: pd.DataFrame | None, acoustics: pd.DataFrame,
                 sync: Any = None) -> pd.DataFrame:
    """One row per image frame: measures plus acoustic features averaged over the frame.

    Parameters
    ----------
    session : Session
        Provides the frame clock (``sequence.times``, s) and, when ``sync`` is None, the audio
        clock (``session.clock``: offset and drift).
    measures : DataFrame or None
        Per-frame measures (``frame`` column, or one row per frame in order).
    acoustics : DataFrame
        :func:`vtract.analyze_audio` output (``time_s`` on the audio clock, s).
    sync : SyncResult or mapping, optional
        From :func:`vtract.synchronize` (or its ``sync.json``); its offset (s) and drift (ppm)
        replace the session's.

    Returns
    -------
    DataFrame
        ``frame``, ``time_s`` (frame centre, image clock, s), ``audio_time_s`` (frame centre, audio
        clock, s), the measures columns, then every acoustic column averaged over the frame's audio
        span ``[start, start + period)`` (drift included). Frames not fully covered by the audio get
        NaN acoustic values (warned about).

    Raises
    ------
    DataValueError
        When ``sync`` is for another number of frames, or ``acoustics`` has no ``time_s``.
    """
    seq = session.sequence
    n = seq.n_frames
    sync_n = getattr(sync, "n_frames", None) if not isinstance(sync, dict) else sync.get("n_frames")
    if sync_n and sync_n != n:
        raise DataValueError(f"session {session.session_id!r}: sync result is for {sync_n} frames, "
                             f"the sequence has {n}")
    if "time_s" not in acoustics.columns:
        raise DataValueError(f"session {session.session_id!r}: acoustics table needs a time_s "
                             "column (audio clock, s)")
    clock = session_clock(session, sync)
    start, end = clock.frame_spans_audio_s(n)
    out = pd.DataFrame({"frame": np.arange(n), "time_s": np.asarray(seq.times, dtype=float),
                        "audio_time_s": clock.frame_to_audio_time(seq.times)})
    if measures is not None:
        m = measures.copy()
        if "frame" not in m.columns:
            if len(m) != n:
                raise DataValueError(f"measures table has {len(m)} rows and no frame column; "
                                     f"session {session.session_id!r} has {n} frames")
            m["frame"] = np.arange(n)
        m = m.drop(columns=[c for c in ("time_s", "audio_time_s") if c in m.columns])
        out = out.merge(m, on="frame", how="left")
    at = acoustics.sort_values("time_s")
    t = at["time_s"].to_numpy(float)
    if session.audio is not None:
        dur = session.audio.duration_s
    else:
        dur = float((sync.get("audio_duration_s") if isinstance(sync, dict)
                     else getattr(sync, "audio_duration_s", np.nan)) or np.nan)
    covered = (start >= 0) & (end <= dur + 1e-9)
    for c in at.columns:
        if c == "time_s" or not np.issubdtype(at[c].dtype, np.number):
            continue
        col = _frame_average(t, at[c].to_numpy(float), start, end)
        col[~covered] = np.nan
        out[c] = col
    n_bad = int(np.sum(~covered))
    if n_bad:
        warnings.warn(f"session {session.session_id!r}: {n_bad} of {n} frames lie outside the "
                      f"audio ({dur:.3f} s); their acoustic columns are NaN", VtractWarning,
                      stacklevel=2)
    return out
