"""``render_comparison``: two sessions side by side, aligned on an event, in one MP4."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._atomic import atomic_path
from ..errors import DataValueError
from ..session import Session
from ._align import event_time
from ._audio import check_slow_audio, soundtrack
from ._compose import DEFAULT_SHOW
from ._encode import VideoEncoder, poster_index, save_png, write_wav
from ._strip import MIN_STRIP_HEIGHT
from ._timeline import make_timeline
from ._view import DEFAULT_TRACES, SessionView, audio_clock, denoised, resolve_acoustics, resolve_labels

__all__ = ["render_comparison"]

_GAP_PX = 4


def render_comparison(session_a: Session, session_b: Session, out_path: str | os.PathLike, *,
                      align="start", labels_a=None, labels_b=None,
                      acoustics_a: pd.DataFrame | None = None,
                      acoustics_b: pd.DataFrame | None = None,
                      measures_a: pd.DataFrame | None = None,
                      measures_b: pd.DataFrame | None = None, textgrid_a=None, textgrid_b=None,
                      titles: tuple[str, str] | None = None, audio: str = "a",
                      pre_s: float | None = None, post_s: float | None = None,
                      traces: Sequence[str] = DEFAULT_TRACES, colors: Mapping | None = None,
                      show: Sequence[int | str] = DEFAULT_SHOW, slow: float = 1.0,
                      slow_audio: str = "lengthen", size: int = 480, fps_out: float | None = None,
                      strip_height: int | None = None, interpolate: bool = True,
                      line_width: float | None = None, analyze: bool = True,
                      denoise: bool = False, crf: int = 20,
                      preset: str = "veryfast", threads: int | None = None,
                      poster: str | os.PathLike | None = None) -> Path:
    """Render two sessions side by side (e.g. student | reference), aligned on an event.

    Parameters
    ----------
    session_a, session_b : Session
        Left and right sessions (their frame rates may differ; each shows its own frames).
    out_path : path
        Output ``.mp4``, written atomically.
    align : {"start", "note_onset"}, str or (float, float)
        Event shown at the same moment in both: the first frame, the note onset (first f0 run of
        >= 0.1 s), a TextGrid interval label (its start), or explicit image-clock times ``(t_a, t_b)``
        in s.
    labels_a, labels_b : ndarray or Segmentation, optional
        Label maps of each session.
    acoustics_a, acoustics_b, measures_a, measures_b : DataFrame, optional
        As in :func:`render_video`.
    textgrid_a, textgrid_b : path or parselmouth TextGrid, optional
        TextGrids (audio clock) for interval-label alignment.
    titles : (str, str), optional
        Panel titles (default ``"A: <session_id>"``, ``"B: <session_id>"``).
    audio : {"a", "b", "mix"}
        Sound track: session A's, B's, or both mixed at half level.
    pre_s, post_s : float, optional
        Seconds shown before and after the event (default: as much as both sessions have).
    traces, colors, show, slow, slow_audio, fps_out, strip_height, interpolate, line_width,
    analyze, denoise, crf, preset, threads
        As in :func:`render_video`.
    size : int
        MRI panel height in pixels (each side).
    poster : path, optional
        Also save the frame at the alignment event as PNG.

    Returns
    -------
    Path
        ``out_path``.
    """
    if audio not in ("a", "b", "mix"):
        raise DataValueError(f"audio must be 'a', 'b' or 'mix', got {audio!r}")
    session_a, session_b = denoised(session_a, denoise), denoised(session_b, denoise)
    sessions = (session_a, session_b)
    for s in sessions:
        check_slow_audio(slow, slow_audio, has_audio=s.audio is not None)
    labs = (resolve_labels(session_a, labels_a), resolve_labels(session_b, labels_b))
    acs = (resolve_acoustics(session_a, acoustics_a, analyze=analyze),
           resolve_acoustics(session_b, acoustics_b, analyze=analyze))
    if isinstance(align, tuple | list):
        if len(align) != 2:
            raise DataValueError(f"align=(t_a, t_b) needs two image-clock times, got {align!r}")
        events = (float(align[0]), float(align[1]))
    else:
        events = tuple(event_time(s, align, acoustics=a, textgrid=tg)
                       for s, a, tg in zip(sessions, acs, (textgrid_a, textgrid_b)))
    starts = [s.sequence.t0_s for s in sessions]
    ends = [s.sequence.t0_s + s.sequence.duration_s for s in sessions]
    before = min(e - s for e, s in zip(events, starts))
    after = min(e2 - e for e, e2 in zip(events, ends))
    if pre_s is not None:
        before = min(before, float(pre_s))
    if post_s is not None:
        after = min(after, float(post_s))
    if before + after <= 0:
        raise DataValueError(f"aligned on {align!r} (events at {events[0]:.3f} s and "
                             f"{events[1]:.3f} s), the sessions do not overlap in time")
    spans = [(e - before, e + after) for e in events]
    timeline = make_timeline(before + after, max(s.sequence.fps for s in sessions), slow=slow,
                             fps_out=fps_out)
    if titles is None:
        titles = (f"A: {session_a.session_id}", f"B: {session_b.session_id}")
    any_strip = any(s.audio is not None for s in sessions) or any(
        m is not None and any(c in m for c in traces) for m in (measures_a, measures_b))
    sh = strip_height if strip_height is not None else ((size // 3) // 2 * 2 if any_strip else 0)
    if strip_height is None and sh < MIN_STRIP_HEIGHT:
        sh = 0  # too small to read at this size
    badge = f"{slow:g}x" if slow != 1.0 else None
    views = [SessionView(s, t0, t1, labels=lab, acoustics=ac, measures=me, traces=traces,
                         colors=colors, show=show, size=size, strip_height=sh, title=ti,
                         interpolate=interpolate, badge=badge, force_strip=sh > 0,
                         line_width=line_width)
             for s, (t0, t1), lab, ac, me, ti in zip(sessions, spans, labs, acs,
                                                    (measures_a, measures_b), titles)]
    width = views[0].width + _GAP_PX + views[1].width
    height = max(v.height for v in views)
    with tempfile.TemporaryDirectory(prefix="vtract_cmp_") as tmp:
        wav = _comparison_audio(sessions, spans, timeline, slow, slow_audio, audio, Path(tmp))
        frame = np.zeros((height, width, 3), np.uint8)
        frame[:, views[0].width:views[0].width + _GAP_PX] = 255
        left = frame[:views[0].height, :views[0].width]
        right = frame[:views[1].height, views[0].width + _GAP_PX:]
        with atomic_path(out_path) as tmp_out:
            with VideoEncoder(tmp_out, width, height, timeline.fps_out, audio_path=wav, crf=crf,
                              preset=preset, threads=threads) as enc:
                j_poster = (poster_index(timeline.clip_times, before) if poster is not None
                            else -1)
                for j, tc in enumerate(timeline.clip_times):
                    views[0].render_into(left, spans[0][0] + float(tc))
                    views[1].render_into(right, spans[1][0] + float(tc))
                    enc.write(frame)
                    if j == j_poster:
                        save_png(frame, poster)
    return Path(out_path)


def _comparison_audio(sessions, spans, timeline, slow, slow_audio, which, tmp: Path):
    """Write the comparison's WAV track (A, B or both mixed) and return its path (or None)."""
    from scipy.signal import resample_poly

    picks = {"a": [0], "b": [1], "mix": [0, 1]}[which]
    picks = [i for i in picks if sessions[i].audio is not None]
    if not picks:
        return None
    sr = sessions[picks[0]].audio.sample_rate_hz
    n = int(round(timeline.duration_s * sr))
    mix = np.zeros(n)
    for i in picks:
        s = sessions[i]
        a0, a1 = audio_clock(s).frame_to_audio_time([spans[i][0], spans[i][1]]).tolist()
        track = soundtrack(s.audio, a0, a1, slow=slow,
                           n_out_samples=int(round(timeline.duration_s * s.audio.sample_rate_hz)),
                           mode="mute" if slow_audio == "mute" else "lengthen")
        if s.audio.sample_rate_hz != sr:
            from fractions import Fraction

            q = Fraction(sr / s.audio.sample_rate_hz).limit_denominator(1000)
            track = resample_poly(track, q.numerator, q.denominator)
        track = track[:n] if track.size >= n else np.pad(track, (0, n - track.size))
        mix += track / len(picks)
    return write_wav(tmp / "audio.wav", mix, sr)
