"""Alignment events for comparisons: session start, note onset (from f0), TextGrid interval, or given.

Every event is returned on the session's IMAGE clock (s); audio-clock times (acoustic tables,
TextGrids annotated on the audio) are converted with the session's clock (offset and drift).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ..errors import DataValueError
from ..session import Session
from ..synced import session_clock

__all__ = ["note_onset_s", "textgrid_interval_s", "event_time"]


def note_onset_s(times_s: np.ndarray, f0_hz: np.ndarray, *, min_voiced_s: float = 0.1) -> float:
    """First time at which f0 stays defined for at least ``min_voiced_s`` seconds.

    Parameters
    ----------
    times_s : ndarray, shape (n,)
        Analysis times in s (increasing).
    f0_hz : ndarray, shape (n,)
        Fundamental frequency in Hz, NaN (or <= 0) where unvoiced.
    min_voiced_s : float
        Minimum duration of the voiced run in s (skips short blips and noise).

    Returns
    -------
    float
        Onset time in s (on the clock of ``times_s``).

    Raises
    ------
    DataValueError
        If no voiced run is long enough.
    """
    t = np.asarray(times_s, float)
    v = np.isfinite(f0_hz) & (np.asarray(f0_hz, float) > 0)
    if t.size < 2:
        raise DataValueError("f0 track has fewer than 2 samples; cannot find a note onset")
    step = float(np.median(np.diff(t)))
    need = max(1, int(np.ceil(min_voiced_s / step)))
    # Run lengths of voiced samples (vectorised): start of each run and its length.
    edges = np.diff(np.concatenate([[0], v.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    ok = np.flatnonzero(ends - starts >= need)
    if ok.size == 0:
        raise DataValueError(f"no voiced run of at least {min_voiced_s} s in the f0 track; align on "
                             "'start', a TextGrid interval or explicit times instead")
    return float(t[starts[ok[0]]] - step / 2)


def _pitch_track(session: Session) -> pd.DataFrame:
    """f0 over the session's audio with Praat's default autocorrelation pitch (60-1200 Hz)."""
    pitch = session.audio.to_parselmouth().to_pitch(time_step=0.01, pitch_floor=60.0,
                                                    pitch_ceiling=1200.0)
    f0 = pitch.selected_array["frequency"].astype(float)
    f0[f0 <= 0] = np.nan
    return pd.DataFrame({"time_s": pitch.xs(), "f0_hz": f0})


def textgrid_interval_s(textgrid, name: str) -> float:
    """Time (s, the TextGrid's clock) of the first interval start or point labelled ``name``.

    Parameters
    ----------
    textgrid : path, :class:`vtract.textgrid.TextGrid` or parselmouth TextGrid
        Praat TextGrid. Paths are read with Praat (parselmouth); objects with ``.tiers`` (vtract's
        own reader) are used as they are.
    name : str
        Interval label or point mark (exact, surrounding spaces ignored).
    """
    want = name.strip()
    seen: list[str] = []
    if hasattr(textgrid, "tiers"):  # vtract.textgrid.TextGrid (duck-typed)
        for tier in textgrid.tiers:
            for item in getattr(tier, "intervals", []):
                if item.text.strip() == want:
                    return float(item.xmin)
                seen.append(item.text.strip())
            for item in getattr(tier, "points", []):
                if item.mark.strip() == want:
                    return float(item.time)
                seen.append(item.mark.strip())
    else:
        import parselmouth
        from parselmouth.praat import call

        tg = parselmouth.read(str(textgrid)) if isinstance(textgrid, str | os.PathLike) else textgrid
        for tier in range(1, int(call(tg, "Get number of tiers")) + 1):
            if call(tg, "Is interval tier", tier):
                for i in range(1, int(call(tg, "Get number of intervals", tier)) + 1):
                    label = call(tg, "Get label of interval", tier, i).strip()
                    if label == want:
                        return float(call(tg, "Get start time of interval", tier, i))
                    seen.append(label)
            else:
                for i in range(1, int(call(tg, "Get number of points", tier)) + 1):
                    label = call(tg, "Get label of point", tier, i).strip()
                    if label == want:
                        return float(call(tg, "Get time of point", tier, i))
                    seen.append(label)
    raise DataValueError(f"TextGrid {textgrid if isinstance(textgrid, str | os.PathLike) else ''}: "
                         f"no interval or point labelled {name!r}; labels found: "
                         f"{sorted(set(x for x in seen if x))[:20]}")


def event_time(session: Session, align, *, acoustics: pd.DataFrame | None = None,
               textgrid=None, explicit: float | None = None) -> float:
    """Image-clock time (s) of the alignment event in one session.

    Parameters
    ----------
    session : Session
        The session.
    align : str
        ``"start"`` (first frame), ``"note_onset"`` (first sustained f0), or a TextGrid interval label.
    acoustics : DataFrame, optional
        Acoustic table (``time_s`` audio clock, ``f0_hz``) used for ``"note_onset"``; otherwise the
        pitch is tracked with Praat.
    textgrid : path or TextGrid, optional
        For interval labels (default: ``session.ground_truth["textgrid"]`` or
        ``session.labels["textgrid"]``).
    explicit : float, optional
        Given image-clock time (s), returned as is.
    """
    seq = session.sequence
    if explicit is not None:
        return float(explicit)
    if align == "start":
        return seq.t0_s
    clock = session_clock(session, assume_zero=True)
    if align == "note_onset":
        if acoustics is None or "f0_hz" not in acoustics:
            if session.audio is None:
                raise DataValueError(f"session {session.session_id!r} has no audio: cannot find a "
                                     "note onset; align on 'start' or explicit times")
            acoustics = _pitch_track(session)
        t_audio = note_onset_s(acoustics["time_s"].to_numpy(float), acoustics["f0_hz"].to_numpy(float))
        return float(clock.audio_to_frame_time(t_audio))
    if isinstance(align, str):
        tg = textgrid or session.ground_truth.get("textgrid") or session.labels.get("textgrid")
        if tg is None:
            raise DataValueError(
                f"align={align!r} names a TextGrid interval but session {session.session_id!r} has "
                "no TextGrid; pass textgrid_a=/textgrid_b= or align='start'|'note_onset'|(t_a, t_b)")
        return float(clock.audio_to_frame_time(textgrid_interval_s(tg, align)))
    raise DataValueError(f"align must be 'start', 'note_onset', a TextGrid label or (t_a, t_b); "
                         f"got {align!r}")
